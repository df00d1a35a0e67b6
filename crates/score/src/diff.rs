//! What changed between two runs (firmware A against firmware B, last week against today):
//! per device and requirement, the verdicts that differ, regressions first; and the devices'
//! scores. Devices are matched by id (`<name>/<protocol>`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::registry::Level;
use crate::results::{RequirementResult, Results};
use crate::verdict::Verdict;

/// How a verdict moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A pass was lost, or a fail or an error appeared.
    Regression,
    /// A pass appeared, or a fail or an error went away.
    Improvement,
    /// Anything else (e.g. fail became error, both counting against the device, or a
    /// requirement left the run).
    Other,
}

/// One (device, requirement) whose verdict differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub device: String,
    pub requirement: String,
    pub level: Option<Level>,
    /// `None`: the run has no verdict for it.
    pub old: Option<Verdict>,
    pub new: Option<Verdict>,
    /// The new run's explanation (the old one's when the new run has none).
    pub message: String,
}

/// A device whose score differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreChange {
    pub device: String,
    pub old: Option<f64>,
    pub new: Option<f64>,
}

/// The differences between two runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RunDiff {
    pub changes: Vec<Change>,
    pub scores: Vec<ScoreChange>,
    pub devices_added: Vec<String>,
    pub devices_removed: Vec<String>,
}

impl RunDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.scores.is_empty()
            && self.devices_added.is_empty()
            && self.devices_removed.is_empty()
    }
}

/// Error ranks with fail: a run that could not decide is not a better run (docs/verdicts.md).
fn classify(old: Option<Verdict>, new: Option<Verdict>) -> ChangeKind {
    let pass = Some(Verdict::Pass);
    let bad = |v: Option<Verdict>| matches!(v, Some(Verdict::Fail | Verdict::Error));
    if (old == pass && new != pass) || (bad(new) && !bad(old)) {
        ChangeKind::Regression
    } else if new == pass || (bad(old) && !bad(new)) {
        ChangeKind::Improvement
    } else {
        ChangeKind::Other
    }
}

/// Compares two runs. Only devices present in both are compared requirement by requirement.
pub fn diff(old: &Results, new: &Results) -> RunDiff {
    let ids = |r: &Results| -> Vec<String> { r.devices.iter().map(|d| d.id.clone()).collect() };
    let (old_ids, new_ids) = (ids(old), ids(new));
    let mut out = RunDiff {
        devices_added: new_ids
            .iter()
            .filter(|id| !old_ids.contains(id))
            .cloned()
            .collect(),
        devices_removed: old_ids
            .iter()
            .filter(|id| !new_ids.contains(id))
            .cloned()
            .collect(),
        ..RunDiff::default()
    };
    let index = |r: &Results| -> BTreeMap<(String, String), RequirementResult> {
        r.requirement_results
            .iter()
            .map(|v| ((v.device.clone(), v.requirement.clone()), v.clone()))
            .collect()
    };
    let (before, after) = (index(old), index(new));
    let level_of = |id: &str| {
        new.requirements
            .iter()
            .chain(&old.requirements)
            .find(|r| r.id == id)
            .map(|r| r.level)
    };
    let mut keys: Vec<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if !(old_ids.contains(&key.0) && new_ids.contains(&key.0)) {
            continue;
        }
        let (was, is) = (before.get(key), after.get(key));
        let (old_verdict, new_verdict) = (was.map(|v| v.verdict), is.map(|v| v.verdict));
        if old_verdict == new_verdict {
            continue;
        }
        out.changes.push(Change {
            kind: classify(old_verdict, new_verdict),
            device: key.0.clone(),
            requirement: key.1.clone(),
            level: level_of(&key.1),
            old: old_verdict,
            new: new_verdict,
            message: is.or(was).map(|v| v.message.clone()).unwrap_or_default(),
        });
    }
    out.changes
        .sort_by(|a, b| (a.kind, a.level, &a.device).cmp(&(b.kind, b.level, &b.device)));
    for device in &new.devices {
        if let Some(previous) = old.devices.iter().find(|d| d.id == device.id) {
            if previous.score.percent != device.score.percent {
                out.scores.push(ScoreChange {
                    device: device.id.clone(),
                    old: previous.score.percent,
                    new: device.score.percent,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_ranks_with_fail() {
        let (pass, fail, error, skipped) = (
            Some(Verdict::Pass),
            Some(Verdict::Fail),
            Some(Verdict::Error),
            Some(Verdict::Skipped),
        );
        assert_eq!(classify(fail, error), ChangeKind::Other);
        assert_eq!(classify(error, fail), ChangeKind::Other);
        assert_eq!(classify(pass, error), ChangeKind::Regression);
        assert_eq!(classify(skipped, error), ChangeKind::Regression);
        assert_eq!(classify(error, pass), ChangeKind::Improvement);
        assert_eq!(classify(error, skipped), ChangeKind::Improvement);
        assert_eq!(classify(pass, fail), ChangeKind::Regression);
        assert_eq!(classify(fail, pass), ChangeKind::Improvement);
    }
}
