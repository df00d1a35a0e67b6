//! The API resource `{+restconf}` (RFC 8040 §3.3) and its `yang-library-version` leaf
//! (§3.3.3): the `ietf-restconf:restconf` container with `data`, `operations` and the
//! revision of the YANG library the server implements, in XML or JSON.

use super::{single_member, BodyError, Encoding};
use crate::ns;
use crate::xml::escape;

/// What the API resource says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiResource {
    /// Whether it names the datastore resource (`data`).
    pub data: bool,
    /// Whether it names the operations resource (`operations`).
    pub operations: bool,
    /// The YANG library revision (`2019-01-04`), when given.
    pub yang_library_version: Option<String>,
}

/// The JSON name of the API resource.
const JSON_MEMBER: &str = "ietf-restconf:restconf";
/// The JSON name of the version resource.
const JSON_VERSION: &str = "ietf-restconf:yang-library-version";

/// The API resource's body, naming this YANG library revision.
pub fn body(version: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Xml => format!(
            "<restconf xmlns=\"{}\"><data/><operations/><yang-library-version>{}</yang-library-version></restconf>",
            ns::RESTCONF,
            escape(version)
        ),
        Encoding::Json => serde_json::json!({
            JSON_MEMBER: { "data": {}, "operations": {}, "yang-library-version": version }
        })
        .to_string(),
    }
}

/// The `yang-library-version` resource's body.
pub fn version_body(version: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Xml => format!(
            "<yang-library-version xmlns=\"{}\">{}</yang-library-version>",
            ns::RESTCONF,
            escape(version)
        ),
        Encoding::Json => serde_json::json!({ JSON_VERSION: version }).to_string(),
    }
}

/// Reads the API resource.
pub fn parse(body: &str, encoding: Encoding) -> Result<ApiResource, BodyError> {
    match encoding {
        Encoding::Json => {
            let value: serde_json::Value = serde_json::from_str(body)?;
            let api = single_member(&value, JSON_MEMBER)?;
            Ok(ApiResource {
                data: api.get("data").is_some(),
                operations: api.get("operations").is_some(),
                yang_library_version: api
                    .get("yang-library-version")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
            })
        }
        Encoding::Xml => {
            let root =
                super::restconf_root(body, "restconf", "restconf in the ietf-restconf namespace")?;
            Ok(ApiResource {
                data: root.child("data").is_some(),
                operations: root.child("operations").is_some(),
                yang_library_version: root
                    .child("yang-library-version")
                    .map(|v| v.text.trim().to_owned()),
            })
        }
    }
}

/// Reads the `yang-library-version` resource: the revision it names.
pub fn parse_version(body: &str, encoding: Encoding) -> Result<String, BodyError> {
    match encoding {
        Encoding::Json => {
            let value: serde_json::Value = serde_json::from_str(body)?;
            single_member(&value, JSON_VERSION)?
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| BodyError::Invalid {
                    element: "yang-library-version",
                    reason: "not a string".to_owned(),
                })
        }
        Encoding::Xml => {
            let root = super::restconf_root(
                body,
                "yang-library-version",
                "yang-library-version in the ietf-restconf namespace",
            )?;
            Ok(root.text.trim().to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_resource_reads_back_in_both_encodings() {
        for encoding in Encoding::ALL {
            let read = parse(&body("2019-01-04", encoding), encoding).expect("parses");
            assert_eq!(
                read,
                ApiResource {
                    data: true,
                    operations: true,
                    yang_library_version: Some("2019-01-04".to_owned()),
                },
                "{encoding}"
            );
            assert_eq!(
                parse_version(&version_body("2016-06-21", encoding), encoding).expect("version"),
                "2016-06-21"
            );
        }
    }

    #[test]
    fn what_is_missing_or_misplaced_shows() {
        let bare = r#"{"ietf-restconf:restconf":{"data":{}}}"#;
        let read = parse(bare, Encoding::Json).expect("parses");
        assert!(read.data && !read.operations && read.yang_library_version.is_none());
        assert!(parse(r#"{"restconf":{}}"#, Encoding::Json).is_err());
        assert!(parse("<restconf xmlns=\"urn:other\"/>", Encoding::Xml).is_err());
        assert!(parse_version(
            r#"{"ietf-restconf:yang-library-version":7}"#,
            Encoding::Json
        )
        .is_err());
    }
}
