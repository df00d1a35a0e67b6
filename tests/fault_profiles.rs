//! The embedded reference device proves that every scenario can fail, and that a device
//! following the standards passes: `features/fault-profiles.yaml` is held both ways.
//!
//! - the table names every scenario of the catalogue, only those, and only profiles that
//!   exist, and every fault profile proves something;
//! - two compliant devices pass every scenario that applies to them (the @multi ones
//!   together), with replies that validate against the device's own schema, and are left
//!   as they were found;
//! - each scenario fails on every fault profile the table names for it: the single-device
//!   scenarios in one run per profile (on the scenarios the table names for it, its exit
//!   code agreeing with `--fail-on must`), each @multi scenario with two compliant devices
//!   beside the faulty one, which pass their part;
//! - every fault profile fails at least one requirement in the matrix, not only a scenario,
//!   and one that breaks a MUST requirement triggers `--fail-on must`;
//! - the disruptive profiles (malformed framing, a session dropped mid-reply) fail the
//!   requirements they break, as protocol violations with evidence, never in a hang, and the
//!   run goes on; the slow one, right but late, passes.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use rfc3535_device::profile::ProfileKind;
use rfc3535_harness::results::FailOn;
use rfc3535_score::{Level, Results, Verdict};

/// How many single-profile runs go at once: most of a run waits (for a notification that
/// does not come, an RPC's timeout), so more runs than cores keep the cores busy.
const SINGLE_RUNS_AT_ONCE: usize = 6;

/// scenario name -> the profiles it must fail on.
fn table() -> BTreeMap<String, Vec<String>> {
    let path = common::features_dir().join("fault-profiles.yaml");
    let text = std::fs::read_to_string(&path).expect("fault-profiles.yaml");
    serde_saphyr::from_str(&text).expect("fault-profiles.yaml is a map of scenario to profiles")
}

#[test]
fn the_table_names_every_scenario_and_only_real_profiles() {
    let table = table();
    let catalogue: BTreeSet<String> = common::catalogue_scenarios()
        .into_iter()
        .map(|s| s.name)
        .collect();
    let listed: BTreeSet<String> = table.keys().cloned().collect();
    let missing: Vec<&String> = catalogue.difference(&listed).collect();
    let stale: Vec<&String> = listed.difference(&catalogue).collect();
    assert!(
        missing.is_empty(),
        "scenarios with no failing profile: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "scenarios that no longer exist: {stale:?}"
    );
    for (scenario, profiles) in &table {
        assert!(!profiles.is_empty(), "{scenario}: no profile");
        for profile in profiles {
            assert!(
                rfc3535_device::profile::profile(profile).is_some(),
                "{scenario}: no profile {profile:?}"
            );
            assert_eq!(
                rfc3535_device::profile::profile(profile).map(|p| p.kind),
                Some(ProfileKind::Fault),
                "{scenario}: only a fault profile can be a failing case"
            );
        }
    }
    let used: BTreeSet<&str> = table.values().flatten().map(String::as_str).collect();
    let idle: Vec<&str> = rfc3535_device::profile::PROFILES
        .iter()
        .filter(|p| p.kind == ProfileKind::Fault && !used.contains(p.name))
        .map(|p| p.name)
        .collect();
    assert!(
        idle.is_empty(),
        "fault profiles no scenario fails on: {idle:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_compliant_devices_pass_every_applicable_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let (output, results) = common::run(
        &out,
        &["--reference", "compliant,compliant", "--timeout", "10"],
    )
    .await;
    assert!(output.status.success(), "{output:?}");
    // Two devices, each a NETCONF and a RESTCONF column.
    assert_eq!(results.devices.len(), 4);
    let problems: Vec<String> = results
        .results
        .iter()
        .filter(|r| {
            !matches!(r.verdict, Verdict::Pass | Verdict::NotApplicable)
                || !r.schema_findings.is_empty()
        })
        .map(|r| {
            format!(
                "{} {}: {:?} {} {:?}",
                r.device, r.scenario, r.verdict, r.message, r.schema_findings
            )
        })
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // The compliant device claims every capability the catalogue needs: nothing is left
    // not applicable but another protocol's scenarios (and, on the RESTCONF column, the
    // @multi ones, which the NETCONF column takes part in).
    let not_applicable: BTreeSet<&str> = results
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::NotApplicable)
        .filter(|r| {
            let column = r.device.rsplit('/').next().unwrap_or_default();
            let other_protocol = ["netconf", "restconf"]
                .iter()
                .any(|p| *p != column && r.needs.iter().any(|n| n == p));
            !other_protocol
        })
        .map(|r| r.scenario.as_str())
        .collect();
    assert!(not_applicable.is_empty(), "{not_applicable:?}");
    for device in &results.devices {
        assert!(device.safety.verified, "{}: {:?}", device.id, device.safety);
    }
}

/// Devices that follow the standards in other ways they allow (modules listed in the YANG
/// library only, ...) reach exactly the compliant device's verdicts, scenario by scenario and
/// requirement by requirement.
#[tokio::test(flavor = "multi_thread")]
async fn variants_reach_exactly_the_compliant_verdicts() {
    let variants: Vec<&str> = rfc3535_device::profile::PROFILES
        .iter()
        .filter(|p| p.kind == ProfileKind::Variant)
        .map(|p| p.name)
        .collect();
    assert!(!variants.is_empty());
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = format!("compliant,{}", variants.join(","));
    let (_, results) = common::run(
        &dir.path().join("run"),
        &[
            "--reference",
            &profiles,
            "--timeout",
            "10",
            "--format",
            "json",
        ],
    )
    .await;
    // Column by column: a variant scores as the compliant device over each protocol.
    let verdicts = |device: &str| -> BTreeMap<String, Verdict> {
        let protocol = |id: &str| id.rsplit('/').next().unwrap_or_default().to_owned();
        results
            .results
            .iter()
            .filter(|r| column_of(&r.device, device))
            .map(|r| {
                (
                    format!("{} {} [{}]", protocol(&r.device), r.scenario, r.requirement),
                    r.verdict,
                )
            })
            .chain(
                results
                    .requirement_results
                    .iter()
                    .filter(|r| column_of(&r.device, device))
                    .map(|r| {
                        (
                            format!("{} {}", protocol(&r.device), r.requirement),
                            r.verdict,
                        )
                    }),
            )
            .collect()
    };
    let compliant = verdicts("compliant");
    assert!(
        compliant
            .values()
            .all(|v| matches!(v, Verdict::Pass | Verdict::NotApplicable | Verdict::Manual)),
        "{compliant:#?}"
    );
    for variant in variants {
        let theirs = verdicts(variant);
        let differing: Vec<String> = compliant
            .iter()
            .filter(|(key, verdict)| theirs.get(*key) != Some(*verdict))
            .map(|(key, verdict)| {
                format!(
                    "{key}: compliant {verdict}, {variant} {:?}",
                    theirs.get(key)
                )
            })
            .collect();
        assert!(differing.is_empty(), "{differing:#?}");
    }
}

/// A device that refuses a read the run needs while preparing (its startup, which it claims)
/// is tested, not skipped: what only reads runs and reaches its verdicts, and what would
/// have to write fails, saying why; nothing is left undecided.
#[tokio::test(flavor = "multi_thread")]
async fn a_device_that_refuses_a_read_the_run_needs_is_tested_not_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, results) = common::run(
        &dir.path().join("run"),
        &[
            "--reference",
            "startup-unreadable",
            "--tags",
            "not @multi",
            "--timeout",
            "5",
            "--format",
            "json",
        ],
    )
    .await;
    let device = &results.devices[0];
    assert_eq!(device.unreachable, None, "the device is tested");
    let undecided: Vec<String> = results
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Error | Verdict::Skipped))
        .map(|r| format!("{}: {:?} {}", r.scenario, r.verdict, r.message))
        .collect();
    assert!(undecided.is_empty(), "{undecided:#?}");
    assert_eq!(
        scenario_verdict(
            &results,
            "startup-unreadable",
            "The device offers the current base protocol"
        )
        .map(|(v, _)| v),
        Some(Verdict::Pass)
    );
    match scenario_verdict(
        &results,
        "startup-unreadable",
        "Non-ASCII text comes back exactly as it was written",
    ) {
        Some((Verdict::Fail, message)) if message.contains("could not be saved") => {}
        other => panic!("a writing scenario fails, saying why: {other:?}"),
    }
}

/// A fleet in which every device drops part of what it was given reads the same everywhere:
/// the relative comparison passes, and the absolute one (each device reads back what it was
/// written) fails every device.
#[tokio::test(flavor = "multi_thread")]
async fn a_fleet_that_agrees_on_a_wrong_value_fails() {
    let scenario = "The same configuration reads the same on every device";
    let results = one_scenario_on("truncates-text,truncates-text", scenario).await;
    for device in ["truncates-text", "truncates-text-2"] {
        match scenario_verdict(&results, device, scenario) {
            Some((Verdict::Fail, message)) if message.contains("does not read back as written") => {
            }
            other => panic!("{device}: {other:?}"),
        }
    }
}

/// One scenario's run over these reference profiles.
async fn one_scenario_on(profiles: &str, scenario: &str) -> Results {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, results) = common::run(
        &dir.path().join("run"),
        &[
            "--reference",
            profiles,
            "--name",
            scenario,
            "--timeout",
            "5",
            "--format",
            "json",
        ],
    )
    .await;
    results
}

/// Two devices whose access-control rules differ: with no majority nobody can tell which is
/// wrong, so neither is failed; the scenario is skipped and says how they differ.
#[tokio::test(flavor = "multi_thread")]
async fn two_devices_that_differ_are_not_failed_for_it() {
    let scenario = "Access-control rules can be compared across devices";
    let results = one_scenario_on("compliant,permissive-nacm", scenario).await;
    for device in ["compliant", "permissive-nacm"] {
        match scenario_verdict(&results, device, scenario) {
            Some((Verdict::Skipped, message)) if message.contains("differs from compliant") => {}
            other => panic!("{device}: {other:?}"),
        }
    }
}

/// The verdict of a scenario on a device, with its message.
/// A scenario's verdict on a device: on the column of the protocol the scenario is about
/// (the others say it is not applicable there), NETCONF's when it is about none.
fn scenario_verdict(results: &Results, device: &str, scenario: &str) -> Option<(Verdict, String)> {
    let of_device = |r: &&rfc3535_score::ResultEntry| {
        r.device.rsplit_once('/').map(|(name, _)| name) == Some(device) && r.scenario == scenario
    };
    results
        .results
        .iter()
        .filter(of_device)
        .find(|r| r.verdict != Verdict::NotApplicable)
        .or_else(|| {
            results
                .results
                .iter()
                .filter(of_device)
                .find(|r| r.device.ends_with("/netconf"))
        })
        .map(|r| (r.verdict, r.message.clone()))
}

/// Whether a result id (`name/protocol`) is one of this device's columns.
fn column_of(id: &str, device: &str) -> bool {
    id.rsplit_once('/').map(|(name, _)| name) == Some(device)
}

/// The requirements a device fails in the matrix, with their level.
fn failed_requirements(results: &Results, device: &str) -> Vec<(String, Option<Level>)> {
    results
        .requirement_results
        .iter()
        .filter(|r| column_of(&r.device, device) && r.verdict == Verdict::Fail)
        .map(|r| {
            let level = results
                .requirements
                .iter()
                .find(|q| q.id == r.requirement)
                .map(|q| q.level);
            (r.requirement.clone(), level)
        })
        .collect()
}

/// Only this device's part of the results, to ask what `--fail-on` would say of it alone.
fn only(results: &Results, device: &str) -> Results {
    let mut mine = results.clone();
    mine.devices.retain(|d| column_of(&d.id, device));
    mine.results.retain(|r| column_of(&r.device, device));
    mine.requirement_results
        .retain(|r| column_of(&r.device, device));
    mine
}

#[tokio::test(flavor = "multi_thread")]
async fn every_scenario_fails_on_its_fault_profiles_and_every_profile_fails_a_requirement() {
    let table = table();
    let multi: BTreeSet<String> = common::catalogue_scenarios()
        .into_iter()
        .filter(|s| s.multi)
        .map(|s| s.name)
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut problems = Vec::new();
    // profile -> the requirements it fails, from whichever run tested it.
    let mut failed: BTreeMap<String, Vec<(String, Option<Level>)>> = BTreeMap::new();
    // profile -> whether `--fail-on must` triggers on its results alone.
    let mut must_triggered: BTreeMap<String, bool> = BTreeMap::new();

    // The single-device scenarios: each profile in a run of its own, on the scenarios the
    // table names for it (several runs at once), so that no profile spends time on scenarios
    // it is not there to break. A schema that does not compile turns no check off in silence:
    // broken-schema also reads data, whose replies are then named as not checked.
    let mut single: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (scenario, profiles) in table.iter().filter(|(s, _)| !multi.contains(*s)) {
        for profile in profiles {
            single.entry(profile).or_default().push(scenario);
        }
    }
    let also_run = |profile: &str| -> &[&str] {
        match profile {
            "broken-schema" => &["A configuration read carries no operational state"],
            _ => &[],
        }
    };
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(SINGLE_RUNS_AT_ONCE));
    let mut runs = tokio::task::JoinSet::new();
    for (profile, scenarios) in &single {
        let out = dir.path().join(format!("single-{profile}"));
        let mut args: Vec<String> = [
            "--reference",
            profile,
            "--tags",
            "not @multi",
            "--timeout",
            "5",
            "--format",
            "json",
            "--fail-on",
            "must",
        ]
        .map(str::to_owned)
        .to_vec();
        for scenario in scenarios.iter().chain(also_run(profile)) {
            args.extend(["--name".to_owned(), (*scenario).to_owned()]);
        }
        let (profile, slots) = ((*profile).to_owned(), slots.clone());
        runs.spawn(async move {
            let _slot = slots
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (output, results) = common::run(&out, &args).await;
            (profile, output, results)
        });
    }
    while let Some(joined) = runs.join_next().await {
        let (profile, output, results) = joined.expect("a profile's run completes");
        for scenario in &single[profile.as_str()] {
            match scenario_verdict(&results, &profile, scenario) {
                Some((Verdict::Fail, _)) => {}
                other => problems.push(format!("{scenario} on {profile}: {other:?}")),
            }
        }
        if profile == "broken-schema"
            && !results
                .results
                .iter()
                .any(|r| r.device == "broken-schema/netconf" && r.message.contains("NOT CHECKED"))
        {
            problems.push("broken-schema: no reply is listed as not checked".to_owned());
        }
        let triggered = FailOn::Must.triggered(&results);
        if output.status.code() != Some(i32::from(triggered)) {
            problems.push(format!(
                "{profile}: --fail-on must exited {:?}, its verdicts say {}",
                output.status.code(),
                i32::from(triggered)
            ));
        }
        failed
            .entry(profile.clone())
            .or_default()
            .extend(failed_requirements(&results, &profile));
        *must_triggered.entry(profile).or_default() |= triggered;
    }

    // Each @multi scenario: two compliant devices beside each faulty one, so the fleet has a
    // majority where it compares devices; the compliant ones pass their part.
    let mut by_profile: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (scenario, profiles) in table.iter().filter(|(s, _)| multi.contains(*s)) {
        for profile in profiles {
            by_profile.entry(profile).or_default().push(scenario);
        }
    }
    for (profile, scenarios) in by_profile {
        let (_, results) = common::run(
            &dir.path().join(format!("multi-{profile}")),
            &[
                "--reference",
                &format!("compliant,compliant,{profile}"),
                "--tags",
                "@multi",
                "--timeout",
                "5",
                "--format",
                "json",
            ],
        )
        .await;
        for scenario in scenarios {
            match scenario_verdict(&results, profile, scenario) {
                Some((Verdict::Fail, _)) => {}
                other => problems.push(format!("{scenario} on compliant + {profile}: {other:?}")),
            }
            for compliant in ["compliant", "compliant-2"] {
                match scenario_verdict(&results, compliant, scenario) {
                    Some((Verdict::Pass, message)) if message.starts_with("did its part") => {}
                    other => problems.push(format!(
                        "{scenario}: {compliant} beside {profile} does not pass its part: {other:?}"
                    )),
                }
            }
        }
        failed
            .entry(profile.to_owned())
            .or_default()
            .extend(failed_requirements(&results, profile));
        *must_triggered.entry(profile.to_owned()).or_default() |=
            FailOn::Must.triggered(&only(&results, profile));
    }

    // Every fault profile fails a requirement of the matrix, and a MUST one triggers
    // `--fail-on must`.
    for (profile, requirements) in &failed {
        if requirements.is_empty() {
            problems.push(format!("{profile} fails no requirement in the matrix"));
        }
        let fails_a_must = requirements
            .iter()
            .any(|(_, level)| *level == Some(Level::Must));
        if fails_a_must != must_triggered[profile] {
            problems.push(format!(
                "{profile}: fails a MUST requirement: {fails_a_must}, --fail-on must triggered: {}",
                must_triggered[profile]
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The claimed-but-broken mechanisms of a requirement that another mechanism meets: they fail
/// the requirement, and the matrix cell names them.
#[tokio::test(flavor = "multi_thread")]
async fn a_claimed_mechanism_that_fails_fails_the_requirement_whatever_else_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, results) = common::run(
        &dir.path().join("run"),
        &[
            "--reference",
            "fake-candidate,locks-ignored,auto-save",
            "--tags",
            "@req:R3535-3.13 and not @multi",
            "--timeout",
            "5",
            "--format",
            "json",
        ],
    )
    .await;
    let requirement = |device: &str| {
        results
            .requirement_results
            .iter()
            .find(|r| r.device == format!("{device}/netconf") && r.requirement == "R3535-3.13")
            .map(|r| (r.verdict, r.mechanism.clone(), r.message.clone()))
    };
    for (device, mechanism) in [
        ("fake-candidate", "candidate"),
        ("locks-ignored", "candidate"),
        ("auto-save", "startup"),
    ] {
        match requirement(device) {
            Some((Verdict::Fail, Some(named), message))
                if named == mechanism && message.contains("claimed but broken") => {}
            other => panic!("{device}: R3535-3.13 should fail on {mechanism}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn disruptive_devices_fail_what_they_break_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let (output, results) = common::run(
        &out,
        &[
            "--reference",
            "compliant,slow,bad-framing,drops-mid-reply",
            "--tags",
            "not @multi",
            "--timeout",
            "5",
            "--format",
            "json,html",
            "--fail-on",
            "must",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "MUST requirements fail: {output:?}"
    );
    assert!(out.join("report.html").is_file(), "the report is written");
    let of = |device: &str| -> Vec<&rfc3535_score::ResultEntry> {
        results
            .results
            .iter()
            .filter(|r| r.device == format!("{device}/netconf"))
            .collect()
    };
    // The compliant device, and the slow one (slow, but right), pass.
    for device in ["compliant", "slow"] {
        let wrong: Vec<String> = of(device)
            .iter()
            .filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::NotApplicable))
            .map(|r| format!("{} {:?} {}", r.scenario, r.verdict, r.message))
            .collect();
        assert!(wrong.is_empty(), "{device}: {wrong:#?}");
    }
    for device in ["bad-framing", "drops-mid-reply"] {
        let entries = of(device);
        assert!(
            entries.iter().all(|r| r.verdict != Verdict::Error),
            "{device}: what the device broke is not an error"
        );
        let violations: Vec<&&rfc3535_score::ResultEntry> = entries
            .iter()
            .filter(|r| {
                r.requirement == "R3535-5.31" && r.message.starts_with("protocol violation")
            })
            .collect();
        assert!(!violations.is_empty(), "{device}: no protocol violation");
        for violation in &violations {
            assert_eq!(violation.verdict, Verdict::Fail);
            assert!(
                !violation.evidence.is_empty(),
                "{device}: {} has evidence",
                violation.scenario
            );
        }
        let failed: Vec<String> = failed_requirements(&results, device)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert!(
            failed.contains(&"R3535-5.31".to_owned()),
            "{device}: {failed:?}"
        );
        assert!(
            failed_requirements(&results, device)
                .iter()
                .any(|(_, level)| *level == Some(Level::Must)),
            "{device} fails a MUST requirement: {failed:?}"
        );
        // Only scenarios that read with <get> meet the fault; the others reach verdicts.
        assert!(
            entries.iter().any(|r| r.verdict == Verdict::Pass),
            "{device}: the run went on past the faults"
        );
    }
}

/// The README's first command: `rfc3535 run` with no device named tests the demo set of
/// reference devices, prints the matrix and writes the HTML report.
#[tokio::test(flavor = "multi_thread")]
async fn the_main_job_needs_no_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let (output, results) = common::run(&out, &[]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout.contains("rfc3535 interoperability matrix"),
        "{stdout}"
    );
    assert!(
        stdout.contains("report.html"),
        "the report's path is printed: {stdout}"
    );
    assert!(out.join("report.html").is_file());
    // Six devices, each over NETCONF and RESTCONF.
    let names: Vec<&str> = results.devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(names.len(), 12, "{names:?}");
    for protocol in ["netconf", "restconf"] {
        assert_eq!(
            names
                .iter()
                .filter(|n| n.ends_with(&format!("/{protocol}")))
                .count(),
            6,
            "{names:?}"
        );
    }
    for device in &results.devices {
        let (name, _) = device.id.rsplit_once('/').expect("name/protocol");
        let verdicts: Vec<Verdict> = results
            .results
            .iter()
            .filter(|r| column_of(&r.device, name))
            .map(|r| r.verdict)
            .collect();
        if name == "compliant" {
            assert!(
                verdicts
                    .iter()
                    .all(|v| matches!(v, Verdict::Pass | Verdict::NotApplicable)),
                "{verdicts:?}"
            );
        } else {
            assert!(verdicts.contains(&Verdict::Fail), "{name} fails something");
        }
        assert!(device.safety.verified, "{}: {:?}", device.id, device.safety);
    }
}
