//! The `<error-tag>` vocabulary of RFC 6241 Appendix A, as a type. A reply's tag is kept as the
//! device wrote it ([`crate::RpcError::tag`]); [`ErrorTag`] is what it means when it is one of
//! the standard values, and what the reference device sends.

use std::fmt;
use std::str::FromStr;

/// An RFC 6241 Appendix A error-tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorTag {
    InUse,
    InvalidValue,
    TooBig,
    MissingAttribute,
    BadAttribute,
    UnknownAttribute,
    MissingElement,
    BadElement,
    UnknownElement,
    UnknownNamespace,
    AccessDenied,
    LockDenied,
    ResourceDenied,
    RollbackFailed,
    DataExists,
    DataMissing,
    OperationNotSupported,
    OperationFailed,
    /// Obsolete since RFC 6241, still seen from older servers.
    PartialOperation,
    MalformedMessage,
}

impl ErrorTag {
    /// Every tag, in Appendix A's order.
    pub const ALL: [ErrorTag; 20] = [
        ErrorTag::InUse,
        ErrorTag::InvalidValue,
        ErrorTag::TooBig,
        ErrorTag::MissingAttribute,
        ErrorTag::BadAttribute,
        ErrorTag::UnknownAttribute,
        ErrorTag::MissingElement,
        ErrorTag::BadElement,
        ErrorTag::UnknownElement,
        ErrorTag::UnknownNamespace,
        ErrorTag::AccessDenied,
        ErrorTag::LockDenied,
        ErrorTag::ResourceDenied,
        ErrorTag::RollbackFailed,
        ErrorTag::DataExists,
        ErrorTag::DataMissing,
        ErrorTag::OperationNotSupported,
        ErrorTag::OperationFailed,
        ErrorTag::PartialOperation,
        ErrorTag::MalformedMessage,
    ];

    /// The value as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorTag::InUse => "in-use",
            ErrorTag::InvalidValue => "invalid-value",
            ErrorTag::TooBig => "too-big",
            ErrorTag::MissingAttribute => "missing-attribute",
            ErrorTag::BadAttribute => "bad-attribute",
            ErrorTag::UnknownAttribute => "unknown-attribute",
            ErrorTag::MissingElement => "missing-element",
            ErrorTag::BadElement => "bad-element",
            ErrorTag::UnknownElement => "unknown-element",
            ErrorTag::UnknownNamespace => "unknown-namespace",
            ErrorTag::AccessDenied => "access-denied",
            ErrorTag::LockDenied => "lock-denied",
            ErrorTag::ResourceDenied => "resource-denied",
            ErrorTag::RollbackFailed => "rollback-failed",
            ErrorTag::DataExists => "data-exists",
            ErrorTag::DataMissing => "data-missing",
            ErrorTag::OperationNotSupported => "operation-not-supported",
            ErrorTag::OperationFailed => "operation-failed",
            ErrorTag::PartialOperation => "partial-operation",
            ErrorTag::MalformedMessage => "malformed-message",
        }
    }
}

impl fmt::Display for ErrorTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tag outside RFC 6241 Appendix A.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an RFC 6241 error-tag")]
pub struct UnknownErrorTag(pub String);

impl FromStr for ErrorTag {
    type Err = UnknownErrorTag;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ErrorTag::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| UnknownErrorTag(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_round_trips_and_others_are_refused() {
        for tag in ErrorTag::ALL {
            assert_eq!(tag.as_str().parse(), Ok(tag));
        }
        assert!("not-a-tag".parse::<ErrorTag>().is_err());
    }
}
