//! `rfc3535 probe`: connect to a device and say what it is and what it claims — over NETCONF
//! the session-id, framing, capabilities grouped (base, standard, modules with revision /
//! features / deviations), a YANG library summary and the host-key fingerprint; over
//! RESTCONF the root, HTTP version, certificate fingerprint, encoding, detected claims and
//! `ietf-restconf-monitoring`'s capabilities and streams; for both, whether the run's sandbox
//! is in a module the device implements (with text leaves of its own schema to name instead
//! when it is not) — as text or as a stable JSON object.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use rfc3535_client::wire::{Capability, CapabilityKind, LibraryFormat, YangLibrary};
use rfc3535_client::{connect, ConnectOptions, Session};
use rfc3535_harness::access::Access;
use rfc3535_harness::discovery::{discover, read_library};
use rfc3535_harness::sandbox::Sandbox;
use rfc3535_harness::target::{resolve, Origin, Target, TargetSource};
use serde::Serialize;

use super::ConnectionArgs;
use crate::UsageError;

/// What a probe found, over the protocol the target speaks (the JSON object is the
/// report itself; a RESTCONF report says `"protocol": "restconf"`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Probed {
    Netconf(ProbeReport),
    Restconf(RestconfProbeReport),
}

/// What a probe of a RESTCONF server found. Field names are part of the `--json` contract.
#[derive(Debug, Serialize)]
pub struct RestconfProbeReport {
    pub device: Option<String>,
    pub protocol: &'static str,
    pub address: String,
    pub username: Option<String>,
    /// The RESTCONF root, as host-meta named it (or `/restconf` when it named none).
    pub root: String,
    /// `HTTP/1.1` or `HTTP/2.0`, as ALPN settled.
    pub http_version: String,
    /// The server certificate's SHA-256 fingerprint.
    pub certificate_fingerprint: Option<String>,
    /// The encoding it is read and written in: `xml`, or `json` for a server that answers
    /// only JSON.
    pub encoding: String,
    /// Each capability the harness detected (its `@cap:` name), with the evidence.
    pub claims: BTreeMap<String, String>,
    /// The capability URIs `ietf-restconf-monitoring` lists.
    pub restconf_capabilities: Vec<String>,
    /// Its event streams: name, encoding, location.
    pub streams: Vec<StreamSummary>,
    /// How many modules its YANG library says it implements.
    pub implemented_modules: usize,
    pub yang_library_note: Option<String>,
    pub connect_ms: u64,
    pub labels: serde_json::Value,
    pub sandbox: SandboxCheck,
}

/// One way to read an event stream.
#[derive(Debug, Serialize)]
pub struct StreamSummary {
    pub name: String,
    pub encoding: String,
    pub location: String,
}

/// Connects over RESTCONF, discovers what the server claims, and checks the sandbox.
pub async fn probe_restconf(
    device: Option<String>,
    labels: serde_json::Value,
    options: &rfc3535_client::restconf::RestconfOptions,
    sandbox: &Sandbox,
) -> Result<RestconfProbeReport> {
    let started = Instant::now();
    let mut session = rfc3535_harness::restconf::open_session(options, Default::default())
        .await
        .map_err(|finding| anyhow::anyhow!("{}", finding.message()))?;
    let connect_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let claims = rfc3535_harness::discovery::discover_restconf(&mut session).await;
    let check = check_sandbox(&session, &claims, "restconf", sandbox).await;
    let report = RestconfProbeReport {
        device,
        protocol: "restconf",
        address: options.address(),
        username: options.username.clone(),
        root: session.client().root().to_owned(),
        http_version: format!("{:?}", session.client().version().await),
        certificate_fingerprint: session
            .client()
            .certificate_fingerprint()
            .map(str::to_owned),
        encoding: session.encoding().to_string(),
        claims: claims
            .capabilities
            .iter()
            .map(|(capability, evidence)| (capability.tag_name().to_owned(), evidence.clone()))
            .collect(),
        restconf_capabilities: claims.restconf_capabilities.clone(),
        streams: claims
            .restconf_streams
            .iter()
            .map(|s| StreamSummary {
                name: s.name.clone(),
                encoding: s.encoding.clone(),
                location: s.location.clone(),
            })
            .collect(),
        implemented_modules: claims.modules.len(),
        yang_library_note: claims.library_note.clone(),
        connect_ms,
        labels,
        sandbox: check,
    };
    rfc3535_harness::session::ManagementSession::end(&session).await;
    Ok(report)
}

/// A RESTCONF probe as text, one fact per line.
fn render_restconf_text(report: &RestconfProbeReport) -> String {
    let mut out = String::new();
    let name = report.device.as_deref().unwrap_or(&report.address);
    out.push_str(&format!("{name}  (RESTCONF)\n"));
    out.push_str(&format!("  address:      {}\n", report.address));
    out.push_str(&format!("  root:         {}\n", report.root));
    out.push_str(&format!("  HTTP:         {}\n", report.http_version));
    out.push_str(&format!(
        "  certificate:  {}\n",
        report
            .certificate_fingerprint
            .as_deref()
            .unwrap_or("(not seen)")
    ));
    out.push_str(&format!("  encoding:     {}\n", report.encoding));
    out.push_str(&format!(
        "  modules:      {} implemented{}\n",
        report.implemented_modules,
        report
            .yang_library_note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    ));
    out.push_str("  claims:\n");
    for (capability, evidence) in &report.claims {
        out.push_str(&format!("    {capability}: {evidence}\n"));
    }
    if report.restconf_capabilities.is_empty() {
        out.push_str("  capabilities: none listed (no ietf-restconf-monitoring state)\n");
    } else {
        out.push_str("  capabilities:\n");
        for uri in &report.restconf_capabilities {
            out.push_str(&format!("    {uri}\n"));
        }
    }
    for stream in &report.streams {
        out.push_str(&format!(
            "  stream:       {} ({}) at {}\n",
            stream.name, stream.encoding, stream.location
        ));
    }
    out.push_str(&format!(
        "  sandbox:      {} ({})\n",
        report.sandbox.text,
        if report.sandbox.implemented {
            "implemented"
        } else {
            "its module is not implemented"
        }
    ));
    for suggestion in &report.sandbox.text_suggestions {
        out.push_str(&format!("    could be: {suggestion}\n"));
    }
    out.push_str(&format!("  connected in {} ms\n", report.connect_ms));
    out
}

/// What a probe found. Field names are part of the `--json` contract.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    pub device: Option<String>,
    pub address: String,
    pub username: String,
    pub session_id: u32,
    /// "1.0" (end-of-message) or "1.1" (chunked).
    pub framing: &'static str,
    pub host_key_fingerprint: Option<String>,
    /// Every capability URI as announced.
    pub capabilities: Vec<String>,
    pub base_versions: Vec<String>,
    pub standard: Vec<StandardCapability>,
    pub modules: Vec<ModuleCapability>,
    pub other: Vec<String>,
    pub yang_library: Option<LibrarySummary>,
    /// Why there is no YANG library summary, when there is none.
    pub yang_library_note: Option<String>,
    pub connect_ms: u64,
    /// The inventory's labels for the device (software, version, ...), if any.
    pub labels: serde_json::Value,
    /// Whether the run could write its sandbox on this device.
    pub sandbox: SandboxCheck,
}

/// The run's sandbox on this device.
#[derive(Debug, Default, Serialize)]
pub struct SandboxCheck {
    /// The text leaf scenarios would write (`NAMESPACE a/b/c`).
    pub text: String,
    /// Whether the device implements its module (from its YANG library, else its hello).
    pub implemented: bool,
    /// When it does not: configuration text leaves of the device's own schema that could be
    /// named as `sandbox.text` in the inventory instead, free-text ones first.
    pub text_suggestions: Vec<String>,
    /// And user-ordered text leaf-lists for `sandbox.ordered_list`.
    pub list_suggestions: Vec<String>,
    /// Why there are no suggestions, when the schema could not be read.
    pub note: Option<String>,
}

/// How many suggestions the probe lists.
const SUGGESTIONS: usize = 8;

/// Whether the sandbox's module is implemented (by the device's `claims`); when not, text
/// nodes of the device's own schema, fetched over either protocol, to use instead.
async fn check_sandbox(
    session: &impl rfc3535_harness::schema::ModuleServer,
    claims: &rfc3535_harness::discovery::Claims,
    scratch_name: &str,
    sandbox: &Sandbox,
) -> SandboxCheck {
    let mut check = SandboxCheck {
        text: sandbox.text.to_string(),
        implemented: claims.implements_namespace(&sandbox.text.namespace),
        ..SandboxCheck::default()
    };
    if check.implemented {
        return check;
    }
    let cache = rfc3535_harness::schema::default_cache();
    let scratch = std::env::temp_dir().join(format!(
        "rfc3535-probe-{}-{scratch_name}",
        std::process::id(),
    ));
    let acquired =
        rfc3535_harness::schema::acquire_from(session, Some(&cache), &scratch, true).await;
    let dir = rfc3535_harness::schema::directory_of(&acquired, Some(&cache), &scratch);
    let compiled = rfc3535_yang::Schema::from_dir(&dir, &acquired.specs());
    let _ = std::fs::remove_dir_all(&scratch);
    match compiled {
        Ok(schema) => {
            let shape = schema.shape();
            let named = |leaf_lists: bool| -> Vec<String> {
                shape
                    .text_nodes(leaf_lists)
                    .into_iter()
                    .take(SUGGESTIONS)
                    .map(|n| format!("{} {}", n.namespace, n.path.join("/")))
                    .collect()
            };
            check.text_suggestions = named(false);
            check.list_suggestions = named(true);
        }
        Err(error) => {
            check.note = Some(format!("the device's modules do not compile: {error}"));
        }
    }
    check
}

#[derive(Debug, Serialize)]
pub struct StandardCapability {
    pub name: String,
    pub version: String,
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct ModuleCapability {
    pub name: String,
    pub namespace: String,
    pub revision: Option<String>,
    pub features: Vec<String>,
    pub deviations: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct LibrarySummary {
    /// "rfc8525" (`/yang-library`) or "rfc7895" (`/modules-state`).
    pub format: &'static str,
    pub content_id: Option<String>,
    pub modules: usize,
    pub implemented: usize,
    pub import_only: usize,
    pub with_deviations: Vec<String>,
    pub datastores: Vec<String>,
}

/// Connects, gathers the report, and closes the session.
pub async fn probe(
    device: Option<String>,
    labels: serde_json::Value,
    options: &ConnectOptions,
    sandbox: &Sandbox,
) -> Result<ProbeReport> {
    let started = Instant::now();
    let session = connect(options).await?;
    let connect_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut report = classify(device, options, &session, connect_ms);
    report.labels = labels;
    match read_library(&session).await {
        Ok(Some(library)) => report.yang_library = Some(summarize(&library)),
        Ok(None) => {}
        Err(note) => report.yang_library_note = Some(note.to_string()),
    }
    let claims = discover(&session).await;
    report.sandbox = check_sandbox(
        &session,
        &claims,
        &session.session_id().to_string(),
        sandbox,
    )
    .await;
    // The probe is done whatever close-session says.
    let _ = session.close().await;
    Ok(report)
}

fn classify(
    device: Option<String>,
    options: &ConnectOptions,
    session: &Session,
    connect_ms: u64,
) -> ProbeReport {
    let mut report = ProbeReport {
        device,
        address: options.address(),
        username: options.username.clone(),
        session_id: session.session_id(),
        framing: session.framing().version(),
        host_key_fingerprint: session.host_key_fingerprint().map(str::to_owned),
        capabilities: session.capabilities().to_vec(),
        base_versions: Vec::new(),
        standard: Vec::new(),
        modules: Vec::new(),
        other: Vec::new(),
        yang_library: None,
        yang_library_note: None,
        connect_ms,
        labels: serde_json::Value::Null,
        sandbox: SandboxCheck::default(),
    };
    for uri in session.capabilities() {
        let capability = Capability::parse(uri);
        match capability.kind {
            CapabilityKind::Base { version } => report.base_versions.push(version),
            CapabilityKind::Standard { name, version } => {
                report.standard.push(StandardCapability {
                    name,
                    version,
                    parameters: capability.parameters.into_iter().collect(),
                })
            }
            CapabilityKind::Module {
                namespace,
                name,
                revision,
                features,
                deviations,
            } => report.modules.push(ModuleCapability {
                name,
                namespace,
                revision,
                features,
                deviations,
            }),
            CapabilityKind::Other => report.other.push(capability.uri),
        }
    }
    report.modules.sort_by(|a, b| a.name.cmp(&b.name));
    report
}

fn summarize(library: &YangLibrary) -> LibrarySummary {
    LibrarySummary {
        format: match library.format {
            LibraryFormat::Rfc8525 => "rfc8525",
            LibraryFormat::Rfc7895 => "rfc7895",
        },
        content_id: library.content_id.clone(),
        modules: library.modules.len(),
        implemented: library.implemented().count(),
        import_only: library.modules.len() - library.implemented().count(),
        with_deviations: library
            .modules
            .iter()
            .filter(|m| !m.deviations.is_empty())
            .map(|m| format!("{} (by {})", m.name, m.deviations.join(", ")))
            .collect(),
        datastores: library.datastores.clone(),
    }
}

/// The report as text for a terminal.
pub fn render_text(report: &ProbeReport) -> String {
    let mut out = String::new();
    let title = report.device.as_deref().unwrap_or(&report.address);
    out.push_str(&format!(
        "{title}  {}  user {}  (connected in {} ms)\n",
        report.address, report.username, report.connect_ms
    ));
    let row = |out: &mut String, key: &str, value: &str| {
        out.push_str(&format!("  {key:<16}{value}\n"));
    };
    if let Some(labels) = report.labels.as_object() {
        let facts: Vec<String> = labels
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                )
            })
            .collect();
        row(&mut out, "labels", &facts.join(", "));
    }
    row(&mut out, "session-id", &report.session_id.to_string());
    row(
        &mut out,
        "framing",
        match report.framing {
            "1.1" => "base:1.1 (chunked)",
            _ => "base:1.0 (end-of-message)",
        },
    );
    row(
        &mut out,
        "host key",
        report.host_key_fingerprint.as_deref().unwrap_or("-"),
    );
    row(&mut out, "base", &report.base_versions.join(", "));
    out.push_str(&format!(
        "  standard capabilities ({})\n",
        report.standard.len()
    ));
    for capability in &report.standard {
        let parameters: Vec<String> = capability
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let suffix = if parameters.is_empty() {
            String::new()
        } else {
            format!("  ({})", parameters.join(", "))
        };
        out.push_str(&format!(
            "    :{}:{}{suffix}\n",
            capability.name, capability.version
        ));
    }
    out.push_str(&format!("  modules in hello ({})\n", report.modules.len()));
    for module in &report.modules {
        let mut line = format!(
            "    {}@{}",
            module.name,
            module.revision.as_deref().unwrap_or("-")
        );
        if !module.features.is_empty() {
            line.push_str(&format!("  features: {}", module.features.join(", ")));
        }
        if !module.deviations.is_empty() {
            line.push_str(&format!("  deviations: {}", module.deviations.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if !report.other.is_empty() {
        out.push_str(&format!("  other capabilities ({})\n", report.other.len()));
        for uri in &report.other {
            out.push_str(&format!("    {uri}\n"));
        }
    }
    match (&report.yang_library, &report.yang_library_note) {
        (Some(library), _) => {
            let format = match library.format {
                "rfc8525" => "RFC 8525 /yang-library",
                _ => "RFC 7895 /modules-state",
            };
            row(
                &mut out,
                "YANG library",
                &format!(
                    "{format}, {} modules ({} implemented, {} import-only), {} {}",
                    library.modules,
                    library.implemented,
                    library.import_only,
                    if library.format == "rfc8525" {
                        "content-id"
                    } else {
                        "module-set-id"
                    },
                    library.content_id.as_deref().unwrap_or("-")
                ),
            );
            if !library.datastores.is_empty() {
                row(&mut out, "datastores", &library.datastores.join(", "));
            }
            if !library.with_deviations.is_empty() {
                row(&mut out, "deviated", &library.with_deviations.join("; "));
            }
        }
        (None, Some(note)) => row(&mut out, "YANG library", note),
        (None, None) => row(&mut out, "YANG library", "-"),
    }
    let sandbox = &report.sandbox;
    if sandbox.implemented {
        row(
            &mut out,
            "sandbox",
            &format!("{} (implemented)", sandbox.text),
        );
    } else {
        row(
            &mut out,
            "sandbox",
            &format!(
                "{} is in no module the device implements: scenarios that write will be skipped",
                sandbox.text
            ),
        );
        if let Some(note) = &sandbox.note {
            row(&mut out, "", note);
        }
        for (key, suggestions) in [
            ("sandbox.text", &sandbox.text_suggestions),
            ("sandbox.ordered_list", &sandbox.list_suggestions),
        ] {
            if !suggestions.is_empty() {
                out.push_str(&format!(
                    "    candidates for {key} in the inventory (from the device's own schema):\n"
                ));
                for suggestion in suggestions {
                    out.push_str(&format!("      {suggestion}\n"));
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The device, as netconf://USER@HOST[:PORT] (port 830 by default) or
    /// restconf+https://USER@HOST[:PORT][/ROOT].
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

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    target: TargetArgs,

    /// Print a JSON object (an array with several devices) instead of text.
    #[arg(long)]
    json: bool,
}

/// The targets the probe's flags name.
fn targets(args: &TargetArgs) -> Result<Vec<Target>> {
    let source = match (&args.inventory, &args.target) {
        (Some(path), _) => TargetSource::Inventory {
            path: path.clone(),
            device: args.device.clone(),
        },
        (None, Some(url)) => TargetSource::Url(url.clone()),
        (None, None) => anyhow::bail!("give a TARGET or --inventory"),
    };
    let overrides = args.connection.overrides(args.host_key_fingerprint.clone());
    Ok(resolve(&[source], &overrides)?)
}

pub async fn run_probe(args: ProbeArgs) -> Result<ExitCode> {
    let targets = targets(&args.target).map_err(UsageError)?;
    let several =
        targets.len() > 1 || args.target.device.is_none() && args.target.inventory.is_some();
    let probes = targets.into_iter().map(|target| async move {
        // A URL target has no name of its own, and no labels.
        let (device, labels, label) = match target.origin {
            Origin::Url => (None, serde_json::Value::Null, target.connect.address()),
            _ => (
                Some(target.name.clone()),
                serde_json::to_value(&target.labels).unwrap_or_default(),
                target.name.clone(),
            ),
        };
        let result = match &target.connect {
            Access::Netconf(options) => probe(device, labels, options, &target.sandbox)
                .await
                .map(Probed::Netconf),
            Access::Restconf(options) => probe_restconf(device, labels, options, &target.sandbox)
                .await
                .map(Probed::Restconf),
        };
        (label, result)
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
        let texts: Vec<String> = reports
            .iter()
            .map(|report| match report {
                Probed::Netconf(report) => render_text(report),
                Probed::Restconf(report) => render_restconf_text(report),
            })
            .collect();
        print!("{}", texts.join("\n"));
    }
    Ok(if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}
