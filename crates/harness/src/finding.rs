//! Why a step did not pass: the device's doing (`fail`, and `protocol violation` when it broke
//! the protocol itself), a precondition the test bed lacks (`skipped`), or no verdict because
//! of the test bed or the harness (`error`); docs/verdicts.md. Steps return a [`Finding`];
//! cucumber carries it to the writer as text, and [`Finding::from_panic_text`] reads it back,
//! so the kind survives the trip.

use std::fmt;

use rfc3535_client::{Blame, ClientError};
use rfc3535_score::Verdict;

/// Why a step did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The device did not do what the requirement asks.
    Fail(String),
    /// The device broke the protocol (an invalid hello, bad framing, malformed XML, a dropped
    /// session, no answer in time): the scenario fails, and so does the protocol-conformance
    /// requirement.
    Violation(String),
    /// The test bed lacks a precondition (an account, a second device, a sandbox module).
    Skip(String),
    /// No verdict could be reached, through no fault of the device: the test bed (an account
    /// the device refuses, a host key not trusted, a device that cannot be reached) or the
    /// harness itself.
    Error(String),
}

/// What a step (or a helper it calls) returns.
pub type StepResult = Result<(), Finding>;

/// Builds a finding of one kind from its message.
type FindingKind = fn(String) -> Finding;

impl Finding {
    pub fn fail(message: impl Into<String>) -> Self {
        Finding::Fail(message.into())
    }

    pub fn error(message: impl Into<String>) -> Self {
        Finding::Error(message.into())
    }

    pub fn skip(message: impl Into<String>) -> Self {
        Finding::Skip(message.into())
    }

    pub fn violation(message: impl Into<String>) -> Self {
        Finding::Violation(message.into())
    }

    /// The scenario verdict this finding gives.
    pub fn verdict(&self) -> Verdict {
        match self {
            Finding::Fail(_) | Finding::Violation(_) => Verdict::Fail,
            Finding::Skip(_) => Verdict::Skipped,
            Finding::Error(_) => Verdict::Error,
        }
    }

    /// What the finding says, without its kind.
    pub fn message(&self) -> &str {
        match self {
            Finding::Fail(m) | Finding::Violation(m) | Finding::Skip(m) | Finding::Error(m) => m,
        }
    }

    const PREFIXES: [(&'static str, FindingKind); 4] = [
        ("fail: ", Finding::Fail),
        ("protocol violation: ", Finding::Violation),
        ("skipped: ", Finding::Skip),
        ("error: ", Finding::Error),
    ];

    /// Reads back the text form; anything else is a harness bug (a panic in a step).
    pub fn from_panic_text(text: &str) -> Finding {
        for (prefix, make) in Self::PREFIXES {
            if let Some(rest) = text.strip_prefix(prefix) {
                return make(rest.to_owned());
            }
        }
        Finding::Error(format!("harness bug: a step panicked: {text}"))
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Fail(m) => write!(f, "fail: {m}"),
            Finding::Violation(m) => write!(f, "protocol violation: {m}"),
            Finding::Skip(m) => write!(f, "skipped: {m}"),
            Finding::Error(m) => write!(f, "error: {m}"),
        }
    }
}

impl std::error::Error for Finding {}

impl From<ClientError> for Finding {
    /// By who caused it ([`ClientError::blame`]).
    fn from(error: ClientError) -> Self {
        match error.blame() {
            Blame::ProtocolViolation => Finding::Violation(error.to_string()),
            Blame::Refusal => Finding::Fail(format!("the device refused: {error}")),
            Blame::TestBed => Finding::Error(format!("test bed: {error}")),
            Blame::Harness => Finding::Error(format!("harness: {error}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_survive_the_trip_through_cucumber_as_text() {
        for finding in [
            Finding::fail("running differs"),
            Finding::violation("no reply to <get> within 5s"),
            Finding::skip("no read-only account"),
            Finding::error("transport: timeout"),
        ] {
            assert_eq!(Finding::from_panic_text(&finding.to_string()), finding);
        }
        assert!(matches!(
            Finding::from_panic_text("index out of bounds"),
            Finding::Error(m) if m.starts_with("harness bug")
        ));
    }

    #[test]
    fn client_errors_become_findings_by_who_caused_them() {
        use std::time::Duration;
        let silent = ClientError::Timeout {
            operation: "get".into(),
            message_id: "4".into(),
            after: Duration::from_secs(5),
        };
        assert!(matches!(Finding::from(silent), Finding::Violation(m) if m.contains("<get>")));
        let refused = ClientError::Rejected {
            operation: "get-config".into(),
            errors: Vec::new(),
        };
        assert!(
            matches!(Finding::from(refused), Finding::Fail(m) if m.starts_with("the device refused"))
        );
        let account = ClientError::AuthenticationFailed {
            user: "ops".into(),
            method: "password",
        };
        assert!(matches!(Finding::from(account), Finding::Error(m) if m.starts_with("test bed")));
    }
}
