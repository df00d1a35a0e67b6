//! The evidence questionnaire (requirements catalogue §8): what a vendor or operator answers,
//! per device, for the requirements no device check can settle. An answers file is versioned
//! YAML (its JSON Schema is `reports/answers.schema.json`); [`Results::apply_answers`] turns a
//! `manual` requirement into `pass` (met, with evidence) or `fail` (not met), the evidence
//! named in the message. An answer that claims a requirement is met without evidence leaves it
//! `manual`, saying so: an unsupported claim is not a pass.

use serde::{Deserialize, Serialize};

use crate::registry::{Registry, RequirementKind};
use crate::results::Results;
use crate::verdict::Verdict;

/// An answers file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum AnswersError {
    #[error("answers file is not valid YAML for its schema: {0}")]
    Parse(#[from] serde_saphyr::Error),
    #[error("answers file has schema_version {found}; this build reads {expected}")]
    Version { found: u32, expected: u32 },
    #[error("question {0} is answered twice")]
    Duplicate(String),
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The questionnaire item, e.g. `Q-COVERAGE`.
    pub question: String,
    /// Whether the device meets what the question asks: `true` or `false`; empty while
    /// unanswered (a boolean, not yes/no, which YAML readers disagree on).
    #[serde(default)]
    pub met: Option<bool>,
    /// Links or document references that back the answer.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Who answered, and when (a date).
    #[serde(default)]
    pub answered_by: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The answers for one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub schema_version: u32,
    /// The device's name as in the run (the inventory name).
    pub device: String,
    pub answers: Vec<Answer>,
}

impl Answers {
    pub const SCHEMA_VERSION: u32 = 1;

    /// Parses and checks an answers file.
    pub fn parse(text: &str) -> Result<Answers, AnswersError> {
        let answers: Answers = serde_saphyr::from_str(text)?;
        if answers.schema_version != Self::SCHEMA_VERSION {
            return Err(AnswersError::Version {
                found: answers.schema_version,
                expected: Self::SCHEMA_VERSION,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for answer in &answers.answers {
            if !seen.insert(answer.question.as_str()) {
                return Err(AnswersError::Duplicate(answer.question.clone()));
            }
        }
        Ok(answers)
    }

    /// A template for one device: every question of the registry, unanswered, as YAML with a
    /// comment per question saying what it asks and which requirements it answers.
    pub fn template(registry: &Registry, device: &str) -> String {
        let mut out = format!(
            "# Evidence questionnaire for {device}: answer each question with met: true or false,\n\
             # and name the evidence (release notes, a public report, a document). `rfc3535 run\n\
             # --answers FILE` and `rfc3535 report --answers FILE` turn the requirements below\n\
             # from manual into pass or fail; met: true without evidence stays manual.\n\
             schema_version: {}\ndevice: {device}\nanswers:\n",
            Self::SCHEMA_VERSION
        );
        for question in &registry.questions {
            let answers: Vec<&str> = registry
                .requirements
                .iter()
                .filter(|r| r.kind == RequirementKind::Manual)
                .filter(|r| r.question.as_deref() == Some(question.id.as_str()))
                .map(|r| r.id.as_str())
                .collect();
            out.push_str(&format!(
                "  # {}\n  # answers {}\n  - question: {}\n    met:\n    evidence: []\n    answered_by:\n    date:\n",
                question.text,
                answers.join(", "),
                question.id
            ));
        }
        out
    }
}

impl Results {
    /// Applies one device's answers to its manual requirements, then rescores with the run's
    /// weights. Returns how many requirements were decided.
    pub fn apply_answers(&mut self, answers: &Answers) -> usize {
        let Some(device) = self
            .devices
            .iter()
            .find(|d| d.name == answers.device || d.id == answers.device)
            .map(|d| d.id.clone())
        else {
            return 0;
        };
        let mut decided = 0;
        for result in &mut self.requirement_results {
            // Only manual requirements (those a question answers) take answers; a later file
            // overrides an earlier answer (e.g. `report --answers` over a run that had some).
            if result.device != device {
                continue;
            }
            let question = self
                .requirements
                .iter()
                .find(|r| r.id == result.requirement)
                .and_then(|r| r.question.clone());
            let Some(answer) = question
                .as_deref()
                .and_then(|q| answers.answers.iter().find(|a| a.question == q))
            else {
                continue;
            };
            let by = match (&answer.answered_by, &answer.date) {
                (Some(who), Some(when)) => format!(" (answered by {who}, {when})"),
                (Some(who), None) => format!(" (answered by {who})"),
                (None, Some(when)) => format!(" (answered {when})"),
                (None, None) => String::new(),
            };
            let evidence = answer.evidence.join(", ");
            match (answer.met, answer.evidence.is_empty()) {
                (Some(true), false) => {
                    result.verdict = Verdict::Pass;
                    result.message = format!("{}: met; evidence: {evidence}{by}", answer.question);
                    decided += 1;
                }
                (Some(false), _) => {
                    result.verdict = Verdict::Fail;
                    result.message = if evidence.is_empty() {
                        format!("{}: not met{by}", answer.question)
                    } else {
                        format!("{}: not met; evidence: {evidence}{by}", answer.question)
                    };
                    decided += 1;
                }
                (Some(true), true) => {
                    result.verdict = Verdict::Manual;
                    result.message = format!(
                        "{}: said to be met, without evidence, so not decided{by}",
                        answer.question
                    );
                }
                (None, _) => {}
            }
        }
        self.score_all();
        decided
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{
        DeviceEntry, RequirementEntry, RequirementResult, RunInfo, Safety, Score,
    };
    use crate::Level;

    const REGISTRY: &str = "schema_version: 1\nquestions:\n  - {id: Q-A, text: Is A so?}\n  - {id: Q-B, text: Is B so?}\nrequirements:\n  - {id: M1, title: t, source: s, group: g, level: may, kind: manual, question: Q-A}\n  - {id: M2, title: t, source: s, group: g, level: may, kind: manual, question: Q-B}\n  - {id: D1, title: t, source: s, group: g, level: must}\n";

    fn results() -> Results {
        let registry = Registry::parse(REGISTRY).expect("registry");
        Results {
            schema_version: crate::SCHEMA_VERSION,
            run: RunInfo {
                id: "r".into(),
                ..RunInfo::default()
            },
            devices: vec![DeviceEntry {
                id: "dev/netconf".into(),
                name: "dev".into(),
                protocol: "netconf".into(),
                address: String::new(),
                identity: Default::default(),
                capabilities: Vec::new(),
                advertised: Vec::new(),
                framing: None,
                host_key_fingerprint: None,
                score: Score::default(),
                safety: Safety::default(),
                unreachable: None,
                broken: None,
                schema_snapshot: None,
                unchecked_claims: Vec::new(),
            }],
            requirements: registry
                .requirements
                .iter()
                .map(|r| RequirementEntry {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    source: r.source.clone(),
                    group: r.group.clone(),
                    level: r.level,
                    weight: if r.level == Level::Must { 3 } else { 1 },
                    scenarios: Vec::new(),
                    question: r.question.clone(),
                })
                .collect(),
            results: Vec::new(),
            requirement_results: [
                ("M1", Verdict::Manual),
                ("M2", Verdict::Manual),
                ("D1", Verdict::Pass),
            ]
            .into_iter()
            .map(|(id, verdict)| RequirementResult {
                device: "dev/netconf".into(),
                requirement: id.into(),
                verdict,
                message: String::new(),
                mechanism: None,
            })
            .collect(),
        }
    }

    fn verdict(results: &Results, id: &str) -> (Verdict, String) {
        let r = results
            .requirement_results
            .iter()
            .find(|r| r.requirement == id)
            .expect("result");
        (r.verdict, r.message.clone())
    }

    #[test]
    fn met_with_evidence_passes_not_met_fails_and_the_score_follows() {
        let mut run = results();
        let answers = Answers::parse(
            "schema_version: 1\ndevice: dev\nanswers:\n  - {question: Q-A, met: true, evidence: [https://example.net/report], answered_by: vendor, date: 2026-11-30}\n  - {question: Q-B, met: false}\n",
        )
        .expect("answers");
        assert_eq!(run.apply_answers(&answers), 2);
        let (m1, message) = verdict(&run, "M1");
        assert_eq!(m1, Verdict::Pass);
        assert_eq!(
            message,
            "Q-A: met; evidence: https://example.net/report (answered by vendor, 2026-11-30)"
        );
        assert_eq!(verdict(&run, "M2").0, Verdict::Fail);
        let score = &run.devices[0].score;
        // D1 (3) and M1 (1) pass, M2 (1) fails.
        assert_eq!((score.pass, score.fail, score.percent), (2, 1, Some(80.0)));
    }

    #[test]
    fn a_claim_without_evidence_or_an_unanswered_question_stays_manual() {
        let mut run = results();
        let answers = Answers::parse(
            "schema_version: 1\ndevice: dev/netconf\nanswers:\n  - {question: Q-A, met: true}\n  - {question: Q-B}\n",
        )
        .expect("answers");
        assert_eq!(run.apply_answers(&answers), 0);
        let (m1, message) = verdict(&run, "M1");
        assert_eq!(m1, Verdict::Manual);
        assert!(message.contains("without evidence"), "{message}");
        assert_eq!(verdict(&run, "M2").0, Verdict::Manual);
        // Another device's answers change nothing here.
        let other = Answers::parse(
            "schema_version: 1\ndevice: elsewhere\nanswers:\n  - {question: Q-B, met: false}\n",
        )
        .expect("answers");
        assert_eq!(run.apply_answers(&other), 0);
    }

    #[test]
    fn the_template_names_every_question_and_parses_back() {
        let registry = Registry::parse(REGISTRY).expect("registry");
        let template = Answers::template(&registry, "dev");
        assert!(template.contains("# answers M1"), "{template}");
        let parsed = Answers::parse(&template).expect("the template is a valid answers file");
        assert_eq!(parsed.device, "dev");
        assert_eq!(
            parsed
                .answers
                .iter()
                .map(|a| a.question.as_str())
                .collect::<Vec<_>>(),
            ["Q-A", "Q-B"]
        );
        assert!(parsed.answers.iter().all(|a| a.met.is_none()));
        assert!(matches!(
            Answers::parse("schema_version: 2\ndevice: d\nanswers: []\n"),
            Err(AnswersError::Version { .. })
        ));
        assert!(matches!(
            Answers::parse("schema_version: 1\ndevice: d\nanswers:\n  - {question: Q-A, met: false}\n  - {question: Q-A, met: true}\n"),
            Err(AnswersError::Duplicate(_))
        ));
    }
}
