//! The catalogue as a `cargo test` target, for vendors' CI (`harness = false`):
//!
//! ```sh
//! RFC3535_INVENTORY=clab-srl-ceos/topology-data.json cargo test --test compliance -- --tags @must
//! cargo test --test compliance -- --name "confirmed commit"     # the reference device
//! ```
//!
//! It runs `rfc3535 run` (the same engine, cucumber underneath) against the inventory
//! `RFC3535_INVENTORY` names (YAML or a containerlab topology-data.json), or against the
//! compliant reference device when none is set, and passes when no MUST requirement fails
//! and nothing is left undecided (`--fail-on must`; `RFC3535_FAIL_ON=any|never` changes it).
//! Filters are cucumber's: `--tags EXPR` (`-t`) and `--name TEXT` (`-n`, repeatable; here a
//! scenario whose name contains the text, as `rfc3535 run --name`). It prints the run's
//! progress and matrix, and writes results.json, JUnit (`junit.xml`, for the CI's test
//! report) and the HTML report into `RFC3535_OUT` (default `target/rfc3535-compliance`).
//! Arguments meant for libtest (`cargo test -- --nocapture` reaches every test binary) are
//! ignored, with a note.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// What this target passes on to `rfc3535 run`, from its own arguments.
#[derive(Debug, Default, PartialEq, Eq)]
struct Filters {
    tags: Option<String>,
    names: Vec<String>,
    ignored: Vec<String>,
}

fn filters(args: impl IntoIterator<Item = String>) -> Result<Filters, String> {
    let mut filters = Filters::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--tags" | "-t" => filters.tags = Some(value("--tags")?),
            "--name" | "-n" => filters.names.push(value("--name")?),
            _ => filters.ignored.push(arg),
        }
    }
    Ok(filters)
}

fn main() -> ExitCode {
    let filters = match filters(std::env::args().skip(1)) {
        Ok(filters) => filters,
        Err(why) => {
            eprintln!("compliance: {why}");
            return ExitCode::from(2);
        }
    };
    if !filters.ignored.is_empty() {
        eprintln!(
            "compliance: ignoring {:?} (this target takes --tags and --name)",
            filters.ignored
        );
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::var_os("RFC3535_OUT")
        .map_or_else(|| root.join("target/rfc3535-compliance"), PathBuf::from);
    let mut run = Command::new(env!("CARGO_BIN_EXE_rfc3535"));
    run.arg("run")
        .arg("--features")
        .arg(root.join("features"))
        .args(["--format", "term,junit,html", "--out"])
        .arg(&out)
        .arg("--fail-on")
        .arg(std::env::var("RFC3535_FAIL_ON").unwrap_or_else(|_| "must".to_owned()));
    match std::env::var_os("RFC3535_INVENTORY") {
        Some(inventory) => {
            run.arg("--inventory").arg(inventory);
        }
        None => {
            run.args(["--reference", "compliant"]);
        }
    }
    if let Some(tags) = &filters.tags {
        run.args(["--tags", tags]);
    }
    for name in &filters.names {
        run.args(["--name", name]);
    }
    match run.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!(
                "compliance: rfc3535 run ended with {status}; results, JUnit and HTML in {}",
                out.display()
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("compliance: cannot start rfc3535 run: {error}");
            ExitCode::FAILURE
        }
    }
}
