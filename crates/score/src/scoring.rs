//! From scenario verdicts to requirement verdicts, and from those to a device's score
//! (DESIGN.md §3, docs/verdicts.md).
//!
//! A requirement's scenarios are grouped by the mechanism they check (scenarios without one
//! check the requirement itself). Within a group one failure fails it, a pass passes it, and
//! `skipped` or `error` (undecided) never outrank a decided verdict. Across groups a claimed
//! mechanism that fails fails the requirement (claimed but broken, named in the result), else
//! one that passes passes it; a requirement with no applicable scenario at all is
//! not-applicable, and a MUST requirement offered by no mechanism fails.

use std::collections::BTreeMap;

use crate::registry::{Level, Requirement, RequirementKind};
use crate::results::{RequirementResult, ResultEntry, Results, Score};
use crate::verdict::Verdict;

/// Weights per level; MUST 3, SHOULD 2, MAY 1 unless configured.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    pub must: u32,
    pub should: u32,
    pub may: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            must: 3,
            should: 2,
            may: 1,
        }
    }
}

impl Weights {
    /// A requirement's weight: its own, if the registry gives one, else its level's.
    pub fn of(&self, requirement: &Requirement) -> u32 {
        requirement
            .weight
            .unwrap_or(self.of_level(requirement.level))
    }

    pub fn of_level(&self, level: Level) -> u32 {
        match level {
            Level::Must => self.must,
            Level::Should => self.should,
            Level::May => self.may,
        }
    }
}

/// Weights that are not three whole numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("weights are three whole numbers for MUST,SHOULD,MAY (e.g. 3,2,1), not {0:?}")]
pub struct WeightsError(pub String);

impl std::str::FromStr for Weights {
    type Err = WeightsError;

    /// `MUST,SHOULD,MAY`, e.g. `3,2,1`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<Result<u32, _>> = text.split(',').map(|p| p.trim().parse()).collect();
        match parts.as_slice() {
            [Ok(must), Ok(should), Ok(may)] => Ok(Weights {
                must: *must,
                should: *should,
                may: *may,
            }),
            _ => Err(WeightsError(text.to_owned())),
        }
    }
}

/// What [`judge_requirement`] needs of one scenario result.
#[derive(Debug, Clone)]
pub struct ScenarioOutcome<'a> {
    pub scenario: &'a str,
    pub mechanism: Option<&'a str>,
    pub verdict: Verdict,
    /// Not applicable because the scenario is about another protocol than the column's
    /// (it needs `netconf` on a RESTCONF column, or the reverse).
    pub other_protocol: bool,
}

/// The capability names that say which protocol a column speaks.
pub const PROTOCOL_CAPABILITIES: [&str; 2] = ["netconf", "restconf"];

/// Whether a scenario that needs `needs` is about another protocol than the one of the
/// column `device` (`name/protocol`).
pub fn needs_other_protocol(device: &str, needs: &[String]) -> bool {
    let column = device.rsplit('/').next().unwrap_or_default();
    needs
        .iter()
        .any(|n| PROTOCOL_CAPABILITIES.contains(&n.as_str()) && n != column)
}

/// Within one group (a mechanism, or the requirement itself): a failure fails it, a pass
/// passes it, and among the rest an error outranks not-applicable, which outranks skipped (a
/// precondition the test bed lacked does not make a device offer what it does not).
fn rank_within(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Fail => 0,
        Verdict::Pass => 1,
        Verdict::Error => 2,
        Verdict::NotApplicable => 3,
        Verdict::Skipped => 4,
        Verdict::Manual => 5,
    }
}

/// Across mechanisms: a claimed mechanism that fails fails the requirement, one that passes
/// passes it; a claimed mechanism left undecided keeps the requirement undecided rather than
/// letting it count as offered by none.
fn rank_across(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Fail => 0,
        Verdict::Pass => 1,
        Verdict::Error => 2,
        Verdict::Skipped => 3,
        Verdict::NotApplicable => 4,
        Verdict::Manual => 5,
    }
}

/// The verdict of one requirement on one device from its scenarios' verdicts.
pub fn judge_requirement(
    device: &str,
    requirement: &Requirement,
    outcomes: &[ScenarioOutcome<'_>],
) -> RequirementResult {
    let result = |verdict, message: String, mechanism: Option<&str>| RequirementResult {
        device: device.to_owned(),
        requirement: requirement.id.clone(),
        verdict,
        message,
        mechanism: mechanism.map(str::to_owned),
    };
    if requirement.kind == RequirementKind::Manual {
        return result(
            Verdict::Manual,
            format!(
                "answered by the evidence questionnaire ({})",
                requirement.question.as_deref().unwrap_or("?")
            ),
            None,
        );
    }
    if outcomes.is_empty() {
        return result(
            Verdict::Skipped,
            "no scenario of this run covers it".to_owned(),
            None,
        );
    }
    let mut by_mechanism: BTreeMap<Option<&str>, Vec<&ScenarioOutcome<'_>>> = BTreeMap::new();
    for outcome in outcomes {
        by_mechanism
            .entry(outcome.mechanism)
            .or_default()
            .push(outcome);
    }
    let groups: Vec<(Option<&str>, Verdict)> = by_mechanism
        .iter()
        .map(|(mechanism, group)| {
            let verdict = group
                .iter()
                .map(|o| o.verdict)
                .min_by_key(|v| rank_within(*v))
                .unwrap_or(Verdict::NotApplicable);
            (*mechanism, verdict)
        })
        .collect();
    let (mechanism, verdict) = groups
        .iter()
        .copied()
        .min_by_key(|(_, verdict)| rank_across(*verdict))
        .unwrap_or((None, Verdict::NotApplicable));
    let several = by_mechanism.len() > 1;
    // The scenarios with this verdict in the deciding group (or in every group that has it).
    let named = |wanted: Verdict, only_deciding: bool| -> Vec<String> {
        outcomes
            .iter()
            .filter(|o| o.verdict == wanted && (!only_deciding || o.mechanism == mechanism))
            .map(|o| match (several, o.mechanism) {
                (true, Some(m)) => format!("[{m}] {}", o.scenario),
                _ => o.scenario.to_owned(),
            })
            .collect()
    };
    let undecided: Vec<String> = [Verdict::Error, Verdict::Skipped]
        .into_iter()
        .flat_map(|v| named(v, false))
        .collect();
    let with_undecided = |mut message: String| {
        if !undecided.is_empty() {
            message.push_str(&format!(" (not decided: {})", undecided.join("; ")));
        }
        message
    };
    let only_other_protocols = outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::NotApplicable)
        .all(|o| o.other_protocol);
    match verdict {
        // Every mechanism is another protocol's (NETCONF's candidate seen from a RESTCONF
        // column): the device is judged on it in that protocol's column.
        Verdict::NotApplicable if only_other_protocols => result(
            verdict,
            with_undecided(
                "only mechanisms of another protocol meet it; the device's column for that protocol judges them"
                    .to_owned(),
            ),
            None,
        ),
        Verdict::NotApplicable if requirement.level == Level::Must => result(
            Verdict::Fail,
            with_undecided(
                "a MUST requirement, and the device offers none of the mechanisms that meet it"
                    .to_owned(),
            ),
            None,
        ),
        Verdict::NotApplicable => result(
            verdict,
            with_undecided("the device claims none of the mechanisms that meet it".to_owned()),
            None,
        ),
        Verdict::Pass => result(
            verdict,
            with_undecided(format!("passed: {}", named(Verdict::Pass, true).join("; "))),
            mechanism,
        ),
        Verdict::Fail => {
            let broken: Vec<&str> = groups
                .iter()
                .filter(|(m, v)| *v == Verdict::Fail && m.is_some())
                .filter_map(|(m, _)| *m)
                .collect();
            let prefix = if broken.is_empty() {
                String::new()
            } else {
                format!("claimed but broken: {}; ", broken.join(", "))
            };
            result(
                verdict,
                format!("{prefix}fail: {}", named(Verdict::Fail, false).join("; ")),
                mechanism,
            )
        }
        other => result(
            other,
            format!("{other}: {}", named(other, false).join("; ")),
            mechanism,
        ),
    }
}

/// A device's score from its requirement verdicts (weighted by `weight_of`, given a
/// requirement id), and the claimed-but-broken count from its scenario results.
pub fn score_device<'a>(
    weight_of: impl Fn(&str) -> u32,
    verdicts: impl IntoIterator<Item = &'a RequirementResult>,
    scenario_results: impl IntoIterator<Item = &'a ResultEntry>,
) -> Score {
    let mut score = Score::default();
    let (mut earned, mut possible) = (0u64, 0u64);
    for verdict in verdicts {
        let weight = weight_of(&verdict.requirement);
        match verdict.verdict {
            Verdict::Pass => {
                score.pass += 1;
                earned += u64::from(weight);
                possible += u64::from(weight);
            }
            Verdict::Fail => {
                score.fail += 1;
                possible += u64::from(weight);
            }
            Verdict::NotApplicable => score.not_applicable += 1,
            Verdict::Skipped => score.skipped += 1,
            Verdict::Error => score.error += 1,
            Verdict::Manual => score.manual += 1,
        }
    }
    let scenario_results: Vec<&ResultEntry> = scenario_results.into_iter().collect();
    let distinct = |keep: &dyn Fn(&ResultEntry) -> bool| {
        let mut scenarios: Vec<&str> = scenario_results
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.scenario.as_str())
            .collect();
        scenarios.sort_unstable();
        scenarios.dedup();
        scenarios.len()
    };
    score.claimed_but_broken = distinct(&|r| r.claimed_but_broken);
    score.undecided = distinct(&|r| matches!(r.verdict, Verdict::Error | Verdict::Skipped));
    if possible > 0 {
        // Rounded to 0.1 so the number in the file is the number people see.
        let percent = (earned as f64) * 100.0 / (possible as f64);
        score.percent = Some((percent * 10.0).round() / 10.0);
    }
    score
}

// Rescoring lives with scoring, so that `results` (the document) does not depend on it.
impl Results {
    /// Recomputes every device's score with other level weights (e.g. `report --weights`).
    /// Verdicts do not change; only how much each requirement counts.
    pub fn rescore(&mut self, weights: Weights) {
        for requirement in &mut self.requirements {
            requirement.weight = weights.of_level(requirement.level);
        }
        self.score_all();
    }

    /// Recomputes every device's score from the verdicts and weights the document holds
    /// (after verdicts changed, e.g. questionnaire answers applied).
    pub fn score_all(&mut self) {
        let weight_of = |id: &str| {
            self.requirements
                .iter()
                .find(|r| r.id == id)
                .map_or(1, |r| r.weight)
        };
        let scores: Vec<Score> = self
            .devices
            .iter()
            .map(|device| {
                score_device(
                    weight_of,
                    self.requirement_results
                        .iter()
                        .filter(|r| r.device == device.id),
                    self.results.iter().filter(|r| r.device == device.id),
                )
            })
            .collect();
        for (device, score) in self.devices.iter_mut().zip(scores) {
            device.score = score;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(level: Level) -> Requirement {
        Requirement {
            id: "R".into(),
            title: "t".into(),
            source: "s".into(),
            group: "g".into(),
            level,
            weight: None,
            kind: RequirementKind::Device,
            question: None,
            mechanisms: Vec::new(),
            aliases: Vec::new(),
            not_yet_covered: None,
        }
    }

    fn outcome(
        scenario: &'static str,
        mechanism: Option<&'static str>,
        verdict: Verdict,
    ) -> ScenarioOutcome<'static> {
        ScenarioOutcome {
            scenario,
            mechanism,
            verdict,
            other_protocol: false,
        }
    }

    fn judged(level: Level, outcomes: &[ScenarioOutcome<'_>]) -> RequirementResult {
        judge_requirement("d", &requirement(level), outcomes)
    }

    #[test]
    fn one_failure_fails_its_group_and_a_claimed_mechanism_that_fails_fails_the_requirement() {
        let same = [
            outcome("a", None, Verdict::Pass),
            outcome("b", None, Verdict::Fail),
        ];
        assert_eq!(judged(Level::Should, &same).verdict, Verdict::Fail);
        // fake-candidate: startup works, the claimed candidate does not.
        let alternatives = [
            outcome("a", Some("candidate"), Verdict::Fail),
            outcome("b", Some("startup"), Verdict::Pass),
        ];
        let result = judged(Level::Must, &alternatives);
        assert_eq!(
            (result.verdict, result.mechanism.as_deref()),
            (Verdict::Fail, Some("candidate"))
        );
        assert!(
            result
                .message
                .starts_with("claimed but broken: candidate; fail: [candidate] a"),
            "{}",
            result.message
        );
    }

    #[test]
    fn a_must_whose_mechanisms_are_all_another_protocols_is_not_applicable_on_this_column() {
        let netconf_only = [ScenarioOutcome {
            other_protocol: true,
            ..outcome("candidate", Some("candidate"), Verdict::NotApplicable)
        }];
        let result = judged(Level::Must, &netconf_only);
        assert_eq!(result.verdict, Verdict::NotApplicable);
        assert!(
            result.message.contains("another protocol"),
            "{}",
            result.message
        );
        // One mechanism of the column's own protocol that is not claimed: a MUST still fails.
        let mixed = [
            netconf_only[0].clone(),
            outcome("startup", Some("startup"), Verdict::NotApplicable),
        ];
        assert_eq!(judged(Level::Must, &mixed).verdict, Verdict::Fail);
        assert!(needs_other_protocol("d/restconf", &["netconf".to_owned()]));
        assert!(!needs_other_protocol(
            "d/netconf",
            &["netconf".to_owned(), "candidate".to_owned()]
        ));
        assert!(!needs_other_protocol(
            "d/restconf",
            &["candidate".to_owned()]
        ));
    }

    #[test]
    fn a_claimed_mechanism_that_passes_passes_when_the_others_are_not_claimed() {
        let alternatives = [
            outcome("a", Some("candidate"), Verdict::NotApplicable),
            outcome("b", Some("startup"), Verdict::Pass),
        ];
        let result = judged(Level::Must, &alternatives);
        assert_eq!(
            (result.verdict, result.mechanism.as_deref()),
            (Verdict::Pass, Some("startup"))
        );
        assert_eq!(result.message, "passed: [startup] b");
    }

    #[test]
    fn skipped_and_error_never_outrank_a_decided_verdict() {
        // R3535-3.3 on one device: the fleet scenario is skipped, the others pass.
        let one_device = [
            outcome("state alone", None, Verdict::Pass),
            outcome("fleet", None, Verdict::Skipped),
            outcome("errored", None, Verdict::Error),
        ];
        let result = judged(Level::Must, &one_device);
        assert_eq!(result.verdict, Verdict::Pass);
        assert_eq!(
            result.message,
            "passed: state alone (not decided: errored; fleet)"
        );
        // A failure is decided too.
        let failed = [
            outcome("a", None, Verdict::Skipped),
            outcome("b", None, Verdict::Fail),
        ];
        assert_eq!(judged(Level::Should, &failed).verdict, Verdict::Fail);
        // Undecided alone stays undecided: error before skipped.
        let undecided = [
            outcome("a", None, Verdict::Skipped),
            outcome("b", None, Verdict::Error),
        ];
        assert_eq!(judged(Level::Must, &undecided).verdict, Verdict::Error);
        assert_eq!(
            judged(Level::Must, &[outcome("a", None, Verdict::Skipped)]).verdict,
            Verdict::Skipped
        );
    }

    #[test]
    fn a_must_offered_by_nothing_fails_even_beside_a_skipped_fleet_scenario() {
        let nothing_offered = [
            outcome("needs monitoring", None, Verdict::NotApplicable),
            outcome("fleet", None, Verdict::Skipped),
        ];
        let result = judged(Level::Must, &nothing_offered);
        assert_eq!(result.verdict, Verdict::Fail);
        assert!(
            result.message.contains("not decided: fleet"),
            "{}",
            result.message
        );
        assert_eq!(
            judged(Level::Should, &nothing_offered).verdict,
            Verdict::NotApplicable
        );
        // A claimed mechanism left undecided is not "offered by nothing".
        let claimed_undecided = [
            outcome("a", Some("candidate"), Verdict::NotApplicable),
            outcome("b", Some("startup"), Verdict::Error),
        ];
        assert_eq!(
            judged(Level::Must, &claimed_undecided).verdict,
            Verdict::Error
        );
        // An error beside a not-applicable check of the same requirement stays an error.
        let errored = [
            outcome("a", None, Verdict::NotApplicable),
            outcome("b", None, Verdict::Error),
        ];
        assert_eq!(judged(Level::Must, &errored).verdict, Verdict::Error);
    }

    #[test]
    fn a_must_with_no_mechanism_offered_fails_but_a_should_is_not_applicable() {
        let none = [outcome("a", None, Verdict::NotApplicable)];
        assert_eq!(
            judge_requirement("d", &requirement(Level::Must), &none).verdict,
            Verdict::Fail
        );
        assert_eq!(
            judge_requirement("d", &requirement(Level::Should), &none).verdict,
            Verdict::NotApplicable
        );
    }

    #[test]
    fn errors_and_skips_do_not_count_in_the_percentage_and_are_counted_as_undecided() {
        let r = requirement(Level::Must);
        let errored = judge_requirement("d", &r, &[outcome("a", None, Verdict::Error)]);
        assert_eq!(errored.verdict, Verdict::Error);
        let pass = judge_requirement("d", &r, &[outcome("b", None, Verdict::Pass)]);
        let entry = |scenario: &str, verdict| ResultEntry {
            device: "d".into(),
            requirement: "R".into(),
            feature: "f".into(),
            scenario: scenario.into(),
            verdict,
            message: String::new(),
            duration_ms: 0,
            measurements: BTreeMap::new(),
            evidence: Vec::new(),
            needs: Vec::new(),
            claimed_but_broken: false,
            mechanism: None,
            steps: Vec::new(),
            schema_findings: Vec::new(),
            peers: Vec::new(),
        };
        let scenarios = [
            entry("a", Verdict::Error),
            entry("b", Verdict::Pass),
            entry("c", Verdict::Skipped),
            entry("c", Verdict::Skipped),
        ];
        let score = score_device(|_| 3, &[errored, pass], &scenarios);
        assert_eq!(
            (score.pass, score.error, score.percent, score.undecided),
            (1, 1, Some(100.0), 2)
        );
    }
}
