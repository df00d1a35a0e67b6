//! The query parameters of a RESTCONF read that choose what comes back (RFC 8040 §4.8.2,
//! §4.8.3), and the capability URIs a server lists in `ietf-restconf-monitoring` to say which
//! of them it supports (RFC 8040 §9.1.1). Parsing and writing only; what a parameter selects
//! in a tree is the server's business.

use super::{BodyError, Encoding};
use crate::tree::Element;

/// Where RESTCONF capability URIs start (RFC 8040 §9.1.1, §11.4).
pub const CAPABILITY_PREFIX: &str = "urn:ietf:params:restconf:capability:";

use crate::ns::RESTCONF_MONITORING as MONITORING_NAMESPACE;

/// A capability URI of RFC 8040 §9.1.1 and RFC 8072 §4.3, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestconfCapability {
    /// `depth`, `fields`, `filter`, `replay`, `with-defaults`, `defaults`, `yang-patch`, ...
    pub name: String,
    pub version: String,
    /// The parameters after `?` (`basic-mode=explicit`).
    pub parameters: Vec<(String, String)>,
}

impl RestconfCapability {
    /// The URI of `name` at version 1.0, with no parameters.
    pub fn uri(name: &str) -> String {
        format!("{CAPABILITY_PREFIX}{name}:1.0")
    }

    /// Reads a capability URI; `None` when it is not a RESTCONF one.
    pub fn parse(uri: &str) -> Option<RestconfCapability> {
        let rest = uri.trim().strip_prefix(CAPABILITY_PREFIX)?;
        let (head, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (name, version) = head.split_once(':')?;
        if name.is_empty() || version.is_empty() {
            return None;
        }
        let parameters = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (key, value) = p.split_once('=').unwrap_or((p, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect();
        Some(RestconfCapability {
            name: name.to_owned(),
            version: version.to_owned(),
            parameters,
        })
    }

    /// The value of a parameter.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The URIs of an `ietf-restconf-monitoring` `capabilities` container, read as the resource
/// `.../restconf-state/capabilities` (XML element or JSON member `capabilities`) or as the
/// `restconf-state` container around it.
pub fn capability_list(body: &str, encoding: Encoding) -> Result<Vec<String>, BodyError> {
    match encoding {
        Encoding::Json => {
            let value: serde_json::Value = serde_json::from_str(body)?;
            let object = value.as_object().ok_or_else(|| BodyError::UnexpectedRoot {
                found: "a JSON value that is not an object".to_owned(),
                expected: "ietf-restconf-monitoring:capabilities",
            })?;
            let (name, inner) = object.iter().next().ok_or_else(|| BodyError::Invalid {
                element: "capabilities",
                reason: "an empty object".to_owned(),
            })?;
            let capabilities = match name.as_str() {
                "ietf-restconf-monitoring:capabilities" => inner,
                "ietf-restconf-monitoring:restconf-state" => inner
                    .get("capabilities")
                    .unwrap_or(&serde_json::Value::Null),
                other => {
                    return Err(BodyError::UnexpectedRoot {
                        found: other.to_owned(),
                        expected: "ietf-restconf-monitoring:capabilities",
                    })
                }
            };
            let list = capabilities
                .get("capability")
                .and_then(serde_json::Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            list.iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| BodyError::Invalid {
                            element: "capability",
                            reason: format!("{v} is not a string"),
                        })
                })
                .collect()
        }
        Encoding::Xml => {
            let root = Element::parse(body)?;
            if root.name.namespace != MONITORING_NAMESPACE {
                return Err(BodyError::UnexpectedRoot {
                    found: root.name.to_string(),
                    expected: "capabilities in the ietf-restconf-monitoring namespace",
                });
            }
            let capabilities = match root.name.local.as_str() {
                "capabilities" => Some(&root),
                "restconf-state" => root.child("capabilities"),
                _ => {
                    return Err(BodyError::UnexpectedRoot {
                        found: root.name.to_string(),
                        expected: "capabilities in the ietf-restconf-monitoring namespace",
                    })
                }
            };
            Ok(capabilities
                .map(|c| {
                    c.children
                        .iter()
                        .filter(|e| e.name.local == "capability")
                        .map(|e| e.text.trim().to_owned())
                        .collect()
                })
                .unwrap_or_default())
        }
    }
}

/// The `depth` query parameter (RFC 8040 §4.8.2): how many levels below and including the
/// target a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// 1 to 65535: the target is level 1.
    Levels(u16),
    Unbounded,
}

impl Depth {
    /// Reads a `depth` value; `None` for anything but `unbounded` or 1 to 65535.
    pub fn parse(value: &str) -> Option<Depth> {
        if value == "unbounded" {
            return Some(Depth::Unbounded);
        }
        // Digits only: no sign, no spaces.
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match value.parse::<u16>() {
            Ok(0) | Err(_) => None,
            Ok(levels) => Some(Depth::Levels(levels)),
        }
    }

    pub fn as_string(self) -> String {
        match self {
            Depth::Levels(levels) => levels.to_string(),
            Depth::Unbounded => "unbounded".to_owned(),
        }
    }
}

/// The `fields` query parameter (RFC 8040 §4.8.3): descendants of the target to return, each a
/// path of node names, optionally followed by the fields wanted beneath it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields(pub Vec<FieldPath>);

/// One selected path: `a/b/c`, and `(d;e)` beneath it when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// API identifiers (`name` or `module:name`).
    pub steps: Vec<String>,
    /// What is wanted beneath the path's end; `None`: all of it.
    pub beneath: Option<Fields>,
}

/// A `fields` value that does not follow RFC 8040 §4.8.3's grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fields {value:?}: {reason} at character {at}")]
pub struct FieldsError {
    pub value: String,
    pub reason: &'static str,
    pub at: usize,
}

impl Fields {
    /// Reads a `fields` value (already percent-decoded).
    pub fn parse(value: &str) -> Result<Fields, FieldsError> {
        let mut parser = FieldsParser {
            text: value.as_bytes(),
            at: 0,
            value,
            open: 0,
        };
        let fields = parser.expression()?;
        if parser.at != parser.text.len() {
            return Err(parser.error("unexpected character"));
        }
        Ok(fields)
    }

    /// The value as sent in a query (before percent-encoding).
    pub fn as_string(&self) -> String {
        self.0
            .iter()
            .map(|path| {
                let mut text = path.steps.join("/");
                if let Some(beneath) = &path.beneath {
                    text.push('(');
                    text.push_str(&beneath.as_string());
                    text.push(')');
                }
                text
            })
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Nesting deeper than this is refused: parentheses cost stack.
const MAX_FIELDS_NESTING: usize = 32;

/// A recursive-descent reader of the four-rule grammar (hand-written: no crate carries
/// RFC 8040's `fields-expr`, and a parser generator would outweigh it).
struct FieldsParser<'a> {
    text: &'a [u8],
    at: usize,
    value: &'a str,
    open: usize,
}

impl FieldsParser<'_> {
    fn error(&self, reason: &'static str) -> FieldsError {
        FieldsError {
            value: self.value.to_owned(),
            reason,
            at: self.at,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    /// fields-expr: path ["(" fields-expr ")"] [";" fields-expr]
    fn expression(&mut self) -> Result<Fields, FieldsError> {
        let mut paths = Vec::new();
        loop {
            let steps = self.path()?;
            let beneath = if self.peek() == Some(b'(') {
                self.at += 1;
                self.open += 1;
                if self.open > MAX_FIELDS_NESTING {
                    return Err(self.error("parentheses nested too deep"));
                }
                let inner = self.expression()?;
                if self.peek() != Some(b')') {
                    return Err(self.error("a '(' is not closed"));
                }
                self.at += 1;
                self.open -= 1;
                Some(inner)
            } else {
                None
            };
            paths.push(FieldPath { steps, beneath });
            if self.peek() == Some(b';') {
                self.at += 1;
                continue;
            }
            return Ok(Fields(paths));
        }
    }

    /// path: api-identifier ["/" path]
    fn path(&mut self) -> Result<Vec<String>, FieldsError> {
        let mut steps = vec![self.identifier()?];
        while self.peek() == Some(b'/') {
            self.at += 1;
            steps.push(self.identifier()?);
        }
        Ok(steps)
    }

    /// api-identifier: [identifier ":"] identifier, identifiers per YANG (RFC 7950 §6.2).
    fn identifier(&mut self) -> Result<String, FieldsError> {
        let start = self.at;
        let mut seen_colon = false;
        let mut segment_start = self.at;
        while let Some(byte) = self.peek() {
            let first = self.at == segment_start;
            let fits = if first {
                byte.is_ascii_alphabetic() || byte == b'_'
            } else {
                byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
            };
            if fits {
                self.at += 1;
            } else if byte == b':' && !seen_colon && !first {
                seen_colon = true;
                self.at += 1;
                segment_start = self.at;
            } else {
                break;
            }
        }
        if self.at == segment_start {
            return Err(self.error("a node name is expected"));
        }
        Ok(self.value[start..self.at].to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_uris_read_with_their_parameters() {
        let defaults = RestconfCapability::parse(
            "urn:ietf:params:restconf:capability:defaults:1.0?basic-mode=explicit",
        )
        .expect("a capability");
        assert_eq!(defaults.name, "defaults");
        assert_eq!(defaults.version, "1.0");
        assert_eq!(defaults.parameter("basic-mode"), Some("explicit"));
        assert_eq!(
            RestconfCapability::parse(&RestconfCapability::uri("depth")).map(|c| c.name),
            Some("depth".to_owned())
        );
        assert_eq!(
            RestconfCapability::parse("urn:ietf:params:netconf:capability:candidate:1.0"),
            None
        );
        assert_eq!(
            RestconfCapability::parse("urn:ietf:params:restconf:capability:depth"),
            None
        );
    }

    #[test]
    fn capability_lists_read_in_both_encodings() {
        let json = r#"{"ietf-restconf-monitoring:capabilities":{"capability":["urn:ietf:params:restconf:capability:depth:1.0","urn:ietf:params:restconf:capability:fields:1.0"]}}"#;
        let xml = format!(
            "<capabilities xmlns=\"{MONITORING_NAMESPACE}\"><capability>urn:ietf:params:restconf:capability:depth:1.0</capability><capability>urn:ietf:params:restconf:capability:fields:1.0</capability></capabilities>"
        );
        let expected = vec![
            RestconfCapability::uri("depth"),
            RestconfCapability::uri("fields"),
        ];
        assert_eq!(
            capability_list(json, Encoding::Json).expect("parses"),
            expected
        );
        assert_eq!(
            capability_list(&xml, Encoding::Xml).expect("parses"),
            expected
        );
        let state = r#"{"ietf-restconf-monitoring:restconf-state":{"capabilities":{"capability":["urn:ietf:params:restconf:capability:depth:1.0"]}}}"#;
        assert_eq!(
            capability_list(state, Encoding::Json).expect("parses"),
            vec![RestconfCapability::uri("depth")]
        );
        assert!(capability_list(r#"{"x:y":{}}"#, Encoding::Json).is_err());
        assert!(capability_list("<capabilities/>", Encoding::Xml).is_err());
        assert!(capability_list(
            r#"{"ietf-restconf-monitoring:capabilities":{"capability":[1]}}"#,
            Encoding::Json
        )
        .is_err());
    }

    #[test]
    fn depth_takes_unbounded_and_1_to_65535_only() {
        assert_eq!(Depth::parse("1"), Some(Depth::Levels(1)));
        assert_eq!(Depth::parse("65535"), Some(Depth::Levels(65535)));
        assert_eq!(Depth::parse("unbounded"), Some(Depth::Unbounded));
        for bad in ["0", "65536", "-1", "+1", " 1", "", "one", "1.0"] {
            assert_eq!(Depth::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Depth::Levels(3).as_string(), "3");
    }

    #[test]
    fn fields_follow_the_grammar_and_write_back_as_read() {
        for text in [
            "location",
            "a/b;c",
            "ietf-yang-library:modules-state/module(name;revision)",
            "a(b(c;d/e);f);g",
            "ex:a/ex:b",
        ] {
            let fields = Fields::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(fields.as_string(), text);
        }
        let fields = Fields::parse("a/b(c;d);e").expect("parses");
        assert_eq!(fields.0.len(), 2);
        assert_eq!(fields.0[0].steps, ["a", "b"]);
        assert_eq!(fields.0[0].beneath.as_ref().map(|f| f.0.len()), Some(2));
        for bad in [
            "", ";", "a;", "a(", "a()", "a)b", "a//b", "1a", "a:", ":a", "a:b:c", "a(b))",
        ] {
            assert!(Fields::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let deep = format!("{}b{}", "a(".repeat(40), ")".repeat(40));
        assert!(Fields::parse(&deep).is_err());
    }
}
