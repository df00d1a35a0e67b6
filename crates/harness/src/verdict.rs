//! The verdict policy, scenario by scenario (docs/verdicts.md): how one scenario's verdict on
//! one device is decided from what the run knows of it, as a pure function. The steps decide
//! pass, fail, skipped or error for a scenario that ran ([`ScenarioRecord`]); this decides
//! everything around that:
//!
//! - a device the test bed could not reach or save: `error` ("device not tested");
//! - a device that does not claim what the scenario needs: `not-applicable`, quoting why;
//! - a device that broke the protocol before any scenario could run (an invalid hello, no
//!   hello, bad framing): `fail`, as a protocol violation;
//! - an `@multi` scenario the fleet ran without this device: `skipped`;
//! - an `@multi` scenario that failed and named the devices whose behaviour failed it: those
//!   fail, the others pass their part;
//! - a scenario that left no record: `error` (interrupted, or a harness bug, said which);
//! - replies that do not validate against the device's own schema: a pass becomes a fail
//!   (under [`SchemaFindings::Warn`] only noted in the message);
//! - protocol violations on the scenario's sessions that no step saw (a reply to a request
//!   never sent, a message after close-session): a pass or a fail becomes a fail as a
//!   protocol violation, so the protocol-conformance requirement fails too;
//! - evidence summarised because the run's evidence budget was spent: said in the message;
//! - anything the cleanup could not undo: appended to the message.

use rfc3535_score::results::StepRecord;
use rfc3535_score::Verdict;

use crate::records::{AfterRecord, ScenarioRecord};

/// What a reply that does not validate against the device's own schema does to a scenario
/// that otherwise passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemaFindings {
    /// Noted in the result's message.
    Warn,
    /// The scenario fails.
    #[default]
    Fail,
}

impl SchemaFindings {
    const CHOICES: [(&'static str, SchemaFindings); 2] = [
        ("fail", SchemaFindings::Fail),
        ("warn", SchemaFindings::Warn),
    ];

    /// The modes' names, in order.
    pub fn names() -> Vec<&'static str> {
        crate::choice::names(&SchemaFindings::CHOICES)
    }
}

impl std::str::FromStr for SchemaFindings {
    type Err = crate::choice::UnknownChoice;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        crate::choice::choose("schema-findings mode", text, &SchemaFindings::CHOICES)
    }
}

/// Everything the run knows of one scenario on one device.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioFacts<'a> {
    /// Why the test bed could not test the device at all, if so.
    pub unreachable: Option<&'a str>,
    /// How the device broke the protocol before any scenario could run, if it did.
    pub broken: Option<&'a str>,
    /// Why the scenario is not applicable (what the device does not claim), if so.
    pub not_applicable: Option<&'a str>,
    /// The scenario runs across devices (`@multi`).
    pub multi: bool,
    /// What the steps decided, if the scenario ran.
    pub record: Option<&'a ScenarioRecord>,
    /// What the after hook kept for this device; `None` when the device took no part.
    pub after: Option<&'a AfterRecord>,
    /// The run was interrupted (Ctrl-C).
    pub interrupted: bool,
    pub schema_findings: SchemaFindings,
}

/// A scenario's verdict on one device, with what explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub verdict: Verdict,
    pub message: String,
    pub steps: Vec<StepRecord>,
    pub duration_ms: u64,
    /// The device broke the protocol: the protocol-conformance requirement fails too.
    pub violation: bool,
}

impl Decided {
    fn without_steps(verdict: Verdict, message: impl Into<String>) -> Decided {
        Decided {
            verdict,
            message: message.into(),
            steps: Vec::new(),
            duration_ms: 0,
            violation: false,
        }
    }
}

/// Decides one scenario's verdict on one device; see the module docs for the rules.
pub fn decide(facts: &ScenarioFacts<'_>) -> Decided {
    let mut decided = if let Some(why) = facts.unreachable {
        Decided::without_steps(Verdict::Error, format!("device not tested: {why}"))
    } else if let Some(why) = facts.not_applicable {
        Decided::without_steps(Verdict::NotApplicable, why)
    } else if let Some(how) = facts.broken {
        Decided {
            violation: true,
            ..Decided::without_steps(
                Verdict::Fail,
                format!("the device broke the protocol before any scenario could run: {how}"),
            )
        }
    } else if let Some((verdict, why)) = facts.after.and_then(|a| a.excluded.as_ref()) {
        // Left out of the fleet: its own verdict (the device's refusal fails it).
        Decided::without_steps(*verdict, format!("left out of the fleet: {why}"))
    } else if facts.multi && facts.after.is_none() && facts.record.is_some() {
        // The fleet ran it without this device (it lacked something the fleet had).
        Decided::without_steps(
            Verdict::Skipped,
            "not part of the fleet that ran this scenario",
        )
    } else if let Some(record) = facts.record {
        let did_its_part = facts.multi
            && record.verdict == Verdict::Fail
            && facts.after.and_then(|a| a.blamed) == Some(false);
        if did_its_part {
            Decided {
                verdict: Verdict::Pass,
                message: format!(
                    "did its part; the scenario failed on other devices: {}",
                    record.message
                ),
                steps: record.steps.clone(),
                duration_ms: record.duration_ms,
                violation: false,
            }
        } else {
            Decided {
                verdict: record.verdict,
                message: record.message.clone(),
                steps: record.steps.clone(),
                duration_ms: record.duration_ms,
                violation: record.violation,
            }
        }
    } else if facts.interrupted {
        Decided::without_steps(Verdict::Error, "not run: the run was interrupted")
    } else {
        Decided::without_steps(
            Verdict::Error,
            "harness bug: the scenario was selected but reported nothing",
        )
    };
    let Some(after) = facts.after else {
        return decided;
    };
    if !after.schema_findings.is_empty() {
        let count = after.schema_findings.len();
        let note = format!(
            "{count} message{} not valid against the device's own schema: {}",
            if count == 1 { " is" } else { "s are" },
            after.schema_findings.join("; ")
        );
        if facts.schema_findings == SchemaFindings::Fail && decided.verdict == Verdict::Pass {
            decided.verdict = Verdict::Fail;
        }
        append(&mut decided.message, &note);
    }
    if !after.protocol_violations.is_empty() {
        if matches!(decided.verdict, Verdict::Pass | Verdict::Fail) {
            decided.verdict = Verdict::Fail;
            decided.violation = true;
        }
        append(
            &mut decided.message,
            &format!(
                "protocol violation: {}",
                after.protocol_violations.join("; ")
            ),
        );
    }
    if !after.unchecked_replies.is_empty() {
        let count = after.unchecked_replies.len();
        let note = format!(
            "{count} message{} NOT CHECKED against the device's own schema: {}",
            if count == 1 { "" } else { "s" },
            after.unchecked_replies.join("; ")
        );
        append(&mut decided.message, &note);
    }
    if after.evidence_summarised {
        append(
            &mut decided.message,
            "evidence summarised: the run's evidence budget was spent (--evidence-budget)",
        );
    }
    if !after.cleanup_problems.is_empty() {
        let note = format!("cleanup: {}", after.cleanup_problems.join("; "));
        append(&mut decided.message, &note);
    }
    decided
}

fn append(message: &mut String, note: &str) {
    if !message.is_empty() {
        message.push_str("; ");
    }
    message.push_str(note);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(verdict: Verdict, message: &str) -> ScenarioRecord {
        ScenarioRecord {
            verdict,
            message: message.to_owned(),
            violation: false,
            steps: vec![StepRecord {
                keyword: "Then".to_owned(),
                text: "it holds".to_owned(),
                outcome: "passed".to_owned(),
            }],
            duration_ms: 12,
        }
    }

    fn facts<'a>(
        record: Option<&'a ScenarioRecord>,
        after: Option<&'a AfterRecord>,
    ) -> ScenarioFacts<'a> {
        ScenarioFacts {
            unreachable: None,
            broken: None,
            not_applicable: None,
            multi: false,
            record,
            after,
            interrupted: false,
            schema_findings: SchemaFindings::default(),
        }
    }

    #[test]
    fn an_unreachable_device_is_an_error_whatever_else_is_known() {
        let passed = record(Verdict::Pass, "");
        let decided = decide(&ScenarioFacts {
            unreachable: Some("cannot open a session: refused"),
            not_applicable: Some("no :candidate"),
            ..facts(Some(&passed), None)
        });
        assert_eq!(decided.verdict, Verdict::Error);
        assert_eq!(
            decided.message,
            "device not tested: cannot open a session: refused"
        );
        assert!(decided.steps.is_empty());
    }

    #[test]
    fn an_unclaimed_need_is_not_applicable_with_the_reason() {
        let decided = decide(&ScenarioFacts {
            not_applicable: Some("the device does not claim candidate"),
            ..facts(None, None)
        });
        assert_eq!(decided.verdict, Verdict::NotApplicable);
        assert_eq!(decided.message, "the device does not claim candidate");
    }

    #[test]
    fn a_fleet_scenario_run_without_this_device_is_skipped() {
        let passed = record(Verdict::Pass, "");
        let decided = decide(&ScenarioFacts {
            multi: true,
            ..facts(Some(&passed), None)
        });
        assert_eq!(decided.verdict, Verdict::Skipped);
        let member = AfterRecord::default();
        let decided = decide(&ScenarioFacts {
            multi: true,
            ..facts(Some(&passed), Some(&member))
        });
        assert_eq!(decided.verdict, Verdict::Pass);
    }

    #[test]
    fn the_steps_verdict_stands_with_its_steps_and_duration() {
        for verdict in [
            Verdict::Pass,
            Verdict::Fail,
            Verdict::Skipped,
            Verdict::Error,
        ] {
            let ran = record(verdict, "why");
            let decided = decide(&facts(Some(&ran), Some(&AfterRecord::default())));
            assert_eq!(decided.verdict, verdict);
            assert_eq!(decided.message, "why");
            assert_eq!(decided.steps, ran.steps);
            assert_eq!(decided.duration_ms, 12);
        }
    }

    #[test]
    fn a_device_that_broke_the_protocol_before_the_scenarios_fails_what_it_claims() {
        let decided = decide(&ScenarioFacts {
            broken: Some("no <hello> within 5s"),
            ..facts(None, None)
        });
        assert_eq!(decided.verdict, Verdict::Fail);
        assert!(decided.violation);
        assert!(
            decided.message.ends_with("no <hello> within 5s"),
            "{}",
            decided.message
        );
        // What it does not claim stays not applicable; an unreachable device is not tested.
        let unclaimed = decide(&ScenarioFacts {
            broken: Some("x"),
            not_applicable: Some("the device does not claim candidate"),
            ..facts(None, None)
        });
        assert_eq!(unclaimed.verdict, Verdict::NotApplicable);
        let unreachable = decide(&ScenarioFacts {
            broken: Some("x"),
            unreachable: Some("connection refused"),
            ..facts(None, None)
        });
        assert_eq!(unreachable.verdict, Verdict::Error);
    }

    #[test]
    fn a_violation_in_a_scenario_is_kept() {
        let violated = ScenarioRecord {
            violation: true,
            ..record(Verdict::Fail, "session closed: the peer broke the framing")
        };
        let decided = decide(&facts(Some(&violated), Some(&AfterRecord::default())));
        assert_eq!((decided.verdict, decided.violation), (Verdict::Fail, true));
    }

    #[test]
    fn a_fleet_failure_goes_to_the_devices_that_caused_it() {
        let failed = ScenarioRecord {
            violation: true,
            ..record(Verdict::Fail, "b: reads \"rfc3535-1\"")
        };
        let blamed = AfterRecord {
            blamed: Some(true),
            ..AfterRecord::default()
        };
        let innocent = AfterRecord {
            blamed: Some(false),
            ..AfterRecord::default()
        };
        let unnamed = AfterRecord::default();
        let fleet = |after| ScenarioFacts {
            multi: true,
            ..facts(Some(&failed), Some(after))
        };
        let on_culprit = decide(&fleet(&blamed));
        assert_eq!(
            (on_culprit.verdict, on_culprit.violation),
            (Verdict::Fail, true)
        );
        let on_innocent = decide(&fleet(&innocent));
        assert_eq!(
            (on_innocent.verdict, on_innocent.violation),
            (Verdict::Pass, false)
        );
        assert!(
            on_innocent.message.starts_with("did its part"),
            "{}",
            on_innocent.message
        );
        // A failure that named nobody stays with everyone.
        assert_eq!(decide(&fleet(&unnamed)).verdict, Verdict::Fail);
        // A skipped fleet scenario stays skipped whoever was named.
        let skipped = record(Verdict::Skipped, "one device");
        let decided = decide(&ScenarioFacts {
            multi: true,
            ..facts(Some(&skipped), Some(&innocent))
        });
        assert_eq!(decided.verdict, Verdict::Skipped);
    }

    #[test]
    fn a_device_left_out_of_the_fleet_gets_its_own_verdict() {
        let passed = record(Verdict::Pass, "");
        let refused = AfterRecord {
            excluded: Some((Verdict::Fail, "startup was refused".to_owned())),
            ..AfterRecord::default()
        };
        let decided = decide(&ScenarioFacts {
            multi: true,
            ..facts(Some(&passed), Some(&refused))
        });
        assert_eq!(decided.verdict, Verdict::Fail);
        assert_eq!(
            decided.message,
            "left out of the fleet: startup was refused"
        );
    }

    #[test]
    fn a_missing_record_is_an_error_that_says_why() {
        let decided = decide(&facts(None, None));
        assert_eq!(decided.verdict, Verdict::Error);
        assert!(
            decided.message.starts_with("harness bug"),
            "{}",
            decided.message
        );
        let decided = decide(&ScenarioFacts {
            interrupted: true,
            ..facts(None, None)
        });
        assert_eq!(decided.verdict, Verdict::Error);
        assert_eq!(decided.message, "not run: the run was interrupted");
    }

    #[test]
    fn protocol_violations_no_step_saw_fail_the_scenario_as_violations() {
        let after = AfterRecord {
            protocol_violations: vec![
                "session \"A\": a reply carries message-id \"77\", which answers no request"
                    .to_owned(),
            ],
            ..AfterRecord::default()
        };
        for verdict in [Verdict::Pass, Verdict::Fail] {
            let ran = record(verdict, "");
            let decided = decide(&facts(Some(&ran), Some(&after)));
            assert_eq!(decided.verdict, Verdict::Fail);
            assert!(decided.violation);
            assert!(
                decided
                    .message
                    .contains("protocol violation: session \"A\""),
                "{}",
                decided.message
            );
        }
        // A scenario the test bed could not judge stays so, with the violation noted.
        let skipped = record(Verdict::Skipped, "no read-only account");
        let decided = decide(&facts(Some(&skipped), Some(&after)));
        assert_eq!(decided.verdict, Verdict::Skipped);
        assert!(decided.message.contains("message-id \"77\""));
    }

    #[test]
    fn schema_findings_fail_a_pass_by_default_and_warn_when_asked() {
        let passed = record(Verdict::Pass, "");
        let after = AfterRecord {
            schema_findings: vec!["session 1 message-id 2 (get): bad".to_owned()],
            ..AfterRecord::default()
        };
        let failed = decide(&facts(Some(&passed), Some(&after)));
        assert_eq!(failed.verdict, Verdict::Fail);
        assert_eq!(
            failed.message,
            "1 message is not valid against the device's own schema: session 1 message-id 2 (get): bad"
        );
        let warned = decide(&ScenarioFacts {
            schema_findings: SchemaFindings::Warn,
            ..facts(Some(&passed), Some(&after))
        });
        assert_eq!(warned.verdict, Verdict::Pass);
        assert_eq!(warned.message, failed.message);
        // A verdict other than pass is never changed by a schema finding.
        let skipped = record(Verdict::Skipped, "no read-only account");
        let kept = decide(&facts(Some(&skipped), Some(&after)));
        assert_eq!(kept.verdict, Verdict::Skipped);
        assert!(
            kept.message.starts_with("no read-only account; 1 message"),
            "{}",
            kept.message
        );
    }

    #[test]
    fn replies_left_unchecked_are_said_loudly_without_changing_the_verdict() {
        let passed = record(Verdict::Pass, "");
        let after = AfterRecord {
            unchecked_replies: vec!["session 1 message-id 2 (get): not checked".to_owned()],
            ..AfterRecord::default()
        };
        let decided = decide(&facts(Some(&passed), Some(&after)));
        assert_eq!(decided.verdict, Verdict::Pass);
        assert_eq!(
            decided.message,
            "1 message NOT CHECKED against the device's own schema: session 1 message-id 2 (get): not checked"
        );
    }

    #[test]
    fn cleanup_problems_are_appended_after_everything_else() {
        let failed = record(Verdict::Fail, "running differs");
        let after = AfterRecord {
            schema_findings: vec!["a".to_owned(), "b".to_owned()],
            cleanup_problems: vec!["sandbox refused".to_owned()],
            ..AfterRecord::default()
        };
        let decided = decide(&facts(Some(&failed), Some(&after)));
        assert_eq!(
            decided.message,
            "running differs; 2 messages are not valid against the device's own schema: a; b; cleanup: sandbox refused"
        );
        let passed = record(Verdict::Pass, "");
        let only_cleanup = AfterRecord {
            cleanup_problems: vec!["x".to_owned()],
            ..AfterRecord::default()
        };
        assert_eq!(
            decide(&facts(Some(&passed), Some(&only_cleanup))).message,
            "cleanup: x"
        );
    }
}
