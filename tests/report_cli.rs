//! `rfc3535 report` and `rfc3535 diff` as an operator runs them on saved runs (the
//! four-device fixture run directory), including what they say about bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/results/four-devices")
}

fn rfc3535(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("rfc3535 runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn report_renders_a_saved_run_offline_in_every_format() {
    let output = rfc3535(&["report", path(&fixture())]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("rfc3535 interoperability matrix"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "no colour into a pipe");

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("all");
    let output = rfc3535(&[
        "report",
        path(&fixture().join("results.json")),
        "--format",
        "term,md,json,junit,html",
        "--out",
        path(&out),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for file in [
        "matrix.txt",
        "matrix.md",
        "results.json",
        "junit.xml",
        "report.html",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    // The HTML report found the evidence beside results.json.
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(html.contains("# session A (admin)"), "evidence embedded");

    let one = dir.path().join("matrix.md");
    let output = rfc3535(&[
        "report",
        path(&fixture()),
        "--format",
        "md",
        "--out",
        path(&one),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(std::fs::read_to_string(&one)
        .expect("md")
        .starts_with("# rfc3535 interoperability matrix"));
}

#[test]
fn other_weights_change_the_scores_only() {
    let output = rfc3535(&[
        "report",
        path(&fixture()),
        "--format",
        "json",
        "--weights",
        "1,1,1",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let results = rfc3535_score::Results::from_json(&text(&output.stdout)).expect("results");
    assert_eq!(results.devices[0].score.percent, Some(75.0));
    let refused = rfc3535(&["report", path(&fixture()), "--weights", "3,2"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("MUST,SHOULD,MAY"));
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = rfc3535(&["report", path(&dir.path().join("nothing.json"))]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("cannot read"),
        "{}",
        text(&missing.stderr)
    );

    let not_results = dir.path().join("other.json");
    std::fs::write(&not_results, "{\"hello\": 1}").expect("write");
    let wrong = rfc3535(&["report", path(&not_results)]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("not an rfc3535 results file"));

    let several = rfc3535(&["report", path(&fixture()), "--format", "md,html"]);
    assert_eq!(several.status.code(), Some(2));
    assert!(text(&several.stderr).contains("--out DIR"));
}

#[test]
fn diff_puts_regressions_first_and_exits_1_on_one() {
    let same = rfc3535(&["diff", path(&fixture()), path(&fixture())]);
    assert!(same.status.success());
    assert!(text(&same.stdout).contains("no differences"));

    // The same run after a "firmware upgrade" that breaks one requirement and fixes another.
    let original = std::fs::read_to_string(fixture().join("results.json")).expect("fixture");
    let mut after: serde_json::Value = serde_json::from_str(&original).expect("JSON");
    for verdict in after["requirement_results"]
        .as_array_mut()
        .expect("verdicts")
    {
        match (verdict["device"].as_str(), verdict["requirement"].as_str()) {
            (Some("netconfd-running/netconf"), Some("R3535-5.27")) => {
                verdict["verdict"] = "fail".into()
            }
            (Some("netconfd-candidate/netconf"), Some("R3535-3.13")) => {
                verdict["verdict"] = "pass".into()
            }
            _ => {}
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let new = dir.path().join("after.json");
    std::fs::write(&new, after.to_string()).expect("write");
    let output = rfc3535(&["diff", path(&fixture()), path(&new)]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let regression = stdout.find("Regressions (1)").expect("regressions listed");
    let improvement = stdout
        .find("Improvements (1)")
        .expect("improvements listed");
    assert!(regression < improvement, "{stdout}");
    assert!(
        stdout.contains("netconfd-running/netconf R3535-5.27 (MAY): pass → fail"),
        "{stdout}"
    );

    let json = rfc3535(&["diff", path(&fixture()), path(&new), "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON diff");
    assert_eq!(value["diff"]["changes"][0]["kind"], "regression");
}
