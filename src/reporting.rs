//! The CLI side of reports: reading saved runs (a `results.json` or its run directory, with
//! the evidence files beside it), merging several, writing the chosen formats, and the
//! `report` and `diff` commands. Rendering itself is `rfc3535-report`'s.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use rfc3535_report::{Format, Options};
use rfc3535_score::{ChangeKind, Results, Weights};

use crate::UsageError;

/// An evidence file larger than this is cut in the HTML report (the file itself stays whole).
const EVIDENCE_LIMIT: usize = 1 << 20;

/// When to colour the terminal matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// How the terminal matrix is drawn (shared by `run` and `report`).
#[derive(Debug, Clone, Args)]
pub struct TermArgs {
    /// Colour in the terminal matrix.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// The width the terminal matrix must fit [default: the terminal's, else 120].
    #[arg(long, value_name = "COLUMNS")]
    pub width: Option<usize>,
}

impl TermArgs {
    pub fn options(&self, evidence: BTreeMap<String, String>) -> Options {
        let terminal = std::io::stdout().is_terminal();
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        let width = self.width.unwrap_or_else(|| {
            terminal
                .then(|| {
                    console::Term::stdout()
                        .size_checked()
                        .map(|(_, w)| w as usize)
                })
                .flatten()
                .unwrap_or(120)
        });
        Options {
            color,
            width,
            evidence,
            generator: format!("rfc3535 {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

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

    #[command(flatten)]
    pub term: TermArgs,
}

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

/// A saved run read back: its results and the evidence files it names.
#[derive(Debug)]
pub struct SavedRun {
    pub results: Results,
    pub evidence: BTreeMap<String, String>,
}

/// Reads `results.json` (or `DIR/results.json`) and the evidence beside it. Missing evidence
/// is not an error: the HTML report says the file was not found.
pub fn load(path: &Path) -> Result<SavedRun> {
    let file = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_owned()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| UsageError(anyhow::anyhow!("cannot read {}: {e}", file.display())))?;
    let results = Results::from_json(&text)
        .map_err(|e| UsageError(anyhow::anyhow!("{}: {e}", file.display())))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    Ok(SavedRun {
        evidence: read_evidence(&results, dir),
        results,
    })
}

/// The evidence files a run names, read from its directory.
pub fn read_evidence(results: &Results, dir: &Path) -> BTreeMap<String, String> {
    let mut evidence = BTreeMap::new();
    for path in results.results.iter().flat_map(|r| &r.evidence) {
        if evidence.contains_key(path) || path.contains("..") {
            continue;
        }
        if let Ok(mut text) = std::fs::read_to_string(dir.join(path)) {
            if text.len() > EVIDENCE_LIMIT {
                let mut cut = EVIDENCE_LIMIT;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push_str("\n… (cut here in the report; the evidence file holds the rest)\n");
            }
            evidence.insert(path.clone(), text);
        }
    }
    evidence
}

/// Reads and merges several saved runs. Notes about the merge go to stderr.
pub fn load_all(paths: &[PathBuf]) -> Result<SavedRun> {
    let mut parts = Vec::new();
    let mut evidence = BTreeMap::new();
    for path in paths {
        let saved = load(path)?;
        evidence.extend(saved.evidence);
        parts.push((path.display().to_string(), saved.results));
    }
    let merged = rfc3535_score::merge(parts).map_err(|e| UsageError(e.into()))?;
    for note in &merged.notes {
        eprintln!("note: {note}");
    }
    Ok(SavedRun {
        results: merged.results,
        evidence,
    })
}

/// Writes the formats into a run directory (term is also printed). Returns what was written.
pub fn write_formats(
    results: &Results,
    formats: &[Format],
    dir: &Path,
    options: &Options,
) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for &format in formats {
        let path = dir.join(format.file_name());
        let text = if format == Format::Term {
            let on_screen = rfc3535_report::render(format, results, options);
            print!("{on_screen}");
            // The file is plain text, whatever the screen got.
            let plain = Options {
                color: false,
                ..options.clone()
            };
            rfc3535_report::render(format, results, &plain)
        } else {
            rfc3535_report::render(format, results, options)
        };
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

pub fn report_command(args: &ReportArgs) -> Result<ExitCode> {
    let SavedRun {
        mut results,
        evidence,
    } = load_all(&args.inputs)?;
    if let Some(weights) = args.weights {
        results.rescore(weights);
    }
    let mut formats = args.format.clone();
    formats.dedup();
    let options = args.term.options(evidence);
    match (&args.out, formats.as_slice()) {
        (None, [format]) => print!("{}", rfc3535_report::render(*format, &results, &options)),
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
