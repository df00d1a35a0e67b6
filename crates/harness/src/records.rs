//! What a run records: per scenario, what the steps decided ([`ScenarioRecord`]) and what the
//! cleanup kept per device ([`AfterRecord`]), collected in a [`Sink`] per runner; per device,
//! what preparing it found ([`Prepared`]); and the evidence files ([`EvidenceDir`]).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rfc3535_score::results::StepRecord;
use rfc3535_score::{Safety, Verdict};

use crate::catalogue::{ScenarioInfo, ScenarioKey};
use crate::device::DeviceContext;
use crate::discovery::Claims;
use crate::engine::RunObserver;
use crate::safety::Saved;
use crate::target::Target;

/// What the steps decided about one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRecord {
    pub verdict: Verdict,
    pub message: String,
    /// The device broke the protocol during the scenario ([`crate::Finding::Violation`]): the
    /// protocol-conformance requirement fails too.
    pub violation: bool,
    pub steps: Vec<StepRecord>,
    pub duration_ms: u64,
}

/// What the after hook kept of one scenario, per device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AfterRecord {
    pub evidence: Vec<String>,
    pub measurements: BTreeMap<String, serde_json::Value>,
    pub cleanup_problems: Vec<String>,
    /// Replies that do not validate against the device's own schema.
    pub schema_findings: Vec<String>,
    /// Replies that could not be checked against the device's own schema, and why.
    pub unchecked_replies: Vec<String>,
    /// How the device broke the protocol on the scenario's sessions beyond what a step saw
    /// (a reply to a request never sent, a message after close-session), per session.
    pub protocol_violations: Vec<String>,
    /// The run's evidence budget was spent: this scenario's transcripts are summarised.
    pub evidence_summarised: bool,
    /// Devices that took part (fleet runs).
    pub members: Vec<String>,
    /// In a fleet run that failed and named who failed it: whether this device's behaviour
    /// did. `None` when the scenario named nobody (or ran on one device).
    pub blamed: Option<bool>,
    /// In a fleet run: this device was left out before anything was written (it could not be
    /// written safely), with its own verdict and why.
    pub excluded: Option<(Verdict, String)>,
}

/// Collects records from the writer and the hooks of one runner.
#[derive(Debug, Default)]
pub struct Sink {
    pub records: Mutex<HashMap<ScenarioKey, ScenarioRecord>>,
    /// Who is told of finished scenarios, if anyone.
    pub observer: Option<Arc<dyn RunObserver>>,
    /// Keyed by scenario, then device id.
    pub after: Mutex<HashMap<ScenarioKey, BTreeMap<String, AfterRecord>>>,
}

impl Sink {
    pub fn with_observer(observer: Arc<dyn RunObserver>) -> Sink {
        Sink {
            observer: Some(observer),
            ..Sink::default()
        }
    }

    pub fn record(&self, key: &ScenarioKey) -> Option<ScenarioRecord> {
        self.records.lock().ok()?.get(key).cloned()
    }

    pub fn after(&self, key: &ScenarioKey, device: &str) -> Option<AfterRecord> {
        self.after.lock().ok()?.get(key)?.get(device).cloned()
    }

    /// Ends each of these scenarios in `error` with `message`: the harness could not run them.
    /// The observer hears it too, so it is never silent.
    pub fn fail_all(&self, keys: impl IntoIterator<Item = ScenarioKey>, message: &str) {
        if let Some(observer) = &self.observer {
            observer.warning(message);
        }
        let mut records = self
            .records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in keys {
            let record = ScenarioRecord {
                verdict: Verdict::Error,
                message: message.to_owned(),
                violation: false,
                steps: Vec::new(),
                duration_ms: 0,
            };
            records.insert(key, record);
        }
    }
}

/// What a runner is bound to: one device, or the fleet for `@multi` scenarios.
#[derive(Debug, Clone)]
pub enum Binding {
    Device(Arc<DeviceContext>),
    Fleet(Vec<Arc<DeviceContext>>),
}

/// An evidence file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write evidence {path}: {error}")]
pub struct EvidenceError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// The evidence one run writes at most unless told otherwise (`--evidence-budget`), in MiB.
pub const DEFAULT_EVIDENCE_BUDGET_MIB: u64 = 2048;

/// One evidence file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Its run-relative path.
    pub path: String,
    /// Whether the run's evidence budget was reached, so that only a summary was written.
    pub summarised: bool,
}

/// Where a run writes its evidence, and a counter for file names. The run's evidence is
/// bounded: once `budget` bytes are written, transcripts are summarised (each message by
/// its header, the start of its first line and its length).
#[derive(Debug)]
pub struct EvidenceDir {
    pub run_dir: PathBuf,
    /// The most bytes of evidence the run writes in full.
    budget: u64,
    written: std::sync::atomic::AtomicU64,
    /// Numbered per device, so a device's files are named the same whether it ran alone
    /// (a shard) or with others; the `@multi` scenarios' files in a series of their own
    /// (`fleet-NNN-...`), so that they are named the same in the fleet part of a sharded run
    /// as in one run over every device.
    counters: Mutex<HashMap<(String, bool), usize>>,
}

impl EvidenceDir {
    pub fn new(run_dir: &Path) -> Self {
        Self::with_budget(run_dir, DEFAULT_EVIDENCE_BUDGET_MIB << 20)
    }

    /// Evidence written in full up to `budget` bytes, summarised after.
    pub fn with_budget(run_dir: &Path, budget: u64) -> Self {
        EvidenceDir {
            run_dir: run_dir.to_owned(),
            budget,
            written: std::sync::atomic::AtomicU64::new(0),
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// The text to write for `text`: itself while the budget lasts, else its summary.
    fn within_budget(&self, text: &str) -> (String, bool) {
        use std::sync::atomic::Ordering;
        let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
        let before = self.written.fetch_add(size, Ordering::SeqCst);
        if before.saturating_add(size) <= self.budget {
            return (text.to_owned(), false);
        }
        self.written.fetch_sub(size, Ordering::SeqCst);
        let summary = summarise(text, self.budget);
        self.written.fetch_add(
            u64::try_from(summary.len()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
        (summary, true)
    }

    /// Writes a message a device repeats, once, under `evidence/<device>/shared/`.
    pub fn write_shared(
        &self,
        device: &str,
        name: &str,
        text: &str,
    ) -> Result<String, EvidenceError> {
        let (text, _) = self.within_budget(text);
        let device_dir = device.replace(['/', '\\'], "_");
        let file = name.replace(['/', '\\'], "_");
        let relative = format!("evidence/{device_dir}/shared/{file}");
        self.write_file(&relative, &text)?;
        Ok(relative)
    }

    /// Writes a file at a run-relative path, making its directory.
    fn write_file(&self, relative: &str, text: &str) -> Result<(), EvidenceError> {
        let path = self.run_dir.join(relative);
        let written = match path.parent() {
            Some(parent) => {
                std::fs::create_dir_all(parent).and_then(|()| std::fs::write(&path, text))
            }
            None => std::fs::write(&path, text),
        };
        written.map_err(|error| EvidenceError { path, error })
    }

    /// Writes one evidence file under `evidence/<device>/`, returning its run-relative path;
    /// `fleet` for a scenario run over several devices.
    pub fn write(
        &self,
        device: &str,
        scenario: &str,
        fleet: bool,
        text: &str,
    ) -> Result<Written, EvidenceError> {
        let (text, summarised) = self.within_budget(text);
        let n = {
            let mut counters = self
                .counters
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let counter = counters.entry((device.to_owned(), fleet)).or_insert(0);
            *counter += 1;
            *counter
        };
        let slug: String = scenario
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .take(8)
            .collect::<Vec<_>>()
            .join("-");
        let device_dir = device.replace(['/', '\\'], "_");
        let series = if fleet { "fleet-" } else { "" };
        let relative = format!("evidence/{device_dir}/{series}{n:03}-{slug}.txt");
        self.write_file(&relative, &text)?;
        Ok(Written {
            path: relative,
            summarised,
        })
    }
}

/// A transcript's summary, once the run's evidence budget is spent: the `===` session
/// headers, and for each message its `---` header, the start of its first line and its
/// length.
fn summarise(text: &str, budget: u64) -> String {
    let budget = if budget >= 1 << 20 {
        format!("{} MiB", budget >> 20)
    } else {
        format!("{budget} bytes")
    };
    let mut out = format!(
        "(summarised: the run's evidence reached its budget of {budget}, --evidence-budget)\n"
    );
    let mut message: Option<(&str, usize)> = None;
    let flush = |out: &mut String, message: &mut Option<(&str, usize)>| {
        if let Some((first, bytes)) = message.take() {
            let start: String = first.chars().take(160).collect();
            out.push_str(&format!("{start} ... ({bytes} bytes)\n"));
        }
    };
    for line in text.lines() {
        if line.starts_with("=== ") || line.starts_with("--- ") {
            flush(&mut out, &mut message);
            out.push_str(line);
            out.push('\n');
            continue;
        }
        match &mut message {
            Some((_, bytes)) => *bytes += line.len() + 1,
            None => message = Some((line, line.len() + 1)),
        }
    }
    flush(&mut out, &mut message);
    out
}

/// One device after the run prepared it.
#[derive(Debug)]
pub struct Prepared {
    pub target: Target,
    pub context: Option<Arc<DeviceContext>>,
    pub claims: Claims,
    pub framing: Option<String>,
    pub fingerprint: Option<String>,
    pub advertised: Vec<String>,
    pub saved: Vec<Saved>,
    /// Why the test bed could not test the device at all.
    pub unreachable: Option<String>,
    /// How the device broke the protocol before any scenario could run.
    pub broken: Option<String>,
    /// The run-relative directory holding the device's schema as served.
    pub schema_snapshot: Option<String>,
    /// Why the snapshot could not be written, if it could not.
    pub snapshot_problem: Option<String>,
    pub safety: Safety,
}

impl Prepared {
    /// Nothing found yet.
    pub fn new(target: Target) -> Prepared {
        Prepared {
            target,
            context: None,
            claims: Claims::default(),
            framing: None,
            fingerprint: None,
            advertised: Vec::new(),
            saved: Vec::new(),
            unreachable: None,
            broken: None,
            schema_snapshot: None,
            snapshot_problem: None,
            safety: Safety::default(),
        }
    }

    /// The device's column id, `<name>/<protocol>`.
    pub fn id(&self) -> String {
        self.target.id()
    }
}

/// Everything a run produced, for the report.
#[derive(Debug)]
pub struct RunOutput {
    pub devices: Vec<Prepared>,
    pub selected: Vec<ScenarioInfo>,
    /// Which of the selected scenarios the run made.
    pub part: crate::engine::RunPart,
    /// One sink per device id for single-device scenarios.
    pub single: BTreeMap<String, Arc<Sink>>,
    pub fleet: Arc<Sink>,
    pub interrupted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_files_are_numbered_per_device_and_named_by_scenario() {
        let dir = tempfile::tempdir().expect("tempdir");
        let evidence = EvidenceDir::new(dir.path());
        let first = evidence
            .write("a/netconf", "Locks: are held!", false, "x")
            .expect("written")
            .path;
        assert_eq!(first, "evidence/a_netconf/001-locks-are-held.txt");
        assert_eq!(
            evidence
                .write("b/netconf", "x", false, "y")
                .expect("written")
                .path,
            "evidence/b_netconf/001-x.txt"
        );
        assert_eq!(
            evidence
                .write("a/netconf", "x", false, "y")
                .expect("written")
                .path,
            "evidence/a_netconf/002-x.txt"
        );
        // A fleet scenario's files are a series of their own.
        assert_eq!(
            evidence
                .write("a/netconf", "m", true, "z")
                .expect("written")
                .path,
            "evidence/a_netconf/fleet-001-m.txt"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(first)).expect("read"),
            "x"
        );
        let blocked = EvidenceDir::new(&dir.path().join("evidence/a_netconf/002-x.txt"));
        assert!(blocked.write("a", "s", false, "t").is_err());
    }

    #[test]
    fn past_its_budget_a_run_writes_summaries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let evidence = EvidenceDir::with_budget(dir.path(), 1000);
        let transcript = format!(
            "=== session \"A\" (session-id 3)\n--- 2026-12-01T10:00:00Z +0.1s in\n<rpc-reply>{}</rpc-reply>\n--- 2026-12-01T10:00:01Z +0.2s out\n<rpc/>\n",
            "x".repeat(600)
        );
        let first = evidence
            .write("a", "s", false, &transcript)
            .expect("written");
        assert!(!first.summarised);
        let second = evidence
            .write("a", "s", false, &transcript)
            .expect("written");
        assert!(second.summarised);
        let summary = std::fs::read_to_string(dir.path().join(&second.path)).expect("the summary");
        assert!(summary.starts_with("(summarised: "), "{summary}");
        assert!(summary.contains("=== session \"A\" (session-id 3)"));
        assert!(summary.contains("--- 2026-12-01T10:00:01Z +0.2s out\n<rpc/> ... (7 bytes)"));
        assert!(
            summary.contains("(624 bytes)") && summary.len() < 700,
            "{summary}"
        );
        let shared = evidence
            .write_shared("a/netconf", "0123.xml", "<hello/>")
            .expect("written");
        assert_eq!(shared, "evidence/a_netconf/shared/0123.xml");
    }
}
