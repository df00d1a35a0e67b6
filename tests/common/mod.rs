//! What several integration tests share: the catalogue's scenarios (read by the harness's
//! own catalogue reader), and `rfc3535 run` with its results read back.

#![allow(dead_code, reason = "each test binary uses part of this module")]

use std::path::{Path, PathBuf};
use std::process::Output;

use rfc3535_score::Results;

pub fn features_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
}

/// One scenario of the catalogue: its name, and whether it runs across devices (`@multi` on
/// it or on its feature).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CatalogueScenario {
    pub name: String,
    pub multi: bool,
}

/// The scenarios of the feature files, in file order, as the harness's catalogue reader sees
/// them.
pub fn catalogue_scenarios() -> Vec<CatalogueScenario> {
    let catalogue =
        rfc3535_harness::catalogue::Catalogue::load(&features_dir()).expect("the catalogue loads");
    catalogue
        .scenarios
        .into_iter()
        .map(|s| CatalogueScenario {
            name: s.name,
            multi: s.multi,
        })
        .collect()
}

/// How many scenarios passed on this column (`device/protocol`) of a run's results.
pub fn passes(results: &Results, column: &str) -> usize {
    results
        .results
        .iter()
        .filter(|r| r.device == column && r.verdict == rfc3535_score::Verdict::Pass)
        .count()
}

/// Reads a run directory's results.json.
pub fn read_results(out: &Path) -> Results {
    let text = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    Results::from_json(&text).expect("results.json reads back")
}

/// Runs `rfc3535 run` with these arguments (after `--out` and `--features`, and
/// `--fail-on never` unless they say otherwise), and reads its results.json.
pub async fn run(out: &Path, args: &[&str]) -> (Output, Results) {
    let fail_on: &[&str] = if args.contains(&"--fail-on") {
        &[]
    } else {
        &["--fail-on", "never"]
    };
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .arg("run")
        .arg("--out")
        .arg(out)
        .arg("--features")
        .arg(features_dir())
        .args(fail_on)
        .args(args)
        // A module cache per test (shared by its runs), none between tests.
        .env("RFC3535_CACHE", out.parent().unwrap_or(out).join("cache"))
        .output()
        .await
        .expect("rfc3535 runs");
    let text = std::fs::read_to_string(out.join("results.json")).unwrap_or_else(|e| {
        panic!(
            "no results.json ({e}); stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let results = Results::from_json(&text).expect("results.json reads back");
    (output, results)
}
