//! The cucumber side of a run: the engine's [`ScenarioRunner`], which runs the catalogue
//! against one device, or against a fleet for `@multi` scenarios, and turns cucumber's events
//! into one record per scenario.
//!
//! Cucumber's futures are not `Send`, so runs are local tasks on a few runner threads, each
//! with a current-thread tokio runtime ([`CucumberRunner`]); devices run concurrently,
//! scenarios of one device run one at a time (they share the device's configuration).
//!
//! The before hook binds the device (or fleet) to the World; the after hook, which cucumber
//! runs even after a failed step, closes the scenario's sessions, cancels what it left pending,
//! puts the sandbox back, and writes the transcripts as evidence.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cucumber::{event, gherkin, parser, Event, WriterExt as _};
use futures::FutureExt as _;
use rfc3535_harness::catalogue::ScenarioKey;
use rfc3535_harness::engine::{JobEnd, RunJob, ScenarioRunner};
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

/// Runs jobs on a few threads, each a current-thread runtime on which many jobs run as
/// local tasks.
///
/// A thread per job was the first design; with a thousand devices it meant a thousand
/// threads, each woken for every reply of its own device, and the switching between them
/// took a third of the run's CPU. A job is mostly waiting on its device, so a few threads
/// serve many: a new job goes to the thread with the fewest running. Each thread's runtime
/// is watched for lateness (`rfc3535_harness::lag`): what one job does late, the others on
/// its thread see, and their timing verdicts account for it.
#[derive(Debug)]
pub struct CucumberRunner {
    threads: usize,
    workers: std::sync::Mutex<Vec<Worker>>,
}

/// One of the runner's threads: where to send it jobs, and how many it is running.
#[derive(Debug)]
struct Worker {
    jobs: tokio::sync::mpsc::UnboundedSender<Assignment>,
    running: Arc<AtomicUsize>,
}

/// A job handed to a runner thread.
struct Assignment {
    job: RunJob,
    /// Told when the job ends; dropped unanswered if it ends abnormally.
    end: tokio::sync::oneshot::Sender<()>,
    /// Counts the job as its thread's until the job, or the assignment, is dropped.
    _running: Running,
}

/// Counts a job as running on its thread for as long as it is held.
#[derive(Debug)]
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl CucumberRunner {
    /// A runner for jobs of which at most `concurrency` run at once: as many threads as
    /// that, up to [`THREADS_PER_CORE`] a core.
    pub fn new(concurrency: usize) -> CucumberRunner {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        CucumberRunner {
            threads: concurrency.clamp(1, cores * THREADS_PER_CORE),
            workers: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Starts one runner thread.
    fn start_worker() -> std::io::Result<Worker> {
        let (jobs, mut queue) = tokio::sync::mpsc::unbounded_channel::<Assignment>();
        let running = Arc::new(AtomicUsize::new(0));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name(RUNNER_THREAD.to_owned())
            .spawn(move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&runtime, async move {
                    // This thread times its devices' replies: its own lateness is recorded.
                    let _watched = rfc3535_harness::lag::watch_this_thread();
                    while let Some(assignment) = queue.recv().await {
                        tokio::task::spawn_local(async move {
                            let Assignment { job, end, _running } = assignment;
                            let RunJob {
                                features_dir,
                                binding,
                                selected,
                                sink,
                                evidence,
                                mut stop,
                            } = job;
                            tokio::select! {
                                () = run(features_dir, binding, selected, sink, evidence) => {}
                                _ = stop.wait_for(|stopped| *stopped) => {}
                            }
                            let _ = end.send(());
                        });
                    }
                });
            })?;
        Ok(Worker { jobs, running })
    }
}

/// How many runner threads a core gets at most: enough that one job's long step (a large
/// reply parsed and validated) holds up few others, few enough that switching between them
/// costs little.
const THREADS_PER_CORE: usize = 4;

impl ScenarioRunner for CucumberRunner {
    fn spawn(&self, job: RunJob) -> std::io::Result<JobEnd> {
        install_panic_hook();
        let mut workers = self
            .workers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A thread whose jobs channel closed has ended; it takes no more.
        workers.retain(|w| !w.jobs.is_closed());
        let idle = workers
            .iter()
            .position(|w| w.running.load(Ordering::Relaxed) == 0);
        let chosen = match idle {
            Some(index) => index,
            None if workers.len() < self.threads => {
                workers.push(Self::start_worker()?);
                workers.len() - 1
            }
            None => workers
                .iter()
                .enumerate()
                .min_by_key(|(_, w)| w.running.load(Ordering::Relaxed))
                .map_or(0, |(index, _)| index),
        };
        let worker = &workers[chosen];
        let (end, ended) = tokio::sync::oneshot::channel();
        worker.running.fetch_add(1, Ordering::Relaxed);
        let assignment = Assignment {
            job,
            end,
            _running: Running(Arc::clone(&worker.running)),
        };
        worker
            .jobs
            .send(assignment)
            .map_err(|_| std::io::Error::other("a runner thread has ended"))?;
        Ok(ended)
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
    let cucumber = cucumber::Cucumber::new()
        .steps(crate::step_table::collection())
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
