//! The embedded reference device proves that every scenario can fail, and that a device
//! following the standards passes: `features/fault-profiles.yaml` is held both ways.
//!
//! - the table names every scenario of the catalogue, only those, and only profiles that
//!   exist, and every fault profile proves something;
//! - two compliant devices pass every scenario that applies to them (the @multi ones
//!   together), with replies that validate against the device's own schema, and are left
//!   as they were found;
//! - each scenario fails on every fault profile the table names for it: the single-device
//!   scenarios in one run over all those profiles, each @multi scenario with a compliant
//!   device beside the faulty one;
//! - the disruptive profiles (slow, malformed framing, a session dropped mid-reply) end
//!   scenarios in `error` with evidence, never in a hang, and the run goes on.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use rfc3535_score::Verdict;

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
            assert_ne!(
                profile, "compliant",
                "{scenario}: compliant cannot be a failing case"
            );
        }
    }
    let used: BTreeSet<&str> = table.values().flatten().map(String::as_str).collect();
    let idle: Vec<&str> = rfc3535_device::profile::PROFILES
        .iter()
        .filter(|p| p.name != "compliant" && !p.disruptive && !used.contains(p.name))
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
    assert_eq!(results.devices.len(), 2);
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
    // Not applicable only where the device claims nothing: it has no :xpath.
    let not_applicable: BTreeSet<&str> = results
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::NotApplicable)
        .map(|r| r.scenario.as_str())
        .collect();
    assert_eq!(
        not_applicable,
        BTreeSet::from(["An XPath filter selects what the equivalent subtree filter selects"])
    );
    for device in &results.devices {
        assert!(device.safety.verified, "{}: {:?}", device.id, device.safety);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_scenario_fails_on_its_fault_profiles() {
    let table = table();
    let multi: BTreeSet<String> = common::catalogue_scenarios()
        .into_iter()
        .filter(|s| s.multi)
        .map(|s| s.name)
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut problems = Vec::new();

    // The single-device scenarios: one run over every profile they name.
    let single: BTreeSet<&str> = table
        .iter()
        .filter(|(scenario, _)| !multi.contains(*scenario))
        .flat_map(|(_, profiles)| profiles.iter().map(String::as_str))
        .collect();
    let profiles = single.iter().copied().collect::<Vec<_>>().join(",");
    let (_, results) = common::run(
        &dir.path().join("single"),
        &[
            "--reference",
            &profiles,
            "--tags",
            "not @multi",
            "--timeout",
            "5",
            "--concurrency",
            "8",
            "--format",
            "json",
        ],
    )
    .await;
    let verdict = |results: &rfc3535_score::Results, device: &str, scenario: &str| {
        results
            .results
            .iter()
            .find(|r| r.device == format!("{device}/netconf") && r.scenario == scenario)
            .map(|r| (r.verdict, r.message.clone()))
    };
    for (scenario, profiles) in table.iter().filter(|(s, _)| !multi.contains(*s)) {
        for profile in profiles {
            match verdict(&results, profile, scenario) {
                Some((Verdict::Fail, _)) => {}
                other => problems.push(format!("{scenario} on {profile}: {other:?}")),
            }
        }
    }

    // Each @multi scenario: a compliant device beside each faulty one.
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
                &format!("compliant,{profile}"),
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
            match verdict(&results, profile, scenario) {
                Some((Verdict::Fail, _)) => {}
                other => problems.push(format!("{scenario} on compliant + {profile}: {other:?}")),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn disruptive_devices_give_errors_and_the_run_goes_on() {
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
        ],
    )
    .await;
    assert!(output.status.success(), "{output:?}");
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
        let errors: Vec<&&rfc3535_score::ResultEntry> = entries
            .iter()
            .filter(|r| r.verdict == Verdict::Error)
            .collect();
        assert!(!errors.is_empty(), "{device}: no error verdict");
        for error in &errors {
            assert!(!error.message.is_empty(), "{device}: {}", error.scenario);
            assert!(
                !error.evidence.is_empty(),
                "{device}: {} has evidence",
                error.scenario
            );
        }
        // Only scenarios that read with <get> meet the fault; the others reach verdicts.
        assert!(
            entries.iter().any(|r| r.verdict == Verdict::Pass),
            "{device}: the run went on past the errors"
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
    let names: Vec<&str> = results.devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    for device in &results.devices {
        let verdicts: Vec<Verdict> = results
            .results
            .iter()
            .filter(|r| r.device == device.id)
            .map(|r| r.verdict)
            .collect();
        if device.id == "compliant/netconf" {
            assert!(
                verdicts
                    .iter()
                    .all(|v| matches!(v, Verdict::Pass | Verdict::NotApplicable)),
                "{verdicts:?}"
            );
        } else {
            assert!(
                verdicts.contains(&Verdict::Fail),
                "{} fails something",
                device.id
            );
        }
        assert!(device.safety.verified, "{}: {:?}", device.id, device.safety);
    }
}
