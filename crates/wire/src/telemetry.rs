//! The telemetry message a collector publishes to a message broker
//! (draft-ietf-nmop-message-broker-telemetry-message, module `ietf-telemetry-message`, with the
//! `ietf-yang-push-telemetry-message` augmentation), and the Kafka record headers that carry its
//! schema reference (draft-ietf-nmop-yang-message-broker-integration): `schema-id` and
//! `content-type`, not Confluent's five-octet prefix in the value.
//!
//! The message wraps what the network node sent (`payload`, here the notification envelope)
//! with metadata about the collection: when the node exported it and when the collector got it,
//! from which address, over which session protocol, with which sequence number. Written and
//! read as RFC 7951 JSON with serde. No I/O.

use serde::{Deserialize, Serialize};

/// The JSON member that holds the message.
pub const JSON_MEMBER: &str = "ietf-telemetry-message:message";
/// The record header that carries the schema id.
pub const SCHEMA_ID_HEADER: &str = "schema-id";
/// The record header that carries the value's media type.
pub const CONTENT_TYPE_HEADER: &str = "content-type";
/// The media type of a YANG-modelled JSON value (RFC 8040 §11.3.2).
pub const YANG_DATA_JSON: &str = "application/yang-data+json";

/// How the node delivered the data (the draft's `session-protocol` enumeration, as far as this
/// harness collects).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionProtocol {
    YangPush,
    Netconf,
    Restconf,
    #[serde(other)]
    Unknown,
}

/// What the notification reports (`notification-event`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotificationEvent {
    Log,
    Update,
    Delete,
}

/// Who produced or collected the data (`network-node-manifest`, `data-collection-manifest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
}

/// The subscription the data came from (the `yang-push-subscription` augmentation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct YangPushSubscription {
    pub id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datastore: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datastore_xpath_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yang_library_content_id: Option<String>,
}

/// `telemetry-message-metadata`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    /// When the node exported the data (the envelope's `event-time`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_export_timestamp: Option<String>,
    /// When the collector received it (RFC 3339).
    pub collection_timestamp: String,
    pub notification_event: NotificationEvent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u32>,
    pub session_protocol: SessionProtocol,
    /// The node's address the data came from.
    pub export_address: std::net::IpAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_address: Option<std::net::IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_port: Option<u16>,
    #[serde(
        rename = "ietf-yang-push-telemetry-message:yang-push-subscription",
        skip_serializing_if = "Option::is_none"
    )]
    pub yang_push_subscription: Option<YangPushSubscription>,
}

/// One telemetry message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct TelemetryMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_node_manifest: Option<Manifest>,
    pub telemetry_message_metadata: Metadata,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_collection_manifest: Option<Manifest>,
    /// What the node sent, as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct Wrapped<T> {
    #[serde(rename = "ietf-telemetry-message:message")]
    message: T,
}

/// A record value that is not a telemetry message.
#[derive(Debug, thiserror::Error)]
#[error("not an {JSON_MEMBER} record: {0}")]
pub struct TelemetryError(#[from] serde_json::Error);

impl TelemetryMessage {
    /// The record value: `{"ietf-telemetry-message:message": {...}}`.
    pub fn to_json(&self) -> Vec<u8> {
        // Cannot fail: every map key is a string and every value serialises.
        serde_json::to_vec(&Wrapped { message: self }).unwrap_or_default()
    }

    /// Reads a record value.
    pub fn from_json(value: &[u8]) -> Result<TelemetryMessage, TelemetryError> {
        let wrapped: Wrapped<TelemetryMessage> = serde_json::from_slice(value)?;
        Ok(wrapped.message)
    }
}

/// How a producer wrote the `schema-id` header: implementations differ, and a consumer that
/// expects the other form cannot find the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaIdForm {
    /// Four octets, big-endian.
    BigEndian,
    /// The number as decimal text.
    Decimal,
}

/// Reads a `schema-id` header in either form; `None` when it is neither.
pub fn read_schema_id(value: &[u8]) -> Option<(u32, SchemaIdForm)> {
    if let Ok(text) = std::str::from_utf8(value) {
        if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
            if let Ok(id) = text.parse() {
                return Some((id, SchemaIdForm::Decimal));
            }
        }
    }
    let octets: [u8; 4] = value.try_into().ok()?;
    Some((u32::from_be_bytes(octets), SchemaIdForm::BigEndian))
}

/// Writes a `schema-id` header in the given form.
pub fn write_schema_id(id: u32, form: SchemaIdForm) -> Vec<u8> {
    match form {
        SchemaIdForm::BigEndian => id.to_be_bytes().to_vec(),
        SchemaIdForm::Decimal => id.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> TelemetryMessage {
        TelemetryMessage {
            network_node_manifest: Some(Manifest {
                name: Some("edge-7".into()),
                ..Manifest::default()
            }),
            telemetry_message_metadata: Metadata {
                node_export_timestamp: Some("2026-12-02T10:00:00.120Z".into()),
                collection_timestamp: "2026-12-02T10:00:00.125Z".into(),
                notification_event: NotificationEvent::Update,
                sequence_number: Some(41),
                session_protocol: SessionProtocol::YangPush,
                export_address: "127.0.0.1".parse().expect("an address"),
                export_port: Some(40_000),
                collection_address: None,
                collection_port: None,
                yang_push_subscription: Some(YangPushSubscription {
                    id: 3,
                    transport: Some("ietf-udp-notif-transport:udp-notif".into()),
                    ..YangPushSubscription::default()
                }),
            },
            data_collection_manifest: None,
            payload: Some(
                serde_json::json!({"ietf-yp-notification:envelope": {"event-time": "t"}}),
            ),
        }
    }

    #[test]
    fn a_message_round_trips_with_the_names_of_the_modules() {
        let written = message().to_json();
        let text = String::from_utf8(written.clone()).expect("UTF-8");
        for name in [
            "\"ietf-telemetry-message:message\"",
            "\"telemetry-message-metadata\"",
            "\"collection-timestamp\"",
            "\"notification-event\":\"update\"",
            "\"session-protocol\":\"yang-push\"",
            "\"export-address\":\"127.0.0.1\"",
            "\"ietf-yang-push-telemetry-message:yang-push-subscription\"",
        ] {
            assert!(text.contains(name), "{name} in {text}");
        }
        assert!(
            !text.contains("collection-address"),
            "absent optional leaves are left out"
        );
        assert_eq!(
            TelemetryMessage::from_json(&written).expect("reads"),
            message()
        );
        assert!(TelemetryMessage::from_json(b"{\"ietf-yp-notification:envelope\":{}}").is_err());
    }

    #[test]
    fn the_schema_id_reads_in_both_forms() {
        assert_eq!(read_schema_id(b"17"), Some((17, SchemaIdForm::Decimal)));
        assert_eq!(
            read_schema_id(&[0, 0, 0, 17]),
            Some((17, SchemaIdForm::BigEndian))
        );
        // Four ASCII digits are read as text: a big-endian id that happens to be all digits is
        // over 800 million, which no registry here reaches.
        assert_eq!(read_schema_id(b"1234"), Some((1234, SchemaIdForm::Decimal)));
        assert_eq!(read_schema_id(b"x"), None);
        assert_eq!(read_schema_id(b""), None);
        for form in [SchemaIdForm::BigEndian, SchemaIdForm::Decimal] {
            assert_eq!(read_schema_id(&write_schema_id(9, form)), Some((9, form)));
        }
    }
}
