//! The `ietf-restconf:errors` body (RFC 8040 §7.1) that a server sends with a 4xx or 5xx
//! status, in XML or JSON.
//!
//! Each error is the same record as a NETCONF `<rpc-error>` without its severity, so it is read
//! into [`RpcError`] and the steps judge both protocols' errors with one vocabulary. Fields
//! stay optional: a body that lacks `error-type` or `error-tag` is still read, so that the
//! conformance scenario can say which mandatory field is missing. `error-info` is kept as the
//! raw content in the body's own encoding (XML elements, or the JSON object's text).

use serde_json::{Map, Value};

use super::{json_kind, json_string, single_member, BodyError, Encoding};
use crate::message::{parse_error_record, ErrorType, RpcError};
use crate::ns;
use crate::xml::{escape, Step, Walker, XmlError};

/// The JSON name of the errors container (RFC 8040 §7.1).
pub const JSON_MEMBER: &str = "ietf-restconf:errors";

/// An `errors` body: the list of errors, in the order the server sent them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Errors {
    pub errors: Vec<RpcError>,
}

impl Errors {
    /// One error with a type, a tag and a message: what a server most often sends.
    pub fn single(error_type: ErrorType, tag: &str, message: &str) -> Errors {
        Errors {
            errors: vec![RpcError {
                error_type: Some(error_type),
                tag: Some(tag.to_owned()),
                message: Some(message.to_owned()),
                ..RpcError::default()
            }],
        }
    }

    /// Reads a body in the given encoding.
    pub fn parse(body: &str, encoding: Encoding) -> Result<Errors, BodyError> {
        match encoding {
            Encoding::Xml => Self::parse_xml(body),
            Encoding::Json => Self::parse_json(body),
        }
    }

    /// Reads `<errors xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf">`.
    pub fn parse_xml(body: &str) -> Result<Errors, BodyError> {
        let mut walker = Walker::new(body);
        let (empty, _) = super::open_root(
            &mut walker,
            "errors",
            ns::RESTCONF,
            "errors in the ietf-restconf namespace",
        )?;
        let mut errors = Errors::default();
        if !empty {
            read_error_list(&mut walker, "errors", &mut errors.errors)?;
        }
        Ok(errors)
    }

    /// Reads `{"ietf-restconf:errors": {"error": [...]}}`.
    pub fn parse_json(body: &str) -> Result<Errors, BodyError> {
        let document: Value = serde_json::from_str(body)?;
        let container = single_member(&document, JSON_MEMBER)?;
        Ok(Errors {
            errors: errors_from_json(container)?,
        })
    }

    /// Writes the body in the given encoding. An `info` that is not valid in the target
    /// encoding (XML elements for JSON) is left out rather than written corrupt.
    pub fn to_body(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Xml => format!(
                "<errors xmlns=\"{}\">{}</errors>",
                ns::RESTCONF,
                errors_xml(&self.errors)
            ),
            Encoding::Json => {
                let mut top = Map::new();
                top.insert(JSON_MEMBER.to_owned(), errors_json(&self.errors));
                Value::Object(top).to_string()
            }
        }
    }
}

/// Reads the `<error>` children of an element until it closes (the walker stands inside it).
pub(crate) fn read_error_list(
    walker: &mut Walker<'_>,
    container: &str,
    into: &mut Vec<RpcError>,
) -> Result<(), BodyError> {
    loop {
        match walker.next()? {
            Step::Open {
                name,
                empty,
                content,
                ..
            } => {
                if name.local == "error" {
                    into.push(if empty {
                        RpcError::default()
                    } else {
                        parse_error_record(walker, "error")?
                    });
                } else if !empty {
                    walker.skip_content(&name.local, content)?;
                }
            }
            Step::Close { .. } => return Ok(()),
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed(container.to_owned()).into()),
        }
    }
}

/// The errors of a JSON `errors` container's value: `{"error": [...]}`.
pub(crate) fn errors_from_json(container: &Value) -> Result<Vec<RpcError>, BodyError> {
    let invalid = |reason: String| BodyError::Invalid {
        element: "errors",
        reason,
    };
    let object = container
        .as_object()
        .ok_or_else(|| invalid(format!("is {}, not an object", json_kind(container))))?;
    let list = match object.get("error") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(invalid(format!(
                "\"error\" is {}, not a list (RFC 7951 §5.4)",
                json_kind(other)
            )))
        }
    };
    list.iter()
        .map(|entry| {
            let fields = entry
                .as_object()
                .ok_or_else(|| invalid(format!("an error is {}", json_kind(entry))))?;
            Ok(RpcError {
                error_type: json_string(fields, "error-type", "error")?
                    .map(|t| ErrorType::parse(t.trim())),
                tag: json_string(fields, "error-tag", "error")?,
                app_tag: json_string(fields, "error-app-tag", "error")?,
                path: json_string(fields, "error-path", "error")?,
                message: json_string(fields, "error-message", "error")?,
                info: fields.get("error-info").map(Value::to_string),
                ..RpcError::default()
            })
        })
        .collect()
}

/// The `<error>` elements of a list, in the namespace of their container.
pub(crate) fn errors_xml(errors: &[RpcError]) -> String {
    let mut out = String::new();
    for error in errors {
        out.push_str("<error>");
        let mut leaf = |name: &str, value: &Option<String>| {
            if let Some(value) = value {
                out.push_str(&format!("<{name}>{}</{name}>", escape(value)));
            }
        };
        leaf(
            "error-type",
            &error.error_type.as_ref().map(|t| t.as_str().to_owned()),
        );
        leaf("error-tag", &error.tag);
        leaf("error-app-tag", &error.app_tag);
        leaf("error-path", &error.path);
        leaf("error-message", &error.message);
        if let Some(info) = error
            .info
            .as_deref()
            .filter(|i| crate::tree::Element::parse_fragment(i).is_ok())
        {
            out.push_str(&format!("<error-info>{info}</error-info>"));
        }
        out.push_str("</error>");
    }
    out
}

/// The value of a JSON `errors` container: `{"error": [...]}`.
pub(crate) fn errors_json(errors: &[RpcError]) -> Value {
    let list = errors
        .iter()
        .map(|error| {
            let mut fields = Map::new();
            let mut leaf = |name: &str, value: Option<&str>| {
                if let Some(value) = value {
                    fields.insert(name.to_owned(), Value::String(value.to_owned()));
                }
            };
            leaf(
                "error-type",
                error.error_type.as_ref().map(ErrorType::as_str),
            );
            leaf("error-tag", error.tag.as_deref());
            leaf("error-app-tag", error.app_tag.as_deref());
            leaf("error-path", error.path.as_deref());
            leaf("error-message", error.message.as_deref());
            if let Some(info) = error
                .info
                .as_deref()
                .and_then(|i| serde_json::from_str::<Value>(i).ok())
                .filter(Value::is_object)
            {
                fields.insert("error-info".to_owned(), info);
            }
            Value::Object(fields)
        })
        .collect();
    let mut container = Map::new();
    container.insert("error".to_owned(), Value::Array(list));
    Value::Object(container)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8040 §7.1's lock-denied example, in our own values.
    const XML: &str = r#"<errors xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf">
  <error>
    <error-type>protocol</error-type>
    <error-tag>lock-denied</error-tag>
    <error-message>Lock failed; lock already held</error-message>
    <error-info><session-id xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">7</session-id></error-info>
  </error>
</errors>"#;

    const JSON: &str = r#"{"ietf-restconf:errors":{"error":[{"error-type":"protocol","error-tag":"lock-denied","error-message":"Lock failed; lock already held","error-info":{"session-id":7}}]}}"#;

    #[test]
    fn both_encodings_read_into_the_same_records() {
        let xml = Errors::parse(XML, Encoding::Xml).expect("xml");
        let json = Errors::parse(JSON, Encoding::Json).expect("json");
        for errors in [&xml, &json] {
            assert_eq!(errors.errors.len(), 1);
            let error = &errors.errors[0];
            assert_eq!(error.error_type, Some(ErrorType::Protocol));
            assert_eq!(error.error_tag(), Some(crate::ErrorTag::LockDenied));
            assert_eq!(
                error.message.as_deref(),
                Some("Lock failed; lock already held")
            );
            assert_eq!(error.severity, None);
        }
        assert_eq!(xml.errors[0].info_field("session-id").as_deref(), Some("7"));
        assert_eq!(json.errors[0].info.as_deref(), Some(r#"{"session-id":7}"#));
    }

    #[test]
    fn written_bodies_read_back_the_same() {
        let errors = Errors::single(ErrorType::Application, "data-exists", "already <there>");
        for encoding in Encoding::ALL {
            let body = errors.to_body(encoding);
            assert_eq!(
                Errors::parse(&body, encoding).expect("reads back"),
                errors,
                "{body}"
            );
        }
        let with_info = Errors::parse(XML, Encoding::Xml).expect("xml");
        let again = Errors::parse(&with_info.to_body(Encoding::Xml), Encoding::Xml).expect("again");
        assert_eq!(
            again.errors[0].info_field("session-id").as_deref(),
            Some("7")
        );
        let json = Errors::parse(JSON, Encoding::Json).expect("json");
        assert_eq!(
            Errors::parse(&json.to_body(Encoding::Json), Encoding::Json).expect("again"),
            json
        );
    }

    #[test]
    fn a_missing_field_is_kept_missing_and_a_wrong_root_is_refused() {
        let no_tag = r#"{"ietf-restconf:errors":{"error":[{"error-type":"rpc"}]}}"#;
        let errors = Errors::parse_json(no_tag).expect("reads");
        assert_eq!(errors.errors[0].tag, None);
        for wrong in [
            r#"{"errors":{"error":[]}}"#,
            r#"{"ietf-restconf:errors":{"error":{}}}"#,
            r#"["ietf-restconf:errors"]"#,
            "not json",
        ] {
            assert!(Errors::parse_json(wrong).is_err(), "{wrong}");
        }
        assert!(
            Errors::parse_xml("<errors><error/></errors>").is_err(),
            "no namespace"
        );
        assert!(
            Errors::parse_xml("<errors xmlns=\"urn:ietf:params:xml:ns:yang:ietf-restconf\">")
                .is_err()
        );
    }
}
