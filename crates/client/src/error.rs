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
    #[error("TLS settings: {0}")]
    TlsSettings(String),
    #[error(
        "server certificate of {address} rejected (it presented SHA-256 {fingerprint}): {reason}"
    )]
    CertificateRejected {
        address: String,
        fingerprint: String,
        reason: String,
    },
    #[error("TLS with {address} failed: {message}")]
    Tls { address: String, message: String },
    #[error("{request}: {message}")]
    Http { request: String, message: String },
    #[error("no response to {request} within {after:?}")]
    HttpTimeout { request: String, after: Duration },
    #[error("the response to {request} exceeds the limit of {limit} bytes")]
    BodyTooLarge { request: String, limit: usize },
}

fn summarize(errors: &[RpcError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Who caused a [`ClientError`]: what the verdict policy needs to tell a device's failure
/// (`fail`) from the test bed's or the harness's (`error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The device broke the protocol: an invalid hello, bad framing, malformed XML, an
    /// oversized message, a session it dropped, no answer within the timeout.
    ProtocolViolation,
    /// The device answered within the protocol and refused: an `<rpc-error>`, or an SSH
    /// server that does not offer the `netconf` subsystem.
    Refusal,
    /// The test bed: the device cannot be reached, the inventory's account or key is refused,
    /// its host key is not trusted, a local key or agent is unusable.
    TestBed,
    /// The harness itself: it closed the session, or its own reader failed.
    Harness,
}

impl ClientError {
    /// Who caused this error.
    pub fn blame(&self) -> Blame {
        match self {
            ClientError::Connect { .. }
            | ClientError::ConnectTimeout { .. }
            | ClientError::HostKeyRejected { .. }
            | ClientError::AuthenticationFailed { .. }
            | ClientError::Key { .. }
            | ClientError::Agent(_)
            | ClientError::TlsSettings(_)
            | ClientError::CertificateRejected { .. } => Blame::TestBed,
            ClientError::SubsystemRefused | ClientError::Rejected { .. } => Blame::Refusal,
            ClientError::SessionClosed {
                reason: SessionEnd::Closed | SessionEnd::ReaderPanicked(_),
            } => Blame::Harness,
            ClientError::Ssh(_)
            | ClientError::HelloTimeout { .. }
            | ClientError::BadHello(_)
            | ClientError::Malformed(_)
            | ClientError::Timeout { .. }
            | ClientError::SessionClosed { .. }
            | ClientError::Io(_)
            | ClientError::Tls { .. }
            | ClientError::Http { .. }
            | ClientError::HttpTimeout { .. }
            | ClientError::BodyTooLarge { .. } => Blame::ProtocolViolation,
        }
    }

    /// Whether the session is unusable after this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            ClientError::Timeout { .. }
                | ClientError::Rejected { .. }
                | ClientError::Malformed(_)
                | ClientError::HttpTimeout { .. }
                | ClientError::BodyTooLarge { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_device_did_is_told_apart_from_the_test_bed_and_the_harness() {
        let violation = [
            ClientError::HelloTimeout {
                after: Duration::from_secs(1),
            },
            ClientError::Malformed(MessageError::Invalid {
                element: "rpc-reply",
                reason: "x".into(),
            }),
            ClientError::Timeout {
                operation: "get".into(),
                message_id: "1".into(),
                after: Duration::from_secs(1),
            },
            ClientError::SessionClosed {
                reason: SessionEnd::BadFraming("#x".into()),
            },
            ClientError::SessionClosed {
                reason: SessionEnd::PeerClosed,
            },
            ClientError::SessionClosed {
                reason: SessionEnd::MessageTooLarge { limit: 1 },
            },
        ];
        for error in &violation {
            assert_eq!(error.blame(), Blame::ProtocolViolation, "{error}");
        }
        let refusal = ClientError::Rejected {
            operation: "get-config".into(),
            errors: Vec::new(),
        };
        assert_eq!(refusal.blame(), Blame::Refusal);
        let test_bed = [
            ClientError::AuthenticationFailed {
                user: "admin".into(),
                method: "password",
            },
            ClientError::ConnectTimeout {
                address: "127.0.0.1:1".into(),
                after: Duration::from_secs(1),
            },
            ClientError::HostKeyRejected {
                address: "a".into(),
                fingerprint: "f".into(),
                reason: "unknown".into(),
            },
        ];
        for error in &test_bed {
            assert_eq!(error.blame(), Blame::TestBed, "{error}");
        }
        for reason in [SessionEnd::Closed, SessionEnd::ReaderPanicked("x".into())] {
            let error = ClientError::SessionClosed { reason };
            assert_eq!(error.blame(), Blame::Harness, "{error}");
        }
    }
}
