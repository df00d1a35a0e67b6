//! From a run's records to `results.json` (DESIGN.md §6), and whether `--fail-on` is
//! triggered. Each scenario's verdict is [`crate::verdict::decide`]'s; scoring lives in
//! `rfc3535-score`; rendering in `rfc3535-report`.

use std::collections::BTreeMap;

use rfc3535_score::results::ResultEntry;
use rfc3535_score::{
    judge_requirement, score_device, DeviceEntry, Level, RequirementEntry, RequirementKind,
    Results, RunInfo, ScenarioOutcome, Verdict, Weights, SCHEMA_VERSION,
};

use crate::capability::{Capability, ClaimCheck};
use crate::catalogue::Catalogue;
use crate::records::RunOutput;
use crate::verdict::{decide, ScenarioFacts, SchemaFindings};

/// Assembles the results document.
pub fn assemble(
    catalogue: &Catalogue,
    output: &RunOutput,
    run: RunInfo,
    schema_findings: SchemaFindings,
) -> Results {
    let weights = Weights::default();
    let mut results = Vec::new();
    for device in &output.devices {
        let id = device.id();
        for scenario in output
            .selected
            .iter()
            .filter(|s| output.part.makes(s.multi))
        {
            let key = scenario.key();
            let sink = if scenario.multi {
                Some(&output.fleet)
            } else {
                output.single.get(&id)
            };
            let record = sink.and_then(|s| s.record(&key));
            let after = sink.and_then(|s| s.after(&key, &id));
            // A device in the fleet through another of its columns (one column per device
            // runs the @multi scenarios): not applicable here, judged in that column.
            let fleet_column = output
                .devices
                .iter()
                .find(|d| {
                    d.target.name == device.target.name
                        && d.unreachable.is_none()
                        && d.context.is_some()
                })
                .filter(|d| scenario.multi && d.target.protocol != device.target.protocol)
                .map(|d| d.target.protocol);
            let mut needs = scenario.need_names();
            let not_applicable = match fleet_column {
                Some(protocol) => {
                    needs.push(protocol.as_str().to_owned());
                    Some(format!(
                        "the device takes part in scenarios across devices through its {protocol} column, which judges it"
                    ))
                }
                None => device.claims.not_applicable_because(&scenario.needs),
            };
            let decided = decide(&ScenarioFacts {
                unreachable: device.unreachable.as_deref(),
                broken: device.broken.as_deref(),
                not_applicable: not_applicable.as_deref(),
                multi: scenario.multi,
                record: record.as_ref(),
                after: after.as_ref(),
                interrupted: output.interrupted,
                schema_findings,
            });
            let after = after.unwrap_or_default();
            // A protocol violation fails the protocol-conformance requirement too.
            let protocol_requirement = catalogue
                .registry
                .protocol_conformance
                .as_ref()
                .filter(|id| decided.violation && !scenario.requirements.contains(id));
            for requirement in scenario.requirements.iter().chain(protocol_requirement) {
                let own = scenario.requirements.contains(requirement);
                results.push(ResultEntry {
                    device: id.clone(),
                    requirement: requirement.clone(),
                    feature: scenario.feature.clone(),
                    scenario: scenario.name.clone(),
                    verdict: decided.verdict,
                    message: if own {
                        decided.message.clone()
                    } else {
                        format!("protocol violation: {}", decided.message)
                    },
                    duration_ms: decided.duration_ms,
                    measurements: after.measurements.clone(),
                    evidence: after.evidence.clone(),
                    needs: needs.clone(),
                    // The protocol of the column is no claim of a capability: a failing
                    // scenario is claimed but broken when it needs a capability besides it.
                    claimed_but_broken: decided.verdict == Verdict::Fail
                        && scenario
                            .needs
                            .iter()
                            .any(|n| n.protocol_of_column().is_none()),
                    mechanism: scenario.mechanism.clone().filter(|_| own),
                    steps: decided.steps.clone(),
                    schema_findings: after.schema_findings.clone(),
                    peers: after
                        .members
                        .iter()
                        .filter(|m| **m != id)
                        .cloned()
                        .collect(),
                });
            }
        }
    }

    let covered: BTreeMap<&str, Vec<String>> = catalogue
        .registry
        .requirements
        .iter()
        .map(|r| {
            let scenarios = output
                .selected
                .iter()
                .filter(|s| s.requirements.contains(&r.id))
                .map(|s| s.label())
                .collect();
            (r.id.as_str(), scenarios)
        })
        .collect();
    let judged: Vec<&rfc3535_score::Requirement> = catalogue
        .registry
        .requirements
        .iter()
        .filter(|r| {
            r.kind == RequirementKind::Manual
                || !covered[r.id.as_str()].is_empty()
                || results.iter().any(|entry| entry.requirement == r.id)
        })
        .collect();
    let requirements: Vec<RequirementEntry> = judged
        .iter()
        .map(|r| RequirementEntry {
            id: r.id.clone(),
            title: r.title.clone(),
            source: r.source.clone(),
            group: r.group.clone(),
            level: r.level,
            weight: weights.of(r),
            scenarios: covered[r.id.as_str()].clone(),
            question: r.question.clone(),
        })
        .collect();

    let mut requirement_results = Vec::new();
    let mut devices = Vec::new();
    for device in &output.devices {
        let id = device.id();
        let mine: Vec<&ResultEntry> = results.iter().filter(|r| r.device == id).collect();
        let verdicts: Vec<_> = judged
            .iter()
            .map(|requirement| {
                let outcomes: Vec<ScenarioOutcome<'_>> = mine
                    .iter()
                    .filter(|r| r.requirement == requirement.id)
                    .map(|r| ScenarioOutcome {
                        scenario: &r.scenario,
                        mechanism: r.mechanism.as_deref(),
                        verdict: r.verdict,
                        other_protocol: r.verdict == rfc3535_score::Verdict::NotApplicable
                            && rfc3535_score::scoring::needs_other_protocol(&r.device, &r.needs),
                    })
                    .collect();
                judge_requirement(&id, requirement, &outcomes)
            })
            .collect();
        let weight_of = |id: &str| {
            judged
                .iter()
                .find(|r| r.id == id)
                .map_or(1, |r| weights.of(r))
        };
        let score = score_device(weight_of, &verdicts, mine.iter().copied());
        requirement_results.extend(verdicts);
        devices.push(DeviceEntry {
            id,
            name: device.target.name.clone(),
            protocol: device.target.protocol.as_str().to_owned(),
            address: device.target.connect.address(),
            identity: device.target.labels.clone(),
            capabilities: device.claims.names(),
            advertised: device.advertised.clone(),
            framing: device.framing.clone(),
            host_key_fingerprint: device.fingerprint.clone(),
            score,
            safety: device.safety.clone(),
            unreachable: device.unreachable.clone(),
            broken: device.broken.clone(),
            schema_snapshot: device.schema_snapshot.clone(),
            unchecked_claims: crate::capability::unchecked_claims(&device.advertised, |c| {
                // On a device without a candidate, every edit is an edit of running: the
                // scenarios that need config-edit exercise :writable-running.
                let exercised_by = |need: &str| {
                    need == c.tag_name()
                        || (c == Capability::WritableRunning
                            && !device.claims.claims(Capability::Candidate)
                            && need == Capability::ConfigEdit.tag_name())
                };
                let judged = mine.iter().any(|r| {
                    matches!(r.verdict, Verdict::Pass | Verdict::Fail)
                        && r.needs.iter().any(|n| exercised_by(n))
                });
                if judged {
                    ClaimCheck::Judged
                } else if catalogue
                    .scenarios
                    .iter()
                    .any(|s| s.needs.iter().any(|n| exercised_by(n.tag_name())))
                {
                    ClaimCheck::NotReached
                } else {
                    ClaimCheck::NoScenario
                }
            }),
        });
    }
    Results {
        schema_version: SCHEMA_VERSION,
        run,
        devices,
        requirements,
        results,
        requirement_results,
    }
}

/// When a run's exit status says that requirements failed (`--fail-on`). An error anywhere
/// (a scenario the harness or the test bed could not decide, a device not tested) triggers
/// `must` and `any` too: an incomplete run is not a passing run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// A MUST requirement failed, or something could not be decided.
    #[default]
    Must,
    /// Any requirement failed, or something could not be decided.
    Any,
    /// Never: the exit status says only whether the run could be made.
    Never,
}

impl FailOn {
    const CHOICES: [(&'static str, FailOn); 3] = [
        ("must", FailOn::Must),
        ("any", FailOn::Any),
        ("never", FailOn::Never),
    ];

    /// The levels' names, in order.
    pub fn names() -> Vec<&'static str> {
        crate::choice::names(&FailOn::CHOICES)
    }

    /// Whether these results trigger it.
    pub fn triggered(self, results: &Results) -> bool {
        if self == FailOn::Never {
            return false;
        }
        let errored = results.results.iter().any(|r| r.verdict == Verdict::Error)
            || results
                .requirement_results
                .iter()
                .any(|r| r.verdict == Verdict::Error);
        let level_of = |id: &str| {
            results
                .requirements
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.level)
        };
        errored
            || results.requirement_results.iter().any(|r| {
                r.verdict == Verdict::Fail
                    && match self {
                        FailOn::Any => true,
                        FailOn::Must => level_of(&r.requirement) == Some(Level::Must),
                        FailOn::Never => false,
                    }
            })
    }
}

impl std::str::FromStr for FailOn {
    type Err = crate::choice::UnknownChoice;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        crate::choice::choose("--fail-on level", text, &FailOn::CHOICES)
    }
}

#[cfg(test)]
mod tests {
    use rfc3535_score::results::RequirementResult;

    use super::*;

    fn results(verdicts: &[(&str, Level, Verdict)]) -> Results {
        Results {
            schema_version: SCHEMA_VERSION,
            run: RunInfo {
                id: "r".into(),
                ..RunInfo::default()
            },
            devices: Vec::new(),
            requirements: verdicts
                .iter()
                .map(|(id, level, _)| RequirementEntry {
                    id: (*id).to_owned(),
                    title: String::new(),
                    source: String::new(),
                    group: String::new(),
                    level: *level,
                    weight: 1,
                    scenarios: Vec::new(),
                    question: None,
                })
                .collect(),
            results: Vec::new(),
            requirement_results: verdicts
                .iter()
                .map(|(id, _, verdict)| RequirementResult {
                    device: "d/netconf".to_owned(),
                    requirement: (*id).to_owned(),
                    verdict: *verdict,
                    message: String::new(),
                    mechanism: None,
                })
                .collect(),
        }
    }

    #[test]
    fn fail_on_must_any_and_never() {
        let should_failed = results(&[
            ("M", Level::Must, Verdict::Pass),
            ("S", Level::Should, Verdict::Fail),
        ]);
        assert!(!FailOn::Must.triggered(&should_failed));
        assert!(FailOn::Any.triggered(&should_failed));
        assert!(!FailOn::Never.triggered(&should_failed));
        let must_failed = results(&[("M", Level::Must, Verdict::Fail)]);
        assert!(FailOn::Must.triggered(&must_failed));
        assert!(FailOn::Any.triggered(&must_failed));
        assert!(!FailOn::Never.triggered(&must_failed));
        let clean = results(&[
            ("M", Level::Must, Verdict::Pass),
            ("N", Level::Must, Verdict::NotApplicable),
            ("S", Level::May, Verdict::Skipped),
        ]);
        for fail_on in [FailOn::Must, FailOn::Any, FailOn::Never] {
            assert!(!fail_on.triggered(&clean), "{fail_on:?}");
        }
        // An error anywhere is an incomplete run: it is not a passing one.
        let errored = results(&[
            ("M", Level::Must, Verdict::Pass),
            ("E", Level::May, Verdict::Error),
        ]);
        assert!(FailOn::Must.triggered(&errored));
        assert!(FailOn::Any.triggered(&errored));
        assert!(!FailOn::Never.triggered(&errored));
        for name in FailOn::names() {
            assert!(name.parse::<FailOn>().is_ok(), "{name}");
        }
        assert_eq!("must".parse(), Ok(FailOn::Must));
        assert!("sometimes".parse::<FailOn>().is_err());
    }
}
