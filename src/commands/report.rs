//! `rfc3535 report`: saved runs re-rendered offline; several results files merge into one
//! matrix.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use rfc3535_report::{Format, Options};
use rfc3535_score::Weights;

use crate::reporting::{load_all, SavedRun, TermArgs};
use crate::UsageError;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Saved runs: results.json files or the run directories holding them. Several are
    /// merged into one matrix (the shards of one run, or vendors' separate runs); a device
    /// may appear in one of them only.
    #[arg(value_name = "RESULTS", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Formats, comma-separated: term, md, json, junit, html.
    #[arg(
        long,
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "term"
    )]
    pub format: Vec<Format>,

    /// With one format: the file to write [default: stdout]. With several: a directory,
    /// which gets matrix.txt, matrix.md, results.json, junit.xml and report.html.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Level weights for the score, as MUST,SHOULD,MAY [default: the run's, 3,2,1].
    #[arg(long, value_name = "M,S,M")]
    pub weights: Option<Weights>,

    /// Evidence questionnaire answers for one device (see `rfc3535 requirements
    /// --questionnaire`); repeat for several devices. Its manual requirements become pass or
    /// fail, with the evidence named.
    #[arg(long, value_name = "FILE")]
    pub answers: Vec<PathBuf>,

    /// Check a run's recorded replies again, offline, against the schema snapshot of each
    /// device in its run directory, and say whether its schema findings still hold (exit 1
    /// where they do not). RESULTS is then one run directory.
    #[arg(long, conflicts_with_all = ["weights", "answers", "out"])]
    pub rejudge: bool,

    #[command(flatten)]
    pub term: TermArgs,
}

/// `report --rejudge RUN`.
fn rejudge(inputs: &[PathBuf]) -> Result<ExitCode> {
    let [run] = inputs else {
        bail!(UsageError(anyhow::anyhow!(
            "--rejudge checks one run: give its directory (or its results.json)"
        )));
    };
    let dir = if run.is_dir() {
        run.clone()
    } else {
        run.parent().map(PathBuf::from).unwrap_or_default()
    };
    let saved = crate::reporting::load(run)?;
    let rechecked = rfc3535_harness::replies::recheck_run(&dir, &saved.results);
    let mut out = String::new();
    let mut differing = 0usize;
    for item in &rechecked {
        let verdict = match &item.found {
            Ok(found) if *found == item.recorded => format!(
                "holds ({} finding{})",
                found.len(),
                if found.len() == 1 { "" } else { "s" }
            ),
            Ok(found) => {
                differing += 1;
                let gone: Vec<&String> = item
                    .recorded
                    .iter()
                    .filter(|f| !found.contains(f))
                    .collect();
                let new: Vec<&String> = found
                    .iter()
                    .filter(|f| !item.recorded.contains(f))
                    .collect();
                format!("DIFFERS: no longer found: {gone:?}; found now: {new:?}")
            }
            Err(why) => {
                differing += 1;
                format!("NOT CHECKED: {why}")
            }
        };
        out.push_str(&format!("{}  {}: {verdict}\n", item.device, item.scenario));
    }
    out.push_str(&format!(
        "{} scenario(s) checked again, {} hold, {differing} do not\n",
        rechecked.len(),
        rechecked.len() - differing
    ));
    super::emit(&out)?;
    Ok(if differing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn report_command(args: &ReportArgs) -> Result<ExitCode> {
    if args.rejudge {
        return rejudge(&args.inputs);
    }
    let SavedRun {
        mut results,
        evidence,
    } = load_all(&args.inputs)?;
    if let Some(weights) = args.weights {
        results.rescore(weights);
    }
    let answers = crate::reporting::read_answers(&args.answers)?;
    crate::reporting::apply_answers(&mut results, &answers)?;
    let mut formats = args.format.clone();
    formats.dedup();
    let options = args.term.options(evidence);
    match (&args.out, formats.as_slice()) {
        (None, [format]) => super::emit(&rfc3535_report::render(*format, &results, &options))?,
        (Some(file), [format]) if !file.is_dir() => {
            let plain = Options {
                color: false,
                ..options
            };
            std::fs::write(file, rfc3535_report::render(*format, &results, &plain))
                .with_context(|| format!("cannot write {}", file.display()))?;
            eprintln!("{format}: {}", file.display());
        }
        (None, _) => bail!(UsageError(anyhow::anyhow!(
            "several formats need --out DIR, a directory to write them into"
        ))),
        (Some(dir), _) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let plain = Options {
                color: false,
                ..options
            };
            for format in formats {
                let path = dir.join(format.file_name());
                std::fs::write(&path, rfc3535_report::render(format, &results, &plain))
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("{format}: {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
