//! The CLI side of reports, shared by `run`, `report` and `diff`: reading saved runs (a
//! `results.json` or its run directory, with the evidence files beside it), merging several,
//! how the terminal matrix is drawn, and writing the chosen formats. Rendering itself is
//! `rfc3535-report`'s.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rfc3535_report::{Format, Options};
use rfc3535_score::Results;

use crate::UsageError;

/// Questionnaire answers files (`--answers FILE`, repeatable), each read and checked.
pub fn read_answers(files: &[PathBuf]) -> Result<Vec<(PathBuf, rfc3535_score::Answers)>> {
    files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).map_err(|e| {
                UsageError(anyhow::anyhow!(
                    "cannot read answers {}: {e}",
                    file.display()
                ))
            })?;
            let answers = rfc3535_score::Answers::parse(&text)
                .map_err(|e| UsageError(anyhow::anyhow!("answers {}: {e}", file.display())))?;
            Ok((file.clone(), answers))
        })
        .collect()
}

/// Applies questionnaire answers to a run's manual requirements, saying on stderr what each
/// file decided. An answers file for a device the run does not have is a usage error.
pub fn apply_answers(
    results: &mut Results,
    answers: &[(PathBuf, rfc3535_score::Answers)],
) -> Result<()> {
    for (file, answers) in answers {
        let known = results
            .devices
            .iter()
            .any(|d| d.name == answers.device || d.id == answers.device);
        if !known {
            return Err(UsageError(anyhow::anyhow!(
                "answers {} are for device {:?}, which is not in the run (devices: {})",
                file.display(),
                answers.device,
                results
                    .devices
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        }
        let decided = results.apply_answers(answers);
        eprintln!(
            "answers {}: {decided} requirement(s) of {} decided",
            file.display(),
            answers.device
        );
    }
    Ok(())
}

/// An evidence file larger than this is cut in the HTML report (the file itself stays whole).
const EVIDENCE_LIMIT: usize = 1 << 20;
/// The most evidence one HTML report embeds; past it, files are named, not embedded, so that
/// the report of a run against devices that send huge messages still opens.
const EVIDENCE_TOTAL_LIMIT: usize = 64 << 20;

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
    let mut embedded = 0usize;
    for path in results.results.iter().flat_map(|r| &r.evidence) {
        if evidence.contains_key(path) || path.contains("..") {
            continue;
        }
        if embedded >= EVIDENCE_TOTAL_LIMIT {
            evidence.insert(
                path.clone(),
                format!("(not embedded: the report already holds {} MiB of evidence; the file {path} in the run directory holds it)\n", EVIDENCE_TOTAL_LIMIT >> 20),
            );
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
            embedded += text.len();
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
