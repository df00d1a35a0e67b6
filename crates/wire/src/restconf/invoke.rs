//! The envelopes of an operation invoked through `{+restconf}/operations/<module>:<name>`
//! (RFC 8040 §3.6): its input travels as `input` and its output as `output`, each in the
//! operation's module (`<input xmlns="ns">` in XML, `{"module:input": {...}}` in JSON).
//! libyang reads and writes an operation as the operation's own node (`<name xmlns="ns">`,
//! `{"module:name": {...}}`); [`reroot`] turns one envelope into the other, leaving what is
//! inside as it is (XML gets the prefix declarations in scope carried in).

use super::{BodyError, Encoding};
use crate::xml::{escape, Walker};

/// The operation an `{+restconf}/operations/...` path segment names: `module:name`.
pub fn parse_segment(segment: &str) -> Option<(&str, &str)> {
    let (module, name) = segment.split_once(':')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    (valid(module) && valid(name)).then_some((module, name))
}

/// The body whose root is `from` (of the operation's module: `module` in JSON, `namespace`
/// in XML) as the same content under `to`. An empty body (an operation invoked without
/// input) is an empty `to`.
pub fn reroot(
    body: &str,
    encoding: Encoding,
    module: &str,
    namespace: &str,
    from: &str,
    to: &str,
) -> Result<String, BodyError> {
    match encoding {
        Encoding::Json => {
            let qualified = format!("{module}:{from}");
            let inner = if body.trim().is_empty() {
                serde_json::Value::Object(serde_json::Map::new())
            } else {
                let value: serde_json::Value = serde_json::from_str(body)?;
                match value {
                    serde_json::Value::Object(mut object)
                        if object.len() == 1 && object.contains_key(&qualified) =>
                    {
                        object.remove(&qualified).unwrap_or_default()
                    }
                    other => {
                        return Err(BodyError::Invalid {
                            element: "operation envelope",
                            reason: format!(
                                "the root is {}, not the one member {qualified}",
                                describe_json(&other)
                            ),
                        })
                    }
                }
            };
            let mut object = serde_json::Map::new();
            object.insert(format!("{module}:{to}"), inner);
            Ok(serde_json::Value::Object(object).to_string())
        }
        Encoding::Xml => {
            let namespace_attribute = escape(namespace);
            if body.trim().is_empty() {
                return Ok(format!("<{to} xmlns=\"{namespace_attribute}\"/>"));
            }
            let mut walker = Walker::new(body);
            let (empty, content) =
                super::open_root(&mut walker, from, namespace, "the operation's envelope")?;
            let inner = super::raw_content(&mut walker, from, empty, content)?;
            Ok(format!(
                "<{to} xmlns=\"{namespace_attribute}\">{inner}</{to}>"
            ))
        }
    }
}

/// What a JSON root is, for messages.
fn describe_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(object) => {
            let names: Vec<&str> = object.keys().map(String::as_str).collect();
            format!("an object of {}", names.join(", "))
        }
        other => super::json_kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring";
    const MODULE: &str = "ietf-netconf-monitoring";

    #[test]
    fn inputs_and_outputs_change_envelope_both_ways() {
        let xml = format!("<input xmlns=\"{NS}\"><identifier>m</identifier></input>");
        let operation =
            reroot(&xml, Encoding::Xml, MODULE, NS, "input", "get-schema").expect("xml input");
        assert_eq!(
            operation,
            format!("<get-schema xmlns=\"{NS}\"><identifier>m</identifier></get-schema>")
        );
        let back =
            reroot(&operation, Encoding::Xml, MODULE, NS, "get-schema", "input").expect("back");
        assert_eq!(back, xml);
        let json = r#"{"ietf-netconf-monitoring:output":{"data":"module m {}"}}"#;
        let operation =
            reroot(json, Encoding::Json, MODULE, NS, "output", "get-schema").expect("json output");
        assert_eq!(
            operation,
            r#"{"ietf-netconf-monitoring:get-schema":{"data":"module m {}"}}"#
        );
    }

    #[test]
    fn an_empty_body_is_an_empty_envelope() {
        assert_eq!(
            reroot("", Encoding::Xml, MODULE, NS, "input", "get-schema").expect("xml"),
            format!("<get-schema xmlns=\"{NS}\"/>")
        );
        assert_eq!(
            reroot(" ", Encoding::Json, MODULE, NS, "input", "get-schema").expect("json"),
            r#"{"ietf-netconf-monitoring:get-schema":{}}"#
        );
    }

    #[test]
    fn another_root_is_refused() {
        for (body, encoding) in [
            (format!("<output xmlns=\"{NS}\"/>"), Encoding::Xml),
            ("<input xmlns=\"urn:other\"/>".to_owned(), Encoding::Xml),
            (r#"{"other:input":{}}"#.to_owned(), Encoding::Json),
            (
                r#"{"ietf-netconf-monitoring:input":{},"x:y":1}"#.to_owned(),
                Encoding::Json,
            ),
            ("[1]".to_owned(), Encoding::Json),
        ] {
            assert!(
                reroot(&body, encoding, MODULE, NS, "input", "get-schema").is_err(),
                "{body}"
            );
        }
    }

    #[test]
    fn segments_name_a_module_and_an_operation() {
        assert_eq!(
            parse_segment("ietf-netconf-monitoring:get-schema"),
            Some(("ietf-netconf-monitoring", "get-schema"))
        );
        for bad in ["get-schema", ":x", "m:", "m:a/b", "m:a b"] {
            assert_eq!(parse_segment(bad), None, "{bad}");
        }
    }
}
