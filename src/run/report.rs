//! From a run's records to `results.json` (DESIGN.md §6), and whether `--fail-on` is
//! triggered. Scoring lives in `rfc3535-score`; rendering in `rfc3535-report`.

use std::collections::BTreeMap;

use rfc3535_score::results::ResultEntry;
use rfc3535_score::{
    judge_requirement, score_device, DeviceEntry, Level, RequirementEntry, RequirementKind,
    Results, RunInfo, ScenarioOutcome, Verdict, Weights, SCHEMA_VERSION,
};

use super::catalogue::Catalogue;
use super::{device_id, missing_record_verdict, RunOutput};

/// Assembles the results document. With `schema_findings_fail`, a scenario whose replies do
/// not validate against the device's own schema fails even if its steps passed.
pub fn assemble(
    catalogue: &Catalogue,
    output: &RunOutput,
    run: RunInfo,
    schema_findings_fail: bool,
) -> Results {
    let weights = Weights::default();
    let mut results = Vec::new();
    for device in &output.devices {
        let id = device_id(&device.target.name);
        for scenario in &output.selected {
            let key = (scenario.feature.clone(), scenario.line);
            let needs_claimed = device.claims.not_applicable_because(&scenario.needs);
            let sink = if scenario.multi {
                Some(&output.fleet)
            } else {
                output.single.get(&id)
            };
            let record = sink.and_then(|s| s.records.lock().ok()?.get(&key).cloned());
            let after = sink.and_then(|s| s.after.lock().ok()?.get(&key)?.get(&id).cloned());
            let (verdict, mut message, steps, duration_ms) = if let Some(why) = &device.unreachable
            {
                (
                    Verdict::Error,
                    format!("device not tested: {why}"),
                    Vec::new(),
                    0,
                )
            } else if let Some(why) = needs_claimed {
                (Verdict::NotApplicable, why, Vec::new(), 0)
            } else if scenario.multi && after.is_none() && record.is_some() {
                // The fleet ran it without this device (it lacked something the fleet had).
                (
                    Verdict::Skipped,
                    "not part of the fleet that ran this scenario".to_owned(),
                    Vec::new(),
                    0,
                )
            } else {
                match record {
                    Some(r) => (r.verdict, r.message, r.steps, r.duration_ms),
                    None => {
                        let (v, m) = missing_record_verdict(output.interrupted);
                        (v, m, Vec::new(), 0)
                    }
                }
            };
            let after = after.unwrap_or_default();
            let mut verdict = verdict;
            if !after.schema_findings.is_empty() {
                let note = format!(
                    "{} repl{} not valid against the device's own schema: {}",
                    after.schema_findings.len(),
                    if after.schema_findings.len() == 1 {
                        "y is"
                    } else {
                        "ies are"
                    },
                    after.schema_findings.join("; ")
                );
                if schema_findings_fail && verdict == Verdict::Pass {
                    verdict = Verdict::Fail;
                }
                message = if message.is_empty() {
                    note
                } else {
                    format!("{message}; {note}")
                };
            }
            if !after.cleanup_problems.is_empty() {
                message = format!(
                    "{message}{}cleanup: {}",
                    if message.is_empty() { "" } else { "; " },
                    after.cleanup_problems.join("; ")
                );
            }
            for requirement in &scenario.requirements {
                results.push(ResultEntry {
                    device: id.clone(),
                    requirement: requirement.clone(),
                    feature: scenario.feature.clone(),
                    scenario: scenario.name.clone(),
                    verdict,
                    message: message.clone(),
                    duration_ms,
                    measurements: after.measurements.clone(),
                    evidence: after.evidence.clone(),
                    needs: scenario.needs.clone(),
                    claimed_but_broken: verdict == Verdict::Fail && !scenario.needs.is_empty(),
                    mechanism: scenario.mechanism.clone(),
                    steps: steps.clone(),
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
        .filter(|r| r.kind == RequirementKind::Manual || !covered[r.id.as_str()].is_empty())
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
        })
        .collect();

    let mut requirement_results = Vec::new();
    let mut devices = Vec::new();
    for device in &output.devices {
        let id = device_id(&device.target.name);
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
            protocol: "netconf".to_owned(),
            address: device.target.connect.address(),
            identity: device.target.labels.clone(),
            capabilities: device.claims.names().into_iter().collect(),
            advertised: device.advertised.clone(),
            framing: device.framing.clone(),
            host_key_fingerprint: device.fingerprint.clone(),
            score,
            safety: device.safety.clone(),
            unreachable: device.unreachable.clone(),
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

/// Whether `--fail-on` is triggered.
pub fn fail_on_triggered(results: &Results, fail_on: &str) -> bool {
    let level_of = |id: &str| {
        results
            .requirements
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.level)
    };
    results.requirement_results.iter().any(|r| {
        r.verdict == Verdict::Fail
            && match fail_on {
                "any" => true,
                "must" => level_of(&r.requirement) == Some(Level::Must),
                _ => false,
            }
    })
}
