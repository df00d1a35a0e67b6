//! The `rfc3535` command line: argument parsing, targets and inventories, and exit codes.
//!
//! Exit codes (DESIGN.md §5): 0 done; 1 `--fail-on` triggered; 2 usage or configuration error;
//! 3 no verdict could be reached at all (for `probe`: a device could not be reached).

mod probe;
mod reference;
mod reporting;
mod run;
mod schema;
#[path = "../steps/mod.rs"]
mod steps;
mod target;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use rfc3535_client::{Auth, ConnectOptions};

use crate::target::{
    host_key_policy, password_from_env, Inventory, PolicyName, SandboxSpec, TargetUrl,
};

/// Operators' network-management requirements (RFC 3535 and the IETF NMOP "RFC 3535-next"
/// work) as executable checks against NETCONF devices.
#[derive(Debug, Parser)]
#[command(
    name = "rfc3535",
    version,
    propagate_version = true,
    after_help = "No device at hand? `rfc3535 run` with no target tests the embedded reference devices\n(the compliant profile and five fault profiles); `rfc3535 device` runs one standalone.\nReal netconfd devices (as root): containerlab/local/lab up, then --inventory .lab/inventory.yaml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Connect to a device and show what it is and what it claims.
    ///
    /// Prints the session-id, the negotiated framing, the capabilities grouped (base, standard,
    /// YANG modules with revision, features and deviations), a YANG library summary (RFC 8525
    /// if offered, else RFC 7895) and the SSH host-key fingerprint.
    ///
    /// Examples:
    ///   RFC3535_PASSWORD=... rfc3535 probe netconf://admin@192.0.2.1 --password-env RFC3535_PASSWORD
    ///   rfc3535 probe --inventory .lab/inventory.yaml --device netconfd-candidate --json
    #[command(verbatim_doc_comment)]
    Probe(ProbeArgs),

    /// Run the requirement catalogue against devices and write results.json.
    ///
    /// Every scenario of features/ runs against every device: not-applicable where the
    /// device does not claim what the scenario needs (from its hello and YANG library),
    /// skipped where the test bed lacks something, error where no verdict could be reached.
    /// Scenarios tagged @multi run across all devices that claim what they need.
    ///
    /// With no --inventory, --target or --reference, the run starts the embedded reference
    /// devices in its own process (the compliant profile and five fault profiles) and tests
    /// them: a whole run, matrix and report included, with no device at all.
    ///
    /// Before the first scenario the harness saves each device's running (and startup)
    /// configuration; scenarios write only the sandbox (inventory key `sandbox`); afterwards
    /// the harness restores anything that differs and verifies it. Ctrl-C stops the
    /// scenarios, restores, and writes what was collected.
    ///
    /// Writes DIR/results.json and DIR/evidence/<device>/NNN-<scenario>.txt (every message
    /// in and out, secrets removed), prints the matrix and a summary per device, and writes
    /// the other chosen formats into DIR (matrix.txt, matrix.md, junit.xml, report.html).
    ///
    /// Exit status: 0 done and --fail-on not triggered; 1 triggered; 2 usage or
    /// configuration error; 3 no device could be tested.
    ///
    /// Examples:
    ///   rfc3535 run
    ///   rfc3535 run --reference compliant,locks-ignored,any-password
    ///   rfc3535 run --inventory .lab/inventory.yaml
    ///   rfc3535 run --inventory lab.yaml --tags '@req:R3535-3.13 and not @multi' --out /tmp/r
    ///   RFC3535_PASSWORD=... rfc3535 run --target netconf://admin@192.0.2.1 --password-env RFC3535_PASSWORD
    #[command(verbatim_doc_comment)]
    Run(RunArgs),

    /// Re-render saved runs offline; several results files merge into one matrix.
    ///
    /// Reads results.json files (or the run directories holding them) and the evidence
    /// beside them, and renders the matrix as term, md, json, junit or html. Several files
    /// are merged: the shards of one run (run --shard K/N) or separate runs by different
    /// people; a device may be in one file only. The verdicts are the runs' own; --weights
    /// only changes how much each level counts in the scores.
    ///
    /// Examples:
    ///   rfc3535 report reports/runs/20261121T090000-4242
    ///   rfc3535 report shard-1/results.json shard-2/results.json --format html --out lab.html
    ///   rfc3535 report vendor-a.json vendor-b.json --format md,junit,html --out published/
    #[command(verbatim_doc_comment)]
    Report(reporting::ReportArgs),

    /// What changed between two runs (firmware A against firmware B), regressions first.
    ///
    /// Compares the requirement verdicts of the devices present in both runs (matched by
    /// name and protocol), then their scores, and lists devices in only one of them.
    /// Exit status: 0 no regression; 1 at least one (a pass lost or a fail gained); 2 a file
    /// cannot be read.
    ///
    /// Example:
    ///   rfc3535 diff reports/runs/before reports/runs/after --format md
    #[command(verbatim_doc_comment)]
    Diff(reporting::DiffArgs),

    /// Run the embedded reference device standalone: a real NETCONF server over SSH.
    ///
    /// Listens on 127.0.0.1 (the port given, or a free one), prints how to connect (address,
    /// port, its lab account's user and password, its host-key fingerprint) and serves until
    /// Ctrl-C. Its datastores (running, candidate, startup) start empty and are checked
    /// against its own YANG modules: the project's lab module and standard IETF modules from
    /// the local module directory (scripts/setup-test-env installs them).
    ///
    /// Examples:
    ///   rfc3535 device --netconf-port 8830
    ///   ssh -p 8830 -s admin@127.0.0.1 netconf
    ///   RFC3535_PASSWORD=... rfc3535 probe netconf://admin@127.0.0.1:8830 --password-env RFC3535_PASSWORD --host-key-fingerprint SHA256:...
    #[command(verbatim_doc_comment)]
    Device(DeviceArgs),

    /// List the requirement catalogue; with --coverage, which scenarios cover each one.
    ///
    /// Requirements answered by the evidence questionnaire show as `manual`; device
    /// requirements without any scenario yet show as `none`.
    Requirements(RequirementsArgs),
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Inventory files (YAML, as containerlab/local/lab writes them). Repeatable.
    #[arg(long, value_name = "FILE")]
    inventory: Vec<PathBuf>,

    /// A device as netconf://USER@HOST[:PORT]. Repeatable; credentials from the flags below.
    #[arg(long, value_name = "URL")]
    target: Vec<String>,

    /// Reference devices to start in this process and test, one per profile named
    /// (comma-separated; `rfc3535 device --list-profiles` lists them). With no --inventory,
    /// --target or --reference, the run starts the demo set: the compliant profile and five
    /// fault profiles.
    #[arg(long, value_name = "PROFILES", value_delimiter = ',')]
    reference: Vec<String>,

    /// Only scenarios matching this tag expression (e.g. '@req:R3535-3.13 and not @multi').
    #[arg(long, value_name = "EXPR")]
    tags: Option<String>,

    /// Only scenarios whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    name: Option<String>,

    /// The run directory [default: reports/runs/<run id>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// How many devices run their scenarios at the same time.
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,

    /// Exit 1 when a requirement of this level (must) or any level (any) fails; never: exit 0.
    #[arg(long, value_name = "LEVEL", default_value = "must", value_parser = ["must", "any", "never"])]
    fail_on: String,

    /// The features directory [default: ./features, else the one this binary was built from].
    #[arg(long, value_name = "DIR")]
    features: Option<PathBuf>,

    /// What a scenario's reply that does not validate against the device's own schema does:
    /// warn (noted in the result) or fail (a scenario that passed fails).
    #[arg(long, value_name = "MODE", default_value = "warn", value_parser = ["warn", "fail"])]
    schema_findings: String,

    /// Report formats written into the run directory at the end, comma-separated: term
    /// (also printed), md, json, junit, html. results.json is always written.
    #[arg(
        long,
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "term,html"
    )]
    format: Vec<rfc3535_report::Format>,

    /// Run only shard K of N: the devices whose position in the device list (inventories,
    /// then targets, from 1) is K modulo N. Merge the shards' results with `rfc3535 report`.
    /// @multi scenarios see only the devices of their shard.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,

    #[command(flatten)]
    term: reporting::TermArgs,

    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Debug, Args)]
struct DeviceArgs {
    /// The behaviour: `compliant`, or fault profiles; several (comma-separated) start one
    /// device each, on consecutive ports.
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        default_value = "compliant"
    )]
    profile: Vec<String>,

    /// List the profiles and what each breaks, then exit.
    #[arg(long)]
    list_profiles: bool,

    /// The NETCONF-over-SSH port on 127.0.0.1 of the first device [default: free ports].
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    netconf_port: u16,

    /// Also write the admin account's password to this file (mode 0600), for scripts; with
    /// several devices, the first device's.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,

    /// Also write the read-only account's password to this file (mode 0600).
    #[arg(long, value_name = "FILE")]
    read_only_password_file: Option<PathBuf>,
}

/// Writes a secret to a file only its owner can read.
fn write_secret(file: &Path, secret: &str) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    out.write_all(secret.as_bytes())?;
    Ok(())
}

async fn run_device(args: DeviceArgs) -> Result<ExitCode> {
    if args.list_profiles {
        for profile in rfc3535_device::profile::PROFILES {
            println!("{:<24} {}", profile.name, profile.summary);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let profiles = reference::resolve(&args.profile).map_err(UsageError)?;
    let devices = reference::start(&profiles, args.netconf_port)
        .await
        .map_err(UsageError)?;
    let read_only_of = |device: &rfc3535_device::Device| {
        device
            .accounts
            .iter()
            .find(|a| a.role == rfc3535_device::Role::ReadOnly)
            .cloned()
    };
    if let Some(first) = devices.first() {
        if let Some(file) = &args.password_file {
            write_secret(file, &first.accounts[0].password)?;
        }
        if let (Some(file), Some(read_only)) = (&args.read_only_password_file, read_only_of(first))
        {
            write_secret(file, &read_only.password)?;
        }
    }
    for device in &devices {
        let account = &device.accounts[0];
        let port = device.address.port();
        println!(
            "rfc3535 reference device {:?} (profile {}) is listening",
            device.name, device.shared.profile
        );
        println!("  address:   127.0.0.1");
        println!("  port:      {port}  (NETCONF over SSH, subsystem netconf)");
        println!("  user:      {}", account.user);
        println!(
            "  password:  {}  (this run's lab password; it changes with every start)",
            account.password
        );
        if let Some(read_only) = read_only_of(device) {
            println!(
                "  read-only: {} / {}  (NACM group read-only)",
                read_only.user, read_only.password
            );
        }
        println!("  host key:  {}", device.fingerprint);
        println!(
            "  known_hosts line:  [127.0.0.1]:{port} {}",
            device.public_key
        );
        println!();
    }
    if let Some(first) = devices.first() {
        let port = first.address.port();
        println!("Connect:");
        println!(
            "  ssh -p {port} -s {}@127.0.0.1 netconf",
            first.accounts[0].user
        );
        println!(
            "  RFC3535_PASSWORD=... rfc3535 probe netconf://{}@127.0.0.1:{port} --password-env RFC3535_PASSWORD --host-key-fingerprint {}",
            first.accounts[0].user, first.fingerprint
        );
    }
    println!(
        "Ctrl-C stops {}.",
        if devices.len() == 1 { "it" } else { "them" }
    );
    let _ = tokio::signal::ctrl_c().await;
    eprintln!(
        "stopping the reference device{}",
        if devices.len() == 1 { "" } else { "s" }
    );
    drop(devices);
    Ok(ExitCode::SUCCESS)
}

/// `--shard K/N`.
#[derive(Debug, Clone, Copy)]
struct Shard {
    index: usize,
    count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parsed = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index >= 1 && index <= count => Ok(Shard { index, count }),
            _ => Err(format!(
                "a shard is K/N with 1 <= K <= N (e.g. 2/4), not {text:?}"
            )),
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, Args)]
struct RequirementsArgs {
    /// Show which scenarios cover each requirement, and which have none.
    #[arg(long)]
    coverage: bool,

    /// The features directory [default: ./features, else the one this binary was built from].
    #[arg(long, value_name = "DIR")]
    features: Option<PathBuf>,
}

/// How to reach and authenticate a target given on the command line.
#[derive(Debug, Clone, Args)]
struct TargetArgs {
    /// The device, as netconf://USER@HOST[:PORT] (port 830 by default).
    #[arg(value_name = "TARGET", required_unless_present = "inventory")]
    target: Option<String>,

    /// An inventory file (YAML, as written by containerlab/local/lab); probes every device
    /// unless --device names one.
    #[arg(long, value_name = "FILE", conflicts_with = "target")]
    inventory: Option<PathBuf>,

    /// The inventory device to use.
    #[arg(long, value_name = "NAME", requires = "inventory")]
    device: Option<String>,

    /// Accept only a host key with this fingerprint (SHA256:..., as ssh-keygen -lf prints it).
    #[arg(long, value_name = "FINGERPRINT")]
    host_key_fingerprint: Option<String>,

    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Credentials and connection settings shared by every command that reaches devices.
#[derive(Debug, Clone, Args)]
struct ConnectionArgs {
    /// The environment variable that holds the SSH password (never the password itself).
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,

    /// A private key file for SSH public-key authentication.
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,

    /// How to verify the device's SSH host key.
    #[arg(long, value_enum, value_name = "POLICY")]
    host_key_policy: Option<PolicyName>,

    /// The known_hosts file for strict and accept-new [default: ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE")]
    known_hosts: Option<PathBuf>,

    /// Milliseconds to wait after the hello before the first RPC, for devices that stall an RPC
    /// arriving together with the client's hello [default: the inventory's hello_settle_ms, or 0].
    #[arg(long, value_name = "MS")]
    hello_settle_ms: Option<u64>,

    /// Seconds allowed for connecting and for each RPC.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

#[derive(Debug, Args)]
struct ProbeArgs {
    #[command(flatten)]
    target: TargetArgs,

    /// Print a JSON object (an array with several devices) instead of text.
    #[arg(long)]
    json: bool,
}

/// A device to connect to: its inventory name (if any) and connection options.
struct ResolvedTarget {
    name: Option<String>,
    labels: serde_json::Value,
    options: ConnectOptions,
    read_only: Option<ConnectOptions>,
    sandbox: SandboxSpec,
}

fn resolve_targets(args: &TargetArgs) -> Result<Vec<ResolvedTarget>> {
    let timeout = Duration::from_secs(args.connection.timeout.max(1));
    let mut targets = Vec::new();
    if let Some(path) = &args.inventory {
        let inventory = Inventory::load(path)?;
        let devices: Vec<_> = match &args.device {
            Some(name) => vec![inventory.device(name)?.clone()],
            None => inventory.devices.clone(),
        };
        if devices.is_empty() {
            bail!("inventory {} lists no devices", path.display());
        }
        for device in devices {
            let mut options = device
                .connect_options()
                .with_context(|| format!("device {:?}", device.name))?;
            // Command-line flags override the inventory's host-key settings.
            if args.connection.host_key_policy.is_some() || args.host_key_fingerprint.is_some() {
                options.host_key = host_key_policy(
                    args.connection.host_key_policy,
                    args.connection
                        .known_hosts
                        .clone()
                        .or(device.known_hosts.clone()),
                    args.host_key_fingerprint.clone(),
                );
            }
            let read_only = device
                .read_only_options()
                .with_context(|| format!("device {:?}", device.name))?;
            targets.push(ResolvedTarget {
                name: Some(device.name.clone()),
                labels: serde_json::to_value(&device.labels).unwrap_or_default(),
                options,
                read_only,
                sandbox: device.sandbox.clone(),
            });
        }
    } else {
        let text = args
            .target
            .as_deref()
            .context("give a TARGET or --inventory")?;
        let url: TargetUrl = text.parse()?;
        let auth = if let Some(variable) = &args.connection.password_env {
            Auth::Password(password_from_env(variable)?.into())
        } else if let Some(identity) = &args.connection.identity {
            Auth::KeyFile {
                path: identity.clone(),
                passphrase: None,
            }
        } else if std::env::var_os("SSH_AUTH_SOCK").is_some() {
            Auth::Agent { socket: None }
        } else {
            bail!("no credentials: give --password-env VAR (a variable holding the password), --identity FILE, or run an ssh-agent");
        };
        let options = ConnectOptions::new(
            url.host,
            url.port,
            url.username,
            auth,
            host_key_policy(
                args.connection.host_key_policy,
                args.connection.known_hosts.clone(),
                args.host_key_fingerprint.clone(),
            ),
        );
        targets.push(ResolvedTarget {
            name: None,
            labels: serde_json::Value::Null,
            options,
            read_only: None,
            sandbox: SandboxSpec::default(),
        });
    }
    for target in &mut targets {
        if let Some(ms) = args.connection.hello_settle_ms {
            target.options.session.hello_settle = Duration::from_millis(ms);
        }
        target.options.connect_timeout = timeout;
        target.options.session.rpc_timeout = timeout;
        target.options.session.hello_timeout = timeout;
    }
    Ok(targets)
}

async fn run_probe(args: ProbeArgs) -> Result<ExitCode> {
    let targets = resolve_targets(&args.target).map_err(UsageError)?;
    let several =
        targets.len() > 1 || args.target.device.is_none() && args.target.inventory.is_some();
    let probes = targets.into_iter().map(|target| async move {
        let label = target
            .name
            .clone()
            .unwrap_or_else(|| target.options.address());
        (
            label,
            probe::probe(target.name, target.labels, &target.options).await,
        )
    });
    let results = futures::future::join_all(probes).await;
    let mut reports = Vec::new();
    let mut failed = false;
    for (label, result) in results {
        match result {
            Ok(report) => reports.push(report),
            Err(error) => {
                failed = true;
                eprintln!("error: {label}: {error:#}");
            }
        }
    }
    if args.json {
        let text = if several {
            serde_json::to_string_pretty(&reports)?
        } else if let Some(report) = reports.first() {
            serde_json::to_string_pretty(report)?
        } else {
            String::new()
        };
        if !text.is_empty() {
            println!("{text}");
        }
    } else {
        let texts: Vec<String> = reports.iter().map(probe::render_text).collect();
        print!("{}", texts.join("\n"));
    }
    Ok(if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// Turns `run`'s flags into one resolved target list, reusing the probe's resolution per
/// inventory and per URL.
fn run_targets(
    args: &RunArgs,
    references: &[rfc3535_device::Device],
) -> Result<Vec<run::RunTarget>> {
    let base = TargetArgs {
        target: None,
        inventory: None,
        device: None,
        host_key_fingerprint: None,
        connection: args.connection.clone(),
    };
    let mut resolved = Vec::new();
    for inventory in &args.inventory {
        let mut one = base.clone();
        one.inventory = Some(inventory.clone());
        // The inventory's own host-key settings hold unless the flag overrides them.
        resolved.extend(resolve_targets(&one)?);
    }
    for target in &args.target {
        let mut one = base.clone();
        one.target = Some(target.clone());
        resolved.extend(resolve_targets(&one)?);
    }
    let mut names = std::collections::HashSet::new();
    let mut targets = Vec::new();
    for device in references {
        names.insert(device.name.clone());
        targets.push(reference::target(device)?);
    }
    for target in resolved {
        let name = target
            .name
            .clone()
            .unwrap_or_else(|| target.options.address().replace(':', "-"));
        if !names.insert(name.clone()) {
            bail!("device name {name:?} appears twice in the run");
        }
        let labels = match &target.labels {
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    (k.clone(), text)
                })
                .collect(),
            _ => Default::default(),
        };
        let mut read_only = target.read_only.clone();
        if let Some(options) = &mut read_only {
            options.session = target.options.session.clone();
            options.connect_timeout = target.options.connect_timeout;
        }
        let sandbox =
            steps::world::Sandbox {
                text: steps::world::NodePath::parse(&target.sandbox.text)
                    .map_err(|e| anyhow::anyhow!("device {name:?}: sandbox.text {e}"))?,
                list: match target.sandbox.ordered_list.as_str() {
                    "none" => None,
                    list => Some(steps::world::NodePath::parse(list).map_err(|e| {
                        anyhow::anyhow!("device {name:?}: sandbox.ordered_list {e}")
                    })?),
                },
            };
        targets.push(run::RunTarget {
            name,
            labels,
            connect: target.options,
            read_only,
            sandbox,
        });
    }
    Ok(targets)
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

async fn run_catalogue(args: RunArgs) -> Result<ExitCode> {
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
    let references = reference::start(&profiles, 0).await.map_err(UsageError)?;
    let mut targets = run_targets(&args, &references).map_err(UsageError)?;
    if let Some(shard) = args.shard {
        targets = targets
            .into_iter()
            .enumerate()
            .filter(|(position, _)| position % shard.count == shard.index - 1)
            .map(|(_, target)| target)
            .collect();
        if targets.is_empty() {
            bail!(UsageError(anyhow::anyhow!(
                "shard {shard} holds no device: there are fewer devices than shards"
            )));
        }
    }
    let features_dir = args
        .features
        .clone()
        .unwrap_or_else(run::catalogue::default_features_dir);
    let catalogue = run::catalogue::Catalogue::load(&features_dir).map_err(UsageError)?;
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
    let request = run::RunRequest {
        targets,
        tags: args.tags.clone(),
        name: args.name.clone(),
        out: out.clone(),
        concurrency: args.concurrency,
    };
    let output = run::execute(&request, &catalogue).await?;
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
    let results = run::report::assemble(&catalogue, &output, info, args.schema_findings == "fail");
    let path = out.join("results.json");
    std::fs::write(&path, rfc3535_report::json(&results))
        .with_context(|| format!("cannot write {}", path.display()))?;
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
    if results.devices.iter().all(|d| d.unreachable.is_some()) {
        return Ok(ExitCode::from(3));
    }
    Ok(if run::report::fail_on_triggered(&results, &args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn list_requirements(args: &RequirementsArgs) -> Result<ExitCode> {
    let dir = args
        .features
        .clone()
        .unwrap_or_else(run::catalogue::default_features_dir);
    let catalogue = run::catalogue::Catalogue::load(&dir).map_err(UsageError)?;
    let mut group = "";
    for requirement in &catalogue.registry.requirements {
        if requirement.group != group {
            group = &requirement.group;
            println!("\n{group}");
        }
        let scenarios: Vec<String> = catalogue
            .scenarios
            .iter()
            .filter(|s| s.requirements.contains(&requirement.id))
            .map(|s| s.label())
            .collect();
        let coverage = match requirement.kind {
            rfc3535_score::RequirementKind::Manual => format!(
                "manual ({})",
                requirement.question.as_deref().unwrap_or("?")
            ),
            _ if scenarios.is_empty() => "none".to_owned(),
            _ => format!("{} scenario(s)", scenarios.len()),
        };
        println!(
            "  {:<26} {:<6} {:<22} {}",
            requirement.id,
            requirement.level.as_str(),
            coverage,
            requirement.title
        );
        if args.coverage {
            for scenario in scenarios {
                println!("      - {scenario}");
            }
        }
    }
    if args.coverage {
        let uncovered: Vec<&str> = catalogue
            .registry
            .requirements
            .iter()
            .filter(|r| r.kind == rfc3535_score::RequirementKind::Device)
            .filter(|r| {
                !catalogue
                    .scenarios
                    .iter()
                    .any(|s| s.requirements.contains(&r.id))
            })
            .map(|r| r.id.as_str())
            .collect();
        println!(
            "\n{} requirement(s), {} scenario(s); device requirements with no scenario yet: {}",
            catalogue.registry.requirements.len(),
            catalogue.scenarios.len(),
            if uncovered.is_empty() {
                "none".to_owned()
            } else {
                uncovered.join(", ")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A configuration or usage problem (exit code 2), as opposed to a device that cannot be
/// reached.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) anyhow::Error);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RFC3535_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(3);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Probe(args) => run_probe(args).await,
            Command::Run(args) => run_catalogue(args).await,
            Command::Requirements(args) => list_requirements(&args),
            Command::Report(args) => reporting::report_command(&args),
            Command::Diff(args) => reporting::diff_command(&args),
            Command::Device(args) => run_device(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(3)
            }
        }
    }
}
