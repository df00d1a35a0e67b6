//! `rfc3535 diff`: what changed between two runs, regressions first.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use rfc3535_score::ChangeKind;

use crate::reporting::load;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run (results.json or its run directory).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The later run.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Output format: term (plain text), md or json.
    #[arg(long, value_name = "FORMAT", default_value = "term", value_parser = ["term", "md", "json"])]
    pub format: String,
}

/// Exit 0 without regressions, 1 with at least one (for CI gates on firmware upgrades).
pub fn diff_command(args: &DiffArgs) -> Result<ExitCode> {
    let old = load(&args.old)?.results;
    let new = load(&args.new)?.results;
    let diff = rfc3535_score::diff(&old, &new);
    let text = match args.format.as_str() {
        "md" => rfc3535_report::diff::markdown(&old, &new, &diff),
        "json" => rfc3535_report::diff::json(&old, &new, &diff),
        _ => rfc3535_report::diff::text(&old, &new, &diff),
    };
    print!("{text}");
    Ok(
        if diff
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::Regression)
        {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}
