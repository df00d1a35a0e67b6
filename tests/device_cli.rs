//! `rfc3535 device` standalone, as an operator or an independent client meets it: it prints
//! how to connect, and `rfc3535 probe`, OpenSSH's `ssh -s netconf` (host key checked against
//! the printed known_hosts line) and ncclient (host key pinned) all work against it.

mod common;

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

/// Starts `rfc3535 device` with these arguments, and reads what it prints up to the line
/// saying how to stop it (trimmed). The device stops when the child is dropped.
async fn start_device(args: &[&std::ffi::OsStr]) -> (tokio::process::Child, Vec<String>) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .arg("device")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("rfc3535 device starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim().to_owned();
        let last = line.starts_with("Ctrl-C");
        printed.push(line);
        if last {
            break;
        }
    }
    (child, printed)
}

/// `rfc3535 run --inventory FILE --format json --out OUT` with `extra`, which must succeed;
/// what it printed on stderr, and its results.
async fn run_inventory(
    inventory: &Path,
    out: &Path,
    extra: &[&str],
) -> (String, rfc3535_score::Results) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args(["run", "--inventory"])
        .arg(inventory)
        .args(extra)
        .args(["--format", "json", "--out"])
        .arg(out)
        .output()
        .await
        .expect("rfc3535 run");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (stderr, common::read_results(out))
}

struct Standalone {
    _child: tokio::process::Child,
    port: u16,
    fingerprint: String,
    known_hosts_line: String,
    password: String,
}

async fn start(dir: &Path) -> Standalone {
    let password_file = dir.join("password");
    let (child, printed) = start_device(&[
        "--netconf-port".as_ref(),
        "0".as_ref(),
        "--password-file".as_ref(),
        password_file.as_os_str(),
    ])
    .await;
    let (mut port, mut fingerprint, mut known) = (None, None, None);
    for line in &printed {
        if let Some(rest) = line.strip_prefix("port:") {
            port = rest.split_whitespace().next().and_then(|p| p.parse().ok());
        } else if let Some(rest) = line.strip_prefix("host key:") {
            fingerprint = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("known_hosts line:") {
            known = Some(rest.trim().to_owned());
        }
    }
    Standalone {
        _child: child,
        port: port.expect("the port is printed"),
        fingerprint: fingerprint.expect("the fingerprint is printed"),
        known_hosts_line: known.expect("a known_hosts line is printed"),
        password: std::fs::read_to_string(password_file).expect("password file"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_standalone_device_is_probed_and_reached_by_openssh_and_ncclient() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = start(dir.path()).await;

    let probe = tokio::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args([
            "probe",
            &format!("netconf://admin@127.0.0.1:{}", device.port),
        ])
        .args(["--password-env", "RFC3535_TEST_PASSWORD"])
        .args(["--host-key-fingerprint", &device.fingerprint, "--json"])
        .env("RFC3535_TEST_PASSWORD", &device.password)
        .output()
        .await
        .expect("probe runs");
    let stdout = String::from_utf8_lossy(&probe.stdout);
    assert!(
        probe.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    assert!(
        stdout.contains("urn:ietf:params:netconf:base:1.1"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&device.password),
        "the password stays out of the output"
    );

    // OpenSSH, host key checked strictly against the printed line.
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(&known_hosts, format!("{}\n", device.known_hosts_line)).expect("write");
    let password_file = dir.path().join("password");
    let hello = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]><rpc message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><close-session/></rpc>]]>]]>";
    let mut ssh = tokio::process::Command::new("sshpass")
        .arg("-f")
        .arg(&password_file)
        .args(["ssh", "-p", &device.port.to_string()])
        .args([
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "PubkeyAuthentication=no",
        ])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(["-s", "admin@127.0.0.1", "netconf"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sshpass and ssh are installed by scripts/setup-test-env");
    {
        use tokio::io::AsyncWriteExt as _;
        let mut stdin = ssh.stdin.take().expect("stdin");
        stdin.write_all(hello.as_bytes()).await.expect("write");
    }
    let output = tokio::time::timeout(std::time::Duration::from_secs(20), ssh.wait_with_output())
        .await
        .expect("ssh ends after close-session")
        .expect("ssh output");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("<session-id>"),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("<ok/>"), "close-session answered: {text}");

    // ncclient: get, get-config, edit-config, commit, lock/unlock, get-schema.
    let key = device
        .known_hosts_line
        .split_whitespace()
        .nth(2)
        .expect("a key in the line")
        .to_owned();
    let script = r#"
import os, sys
from ncclient import manager
port, key = int(sys.argv[1]), sys.argv[2]
with manager.connect(host="127.0.0.1", port=port, username="admin",
                     password=os.environ["RFC3535_TEST_PASSWORD"], hostkey_verify=True,
                     hostkey_b64=key, allow_agent=False, look_for_keys=False) as m:
    assert m.edit_config(target="candidate", config='<config><system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><location>from ncclient</location></system></config>').ok
    assert m.commit().ok
    assert "from ncclient" in m.get_config(source="running").data_xml
    assert "from ncclient" in m.get(filter=("subtree", '<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>')).data_xml
    with m.locked("running"):
        pass
    assert m.get_schema("ietf-system").data.startswith("module ietf-system")
print("ncclient: all operations answered")
"#;
    let python = tokio::process::Command::new("python3")
        .args(["-c", script, &device.port.to_string(), &key])
        .env("RFC3535_TEST_PASSWORD", &device.password)
        .output()
        .await
        .expect("python3 runs");
    assert!(
        python.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&python.stdout),
        String::from_utf8_lossy(&python.stderr)
    );
}

/// `rfc3535 device --inventory-file` writes an inventory that `rfc3535 run` reaches every
/// device with, over NETCONF and RESTCONF (keys pinned, both accounts); the passwords are in
/// files only their owner reads, never in the inventory.
#[tokio::test(flavor = "multi_thread")]
async fn the_inventory_the_device_writes_reaches_every_device() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("inventory.yaml");
    let (_child, printed) = start_device(&[
        "--profile".as_ref(),
        "compliant,slow".as_ref(),
        "--inventory-file".as_ref(),
        inventory.as_os_str(),
    ])
    .await;
    let passwords: Vec<&str> = printed
        .iter()
        .filter_map(|line| line.strip_prefix("password:"))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    let text = std::fs::read_to_string(&inventory).expect("the inventory is written");
    assert_eq!(passwords.len(), 2, "{passwords:?}");
    for password in &passwords {
        assert!(!text.contains(password), "no password in {text}");
    }
    let admin = dir.path().join("slow.admin.pass");
    let mode = std::fs::metadata(&admin)
        .expect("a password file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let out = dir.path().join("run");
    let (_, results) = run_inventory(
        &inventory,
        &out,
        &[
            "--name",
            "A read-only account cannot change the configuration",
            "--name",
            "A configuration read carries no operational state",
        ],
    )
    .await;
    for column in [
        "compliant/netconf",
        "compliant/restconf",
        "slow/netconf",
        "slow/restconf",
    ] {
        assert!(
            common::passes(&results, column) >= 1,
            "{column}: {results:?}"
        );
    }
}

/// containerlab's path end to end, on this machine's loopback: a lab's topology-data.json
/// whose node is the reference device (a `linux` node described by `rfc3535.*` labels, as a
/// user would put the reference device into a lab), beside a client host that is no device
/// under test and a node of a kind with defaults that never comes up. `rfc3535 run
/// --inventory topology-data.json` waits for each, says which answered, tests the device
/// over both protocols, and leaves the client out with a reason.
#[tokio::test(flavor = "multi_thread")]
async fn a_containerlab_topology_data_file_is_an_inventory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("inventory.yaml");
    let (_child, _printed) =
        start_device(&["--inventory-file".as_ref(), inventory.as_os_str()]).await;
    let written = rfc3535_harness::target::Inventory::load(&inventory).expect("the inventory");
    let device = &written.devices[0];
    let read_only = device
        .roles
        .read_only
        .as_ref()
        .expect("a read-only account");
    // A node label holds a file relative to the lab's directory.
    let lab = dir.path().join("clab-loopback");
    std::fs::create_dir(&lab).expect("lab directory");
    std::fs::copy(
        device.password_file.as_ref().expect("a password file"),
        lab.join("ref1.pass"),
    )
    .expect("copy");
    let silent_port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let node = |kind: &str, labels: serde_json::Value| {
        serde_json::json!({
            "index": "0", "kind": kind, "image": "example/image:1", "mgmt-ipv4-address": "127.0.0.1",
            "mgmt-ipv4-prefix-length": 8, "mgmt-ipv6-address": "", "mgmt-ipv6-prefix-length": 0,
            "labels": labels, "port-bindings": []
        })
    };
    let topology = serde_json::json!({
        "name": "loopback",
        "type": "clab",
        "clab": {"config": {"prefix": "clab", "mgmt": {"network": "clab"}}},
        "nodes": {
            "ref1": node("linux", serde_json::json!({
                "clab-node-kind": "linux",
                "rfc3535.username": device.username,
                "rfc3535.password-file": "ref1.pass",
                "rfc3535.netconf-port": device.port.expect("a port").to_string(),
                "rfc3535.host-key-fingerprint": device.host_key_fingerprint.clone().expect("pinned"),
                "rfc3535.protocols": "netconf,restconf",
                "rfc3535.restconf-port": device.restconf.port.expect("a RESTCONF port").to_string(),
                "rfc3535.restconf-root": device.restconf.root.clone().expect("a root"),
                "rfc3535.restconf-certificate-fingerprint": device.restconf.certificate_fingerprint.clone().expect("pinned"),
                "rfc3535.read-only-username": read_only.username,
                "rfc3535.read-only-password-file": read_only.password_file.clone().expect("a file"),
            })),
            "client": node("linux", serde_json::json!({"clab-node-kind": "linux"})),
            "srl1": node("nokia_srlinux", serde_json::json!({
                "rfc3535.netconf-port": silent_port.to_string(),
            })),
        },
        "links": []
    });
    let topology_data = lab.join("topology-data.json");
    std::fs::write(&topology_data, topology.to_string()).expect("write");

    let out = dir.path().join("run");
    let (stderr, results) = run_inventory(
        &topology_data,
        &out,
        &[
            "--wait-ready",
            "4",
            "--name",
            "A read-only account cannot change the configuration",
            "--fail-on",
            "never",
        ],
    )
    .await;
    assert!(stderr.contains("ref1/netconf: answered after"), "{stderr}");
    assert!(stderr.contains("ref1/restconf: answered after"), "{stderr}");
    assert!(stderr.contains("srl1/netconf: no answer in"), "{stderr}");
    assert!(stderr.contains("node client (linux): "), "{stderr}");
    for column in ["ref1/netconf", "ref1/restconf"] {
        assert!(
            common::passes(&results, column) >= 1,
            "{column}: {results:?}"
        );
    }
    assert_eq!(common::passes(&results, "srl1/netconf"), 0);
    assert!(
        !results.devices.iter().any(|d| d.id.starts_with("client")),
        "the client host is no device under test"
    );
}
