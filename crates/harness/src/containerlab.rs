//! containerlab's `topology-data.json` as an inventory. `containerlab deploy` writes that file
//! into the lab's directory (`clab-NAME/`) from its default export template: the lab's name and,
//! per node, its kind, image, management addresses and labels (the node's own labels from the
//! topology file beside containerlab's `clab-*` ones). Each node becomes an
//! [`InventoryDevice`]:
//!
//! - reached at its management IPv4 address (IPv6 when it has none), as the account
//!   containerlab documents for its kind, on NETCONF's port 830 ([`KIND_DEFAULTS`]);
//! - with everything overridable per node by `rfc3535.*` labels in the topology file
//!   ([`LABELS`]), which is also how a kind with no defaults (a `linux` node running a
//!   NETCONF server, the reference device) is described;
//! - trusting its SSH host key on first use, into `rfc3535_known_hosts` in the lab's
//!   directory: a lab's keys are made at each deploy, and the file goes with the lab.
//!
//! A node of a kind with no defaults and no `rfc3535.*` label (a client host, a bridge) is
//! not a device under test: it is left out, and said so. A label `rfc3535.skip: "true"`
//! leaves out any node.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::protocol::Protocol;
use crate::sandbox::SandboxSpec;
use crate::target::{
    Account, Inventory, InventoryDevice, PolicyName, RestconfSettings, Roles, TargetError,
};

/// The part of `topology-data.json` (containerlab's `auto.tmpl` export) the harness reads;
/// what else is there is left alone.
#[derive(Debug, Deserialize)]
struct TopologyData {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    nodes: BTreeMap<String, Node>,
}

#[derive(Debug, Deserialize)]
struct Node {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    image: String,
    #[serde(default, rename = "mgmt-ipv4-address")]
    mgmt_ipv4: String,
    #[serde(default, rename = "mgmt-ipv6-address")]
    mgmt_ipv6: String,
    #[serde(default)]
    labels: BTreeMap<String, serde_json::Value>,
}

/// What containerlab documents for the nodes of a kind it starts with NETCONF on: every name
/// the kind goes by, and the account it creates.
#[derive(Debug, Clone, Copy)]
pub struct KindDefaults {
    pub kinds: &'static [&'static str],
    pub username: &'static str,
    pub password: &'static str,
}

/// containerlab's kinds whose nodes come up with NETCONF over SSH on port 830 (its kind
/// documentation and each kind's default credentials). Default passwords are public; they
/// are still handled as secrets (kept out of transcripts and reports).
pub const KIND_DEFAULTS: &[KindDefaults] = &[
    KindDefaults {
        kinds: &["nokia_srlinux", "srl"],
        username: "admin",
        password: "NokiaSrl1!",
    },
    KindDefaults {
        kinds: &["arista_ceos", "ceos"],
        username: "admin",
        password: "admin",
    },
    KindDefaults {
        kinds: &["juniper_crpd", "crpd"],
        username: "root",
        password: "clab123",
    },
    KindDefaults {
        kinds: &["cisco_xrd", "xrd"],
        username: "clab",
        password: "clab@123",
    },
    KindDefaults {
        kinds: &["cisco_xrv9k", "vr-xrv9k", "vr-cisco_xrv9k"],
        username: "clab",
        password: "clab@123",
    },
    KindDefaults {
        kinds: &["juniper_vjunosrouter", "juniper_vjunosswitch"],
        username: "admin",
        password: "admin@123",
    },
    KindDefaults {
        kinds: &["juniper_vmx", "vr-vmx", "vr-juniper_vmx"],
        username: "admin",
        password: "admin@123",
    },
    KindDefaults {
        kinds: &["nokia_sros", "vr-sros", "vr-nokia_sros"],
        username: "admin",
        password: "admin",
    },
];

/// The file of host keys learned from a lab's nodes, in the lab's directory.
pub const KNOWN_HOSTS_FILE: &str = "rfc3535_known_hosts";

/// The prefix of the node labels the harness reads.
pub const LABEL_PREFIX: &str = "rfc3535.";

/// Every `rfc3535.*` node label, with what it sets (the inventory field of the same meaning).
pub const LABELS: &[(&str, &str)] = &[
    ("skip", "\"true\" leaves the node out of the run"),
    (
        "address",
        "the address to reach the node at (default: its management IPv4 address)",
    ),
    (
        "protocols",
        "netconf, restconf or both, comma-separated (default: netconf)",
    ),
    ("netconf-port", "NETCONF's SSH port (default 830)"),
    (
        "username",
        "the main account (default: the kind's documented one)",
    ),
    (
        "password-file",
        "a file holding the main account's password, relative to the lab's directory",
    ),
    (
        "password-env",
        "an environment variable holding the main account's password",
    ),
    ("identity", "an SSH private key file for the main account"),
    (
        "host-key-policy",
        "strict, accept-new (default) or insecure",
    ),
    (
        "known-hosts",
        "the known_hosts file (default: rfc3535_known_hosts in the lab's directory)",
    ),
    (
        "host-key-fingerprint",
        "the node's SSH host key fingerprint, pinned (SHA256:...)",
    ),
    (
        "hello-settle-ms",
        "milliseconds to wait after the hello before the first RPC",
    ),
    (
        "sandbox-text",
        "the string leaf scenarios may overwrite and restore (NAMESPACE a/b/c)",
    ),
    (
        "sandbox-ordered-list",
        "the ordered-by-user leaf-list scenarios may add to, or none",
    ),
    (
        "sandbox-url-directory",
        "the file: URL directory the node may save configuration in",
    ),
    ("restconf-port", "RESTCONF's HTTPS port (default 443)"),
    ("restconf-root", "the RESTCONF root (default: discovered)"),
    (
        "restconf-ca-file",
        "the CA certificates that sign the node's server certificate",
    ),
    (
        "restconf-certificate-fingerprint",
        "the node's server certificate, pinned (SHA-256)",
    ),
    (
        "restconf-insecure",
        "\"true\" accepts any server certificate (throwaway labs only)",
    ),
    ("restconf-http", "negotiate (default), http1, http2 or h2c"),
    (
        "restconf-client-certificate",
        "a TLS client certificate for the main account",
    ),
    (
        "restconf-client-key",
        "the private key of restconf-client-certificate",
    ),
    (
        "read-only-username",
        "an account that may read but not write",
    ),
    (
        "read-only-password-file",
        "a file holding that account's password",
    ),
    (
        "read-only-password-env",
        "an environment variable holding that account's password",
    ),
    (
        "read-only-identity",
        "an SSH private key file for that account",
    ),
];

/// Whether `text` is containerlab's topology data rather than an inventory of our own.
pub fn is_topology_data(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    text.trim_start().starts_with('{')
        && serde_json::from_str::<Kind>(text).is_ok_and(|k| k.kind.as_deref() == Some("clab"))
}

/// What reading a topology data file gave: the inventory, and the nodes left out with why.
#[derive(Debug)]
pub struct LabInventory {
    pub inventory: Inventory,
    pub left_out: Vec<String>,
}

/// Reads `text`, the topology data at `path`, into an inventory; relative paths in labels
/// are relative to the lab's directory (where the file is).
pub fn inventory(text: &str, path: &Path) -> Result<LabInventory, TargetError> {
    let invalid = |error: String| TargetError::Containerlab {
        path: path.to_owned(),
        error,
    };
    let data: TopologyData = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if data.kind != "clab" {
        return Err(invalid(format!(
            "its type is {:?}, not containerlab's \"clab\"",
            data.kind
        )));
    }
    let lab_directory = path.parent().unwrap_or(Path::new("."));
    let mut devices = Vec::new();
    let mut left_out = Vec::new();
    for (name, node) in &data.nodes {
        match device(&data.name, name, node, lab_directory).map_err(invalid)? {
            Ok(device) => devices.push(device),
            Err(why) => left_out.push(format!("{name} ({}): {why}", node.kind)),
        }
    }
    Ok(LabInventory {
        inventory: Inventory { devices },
        left_out,
    })
}

/// The node's `rfc3535.*` labels, by their name after the prefix; an unknown one is an error
/// (a typo would otherwise be ignored in silence).
fn harness_labels(name: &str, node: &Node) -> Result<BTreeMap<String, String>, String> {
    let mut labels = BTreeMap::new();
    for (key, value) in &node.labels {
        let Some(label) = key.strip_prefix(LABEL_PREFIX) else {
            continue;
        };
        if !LABELS.iter().any(|(known, _)| *known == label) {
            return Err(format!(
                "node {name}: unknown label {key:?}; the harness reads {}",
                LABELS
                    .iter()
                    .map(|(l, _)| format!("{LABEL_PREFIX}{l}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_owned(),
            other => other.to_string(),
        };
        labels.insert(label.to_owned(), text);
    }
    Ok(labels)
}

/// One node as a device; `Ok(Err(why))` when it is left out, `Err` when its labels are wrong.
fn device(
    lab: &str,
    name: &str,
    node: &Node,
    lab_directory: &Path,
) -> Result<Result<InventoryDevice, String>, String> {
    let labels = harness_labels(name, node)?;
    let label = |key: &str| labels.get(key).cloned();
    let file = |key: &str| {
        label(key).map(|f| {
            let path = PathBuf::from(f);
            if path.is_relative() {
                lab_directory.join(path)
            } else {
                path
            }
        })
    };
    let flag = |key: &str| -> Result<bool, String> {
        match label(key).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(format!(
                "node {name}: label {LABEL_PREFIX}{key} is {other:?}, not \"true\" or \"false\""
            )),
        }
    };
    let number = |key: &str| -> Result<Option<u64>, String> {
        label(key)
            .map(|n| {
                n.parse().map_err(|_| {
                    format!("node {name}: label {LABEL_PREFIX}{key} is {n:?}, not a number")
                })
            })
            .transpose()
    };
    let port = |key: &str| -> Result<Option<u16>, String> {
        number(key)?
            .map(|n| {
                u16::try_from(n)
                    .map_err(|_| format!("node {name}: label {LABEL_PREFIX}{key} {n} is no port"))
            })
            .transpose()
    };
    if flag("skip")? {
        return Ok(Err(format!("its label {LABEL_PREFIX}skip says so")));
    }
    let defaults = KIND_DEFAULTS
        .iter()
        .find(|d| d.kinds.contains(&node.kind.as_str()));
    if defaults.is_none() && labels.is_empty() {
        return Ok(Err(format!(
            "containerlab starts no NETCONF server on this kind, and the node has no {LABEL_PREFIX}* label (give it {LABEL_PREFIX}username and a password or key to test it)"
        )));
    }
    let address = match label("address") {
        Some(address) => address,
        None if !node.mgmt_ipv4.is_empty() => node.mgmt_ipv4.clone(),
        None if !node.mgmt_ipv6.is_empty() => node.mgmt_ipv6.clone(),
        None => {
            return Err(format!(
                "node {name}: it has no management address; give it the label {LABEL_PREFIX}address"
            ))
        }
    };
    let Some(username) = label("username").or(defaults.map(|d| d.username.to_owned())) else {
        return Err(format!(
            "node {name}: containerlab documents no account for kind {:?}; give it the label {LABEL_PREFIX}username (and {LABEL_PREFIX}password-file, -env or {LABEL_PREFIX}identity)",
            node.kind
        ));
    };
    let own_secret = ["password-file", "password-env", "identity"]
        .iter()
        .any(|key| labels.contains_key(*key));
    // The kind's documented password serves only its documented account.
    let password = defaults
        .filter(|d| !own_secret && d.username == username)
        .map(|d| d.password.to_owned());
    let protocols = match label("protocols") {
        None => vec![Protocol::Netconf.as_str().to_owned()],
        Some(list) => list
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
    };
    let host_key_policy = label("host-key-policy")
        .map(|p| p.parse::<PolicyName>())
        .transpose()
        .map_err(|e| format!("node {name}: label {LABEL_PREFIX}host-key-policy: {e}"))?
        .or(Some(PolicyName::AcceptNew));
    let mut sandbox = SandboxSpec::default();
    if let Some(text) = label("sandbox-text") {
        sandbox.text = text;
    }
    if let Some(list) = label("sandbox-ordered-list") {
        sandbox.ordered_list = list;
    }
    if let Some(directory) = label("sandbox-url-directory") {
        sandbox.url_directory = directory;
    }
    let read_only = label("read-only-username").map(|username| Account {
        username,
        password_env: label("read-only-password-env"),
        password_file: file("read-only-password-file"),
        identity: file("read-only-identity"),
        client_certificate: None,
        client_key: None,
    });
    let mut report_labels = BTreeMap::new();
    for (key, value) in [("lab", lab), ("kind", &node.kind), ("image", &node.image)] {
        if !value.is_empty() {
            report_labels.insert(key.to_owned(), serde_json::Value::String(value.to_owned()));
        }
    }
    Ok(Ok(InventoryDevice {
        name: name.to_owned(),
        address,
        port: port("netconf-port")?,
        protocols,
        username,
        password,
        password_env: label("password-env"),
        password_file: file("password-file"),
        identity: file("identity"),
        host_key_policy,
        known_hosts: file("known-hosts").or(Some(lab_directory.join(KNOWN_HOSTS_FILE))),
        host_key_fingerprint: label("host-key-fingerprint"),
        hello_settle_ms: number("hello-settle-ms")?,
        udp_notif: None,
        schema_change: None,
        roles: Roles { read_only },
        sandbox,
        labels: report_labels,
        restconf: RestconfSettings {
            port: port("restconf-port")?,
            root: label("restconf-root"),
            certificate_fingerprint: label("restconf-certificate-fingerprint"),
            ca_file: file("restconf-ca-file"),
            insecure: flag("restconf-insecure")?,
            http: label("restconf-http"),
            client_certificate: file("restconf-client-certificate"),
            client_key: file("restconf-client-key"),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rfc3535_client::{Auth, HostKeyPolicy};
    use secrecy::ExposeSecret;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/containerlab")
            .join(format!("{name}.topology-data.json"))
    }

    fn load(name: &str) -> LabInventory {
        let path = fixture(name);
        let text = std::fs::read_to_string(&path).expect("fixture");
        assert!(is_topology_data(&text));
        inventory(&text, &path).expect("reads")
    }

    fn password(device: &InventoryDevice) -> String {
        match device.connect_options().expect("options").auth {
            Auth::Password(password) => password.expose_secret().to_owned(),
            other => panic!("expected a password, got {other:?}"),
        }
    }

    #[test]
    fn kinds_containerlab_starts_with_netconf_get_its_documented_accounts() {
        let lab = load("srl-ceos");
        let names: Vec<&str> = lab
            .inventory
            .devices
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["ceos1", "srl1"]);
        let srl = lab.inventory.device("srl1").expect("srl1");
        let options = srl.connect_options().expect("options");
        assert_eq!((options.host.as_str(), options.port), ("172.20.20.2", 830));
        assert_eq!(options.username, "admin");
        assert_eq!(password(srl), "NokiaSrl1!");
        assert_eq!(srl.spoken_protocols().expect("spoken"), [Protocol::Netconf]);
        // Trust on first use, into a file of the lab's own.
        match options.host_key {
            HostKeyPolicy::AcceptNew { known_hosts } => {
                assert_eq!(
                    known_hosts,
                    fixture("srl-ceos").with_file_name(KNOWN_HOSTS_FILE)
                );
            }
            other => panic!("expected accept-new, got {other:?}"),
        }
        assert_eq!(srl.label_texts()["kind"], "nokia_srlinux");
        assert_eq!(srl.label_texts()["lab"], "srl-ceos");
        let ceos = lab.inventory.device("ceos1").expect("ceos1");
        assert_eq!(password(ceos), "admin");
        // The Linux host is no device under test, and the reason is given.
        assert_eq!(lab.left_out.len(), 1);
        assert!(
            lab.left_out[0].starts_with("client (linux): "),
            "{:?}",
            lab.left_out
        );
    }

    #[test]
    fn labels_override_the_address_port_account_and_host_key_settings() {
        let lab = load("juniper");
        assert!(
            lab.left_out[0].contains("rfc3535.skip"),
            "{:?}",
            lab.left_out
        );
        let vjunos = lab.inventory.device("vjunos1").expect("vjunos1");
        let options = vjunos.connect_options();
        // The password file is the lab's (relative to its directory), and it is read
        // when the options are made: here it does not exist.
        let error = options.expect_err("no such file").to_string();
        assert!(error.contains("secrets/netops.pass"), "{error}");
        assert_eq!(vjunos.address, "192.0.2.10");
        assert_eq!(vjunos.port, Some(50830));
        assert_eq!(vjunos.username, "netops");
        assert_eq!(
            vjunos.password, None,
            "the kind's password is for its own account only"
        );
        assert_eq!(
            vjunos.password_file,
            Some(fixture("juniper").with_file_name("secrets/netops.pass"))
        );
        assert_eq!(vjunos.host_key_policy, Some(PolicyName::Strict));
        assert_eq!(
            vjunos.known_hosts,
            Some(PathBuf::from("/home/op/.ssh/known_hosts"))
        );
    }

    #[test]
    fn a_node_without_an_ipv4_management_address_is_reached_over_ipv6() {
        let lab = load("xrd-sros");
        let xrd = lab.inventory.device("xrd1").expect("xrd1");
        assert_eq!(
            (xrd.address.as_str(), xrd.username.as_str()),
            ("172.20.20.7", "clab")
        );
        assert_eq!(password(xrd), "clab@123");
        let sros = lab.inventory.device("sros1").expect("sros1");
        let options = sros.connect_options().expect("options");
        assert_eq!(options.host, "3fff:172:20:20::8");
        assert_eq!(options.address(), "[3fff:172:20:20::8]:830");
        assert_eq!(password(sros), "admin");
    }

    #[test]
    fn a_node_of_a_kind_with_no_defaults_is_described_by_its_labels() {
        let lab = load("reference");
        assert!(lab.left_out.is_empty());
        let reference = lab.inventory.device("ref1").expect("ref1");
        assert_eq!(
            reference.spoken_protocols().expect("spoken"),
            [Protocol::Netconf, Protocol::Restconf]
        );
        assert_eq!(reference.port, Some(8300));
        assert_eq!(reference.password_env.as_deref(), Some("REF1_PASSWORD"));
        assert_eq!(reference.hello_settle_ms, Some(100));
        assert_eq!(
            reference.sandbox.text,
            "urn:ietf:params:xml:ns:yang:ietf-system system/location"
        );
        crate::sandbox::Sandbox::from_spec(&reference.sandbox).expect("a sandbox");
        assert_eq!(reference.restconf.port, Some(8443));
        assert_eq!(
            reference.restconf.ca_file,
            Some(fixture("reference").with_file_name("ref1/ca.pem"))
        );
        let read_only = reference
            .roles
            .read_only
            .as_ref()
            .expect("read-only account");
        assert_eq!(read_only.username, "viewer");
    }

    fn one_node(
        kind: &str,
        labels: serde_json::Value,
        v4: &str,
    ) -> Result<LabInventory, TargetError> {
        let text = serde_json::json!({
            "name": "t", "type": "clab",
            "nodes": {"n1": {"kind": kind, "mgmt-ipv4-address": v4, "mgmt-ipv6-address": "", "labels": labels}}
        })
        .to_string();
        inventory(&text, Path::new("/labs/clab-t/topology-data.json"))
    }

    /// What reading a lab of one such node is refused with.
    fn refusal(kind: &str, labels: serde_json::Value, v4: &str) -> String {
        one_node(kind, labels, v4).expect_err("refused").to_string()
    }

    #[test]
    fn mistakes_in_labels_are_errors_that_say_what_to_do() {
        let typo = refusal(
            "nokia_srlinux",
            serde_json::json!({"rfc3535.netconf_port": "830"}),
            "172.20.20.2",
        );
        assert!(
            typo.contains("unknown label \"rfc3535.netconf_port\""),
            "{typo}"
        );
        assert!(typo.contains("rfc3535.netconf-port"), "{typo}");
        let port = refusal(
            "nokia_srlinux",
            serde_json::json!({"rfc3535.netconf-port": "eight"}),
            "172.20.20.2",
        );
        assert!(port.contains("not a number"), "{port}");
        let nowhere = refusal("nokia_srlinux", serde_json::json!({}), "");
        assert!(nowhere.contains("rfc3535.address"), "{nowhere}");
        let nobody = refusal(
            "linux",
            serde_json::json!({"rfc3535.netconf-port": "830"}),
            "172.20.20.2",
        );
        assert!(nobody.contains("rfc3535.username"), "{nobody}");
        // Other labels of the node are its own business.
        let lab = one_node(
            "nokia_srlinux",
            serde_json::json!({"team": "core", "clab-node-kind": "srl"}),
            "172.20.20.2",
        )
        .expect("reads");
        assert_eq!(lab.inventory.devices.len(), 1);
    }

    #[test]
    fn an_inventory_file_that_is_topology_data_is_read_as_such() {
        let inventory = Inventory::load(&fixture("srl-ceos")).expect("loads");
        assert_eq!(inventory.devices.len(), 2);
    }

    #[test]
    fn only_containerlab_topology_data_is_taken_for_it() {
        assert!(!is_topology_data("devices:\n  - name: a\n"));
        assert!(!is_topology_data("{\"name\": \"x\", \"type\": \"other\"}"));
        assert!(is_topology_data("{\"name\": \"x\", \"type\": \"clab\"}"));
        let error = one_node("srl", serde_json::json!({}), "172.20.20.2")
            .map(|lab| lab.inventory.devices.len());
        assert_eq!(error.expect("srl is a name of nokia_srlinux"), 1);
    }
}
