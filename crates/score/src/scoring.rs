//! From scenario verdicts to requirement verdicts, and from those to a device's score
//! (DESIGN.md §3).
//!
//! Scenarios of one requirement that check the same mechanism must all pass for that
//! mechanism to pass; the requirement takes the best of its mechanisms. A `must` requirement
//! for which the device offers no mechanism at all (every scenario not-applicable) fails.

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
}

/// Within one mechanism every scenario counts: one failure fails it.
fn combine_within(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut all: Vec<Verdict> = verdicts.collect();
    all.sort_by_key(|v| match v {
        Verdict::Fail => 0,
        Verdict::Error => 1,
        Verdict::Skipped => 2,
        Verdict::Pass => 3,
        Verdict::Manual => 4,
        Verdict::NotApplicable => 5,
    });
    all.first().copied().unwrap_or(Verdict::NotApplicable)
}

/// Across mechanisms the best one counts.
fn rank_across(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Pass => 0,
        Verdict::Fail => 1,
        Verdict::Error => 2,
        Verdict::Skipped => 3,
        Verdict::Manual => 4,
        Verdict::NotApplicable => 5,
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
    let (mechanism, verdict) = by_mechanism
        .iter()
        .map(|(mechanism, group)| (*mechanism, combine_within(group.iter().map(|o| o.verdict))))
        .min_by_key(|(_, verdict)| rank_across(*verdict))
        .unwrap_or((None, Verdict::NotApplicable));
    let named = |verdict: Verdict| -> Vec<&str> {
        outcomes
            .iter()
            .filter(|o| {
                o.verdict == verdict && (o.mechanism == mechanism || by_mechanism.len() == 1)
            })
            .map(|o| o.scenario)
            .collect()
    };
    match verdict {
        Verdict::NotApplicable if requirement.level == Level::Must => result(
            Verdict::Fail,
            "a MUST requirement, and the device offers none of the mechanisms that meet it"
                .to_owned(),
            None,
        ),
        Verdict::NotApplicable => result(
            verdict,
            "the device claims none of the mechanisms that meet it".to_owned(),
            None,
        ),
        Verdict::Pass => result(
            verdict,
            format!("passed: {}", named(Verdict::Pass).join("; ")),
            mechanism,
        ),
        other => result(
            other,
            format!("{other}: {}", named(other).join("; ")),
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
    let mut broken: Vec<&str> = scenario_results
        .into_iter()
        .filter(|r| r.claimed_but_broken)
        .map(|r| r.scenario.as_str())
        .collect();
    broken.sort_unstable();
    broken.dedup();
    score.claimed_but_broken = broken.len();
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
        }
    }

    #[test]
    fn one_failure_fails_its_mechanism_and_the_best_mechanism_wins() {
        let r = requirement(Level::Should);
        let same = [
            outcome("a", None, Verdict::Pass),
            outcome("b", None, Verdict::Fail),
        ];
        assert_eq!(judge_requirement("d", &r, &same).verdict, Verdict::Fail);
        let alternatives = [
            outcome("a", Some("candidate"), Verdict::Fail),
            outcome("b", Some("startup"), Verdict::Pass),
        ];
        let judged = judge_requirement("d", &r, &alternatives);
        assert_eq!(
            (judged.verdict, judged.mechanism.as_deref()),
            (Verdict::Pass, Some("startup"))
        );
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
    fn errors_and_skips_neither_pass_nor_fail_and_do_not_count_in_the_score() {
        let r = requirement(Level::Must);
        let judged = judge_requirement("d", &r, &[outcome("a", None, Verdict::Error)]);
        assert_eq!(judged.verdict, Verdict::Error);
        let pass = judge_requirement("d", &r, &[outcome("a", None, Verdict::Pass)]);
        let score = score_device(|_| 3, &[judged, pass], &[]);
        assert_eq!(
            (score.pass, score.error, score.percent),
            (1, 1, Some(100.0))
        );
    }
}
