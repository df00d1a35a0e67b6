//! The YANG-Push notification envelope (draft-ietf-netconf-notif-envelope-07, module
//! `ietf-yp-notification`): the structure a UDP-notif message carries in place of RFC 5277's
//! `<notification>`. It holds the event time, optionally the publisher's hostname and a
//! sequence number (the draft's extension for both), and the notification itself as anydata
//! `contents`. Earlier revisions called that node `notification-contents`; it is read, and
//! flagged, so a publisher still on an old revision gets a warning rather than lost data.
//!
//! Read from JSON (RFC 7951, member `ietf-yp-notification:envelope`) or XML (element
//! `envelope` in the module's namespace); written in both for the reference device. No I/O and
//! no schema: whether the contents are valid against the publisher's modules is the YANG
//! crate's question, asked with [`Envelope::notification_xml`] or
//! [`Envelope::restconf_notification_json`].

use crate::tree::Element;
use crate::xml::escape;

/// The module that defines the envelope.
pub const MODULE: &str = "ietf-yp-notification";
/// Its XML namespace.
pub const NAMESPACE: &str = "urn:ietf:params:xml:ns:yang:ietf-yp-notification";
/// The envelope's JSON member name.
pub const JSON_MEMBER: &str = "ietf-yp-notification:envelope";
/// The name of the contents node in the current draft.
pub const CONTENTS: &str = "contents";
/// The name earlier revisions gave the contents node.
pub const DEPRECATED_CONTENTS: &str = "notification-contents";

/// The notification inside an envelope, in the encoding it came in.
#[derive(Clone, Debug, PartialEq)]
pub enum Contents {
    /// The elements of the `contents` node (normally one: the notification).
    Xml(Vec<Element>),
    /// The members of the `contents` object (normally one: `module:notification`).
    Json(serde_json::Map<String, serde_json::Value>),
}

impl Contents {
    /// The notification's name: the first element's namespace and local name, or the first
    /// member's `module:name`.
    pub fn notification_name(&self) -> Option<String> {
        match self {
            Contents::Xml(elements) => elements.first().map(|element| element.name.to_string()),
            Contents::Json(members) => members.keys().next().cloned(),
        }
    }

    /// How many notifications the contents hold (the draft expects exactly one).
    pub fn len(&self) -> usize {
        match self {
            Contents::Xml(elements) => elements.len(),
            Contents::Json(members) => members.len(),
        }
    }

    /// True when the contents node is there but empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text of the first node named `local` (of any module) anywhere in the contents,
    /// depth first: an element's text in XML, a string member's value in JSON.
    pub fn find_leaf(&self, local: &str) -> Option<String> {
        fn in_element(element: &Element, local: &str) -> Option<String> {
            if element.name.local == local {
                return Some(element.text.trim().to_owned());
            }
            element.children.iter().find_map(|c| in_element(c, local))
        }
        fn in_json(value: &serde_json::Value, local: &str) -> Option<String> {
            match value {
                serde_json::Value::Object(members) => members.iter().find_map(|(name, value)| {
                    if name.rsplit(':').next() == Some(local) {
                        value.as_str().map(str::to_owned)
                    } else {
                        in_json(value, local)
                    }
                }),
                serde_json::Value::Array(items) => items.iter().find_map(|v| in_json(v, local)),
                _ => None,
            }
        }
        match self {
            Contents::Xml(elements) => elements.iter().find_map(|e| in_element(e, local)),
            Contents::Json(members) => members.values().find_map(|v| in_json(v, local)),
        }
    }
}

/// One envelope, read.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// `event-time`, as the publisher wrote it (an RFC 3339 date-and-time).
    pub event_time: String,
    pub hostname: Option<String>,
    pub sequence_number: Option<u32>,
    pub contents: Option<Contents>,
    /// True when the contents came under [`DEPRECATED_CONTENTS`].
    pub deprecated_contents_name: bool,
    /// Other nodes the envelope carried (augmentations), by name, in order.
    pub other_nodes: Vec<String>,
}

/// An envelope that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("not well-formed {encoding}: {reason}")]
    Malformed {
        encoding: &'static str,
        reason: String,
    },
    #[error("the message is {found}, not the {MODULE} envelope")]
    NotAnEnvelope { found: String },
    #[error("the envelope has no event-time, which the structure requires")]
    NoEventTime,
    #[error("{node} is {value:?}, not a {expected}")]
    BadValue {
        node: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("the envelope carries both {CONTENTS} and {DEPRECATED_CONTENTS}")]
    TwoContents,
}

fn bad(node: &'static str, value: impl Into<String>, expected: &'static str) -> EnvelopeError {
    EnvelopeError::BadValue {
        node,
        value: value.into(),
        expected,
    }
}

impl Envelope {
    /// An envelope around `contents`, with no hostname or sequence number.
    pub fn new(event_time: impl Into<String>, contents: Option<Contents>) -> Envelope {
        Envelope {
            event_time: event_time.into(),
            hostname: None,
            sequence_number: None,
            contents,
            deprecated_contents_name: false,
            other_nodes: Vec::new(),
        }
    }

    /// Reads an envelope encoded as RFC 7951 JSON.
    pub fn parse_json(text: &[u8]) -> Result<Envelope, EnvelopeError> {
        let value: serde_json::Value =
            serde_json::from_slice(text).map_err(|error| EnvelopeError::Malformed {
                encoding: "JSON",
                reason: error.to_string(),
            })?;
        let serde_json::Value::Object(mut top) = value else {
            return Err(EnvelopeError::NotAnEnvelope {
                found: "not a JSON object".into(),
            });
        };
        let Some(serde_json::Value::Object(body)) = top.remove(JSON_MEMBER) else {
            let found = top.keys().next().map_or_else(
                || "an empty object".to_owned(),
                |member| format!("member {member:?}"),
            );
            return Err(EnvelopeError::NotAnEnvelope { found });
        };
        let mut envelope = Envelope::new(String::new(), None);
        let mut event_time = None;
        for (name, value) in body {
            // Members of the envelope's own module may carry its prefix or none (RFC 7951 §4).
            let local = name.strip_prefix("ietf-yp-notification:").unwrap_or(&name);
            match local {
                "event-time" => match value {
                    serde_json::Value::String(text) => event_time = Some(text),
                    other => {
                        return Err(bad("event-time", other.to_string(), "date-and-time string"))
                    }
                },
                "hostname" => match value {
                    serde_json::Value::String(text) => envelope.hostname = Some(text),
                    other => return Err(bad("hostname", other.to_string(), "string")),
                },
                "sequence-number" => {
                    let number = value
                        .as_u64()
                        .and_then(|number| u32::try_from(number).ok())
                        .ok_or_else(|| bad("sequence-number", value.to_string(), "uint32"))?;
                    envelope.sequence_number = Some(number);
                }
                CONTENTS | DEPRECATED_CONTENTS => {
                    if envelope.contents.is_some() {
                        return Err(EnvelopeError::TwoContents);
                    }
                    let serde_json::Value::Object(members) = value else {
                        return Err(bad("contents", value.to_string(), "JSON object"));
                    };
                    envelope.deprecated_contents_name = local == DEPRECATED_CONTENTS;
                    envelope.contents = Some(Contents::Json(members));
                }
                _ => envelope.other_nodes.push(name),
            }
        }
        envelope.event_time = event_time.ok_or(EnvelopeError::NoEventTime)?;
        Ok(envelope)
    }

    /// Reads an envelope encoded as XML.
    pub fn parse_xml(text: &[u8]) -> Result<Envelope, EnvelopeError> {
        let malformed = |reason: String| EnvelopeError::Malformed {
            encoding: "XML",
            reason,
        };
        let text = std::str::from_utf8(text).map_err(|error| malformed(error.to_string()))?;
        let root = Element::parse(text).map_err(|error| malformed(error.to_string()))?;
        if root.name.local != "envelope" || root.name.namespace != NAMESPACE {
            return Err(EnvelopeError::NotAnEnvelope {
                found: format!("element {}", root.name),
            });
        }
        let mut envelope = Envelope::new(String::new(), None);
        let mut event_time = None;
        for child in root.children {
            if child.name.namespace != NAMESPACE {
                envelope.other_nodes.push(child.name.to_string());
                continue;
            }
            match child.name.local.as_str() {
                "event-time" => event_time = Some(child.text),
                "hostname" => envelope.hostname = Some(child.text),
                "sequence-number" => {
                    let number = child
                        .text
                        .trim()
                        .parse::<u32>()
                        .map_err(|_| bad("sequence-number", child.text.clone(), "uint32"))?;
                    envelope.sequence_number = Some(number);
                }
                local @ (CONTENTS | DEPRECATED_CONTENTS) => {
                    if envelope.contents.is_some() {
                        return Err(EnvelopeError::TwoContents);
                    }
                    envelope.deprecated_contents_name = local == DEPRECATED_CONTENTS;
                    envelope.contents = Some(Contents::Xml(child.children));
                }
                _ => envelope.other_nodes.push(child.name.to_string()),
            }
        }
        envelope.event_time = event_time.ok_or(EnvelopeError::NoEventTime)?;
        Ok(envelope)
    }

    /// The envelope as RFC 7951 JSON. XML contents cannot be written as JSON without a
    /// schema; they are refused (`None`).
    pub fn to_json(&self) -> Option<String> {
        let mut body = serde_json::Map::new();
        body.insert("event-time".into(), self.event_time.clone().into());
        if let Some(hostname) = &self.hostname {
            body.insert("hostname".into(), hostname.clone().into());
        }
        if let Some(number) = self.sequence_number {
            body.insert("sequence-number".into(), number.into());
        }
        match &self.contents {
            Some(Contents::Json(members)) => {
                body.insert(self.contents_name().into(), members.clone().into());
            }
            Some(Contents::Xml(_)) => return None,
            None => {}
        }
        let mut top = serde_json::Map::new();
        top.insert(JSON_MEMBER.into(), body.into());
        Some(serde_json::Value::Object(top).to_string())
    }

    /// The envelope as XML. JSON contents cannot be written as XML without a schema; they are
    /// refused (`None`).
    pub fn to_xml(&self) -> Option<String> {
        let mut out = format!(
            "<envelope xmlns=\"{NAMESPACE}\"><event-time>{}</event-time>",
            escape(&self.event_time)
        );
        if let Some(hostname) = &self.hostname {
            out.push_str(&format!("<hostname>{}</hostname>", escape(hostname)));
        }
        if let Some(number) = self.sequence_number {
            out.push_str(&format!("<sequence-number>{number}</sequence-number>"));
        }
        match &self.contents {
            Some(Contents::Xml(elements)) => {
                let name = self.contents_name();
                out.push_str(&format!("<{name}>"));
                for element in elements {
                    out.push_str(&element.to_xml());
                }
                out.push_str(&format!("</{name}>"));
            }
            Some(Contents::Json(_)) => return None,
            None => {}
        }
        out.push_str("</envelope>");
        Some(out)
    }

    /// The XML contents as an RFC 5277 `<notification>` with the envelope's event time, so the
    /// YANG-Push reader and the schema validator that serve NETCONF take it unchanged.
    pub fn notification_xml(&self) -> Option<String> {
        let Some(Contents::Xml(elements)) = &self.contents else {
            return None;
        };
        let mut out = format!(
            "<notification xmlns=\"{}\"><eventTime>{}</eventTime>",
            crate::ns::NOTIFICATION,
            escape(&self.event_time)
        );
        for element in elements {
            out.push_str(&element.to_xml());
        }
        out.push_str("</notification>");
        Some(out)
    }

    /// The JSON contents as a RESTCONF notification (RFC 8040 §6.4) with the envelope's event
    /// time, which the schema validator that serves RESTCONF event streams takes unchanged.
    pub fn restconf_notification_json(&self) -> Option<String> {
        let Some(Contents::Json(members)) = &self.contents else {
            return None;
        };
        let mut notification = serde_json::Map::new();
        notification.insert("eventTime".to_owned(), self.event_time.clone().into());
        notification.extend(members.clone());
        Some(serde_json::json!({ "ietf-restconf:notification": notification }).to_string())
    }

    fn contents_name(&self) -> &'static str {
        if self.deprecated_contents_name {
            DEPRECATED_CONTENTS
        } else {
            CONTENTS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Our own values, in the shape of the draft's examples (§3 and the appendix).
    const JSON: &str = r#"{"ietf-yp-notification:envelope":{
        "event-time":"2026-12-02T10:00:00.120Z","hostname":"edge-7","sequence-number":41,
        "contents":{"ietf-yang-push:push-update":{"id":3,
            "datastore-contents":{"ietf-system:system":{"hostname":"edge-7"}}}},
        "ietf-yp-observation:observation-time":"2026-12-02T10:00:00.100Z"}}"#;

    const XML: &str = r#"<envelope xmlns="urn:ietf:params:xml:ns:yang:ietf-yp-notification">
        <event-time>2026-12-02T10:00:00.120Z</event-time><hostname>edge-7</hostname>
        <sequence-number>41</sequence-number>
        <contents><push-update xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-push"><id>3</id>
        <datastore-contents><system xmlns="urn:ietf:params:xml:ns:yang:ietf-system">
        <hostname>edge-7</hostname></system></datastore-contents></push-update></contents>
        </envelope>"#;

    #[test]
    fn json_envelope_reads_every_field() {
        let envelope = Envelope::parse_json(JSON.as_bytes()).expect("a valid envelope");
        assert_eq!(envelope.event_time, "2026-12-02T10:00:00.120Z");
        assert_eq!(envelope.hostname.as_deref(), Some("edge-7"));
        assert_eq!(envelope.sequence_number, Some(41));
        assert!(!envelope.deprecated_contents_name);
        let contents = envelope.contents.as_ref().expect("contents");
        assert_eq!(
            contents.notification_name().as_deref(),
            Some("ietf-yang-push:push-update")
        );
        assert_eq!(
            envelope.other_nodes,
            vec!["ietf-yp-observation:observation-time"]
        );
        let restconf = envelope
            .restconf_notification_json()
            .expect("JSON contents");
        assert!(restconf.starts_with(
            r#"{"ietf-restconf:notification":{"eventTime":"2026-12-02T10:00:00.120Z","ietf-yang-push:push-update":"#
        ), "{restconf}");
        let again = Envelope::parse_json(envelope.to_json().expect("JSON").as_bytes());
        assert_eq!(again.as_ref().map(|e| &e.contents), Ok(&envelope.contents));
        assert_eq!(envelope.to_xml(), None);
    }

    #[test]
    fn xml_envelope_reads_every_field_and_becomes_a_notification() {
        let envelope = Envelope::parse_xml(XML.as_bytes()).expect("a valid envelope");
        assert_eq!(envelope.sequence_number, Some(41));
        assert_eq!(envelope.hostname.as_deref(), Some("edge-7"));
        let contents = envelope.contents.as_ref().expect("contents");
        assert_eq!(contents.len(), 1);
        assert_eq!(
            contents.notification_name().as_deref(),
            Some("{urn:ietf:params:xml:ns:yang:ietf-yang-push}push-update")
        );
        let notification = envelope.notification_xml().expect("XML contents");
        let message = crate::push::PushMessage::parse(&notification).expect("a push-update");
        assert_eq!(
            (message.id(), message.kind().as_str()),
            (Some(3), "push-update")
        );
        let again = Envelope::parse_xml(envelope.to_xml().expect("XML").as_bytes());
        assert_eq!(again, Ok(envelope));
    }

    #[test]
    fn the_deprecated_contents_name_is_read_and_flagged() {
        let json = JSON.replace("\"contents\"", "\"notification-contents\"");
        let envelope = Envelope::parse_json(json.as_bytes()).expect("still read");
        assert!(envelope.deprecated_contents_name);
        assert!(envelope.contents.is_some());
        assert!(envelope
            .to_json()
            .expect("JSON")
            .contains("\"notification-contents\""));
        let xml = XML.replace("contents>", "notification-contents>");
        let envelope = Envelope::parse_xml(xml.as_bytes()).expect("still read");
        assert!(envelope.deprecated_contents_name);
    }

    #[test]
    fn what_is_not_an_envelope_says_what_it_is() {
        let cases: Vec<(Result<Envelope, EnvelopeError>, &str)> = vec![
            (Envelope::parse_json(b"{\"ietf-restconf:notification\":{}}"), "member \"ietf-restconf:notification\""),
            (Envelope::parse_json(b"[1]"), "not a JSON object"),
            (Envelope::parse_json(b"{"), "not well-formed JSON"),
            (Envelope::parse_json(b"{\"ietf-yp-notification:envelope\":{\"hostname\":\"a\"}}"), "no event-time"),
            (
                Envelope::parse_json(b"{\"ietf-yp-notification:envelope\":{\"event-time\":\"t\",\"sequence-number\":-1}}"),
                "not a uint32",
            ),
            (
                Envelope::parse_json(b"{\"ietf-yp-notification:envelope\":{\"event-time\":\"t\",\"contents\":{},\"notification-contents\":{}}}"),
                "both contents and notification-contents",
            ),
            (
                Envelope::parse_xml(b"<notification xmlns=\"urn:ietf:params:xml:ns:netconf:notification:1.0\"/>"),
                "element {urn:ietf:params:xml:ns:netconf:notification:1.0}notification",
            ),
            (Envelope::parse_xml(b"<envelope"), "not well-formed XML"),
            (
                Envelope::parse_xml(format!("<envelope xmlns=\"{NAMESPACE}\"><event-time>t</event-time><sequence-number>x</sequence-number></envelope>").as_bytes()),
                "sequence-number is \"x\", not a uint32",
            ),
        ];
        for (result, expected) in cases {
            let error = result.expect_err(expected).to_string();
            assert!(
                error.contains(expected),
                "{error:?} should say {expected:?}"
            );
        }
    }
}
