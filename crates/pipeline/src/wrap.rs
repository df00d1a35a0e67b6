//! From a message the collector received to the record the pipeline publishes: the envelope
//! becomes the `payload` of a telemetry message (draft-ietf-nmop-message-broker-telemetry-
//! message), the collection metadata is filled from what the collector saw, and the record
//! carries `schema-id` and `content-type` headers.
//!
//! The record key is draft-ietf-nmop-yang-message-broker-message-key's ([`message_key`]): the
//! node's name (the envelope's `hostname`, else the export address), the subscription id, and
//! the concrete XPaths of what the notification carries, from the subscription's templates.
//! Without templates, or for a notification that names no subscription, the node's name alone,
//! which still keeps one node's records in order on one partition.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use rfc3535_client::udp_notif::Received;
use rfc3535_wire::envelope::Contents;
use rfc3535_wire::telemetry::{
    write_schema_id, Metadata, NotificationEvent, SchemaIdForm, SessionProtocol, TelemetryMessage,
    YangPushSubscription, CONTENT_TYPE_HEADER, SCHEMA_ID_HEADER, YANG_DATA_JSON,
};
use rfc3535_wire::udp_notif::MediaType;

use crate::broker::OutRecord;
use crate::message_key::{message_key, KeyTemplates};

/// A telemetry message and the record that carries it.
#[derive(Clone, Debug)]
pub struct TelemetryRecord {
    pub message: TelemetryMessage,
    pub record: OutRecord,
}

/// A received message the pipeline cannot publish as JSON.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    #[error("message {message_id} has no readable envelope: {reason}")]
    NoEnvelope { message_id: u32, reason: String },
    #[error(
        "message {message_id} is {media_type}; turning it into JSON needs the publisher's schema"
    )]
    NotJson {
        message_id: u32,
        media_type: MediaType,
    },
}

/// Wraps one received message. `collector` is the collector's own address; `schema_id` the id
/// the registry gave the publisher's schema, written in `form`; `subscription` what the
/// harness knows of the subscription the message belongs to; `keys` its key templates.
pub fn telemetry_message(
    received: &Received,
    collector: SocketAddr,
    schema_id: Option<(u32, SchemaIdForm)>,
    subscription: Option<YangPushSubscription>,
    keys: Option<&KeyTemplates>,
) -> Result<TelemetryRecord, WrapError> {
    let message_id = received.message_id;
    let envelope = received
        .envelope
        .as_ref()
        .map_err(|error| WrapError::NoEnvelope {
            message_id,
            reason: error.to_string(),
        })?;
    if received.media_type != MediaType::Json {
        return Err(WrapError::NotJson {
            message_id,
            media_type: received.media_type,
        });
    }
    let payload: serde_json::Value =
        serde_json::from_slice(&received.payload).map_err(|error| WrapError::NoEnvelope {
            message_id,
            reason: error.to_string(),
        })?;
    let notification = envelope
        .contents
        .as_ref()
        .and_then(Contents::notification_name)
        .unwrap_or_default();
    let notification_event =
        if notification.ends_with("push-update") || notification.ends_with("push-change-update") {
            NotificationEvent::Update
        } else {
            NotificationEvent::Log
        };
    let message = TelemetryMessage {
        network_node_manifest: None,
        telemetry_message_metadata: Metadata {
            node_export_timestamp: Some(envelope.event_time.clone()),
            collection_timestamp: humantime::format_rfc3339_millis(received.arrived_wall)
                .to_string(),
            notification_event,
            sequence_number: envelope.sequence_number,
            session_protocol: SessionProtocol::YangPush,
            export_address: received.peer.ip(),
            export_port: Some(received.peer.port()),
            collection_address: Some(collector.ip()),
            collection_port: Some(collector.port()),
            yang_push_subscription: subscription,
        },
        data_collection_manifest: None,
        payload: Some(payload),
    };
    let node = envelope
        .hostname
        .clone()
        .unwrap_or_else(|| received.peer.ip().to_string());
    let key = match (keys, envelope.contents.as_ref().and_then(notified)) {
        (Some(keys), Some((id, data))) => {
            let mut paths = data.map(|d| keys.concrete_paths(d)).unwrap_or_default();
            if paths.is_empty() {
                paths = keys.rendered();
            }
            message_key(&node, id, &paths)
        }
        _ => node.into_bytes(),
    };
    let mut headers = BTreeMap::new();
    headers.insert(
        CONTENT_TYPE_HEADER.to_owned(),
        YANG_DATA_JSON.as_bytes().to_vec(),
    );
    if let Some((id, form)) = schema_id {
        headers.insert(SCHEMA_ID_HEADER.to_owned(), write_schema_id(id, form));
    }
    let record = OutRecord {
        key: Some(key),
        value: message.to_json(),
        headers,
    };
    Ok(TelemetryRecord { message, record })
}

/// The subscription id a notification names, and the datastore contents it carries (a
/// push-update's), in JSON.
fn notified(contents: &Contents) -> Option<(u32, Option<&serde_json::Value>)> {
    let Contents::Json(members) = contents else {
        return None;
    };
    let body = members.values().next()?;
    let id = body
        .get("id")
        .and_then(serde_json::Value::as_u64)
        .and_then(|id| u32::try_from(id).ok())?;
    Some((id, body.get("datastore-contents")))
}
