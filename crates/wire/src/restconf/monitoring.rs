//! What `ietf-restconf-monitoring` says of a server (RFC 8040 §9): the capability URIs of
//! the query parameters it supports (§9.1.1) and the event streams it offers with where each
//! is read (§6.2, §9.2). Reading only.

use super::{BodyError, Encoding};
use crate::ns::RESTCONF_MONITORING as MONITORING_NAMESPACE;
use crate::tree::Element;

/// Where RESTCONF capability URIs start (RFC 8040 §9.1.1, §11.4).
pub const CAPABILITY_PREFIX: &str = "urn:ietf:params:restconf:capability:";

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
        let parameters = crate::capability::parameters_of(query);
        Some(RestconfCapability {
            name: name.to_owned(),
            version: version.to_owned(),
            parameters,
        })
    }

    /// The value of a parameter.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        crate::capability::parameter_in(&self.parameters, key)
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

/// One way to read an event stream: its name, the encoding (`xml`, `json`) and the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamAccess {
    pub name: String,
    pub encoding: String,
    pub location: String,
}

/// The access entries of an `ietf-restconf-monitoring` `streams` container, read as the
/// resource `.../restconf-state/streams` (or the `restconf-state` around it).
pub fn stream_list(body: &str, encoding: Encoding) -> Result<Vec<StreamAccess>, BodyError> {
    let mut out = Vec::new();
    match encoding {
        Encoding::Json => {
            let value: serde_json::Value = serde_json::from_str(body)?;
            let streams = value
                .get("ietf-restconf-monitoring:streams")
                .or_else(|| {
                    value
                        .get("ietf-restconf-monitoring:restconf-state")
                        .and_then(|s| s.get("streams"))
                })
                .ok_or_else(|| BodyError::UnexpectedRoot {
                    found: "another member".to_owned(),
                    expected: "ietf-restconf-monitoring:streams",
                })?;
            let text = |v: &serde_json::Value, key: &str| {
                v.get(key)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            for stream in streams
                .get("stream")
                .and_then(serde_json::Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let name = text(stream, "name");
                for access in stream
                    .get("access")
                    .and_then(serde_json::Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    out.push(StreamAccess {
                        name: name.clone(),
                        encoding: text(access, "encoding"),
                        location: text(access, "location"),
                    });
                }
            }
        }
        Encoding::Xml => {
            let root = Element::parse(body)?;
            let streams = match (root.name.namespace.as_str(), root.name.local.as_str()) {
                (MONITORING_NAMESPACE, "streams") => Some(&root),
                (MONITORING_NAMESPACE, "restconf-state") => root.child("streams"),
                _ => {
                    return Err(BodyError::UnexpectedRoot {
                        found: root.name.to_string(),
                        expected: "streams in the ietf-restconf-monitoring namespace",
                    })
                }
            };
            let text = |e: &Element, key: &str| {
                e.child(key)
                    .map(|c| c.text.trim().to_owned())
                    .unwrap_or_default()
            };
            for stream in streams
                .map(|s| s.children.as_slice())
                .unwrap_or_default()
                .iter()
                .filter(|e| e.name.local == "stream")
            {
                let name = text(stream, "name");
                for access in stream.children.iter().filter(|e| e.name.local == "access") {
                    out.push(StreamAccess {
                        name: name.clone(),
                        encoding: text(access, "encoding"),
                        location: text(access, "location"),
                    });
                }
            }
        }
    }
    Ok(out)
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
    fn stream_lists_read_in_both_encodings() {
        let json = r#"{"ietf-restconf-monitoring:streams":{"stream":[{"name":"NETCONF","replay-support":true,"access":[{"encoding":"xml","location":"https://d/streams/NETCONF/xml"},{"encoding":"json","location":"https://d/streams/NETCONF/json"}]}]}}"#;
        let xml = format!(
            "<restconf-state xmlns=\"{MONITORING_NAMESPACE}\"><streams><stream><name>NETCONF</name><access><encoding>xml</encoding><location>https://d/streams/NETCONF/xml</location></access></stream></streams></restconf-state>"
        );
        let from_json = stream_list(json, Encoding::Json).expect("parses");
        assert_eq!(from_json.len(), 2);
        assert_eq!(from_json[1].encoding, "json");
        let from_xml = stream_list(&xml, Encoding::Xml).expect("parses");
        assert_eq!(from_xml, from_json[..1]);
        assert!(stream_list("{}", Encoding::Json).is_err());
    }
}
