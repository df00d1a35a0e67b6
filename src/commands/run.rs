//! `rfc3535 run`: the catalogue against devices; results.json, the evidence, the matrix and
//! the chosen report formats. The engine is `rfc3535_harness::engine`; this file turns flags
//! into a run request, gives the engine the cucumber runner and the progress line, and writes
//! the results.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::Args;
use rfc3535_harness::catalogue::Catalogue;
use rfc3535_harness::engine::{self, EngineError, RunPart, RunRequest};
use rfc3535_harness::results::{assemble, FailOn};
use rfc3535_harness::target::{resolve, Target, TargetSource};
use rfc3535_harness::verdict::SchemaFindings;

use super::ConnectionArgs;
use crate::progress::Progress;
use crate::runner::CucumberRunner;
use crate::{reference, reporting, UsageError};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Inventory files: YAML (as containerlab/local/lab writes them), or a containerlab lab's
    /// topology-data.json (clab-NAME/topology-data.json; node labels rfc3535.* override the
    /// defaults of each kind, see the README). Repeatable.
    #[arg(long, value_name = "FILE")]
    inventory: Vec<PathBuf>,

    /// Before testing, wait up to SECONDS for each device to answer (a NETCONF session opened
    /// and closed; RESTCONF's root found), trying every 2 s, and say how long each took or why
    /// it never answered [default: 300 when an inventory is a containerlab topology-data.json,
    /// else 0: no wait].
    #[arg(long, value_name = "SECONDS")]
    wait_ready: Option<u64>,

    /// After the run, serve its directory (report.html, the evidence, results.json) over HTTP
    /// on 127.0.0.1:PORT (0: a free port) until Ctrl-C, the URL printed: a hackathon table's
    /// screen.
    #[arg(long, value_name = "PORT")]
    serve: Option<u16>,

    /// A device as netconf://USER@HOST[:PORT]. Repeatable; credentials from the flags below.
    #[arg(long, value_name = "URL")]
    target: Vec<String>,

    /// Reference devices to start in this process and test, one per profile named
    /// (comma-separated; `rfc3535 device --list-profiles` lists them). With no --inventory,
    /// --target or --reference, the run starts the demo set: the compliant profile and five
    /// fault profiles.
    #[arg(long, value_name = "PROFILES", value_delimiter = ',')]
    reference: Vec<String>,

    /// The reference devices' accounts log in with the passwords in this file (first line:
    /// the admin accounts'; second line, optional: the read-only accounts') instead of fresh
    /// random ones, so others can reach them with their own clients while the run lasts.
    #[arg(long, value_name = "FILE")]
    reference_password_file: Option<PathBuf>,

    /// Only scenarios matching this tag expression (e.g. '@req:R3535-3.13 and not @multi').
    #[arg(long, value_name = "EXPR")]
    tags: Option<String>,

    /// Only scenarios whose name contains this text; repeat it for several (a scenario whose
    /// name contains any of them).
    #[arg(long, value_name = "TEXT")]
    name: Vec<String>,

    /// The Kafka-protocol broker (HOST:PORT, plaintext) that the configured-subscription
    /// scenarios publish what they receive to, as telemetry messages carrying their schema's
    /// id, and read back: time to data runs to the first record read. `embedded` starts tansu
    /// on loopback for the run (RFC3535_TANSU, else tansu on the PATH; scripts/setup-test-env
    /// installs it); `none` publishes nowhere, and those scenarios are skipped [default:
    /// embedded when the run tests reference devices and tansu is installed, else none].
    #[arg(long, value_name = "HOST:PORT|embedded|none")]
    broker: Option<String>,

    /// The run directory [default: reports/runs/<run id>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// How many devices run their scenarios at the same time.
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,

    /// Exit 1 when a requirement of this level (must) or of any level (any) fails, or when
    /// anything could not be decided (an error: an incomplete run is not a passing run);
    /// never: exit 0 whatever the verdicts.
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "must",
        value_parser = PossibleValuesParser::new(FailOn::names()).try_map(|s| s.parse::<FailOn>())
    )]
    fail_on: FailOn,

    /// The features directory [default: ./features, else the one this binary was built from].
    #[arg(long, value_name = "DIR")]
    features: Option<PathBuf>,

    /// What a scenario's reply that does not validate against the device's own schema does:
    /// fail (a scenario that passed fails: the device's replies break its own schema) or warn
    /// (only noted in the result, to relax the check while a vendor fixes its models).
    #[arg(
        long,
        value_name = "MODE",
        default_value = "fail",
        value_parser = PossibleValuesParser::new(SchemaFindings::names()).try_map(|s| s.parse::<SchemaFindings>())
    )]
    schema_findings: SchemaFindings,

    /// The most evidence (transcripts) the run writes in full, in MiB; after it, each
    /// scenario's transcript is summarised (headers, the start of each message, its length)
    /// and its result says so. One message is kept up to 1 MiB whatever this says (the rest:
    /// its length and SHA-256), and a device's repeated large messages (its hello) once.
    #[arg(long, value_name = "MIB", default_value_t = rfc3535_harness::records::DEFAULT_EVIDENCE_BUDGET_MIB)]
    evidence_budget: u64,

    /// Evidence questionnaire answers for one device (see `rfc3535 requirements
    /// --questionnaire`); repeat for several devices. Its manual requirements become pass or
    /// fail, with the evidence named.
    #[arg(long, value_name = "FILE")]
    answers: Vec<PathBuf>,

    /// Report formats written into the run directory at the end, comma-separated: term
    /// (also printed), md, json, junit, html. results.json is always written.
    #[arg(
        long,
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "term,html"
    )]
    format: Vec<rfc3535_report::Format>,

    /// Run one part of a sharded run. `K/N`: the devices whose position in the device list
    /// (inventories, then targets, from 1) is K modulo N, without the @multi scenarios;
    /// `fleet`: only the @multi scenarios, over every device. Run the fleet part before or
    /// after the K/N parts, not beside them (it writes every device), then merge all parts
    /// with `rfc3535 report`: the merge equals one run over every device.
    #[arg(long, value_name = "K/N|fleet")]
    shard: Option<Shard>,

    #[command(flatten)]
    term: crate::reporting::TermArgs,

    #[command(flatten)]
    connection: ConnectionArgs,
}

/// `--shard K/N` or `--shard fleet`.
#[derive(Debug, Clone, Copy)]
enum Shard {
    /// Devices K modulo N, single-device scenarios.
    Devices { index: usize, count: usize },
    /// Every device, `@multi` scenarios.
    Fleet,
}

impl Shard {
    fn part(self) -> RunPart {
        match self {
            Shard::Devices { .. } => RunPart::Devices,
            Shard::Fleet => RunPart::Fleet,
        }
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim() == rfc3535_score::FLEET_SHARD {
            return Ok(Shard::Fleet);
        }
        let parsed = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index >= 1 && index <= count => {
                Ok(Shard::Devices { index, count })
            }
            _ => Err(format!(
                "a shard is K/N with 1 <= K <= N (e.g. 2/4), or fleet; not {text:?}"
            )),
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shard::Devices { index, count } => write!(f, "{index}/{count}"),
            Shard::Fleet => f.write_str(rfc3535_score::FLEET_SHARD),
        }
    }
}

/// The run's targets: reference devices first, then inventories, then URLs.
fn targets(args: &RunArgs, references: &[rfc3535_device::Device]) -> Result<Vec<Target>> {
    let mut sources = Vec::new();
    for device in references {
        for target in reference::targets(device)? {
            sources.push(TargetSource::Ready(Box::new(target)));
        }
    }
    sources.extend(args.inventory.iter().map(|path| TargetSource::Inventory {
        path: path.clone(),
        device: None,
    }));
    sources.extend(args.target.iter().cloned().map(TargetSource::Url));
    Ok(resolve(&sources, &args.connection.overrides(None))?)
}

/// How long to wait for the devices to answer: as asked, or 300 s for a containerlab lab
/// (its nodes may still be booting), else not at all.
fn readiness_wait(args: &RunArgs) -> Duration {
    const LAB_WAIT: Duration = Duration::from_secs(300);
    match args.wait_ready {
        Some(seconds) => Duration::from_secs(seconds),
        None if args.inventory.iter().any(|path| {
            std::fs::read_to_string(path)
                .is_ok_and(|text| rfc3535_harness::containerlab::is_topology_data(&text))
        }) =>
        {
            LAB_WAIT
        }
        None => Duration::ZERO,
    }
}

/// Waits for the devices the run did not start itself to answer, saying what each did.
async fn wait_until_ready(args: &RunArgs, targets: &[Target]) {
    use rfc3535_harness::readiness::{wait_for_all, Readiness};
    let within = readiness_wait(args);
    let outside: Vec<Target> = targets
        .iter()
        .filter(|t| !matches!(t.origin, rfc3535_harness::target::Origin::Reference))
        .cloned()
        .collect();
    if within.is_zero() || outside.is_empty() {
        return;
    }
    eprintln!(
        "waiting up to {} s for {} device column(s) to answer (--wait-ready)",
        within.as_secs(),
        outside.len()
    );
    for (target, readiness) in outside.iter().zip(wait_for_all(&outside, within).await) {
        match readiness {
            Readiness::Answered(after) => {
                eprintln!("  {}: answered after {:.1} s", target.id(), after.as_secs_f64());
            }
            Readiness::Silent { waited, last } => eprintln!(
                "  {}: no answer in {:.0} s; it is tested all the same, and its column will say why. Last: {last}",
                target.id(),
                waited.as_secs_f64()
            ),
        }
    }
}

/// Writes results.json; a run whose results cannot be written has failed, loudly.
fn write_results(path: &std::path::Path, results: &rfc3535_score::Results) -> Result<()> {
    use std::io::Write as _;
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, results)
        .with_context(|| format!("cannot serialise the results into {}", path.display()))?;
    out.write_all(b"\n")
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// `rfc3535 demo`: a run with a hackathon table's defaults.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Also bring up the local lab of real peers (containerlab/local/lab up: netconfd behind
    /// OpenSSH, jetconf; as root, after scripts/setup-test-env) and test it beside the
    /// reference devices; it is brought down when the demo ends.
    #[arg(long)]
    lab: bool,

    /// The port of the report's web page on 127.0.0.1.
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    port: u16,

    #[command(flatten)]
    run: RunArgs,
}

/// The local lab's script, beside the catalogue in the repository.
fn lab_script(features: &std::path::Path) -> PathBuf {
    features
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("containerlab/local/lab")
}

/// Runs the lab script with `action`; it says what it does on its own output.
fn lab(script: &std::path::Path, action: &str) -> Result<()> {
    let status = std::process::Command::new(script)
        .arg(action)
        .status()
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !status.success() {
        bail!(UsageError(anyhow::anyhow!(
            "{} {action} failed ({status}); it needs root and scripts/setup-test-env",
            script.display()
        )));
    }
    Ok(())
}

/// The reference devices of the demo set (and the local lab's peers, with --lab), every
/// --target and --inventory given, the report served on 127.0.0.1 at the end.
pub async fn demo(mut args: DemoArgs) -> Result<ExitCode> {
    if args.run.reference.is_empty() {
        args.run.reference = reference::DEMO_PROFILES.map(str::to_owned).to_vec();
    }
    args.run.serve = Some(args.run.serve.unwrap_or(args.port));
    args.run.fail_on = FailOn::Never;
    if !args.lab {
        return run_catalogue(args.run).await;
    }
    let features = args
        .run
        .features
        .clone()
        .unwrap_or_else(super::default_features_dir);
    let script = lab_script(&features);
    lab(&script, "up")?;
    let inventory = features
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(".lab/inventory.yaml");
    args.run.inventory.push(inventory);
    let outcome = run_catalogue(args.run).await;
    let down = lab(&script, "down");
    let code = outcome?;
    down?;
    Ok(code)
}

pub async fn run_catalogue(args: RunArgs) -> Result<ExitCode> {
    let mut profiles = args.reference.clone();
    if profiles.is_empty() && args.inventory.is_empty() && args.target.is_empty() {
        profiles = reference::DEMO_PROFILES.map(str::to_owned).to_vec();
        eprintln!(
            "no --inventory, --target or --reference: testing the reference devices {}",
            profiles.join(", ")
        );
    }
    let profiles = reference::resolve(&profiles).map_err(UsageError)?;
    // Kept until the run has ended: dropping a device stops it.
    let serving = reference::Serving {
        passwords: match &args.reference_password_file {
            Some(file) => Some(reference::ChosenPasswords::read(file).map_err(UsageError)?),
            None => None,
        },
        ..reference::Serving::default()
    };
    let references = reference::start(&profiles, &serving)
        .await
        .map_err(UsageError)?;
    // Kept until the run has ended: dropping it stops the embedded broker.
    let (broker, _embedded_broker) = broker_for(args.broker.as_deref(), !references.is_empty())?;
    let mut targets = targets(&args, &references).map_err(UsageError)?;
    if let Some(Shard::Devices { index, count }) = args.shard {
        let shard = Shard::Devices { index, count };
        // By device, not by column: a device's protocols share its datastores, so they are
        // tested in the same part.
        let mut names: Vec<String> = Vec::new();
        for target in &targets {
            if !names.contains(&target.name) {
                names.push(target.name.clone());
            }
        }
        targets.retain(|target| {
            names
                .iter()
                .position(|n| *n == target.name)
                .is_some_and(|position| position % count == index - 1)
        });
        if targets.is_empty() {
            bail!(UsageError(anyhow::anyhow!(
                "shard {shard} holds no device: there are fewer devices than shards"
            )));
        }
    }
    wait_until_ready(&args, &targets).await;
    let features_dir = args
        .features
        .clone()
        .unwrap_or_else(super::default_features_dir);
    let catalogue = Catalogue::load(&features_dir).map_err(|e| UsageError(e.into()))?;
    let answers = reporting::read_answers(&args.answers)?;
    if let Some((file, unknown)) = answers
        .iter()
        .find(|(_, a)| !targets.iter().any(|t| t.name == a.device))
    {
        bail!(UsageError(anyhow::anyhow!(
            "answers {} are for device {:?}, which this run does not test",
            file.display(),
            unknown.device
        )));
    }
    let started = now_rfc3339();
    let run_id = format!(
        "{}-{}",
        started.replace([':', '-'], "").trim_end_matches('Z'),
        std::process::id()
    );
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports/runs").join(&run_id));
    let request = RunRequest {
        targets,
        tags: args.tags.clone(),
        names: args.name.clone(),
        out: out.clone(),
        concurrency: args.concurrency,
        part: args.shard.map_or(RunPart::Whole, Shard::part),
        evidence_budget: args.evidence_budget.saturating_mul(1 << 20),
        broker,
    };
    // This runtime hosts the engine and any embedded reference devices: its lateness is the
    // test bed's, whatever devices the run is against.
    let watched = rfc3535_harness::lag::watch_hosted_devices();
    let output = engine::execute(
        &request,
        &catalogue,
        Arc::new(CucumberRunner::new(request.concurrency)),
        Arc::new(Progress::default()),
    )
    .await;
    drop(watched);
    crate::runner::install_panic_hook();
    let output = match output {
        Ok(output) => output,
        Err(EngineError::Selection(error)) => bail!(UsageError(error.into())),
        Err(error) => return Err(error.into()),
    };
    let info = rfc3535_score::RunInfo {
        id: run_id,
        started,
        finished: now_rfc3339(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        features_hash: catalogue.hash.clone(),
        tags: args.tags.clone(),
        interrupted: output.interrupted,
        shard: args.shard.map(|s| s.to_string()),
    };
    let mut results = assemble(&catalogue, &output, info, args.schema_findings);
    reporting::apply_answers(&mut results, &answers)?;
    let path = out.join("results.json");
    write_results(&path, &results)?;
    let evidence = reporting::read_evidence(&results, &out);
    let formats: Vec<rfc3535_report::Format> = args
        .format
        .iter()
        .copied()
        .filter(|f| *f != rfc3535_report::Format::Json)
        .collect();
    let written = reporting::write_formats(&results, &formats, &out, &args.term.options(evidence))?;
    println!("\nresults: {}", path.display());
    for file in written {
        if !file.ends_with(rfc3535_report::Format::Term.file_name()) {
            println!("report:  {}", file.display());
        }
    }
    let code = if results.devices.iter().all(|d| d.unreachable.is_some()) {
        ExitCode::from(3)
    } else if args.fail_on.triggered(&results) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    if let Some(port) = args.serve {
        serve_until_interrupted(&out, port, &args.format).await?;
    }
    Ok(code)
}

/// The run's Kafka broker as `--broker` asks, and the tansu started for it (stopped when
/// dropped). Unasked, a run of reference devices gets an embedded one when tansu is
/// installed, and says so when it is not.
fn broker_for(
    requested: Option<&str>,
    reference_devices: bool,
) -> Result<(Option<String>, Option<rfc3535_pipeline::tansu::Tansu>)> {
    use rfc3535_pipeline::tansu::Tansu;
    let embedded = |tansu: Tansu| (Some(tansu.bootstrap()), Some(tansu));
    match requested {
        Some("none") => Ok((None, None)),
        Some("embedded") => Tansu::start()
            .map(embedded)
            .map_err(|error| UsageError(anyhow::anyhow!("--broker embedded: {error}")).into()),
        Some(address) => Ok((Some(address.to_owned()), None)),
        None if reference_devices => Ok(Tansu::start().map(embedded).unwrap_or_else(|error| {
            eprintln!("no Kafka broker for the telemetry scenarios, which are skipped: {error}");
            (None, None)
        })),
        None => Ok((None, None)),
    }
}

/// Serves the run directory on 127.0.0.1 until Ctrl-C, the URL printed.
async fn serve_until_interrupted(
    out: &std::path::Path,
    port: u16,
    formats: &[rfc3535_report::Format],
) -> Result<()> {
    let (address, serving) = crate::serve::bind(out.to_path_buf(), port)
        .await
        .with_context(|| format!("cannot serve the report on 127.0.0.1:{port}"))?;
    let page = if formats.contains(&rfc3535_report::Format::Html) {
        "report.html"
    } else {
        "results.json"
    };
    println!("serving: http://{address}/{page}  (Ctrl-C stops)");
    tokio::select! {
        () = serving => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
