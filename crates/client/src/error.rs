//! Client errors. These are harness-side outcomes (transport, timeout, a peer that breaks the
//! protocol); a device's `<rpc-error>` is data in an [`rfc3535_wire::RpcReply`], not an error here,
//! except through [`ClientError::Rejected`] when the caller asked for success.

use std::time::Duration;

use rfc3535_wire::{MessageError, RpcError};

use crate::session::SessionEnd;

/// Why a client operation did not produce a reply.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no SSH session with {address} within {after:?} (connect, key exchange and authentication)"
    )]
    ConnectTimeout { address: String, after: Duration },
    #[error("ssh: {0}")]
    Ssh(#[from] russh::Error),
    #[error("host key of {address} rejected ({fingerprint}): {reason}")]
    HostKeyRejected {
        address: String,
        fingerprint: String,
        reason: String,
    },
    #[error("authentication of user {user:?} by {method} failed")]
    AuthenticationFailed { user: String, method: &'static str },
    #[error("cannot use SSH key {path}: {message}")]
    Key { path: String, message: String },
    #[error("ssh-agent: {0}")]
    Agent(String),
    #[error("the server refused the netconf SSH subsystem")]
    SubsystemRefused,
    #[error("no <hello> from the server within {after:?}")]
    HelloTimeout { after: Duration },
    #[error("the server's <hello> is invalid: {0}")]
    BadHello(#[source] MessageError),
    #[error("malformed message from the peer: {0}")]
    Malformed(#[source] MessageError),
    #[error("no reply to <{operation}> (message-id {message_id}) within {after:?}")]
    Timeout {
        operation: String,
        message_id: String,
        after: Duration,
    },
    #[error("session closed: {reason}")]
    SessionClosed { reason: SessionEnd },
    #[error("<{operation}> failed: {}", summarize(.errors))]
    Rejected {
        operation: String,
        errors: Vec<RpcError>,
    },
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

fn summarize(errors: &[RpcError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ClientError {
    /// Whether the session is unusable after this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            ClientError::Timeout { .. } | ClientError::Rejected { .. } | ClientError::Malformed(_)
        )
    }
}
