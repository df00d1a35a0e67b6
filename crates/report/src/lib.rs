//! Renderers of a run's interoperability matrix, over `rfc3535-score` only (no cucumber, no
//! protocol, no I/O): a saved `results.json` re-renders offline exactly as the run rendered it.
//!
//! - [`term`]: the matrix for a terminal (tabled), colour optional, fitted to a width.
//! - [`markdown`]: GitHub-flavoured Markdown for a vendor's page or an issue.
//! - [`junit`]: JUnit XML for CI systems, one testcase per (requirement, device, protocol).
//! - [`html`]: one self-contained file: a heatmap with filters and a drill-down per cell.
//! - JSON is `results.json` itself.
//! - [`diff`]: what changed between two runs.
//!
//! Every renderer reads the same [`Matrix`], so they cannot disagree about a cell.

pub mod diff;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod term;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

pub use rfc3535_score::{Matrix, Results, Verdict};

/// An output format of `rfc3535 report` and `rfc3535 run --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Term,
    Md,
    Json,
    Junit,
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Term,
        Format::Md,
        Format::Json,
        Format::Junit,
        Format::Html,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Term => "term",
            Format::Md => "md",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Html => "html",
        }
    }

    /// The file a run directory keeps this format in.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Term => "matrix.txt",
            Format::Md => "matrix.md",
            Format::Json => "results.json",
            Format::Junit => "junit.xml",
            Format::Html => "report.html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == text)
            .ok_or_else(|| {
                format!("unknown format {text:?}; choose from term, md, json, junit, html")
            })
    }
}

/// How to render.
#[derive(Debug, Clone)]
pub struct Options {
    /// ANSI colour in the terminal renderer.
    pub color: bool,
    /// The terminal width the matrix must fit.
    pub width: usize,
    /// Evidence files by their path in the run directory (`evidence/<device>/NNN-...txt`);
    /// the HTML report embeds them for its drill-down. Missing ones are shown as missing.
    pub evidence: BTreeMap<String, String>,
    /// What the report says it was made by, e.g. `rfc3535 0.1.0`.
    pub generator: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            color: false,
            width: 120,
            evidence: BTreeMap::new(),
            generator: "rfc3535".to_owned(),
        }
    }
}

/// Renders a run in one format.
pub fn render(format: Format, results: &Results, options: &Options) -> String {
    match format {
        Format::Term => term::render(results, options),
        Format::Md => markdown::render(results, options),
        Format::Json => json(results),
        Format::Junit => junit::render(results),
        Format::Html => html::render(results, options),
    }
}

/// `results.json` as the run writes it (pretty, for people and for diffs).
pub fn json(results: &Results) -> String {
    // About a kilobyte per result; growing from nothing would copy a large run several times.
    let mut bytes = Vec::with_capacity(4096 + results.results.len() * 1024);
    match serde_json::to_writer_pretty(&mut bytes, results) {
        Ok(()) => {
            bytes.push(b'\n');
            String::from_utf8(bytes).unwrap_or_default()
        }
        Err(e) => format!("{{\"error\": \"cannot serialise the results: {e}\"}}\n"),
    }
}

/// The symbol of a cell's verdict in the text renderers (`None`: no verdict in this run).
pub fn symbol(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        Some(Verdict::Pass) => "✔",
        Some(Verdict::Fail) => "✘",
        Some(Verdict::NotApplicable) => "–",
        Some(Verdict::Skipped) => "↷",
        Some(Verdict::Error) => "!",
        Some(Verdict::Manual) => "?",
        None => "·",
    }
}

/// The legend of [`symbol`].
pub const LEGEND: &str = "✔ pass  ✘ fail (* claimed but broken)  – not applicable  ↷ skipped  ! error  ? manual (questionnaire)  · not in this run  90%! incompletely tested";

/// What a run is, in one line: id, when, how many devices and requirements.
pub fn headline(results: &Results) -> String {
    let run = &results.run;
    let mut line = format!(
        "run {} · {} → {} · {} device{} × {} requirement{}",
        run.id,
        run.started,
        run.finished,
        results.devices.len(),
        plural(results.devices.len()),
        results.requirements.len(),
        plural(results.requirements.len()),
    );
    if let Some(tags) = &run.tags {
        line.push_str(&format!(" · tags {tags}"));
    }
    if let Some(shard) = &run.shard {
        line.push_str(&format!(" · shard {shard}"));
    }
    if run.interrupted {
        line.push_str(" · INTERRUPTED: partial results");
    }
    line
}

/// A device's score as people read it.
/// A device's score in a narrow matrix cell: an incompletely tested device (scenarios left
/// undecided) is marked `!`.
pub fn score_cell(device: &rfc3535_score::DeviceEntry) -> String {
    match (&device.unreachable, device.score.percent) {
        (Some(_), _) => "untested".to_owned(),
        (None, Some(p)) if device.score.undecided > 0 => format!("{p:.1}%!"),
        (None, Some(p)) => format!("{p:.1}%"),
        (None, None) => "n/a".to_owned(),
    }
}

/// A device with scenarios left undecided (error or skipped) is shown as incompletely
/// tested, with how many.
pub fn score_text(device: &rfc3535_score::DeviceEntry) -> String {
    let undecided = device.score.undecided;
    match (&device.unreachable, device.score.percent) {
        (Some(_), _) => "untested".to_owned(),
        (None, Some(p)) if undecided > 0 => format!("{p:.1}% ({undecided} undecided)"),
        (None, Some(p)) => format!("{p:.1}%"),
        (None, None) if undecided > 0 => format!("n/a ({undecided} undecided)"),
        (None, None) => "n/a".to_owned(),
    }
}

/// What the device is, from its inventory labels: vendor, software, version, if given.
pub fn identity_text(device: &rfc3535_score::DeviceEntry) -> String {
    let parts: Vec<&str> = ["vendor", "software", "os", "version"]
        .iter()
        .filter_map(|k| device.identity.get(*k).map(String::as_str))
        .collect();
    parts.join(" ")
}

/// A device's configuration check in a few words.
pub fn safety_text(device: &rfc3535_score::DeviceEntry) -> String {
    let safety = &device.safety;
    if device.unreachable.is_some() {
        "not reached; nothing changed".to_owned()
    } else if device.broken.is_some() {
        "no session held; nothing changed".to_owned()
    } else if safety.verified && safety.restored {
        format!("restored and verified ({})", safety.saved.join(", "))
    } else if safety.verified {
        format!("unchanged, verified ({})", safety.saved.join(", "))
    } else {
        format!("NOT VERIFIED: {}", safety.problems.join("; "))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Text shortened to `width` characters with an ellipsis.
pub(crate) fn abbreviate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// Why a cell has its verdict: the requirement's message, then the message of each scenario
/// behind it that failed or erred.
pub fn explanation(results: &Results, cell: &rfc3535_score::Cell<'_>) -> String {
    let mut parts = vec![cell.message.to_owned()];
    for &index in &cell.scenarios {
        let scenario = &results.results[index];
        if matches!(scenario.verdict, Verdict::Fail | Verdict::Error)
            && !scenario.message.is_empty()
        {
            let part = format!("{}: {}", scenario.scenario, scenario.message);
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
    }
    parts.join(" — ")
}

/// XML and HTML text and attribute escaping. The characters XML 1.0 cannot carry at all (a
/// device's reply may hold control characters) are written as their code, so the file always
/// parses. Hand-written: quick-xml's escape leaves the forbidden characters in.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// A cell's measurement (`name=value`) as a cell shows it: the value, with `ms` when the name
/// says it is milliseconds.
pub fn short_measure(measured: &str) -> String {
    match measured.split_once('=') {
        Some((name, value)) if name.ends_with("_ms") => format!("{value}ms"),
        Some((_, value)) => value.to_owned(),
        None => measured.to_owned(),
    }
}
