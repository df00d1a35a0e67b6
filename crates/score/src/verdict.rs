//! The verdict model (DESIGN.md §3): what a run concludes about one device for one scenario
//! or one requirement.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One conclusion about a device.
///
/// `skipped` and `error` never count for or against a device: the first means the test bed
/// lacked a precondition, the second that the harness could not reach a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    NotApplicable,
    Skipped,
    Error,
    Manual,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::NotApplicable,
        Verdict::Skipped,
        Verdict::Error,
        Verdict::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotApplicable => "not-applicable",
            Verdict::Skipped => "skipped",
            Verdict::Error => "error",
            Verdict::Manual => "manual",
        }
    }

    /// Whether the verdict says something about the device (pass or fail).
    pub fn is_conclusive(self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Fail)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
