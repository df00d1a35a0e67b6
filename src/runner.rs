//! The cucumber side of a run: the engine's [`ScenarioRunner`], which runs the catalogue
//! against one device, or against a fleet for `@multi` scenarios, and turns cucumber's events
//! into one record per scenario.
//!
//! Cucumber's futures are not `Send`, so each run gets its own thread with a current-thread
//! tokio runtime; devices run concurrently on separate threads, scenarios of one device run
//! one at a time (they share the device's configuration).
//!
//! The before hook binds the device (or fleet) to the World; the after hook, which cucumber
//! runs even after a failed step, closes the scenario's sessions, cancels what it left pending,
//! puts the sandbox back, and writes the transcripts as evidence.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cucumber::{event, gherkin, parser, Event, World as _, WriterExt as _};
use futures::FutureExt as _;
use rfc3535_harness::catalogue::ScenarioKey;
use rfc3535_harness::engine::{RunJob, ScenarioRunner};
use rfc3535_harness::records::{AfterRecord, Binding, EvidenceDir, ScenarioRecord, Sink};
use rfc3535_harness::session::{DeviceSession, ManagementSession as _};
use rfc3535_harness::{Capability, DeviceContext, Finding};
use rfc3535_score::results::StepRecord;
use rfc3535_score::Verdict;

use crate::steps::world::RunWorld;

/// The name of the threads that run scenarios.
const RUNNER_THREAD: &str = "rfc3535-runner";

/// A panic hook, as `std::panic::take_hook` returns it.
type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Installs the process's panic hook: silent on runner threads, where cucumber catches every
/// step's panic and reports it as an event the verdict writer records (a step's `Err` is a
/// panic to cucumber), and the standard report everywhere else.
///
/// Cucumber swaps the global hook for a silent one while a run lasts and puts back what it
/// took when the run ends; runs of several devices overlap, so the hook it puts back can be
/// another run's silent one, and the step failures of a run still going would print as
/// "thread panicked" lines. Installing this hook before each run and after the last one
/// makes every interleaving end in the same place.
pub fn install_panic_hook() {
    static DEFAULT: std::sync::OnceLock<PanicHook> = std::sync::OnceLock::new();
    let default = DEFAULT.get_or_init(std::panic::take_hook);
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(RUNNER_THREAD) {
            default(info);
        }
    }));
}

/// Runs each job on a thread of its own with a current-thread runtime.
#[derive(Debug, Default)]
pub struct CucumberRunner;

impl ScenarioRunner for CucumberRunner {
    fn spawn(&self, job: RunJob) -> std::io::Result<std::thread::JoinHandle<()>> {
        install_panic_hook();
        std::thread::Builder::new()
            .name(RUNNER_THREAD.to_owned())
            .spawn(move || {
                let RunJob {
                    features_dir,
                    binding,
                    selected,
                    sink,
                    evidence,
                    mut stop,
                } = job;
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        sink.fail_all(
                            selected,
                            &format!("harness: a runner's async runtime could not start: {error}"),
                        );
                        return;
                    }
                };
                runtime.block_on(async move {
                    // This thread times the device's replies: its own lateness is recorded.
                    let _watched = rfc3535_harness::lag::watch_this_thread();
                    tokio::select! {
                        () = run(features_dir, binding, selected, sink, evidence) => {}
                        _ = stop.wait_for(|stopped| *stopped) => {}
                    }
                });
            })
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
                let (verdict, message, violation) = match &finding {
                    None => (Verdict::Pass, String::new(), false),
                    Some(finding) => (
                        finding.verdict(),
                        finding.message().to_owned(),
                        matches!(finding, Finding::Violation(_)),
                    ),
                };
                if let Some(observer) = &self.sink.observer {
                    observer.scenario_done(&self.label, verdict, &scenario.name);
                }
                let record = ScenarioRecord {
                    verdict,
                    message,
                    violation,
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
async fn run(
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
                        let needs: Vec<Capability> = tags
                            .iter()
                            .filter_map(|t| t.strip_prefix("cap:")?.parse().ok())
                            .collect();
                        world.fleet = devices
                            .into_iter()
                            .filter(|d| needs.iter().all(|n| d.claims(*n)))
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
                    let records = tidy_up(world, &name, &evidence, &sink).await;
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

/// Closes every session of the scenario (politely, briefly), then on a fresh session puts
/// the sandbox back. Returns, per device, the evidence written and anything that could not
/// be undone or recorded.
async fn tidy_up(
    world: &mut RunWorld,
    scenario: &str,
    evidence: &EvidenceDir,
    sink: &Sink,
) -> BTreeMap<String, AfterRecord> {
    let mut out = BTreeMap::new();
    let mut transcripts: BTreeMap<String, String> = BTreeMap::new();
    let sessions: Vec<(String, DeviceSession)> = std::mem::take(&mut world.sessions)
        .into_iter()
        .chain(std::mem::take(&mut world.ended_sessions))
        .collect();
    let single = world.device.clone();
    let mut schema_findings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unchecked: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Closes a session and keeps what it leaves: its transcript and the replies in it that
    // do not validate against the device's schema.
    let mut violations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut keep = async |device: &DeviceContext, label: String, session: DeviceSession| {
        session.end().await;
        violations.entry(device.id.clone()).or_default().extend(
            session
                .protocol_violations()
                .into_iter()
                .map(|v| format!("{label}: {v}")),
        );
        let checks = rfc3535_harness::replies::check_session(device, &session);
        schema_findings
            .entry(device.id.clone())
            .or_default()
            .extend(checks.findings);
        unchecked
            .entry(device.id.clone())
            .or_default()
            .extend(checks.unchecked);
        transcripts
            .entry(device.id.clone())
            .or_default()
            .push_str(&format!(
                "=== {label} ({})\n{}\n",
                session.label(),
                session.transcript_text()
            ));
    };
    for (name, session) in sessions {
        match &single {
            Some(device) => keep(device, format!("session {name:?}"), session).await,
            None => session.end().await,
        }
    }
    let fleet = std::mem::take(&mut world.fleet);
    for (device, session) in fleet.iter().zip(std::mem::take(&mut world.fleet_sessions)) {
        keep(device, format!("session on {}", device.name), session).await;
    }
    // Fleet members left out because they could not be written: their own verdict, nothing
    // to clean up (nothing was written to them).
    for (device, finding) in std::mem::take(&mut world.fleet_excluded) {
        let record = AfterRecord {
            excluded: Some((finding.verdict(), finding.message().to_owned())),
            members: fleet.iter().map(|d| d.id.clone()).collect(),
            ..AfterRecord::default()
        };
        out.insert(device.id.clone(), record);
    }
    let devices: Vec<Arc<DeviceContext>> =
        single.into_iter().chain(fleet.iter().cloned()).collect();
    let members: Vec<String> = fleet.iter().map(|d| d.id.clone()).collect();
    let culprits = world.blamed();
    let leftovers = world.leftovers();
    for device in devices {
        let mut record = AfterRecord {
            schema_findings: schema_findings.remove(&device.id).unwrap_or_default(),
            unchecked_replies: unchecked.remove(&device.id).unwrap_or_default(),
            protocol_violations: violations.remove(&device.id).unwrap_or_default(),
            measurements: world.measurements.clone(),
            members: members.clone(),
            blamed: (!fleet.is_empty() && !culprits.is_empty())
                .then(|| culprits.contains(&device.name)),
            ..AfterRecord::default()
        };
        let mut text = transcripts.remove(&device.id).unwrap_or_default();
        if !world.notes.is_empty() {
            text.push_str(&format!("=== notes\n{}\n", world.notes.join("\n")));
        }
        match DeviceSession::open(&device.connect, &device).await {
            Ok(cleanup) => {
                match rfc3535_harness::safety::restore_sandbox(&cleanup, &device, &leftovers).await
                {
                    Ok(()) => {
                        text.push_str(&format!("=== cleanup\n{}\n", cleanup.transcript_text()))
                    }
                    Err(problem) => record.cleanup_problems.push(problem.to_string()),
                }
                cleanup.end().await;
            }
            Err(finding) => record
                .cleanup_problems
                .push(format!("cleanup could not connect: {finding}")),
        }
        let written = evidence
            .write(&device.name, scenario, !members.is_empty(), &text)
            .map(|written| {
                record.evidence_summarised = written.summarised;
                record.evidence.push(written.path);
            });
        // The large messages the device repeats, once: the transcripts refer to them.
        let shared = device
            .shared_messages
            .take_new()
            .into_iter()
            .map(|(name, text)| {
                evidence
                    .write_shared(&device.name, &name, &text)
                    .map(|path| record.evidence.push(path))
            });
        for error in std::iter::once(written)
            .chain(shared)
            .filter_map(Result::err)
        {
            if let Some(observer) = &sink.observer {
                observer.warning(&error.to_string());
            }
            record.cleanup_problems.push(error.to_string());
        }
        out.insert(device.id.clone(), record);
    }
    out
}
