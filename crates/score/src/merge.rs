//! Several `results.json` documents as one: the shards of one run (`--shard K/N` and
//! `--shard fleet`), or vendors' separate runs over the same catalogue. Devices, results and
//! requirement verdicts are concatenated in file order; requirements are united; the run
//! information says where the parts came from. Each part's verdicts stand as its run reached
//! them, with one exception: the fleet part of a sharded run holds the `@multi` results of
//! devices whose other results are in a device part, so a device found in both is one device,
//! and its requirements are judged again over the results of both (then scored again).

use std::collections::BTreeSet;

use crate::results::{DeviceEntry, RequirementResult, Results, RunInfo};
use crate::scoring::{judge_requirement, ScenarioOutcome};

/// `run.shard` of the part that made a sharded run's `@multi` scenarios over every device.
pub const FLEET_SHARD: &str = "fleet";

/// Why the parts cannot be one matrix.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error(
        "device {device} is in both {first} and {second}; a device must be in one part only, \
         or in one device part and the fleet part of a sharded run (rename it in one \
         inventory, or leave one file out)"
    )]
    DuplicateDevice {
        device: String,
        first: String,
        second: String,
    },
}

/// The merged document and what a reader should know about how it was made.
#[derive(Debug, Clone)]
pub struct Merged {
    pub results: Results,
    /// E.g. parts made with different catalogues or tool versions.
    pub notes: Vec<String>,
}

/// Merges labelled parts (the label, usually a file name, appears in errors and notes).
pub fn merge(parts: Vec<(String, Results)>) -> Result<Merged, MergeError> {
    // The fleet part goes last: its devices join those of the device parts.
    let (fleet, mut parts): (Vec<_>, Vec<_>) = parts
        .into_iter()
        .partition(|(_, part)| part.run.shard.as_deref() == Some(FLEET_SHARD));
    let fleet_parts = fleet.len();
    parts.extend(fleet);
    let mut parts = parts.into_iter();
    let Some((first_label, mut merged)) = parts.next() else {
        return Err(MergeError::Empty);
    };
    let mut notes = Vec::new();
    let mut owner: Vec<(String, String)> = merged
        .devices
        .iter()
        .map(|d| (d.id.clone(), first_label.clone()))
        .collect();
    let mut runs: Vec<RunInfo> = vec![merged.run.clone()];
    // Devices whose results come from two parts, to be judged again.
    let mut joined: BTreeSet<String> = BTreeSet::new();
    for (label, part) in parts {
        let is_fleet = part.run.shard.as_deref() == Some(FLEET_SHARD);
        for device in &part.devices {
            if let Some((_, first)) = owner.iter().find(|(id, _)| *id == device.id) {
                if !is_fleet || joined.contains(&device.id) {
                    return Err(MergeError::DuplicateDevice {
                        device: device.id.clone(),
                        first: first.clone(),
                        second: label,
                    });
                }
                joined.insert(device.id.clone());
            } else {
                owner.push((device.id.clone(), label.clone()));
            }
        }
        for requirement in part.requirements {
            match merged.requirements.iter().find(|r| r.id == requirement.id) {
                None => merged.requirements.push(requirement),
                Some(known) if known.level != requirement.level => notes.push(format!(
                    "{}: {label} has it as {}, the first part as {}; the first part's level counts",
                    requirement.id, requirement.level, known.level
                )),
                Some(_) => {}
            }
        }
        for device in part.devices {
            match merged.devices.iter_mut().find(|d| d.id == device.id) {
                Some(known) => join_device(known, device),
                None => merged.devices.push(device),
            }
        }
        merged.results.extend(part.results);
        for result in part.requirement_results {
            if !joined.contains(&result.device) {
                merged.requirement_results.push(result);
            }
        }
        runs.push(part.run);
    }
    if runs.len() > 1 {
        merged.run = merge_run_info(&runs, &mut notes);
    }
    if fleet_parts > 1 {
        notes.push(format!(
            "{fleet_parts} fleet parts: the @multi results of their devices are all kept"
        ));
    }
    if !joined.is_empty() {
        merged.judge_again(|device| joined.contains(device));
        // Each device's results together, in the order the parts had them.
        let position = |id: &str| merged.devices.iter().position(|d| d.id == id);
        merged.results.sort_by_key(|r| position(&r.device));
        merged.score_all();
    }
    Ok(Merged {
        results: merged,
        notes,
    })
}

/// One device seen by a device part and by the fleet part: the device part's entry, with the
/// configuration check of both and only the claims neither part checked.
fn join_device(known: &mut DeviceEntry, fleet: DeviceEntry) {
    for saved in fleet.safety.saved {
        if !known.safety.saved.contains(&saved) {
            known.safety.saved.push(saved);
        }
    }
    known.safety.restored |= fleet.safety.restored;
    known.safety.verified &= fleet.safety.verified;
    for problem in fleet.safety.problems {
        if !known.safety.problems.contains(&problem) {
            known.safety.problems.push(problem);
        }
    }
    known.unreachable = known.unreachable.take().or(fleet.unreachable);
    known.broken = known.broken.take().or(fleet.broken);
    known.unchecked_claims.retain(|claim| {
        fleet
            .unchecked_claims
            .iter()
            .any(|c| c.claim == claim.claim)
    });
}

impl Results {
    /// Judges the requirements of the chosen devices again from the results the document
    /// holds, as one run would have. A requirement no result of the device speaks to keeps
    /// its verdict: manual (or answered by the questionnaire), or covered by no scenario.
    pub fn judge_again(&mut self, chosen: impl Fn(&str) -> bool) {
        let mut judged: Vec<RequirementResult> = Vec::new();
        for stored in &self.requirement_results {
            if !chosen(&stored.device) {
                judged.push(stored.clone());
                continue;
            }
            let outcomes: Vec<ScenarioOutcome<'_>> = self
                .results
                .iter()
                .filter(|r| r.device == stored.device && r.requirement == stored.requirement)
                .map(|r| ScenarioOutcome {
                    scenario: &r.scenario,
                    mechanism: r.mechanism.as_deref(),
                    verdict: r.verdict,
                    other_protocol: r.verdict == crate::Verdict::NotApplicable
                        && crate::scoring::needs_other_protocol(&r.device, &r.needs),
                })
                .collect();
            let entry = self
                .requirements
                .iter()
                .find(|r| r.id == stored.requirement);
            match entry {
                Some(entry) if !outcomes.is_empty() => {
                    judged.push(judge_requirement(
                        &stored.device,
                        &entry.as_device_requirement(),
                        &outcomes,
                    ));
                }
                _ => judged.push(stored.clone()),
            }
        }
        self.requirement_results = judged;
    }
}

fn merge_run_info(runs: &[RunInfo], notes: &mut Vec<String>) -> RunInfo {
    let distinct = |field: fn(&RunInfo) -> String| -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for run in runs {
            let value = field(run);
            if !values.contains(&value) {
                values.push(value);
            }
        }
        values
    };
    let hashes = distinct(|r| r.features_hash.clone());
    if hashes.len() > 1 {
        notes.push(format!(
            "the parts were run with {} different catalogues (features hashes {}); \
             compare their requirements with care",
            hashes.len(),
            hashes.join(", ")
        ));
    }
    let tools = distinct(|r| r.tool_version.clone());
    if tools.len() > 1 {
        notes.push(format!(
            "the parts come from tool versions {}",
            tools.join(", ")
        ));
    }
    let tags = distinct(|r| r.tags.clone().unwrap_or_default());
    RunInfo {
        id: distinct(|r| r.id.clone()).join("+"),
        started: runs
            .iter()
            .map(|r| r.started.clone())
            .min()
            .unwrap_or_default(),
        finished: runs
            .iter()
            .map(|r| r.finished.clone())
            .max()
            .unwrap_or_default(),
        tool_version: tools.join(", "),
        features_hash: hashes.join(", "),
        tags: match tags.as_slice() {
            [only] if only.is_empty() => None,
            [only] => Some(only.clone()),
            several => Some(several.join(" | ")),
        },
        interrupted: runs.iter().any(|r| r.interrupted),
        shard: None,
    }
}
