//! Why a step did not pass: the device's doing (`fail`), the test bed's (`skipped`), or no
//! verdict at all (`error`). Steps return a [`Finding`]; cucumber carries it to the writer as
//! text, and [`Finding::from_panic_text`] reads it back, so the kind survives the trip.

use std::fmt;

use rfc3535_client::ClientError;

/// Why a step did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The device did not do what the requirement asks.
    Fail(String),
    /// The test bed lacks a precondition (an account, a second device, a sandbox module).
    Skip(String),
    /// No verdict could be reached (transport, timeout, a reply that cannot be read).
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

    const PREFIXES: [(&'static str, FindingKind); 3] = [
        ("fail: ", Finding::Fail),
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
            Finding::Skip(m) => write!(f, "skipped: {m}"),
            Finding::Error(m) => write!(f, "error: {m}"),
        }
    }
}

impl std::error::Error for Finding {}

impl From<ClientError> for Finding {
    fn from(error: ClientError) -> Self {
        Finding::Error(format!("transport: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_survive_the_trip_through_cucumber_as_text() {
        for finding in [
            Finding::fail("running differs"),
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
}
