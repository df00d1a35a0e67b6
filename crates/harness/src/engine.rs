//! The run engine: the whole catalogue against every target.
//!
//! Phases: (1) per device, concurrently: connect, discover what it claims, fetch its schema,
//! save its configuration; (2) per device, concurrently (bounded): the applicable
//! single-device scenarios, one at a time; (3) the `@multi` scenarios over the devices that
//! claim what each needs; (4) per device: restore and verify the configuration. Ctrl-C skips
//! to (4) and the output says the run was interrupted.
//!
//! The engine does not know cucumber. Scenarios are run by a [`ScenarioRunner`] (the binary's
//! cucumber runner), and what happens is told to a [`RunObserver`] (the binary's progress
//! line); the verdicts come back through each runner's [`Sink`].

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::access::Access;
use rfc3535_client::wire::Datastore;
use rfc3535_score::{Safety, Verdict};
use tokio::sync::watch;

use crate::capability::Capability;
use crate::catalogue::{Catalogue, CatalogueError, ScenarioKey};
use crate::device::{DeviceContext, SandboxUnusable};
use crate::discovery;
use crate::finding::Finding;
use crate::netconf::open_session;
use crate::records::{Binding, EvidenceDir, Prepared, RunOutput, Sink};
use crate::safety;
use crate::schema;
use crate::session::{read_sandbox_text, DeviceSession, ManagementSession};
use crate::target::Target;

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub targets: Vec<Target>,
    pub tags: Option<String>,
    /// Name fragments: a scenario whose name contains any of them is selected (all when
    /// empty).
    pub names: Vec<String>,
    pub out: PathBuf,
    pub concurrency: usize,
    /// Which of the selected scenarios this run makes (a part of a sharded run).
    pub part: RunPart,
    /// The most evidence the run writes in full, in bytes (then transcripts are summarised).
    pub evidence_budget: u64,
    /// The Kafka-protocol broker (`host:port`) telemetry scenarios publish to, if any.
    pub broker: Option<String>,
}

/// Which scenarios a run makes of those selected. A sharded run is device parts, each over
/// its own devices without `@multi` scenarios, and one fleet part over every device with
/// only them, so that merging the parts gives what one run over all devices gives. Every
/// part selects the same scenarios and judges the same requirements; a scenario a part
/// leaves to another has no result in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunPart {
    /// Every selected scenario.
    #[default]
    Whole,
    /// The single-device scenarios only.
    Devices,
    /// The `@multi` scenarios only.
    Fleet,
}

impl RunPart {
    /// Whether this part makes the scenario.
    pub fn makes(self, multi: bool) -> bool {
        match self {
            RunPart::Whole => true,
            RunPart::Devices => !multi,
            RunPart::Fleet => multi,
        }
    }
}

/// A run that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The selection is wrong (a usage problem).
    #[error(transparent)]
    Selection(#[from] CatalogueError),
    #[error("cannot create the run directory {path}: {error}")]
    RunDirectory {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// One runner's work: these scenarios against this binding, verdicts into the sink.
#[derive(Debug)]
pub struct RunJob {
    pub features_dir: PathBuf,
    pub binding: Binding,
    pub selected: HashSet<ScenarioKey>,
    pub sink: Arc<Sink>,
    pub evidence: Arc<EvidenceDir>,
    /// Turns true on Ctrl-C: the runner stops as soon as it can.
    pub stop: watch::Receiver<bool>,
}

/// Runs scenarios. Cucumber's futures are not `Send`, so a runner runs each job on a thread
/// of its own choosing (the binary's: a few threads, each running many jobs).
pub trait ScenarioRunner: Send + Sync {
    /// Starts the job; what it returns is told `()` when the job ends, and is dropped
    /// unanswered when the job ended abnormally (a panic outside the steps).
    fn spawn(&self, job: RunJob) -> std::io::Result<JobEnd>;
}

/// Told when a runner's job ends; see [`ScenarioRunner::spawn`].
pub type JobEnd = tokio::sync::oneshot::Receiver<()>;

/// Told what the run is doing, for progress on screen. Every method has a silent default.
pub trait RunObserver: Send + Sync + std::fmt::Debug {
    /// The run starts: this many scenarios selected, this many devices.
    fn started(&self, _scenarios: usize, _devices: usize) {}
    /// A device is prepared (or found unreachable).
    fn prepared(&self, _device: &Prepared) {}
    /// The scenarios are about to run: this many (device, scenario) runs over this many devices.
    fn planned(&self, _runs: usize, _devices: usize) {}
    /// A scenario reached its verdict on a device (or on the fleet).
    fn scenario_done(&self, _device: &str, _verdict: Verdict, _scenario: &str) {}
    /// A device finished its single-device scenarios.
    fn device_done(&self) {}
    /// Every scenario has run; devices are being restored.
    fn restoring(&self) {}
    /// Ctrl-C: scenarios stop, devices are restored, what was collected is written.
    fn interrupted(&self) {}
    /// Something went wrong in the harness that the results will show; say it now too.
    fn warning(&self, _text: &str) {}
}

/// An observer that shows nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl RunObserver for Silent {}

/// Where a run keeps what it makes, and what it offers every device's scenarios.
#[derive(Debug, Clone)]
struct Bed {
    run_dir: PathBuf,
    broker: Option<String>,
}

async fn prepare(target: Target, bed: Bed) -> Prepared {
    match target.connect.clone() {
        Access::Netconf(options) => prepare_netconf(target, &options, bed).await,
        Access::Restconf(options) => prepare_restconf(target, &options, bed).await,
    }
}

/// A session that could not be opened: the test bed's or the harness's doing leaves the
/// device untested; the device's own (no hello, an invalid one, a refused subsystem, a
/// broken TLS or HTTP exchange) fails it.
fn not_opened(prepared: &mut Prepared, finding: Finding) {
    match finding {
        Finding::Error(why) => {
            prepared.unreachable = Some(format!("cannot open a session: {why}"));
        }
        finding => {
            prepared.broken = Some(format!("cannot open a session: {}", finding.message()));
        }
    }
}

async fn prepare_netconf(
    target: Target,
    options: &rfc3535_client::ConnectOptions,
    bed: Bed,
) -> Prepared {
    let mut prepared = Prepared::new(target);
    let session = match open_session(options).await {
        Ok(session) => session,
        Err(finding) => {
            not_opened(&mut prepared, finding);
            return prepared;
        }
    };
    prepared.claims = discovery::discover(&session).await;
    prepared.framing = Some(session.framing().version().to_owned());
    prepared.fingerprint = session.host_key_fingerprint().map(str::to_owned);
    prepared.advertised = session
        .capabilities()
        .iter()
        .map(|uri| crate::capability::kept_uri(uri))
        .collect();
    let serves_schemas = prepared.claims.claims(Capability::Monitoring);
    let context = describe(&mut prepared, &session, serves_schemas, &bed).await;
    session.shutdown().await;
    prepared.context = Some(Arc::new(context));
    prepared
}

async fn prepare_restconf(
    target: Target,
    options: &rfc3535_client::restconf::RestconfOptions,
    bed: Bed,
) -> Prepared {
    let mut prepared = Prepared::new(target);
    let mut session = match crate::restconf::open_session(options, Default::default()).await {
        Ok(session) => session,
        Err(finding) => {
            not_opened(&mut prepared, finding);
            return prepared;
        }
    };
    prepared.claims = discovery::discover_restconf(&mut session).await;
    prepared.advertised = prepared.claims.restconf_capabilities.clone();
    prepared.fingerprint = session
        .client()
        .certificate_fingerprint()
        .map(str::to_owned);
    // The RESTCONF schema resource (RFC 8040 §3.7) serves every module the library lists.
    let context = describe(&mut prepared, &session, true, &bed).await;
    session.end().await;
    prepared.context = Some(Arc::new(context));
    prepared
}

/// The device context of a connected device: sandbox checks, schema (with a snapshot of it
/// in the run directory), the sandbox's value, and the saved configuration.
async fn describe(
    prepared: &mut Prepared,
    session: &(impl ManagementSession + schema::ModuleServer),
    serves_schemas: bool,
    bed: &Bed,
) -> DeviceContext {
    let run_dir = bed.run_dir.as_path();
    let sandbox = prepared.target.sandbox.clone();
    let sandbox_usable = if !prepared.claims.claims(Capability::ConfigEdit) {
        Err(SandboxUnusable::NotWritable)
    } else if !prepared
        .claims
        .implements_namespace(&sandbox.text.namespace)
    {
        Err(SandboxUnusable::ModuleNotImplemented(
            sandbox.text.namespace.clone(),
        ))
    } else {
        Ok(())
    };
    let shared_messages =
        std::sync::Arc::new(rfc3535_client::transcript::SharedMessages::default());
    let mut connect = prepared.target.connect.clone();
    connect.share_messages(&shared_messages);
    let mut read_only = prepared.target.read_only.clone();
    if let Some(access) = &mut read_only {
        access.share_messages(&shared_messages);
    }
    let mut context = DeviceContext {
        id: prepared.id(),
        name: prepared.target.name.clone(),
        protocol: prepared.target.protocol,
        connect,
        read_only,
        claims: prepared.claims.clone(),
        sandbox,
        sandbox_usable,
        original_text: None,
        schema: None,
        schema_dir: None,
        served_modules: Default::default(),
        shape: Default::default(),
        shared_messages,
        udp_notif: prepared.target.udp_notif.clone(),
        schema_change: prepared.target.schema_change.clone(),
        broker: bed.broker.clone(),
    };
    // A device that serves no modules (a NETCONF device without ietf-netconf-monitoring):
    // its replies are checked only when local copies of all its modules are at hand.
    let cache = schema::default_cache();
    let fresh = std::env::temp_dir().join(format!(
        "rfc3535-schema-{}-{}",
        std::process::id(),
        prepared.target.name
    ));
    let acquired = schema::acquire_from(session, Some(&cache), &fresh, serves_schemas).await;
    if serves_schemas || (acquired.not_found.is_empty() && !acquired.files.is_empty()) {
        let dir = schema::directory_of(&acquired, Some(&cache), &fresh);
        // The run directory keeps the device's schema as served, for re-checking offline.
        let relative = format!("schema/{}", prepared.id().replace(['/', '\\'], "_"));
        let written = schema::snapshot(&acquired, &dir, &run_dir.join(&relative)).and_then(|()| {
            match &prepared.claims.library_xml {
                Some(xml) => {
                    std::fs::write(run_dir.join(&relative).join(schema::LIBRARY_FILE), xml)
                }
                None => Ok(()),
            }
        });
        match written {
            Ok(()) => prepared.schema_snapshot = Some(relative),
            Err(error) => {
                prepared.snapshot_problem = Some(format!(
                    "the schema snapshot could not be written into the run directory: {error}"
                ))
            }
        }
        context.schema_dir = Some(dir);
        context.schema = Some(acquired);
    }
    session.learn(&context);
    if context.sandbox_usable.is_ok() {
        match read_sandbox_text(session, &context, Datastore::Running).await {
            Ok(value) => context.original_text = value,
            Err(finding) => context.sandbox_usable = Err(SandboxUnusable::Unreadable(finding)),
        }
    }
    let (saved, problem) = safety::save(session, &context).await;
    match problem {
        // The device refused (or broke) a read of a datastore it claims: nothing is written,
        // the scenarios that write fail for it, and the others still run.
        Some(problem) if problem.device_caused() => {
            context.sandbox_usable = Err(SandboxUnusable::NotSaved(problem.to_string()));
        }
        Some(problem) => {
            prepared.unreachable = Some(format!(
                "the configuration could not be saved, so nothing was changed: {problem}"
            ));
        }
        None => {
            if let Some(why) = safety::writing_forbidden(&context, &saved) {
                context.sandbox_usable = Err(why);
            }
        }
    }
    prepared.saved = saved;
    context
}

/// Starts a job; a job that cannot start ends every scenario of it in `error`, saying so,
/// rather than leaving them unexplained.
fn start(runner: &dyn ScenarioRunner, job: RunJob) -> Option<JobEnd> {
    let sink = Arc::clone(&job.sink);
    let keys: Vec<ScenarioKey> = job.selected.iter().cloned().collect();
    match runner.spawn(job) {
        Ok(handle) => Some(handle),
        Err(error) => {
            sink.fail_all(
                keys,
                &format!("harness: a runner thread could not start: {error}"),
            );
            None
        }
    }
}

/// Waits for a job to end.
async fn join(end: Option<JobEnd>, observer: &dyn RunObserver) {
    let Some(end) = end else { return };
    if end.await.is_err() {
        observer.warning("harness: a runner's job ended abnormally; its scenarios show as errors");
    }
}

/// A task that ends when its owner goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the catalogue; see the module docs for the phases.
pub async fn execute(
    request: &RunRequest,
    catalogue: &Catalogue,
    runner: Arc<dyn ScenarioRunner>,
    observer: Arc<dyn RunObserver>,
) -> Result<RunOutput, EngineError> {
    let selected = catalogue.select(request.tags.as_deref(), &request.names)?;
    std::fs::create_dir_all(&request.out).map_err(|error| EngineError::RunDirectory {
        path: request.out.clone(),
        error,
    })?;
    let evidence = Arc::new(EvidenceDir::with_budget(
        &request.out,
        request.evidence_budget,
    ));
    let (stop_tx, stop_rx) = watch::channel(false);
    let interrupted = Arc::new(AtomicBool::new(false));
    // Ctrl-C stops this run only while it lasts: the watch ends with it (a command that goes
    // on after the run, serving its report, has Ctrl-C for itself).
    let _interrupt_watch = {
        let interrupted = Arc::clone(&interrupted);
        let observer = Arc::clone(&observer);
        AbortOnDrop(tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                observer.interrupted();
                interrupted.store(true, Ordering::SeqCst);
                let _ = stop_tx.send(true);
            }
        }))
    };

    observer.started(selected.len(), request.targets.len());
    let devices: Vec<Prepared> =
        futures::future::join_all(request.targets.iter().cloned().map(|target| {
            let bed = Bed {
                run_dir: request.out.clone(),
                broker: request.broker.clone(),
            };
            prepare(target, bed)
        }))
        .await;
    for device in &devices {
        observer.prepared(device);
    }

    // Phase 2: single-device scenarios, at most `concurrency` devices at a time.
    let mut single: BTreeMap<String, Arc<Sink>> = BTreeMap::new();
    let runnable: Vec<(Arc<DeviceContext>, HashSet<ScenarioKey>)> = devices
        .iter()
        .filter(|d| d.unreachable.is_none())
        .filter_map(|d| {
            let context = d.context.clone()?;
            let keys = selected
                .iter()
                .filter(|s| !s.multi && d.claims.not_applicable_because(&s.needs).is_none())
                .filter(|s| request.part.makes(s.multi))
                .map(|s| s.key())
                .collect();
            Some((context, keys))
        })
        .collect();
    let multi_count = selected
        .iter()
        .filter(|s| s.multi && request.part.makes(true))
        .count();
    observer.planned(
        runnable.iter().map(|(_, keys)| keys.len()).sum::<usize>()
            + if runnable.is_empty() { 0 } else { multi_count },
        runnable.len(),
    );
    let slots = Arc::new(tokio::sync::Semaphore::new(request.concurrency.max(1)));
    // A device's columns (NETCONF, RESTCONF) write the same datastores: they take turns.
    let mut turns: BTreeMap<String, Arc<tokio::sync::Mutex<()>>> = BTreeMap::new();
    let mut device_runs = Vec::new();
    for (context, keys) in &runnable {
        let turn = Arc::clone(turns.entry(context.name.clone()).or_default());
        let sink = Arc::new(Sink::with_observer(Arc::clone(&observer)));
        single.insert(context.id.clone(), Arc::clone(&sink));
        let job = RunJob {
            features_dir: catalogue.dir.clone(),
            binding: Binding::Device(Arc::clone(context)),
            selected: keys.clone(),
            sink,
            evidence: Arc::clone(&evidence),
            stop: stop_rx.clone(),
        };
        let (slots, interrupted) = (Arc::clone(&slots), Arc::clone(&interrupted));
        let (runner, observer) = (Arc::clone(&runner), Arc::clone(&observer));
        device_runs.push(async move {
            let _turn = turn.lock().await;
            let Ok(_slot) = slots.acquire_owned().await else {
                return;
            };
            if interrupted.load(Ordering::SeqCst) {
                return;
            }
            let handle = start(runner.as_ref(), job);
            join(handle, observer.as_ref()).await;
            observer.device_done();
        });
    }
    futures::future::join_all(device_runs).await;

    // Phase 3: @multi scenarios over every reachable device.
    let fleet = Arc::new(Sink::with_observer(Arc::clone(&observer)));
    let multi: HashSet<ScenarioKey> = selected
        .iter()
        .filter(|s| s.multi && request.part.makes(true))
        .map(|s| s.key())
        .collect();
    if !multi.is_empty() && !interrupted.load(Ordering::SeqCst) {
        // One column per device (the first listed, NETCONF where it has one): a fleet of
        // devices, not of protocols.
        let mut members: Vec<Arc<DeviceContext>> = Vec::new();
        for (context, _) in &runnable {
            if !members.iter().any(|m| m.name == context.name) {
                members.push(Arc::clone(context));
            }
        }
        let job = RunJob {
            features_dir: catalogue.dir.clone(),
            binding: Binding::Fleet(members),
            selected: multi,
            sink: Arc::clone(&fleet),
            evidence: Arc::clone(&evidence),
            stop: stop_rx.clone(),
        };
        let handle = start(runner.as_ref(), job);
        join(handle, observer.as_ref()).await;
    }

    // Phase 4: restore and verify.
    observer.restoring();
    let mut devices = devices;
    let turns: BTreeMap<String, Arc<tokio::sync::Mutex<()>>> = devices
        .iter()
        .map(|d| (d.target.name.clone(), Arc::default()))
        .collect();
    let checks = devices.iter().map(|device| {
        let turn = Arc::clone(&turns[&device.target.name]);
        async move {
            let _turn = turn.lock().await;
            let (Some(context), None) = (&device.context, &device.unreachable) else {
                return Safety::default();
            };
            match DeviceSession::open(&context.connect, context).await {
                Ok(session) => {
                    let safety = safety::restore_and_verify(&session, context, &device.saved).await;
                    session.end().await;
                    safety
                }
                Err(finding) => Safety {
                    saved: device
                        .saved
                        .iter()
                        .map(|s| s.datastore.name().to_owned())
                        .collect(),
                    problems: vec![format!(
                        "could not reconnect to check the configuration: {finding}"
                    )],
                    ..Safety::default()
                },
            }
        }
    });
    let safeties = futures::future::join_all(checks).await;
    for (device, safety) in devices.iter_mut().zip(safeties) {
        device.safety = safety;
    }
    Ok(RunOutput {
        devices,
        selected,
        part: request.part,
        single,
        fleet,
        interrupted: interrupted.load(Ordering::SeqCst),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::tests::context;

    /// A runner that cannot start threads, as on a machine out of them.
    struct Refusing;

    impl ScenarioRunner for Refusing {
        fn spawn(&self, _job: RunJob) -> std::io::Result<JobEnd> {
            Err(std::io::Error::other("no more threads"))
        }
    }

    #[derive(Debug, Default)]
    struct Heard(std::sync::Mutex<Vec<String>>);

    impl RunObserver for Heard {
        fn warning(&self, text: &str) {
            if let Ok(mut heard) = self.0.lock() {
                heard.push(text.to_owned());
            }
        }
    }

    #[test]
    fn a_runner_that_cannot_start_ends_its_scenarios_in_error_and_says_so() {
        let heard = Arc::new(Heard::default());
        let sink = Arc::new(Sink::with_observer(
            Arc::clone(&heard) as Arc<dyn RunObserver>
        ));
        let key: ScenarioKey = ("10-a.feature".to_owned(), 4);
        let (_stop, stop) = watch::channel(false);
        let job = RunJob {
            features_dir: PathBuf::from("features"),
            binding: Binding::Device(Arc::new(context(&[]))),
            selected: HashSet::from([key.clone()]),
            sink: Arc::clone(&sink),
            evidence: Arc::new(EvidenceDir::new(&std::env::temp_dir())),
            stop,
        };
        assert!(start(&Refusing, job).is_none());
        let record = sink.record(&key).expect("a record");
        assert_eq!(record.verdict, Verdict::Error);
        assert!(
            record.message.contains("no more threads"),
            "{}",
            record.message
        );
        let heard = heard.0.lock().expect("lock").clone();
        assert_eq!(heard.len(), 1);
        assert!(
            heard[0].contains("runner thread could not start"),
            "{heard:?}"
        );
    }
}
