//! RESTCONF (RFC 8040) bodies and headers, with no I/O: what the client reads and the reference
//! device writes over HTTP.
//!
//! - [`media`]: the media types of RFC 8040 §11.3 and RFC 8072 §4, and the encoding (XML or
//!   JSON) each carries, read from a `Content-Type` or written into an `Accept`.
//! - [`api`]: the API resource `{+restconf}` and its `yang-library-version` (§3.3).
//! - [`datastore`]: the datastore resource's body, `ietf-restconf:data` around the data.
//! - [`errors`]: the `ietf-restconf:errors` body (RFC 8040 §7.1) in XML and JSON.
//! - [`patch`]: YANG Patch documents and the `yang-patch-status` reply (RFC 8072 §2).
//! - [`host_meta`]: root discovery through `/.well-known/host-meta` (RFC 8040 §3.1, RFC 6415),
//!   as XRD or JRD.
//! - [`query`]: the `depth` and `fields` query parameters (RFC 8040 §4.8.2, §4.8.3).
//! - [`operations`]: the operations resource (§3.3.2), one empty leaf per operation.
//! - [`invoke`]: an operation's `input` and `output` envelopes (§3.6), as libyang's
//!   operation node and back.
//! - [`monitoring`]: what `ietf-restconf-monitoring` lists: capability URIs (§9.1.1) and event
//!   streams with their locations (§9.2).
//! - [`sse`]: the server-sent events framing of an event stream (RFC 8040 §6.4), a tokio-util
//!   decoder like [`crate::framing`].
//!
//! Data itself (the content of a datastore resource) is never converted here between XML and
//! JSON: that goes through the device's own schema in the YANG crate. These codecs only read
//! and write the protocol's envelopes and keep data as the raw text it came in.

pub mod api;
pub mod datastore;
pub mod errors;
pub mod host_meta;
pub mod invoke;
pub mod media;
pub mod monitoring;
pub mod operations;
pub mod patch;
pub mod query;
pub mod sse;

pub use errors::Errors;
pub use host_meta::{HostMeta, Link};
pub use media::{Encoding, MediaType};
pub use monitoring::{capability_list, stream_list, RestconfCapability, StreamAccess};
pub use patch::{
    EditOutcome, EditStatus, PatchEdit, PatchOperation, PatchStatus, Where, YangPatch,
};
pub use query::{Depth, FieldPath, Fields};
pub use sse::{SseDecoder, SseError, SseEvent};

/// A RESTCONF body that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error(transparent)]
    Xml(#[from] crate::xml::XmlError),
    #[error("malformed JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unexpected top-level {found} (expected {expected})")]
    UnexpectedRoot {
        found: String,
        expected: &'static str,
    },
    #[error("invalid {element}: {reason}")]
    Invalid {
        element: &'static str,
        reason: String,
    },
}

impl From<crate::MessageError> for BodyError {
    fn from(error: crate::MessageError) -> Self {
        match error {
            crate::MessageError::Xml(xml) => BodyError::Xml(xml),
            other => BodyError::Invalid {
                element: "error",
                reason: other.to_string(),
            },
        }
    }
}

/// Opens a body's root element, which must be `local` in `namespace` (else the error names
/// `expected`): whether it is empty, and where its content starts.
fn open_root(
    walker: &mut crate::xml::Walker<'_>,
    local: &str,
    namespace: &str,
    expected: &'static str,
) -> Result<(bool, usize), BodyError> {
    use crate::xml::{Step, XmlError};
    loop {
        match walker.next()? {
            Step::Open {
                name,
                empty,
                content,
                ..
            } => {
                if name.local != local || name.namespace != namespace {
                    return Err(BodyError::UnexpectedRoot {
                        found: name.to_string(),
                        expected,
                    });
                }
                return Ok((empty, content));
            }
            Step::Eof => return Err(XmlError::NoRoot.into()),
            _ => {}
        }
    }
}

/// The raw content of the element just opened (`local`), with the prefixes declared on it and
/// above it carried into its top-level elements, so that it stands on its own.
fn raw_content(
    walker: &mut crate::xml::Walker<'_>,
    local: &str,
    empty: bool,
    content: usize,
) -> Result<String, BodyError> {
    Ok(walker.content_standing_alone(local, empty, content, false)?)
}

/// The one member of a JSON object whose name is `module:name` (RFC 7951 §4: a top-level
/// member is always module-qualified), with its value.
/// The root element of an XML body, which must be `local` in the ietf-restconf namespace.
fn restconf_root(
    body: &str,
    local: &str,
    expected: &'static str,
) -> Result<crate::tree::Element, BodyError> {
    let root = crate::tree::Element::parse(body)?;
    if root.name.local != local || root.name.namespace != crate::ns::RESTCONF {
        return Err(BodyError::UnexpectedRoot {
            found: root.name.to_string(),
            expected,
        });
    }
    Ok(root)
}

fn single_member<'a>(
    document: &'a serde_json::Value,
    qualified: &'static str,
) -> Result<&'a serde_json::Value, BodyError> {
    let object = document
        .as_object()
        .ok_or_else(|| BodyError::UnexpectedRoot {
            found: json_kind(document).to_owned(),
            expected: qualified,
        })?;
    match object.get(qualified) {
        Some(value) if object.len() == 1 => Ok(value),
        _ => Err(BodyError::UnexpectedRoot {
            found: object.keys().cloned().collect::<Vec<_>>().join(", "),
            expected: qualified,
        }),
    }
}

/// What a JSON value is, for messages.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A string member of a JSON object, when present.
fn json_string(
    object: &serde_json::Map<String, serde_json::Value>,
    member: &str,
    element: &'static str,
) -> Result<Option<String>, BodyError> {
    match object.get(member) {
        None => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(BodyError::Invalid {
            element,
            reason: format!("{member:?} is {}, not a string", json_kind(other)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Whatever a server sends, reading it ends in a value or an error, never a panic.
        #[test]
        fn no_body_makes_a_reader_panic(body in "\\PC{0,200}", xml_shaped in "<[a-z:\"= /]{0,40}>[a-z<>/]{0,40}") {
            for text in [&body, &xml_shaped] {
                for encoding in Encoding::ALL {
                    let _ = Errors::parse(text, encoding);
                    let _ = YangPatch::parse(text, encoding);
                    let _ = PatchStatus::parse(text, encoding);
                    let _ = HostMeta::parse(text, encoding);
                    let _ = capability_list(text, encoding);
                    let _ = stream_list(text, encoding);
                    let _ = operations::parse(text, encoding);
                    let _ = invoke::reroot(text, encoding, "m", "urn:m", "output", "op");
                    let _ = datastore::unwrap(text, encoding);
                    let _ = api::parse(text, encoding);
                    let _ = api::parse_version(text, encoding);
                }
                let _ = invoke::parse_segment(text);
                let _ = datastore::parse_nmda_segment(text);
                let _ = Fields::parse(text);
                let _ = Depth::parse(text);
                let _ = RestconfCapability::parse(text);
            }
        }
    }
}
