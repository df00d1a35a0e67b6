//! `results.json`, the contract of a run (DESIGN.md §6). Everything a report needs is here,
//! so a run directory can be re-judged and re-rendered offline. Fields are only ever added.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::registry::Level;
use crate::verdict::Verdict;

/// A results.json document that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("schema_version {0}; this build reads {SCHEMA_VERSION}")]
    Version(u64),
    #[error("no schema_version: not an rfc3535 results file")]
    NoVersion,
    #[error("not an rfc3535 results file: {0}")]
    Shape(serde_json::Error),
}

/// The version of this document's shape. Bump it only for a change a reader must know about.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    pub run: RunInfo,
    pub devices: Vec<DeviceEntry>,
    pub requirements: Vec<RequirementEntry>,
    /// One entry per (device, scenario, requirement the scenario serves).
    pub results: Vec<ResultEntry>,
    /// One entry per (device, requirement): the requirement's verdict from its scenarios.
    #[serde(default)]
    pub requirement_results: Vec<RequirementResult>,
}

/// When and with what the run was made.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunInfo {
    pub id: String,
    /// RFC 3339 UTC.
    pub started: String,
    pub finished: String,
    pub tool_version: String,
    /// SHA-256 over the feature files and the registry, in path order.
    pub features_hash: String,
    /// The tag expression that selected the scenarios, if any.
    pub tags: Option<String>,
    /// True when the run was interrupted (Ctrl-C) and holds only what was collected.
    #[serde(default)]
    pub interrupted: bool,
    /// `K/N` when this run is one shard of a larger one (`--shard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// One (device, protocol) column of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceEntry {
    /// `<name>/<protocol>`, unique in the run.
    pub id: String,
    pub name: String,
    pub protocol: String,
    pub address: String,
    /// What the inventory says the device is (vendor, os, version, ...).
    pub identity: BTreeMap<String, String>,
    /// Capability names the harness detected (catalogue §1.3), from the device's own claims.
    pub capabilities: Vec<String>,
    /// The capabilities the device states, verbatim: its hello's over NETCONF, the
    /// `ietf-restconf-monitoring` capability URIs over RESTCONF.
    #[serde(default)]
    pub advertised: Vec<String>,
    pub framing: Option<String>,
    pub host_key_fingerprint: Option<String>,
    pub score: Score,
    /// Whether the harness left the configuration as it found it.
    pub safety: Safety,
    /// Why the test bed could not test the device at all, if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<String>,
    /// How the device broke the protocol before any scenario could run, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    /// The run-relative directory holding the device's schema as served (its modules and
    /// what was implemented with which features), for `rfc3535 report --rejudge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_snapshot: Option<String>,
    /// Capabilities the device announces that no scenario of the run judged: claimed, not
    /// checked (RFC 3535 §5, observation 27: what is announced must work).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked_claims: Vec<UncheckedClaim>,
}

/// A capability a device announces that the run did not check, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UncheckedClaim {
    /// The capability as announced (the hello's URI, or a part of it such as one `:url` scheme).
    pub claim: String,
    pub why: String,
}

/// The configuration check after a device's scenarios.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Safety {
    /// Datastores saved before the first scenario.
    pub saved: Vec<String>,
    /// The harness had to write the saved configuration back.
    pub restored: bool,
    /// After the run, every saved datastore equalled what was saved.
    pub verified: bool,
    /// What differed, or why the check could not be made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A device's score and verdict counts over requirements.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Score {
    /// Weighted pass ratio over requirements with a pass or fail verdict; `None` when there
    /// are none.
    pub percent: Option<f64>,
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
    pub skipped: usize,
    pub error: usize,
    pub manual: usize,
    /// Failed scenarios whose needed capabilities the device claims.
    pub claimed_but_broken: usize,
    /// Scenarios that reached no verdict on the device (error or skipped): how incompletely
    /// it was tested.
    #[serde(default)]
    pub undecided: usize,
}

/// A requirement as the run knew it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementEntry {
    pub id: String,
    pub title: String,
    pub source: String,
    pub group: String,
    pub level: Level,
    pub weight: u32,
    /// Scenarios that cover it (`feature file: scenario name`).
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// The questionnaire item that answers it, for a manual requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
}

impl RequirementEntry {
    /// The requirement as the scoring judges a device requirement (results.json keeps what a
    /// verdict needs: its id and level).
    pub fn as_device_requirement(&self) -> crate::registry::Requirement {
        crate::registry::Requirement {
            id: self.id.clone(),
            title: self.title.clone(),
            source: self.source.clone(),
            group: self.group.clone(),
            level: self.level,
            weight: Some(self.weight),
            kind: crate::registry::RequirementKind::Device,
            question: None,
            mechanisms: Vec::new(),
            aliases: Vec::new(),
            not_yet_covered: None,
        }
    }
}

/// One scenario's verdict on one device, for one requirement it serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultEntry {
    pub device: String,
    pub requirement: String,
    /// The feature file, relative to `features/`.
    pub feature: String,
    pub scenario: String,
    pub verdict: Verdict,
    pub message: String,
    pub duration_ms: u64,
    #[serde(default)]
    pub measurements: BTreeMap<String, serde_json::Value>,
    /// Paths relative to the run directory.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The capabilities the scenario needs (its `@cap:` tags).
    #[serde(default)]
    pub needs: Vec<String>,
    /// A failure on something the device claims to support.
    #[serde(default)]
    pub claimed_but_broken: bool,
    /// The mechanism this scenario checks, when the requirement has several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
    /// The steps as run, with their outcome (`passed`, `failed`, `not run`).
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    /// Replies of the scenario that do not validate against the device's own schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_findings: Vec<String>,
    /// Other devices that took part in a multi-device scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<String>,
}

/// One step of a scenario as run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub keyword: String,
    pub text: String,
    pub outcome: String,
}

/// One requirement's verdict on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementResult {
    pub device: String,
    pub requirement: String,
    pub verdict: Verdict,
    pub message: String,
    /// The mechanism that decided the verdict, when there are several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
}

impl Results {
    /// Reads a results.json document, refusing a schema version this build does not know.
    pub fn from_json(text: &str) -> Result<Results, ResultsError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(ResultsError::NotJson)?;
        match value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => return Err(ResultsError::Version(v)),
            None => return Err(ResultsError::NoVersion),
        }
        serde_json::from_value(value).map_err(ResultsError::Shape)
    }
}
