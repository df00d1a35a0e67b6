//! The embedded reference device: a real NETCONF server (RFC 6241 over SSH, RFC 6242) that
//! the harness controls completely, so that a newcomer, a CI job or a hackathon table can run
//! the catalogue with no device at all, and so that every scenario can be shown to fail.
//!
//! It owns:
//! - [`Device::start`]: an SSH server (russh) on a listener bound before it serves (port 0
//!   for tests), with its own host key, and the `netconf` subsystem; several devices run in
//!   one process on different ports.
//! - [`session`]: one NETCONF session over any byte stream: hello, framing, requests in order.
//! - [`rpc`]: the operations over the datastores (running, candidate, startup), locks,
//!   sessions and `<get-schema>`.
//! - [`edit`] and [`filter`]: edit-config and subtree-filter semantics, by schema.
//!
//! The datastores are element trees shaped and validated by the device's own YANG modules
//! through `rfc3535-yang` (libyang): our fixture modules, embedded in the binary, and the
//! standard IETF modules from the local module directory (`RFC3535_MODULES`, default
//! `/usr/local/share/rfc3535/yang`, filled from the pyang package by scripts/setup-test-env).
//! No module text is copied into the repository.

mod configured;
mod defaults;
mod edit;
mod events;
mod filter;
mod nacm;
pub mod profile;
mod push;
pub mod restconf;
mod rpc;
mod session;
mod ssh;
mod state;
mod store;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rfc3535_wire::tree::{fragment_xml, Element};
use rfc3535_wire::{ErrorTag, ErrorType};
use rfc3535_yang::{ModuleSpec, Schema, Shape};
use tokio::sync::watch;

pub use configured::ProvisionedReceiver;
pub use events::REPLAY_LIMIT;
pub use ssh::Device;

/// Our own modules, compiled in: they belong to this project.
const OWN_MODULES: [(&str, &str); 6] = [
    (
        "rfc3535-lab",
        include_str!("../../../fixtures/yang/rfc3535-lab@2026-11-21.yang"),
    ),
    (
        "rfc3535-lab-actions",
        include_str!("../../../fixtures/yang/rfc3535-lab-actions@2026-12-01.yang"),
    ),
    (
        "rfc3535-telemetry",
        include_str!("../yang/rfc3535-telemetry@2026-12-03.yang"),
    ),
    (
        "rfc3535-software",
        include_str!("../yang/rfc3535-software@2026-12-03.yang"),
    ),
    (
        "rfc3535-optics-types",
        include_str!("../yang/rfc3535-optics-types@2026-12-03.yang"),
    ),
    (
        "ietf-yang-types-lite",
        include_str!("../../../fixtures/yang/ietf-yang-types-lite@2026-11-21.yang"),
    ),
];

/// Standard modules the device implements, from the local module directory.
const STANDARD_MODULES: [&str; 18] = [
    "ietf-system",
    "ietf-interfaces",
    "iana-if-type",
    "ietf-netconf-acm",
    "ietf-netconf-monitoring",
    "ietf-netconf-notifications",
    "ietf-yang-library",
    "ietf-datastores",
    "ietf-netconf",
    "ietf-netconf-with-defaults",
    "ietf-netconf-nmda",
    "ietf-origin",
    "ietf-netconf-partial-lock",
    // RFC 8040 §9: the RESTCONF capabilities (query parameters) the device supports.
    "ietf-restconf-monitoring",
    // RFC 5277's create-subscription and its event streams list, as netconfd and others serve
    // them (the RFC itself has only an XML Schema).
    "notifications",
    "nc-notifications",
    // RFC 8639 subscriptions to datastores (RFC 8641): dynamic ones, and configured ones
    // published over UDP-notif to provisioned receivers (`configured`).
    "ietf-subscribed-notifications",
    "ietf-yang-push",
];

/// Features the device implements, per module: announced in the hello and the YANG library,
/// and enabled in its schema.
pub const FEATURES: [(&str, &[&str]); 4] = [
    // RFC 6241 Appendix C: the capabilities the hello announces are features of ietf-netconf.
    (
        "ietf-netconf",
        &[
            "writable-running",
            "candidate",
            "confirmed-commit",
            "rollback-on-error",
            "validate",
            "startup",
            "url",
            "xpath",
        ],
    ),
    ("ietf-netconf-nmda", &["origin", "with-defaults"]),
    (
        "ietf-subscribed-notifications",
        &[
            "configured",
            "encode-json",
            "encode-xml",
            "replay",
            "subtree",
            "xpath",
        ],
    ),
    ("ietf-yang-push", &["on-change"]),
];

/// The features of a module the device implements.
pub fn features_of(module: &str) -> &'static [&'static str] {
    FEATURES
        .iter()
        .find(|(m, _)| *m == module)
        .map_or(&[], |(_, f)| f)
}

/// Why a device cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "standard YANG module {module} not found in {dir}; run scripts/setup-test-env (it takes \
         the standard modules from the pyang package), or set RFC3535_MODULES to a directory \
         holding them"
    )]
    MissingModule { module: String, dir: String },
    #[error("the device's schema does not compile: {0}")]
    Schema(String),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("host key: {0}")]
    HostKey(String),
}

/// A lab account of the device. The password is the device's own secret: it is printed
/// for the operator once when the device starts standalone, and never logged.
#[derive(Clone)]
pub struct Account {
    pub user: String,
    pub password: String,
    /// The NACM group the device's initial configuration puts the account in.
    pub role: Role,
    /// Public keys (OpenSSH `authorized_keys` lines) that also log in as this account.
    pub authorized_keys: Vec<String>,
}

/// What an account may do, as the device's initial NACM configuration (RFC 8341) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Group `admin`: a rule permits everything.
    Admin,
    /// Group `read-only`: no rule; reads and operations follow the defaults (read permit,
    /// write deny, exec permit, and the operations marked default-deny-all denied).
    ReadOnly,
}

impl Role {
    pub fn group(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ReadOnly => "read-only",
        }
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .finish()
    }
}

/// How to start a device.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    pub name: String,
    /// Where to listen; port 0 picks a free one. Loopback only for tests and the lab.
    pub listen: SocketAddr,
    pub accounts: Vec<Account>,
    /// The standard module directory; `None`: `RFC3535_MODULES` or the default.
    pub modules: Option<PathBuf>,
    /// How the device behaves: `compliant`, or a fault profile.
    pub profile: &'static profile::Profile,
    /// Where to serve RESTCONF over HTTPS as well; `None`: NETCONF only.
    pub restconf_listen: Option<SocketAddr>,
    /// The shortest period, in centiseconds, a periodic YANG-Push subscription may ask for;
    /// shorter ones are refused with `period-unsupported` and this as the hint.
    pub push_minimum_period: u32,
    /// How many past events a replay can reach ([`events::REPLAY_LIMIT`] by default); the
    /// oldest age out beyond it.
    pub replay_limit: usize,
    /// The receivers configured subscriptions can name: where their UDP-notif messages go.
    /// None: configured subscriptions are accepted and published to no one.
    pub receivers: Vec<ProvisionedReceiver>,
}

impl DeviceConfig {
    /// A device on 127.0.0.1 (port 0) with two accounts, `admin` and the read-only
    /// `operator`, each with a fresh random password.
    pub fn lab(name: &str) -> DeviceConfig {
        DeviceConfig {
            name: name.to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            accounts: vec![
                Account {
                    user: "admin".to_owned(),
                    password: random_password(),
                    role: Role::Admin,
                    authorized_keys: Vec::new(),
                },
                Account {
                    user: "operator".to_owned(),
                    password: random_password(),
                    role: Role::ReadOnly,
                    authorized_keys: Vec::new(),
                },
            ],
            modules: None,
            profile: &profile::PROFILES[0],
            restconf_listen: None,
            push_minimum_period: push::DEFAULT_MINIMUM_PERIOD,
            replay_limit: events::REPLAY_LIMIT,
            receivers: Vec::new(),
        }
    }

    /// The running configuration the device starts with: a host name, and NACM with a group
    /// per role (the admin group permitted everything, the read-only group nothing beyond
    /// the defaults).
    pub fn initial_configuration(&self) -> String {
        let members = |role: Role| -> String {
            self.accounts
                .iter()
                .filter(|a| a.role == role)
                .map(|a| {
                    format!(
                        "<user-name>{}</user-name>",
                        rfc3535_wire::xml::escape(&a.user)
                    )
                })
                .collect()
        };
        let write_default = if self.profile.faults.permissive_nacm {
            "permit"
        } else {
            "deny"
        };
        format!(
            "<system xmlns=\"{SYSTEM_NS}\"><hostname>{host}</hostname><contact>rfc3535 reference device</contact></system>\
             <nacm xmlns=\"{NACM_NS}\"><enable-nacm>true</enable-nacm><read-default>permit</read-default>\
             <write-default>{write_default}</write-default><exec-default>permit</exec-default>\
             <groups><group><name>admin</name>{admin}</group><group><name>read-only</name>{read_only}</group></groups>\
             <rule-list><name>admin</name><group>admin</group><rule><name>permit-all</name>\
             <module-name>*</module-name><access-operations>*</access-operations><action>permit</action></rule></rule-list></nacm>\
             <lab xmlns=\"{LAB_NS}\"><name>{host}</name></lab>",
            host = rfc3535_wire::xml::escape(&self.name),
            admin = members(Role::Admin),
            read_only = members(Role::ReadOnly),
        )
    }
}

/// A password for a lab account: 24 characters from the OS's random source.
pub fn random_password() -> String {
    use rand::RngExt as _;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The modules `rfc3535-software:install-module` can add to the YANG library while the device
/// runs (see [`Shared::install_module`]). Each is compiled in from the start: it defines types
/// only, so what installing it changes is the library, not what a client can read or write.
pub const OPTIONAL_MODULES: [&str; 1] = ["rfc3535-optics-types"];

/// The `rfc3535-software` operation that installs (or removes) the device's optional module,
/// as the XML content of `<rpc>`: how a test bed changes the device's schema.
pub fn software_operation(install: bool) -> String {
    let operation = if install {
        "install-module"
    } else {
        "remove-module"
    };
    format!(
        "<{operation} xmlns=\"{}\"><name>{}</name></{operation}>",
        rpc::SOFTWARE_NS,
        OPTIONAL_MODULES[0]
    )
}

/// How late the fault schema-change-announced-late tells configured subscriptions of a
/// schema change: longer than the shortest period, so that updates come first.
const LATE_ANNOUNCEMENT: std::time::Duration = std::time::Duration::from_millis(1500);

/// One module the device serves.
#[derive(Debug, Clone)]
pub struct ModuleFile {
    pub name: String,
    pub revision: Option<String>,
    pub namespace: String,
    pub text: String,
    /// Implemented (announced), or only imported.
    pub implemented: bool,
    /// One of [`OPTIONAL_MODULES`]: served only while installed.
    pub optional: bool,
}

pub(crate) use rfc3535_wire::ns::{NACM as NACM_NS, SYSTEM as SYSTEM_NS};
pub const LAB_NS: &str = "urn:rfc3535:params:xml:ns:yang:rfc3535-lab";
pub const LAB_ACTIONS_NS: &str = "urn:rfc3535:params:xml:ns:yang:rfc3535-lab-actions";

/// One open session, as `/netconf-state/sessions` shows it.
#[derive(Debug)]
pub struct SessionInfo {
    pub user: String,
    pub source_host: Option<String>,
    pub login_time: SystemTime,
    pub counters: Counters,
    /// A session the RESTCONF front door opened for one request: not announced (RFC 6470
    /// speaks of NETCONF sessions), its edits still name it.
    pub quiet: bool,
    kill: watch::Sender<bool>,
}

/// RPC and notification counters (RFC 6022), per session and for the device.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counters {
    pub in_rpcs: u64,
    pub in_bad_rpcs: u64,
    pub out_rpc_errors: u64,
    pub out_notifications: u64,
}

/// Device-wide statistics (RFC 6022 `/netconf-state/statistics`, RFC 8341 counters).
#[derive(Debug, Default)]
pub struct Statistics {
    pub in_sessions: u64,
    pub dropped_sessions: u64,
    pub counters: Counters,
    pub denied_operations: u64,
    pub denied_data_writes: u64,
}

/// How a session ended (RFC 6470 termination-reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Closed,
    Killed { by: u32 },
    Dropped,
}

/// What every session of one device shares.
#[derive(Debug)]
pub struct Shared {
    pub name: String,
    /// The profile's name and faults.
    pub profile: &'static str,
    pub faults: profile::Faults,
    /// Compiled once for every device in the process with the same modules and features.
    schema: rfc3535_yang::SharedSchema,
    pub shape: Shape,
    pub modules: Vec<ModuleFile>,
    pub stores: Mutex<store::Stores>,
    pub max_message_size: usize,
    pub started: SystemTime,
    next_session: AtomicU32,
    /// The RPC count when the lab counters were last cleared (`clear-counters`).
    pub(crate) lab_counters_base: AtomicU64,
    /// How many times the lab counters were cleared.
    pub(crate) lab_counters_cleared: AtomicU64,
    pub sessions: Mutex<BTreeMap<u32, SessionInfo>>,
    pub statistics: Mutex<Statistics>,
    pub events: events::EventLog,
    /// The content-id of the library without any optional module.
    base_content_id: String,
    /// The optional modules installed now ([`OPTIONAL_MODULES`]).
    installed: Mutex<std::collections::BTreeSet<String>>,
    /// Orders a change of the YANG library against the updates of configured subscriptions:
    /// a publication reads its selection and queues the update under a read guard, and
    /// [`Shared::install_module`] changes the library and queues `subscription-modified`
    /// under the write guard, so that no update showing the new library is queued before it.
    pub(crate) library_change: std::sync::RwLock<()>,
    /// How often running changed, and when it last did: the RESTCONF entity-tag and
    /// Last-Modified of the datastore (RFC 8040 §3.4.1.2, §3.4.1.3).
    pub(crate) running_changes: AtomicU64,
    pub(crate) running_changed_at: Mutex<SystemTime>,
    /// `https://ADDRESS:PORT{root}` when the device serves RESTCONF: where its YANG library
    /// says each module can be fetched (RFC 8525 `location`, RFC 8040 §3.7).
    pub(crate) restconf_base: std::sync::OnceLock<String>,
    /// The YANG library as `<get>` gives it, parsed once: it changes only when the RESTCONF
    /// base is settled (its locations), so it is kept with the base it was built for.
    pub(crate) library_state: Mutex<Option<state::LibraryState>>,
    /// The live YANG-Push subscriptions (RFC 8639 dynamic ones).
    pub(crate) push: push::Publisher,
    /// What operational says of the configured subscriptions.
    pub(crate) configured: configured::States,
}

/// A content-id for a module set as served: the modules' names, revisions, texts and
/// features, and the faults that change what is served (different software, different
/// content).
fn content_id<'a>(
    modules: impl Iterator<Item = &'a ModuleFile>,
    faults: &profile::Faults,
) -> String {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for module in modules {
        (
            &module.name,
            &module.revision,
            module.implemented,
            &module.text,
            features_of(&module.name),
        )
            .hash(&mut hasher);
    }
    (
        faults.broken_schema,
        faults.unserved_module,
        faults.library_mismatch,
    )
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The first `revision` statement's date in a module text (the newest, by YANG convention),
/// quoted or not, whatever the indentation.
fn first_revision(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim_start)
        .find_map(|line| line.strip_prefix("revision "))
        .map(|rest| rest.trim_start().trim_start_matches(['"', '\'']))
        .map(|rest| rest.chars().take(10).collect::<String>())
        .filter(|date| date.len() == 10 && date.chars().nth(4) == Some('-'))
}

fn namespace_of(text: &str) -> String {
    rfc3535_yang::namespace(text).unwrap_or_default()
}

impl Shared {
    /// Loads the modules into a fresh directory, compiles them, and starts with empty
    /// datastores.
    pub fn new(config: &DeviceConfig, work: &Path) -> Result<Shared, DeviceError> {
        let standard = config
            .modules
            .clone()
            .unwrap_or_else(rfc3535_yang::standard_modules);
        let dir = work.join("modules");
        std::fs::create_dir_all(&dir)?;
        let mut modules: Vec<ModuleFile> = Vec::new();
        let add = |modules: &mut Vec<ModuleFile>,
                   name: &str,
                   text: String,
                   implemented: bool|
         -> std::io::Result<()> {
            let revision = first_revision(&text);
            let file = match &revision {
                Some(r) => format!("{name}@{r}.yang"),
                None => format!("{name}.yang"),
            };
            std::fs::write(dir.join(file), &text)?;
            modules.push(ModuleFile {
                name: name.to_owned(),
                namespace: namespace_of(&text),
                revision,
                text,
                implemented,
                optional: OPTIONAL_MODULES.contains(&name),
            });
            Ok(())
        };
        for (name, text) in OWN_MODULES {
            let implemented = matches!(
                name,
                "rfc3535-lab"
                    | "rfc3535-lab-actions"
                    | "rfc3535-telemetry"
                    | "rfc3535-software"
                    | "rfc3535-optics-types"
            );
            add(&mut modules, name, text.to_owned(), implemented)?;
        }
        let faults = config.profile.faults;
        let mut wanted: Vec<(String, bool)> = STANDARD_MODULES
            .iter()
            .filter(|m| {
                !(faults.without_interfaces && matches!(**m, "ietf-interfaces" | "iana-if-type"))
            })
            .map(|m| ((*m).to_owned(), true))
            .collect();
        let mut index = 0;
        while index < wanted.len() {
            let (name, implemented) = wanted[index].clone();
            index += 1;
            if modules.iter().any(|m| m.name == name) {
                continue;
            }
            let path = standard.join(format!("{name}.yang"));
            let text = std::fs::read_to_string(&path).map_err(|_| DeviceError::MissingModule {
                module: name.clone(),
                dir: standard.display().to_string(),
            })?;
            for import in rfc3535_yang::dependencies(&text) {
                if !wanted.iter().any(|(w, _)| *w == import) {
                    wanted.push((import, false));
                }
            }
            add(&mut modules, &name, text, implemented)?;
        }
        let specs: Vec<ModuleSpec> = modules
            .iter()
            .filter(|m| m.implemented)
            .map(|m| ModuleSpec {
                name: m.name.clone(),
                revision: m.revision.clone(),
                features: features_of(&m.name)
                    .iter()
                    .map(|f| (*f).to_owned())
                    .collect(),
            })
            .collect();
        let schema = Schema::shared_from_dir(&dir, &specs);
        let shape = match schema.as_ref() {
            Ok(compiled) => compiled.shape(),
            Err(e) => return Err(DeviceError::Schema(e.to_string())),
        };
        let base_content_id = content_id(modules.iter().filter(|m| !m.optional), &faults);
        let shared = Shared {
            name: config.name.clone(),
            profile: config.profile.name,
            faults,
            schema,
            shape,
            modules,
            stores: Mutex::new(store::Stores::default()),
            max_message_size: 64 << 20,
            started: SystemTime::now(),
            next_session: AtomicU32::new(1),
            lab_counters_base: AtomicU64::new(0),
            lab_counters_cleared: AtomicU64::new(0),
            sessions: Mutex::new(BTreeMap::new()),
            statistics: Mutex::new(Statistics::default()),
            events: events::EventLog::new(config.replay_limit),
            base_content_id,
            installed: Mutex::new(std::collections::BTreeSet::new()),
            library_change: std::sync::RwLock::new(()),
            running_changes: AtomicU64::new(0),
            running_changed_at: Mutex::new(SystemTime::now()),
            restconf_base: std::sync::OnceLock::new(),
            library_state: Mutex::new(None),
            push: push::Publisher::new(config.push_minimum_period),
            configured: configured::States::default(),
        };
        let initial = Element::parse_fragment(&config.initial_configuration())
            .map_err(|e| DeviceError::Schema(format!("initial configuration: {e}")))?;
        let mut running = Vec::new();
        edit::apply(
            &mut running,
            &initial,
            edit::Operation::Merge,
            &shared.shape,
        )
        .map_err(|e| DeviceError::Schema(format!("initial configuration: {e}")))?;
        shared
            .validate(&running, true)
            .map_err(|e| DeviceError::Schema(format!("initial configuration: {}", e.message)))?;
        if let Ok(mut stores) = shared.stores.lock() {
            stores.locks_ignored = faults.locks_ignored;
            stores.candidate = running.clone();
            stores.startup = running.clone();
            stores.running = running;
        }
        Ok(shared)
    }

    /// The module that defines elements of a namespace.
    pub fn module_of(&self, namespace: &str) -> Option<&ModuleFile> {
        self.served_modules()
            .into_iter()
            .find(|m| m.namespace == namespace)
    }

    /// The modules the device serves now: all but the optional ones not installed.
    pub fn served_modules(&self) -> Vec<&ModuleFile> {
        self.modules_with(&self.installed_modules())
    }

    /// The modules served with these optional modules installed.
    fn modules_with<'a>(
        &'a self,
        installed: &std::collections::BTreeSet<String>,
    ) -> Vec<&'a ModuleFile> {
        self.modules
            .iter()
            .filter(|m| !m.optional || installed.contains(&m.name))
            .collect()
    }

    fn installed_modules(&self) -> std::collections::BTreeSet<String> {
        self.installed
            .lock()
            .map(|installed| installed.clone())
            .unwrap_or_default()
    }

    /// The content-id of the library with these optional modules installed.
    fn content_id_with(&self, installed: &std::collections::BTreeSet<String>) -> String {
        if installed.is_empty() {
            return self.base_content_id.clone();
        }
        content_id(self.modules_with(installed).into_iter(), &self.faults)
    }

    /// Installs (or removes) optional module `name`, which changes the YANG library and its
    /// content-id; every configured subscription is told with `subscription-modified` naming
    /// the new content-id before any update shows the new library
    /// (draft-ietf-netconf-yang-notifications-versioning). `Ok(false)`: nothing changed.
    pub(crate) fn install_module(
        self: &Arc<Self>,
        name: &str,
        install: bool,
    ) -> Result<bool, rpc::RpcError> {
        if !OPTIONAL_MODULES.contains(&name) {
            return Err(rpc::RpcError::new(
                ErrorType::Application,
                ErrorTag::InvalidValue,
                format!(
                    "no optional module {name:?}; this device's optional modules: {}",
                    OPTIONAL_MODULES.join(", ")
                ),
            ));
        }
        let _ordered = self
            .library_change
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let content_id = {
            let mut installed = self
                .installed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let changed = if install {
                installed.insert(name.to_owned())
            } else {
                installed.remove(name)
            };
            if !changed {
                return Ok(false);
            }
            self.content_id_with(&installed)
        };
        let announce = move |shared: &Shared| {
            shared.push.tell_configured(|id| {
                configured::state_change_with_library(
                    shared,
                    "subscription-modified",
                    id,
                    &content_id,
                )
            });
        };
        if self.faults.schema_change_announced_late {
            // The fault: updates of the new library go out first.
            let shared = Arc::clone(self);
            tokio::spawn(async move {
                tokio::time::sleep(LATE_ANNOUNCEMENT).await;
                announce(&shared);
            });
        } else if !self.faults.schema_change_unsignalled {
            announce(self);
        }
        Ok(true)
    }

    /// The capabilities of the hello: the base protocols, what the device implements, and
    /// every implemented module with its revision.
    pub fn capabilities(&self) -> Vec<String> {
        let mut capabilities: Vec<String> = [
            "urn:ietf:params:netconf:base:1.0",
            if self.faults.base_1_0_only {
                ""
            } else {
                "urn:ietf:params:netconf:base:1.1"
            },
            "urn:ietf:params:netconf:capability:writable-running:1.0",
            "urn:ietf:params:netconf:capability:candidate:1.0",
            "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
            "urn:ietf:params:netconf:capability:validate:1.1",
            "urn:ietf:params:netconf:capability:startup:1.0",
            "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
            "urn:ietf:params:netconf:capability:notification:1.0",
            "urn:ietf:params:netconf:capability:interleave:1.0",
            "urn:ietf:params:netconf:capability:url:1.0?scheme=file",
            "urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&amp;also-supported=report-all,report-all-tagged,trim",
            "urn:ietf:params:netconf:capability:xpath:1.0",
            "urn:ietf:params:netconf:capability:partial-lock:1.0",
        ]
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| (*c).to_owned())
        .collect();
        let content_id = if self.faults.library_id_mismatch {
            "stale".to_owned()
        } else {
            self.content_id()
        };
        capabilities.push(format!(
            "urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04&amp;content-id={content_id}"
        ));
        // Imported modules too, as RFC 6020 clients (yangcli among them) expect: they load
        // what the hello names and know nothing of the YANG library.
        let named = if self.faults.modules_in_library_only {
            Vec::new()
        } else {
            self.served_modules()
        };
        for module in named {
            let mut capability = format!("{}?module={}", module.namespace, module.name);
            if let Some(revision) = &module.revision {
                capability.push_str(&format!("&amp;revision={revision}"));
            }
            let features = features_of(&module.name);
            if module.implemented && !features.is_empty() {
                capability.push_str(&format!("&amp;features={}", features.join(",")));
            }
            capabilities.push(capability);
        }
        capabilities
    }

    /// How many bytes the huge-messages load adds to the hello.
    pub const HUGE_HELLO: usize = 20 << 20;
    /// How many bytes of comment the huge-messages load adds to each data reply.
    pub const HUGE_REPLY: usize = 10 << 20;

    pub fn hello(&self, session: u32) -> String {
        let capabilities: String = self
            .capabilities()
            .iter()
            .map(|c| format!("<capability>{c}</capability>"))
            .collect();
        // The load huge-messages: one capability URI of about 20 MB.
        let capabilities = if self.faults.huge_messages {
            format!(
                "{capabilities}<capability>urn:example:rfc3535-vendor:padding:1.0?filler={}</capability>",
                "x".repeat(Self::HUGE_HELLO)
            )
        } else {
            capabilities
        };
        format!(
            "<hello xmlns=\"{}\"><capabilities>{capabilities}</capabilities><session-id>{session}</session-id></hello>",
            rfc3535_wire::ns::BASE
        )
    }

    /// Checks a configuration against the schema: complete (every constraint) or not.
    pub fn validate(&self, data: &[Element], complete: bool) -> Result<(), rpc::RpcError> {
        let xml = fragment_xml(data);
        self.schema()?
            .validate(&xml, rpc::content(complete))
            .map_err(rpc::RpcError::from)
    }

    /// Runs `f` with the device's schema.
    pub fn with_schema<R>(&self, f: impl FnOnce(&Schema) -> R) -> Result<R, rpc::RpcError> {
        let schema = self.schema()?;
        Ok(f(schema))
    }

    /// The schema, or the error a request that needs it gets.
    fn schema(&self) -> Result<&Schema, rpc::RpcError> {
        self.schema.as_ref().as_ref().map_err(|_| {
            rpc::RpcError::new(
                ErrorType::Application,
                ErrorTag::OperationFailed,
                "the schema is unusable",
            )
        })
    }

    /// What an XPath expression selects in some data (`:xpath` filters, partial locks),
    /// with the prefixes the request's XML binds.
    pub fn select(
        &self,
        data: &[Element],
        expression: &str,
        bindings: &[(String, String)],
    ) -> Result<rfc3535_yang::Selection, rpc::RpcError> {
        self.schema()?
            .select(
                &fragment_xml(data),
                rfc3535_yang::Content::Data,
                expression,
                bindings,
            )
            .map_err(|finding| {
                rpc::RpcError::new(
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    format!("the XPath expression {expression:?}: {finding}"),
                )
            })
    }

    /// The data paths of what differs between two configurations (libyang's diff).
    pub fn changed_paths(
        &self,
        before: &[Element],
        after: &[Element],
    ) -> Result<Vec<String>, rpc::RpcError> {
        self.schema()?
            .differences(
                &fragment_xml(before),
                &fragment_xml(after),
                rfc3535_yang::Content::PartialConfig,
            )
            .map(|d| d.into_iter().map(|d| d.path).collect())
            .map_err(rpc::RpcError::from)
    }

    /// The YANG library's content-id: it names the module set as served, which changes only
    /// when an optional module is installed or removed.
    pub fn content_id(&self) -> String {
        self.content_id_with(&self.installed_modules())
    }

    /// The account a session logged in with, if it is still open.
    pub fn user_of(&self, session: u32) -> Option<String> {
        self.sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&session).map(|i| i.user.clone()))
    }

    pub fn open_session(
        &self,
        user: &str,
        source_host: Option<String>,
    ) -> (u32, watch::Receiver<bool>) {
        self.open_session_as(user, source_host, false)
    }

    /// A session for one RESTCONF request: like a NETCONF session for access control and
    /// for who changed what, but neither announced nor counted as a NETCONF session.
    pub fn open_quiet_session(&self, user: &str, source_host: Option<String>) -> u32 {
        self.open_session_as(user, source_host, true).0
    }

    fn open_session_as(
        &self,
        user: &str,
        source_host: Option<String>,
        quiet: bool,
    ) -> (u32, watch::Receiver<bool>) {
        let id = self.next_session.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = watch::channel(false);
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(
                id,
                SessionInfo {
                    user: user.to_owned(),
                    source_host: source_host.clone(),
                    login_time: SystemTime::now(),
                    counters: Counters::default(),
                    quiet,
                    kill: tx,
                },
            );
        }
        if quiet {
            return (id, rx);
        }
        if let Ok(mut statistics) = self.statistics.lock() {
            statistics.in_sessions += 1;
        }
        if !self.faults.silent_sessions {
            self.events
                .publish(events::session_start(user, id, source_host.as_deref()));
        }
        (id, rx)
    }

    /// Counts one message a session received or sent.
    pub fn count(&self, session: u32, count: impl Fn(&mut Counters)) {
        if let Ok(mut sessions) = self.sessions.lock() {
            if let Some(info) = sessions.get_mut(&session) {
                count(&mut info.counters);
            }
        }
        if let Ok(mut statistics) = self.statistics.lock() {
            count(&mut statistics.counters);
        }
    }

    /// Forgets a session that ended: releases its locks and its candidate changes, rolls
    /// back its unconfirmed commit, and announces the end.
    pub fn close_session(&self, id: u32, ending: Ending) {
        self.push.end_session(id, self.faults.push_outlives_session);
        let Some(info) = self.sessions.lock().ok().and_then(|mut s| s.remove(&id)) else {
            return;
        };
        if ending == Ending::Dropped {
            if let Ok(mut statistics) = self.statistics.lock() {
                statistics.dropped_sessions += 1;
            }
        }
        if let Ok(mut stores) = self.stores.lock() {
            stores.release(id);
            rpc::cancel_on_session_end(self, &mut stores, id);
        }
        if !self.faults.silent_sessions && !info.quiet {
            self.events.publish(events::session_end(
                &info.user,
                id,
                info.source_host.as_deref(),
                ending,
            ));
        }
        let _ = info.kill.send(true);
    }

    /// Ends another session (`<kill-session>`); false if there is none with that id.
    pub fn kill(&self, id: u32, by: u32) -> bool {
        let exists = self
            .sessions
            .lock()
            .ok()
            .is_some_and(|s| s.contains_key(&id));
        if exists {
            self.close_session(id, Ending::Killed { by });
        }
        exists
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_namespace_is_read_quoted_or_not() {
        let quoted = "module a {\n  namespace \"urn:a\";\n  prefix a;\n}";
        let bare =
            "module b {\n  organization \"IETF NETCONF Working Group\";\n  namespace urn:b:1.0;\n}";
        let next_line = "module c {\n  // the namespace is\n  namespace\n    \"urn:c\";\n}";
        assert_eq!(super::namespace_of(next_line), "urn:c");
        assert_eq!(super::namespace_of(quoted), "urn:a");
        assert_eq!(super::namespace_of(bare), "urn:b:1.0");
    }
}
