//! Several `results.json` documents as one: the shards of one run (`--shard K/N`), or
//! vendors' separate runs over the same catalogue. Devices, results and requirement verdicts
//! are concatenated in file order; requirements are united; the run information says where
//! the parts came from. Nothing is re-judged: each part's verdicts stand as its run reached
//! them.

use crate::results::{Results, RunInfo};

/// Why the parts cannot be one matrix.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error(
        "device {device} is in both {first} and {second}; a device must be in one part only \
         (rename it in one inventory, or leave one file out)"
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
    for (label, part) in parts {
        for device in &part.devices {
            if let Some((_, first)) = owner.iter().find(|(id, _)| *id == device.id) {
                return Err(MergeError::DuplicateDevice {
                    device: device.id.clone(),
                    first: first.clone(),
                    second: label,
                });
            }
            owner.push((device.id.clone(), label.clone()));
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
        merged.devices.extend(part.devices);
        merged.results.extend(part.results);
        merged.requirement_results.extend(part.requirement_results);
        runs.push(part.run);
    }
    if runs.len() > 1 {
        merged.run = merge_run_info(&runs, &mut notes);
    }
    Ok(Merged {
        results: merged,
        notes,
    })
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
