//! The operations resource `{+restconf}/operations` (RFC 8040 §3.3.2): one empty leaf per
//! operation the server offers, named by its module. In XML each is an empty element in its
//! module's namespace inside `ietf-restconf:operations`; in JSON a member `module:name`
//! whose value is `[null]`, the JSON encoding of an `empty` leaf (RFC 7951 §6.9).

use super::{BodyError, Encoding};
use crate::ns;
use crate::xml::escape;

/// One operation the resource names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOperation {
    /// The module's name (JSON) or namespace (XML).
    pub qualifier: String,
    pub name: String,
    /// Whether it is written as an empty leaf (`[null]` in JSON, no content in XML).
    pub empty: bool,
}

/// The resource's body for these operations (module, namespace, name).
pub fn body(operations: &[(&str, &str, &str)], encoding: Encoding) -> String {
    match encoding {
        Encoding::Xml => {
            let inner: String = operations
                .iter()
                .map(|(_, namespace, name)| format!("<{name} xmlns=\"{}\"/>", escape(namespace)))
                .collect();
            format!(
                "<operations xmlns=\"{}\">{inner}</operations>",
                ns::RESTCONF
            )
        }
        Encoding::Json => {
            let members: serde_json::Map<String, serde_json::Value> = operations
                .iter()
                .map(|(module, _, name)| {
                    (
                        format!("{module}:{name}"),
                        serde_json::Value::Array(vec![serde_json::Value::Null]),
                    )
                })
                .collect();
            serde_json::json!({ "ietf-restconf:operations": members }).to_string()
        }
    }
}

/// The operations a body names.
pub fn parse(body: &str, encoding: Encoding) -> Result<Vec<ListedOperation>, BodyError> {
    match encoding {
        Encoding::Json => {
            let value: serde_json::Value = serde_json::from_str(body)?;
            let members = value
                .get("ietf-restconf:operations")
                .and_then(serde_json::Value::as_object)
                .ok_or_else(|| BodyError::UnexpectedRoot {
                    found: "another member".to_owned(),
                    expected: "ietf-restconf:operations",
                })?;
            Ok(members
                .iter()
                .map(|(qualified, value)| {
                    let (qualifier, name) = qualified.split_once(':').unwrap_or(("", qualified));
                    ListedOperation {
                        qualifier: qualifier.to_owned(),
                        name: name.to_owned(),
                        empty: value
                            .as_array()
                            .is_some_and(|a| a.len() == 1 && a[0].is_null()),
                    }
                })
                .collect())
        }
        Encoding::Xml => {
            let root = super::restconf_root(
                body,
                "operations",
                "operations in the ietf-restconf namespace",
            )?;
            Ok(root
                .children
                .iter()
                .map(|e| ListedOperation {
                    qualifier: e.name.namespace.clone(),
                    name: e.name.local.clone(),
                    empty: e.children.is_empty() && e.text.trim().is_empty(),
                })
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_reads_back_in_both_encodings() {
        let operations = [("ex", "urn:ex", "reboot"), ("ey", "urn:ey", "ping")];
        for encoding in Encoding::ALL {
            let listed = parse(&body(&operations, encoding), encoding).expect("parses");
            assert_eq!(listed.len(), 2, "{encoding:?}");
            assert!(listed.iter().all(|o| o.empty), "{encoding:?}");
            assert!(listed.iter().any(|o| o.name == "ping"), "{encoding:?}");
        }
        let bare_null = r#"{"ietf-restconf:operations":{"ex:reboot":null}}"#;
        assert!(!parse(bare_null, Encoding::Json).expect("parses")[0].empty);
        assert!(parse("{}", Encoding::Json).is_err());
        assert!(parse("<operations/>", Encoding::Xml).is_err());
    }
}
