//! Runs the cucumber catalogue against one device, or against a fleet for `@multi` scenarios,
//! and turns cucumber's events into one record per scenario.
//!
//! Cucumber's futures are not `Send`, so each run gets its own thread with a current-thread
//! tokio runtime; devices run concurrently on separate threads, scenarios of one device run
//! one at a time (they share the device's configuration).
//!
//! The before hook binds the device (or fleet) to the World; the after hook, which cucumber
//! runs even after a failed step, closes the scenario's sessions, cancels what it left pending,
//! puts the sandbox back, and writes the transcripts as evidence.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::{event, gherkin, parser, Event, World as _, WriterExt as _};
use futures::FutureExt as _;
use rfc3535_client::wire::rpc::{EditAttributes, EditOperation};
use rfc3535_client::wire::{Datastore, EditConfig};
use rfc3535_client::Session;
use rfc3535_score::results::StepRecord;
use rfc3535_score::Verdict;

use crate::steps::world::{open_session, read_sandbox_text, DeviceContext, Finding, RunWorld};

/// A scenario's identity within a run: feature file name and line.
pub type ScenarioKey = (String, usize);

/// What cucumber's events said about one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioRecord {
    pub verdict: Verdict,
    pub message: String,
    pub steps: Vec<StepRecord>,
    pub duration_ms: u64,
}

/// What the after hook kept of one scenario, per device.
#[derive(Debug, Clone, Default)]
pub struct AfterRecord {
    pub evidence: Vec<String>,
    pub measurements: BTreeMap<String, serde_json::Value>,
    pub cleanup_problems: Vec<String>,
    /// Replies that do not validate against the device's own schema.
    pub schema_findings: Vec<String>,
    /// Devices that took part (fleet runs).
    pub members: Vec<String>,
}

/// Collects records from the writer and the hooks of one run.
#[derive(Debug, Default)]
pub struct Sink {
    pub records: Mutex<HashMap<ScenarioKey, ScenarioRecord>>,
    /// Where finished scenarios are announced, if anywhere.
    pub progress: Option<Arc<super::progress::Progress>>,
    /// Keyed by scenario, then device id.
    pub after: Mutex<HashMap<ScenarioKey, BTreeMap<String, AfterRecord>>>,
}

/// What a run is bound to.
#[derive(Debug, Clone)]
pub enum Binding {
    Device(Arc<DeviceContext>),
    Fleet(Vec<Arc<DeviceContext>>),
}

/// Where a run writes its evidence, and a counter for file names.
#[derive(Debug)]
pub struct EvidenceDir {
    pub run_dir: PathBuf,
    /// Numbered per device, so a device's files are named the same whether it ran alone
    /// (a shard) or with others.
    counters: Mutex<HashMap<String, usize>>,
}

impl EvidenceDir {
    pub fn new(run_dir: &Path) -> Self {
        EvidenceDir {
            run_dir: run_dir.to_owned(),
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Writes one evidence file under `evidence/<device>/`, returning its run-relative path.
    fn write(&self, device: &str, scenario: &str, text: &str) -> Option<String> {
        let n = {
            let mut counters = self.counters.lock().ok()?;
            let counter = counters.entry(device.to_owned()).or_insert(0);
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
        let relative = format!("evidence/{device_dir}/{n:03}-{slug}.txt");
        let path = self.run_dir.join(&relative);
        std::fs::create_dir_all(path.parent()?).ok()?;
        std::fs::write(&path, text).ok()?;
        Some(relative)
    }
}

fn key_of(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> ScenarioKey {
    let file = feature
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    (file, scenario.position.line)
}

fn merged_tags(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Vec<String> {
    feature
        .tags
        .iter()
        .chain(rule.map(|r| r.tags.as_slice()).unwrap_or_default())
        .chain(&scenario.tags)
        .map(|t| t.trim_start_matches('@').to_owned())
        .collect()
}

/// The writer: one [`ScenarioRecord`] per finished scenario.
#[derive(Debug)]
struct VerdictWriter {
    sink: Arc<Sink>,
    /// Who the run is against, for the progress lines.
    label: String,
    running: HashMap<ScenarioKey, (Instant, Vec<StepRecord>, Option<Finding>)>,
}

impl VerdictWriter {
    fn step_event(
        &mut self,
        key: &ScenarioKey,
        step: &gherkin::Step,
        event: &event::Step<RunWorld>,
    ) {
        let Some((_, steps, finding)) = self.running.get_mut(key) else {
            return;
        };
        let outcome = match event {
            event::Step::Started => return,
            event::Step::Passed(..) => "passed",
            event::Step::Skipped => "not matched",
            event::Step::Failed(_, _, _, error) => {
                if finding.is_none() {
                    *finding = Some(finding_of(error));
                }
                "failed"
            }
        };
        steps.push(StepRecord {
            keyword: step.keyword.trim().to_owned(),
            text: step.value.clone(),
            outcome: outcome.to_owned(),
        });
    }

    fn scenario_event(
        &mut self,
        key: ScenarioKey,
        scenario: &gherkin::Scenario,
        event: &event::Scenario<RunWorld>,
    ) {
        match event {
            event::Scenario::Started => {
                self.running.insert(key, (Instant::now(), Vec::new(), None));
            }
            event::Scenario::Hook(_, event::Hook::Failed(_, info)) => {
                if let Some((_, _, finding)) = self.running.get_mut(&key) {
                    finding.get_or_insert_with(|| {
                        Finding::error(format!("harness bug: a hook failed: {}", panic_text(info)))
                    });
                }
            }
            event::Scenario::Background(step, event) | event::Scenario::Step(step, event) => {
                self.step_event(&key, step, event);
            }
            event::Scenario::Finished => {
                let Some((started, mut steps, finding)) = self.running.remove(&key) else {
                    return;
                };
                let ran = steps.len();
                for step in scenario.steps.iter().skip(ran) {
                    steps.push(StepRecord {
                        keyword: step.keyword.trim().to_owned(),
                        text: step.value.clone(),
                        outcome: "not run".to_owned(),
                    });
                }
                let (verdict, message) = match finding {
                    None => (Verdict::Pass, String::new()),
                    Some(Finding::Fail(m)) => (Verdict::Fail, m),
                    Some(Finding::Skip(m)) => (Verdict::Skipped, m),
                    Some(Finding::Error(m)) => (Verdict::Error, m),
                };
                if let Some(progress) = &self.sink.progress {
                    progress.scenario_done(&self.label, verdict, &scenario.name);
                }
                let record = ScenarioRecord {
                    verdict,
                    message,
                    steps,
                    duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                };
                if let Ok(mut records) = self.sink.records.lock() {
                    records.insert(key, record);
                }
            }
            _ => {}
        }
    }
}

fn panic_text(info: &event::Info) -> String {
    if let Some(text) = info.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = info.downcast_ref::<&str>() {
        (*text).to_owned()
    } else {
        "(no message)".to_owned()
    }
}

fn finding_of(error: &event::StepError) -> Finding {
    match error {
        event::StepError::Panic(info) => Finding::from_panic_text(&panic_text(info)),
        event::StepError::NotFound => {
            Finding::error("harness bug: a step matches no step definition")
        }
        event::StepError::AmbiguousMatch(e) => Finding::error(format!(
            "harness bug: a step matches several definitions: {e}"
        )),
    }
}

impl cucumber::Writer<RunWorld> for VerdictWriter {
    type Cli = cucumber::cli::Empty;

    async fn handle_event(
        &mut self,
        event: parser::Result<Event<event::Cucumber<RunWorld>>>,
        _cli: &Self::Cli,
    ) {
        let Ok(event) = event else { return };
        if let event::Cucumber::Feature(feature, event) = event.value {
            match event {
                event::Feature::Scenario(scenario, retryable) => {
                    let key = key_of(&feature, &scenario);
                    self.scenario_event(key, &scenario, &retryable.event);
                }
                event::Feature::Rule(_, event::Rule::Scenario(scenario, retryable)) => {
                    let key = key_of(&feature, &scenario);
                    self.scenario_event(key, &scenario, &retryable.event);
                }
                _ => {}
            }
        }
    }
}

/// Runs the selected scenarios on this thread's runtime.
pub async fn run(
    features_dir: PathBuf,
    binding: Binding,
    selected: HashSet<ScenarioKey>,
    sink: Arc<Sink>,
    evidence: Arc<EvidenceDir>,
) {
    let label = match &binding {
        Binding::Device(device) => device.name.clone(),
        Binding::Fleet(_) => "(across devices)".to_owned(),
    };
    let writer = VerdictWriter {
        sink: Arc::clone(&sink),
        label,
        running: HashMap::new(),
    };
    let before_binding = binding.clone();
    let after_sink = Arc::clone(&sink);
    let nonce_counter = Arc::new(AtomicUsize::new(0));
    let cucumber = RunWorld::cucumber()
        .with_writer(writer.normalized())
        .fail_on_skipped()
        .max_concurrent_scenarios(1)
        .before(move |feature, rule, scenario, world| {
            let binding = before_binding.clone();
            let tags = merged_tags(feature, rule, scenario);
            let n = nonce_counter.fetch_add(1, Ordering::Relaxed);
            async move {
                world.nonce = format!(
                    "{:x}{n:02}",
                    std::process::id() as u64 * 1000 + now_millis() % 1000
                );
                match binding {
                    Binding::Device(device) => world.device = Some(device),
                    Binding::Fleet(devices) => {
                        let needs: Vec<&str> =
                            tags.iter().filter_map(|t| t.strip_prefix("cap:")).collect();
                        world.fleet = devices
                            .into_iter()
                            .filter(|d| needs.iter().all(|n| d.claims(n)))
                            .collect();
                    }
                }
            }
            .boxed_local()
        })
        .after(move |feature, _rule, scenario, _finished, world| {
            let sink = Arc::clone(&after_sink);
            let evidence = Arc::clone(&evidence);
            let key = key_of(feature, scenario);
            let name = scenario.name.clone();
            async move {
                if let Some(world) = world {
                    let records = tidy_up(world, &name, &evidence).await;
                    if let Ok(mut after) = sink.after.lock() {
                        after.insert(key, records);
                    }
                }
            }
            .boxed_local()
        })
        .with_default_cli();
    cucumber
        .filter_run(features_dir, move |feature, _rule, scenario| {
            selected.contains(&key_of(feature, scenario))
        })
        .await;
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Closes every session of the scenario (politely, briefly), then on a fresh session cancels a
/// pending confirmed commit, discards the candidate and puts the sandbox back. Returns, per
/// device, the evidence written and anything that could not be undone.
async fn tidy_up(
    world: &mut RunWorld,
    scenario: &str,
    evidence: &EvidenceDir,
) -> BTreeMap<String, AfterRecord> {
    let mut out = BTreeMap::new();
    let mut transcripts: BTreeMap<String, String> = BTreeMap::new();
    let sessions: Vec<(String, Session)> = std::mem::take(&mut world.sessions)
        .into_iter()
        .chain(std::mem::take(&mut world.ended_sessions))
        .collect();
    let single = world.device.clone();
    let mut schema_findings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Closes a session and keeps what it leaves: its transcript and the replies in it that
    // do not validate against the device's schema.
    let mut keep = async |device: &DeviceContext, label: String, session: Session| {
        close_briefly(&session).await;
        schema_findings
            .entry(device.id.clone())
            .or_default()
            .extend(super::replies::check_session(device, &session));
        transcripts
            .entry(device.id.clone())
            .or_default()
            .push_str(&format!(
                "=== {label} (session-id {})\n{}\n",
                session.session_id(),
                session.transcript().to_text()
            ));
    };
    for (name, session) in sessions {
        match &single {
            Some(device) => keep(device, format!("session {name:?}"), session).await,
            None => close_briefly(&session).await,
        }
    }
    let fleet = std::mem::take(&mut world.fleet);
    for (device, session) in fleet.iter().zip(std::mem::take(&mut world.fleet_sessions)) {
        keep(device, format!("session on {}", device.name), session).await;
    }
    let devices: Vec<Arc<DeviceContext>> =
        single.into_iter().chain(fleet.iter().cloned()).collect();
    let members: Vec<String> = fleet.iter().map(|d| d.id.clone()).collect();
    for device in devices {
        let mut record = AfterRecord {
            schema_findings: schema_findings.remove(&device.id).unwrap_or_default(),
            measurements: world.measurements.clone(),
            members: members.clone(),
            ..AfterRecord::default()
        };
        let mut text = transcripts.remove(&device.id).unwrap_or_default();
        if !world.notes.is_empty() {
            text.push_str(&format!("=== notes\n{}\n", world.notes.join("\n")));
        }
        match restore_sandbox(&device, world).await {
            Ok(cleanup) => {
                text.push_str(&format!(
                    "=== cleanup\n{}\n",
                    cleanup.transcript().to_text()
                ));
                close_briefly(&cleanup).await;
            }
            Err(problem) => record.cleanup_problems.push(problem),
        }
        if let Some(path) = evidence.write(&device.name, scenario, &text) {
            record.evidence.push(path);
        }
        out.insert(device.id.clone(), record);
    }
    out
}

async fn close_briefly(session: &Session) {
    if session.ended().is_none() {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            session.rpc(&rfc3535_client::wire::Operation::CloseSession),
        )
        .await;
    }
    session.shutdown().await;
}

/// Puts the device's sandbox back as the run found it.
async fn restore_sandbox(device: &DeviceContext, world: &RunWorld) -> Result<Session, String> {
    if device.sandbox_usable.is_err() {
        return open_session(&device.connect)
            .await
            .map_err(|e| e.to_string());
    }
    let session = open_session(&device.connect)
        .await
        .map_err(|e| format!("cleanup could not connect: {e}"))?;
    let mut problems = Vec::new();
    if world.confirmed_pending {
        let reply = session.cancel_commit(world.persist_token.clone()).await;
        if let Ok(reply) = reply {
            // Refused means nothing was pending any more: fine.
            let _ = reply;
        }
    }
    let target = device.edit_target();
    if target == Datastore::Candidate {
        let _ = session.discard_changes().await;
    }
    let original = device.original_text.clone();
    let current = read_sandbox_text(&session, device, target.clone())
        .await
        .map_err(|e| format!("cleanup could not read the sandbox: {e}"))?;
    // `delete` of what is present rather than `remove`: remove is base:1.1 only.
    let delete = EditAttributes::operation(EditOperation::Delete).render();
    let text = &device.sandbox.text;
    let mut edits = Vec::new();
    match (&original, &current) {
        (Some(value), current) if current.as_ref() != Some(value) => {
            edits.push(text.wrap_leaf("", Some(value)));
        }
        (None, Some(_)) => edits.push(text.wrap_leaf(&delete, None)),
        _ => {}
    }
    if let (Some(list), false) = (&device.sandbox.list, world.list_entries.is_empty()) {
        let reply = session
            .get_config(target.clone(), Some(list.filter()))
            .await
            .map_err(|e| format!("cleanup could not read the sandbox list: {e}"))?;
        let data = crate::steps::world::reply_data(&reply, "get-config of the sandbox list")
            .map_err(|e| format!("cleanup: {e}"))?;
        let present = list.values_in(&data);
        for entry in world.list_entries.iter().filter(|e| present.contains(e)) {
            edits.push(list.wrap_leaf(&delete, Some(entry)));
        }
    }
    let changed = !edits.is_empty();
    for edit in edits {
        match session
            .edit_config(EditConfig::new(target.clone(), edit))
            .await
        {
            Ok(reply) if reply.is_success() => {}
            Ok(reply) => problems.push(format!(
                "restoring the sandbox was refused: {}",
                crate::steps::world::describe_errors(&reply)
            )),
            Err(e) => problems.push(format!("restoring the sandbox failed: {e}")),
        }
    }
    if changed && target == Datastore::Candidate {
        match session.commit(Default::default()).await {
            Ok(reply) if reply.is_success() => {}
            Ok(reply) => problems.push(format!(
                "committing the restored sandbox was refused: {}",
                crate::steps::world::describe_errors(&reply)
            )),
            Err(e) => problems.push(format!("committing the restored sandbox failed: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(session)
    } else {
        close_briefly(&session).await;
        Err(problems.join("; "))
    }
}
