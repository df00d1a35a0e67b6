//! The matrix, merge, diff and rescoring on a fixed run with four devices and every verdict
//! kind (`fixtures/results/four-devices`).

use rfc3535_score::{diff, merge, ChangeKind, Matrix, Results, Verdict, Weights};

fn fixture() -> Results {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/results/four-devices/results.json"
    );
    let text = std::fs::read_to_string(path).expect("the fixture is in the repository");
    Results::from_json(&text).expect("the fixture is a results file")
}

/// The part of a run holding only the given devices, as `--shard` would have written it.
fn shard(run: &Results, devices: &[&str]) -> Results {
    let mut part = run.clone();
    part.devices.retain(|d| devices.contains(&d.id.as_str()));
    part.results
        .retain(|r| devices.contains(&r.device.as_str()));
    part.requirement_results
        .retain(|r| devices.contains(&r.device.as_str()));
    part
}

#[test]
fn the_fixture_holds_every_verdict_kind_and_its_scores_are_what_scoring_computes() {
    let run = fixture();
    for verdict in Verdict::ALL {
        assert!(
            run.requirement_results.iter().any(|r| r.verdict == verdict),
            "no {verdict} in the fixture"
        );
    }
    let mut rescored = run.clone();
    rescored.rescore(Weights::default());
    assert_eq!(rescored, run);
}

#[test]
fn other_weights_change_scores_but_not_verdicts() {
    let mut run = fixture();
    let before = run.requirement_results.clone();
    run.rescore("1,1,1".parse().expect("three weights"));
    assert_eq!(run.requirement_results, before);
    // netconfd-candidate: 6 pass, 2 fail → 75 % when every requirement weighs the same.
    assert_eq!(run.devices[0].score.percent, Some(75.0));
    assert!("3,2".parse::<Weights>().is_err());
}

#[test]
fn the_matrix_groups_rows_by_source_and_counts_devices_meeting_each_requirement() {
    let run = fixture();
    let matrix = Matrix::new(&run);
    let groups: Vec<&str> = matrix.groups.iter().map(|g| g.name).collect();
    assert_eq!(groups, ["RFC 3535 §3", "RFC 3535 §5", "RFC 3535-next"]);
    assert_eq!(matrix.columns.len(), 4);
    let row = |id: &str| {
        matrix
            .rows()
            .find(|r| r.requirement.id == id)
            .expect("the row is there")
    };
    let separation = row("R3535-3.2");
    assert_eq!((separation.meeting, separation.judged), (2, 3));
    assert!(
        !separation.cells[2].claimed_but_broken,
        "it needs no capability"
    );
    assert!(row("OPS-REQ-DM2API").cells[2].claimed_but_broken);
    assert_eq!(separation.cells[3].verdict, Some(Verdict::Error));
    // Restore passes on netconfd-running through copy-config although its startup scenario
    // failed: the best mechanism counts.
    let restore = row("R3535-3.7");
    assert_eq!(restore.cells[1].verdict, Some(Verdict::Pass));
    assert_eq!(restore.cells[1].mechanism, Some("copy-config"));
    assert_eq!(restore.cells[1].scenarios.len(), 2);
    assert_eq!(
        row("R3535-5.31").cells[0].measurement.as_deref(),
        Some("sessions_open_ms=218")
    );
}

#[test]
fn merging_the_shards_of_a_run_gives_the_run_back() {
    let run = fixture();
    let first = shard(
        &run,
        &["netconfd-candidate/netconf", "netconfd-running/netconf"],
    );
    let mut second = shard(&run, &["vendor-b-pe1/netconf", "pe2-unreachable/netconf"]);
    second.run.finished = "2026-11-21T09:00:40Z".to_owned();
    let merged = merge(vec![("a.json".into(), first), ("b.json".into(), second)])
        .expect("the shards have no device in common");
    assert!(merged.notes.is_empty(), "{:?}", merged.notes);
    assert_eq!(merged.results.devices, run.devices);
    assert_eq!(merged.results.requirements, run.requirements);
    assert_eq!(merged.results.results, run.results);
    assert_eq!(merged.results.requirement_results, run.requirement_results);
    assert_eq!(merged.results.run.started, run.run.started);
    assert_eq!(merged.results.run.finished, "2026-11-21T09:00:40Z");
}

#[test]
fn a_fleet_part_joins_the_device_parts_and_their_requirements_are_judged_again() {
    let run = fixture();
    // As if these scenarios were @multi: their results come from the fleet part.
    let fleet_scenarios = [
        "Operational state can be read on its own",
        "Several sessions at once are all served",
    ];
    let is_fleet = |scenario: &str| fleet_scenarios.contains(&scenario);
    assert!(run.results.iter().any(|r| is_fleet(&r.scenario)));
    let blank = |part: &mut Results| {
        // A part judges only what it ran; the merge must not keep those verdicts.
        for result in &mut part.requirement_results {
            if result.verdict != Verdict::Manual {
                result.verdict = Verdict::Skipped;
                result.message = "no scenario of this run covers it".to_owned();
            }
        }
        for device in &mut part.devices {
            device.score = Default::default();
        }
    };
    let mut parts = Vec::new();
    for devices in [
        &["netconfd-candidate/netconf", "netconfd-running/netconf"][..],
        &["vendor-b-pe1/netconf", "pe2-unreachable/netconf"][..],
    ] {
        let mut part = shard(&run, devices);
        part.results.retain(|r| !is_fleet(&r.scenario));
        blank(&mut part);
        parts.push((format!("{}.json", parts.len() + 1), part));
    }
    let mut fleet = run.clone();
    fleet.run.shard = Some(rfc3535_score::FLEET_SHARD.to_owned());
    fleet.results.retain(|r| is_fleet(&r.scenario));
    blank(&mut fleet);
    // The fleet part may come first on the command line.
    parts.insert(0, ("fleet.json".into(), fleet));
    let merged = merge(parts)
        .expect("a fleet part joins the device parts")
        .results;
    // What one run judges today: the fixture's stored requirement verdicts predate the
    // policy that a claimed mechanism that fails fails the requirement.
    let mut run = run;
    run.judge_again(|_| true);
    run.score_all();
    assert_eq!(merged.devices, run.devices);
    assert_eq!(merged.requirement_results, run.requirement_results);
    let sorted = |mut results: Vec<rfc3535_score::ResultEntry>| {
        results.sort_by(|a, b| {
            (&a.device, &a.scenario, &a.requirement).cmp(&(&b.device, &b.scenario, &b.requirement))
        });
        results
    };
    assert_eq!(sorted(merged.results.clone()), sorted(run.results.clone()));

    // Two fleet parts over the same device are two parts too many.
    let mut again = run.clone();
    again.run.shard = Some(rfc3535_score::FLEET_SHARD.to_owned());
    let twice = merge(vec![
        ("a.json".into(), shard(&run, &["vendor-b-pe1/netconf"])),
        ("f1.json".into(), again.clone()),
        ("f2.json".into(), again),
    ]);
    assert!(twice.is_err());
}

#[test]
fn a_device_in_two_parts_is_refused_with_both_names() {
    let run = fixture();
    let error = merge(vec![("a.json".into(), run.clone()), ("b.json".into(), run)])
        .expect_err("the same devices twice");
    let text = error.to_string();
    assert!(text.contains("a.json") && text.contains("b.json"), "{text}");
}

#[test]
fn a_run_compared_with_itself_has_no_differences() {
    let run = fixture();
    assert!(diff(&run, &run).is_empty());
}

#[test]
fn a_lost_pass_is_a_regression_and_comes_first() {
    let old = fixture();
    let mut new = old.clone();
    for r in &mut new.requirement_results {
        match (r.device.as_str(), r.requirement.as_str()) {
            ("netconfd-running/netconf", "R3535-5.27") => r.verdict = Verdict::Fail,
            ("netconfd-candidate/netconf", "R3535-3.13") => r.verdict = Verdict::Pass,
            _ => {}
        }
    }
    new.rescore(Weights::default());
    new.devices.retain(|d| d.id != "pe2-unreachable/netconf");
    let changes = diff(&old, &new);
    let kinds: Vec<(ChangeKind, &str)> = changes
        .changes
        .iter()
        .map(|c| (c.kind, c.requirement.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Regression, "R3535-5.27"),
            (ChangeKind::Improvement, "R3535-3.13")
        ]
    );
    assert_eq!(changes.devices_removed, ["pe2-unreachable/netconf"]);
    assert_eq!(changes.scores.len(), 2);
}
