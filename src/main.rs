//! The `rfc3535` command line: argument parsing, targets and inventories, and exit codes.
//!
//! Exit codes (DESIGN.md §5): 0 done; 1 `--fail-on` triggered; 2 usage or configuration error;
//! 3 no verdict could be reached at all (for `probe`: a device could not be reached).

mod probe;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use rfc3535_client::{Auth, ConnectOptions};

use crate::target::{host_key_policy, password_from_env, Inventory, PolicyName, TargetUrl};

/// Operators' network-management requirements (RFC 3535 and the IETF NMOP "RFC 3535-next"
/// work) as executable checks against NETCONF devices.
#[derive(Debug, Parser)]
#[command(
    name = "rfc3535",
    version,
    propagate_version = true,
    after_help = "No device at hand? Start the local lab of real netconfd devices (as root):\n  containerlab/local/lab up\n  rfc3535 probe --inventory .lab/inventory.yaml"
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
}

/// How to reach and authenticate a target given on the command line.
#[derive(Debug, Args)]
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

    /// Accept only a host key with this fingerprint (SHA256:..., as ssh-keygen -lf prints it).
    #[arg(long, value_name = "FINGERPRINT")]
    host_key_fingerprint: Option<String>,

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
}

fn resolve_targets(args: &TargetArgs) -> Result<Vec<ResolvedTarget>> {
    let timeout = Duration::from_secs(args.timeout.max(1));
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
            if args.host_key_policy.is_some() || args.host_key_fingerprint.is_some() {
                options.host_key = host_key_policy(
                    args.host_key_policy,
                    args.known_hosts.clone().or(device.known_hosts.clone()),
                    args.host_key_fingerprint.clone(),
                );
            }
            targets.push(ResolvedTarget {
                name: Some(device.name.clone()),
                labels: serde_json::to_value(&device.labels).unwrap_or_default(),
                options,
            });
        }
    } else {
        let text = args
            .target
            .as_deref()
            .context("give a TARGET or --inventory")?;
        let url: TargetUrl = text.parse()?;
        let auth = if let Some(variable) = &args.password_env {
            Auth::Password(password_from_env(variable)?.into())
        } else if let Some(identity) = &args.identity {
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
                args.host_key_policy,
                args.known_hosts.clone(),
                args.host_key_fingerprint.clone(),
            ),
        );
        targets.push(ResolvedTarget {
            name: None,
            labels: serde_json::Value::Null,
            options,
        });
    }
    for target in &mut targets {
        if let Some(ms) = args.hello_settle_ms {
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

/// A configuration or usage problem (exit code 2), as opposed to a device that cannot be
/// reached.
#[derive(Debug)]
struct UsageError(anyhow::Error);

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
