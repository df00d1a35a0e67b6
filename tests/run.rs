//! `rfc3535 run` as an operator runs it, against real lab devices (netconfd behind OpenSSH):
//!
//! - the whole catalogue against two devices with different capabilities, checking the
//!   results' structure, verdicts that must hold on netconfd, and that every device's
//!   configuration after the run equals what it was before;
//! - every scenario of the catalogue against a device that breaks it, which must fail it: a
//!   real defect of netconfd where there is one, else the same real device behind the fault
//!   proxy (`rfc3535_testlab::fault_proxy`) with one precise fault;
//! - a device that drops the connection mid-scenario: `error` for that scenario, and the run
//!   goes on and writes its results.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use rfc3535_client::wire::Datastore;
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use rfc3535_score::{Results, Verdict};
use rfc3535_testlab::fault_proxy::{Action, FaultProxy, ProxyConfig, Rule};
use rfc3535_testlab::{DeviceSpec, LabDevice, NETCONFD_HELLO_SETTLE};

mod common;

use common::features_dir;

/// One inventory entry for a lab device behind a fault proxy (host key pinned). The proxy
/// relays every session as the admin, so the read-only account is named only where the
/// proxy lets it in (and so leaks the admin's rights to it, which is the fault).
fn proxy_entry(name: &str, device: &LabDevice, proxy: &FaultProxy, read_only: bool) -> String {
    let role = if read_only {
        format!(
            "    roles:\n      read_only:\n        username: {}\n        password_file: {}\n",
            device.guest,
            device.dir.join("guest.pass").display(),
        )
    } else {
        String::new()
    };
    format!(
        "  - name: {name}\n    address: 127.0.0.1\n    port: {}\n    username: {}\n    password_file: {}\n    host_key_fingerprint: \"{}\"\n    hello_settle_ms: 100\n{role}    labels: {{ software: netconfd, fault: proxy }}\n",
        proxy.port,
        device.admin,
        device.dir.join("admin.pass").display(),
        proxy.fingerprint,
    )
}

fn write_inventory(dir: &Path, entries: &[String]) -> PathBuf {
    let path = dir.join("inventory.yaml");
    std::fs::write(&path, format!("devices:\n{}", entries.concat())).expect("write inventory");
    path
}

/// Runs `rfc3535 run` against an inventory and reads its results.json.
async fn run(inventory: &Path, out: &Path, extra: &[&str]) -> (Output, Results) {
    let mut args = vec!["--inventory", path_str(inventory)];
    args.extend_from_slice(extra);
    common::run(out, &args).await
}

fn verdict_of(results: &Results, device: &str, scenario: &str) -> (Verdict, String) {
    let entry = results
        .results
        .iter()
        .find(|r| r.device == format!("{device}/netconf") && r.scenario == scenario)
        .unwrap_or_else(|| panic!("no result for {scenario:?} on {device}"));
    (entry.verdict, entry.message.clone())
}

fn admin_options(device: &LabDevice) -> ConnectOptions {
    let mut options = ConnectOptions::new(
        "127.0.0.1".to_owned(),
        device.port,
        device.admin.clone(),
        Auth::Password(device.admin_password().trim_end().to_owned().into()),
        HostKeyPolicy::Strict {
            known_hosts: device.known_hosts(),
        },
    );
    options.session.hello_settle = NETCONFD_HELLO_SETTLE;
    options
}

/// The device's configuration datastores (running; with `with_startup`, the candidate
/// device's startup and candidate too) as ncclient reads them, byte for byte: an independent
/// reader (tests/python/read_datastores.py), not the harness's own client and compare, with
/// the device's host key pinned.
async fn configuration(device: &LabDevice, with_startup: bool) -> Vec<String> {
    let host_key = device.host_key_ed25519();
    let host_key = host_key
        .split_whitespace()
        .nth(1)
        .expect("the lab device has an ed25519 host key");
    let mut datastores = vec!["running"];
    if with_startup {
        datastores.extend(["startup", "candidate"]);
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/read_datastores.py"
    );
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .arg(device.port.to_string())
        .arg(&device.admin)
        .arg(device.dir.join("admin.pass"))
        .arg(host_key)
        .args(&datastores)
        .output()
        .await
        .expect("python3 runs (scripts/setup-test-env installs ncclient)");
    assert!(
        output.status.success(),
        "ncclient could not read the device: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: BTreeMap<String, String> =
        serde_json::from_slice(&output.stdout).expect("the reader prints JSON");
    datastores
        .iter()
        .map(|d| format!("{d}:\n{}", read.get(*d).cloned().unwrap_or_default()))
        .collect()
}

/// The third lab configuration (NMDA, candidate with startup): the whole catalogue leaves its
/// running, startup and candidate as ncclient found them, byte for byte, though its NMDA
/// scenarios fail and the sandbox list's containers did not exist before the run.
#[tokio::test(flavor = "multi_thread")]
async fn whole_catalogue_leaves_the_nmda_device_as_found() {
    let device = LabDevice::start(&DeviceSpec::nmda());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = write_inventory(dir.path(), &[device.inventory_entry("nmda")]);
    let before = configuration(&device, true).await;
    let (_, results) = run(&inventory, &dir.path().join("run"), &["--fail-on", "never"]).await;
    let safety = &results.devices[0].safety;
    assert!(safety.verified, "{safety:?}");
    assert_eq!(
        before,
        configuration(&device, true).await,
        "the run left running, startup and candidate as it found them"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn whole_catalogue_against_two_lab_devices() {
    let candidate = LabDevice::start(&DeviceSpec::candidate());
    let running = LabDevice::start(&DeviceSpec::running_base10());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = write_inventory(
        dir.path(),
        &[
            candidate.inventory_entry("candidate"),
            running.inventory_entry("running"),
        ],
    );
    let before = (
        configuration(&candidate, true).await,
        configuration(&running, false).await,
    );
    let out = dir.path().join("run");
    let (output, results) = run(&inventory, &out, &[]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Structure: the contract of DESIGN.md §6.
    assert_eq!(results.schema_version, 1);
    let ids: BTreeSet<&str> = results.devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from(["candidate/netconf", "running/netconf"])
    );
    let requirement_ids: BTreeSet<&str> =
        results.requirements.iter().map(|r| r.id.as_str()).collect();
    let scenarios: BTreeSet<&str> = results
        .results
        .iter()
        .map(|r| r.scenario.as_str())
        .collect();
    for device in &results.devices {
        assert!(device.safety.verified, "{}: {:?}", device.id, device.safety);
        assert!(device.score.percent.is_some(), "{}", device.id);
        assert!(device
            .host_key_fingerprint
            .as_deref()
            .is_some_and(|f| f.starts_with("SHA256:")));
        let mine: BTreeSet<&str> = results
            .results
            .iter()
            .filter(|r| r.device == device.id)
            .map(|r| r.scenario.as_str())
            .collect();
        assert_eq!(
            mine, scenarios,
            "every scenario has a verdict on {}",
            device.id
        );
    }
    for result in &results.results {
        assert!(ids.contains(result.device.as_str()));
        assert!(
            requirement_ids.contains(result.requirement.as_str()),
            "{}",
            result.requirement
        );
        assert!(
            result.verdict == Verdict::Pass || !result.message.is_empty(),
            "{result:?}"
        );
        for path in &result.evidence {
            assert!(out.join(path).is_file(), "evidence {path} exists");
        }
        if result.verdict != Verdict::NotApplicable {
            assert!(
                !result.evidence.is_empty(),
                "{} has evidence",
                result.scenario
            );
        }
    }
    assert!(results
        .requirement_results
        .iter()
        .all(|r| ids.contains(r.device.as_str())));

    // Verdicts that must hold on netconfd.
    let isolation = "Candidate changes stay invisible until committed";
    assert_eq!(
        verdict_of(&results, "candidate", isolation).0,
        Verdict::Pass
    );
    let (verdict, message) = verdict_of(&results, "running", isolation);
    assert_eq!(verdict, Verdict::NotApplicable);
    assert!(message.contains("candidate"), "{message}");
    let base = "The device offers the current base protocol";
    assert_eq!(verdict_of(&results, "candidate", base).0, Verdict::Pass);
    assert_eq!(verdict_of(&results, "running", base).0, Verdict::Fail);
    for scenario in [
        "Every announced YANG module can be downloaded and compiled",
        "A read-only account cannot change the configuration",
    ] {
        for device in ["candidate", "running"] {
            assert_eq!(
                verdict_of(&results, device, scenario).0,
                Verdict::Pass,
                "{scenario} on {device}"
            );
        }
    }
    // netconfd reorders user-ordered entries on commit; written straight to running, the
    // order holds (docs/lab-findings.md).
    let order = "Entries of a user-ordered list keep the order they were given";
    let (verdict, message) = verdict_of(&results, "candidate", order);
    assert_eq!(verdict, Verdict::Fail, "{message}");
    assert!(message.contains("[a, b, c, d]"), "{message}");
    assert_eq!(verdict_of(&results, "running", order).0, Verdict::Pass);
    let broken = results
        .results
        .iter()
        .find(|r| r.scenario == order && r.device == "candidate/netconf");
    assert!(
        broken.is_some_and(|r| r.claimed_but_broken),
        "config-edit is claimed, so it is claimed but broken"
    );
    // A @multi scenario needs two devices claiming :candidate: the running device has none.
    assert_eq!(
        verdict_of(
            &results,
            "running",
            "A change across devices is committed everywhere"
        )
        .0,
        Verdict::NotApplicable
    );
    assert_eq!(
        verdict_of(
            &results,
            "candidate",
            "A change across devices is committed everywhere"
        )
        .0,
        Verdict::Skipped
    );
    // The two devices differ where their capabilities differ, and only as not-applicable.
    let verdicts = |device: &str| -> Vec<(String, Verdict)> {
        results
            .results
            .iter()
            .filter(|r| r.device == format!("{device}/netconf"))
            .map(|r| (r.scenario.clone(), r.verdict))
            .collect()
    };
    assert_ne!(verdicts("candidate"), verdicts("running"));

    let after = (
        configuration(&candidate, true).await,
        configuration(&running, false).await,
    );
    assert_eq!(
        before, after,
        "the run left every device's configuration as it found it"
    );
    assert!(stdout.contains("configuration: "), "{stdout}");

    // The reports: the matrix on screen and in matrix.txt, the HTML report beside results.json,
    // and results.json valid against its committed JSON Schema.
    assert!(
        stdout.contains("rfc3535 interoperability matrix"),
        "{stdout}"
    );
    for file in ["matrix.txt", "report.html"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    assert_eq!(
        schema_problems(&out.join("results.json")),
        Vec::<String>::new()
    );
    // A run compared with itself has no differences.
    let diff = cli(&["diff", path_str(&out), path_str(&out)]).await;
    assert!(diff.status.success(), "{diff:?}");
    assert!(String::from_utf8_lossy(&diff.stdout).contains("no differences"));
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Runs the rfc3535 binary with arguments.
async fn cli(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args(args)
        .output()
        .await
        .expect("rfc3535 runs")
}

/// What `reports/results.schema.json` finds wrong with a results file.
fn schema_problems(results: &Path) -> Vec<String> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/results.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema).expect("schema")).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).expect("results")).expect("JSON");
    validator
        .iter_errors(&document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// What differs between runs of the same scenarios on the same devices only by timing.
fn without_timing(mut results: Results) -> Results {
    for result in &mut results.results {
        result.duration_ms = 0;
        result.measurements.retain(|name, _| !name.ends_with("_ms"));
    }
    results
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_merge_into_the_run_over_both_devices_multi_included() {
    let candidate = LabDevice::start(&DeviceSpec::candidate());
    let running = LabDevice::start(&DeviceSpec::running_base10());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = write_inventory(
        dir.path(),
        &[
            candidate.inventory_entry("candidate"),
            running.inventory_entry("running"),
        ],
    );
    // Not R3535-3.7: on a freshly started netconfd the first restore adds /ietf-system:system
    // (docs/lab-findings.md), so the first run and the later ones differ there.
    // The @multi scenarios (feature 13 and the cross-device transactions) go to the fleet
    // part, over both devices.
    // Nor `<get>` with with-defaults (RFC 6243 §4.5.2): netconfd's answer carries an empty
    // NACM counter or not depending on what the process served before (docs/lab-findings.md),
    // so the parts and the whole run read differently there.
    let tags = "(@multi or @req:R3535-3.2 or @req:R3535-3.6 or @req:R3535-3.13 or @req:R3535-5.27) and not @rfc6243-4.5.2";
    let whole = dir.path().join("whole");
    let (_, one_run) = run(&inventory, &whole, &["--tags", tags]).await;
    assert!(
        one_run
            .results
            .iter()
            .any(|r| r.scenario == "The same configuration reads the same on every device"),
        "the selection holds @multi scenarios"
    );
    let mut shards = Vec::new();
    for shard in ["1/2", "2/2", "fleet"] {
        let out = dir
            .path()
            .join(format!("shard-{}", shard.replace('/', "-")));
        let (_, results) = run(&inventory, &out, &["--tags", tags, "--shard", shard]).await;
        assert_eq!(
            results.devices.len(),
            if shard == "fleet" { 2 } else { 1 },
            "shard {shard}"
        );
        assert_eq!(results.run.shard.as_deref(), Some(shard));
        shards.push(out);
    }

    let merged_dir = dir.path().join("merged");
    let merged = cli(&[
        "report",
        path_str(&shards[2]),
        path_str(&shards[0]),
        path_str(&shards[1]),
        "--format",
        "json,html,junit",
        "--out",
        path_str(&merged_dir),
    ])
    .await;
    assert!(merged.status.success(), "{merged:?}");
    let merged_path = merged_dir.join("results.json");
    assert_eq!(schema_problems(&merged_path), Vec::<String>::new());
    let merged = Results::from_json(&std::fs::read_to_string(&merged_path).expect("merged"))
        .expect("merged results");
    // The verdicts first, as `rfc3535 diff` shows them, so a failure reads as what changed.
    let diff = cli(&["diff", path_str(&whole), path_str(&merged_path)]).await;
    let diff_text = String::from_utf8_lossy(&diff.stdout);
    assert!(diff.status.success(), "{diff_text}");
    let failures: Vec<String> = one_run
        .results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| format!("{} {}: {}", r.device, r.scenario, r.message))
        .collect();
    assert!(
        diff_text.contains("no differences"),
        "{diff_text}\nthe run over both devices: {failures:#?}"
    );
    let (merged, one_run) = (without_timing(merged), without_timing(one_run));
    assert_eq!(merged.devices, one_run.devices);
    assert_eq!(merged.requirements, one_run.requirements);
    // The order of results is the parts' (a device's single-device results, then its @multi
    // ones); as a set they are the run's.
    let sorted = |results: &Results| {
        let mut entries: Vec<String> = results
            .results
            .iter()
            .map(|r| serde_json::to_string(r).expect("serialises"))
            .collect();
        entries.sort();
        entries
    };
    assert_eq!(sorted(&merged), sorted(&one_run));
    assert_eq!(merged.requirement_results, one_run.requirement_results);
    // The HTML report of the merge carries both shards' evidence.
    let html = std::fs::read_to_string(merged_dir.join("report.html")).expect("html");
    assert!(html.contains("evidence/candidate/") && html.contains("evidence/running/"));

    // A device in two of the files is refused, with both named, and exit code 2.
    let twice = cli(&["report", path_str(&shards[0]), path_str(&whole)]).await;
    assert_eq!(twice.status.code(), Some(2), "{twice:?}");
    assert!(String::from_utf8_lossy(&twice.stderr).contains("is in both"));
}

/// Faults in front of a real device.
#[derive(Default)]
struct Faults {
    hello: Vec<(&'static str, &'static str)>,
    rules: Vec<Rule>,
    any_password: bool,
    max_sessions: Option<usize>,
    drop_notifications: Vec<&'static str>,
}

fn rule(when: &str, action: Action) -> Rule {
    Rule::new(when, action)
}

fn rewrite_reply(when: &str, from: &str, to: &str) -> Rule {
    rule(
        when,
        Action::RewriteReply {
            from: from.into(),
            to: to.into(),
        },
    )
}

fn rewrite_request(when: &str, from: &str, to: &str) -> Rule {
    rule(
        when,
        Action::RewriteRequest {
            from: from.into(),
            to: to.into(),
        },
    )
}

async fn start_proxy(device: &LabDevice, faults: Faults) -> FaultProxy {
    FaultProxy::start(ProxyConfig {
        upstream_port: device.port,
        upstream_user: device.admin.clone(),
        upstream_key: device.client_key(),
        upstream_known_hosts: device.known_hosts(),
        host_key: device.dir.join("ssh_host_ed25519_key"),
        password: device.admin_password().trim_end().to_owned(),
        accept_any_password: faults.any_password,
        max_sessions: faults.max_sessions,
        hello_rewrites: faults
            .hello
            .iter()
            .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
            .collect(),
        drop_notifications: faults
            .drop_notifications
            .iter()
            .map(|d| (*d).to_owned())
            .collect(),
        rules: faults.rules,
    })
    .await
    .expect("proxy starts")
}

/// Which devices a failing case needs.
enum Bed {
    /// One real device with a real defect.
    Real(fn() -> DeviceSpec),
    /// One real device behind the fault proxy.
    Faulty(fn() -> DeviceSpec, fn() -> Faults),
    /// Two real devices, the first with these faults (none: both as they are).
    Pair(Option<fn() -> Faults>),
    /// Three real devices, the first with these faults: where devices are compared with each
    /// other, the two that agree tell which one is wrong.
    Trio(fn() -> Faults),
}

/// A device that claims `:candidate` but edits running directly and ignores commit and
/// discard-changes: a capability advertised and not honoured.
fn fake_candidate() -> Faults {
    Faults {
        hello: vec![(
            "urn:ietf:params:netconf:capability:writable-running:1.0</capability>",
            "urn:ietf:params:netconf:capability:writable-running:1.0</capability><capability>urn:ietf:params:netconf:capability:candidate:1.0</capability>",
        )],
        rules: vec![
            rewrite_request("<candidate/>", "<candidate/>", "<running/>"),
            rule("<commit", Action::AnswerOk),
            rule("<discard-changes", Action::AnswerOk),
        ],
        ..Faults::default()
    }
}

/// Commits arrive without `<confirmed/>`: the device ignores confirmed-commit timeouts.
fn unconfirmed_commits() -> Faults {
    Faults {
        rules: vec![
            rewrite_request("<confirmed/>", "<confirm-timeout>2</confirm-timeout>", ""),
            rewrite_request("<confirmed/>", "<confirm-timeout>60</confirm-timeout>", ""),
            rewrite_request("<confirmed/>", "<confirmed/>", ""),
        ],
        ..Faults::default()
    }
}

const EXTRA_SCHEMA: &str = "<schema><identifier>rfc3535-extra</identifier><version>1</version><format>yang</format><namespace>urn:x</namespace><location>NETCONF</location></schema></schemas>";

/// Every scenario of the catalogue and the bed on which it must fail.
fn failing_cases() -> Vec<(&'static str, Bed)> {
    use Bed::{Faulty, Pair, Real, Trio};
    vec![
        // jetconf answers in application/yang.api+json, a media type of the drafts.
        (
            "RESTCONF answers in the YANG data media type asked for",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf refuses a POST that creates a leaf-list entry with 400.
        (
            "A new entry is created with 201 and its Location, and goes with DELETE",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf applies a PUT whose If-Match names an entity-tag of before the last change.
        (
            "The entity-tag moves with every change and guards against a stale write",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf drops the connection on a POST of the datastore that creates what exists.
        (
            "A refused request says why in an errors body",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf answers a plain PATCH with 405, and cannot have a leaf-list entry added at
        // all (PUT of the entry 404, POST 400).
        (
            "A plain PATCH merges into the resource it names and creates nothing",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf lists only its own operations, not ietf-system's, each as null, not [null].
        (
            "The operations resource lists every operation the device's modules define",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf ignores content: nonconfig and config both read configuration and state.
        (
            "RESTCONF's content parameter reads state apart from configuration",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf has no handler for ietf-system's set-current-datetime: operation-not-supported
        // (in a 400).
        (
            "Every operation of the device's modules can be invoked, and input it cannot take gets a structured error",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf's Last-Modified is the time of the answer, whatever changed.
        (
            "The entity-tag and Last-Modified move with configuration changes only",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf cannot have a leaf-list entry created with POST (400), insert or not.
        (
            "RESTCONF puts a new entry where insert and point say",
            Real(DeviceSpec::jetconf),
        ),
        // jetconf's datastore reads, content=config included, carry state, which a
        // configuration read must not (its own schema rejects it).
        (
            "The whole datastore reads in one GET, and HEAD answers as GET does",
            Real(DeviceSpec::jetconf),
        ),
        (
            "The device offers the current base protocol",
            Real(DeviceSpec::running_base10),
        ),
        (
            "Every announced YANG module can be downloaded and compiled",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_reply(
                    "<identifier>ietf-system</identifier>",
                    "module ietf-system",
                    "module ietf-systemz",
                )],
                ..Faults::default()
            }),
        ),
        (
            "The YANG library and the hello agree on the modules",
            Faulty(DeviceSpec::candidate, || Faults {
                hello: vec![(
                    "module=ietf-system&amp;revision=2014-08-06",
                    "module=ietf-system&amp;revision=2000-01-01",
                )],
                ..Faults::default()
            }),
        ),
        (
            "Every module the monitoring schema list names can be fetched",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_reply(
                    "<schemas/>",
                    "<identifier>ietf-system</identifier>",
                    "<identifier>rfc3535-retired</identifier>",
                )],
                ..Faults::default()
            }),
        ),
        (
            "A request the device cannot honour gets a structured error",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rule("rfc3535-no-such-operation", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        (
            "A configuration read carries no operational state",
            Faulty(DeviceSpec::candidate, || {
                Faults {
            rules: vec![rewrite_reply(
                "<get-config><source><running/></source></get-config>",
                "</data>",
                "<system-state xmlns=\"urn:ietf:params:xml:ns:yang:ietf-system\"><clock><current-datetime>2026-01-01T00:00:00Z</current-datetime></clock></system-state></data>",
            )],
            ..Faults::default()
        }
            }),
        ),
        (
            "The running configuration validates against the device's own schema",
            Faulty(DeviceSpec::candidate, || {
                Faults {
                rules: vec![rewrite_reply(
                    "<get-config><source><running/></source></get-config>",
                    "</data>",
                    "<system-state xmlns=\"urn:ietf:params:xml:ns:yang:ietf-system\"><clock><current-datetime>2026-01-01T00:00:00Z</current-datetime></clock></system-state></data>",
                )],
                ..Faults::default()
            }
            }),
        ),
        (
            "Operational state can be read on its own",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_reply("<sessions/>", "session-id>", "session-idx>")],
                ..Faults::default()
            }),
        ),
        (
            "A subtree filter selects one list entry",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_reply(
                    "<schemas><schema><identifier>",
                    "</schemas>",
                    EXTRA_SCHEMA,
                )],
                ..Faults::default()
            }),
        ),
        (
            "An XPath filter selects what the equivalent subtree filter selects",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_reply("type=\"xpath\"", "</schemas>", EXTRA_SCHEMA)],
                ..Faults::default()
            }),
        ),
        (
            "Candidate changes stay invisible until committed",
            Faulty(DeviceSpec::running_base10, fake_candidate),
        ),
        (
            "Discarding changes brings the candidate back to running",
            Faulty(DeviceSpec::running_base10, fake_candidate),
        ),
        (
            "A candidate with uncommitted changes cannot be locked by another session",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rule("<lock>", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        (
            "A committed change does not reach startup until it is copied there",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_request(
                    "<source><startup/></source>",
                    "<startup/>",
                    "<running/>",
                )],
                ..Faults::default()
            }),
        ),
        (
            "An unconfirmed commit is rolled back when its timeout expires",
            Faulty(DeviceSpec::candidate, unconfirmed_commits),
        ),
        (
            "An unconfirmed commit is rolled back when its session is lost",
            Faulty(DeviceSpec::candidate, unconfirmed_commits),
        ),
        (
            "A persistent confirmed commit is confirmed from another session only with its token",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rule("rfc3535-wrong-", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        (
            "A lock held by one session is refused to another, which is told who holds it",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![Rule {
                    nth: Some(2),
                    ..rule("<lock>", Action::AnswerOk)
                }],
                ..Faults::default()
            }),
        ),
        (
            "An edit that fails part-way leaves nothing behind",
            Faulty(DeviceSpec::candidate, || {
                Faults {
                // The invalid half is quietly applied as a merge, the valid half kept, and
                // the error still reported: an edit that "failed" but left part of itself.
                rules: vec![
                    rewrite_request(
                        "rollback-on-error",
                        "nc:operation=\"create\"",
                        "nc:operation=\"merge\"",
                    ),
                    rewrite_reply(
                        "rollback-on-error",
                        "<ok/>",
                        "<rpc-error><error-type>application</error-type><error-tag>data-exists</error-tag><error-severity>error</error-severity></rpc-error>",
                    ),
                ],
                ..Faults::default()
            }
            }),
        ),
        (
            "A change across devices is committed everywhere",
            Pair(None),
        ),
        (
            "A change across devices is abandoned everywhere when one device refuses it",
            Pair(Some(|| Faults {
                rules: vec![rule("<discard-changes", Action::AnswerOk)],
                ..Faults::default()
            })),
        ),
        (
            "Create refuses what exists and delete refuses what is absent",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rule("operation=\"create\"", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        (
            "Remove accepts what is absent",
            Faulty(DeviceSpec::candidate, || {
                Faults {
            rules: vec![rewrite_reply(
                "operation=\"remove\"",
                "<ok/>",
                "<rpc-error><error-type>application</error-type><error-tag>data-missing</error-tag><error-severity>error</error-severity></rpc-error>",
            )],
            ..Faults::default()
        }
            }),
        ),
        (
            "A saved configuration restores exactly",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rule("<copy-config>", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        (
            "The running configuration can be saved as startup",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rule("<target><startup/></target>", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        (
            "Entries of a user-ordered list keep the order they were given",
            Real(DeviceSpec::candidate),
        ),
        (
            "Reading twice without a change gives the same answer",
            Faulty(DeviceSpec::candidate, || {
                Faults {
            rules: vec![Rule {
                nth: Some(3),
                ..rewrite_reply(
                    "<get-config><source><running/></source></get-config>",
                    "</data>",
                    "<system xmlns=\"urn:ietf:params:xml:ns:yang:ietf-system\"><contact>drifted</contact></system></data>",
                )
            }],
            ..Faults::default()
        }
            }),
        ),
        (
            "Non-ASCII text comes back exactly as it was written",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_reply("<location/>", "東京", "Tokyo")],
                ..Faults::default()
            }),
        ),
        (
            "Every configuration change is announced with who made it",
            Faulty(DeviceSpec::candidate, || Faults {
                drop_notifications: vec!["netconf-config-change"],
                ..Faults::default()
            }),
        ),
        (
            "A read-only account cannot change the configuration",
            Faulty(DeviceSpec::candidate, || Faults {
                any_password: true,
                ..Faults::default()
            }),
        ),
        (
            "An operation outside an account's role is refused while its reads still work",
            Real(DeviceSpec::candidate),
        ),
        (
            "The device implements the standard modules of the operator's profile",
            Real(DeviceSpec::nmda),
        ),
        (
            "An operation with invalid input gets a structured error",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rule("<session-id>0</session-id>", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        (
            "Several sessions at once are all served",
            Faulty(DeviceSpec::candidate, || Faults {
                max_sessions: Some(3),
                ..Faults::default()
            }),
        ),
        (
            "Wrong credentials are refused",
            Faulty(DeviceSpec::candidate, || Faults {
                any_password: true,
                ..Faults::default()
            }),
        ),
        (
            "Pipelined requests are all answered",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![Rule {
                    nth: Some(5),
                    ..rule("<location/>", Action::Ignore)
                }],
                ..Faults::default()
            }),
        ),
        (
            "The same configuration reads the same on every device",
            Pair(Some(|| Faults {
                rules: vec![rewrite_reply("<location/>", ">rfc3535-", ">rfc3535x-")],
                ..Faults::default()
            })),
        ),
        (
            "Access-control rules can be compared across devices",
            Trio(|| Faults {
                rules: vec![rewrite_reply(
                    "<nacm xmlns",
                    "<write-default>deny",
                    "<write-default>permit",
                )],
                ..Faults::default()
            }),
        ),
        // netconfd's report-all leaves out the defaults inside nested non-presence
        // containers (docs/lab-findings.md).
        (
            "Every announced with-defaults mode shows the defaults as the mode says",
            Real(DeviceSpec::candidate),
        ),
        (
            "get shows the defaults of running as each with-defaults mode says",
            Real(DeviceSpec::candidate),
        ),
        (
            "A session with an active subscription still answers requests",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![Rule {
                    after: Some("create-subscription".to_owned()),
                    ..rule("<get-config>", Action::AnswerOk)
                }],
                ..Faults::default()
            }),
        ),
        (
            "Sessions are announced as they start and end, with their account",
            Faulty(DeviceSpec::candidate, || Faults {
                drop_notifications: vec!["netconf-session-start"],
                ..Faults::default()
            }),
        ),
        (
            "A confirmed commit is announced as it starts and as it completes",
            Faulty(DeviceSpec::candidate, || Faults {
                drop_notifications: vec!["netconf-confirmed-commit"],
                ..Faults::default()
            }),
        ),
        (
            "The YANG library holds still while nothing changes",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![Rule {
                    after: Some("modules-state".to_owned()),
                    ..rewrite_reply(
                        "modules-state",
                        "<module-set-id>",
                        "<module-set-id>changed-",
                    )
                }],
                ..Faults::default()
            }),
        ),
        (
            "The monitoring data shows who holds a lock",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![rewrite_reply(
                    "<datastores/>",
                    "<locked-by-session>",
                    "<locked-by-session>9",
                )],
                ..Faults::default()
            }),
        ),
        // netconfd announces :url with scheme=file and answers a copy-config to a file URL
        // with an internal error (docs/lab-findings.md).
        (
            "A configuration saved to a file restores exactly",
            Real(DeviceSpec::candidate),
        ),
        // netconfd's NMDA: get-data of ds:running holds state, config-filter and max-depth
        // are ignored, edit-data refuses its own config (docs/lab-findings.md).
        (
            "The running configuration reads the same through get-data and get-config",
            Real(DeviceSpec::nmda),
        ),
        (
            "The config filter separates configuration from state in the operational datastore",
            Real(DeviceSpec::nmda),
        ),
        (
            "max-depth limits how deep the operational datastore is read",
            Real(DeviceSpec::nmda),
        ),
        (
            "An edit made with edit-data is what get-config reads back",
            Real(DeviceSpec::nmda),
        ),
        // netconfd announces ietf-netconf-nmda's origin feature and ignores a
        // negated-origin-filter (docs/lab-findings.md).
        (
            "Origin filters keep and leave out configuration by where it came from",
            Real(DeviceSpec::nmda),
        ),
        // The proxy answers every edit of running with <ok/> and passes none on: a device
        // that announces :writable-running and changes nothing.
        (
            "An edit of the running configuration takes effect at once",
            Faulty(DeviceSpec::running_base10, || Faults {
                rules: vec![rule("<edit-config><target><running/>", Action::AnswerOk)],
                ..Faults::default()
            }),
        ),
        // The proxy spoils the start time of a subscription: a device whose streams list
        // says the NETCONF stream replays, and that refuses to replay.
        (
            "A subscription from an earlier time replays the changes made since, then says the replay is complete",
            Faulty(DeviceSpec::candidate, || Faults {
                rules: vec![Rule::new(
                    "<startTime>",
                    Action::RewriteRequest {
                        from: "<startTime>".to_owned(),
                        to: "<startTime>not-a-time-".to_owned(),
                    },
                )],
                ..Faults::default()
            }),
        ),
        // netconfd announces ietf-netconf-nmda's with-defaults feature and ignores the
        // parameter on get-data (docs/lab-findings.md).
        (
            "get-data shows the defaults of running as each with-defaults mode says",
            Real(DeviceSpec::nmda),
        ),
        // netconfd announces :partial-lock and answers every partial-lock with an internal
        // error (docs/lab-findings.md).
        (
            "A partial lock keeps other sessions off the locked node, and off that node only",
            Real(DeviceSpec::running_base10),
        ),
    ]
}

/// Runs one failing case and returns the verdicts of the scenario on every device.
async fn run_case(scenario: &str, bed: &Bed) -> Vec<(String, Verdict, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devices = Vec::new();
    let mut proxies = Vec::new();
    let mut entries = Vec::new();
    match bed {
        Bed::Real(spec) => {
            let device = LabDevice::start(&spec());
            entries.push(device.inventory_entry("device"));
            devices.push(device);
        }
        Bed::Faulty(spec, faults) => {
            let device = LabDevice::start(&spec());
            let faults = faults();
            let read_only = faults.any_password;
            let proxy = start_proxy(&device, faults).await;
            entries.push(proxy_entry("device", &device, &proxy, read_only));
            devices.push(device);
            proxies.push(proxy);
        }
        Bed::Pair(faults) => {
            let first = LabDevice::start(&DeviceSpec::candidate());
            let second = LabDevice::start(&DeviceSpec::candidate());
            match faults {
                Some(faults) => {
                    let proxy = start_proxy(&first, faults()).await;
                    entries.push(proxy_entry("first", &first, &proxy, false));
                    proxies.push(proxy);
                }
                None => entries.push(first.inventory_entry("first")),
            }
            entries.push(second.inventory_entry("second"));
            devices.push(first);
            devices.push(second);
        }
        Bed::Trio(faults) => {
            let first = LabDevice::start(&DeviceSpec::candidate());
            let proxy = start_proxy(&first, faults()).await;
            entries.push(proxy_entry("first", &first, &proxy, false));
            proxies.push(proxy);
            devices.push(first);
            for name in ["second", "third"] {
                let device = LabDevice::start(&DeviceSpec::candidate());
                entries.push(device.inventory_entry(name));
                devices.push(device);
            }
        }
    }
    let inventory = write_inventory(dir.path(), &entries);
    let (_, results) = run(
        &inventory,
        &dir.path().join("run"),
        &["--name", scenario, "--timeout", "5"],
    )
    .await;
    results
        .results
        .iter()
        .filter(|r| r.scenario == scenario)
        .map(|r| (r.device.clone(), r.verdict, r.message.clone()))
        .collect()
}

/// What no device of the lab claims: jetconf has no YANG Patch and lists no RESTCONF
/// capabilities or event streams (it serves no `ietf-restconf-monitoring` state); no lab
/// device implements ietf-yang-push or ietf-subscribed-notifications.
const CLAIMED_BY_NO_LAB_DEVICE: [rfc3535_harness::Capability; 12] = [
    rfc3535_harness::Capability::YangPatch,
    rfc3535_harness::Capability::RestconfDepth,
    rfc3535_harness::Capability::RestconfFields,
    rfc3535_harness::Capability::RestconfStreams,
    rfc3535_harness::Capability::RestconfWithDefaults,
    rfc3535_harness::Capability::RestconfNmda,
    rfc3535_harness::Capability::RestconfWithOrigin,
    rfc3535_harness::Capability::RestconfReplay,
    rfc3535_harness::Capability::RestconfFilter,
    rfc3535_harness::Capability::RestconfJsonStream,
    // netconfd answers establish-subscription with unknown-namespace; netopeer2, which
    // implements YANG-Push, installs from no registry (docs/lab-findings.md).
    rfc3535_harness::Capability::YangPush,
    rfc3535_harness::Capability::SubscribedNotifications,
];

/// Scenarios about RESTCONF itself that jetconf, the lab's one RESTCONF peer, passes: no real
/// device here breaks them, so their failing cases are the reference device's fault profiles
/// alone (tests/fault_profiles.rs).
const PASSED_BY_THE_REAL_RESTCONF_PEER: [&str; 1] =
    ["The API resource names the datastore, the operations and the YANG library revision"];

/// Scenarios about what no lab device's modules define (an action: jetconf's modules have
/// none), so no lab device can fail them; the reference device's fault profiles do
/// (tests/fault_profiles.rs).
const NOTHING_TO_EXERCISE_ON_A_LAB_DEVICE: [&str; 1] = [
    "Every action of the device's modules can be invoked on a node that holds it, and input it cannot take gets a structured error",
];

/// The scenarios a real device of the lab can fail: every one but those that need what no
/// lab device claims or defines and those the lab's devices pass, whose failing cases are
/// the reference device's fault profiles (tests/fault_profiles.rs).
fn catalogue_scenarios() -> BTreeSet<String> {
    let catalogue = rfc3535_harness::catalogue::Catalogue::load(&common::features_dir())
        .expect("the catalogue loads");
    catalogue
        .scenarios
        .into_iter()
        .filter(|s| !CLAIMED_BY_NO_LAB_DEVICE.iter().any(|c| s.needs.contains(c)))
        .filter(|s| !PASSED_BY_THE_REAL_RESTCONF_PEER.contains(&s.name.as_str()))
        .filter(|s| !NOTHING_TO_EXERCISE_ON_A_LAB_DEVICE.contains(&s.name.as_str()))
        .map(|s| s.name)
        .collect()
}

#[test]
fn every_scenario_has_a_failing_case() {
    let table: BTreeSet<String> = failing_cases()
        .into_iter()
        .map(|(s, _)| s.to_owned())
        .collect();
    let catalogue = catalogue_scenarios();
    let missing: Vec<&String> = catalogue.difference(&table).collect();
    let stale: Vec<&String> = table.difference(&catalogue).collect();
    assert!(
        missing.is_empty(),
        "scenarios with no failing case: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "failing cases for scenarios that no longer exist: {stale:?}"
    );
}

/// Runs the failing cases whose index is `index` modulo `of`, so that several test threads
/// share the work.
async fn failing_cases_share(index: usize, of: usize) {
    let only = std::env::var("RFC3535_CASE").ok();
    let mut problems = Vec::new();
    for (n, (scenario, bed)) in failing_cases().iter().enumerate() {
        if n % of != index || only.as_deref().is_some_and(|o| !scenario.contains(o)) {
            continue;
        }
        let verdicts = run_case(scenario, bed).await;
        if !verdicts
            .iter()
            .any(|(_, verdict, _)| *verdict == Verdict::Fail)
        {
            problems.push(format!("{scenario}: expected a fail, got {verdicts:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn scenarios_fail_on_devices_that_break_them_part_1() {
    failing_cases_share(0, 3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scenarios_fail_on_devices_that_break_them_part_2() {
    failing_cases_share(1, 3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scenarios_fail_on_devices_that_break_them_part_3() {
    failing_cases_share(2, 3).await;
}

/// A real device whose session drops when it is asked for a lock: the device broke the
/// protocol, so the scenario fails (and R3535-5.31 with it), with the reason; the run goes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_fails_what_it_breaks_and_the_run_goes_on() {
    let device = LabDevice::start(&DeviceSpec::candidate());
    let proxy = start_proxy(
        &device,
        Faults {
            rules: vec![rule("<lock>", Action::Close)],
            ..Faults::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = write_inventory(dir.path(), &[proxy_entry("device", &device, &proxy, false)]);
    let out = dir.path().join("run");
    let (output, results) = run(
        &inventory,
        &out,
        &["--tags", "not @multi", "--timeout", "5"],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (verdict, message) = verdict_of(
        &results,
        "device",
        "A candidate with uncommitted changes cannot be locked by another session",
    );
    assert_eq!(verdict, Verdict::Fail, "{message}");
    assert!(message.contains("closed"), "{message}");
    let violation = results.results.iter().find(|r| {
        r.requirement == "R3535-5.31"
            && r.scenario
                == "A candidate with uncommitted changes cannot be locked by another session"
    });
    assert!(
        violation.is_some_and(|r| r.verdict == Verdict::Fail
            && r.message.starts_with("protocol violation")
            && !r.evidence.is_empty()),
        "the protocol-conformance requirement fails too: {violation:?}"
    );
    // The scenarios after it still reached verdicts of their own.
    let (later, _) = verdict_of(
        &results,
        "device",
        "Non-ASCII text comes back exactly as it was written",
    );
    assert_eq!(later, Verdict::Pass);
    // Every other scenario ran to a verdict of its own: only those that lock lost a session,
    // and nothing the device did is an error.
    let violations: BTreeSet<&str> = results
        .results
        .iter()
        .filter(|r| r.message.starts_with("protocol violation"))
        .map(|r| r.scenario.as_str())
        .collect();
    assert!(
        violations.iter().all(|s| s.contains("lock")),
        "scenarios that never lock lost their session: {violations:?}"
    );
    assert!(
        results.results.iter().all(|r| r.verdict != Verdict::Error),
        "no error verdict: the device caused them all"
    );
    assert!(
        results.devices[0].safety.verified,
        "{:?}",
        results.devices[0].safety
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_restores_the_device_and_writes_what_was_collected() {
    let device = LabDevice::start(&DeviceSpec::candidate());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = write_inventory(dir.path(), &[device.inventory_entry("device")]);
    let before = configuration(&device, true).await;
    let out = dir.path().join("run");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .arg("run")
        .arg("--inventory")
        .arg(&inventory)
        .arg("--out")
        .arg(&out)
        .arg("--features")
        .arg(features_dir())
        .args(["--fail-on", "never"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("rfc3535 runs");
    // Interrupt once a few scenarios have written their evidence (at most 60 s).
    let evidence = out.join("evidence/device");
    for _ in 0..600 {
        let written = std::fs::read_dir(&evidence).map(|d| d.count()).unwrap_or(0);
        if written >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait())
        .await
        .expect("the run stops within a minute of Ctrl-C")
        .expect("exit status");
    assert!(
        exit.code().is_some(),
        "exited by itself, not killed: {exit:?}"
    );
    let results = Results::from_json(
        &std::fs::read_to_string(out.join("results.json")).expect("results.json written"),
    )
    .expect("readable");
    assert!(results.run.interrupted);
    assert!(results.results.iter().any(|r| r.verdict == Verdict::Pass));
    assert!(results
        .results
        .iter()
        .any(|r| r.message.contains("interrupted")));
    assert!(
        results.devices[0].safety.verified,
        "{:?}",
        results.devices[0].safety
    );
    assert_eq!(before, configuration(&device, true).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_elses_uncommitted_candidate_is_never_committed() {
    let device = LabDevice::start(&DeviceSpec::candidate());
    // Another operator's pending change in the shared candidate.
    let other = rfc3535_client::connect(&admin_options(&device))
        .await
        .expect("connect");
    let pending = "<system xmlns=\"urn:ietf:params:xml:ns:yang:ietf-system\"><contact>someone else's pending change</contact></system>";
    let reply = other
        .edit_config(rfc3535_client::wire::EditConfig::new(
            Datastore::Candidate,
            pending,
        ))
        .await
        .expect("edit");
    assert!(reply.is_success(), "{reply:?}");
    let _ = other.close().await;
    let candidate_before = {
        let session = rfc3535_client::connect(&admin_options(&device))
            .await
            .expect("connect");
        let reply = session
            .get_config(Datastore::Candidate, None)
            .await
            .expect("read");
        let _ = session.close().await;
        reply.data().unwrap_or_default().to_owned()
    };
    assert!(candidate_before.contains("pending change"));
    let running_before = configuration(&device, false).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = write_inventory(dir.path(), &[device.inventory_entry("device")]);
    let (_, results) = run(
        &inventory,
        &dir.path().join("run"),
        &["--tags", "not @multi"],
    )
    .await;
    let (verdict, message) = verdict_of(
        &results,
        "device",
        "Candidate changes stay invisible until committed",
    );
    assert_eq!(verdict, Verdict::Skipped, "{message}");
    assert!(message.contains("uncommitted changes"), "{message}");
    assert!(
        results.devices[0].safety.verified,
        "{:?}",
        results.devices[0].safety
    );

    assert_eq!(
        running_before,
        configuration(&device, false).await,
        "nothing was committed"
    );
    let session = rfc3535_client::connect(&admin_options(&device))
        .await
        .expect("connect");
    let reply = session
        .get_config(Datastore::Candidate, None)
        .await
        .expect("read");
    assert!(
        reply.data().unwrap_or_default().contains("pending change"),
        "the pending change is still in the candidate"
    );
    let _ = session.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_are_checked_against_the_devices_own_schema() {
    let device = LabDevice::start(&DeviceSpec::candidate());
    // Reads of the sandbox come back with a value out of its type's range.
    let proxy = start_proxy(
        &device,
        Faults {
            rules: vec![rewrite_reply(
                "<location/>",
                "</system>",
                "<clock><timezone-utc-offset>9999</timezone-utc-offset></clock></system>",
            )],
            ..Faults::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = write_inventory(dir.path(), &[proxy_entry("device", &device, &proxy, false)]);
    let scenario = "Non-ASCII text comes back exactly as it was written";
    // By default a reply that breaks the device's own schema fails the scenario; `warn` only
    // notes it.
    for (mode, expected) in [
        (None, Verdict::Fail),
        (Some("warn"), Verdict::Pass),
        (Some("fail"), Verdict::Fail),
    ] {
        let out = dir.path().join(mode.unwrap_or("default"));
        let mut args = vec!["--name", scenario];
        if let Some(mode) = mode {
            args.extend(["--schema-findings", mode]);
        }
        let (_, results) = run(&inventory, &out, &args).await;
        let entry = results
            .results
            .iter()
            .find(|r| r.scenario == scenario)
            .expect("result");
        assert_eq!(entry.verdict, expected, "{mode:?}: {}", entry.message);
        assert!(
            entry
                .schema_findings
                .iter()
                .any(|f| f.contains("/ietf-system:system/clock/timezone-utc-offset")),
            "the finding keeps libyang's data path: {:?}",
            entry.schema_findings
        );
    }
}
