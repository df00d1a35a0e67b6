//! `rfc3535 run`: the whole catalogue against every device of an inventory.
//!
//! Phases: (1) per device, concurrently: connect, discover what it claims, save its
//! configuration; (2) per device, concurrently (bounded): the applicable single-device
//! scenarios, one at a time; (3) the `@multi` scenarios over the devices that claim what each
//! needs; (4) per device: restore and verify the configuration. Then results.json and a
//! terminal summary. Ctrl-C skips to (4) and writes what was collected.

pub mod catalogue;
pub mod discovery;
pub mod executor;
pub mod progress;
pub mod replies;
pub mod report;
pub mod safety;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use rfc3535_client::ConnectOptions;
use rfc3535_score::{Safety, Verdict};
use tokio::sync::watch;

use crate::steps::world::{open_session, read_sandbox_text, DeviceContext, Sandbox};
use catalogue::{Catalogue, ScenarioInfo};
use discovery::Claims;
use executor::{Binding, EvidenceDir, ScenarioKey, Sink};

/// A device as the command line and inventory give it.
#[derive(Debug, Clone)]
pub struct RunTarget {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub connect: ConnectOptions,
    pub read_only: Option<ConnectOptions>,
    pub sandbox: Sandbox,
}

/// What `rfc3535 run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub targets: Vec<RunTarget>,
    pub tags: Option<String>,
    pub name: Option<String>,
    pub out: PathBuf,
    pub concurrency: usize,
}

/// One device after phase 1.
#[derive(Debug)]
pub struct Prepared {
    pub target: RunTarget,
    pub context: Option<Arc<DeviceContext>>,
    pub claims: Claims,
    pub framing: Option<String>,
    pub fingerprint: Option<String>,
    pub advertised: Vec<String>,
    pub saved: Vec<safety::Saved>,
    pub unreachable: Option<String>,
    pub safety: Safety,
}

/// Everything a run produced, for the report.
#[derive(Debug)]
pub struct RunOutput {
    pub devices: Vec<Prepared>,
    pub selected: Vec<ScenarioInfo>,
    /// One sink per device id for single-device scenarios.
    pub single: BTreeMap<String, Arc<Sink>>,
    pub fleet: Arc<Sink>,
    pub interrupted: bool,
}

fn device_id(name: &str) -> String {
    format!("{name}/netconf")
}

async fn prepare(target: RunTarget) -> Prepared {
    let mut prepared = Prepared {
        context: None,
        claims: Claims::default(),
        framing: None,
        fingerprint: None,
        advertised: Vec::new(),
        saved: Vec::new(),
        unreachable: None,
        safety: Safety::default(),
        target,
    };
    let session = match open_session(&prepared.target.connect).await {
        Ok(session) => session,
        Err(finding) => {
            prepared.unreachable = Some(format!("cannot open a session: {finding}"));
            return prepared;
        }
    };
    prepared.claims = discovery::discover(&session).await;
    prepared.framing = Some(session.framing().version().to_owned());
    prepared.fingerprint = session.host_key_fingerprint().map(str::to_owned);
    prepared.advertised = session.capabilities().to_vec();
    let sandbox = prepared.target.sandbox.clone();
    let namespaces: HashSet<String> = session
        .capabilities()
        .iter()
        .map(|c| c.split('?').next().unwrap_or_default().to_owned())
        .collect();
    let sandbox_usable = if !prepared.claims.capabilities.contains_key("config-edit") {
        Err(
            "the device claims neither :writable-running nor :candidate, so nothing can be written"
                .to_owned(),
        )
    } else if !namespaces.contains(&sandbox.text.namespace) {
        Err(format!(
            "the sandbox's module ({}) is not announced; set sandbox.text in the inventory to a string leaf this device has",
            sandbox.text.namespace
        ))
    } else {
        Ok(())
    };
    let mut context = DeviceContext {
        id: device_id(&prepared.target.name),
        name: prepared.target.name.clone(),
        connect: prepared.target.connect.clone(),
        read_only: prepared.target.read_only.clone(),
        capabilities: prepared.claims.names(),
        hello_modules: prepared.claims.hello_modules.clone(),
        sandbox,
        sandbox_usable,
        original_text: None,
        schema: None,
        schema_dir: None,
    };
    if prepared.claims.capabilities.contains_key("monitoring") {
        let cache = crate::schema::default_cache();
        let fresh = std::env::temp_dir().join(format!(
            "rfc3535-schema-{}-{}",
            std::process::id(),
            prepared.target.name
        ));
        let acquired = crate::schema::acquire(&session, Some(&cache), &fresh).await;
        context.schema_dir = Some(crate::schema::directory_of(&acquired, Some(&cache), &fresh));
        context.schema = Some(acquired);
    }
    if context.sandbox_usable.is_ok() {
        match read_sandbox_text(&session, &context, rfc3535_client::wire::Datastore::Running).await
        {
            Ok(value) => context.original_text = value,
            Err(finding) => {
                context.sandbox_usable = Err(format!("the sandbox cannot be read: {finding}"))
            }
        }
    }
    match safety::save(&session, &context).await {
        Ok(saved) => {
            if let Some(why) = safety::writing_forbidden(&saved) {
                context.sandbox_usable = Err(why);
            }
            prepared.saved = saved;
        }
        Err(problem) => {
            prepared.unreachable = Some(format!(
                "the configuration could not be saved, so nothing was changed: {problem}"
            ));
        }
    }
    session.shutdown().await;
    prepared.context = Some(Arc::new(context));
    prepared
}

/// Runs one cucumber run on its own thread and runtime, stopping early on Ctrl-C.
fn spawn_run(
    features_dir: PathBuf,
    binding: Binding,
    selected: HashSet<ScenarioKey>,
    sink: Arc<Sink>,
    evidence: Arc<EvidenceDir>,
    mut stop: watch::Receiver<bool>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("rfc3535-device".to_owned())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                tokio::select! {
                    () = executor::run(features_dir, binding, selected, sink, evidence) => {}
                    _ = stop.wait_for(|stopped| *stopped) => {}
                }
            });
        })
        .unwrap_or_else(|_| std::thread::spawn(|| {}))
}

/// Runs the catalogue; see the module docs for the phases.
pub async fn execute(request: &RunRequest, catalogue: &Catalogue) -> Result<RunOutput> {
    let selected = catalogue
        .select(request.tags.as_deref(), request.name.as_deref())
        .map_err(crate::UsageError)?;
    std::fs::create_dir_all(&request.out)
        .with_context(|| format!("cannot create the run directory {}", request.out.display()))?;
    let evidence = Arc::new(EvidenceDir::new(&request.out));
    let (stop_tx, stop_rx) = watch::channel(false);
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = Arc::clone(&interrupted);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\ninterrupted: stopping scenarios, restoring devices, writing what was collected");
                interrupted.store(true, Ordering::SeqCst);
                let _ = stop_tx.send(true);
            }
        });
    }

    eprintln!(
        "rfc3535 run: {} scenario(s) against {} device(s)",
        selected.len(),
        request.targets.len()
    );
    let devices: Vec<Prepared> =
        futures::future::join_all(request.targets.iter().cloned().map(prepare)).await;
    for device in &devices {
        match &device.unreachable {
            Some(why) => eprintln!("  {}: not tested: {why}", device.target.name),
            None => eprintln!(
                "  {}: claims {}",
                device.target.name,
                device
                    .claims
                    .names()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
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
                .map(|s| (s.feature.clone(), s.line))
                .collect();
            Some((context, keys))
        })
        .collect();
    let multi_count = selected.iter().filter(|s| s.multi).count();
    let progress = Arc::new(progress::Progress::new(
        runnable.iter().map(|(_, keys)| keys.len()).sum::<usize>()
            + if runnable.is_empty() { 0 } else { multi_count },
        runnable.len(),
    ));
    let slots = Arc::new(tokio::sync::Semaphore::new(request.concurrency.max(1)));
    let device_runs = runnable.iter().map(|(context, keys)| {
        let sink = Arc::new(Sink {
            progress: Some(Arc::clone(&progress)),
            ..Sink::default()
        });
        single.insert(context.id.clone(), Arc::clone(&sink));
        let (slots, evidence, stop) = (Arc::clone(&slots), Arc::clone(&evidence), stop_rx.clone());
        let progress = Arc::clone(&progress);
        let (context, keys, dir) = (Arc::clone(context), keys.clone(), catalogue.dir.clone());
        let interrupted = Arc::clone(&interrupted);
        async move {
            let Ok(_slot) = slots.acquire_owned().await else {
                return;
            };
            if interrupted.load(Ordering::SeqCst) {
                return;
            }
            let handle = spawn_run(dir, Binding::Device(context), keys, sink, evidence, stop);
            join_all_threads(vec![handle]).await;
            progress.device_done();
        }
    });
    let device_runs: Vec<_> = device_runs.collect();
    futures::future::join_all(device_runs).await;

    // Phase 3: @multi scenarios over every reachable device.
    let fleet = Arc::new(Sink {
        progress: Some(Arc::clone(&progress)),
        ..Sink::default()
    });
    let fleet_devices: Vec<Arc<DeviceContext>> =
        runnable.iter().map(|(c, _)| Arc::clone(c)).collect();
    let multi: HashSet<ScenarioKey> = selected
        .iter()
        .filter(|s| s.multi)
        .map(|s| (s.feature.clone(), s.line))
        .collect();
    if !multi.is_empty() && !interrupted.load(Ordering::SeqCst) {
        let handle = spawn_run(
            catalogue.dir.clone(),
            Binding::Fleet(fleet_devices),
            multi,
            Arc::clone(&fleet),
            Arc::clone(&evidence),
            stop_rx.clone(),
        );
        join_all_threads(vec![handle]).await;
    }

    progress.finish();

    // Phase 4: restore and verify.
    eprintln!("restoring and verifying each device's configuration");
    let mut devices = devices;
    let checks = devices.iter().map(|device| async move {
        let (Some(context), None) = (&device.context, &device.unreachable) else {
            return Safety::default();
        };
        match open_session(&context.connect).await {
            Ok(session) => {
                let safety = safety::restore_and_verify(&session, context, &device.saved).await;
                session.shutdown().await;
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
    });
    let safeties = futures::future::join_all(checks).await;
    for (device, safety) in devices.iter_mut().zip(safeties) {
        device.safety = safety;
    }
    Ok(RunOutput {
        devices,
        selected,
        single,
        fleet,
        interrupted: interrupted.load(Ordering::SeqCst),
    })
}

async fn join_all_threads(handles: Vec<std::thread::JoinHandle<()>>) {
    let _ = tokio::task::spawn_blocking(move || {
        for handle in handles {
            let _ = handle.join();
        }
    })
    .await;
}

/// The verdict a run reached for a scenario on a device that is not in the sink.
pub fn missing_record_verdict(interrupted: bool) -> (Verdict, String) {
    if interrupted {
        (
            Verdict::Error,
            "not run: the run was interrupted".to_owned(),
        )
    } else {
        (
            Verdict::Error,
            "harness bug: the scenario was selected but reported nothing".to_owned(),
        )
    }
}
