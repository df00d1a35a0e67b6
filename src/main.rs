//! The `rfc3535` command line: argument parsing, the commands (`commands/`, one file each),
//! the cucumber runner and the progress line. The run engine is `rfc3535-harness`.
//!
//! Exit codes (DESIGN.md §5): 0 done; 1 `--fail-on` triggered; 2 usage or configuration error;
//! 3 no verdict could be reached at all (for `probe`: a device could not be reached).

mod commands;
mod progress;
mod reference;
mod reporting;
mod runner;
mod serve;
mod step_table;
#[path = "../steps/mod.rs"]
mod steps;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{device, diff, probe, report, requirements, run};

/// Many threads allocating small buffers at once: mimalloc's per-thread heaps spend far less
/// than glibc's arenas on it (benches/README.md, `scale`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// NETCONF: the session-id, the negotiated framing, the capabilities grouped (base,
    /// standard, YANG modules with revision, features and deviations), a YANG library summary
    /// (RFC 8525 if offered, else RFC 7895) and the SSH host-key fingerprint.
    /// RESTCONF: the root host-meta names, the HTTP version ALPN settled, the server
    /// certificate's fingerprint, the encoding it answers in, what the harness detects it
    /// claims (with the evidence), the capability URIs and event streams of
    /// ietf-restconf-monitoring. Both say whether the run's sandbox is in a module the device
    /// implements, and name text leaves of its own schema to use instead when it is not.
    ///
    /// Examples:
    ///   RFC3535_PASSWORD=... rfc3535 probe netconf://admin@192.0.2.1 --password-env RFC3535_PASSWORD
    ///   RFC3535_PASSWORD=... rfc3535 probe restconf+https://admin@192.0.2.1/restconf --password-env RFC3535_PASSWORD --ca-file ca.pem
    ///   rfc3535 probe --inventory .lab/inventory.yaml --device netconfd-candidate --json
    #[command(verbatim_doc_comment)]
    Probe(probe::ProbeArgs),

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
    Run(Box<run::RunArgs>),

    /// A hackathon table in one command: a run, then its report on a web page.
    ///
    /// Tests the reference devices of the demo set (the compliant profile and five fault
    /// profiles), with --lab the local lab's real peers too, and any --target or
    /// --inventory given (the participants' devices), with the live progress and the matrix
    /// on screen; then serves the report on http://127.0.0.1:PORT until Ctrl-C. Every
    /// option of `run` applies. Compare two rounds with `rfc3535 diff OLD NEW`.
    ///
    /// Examples:
    ///   rfc3535 demo
    ///   rfc3535 demo --lab --port 8000
    ///   RFC3535_PASSWORD=... rfc3535 demo --target netconf://admin@192.0.2.1 --password-env RFC3535_PASSWORD --host-key-policy accept-new
    #[command(verbatim_doc_comment)]
    Demo(Box<run::DemoArgs>),

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
    Report(report::ReportArgs),

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
    Diff(diff::DiffArgs),

    /// Run the embedded reference device standalone: NETCONF over SSH and RESTCONF over HTTPS.
    ///
    /// Listens on 127.0.0.1 (the ports given, or free ones), prints how to connect (address,
    /// ports, its lab account's user and password, its host-key fingerprint, its RESTCONF
    /// certificate's fingerprint) and serves until Ctrl-C. Both protocols work on the same
    /// datastores (running, candidate, startup), checked against its own YANG modules: the
    /// project's lab module and standard IETF modules from the local module directory
    /// (scripts/setup-test-env installs them).
    ///
    /// Examples:
    ///   rfc3535 device --netconf-port 8830 --restconf-port 8443 --certificate-file /tmp/ref.pem
    ///   ssh -p 8830 -s admin@127.0.0.1 netconf
    ///   RFC3535_PASSWORD=... rfc3535 probe netconf://admin@127.0.0.1:8830 --password-env RFC3535_PASSWORD --host-key-fingerprint SHA256:...
    ///   curl --cacert /tmp/ref.pem -u admin:PASSWORD https://127.0.0.1:8443/restconf/data
    #[command(verbatim_doc_comment)]
    Device(device::DeviceArgs),

    /// List the requirement catalogue; with --coverage, which scenarios cover each one.
    ///
    /// Requirements answered by the evidence questionnaire show as `manual`; device
    /// requirements without any scenario yet show as `none`.
    Requirements(requirements::RequirementsArgs),
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
            Command::Probe(args) => probe::run_probe(args).await,
            Command::Run(args) => run::run_catalogue(*args).await,
            Command::Demo(args) => run::demo(*args).await,
            Command::Requirements(args) => requirements::list_requirements(&args),
            Command::Report(args) => report::report_command(&args),
            Command::Diff(args) => diff::diff_command(&args),
            Command::Device(args) => device::run_device(args).await,
        }
    });
    // Whatever is still running (a blocking task of a device that went, a connection being
    // served) gets a moment to end; the process never waits on it for longer.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
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
