//! A run directory is a self-contained bundle: each device's schema as served is written into
//! it, and `rfc3535 report --rejudge RUN` checks every recorded reply again against it,
//! offline, on a copy moved elsewhere with no module cache, saying whether the schema
//! findings still hold.

mod common;

use std::process::Command;

fn rejudge(run: &std::path::Path, cache: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args(["report", "--rejudge"])
        .arg(run)
        .env("RFC3535_CACHE", cache)
        .output()
        .expect("runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_run_directory_is_judged_again_without_the_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let (_, results) = common::run(
        &out,
        &[
            "--reference",
            "compliant,state-in-config",
            "--tags",
            "@req:R3535-3.2 or @req:R3535-3.10",
            "--format",
            "json",
        ],
    )
    .await;
    for device in &results.devices {
        let snapshot = device
            .schema_snapshot
            .as_deref()
            .expect("a schema snapshot");
        assert!(
            out.join(snapshot).join("acquired.json").is_file(),
            "{snapshot}"
        );
        // The YANG library as the device served it, beside its modules.
        let library = std::fs::read_to_string(out.join(snapshot).join("yang-library.xml"))
            .expect("the library is in the snapshot");
        assert!(library.contains("<yang-library"), "{library}");
    }
    // The state-in-config device's replies break its schema: there are findings to re-check.
    assert!(results
        .results
        .iter()
        .any(|r| !r.schema_findings.is_empty()));

    let moved = dir.path().join("elsewhere");
    std::fs::rename(&out, &moved).expect("move the run");
    let empty_cache = dir.path().join("no-cache");
    let output = rejudge(&moved, &empty_cache);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{output:?}");
    assert!(stdout.contains(", 0 do not"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("state-in-config/netconf")
                && l.contains("holds (")
                && !l.contains("holds (0 findings)")),
        "{stdout}"
    );

    // A snapshot that no longer compiles cannot confirm anything: said, and exit 1.
    let snapshot = moved.join("schema/state-in-config_netconf");
    std::fs::remove_file(snapshot.join("ietf-system@2014-08-06.yang")).expect("remove");
    let output = rejudge(&moved, &empty_cache);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("NOT CHECKED"), "{stdout}");
}

/// A standard module the device implements and does not serve is taken from the local
/// module directory, said in the schema record, and its replies are still checked; the
/// device still fails the scenarios about serving its modules.
#[tokio::test(flavor = "multi_thread")]
async fn a_module_the_device_does_not_serve_is_checked_from_a_local_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let (_, results) = common::run(
        &out,
        &[
            "--reference",
            "unserved-module",
            "--tags",
            "(@req:R3535-3.2 or @rfc6022-3.1) and not @cap:restconf and not @cap:restconf-nmda",
            "--format",
            "json",
        ],
    )
    .await;
    let device = &results.devices[0];
    let snapshot = device
        .schema_snapshot
        .as_deref()
        .expect("a schema snapshot");
    let acquired =
        rfc3535_harness::schema::read_snapshot(&out.join(snapshot)).expect("acquired.json");
    assert!(
        acquired
            .local_copies
            .iter()
            .any(|(file, _)| file.starts_with("ietf-netconf-acm@")),
        "{:?}",
        acquired.local_copies
    );
    assert!(
        acquired
            .problems
            .iter()
            .any(|p| p.starts_with("ietf-netconf-acm:") && p.contains("local copy")),
        "{:?}",
        acquired.problems
    );
    // The NETCONF column: get-schema refuses the module (the RESTCONF column's schema
    // resource does too, and its scenarios about serving modules are NETCONF's).
    for result in results
        .results
        .iter()
        .filter(|r| r.device.ends_with("/netconf"))
    {
        let about_serving = result.scenario.contains("can be downloaded")
            || result.scenario.contains("schema list names");
        if about_serving {
            assert_eq!(result.verdict, rfc3535_score::Verdict::Fail, "{result:?}");
            assert!(result.message.contains("ietf-netconf-acm"), "{result:?}");
        } else {
            // The NACM configuration in every configuration read is checked with the copy.
            assert_eq!(result.verdict, rfc3535_score::Verdict::Pass, "{result:?}");
            assert!(!result.message.contains("NOT CHECKED"), "{result:?}");
        }
    }
    assert!(results
        .results
        .iter()
        .any(|r| r.scenario.contains("can be downloaded")));
}
