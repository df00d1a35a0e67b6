//! What concerns sessions: `<close-session>`, `<kill-session>` (RFC 6241 §7.8, §7.9) and
//! `<create-subscription>` (RFC 5277 §2.1.1).

use std::time::SystemTime;

use rfc3535_wire::tree::Element;
use rfc3535_wire::ErrorTag;

use super::{Reply, RpcError, Stores};
use crate::Shared;

/// `<close-session>`.
pub(super) fn close_session(stores: &mut Stores, session: u32) -> Result<Reply, RpcError> {
    stores.release(session);
    Ok(Reply::Close)
}

/// `<kill-session>`.
pub(super) fn kill_session(
    shared: &Shared,
    stores: std::sync::MutexGuard<'_, Stores>,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    let Some(id) = child("session-id").and_then(|s| s.text.trim().parse::<u32>().ok()) else {
        return Err(RpcError::protocol(
            ErrorTag::MissingElement,
            "kill-session needs a numeric <session-id>",
        ));
    };
    if id == session {
        return Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "a session cannot kill itself; use close-session",
        ));
    }
    drop(stores);
    if shared.kill(id, session) || shared.faults.ok_for_anything {
        Ok(Reply::Ok)
    } else {
        Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            format!("no session {id}"),
        ))
    }
}

/// `<create-subscription>` (RFC 5277 §2.1.1): the stream `NETCONF`, replay from a start time.
pub(super) fn subscription(shared: &Shared, operation: &Element) -> Result<Reply, RpcError> {
    if let Some(stream) = operation.child("stream").map(|s| s.text.trim()) {
        if stream != "NETCONF" {
            return Err(RpcError::protocol(
                ErrorTag::InvalidValue,
                format!("no stream {stream:?}; this device has NETCONF"),
            ));
        }
    }
    let filter = match operation.child("filter") {
        None => None,
        Some(filter) => match filter
            .attributes
            .iter()
            .find(|(_, l, _)| l == "type")
            .map(|(_, _, v)| v.as_str())
        {
            None | Some("subtree") => Some(filter.children.clone()),
            Some(other) => {
                return Err(RpcError::protocol(
                    ErrorTag::OperationNotSupported,
                    format!("filter type {other:?} is not supported (no :xpath)"),
                ))
            }
        },
    };
    let time = |name: &str| -> Result<Option<SystemTime>, RpcError> {
        operation
            .child(name)
            .map(|t| {
                humantime::parse_rfc3339_weak(t.text.trim()).map_err(|e| {
                    RpcError::protocol(
                        ErrorTag::BadElement,
                        format!("<{name}> is not a date-and-time: {e}"),
                    )
                })
            })
            .transpose()
    };
    let (start, stop) = (time("startTime")?, time("stopTime")?);
    if stop.is_some() && start.is_none() {
        return Err(RpcError::protocol(
            ErrorTag::MissingElement,
            "<stopTime> needs a <startTime>",
        ));
    }
    if let (Some(start), Some(stop)) = (start, stop) {
        if stop < start {
            return Err(RpcError::protocol(
                ErrorTag::BadElement,
                "<stopTime> is before <startTime>",
            ));
        }
    }
    if start.is_some_and(|s| s > SystemTime::now()) {
        return Err(RpcError::protocol(
            ErrorTag::BadElement,
            "<startTime> is in the future",
        ));
    }
    let _ = shared;
    Ok(Reply::Subscribe {
        start,
        stop,
        filter,
    })
}
