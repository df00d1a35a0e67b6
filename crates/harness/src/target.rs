//! Targets: where the devices are, how to log in, and how to check who they are.
//!
//! A target comes from a URL on the command line (`netconf://USER@HOST:PORT`, with credentials
//! and host-key settings from [`Overrides`]), from a device of an inventory file (YAML), or
//! ready-made (a reference device started in this process). [`resolve`] turns them all into
//! one list of [`Target`]s, command-line overrides applied, names unique. Secrets are read
//! from an environment variable, a file, a key, or an ssh-agent, never from argv; an inline
//! `password:` in an inventory is accepted (the inventory is the operator's own file) but the
//! report never shows it.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use rfc3535_client::restconf::{ClientIdentity, HttpMode, RestconfOptions, ServerTrust};
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use serde::Deserialize;

use crate::access::Access;
use crate::choice::{choose, UnknownChoice};
use crate::protocol::Protocol;
use crate::sandbox::{Sandbox, SandboxError, SandboxSpec};

/// A target that cannot be resolved: a usage or configuration problem, never the device's.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{text:?} is not a URL like netconf://admin@192.0.2.1:830 or restconf+https://admin@192.0.2.1:443/restconf: {reason}")]
    BadUrl { text: String, reason: String },
    #[error("{text:?} carries a password; pass it with --password-env VAR instead, so it stays out of argv and logs")]
    PasswordInUrl { text: String },
    #[error("cannot read inventory {path}: {error}")]
    ReadInventory {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("inventory {path} is not valid: {error}")]
    ParseInventory {
        path: PathBuf,
        error: Box<serde_saphyr::Error>,
    },
    #[error("containerlab topology data {path} cannot be used: {error}")]
    Containerlab { path: PathBuf, error: String },
    #[error("inventory {path} lists no devices")]
    EmptyInventory { path: PathBuf },
    #[error("no device {name:?} in the inventory; it has: {known}")]
    NoSuchDevice { name: String, known: String },
    #[error("device name {0:?} appears twice in the run")]
    DuplicateName(String),
    #[error("device {device:?}: {error}")]
    Sandbox { device: String, error: SandboxError },
    #[error("device {device:?} lists protocols {listed:?}; only {spoken} is supported so far")]
    NoProtocolSpoken {
        device: String,
        listed: Vec<String>,
        spoken: String,
    },
    #[error("device {device:?}: cannot read password_file {path}: {error}")]
    PasswordFile {
        device: String,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("environment variable {0} (named by --password-env / password_env) is not set")]
    PasswordEnv(String),
    #[error("device {0:?} has no credentials: give identity, password_env or password_file in the inventory")]
    NoInventoryCredentials(String),
    #[error("no credentials: give --password-env VAR (a variable holding the password), --identity FILE, or run an ssh-agent")]
    NoCredentials,
    #[error("RESTCONF needs a password (HTTP Basic) or a client certificate: give --password-env VAR or --client-certificate FILE --client-key FILE, or in the inventory password_env / password_file or restconf.client_certificate and restconf.client_key")]
    NoRestconfCredentials,
    #[error("device {device:?}: {setting}")]
    Restconf { device: String, setting: String },
}

/// A parsed `netconf://USER@HOST:PORT` or `restconf+https://USER@HOST:PORT/ROOT` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    pub protocol: Protocol,
    pub username: String,
    pub host: String,
    pub port: u16,
    /// The RESTCONF root the URL's path gives (`/restconf`); `None`: discover it.
    pub root: Option<String>,
}

impl FromStr for TargetUrl {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason: String| TargetError::BadUrl {
            text: text.to_owned(),
            reason,
        };
        let url = url::Url::parse(text).map_err(|e| bad(e.to_string()))?;
        let protocol = Protocol::of_scheme(url.scheme()).ok_or_else(|| {
            bad(format!(
                "unsupported scheme {:?}: the harness speaks {}",
                url.scheme(),
                Protocol::ALL
                    .map(|p| format!("{}://", p.scheme()))
                    .join(" and ")
            ))
        })?;
        if url.password().is_some() {
            return Err(TargetError::PasswordInUrl {
                text: text.to_owned(),
            });
        }
        let host = url
            .host_str()
            .ok_or_else(|| bad("it has no host".to_owned()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if url.username().is_empty() {
            return Err(bad(format!(
                "it has no user: write {protocol}://USER@{host}"
            )));
        }
        let root = match url.path().trim_end_matches('/') {
            "" => None,
            path => Some(path.to_owned()),
        };
        Ok(TargetUrl {
            protocol,
            username: url.username().to_owned(),
            host,
            port: url.port().unwrap_or(protocol.default_port()),
            root,
        })
    }
}

/// How a device's SSH host key is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyName {
    /// Only keys already in the known_hosts file (default).
    Strict,
    /// Trust on first use: record an unknown key, refuse a changed one.
    AcceptNew,
    /// Accept any key (the fingerprint is still shown). For throwaway labs only.
    Insecure,
}

impl PolicyName {
    const CHOICES: [(&'static str, PolicyName); 3] = [
        ("strict", PolicyName::Strict),
        ("accept-new", PolicyName::AcceptNew),
        ("insecure", PolicyName::Insecure),
    ];
}

impl FromStr for PolicyName {
    type Err = UnknownChoice;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        choose("host-key policy", text, &PolicyName::CHOICES)
    }
}

/// An inventory file: the devices to test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    pub devices: Vec<InventoryDevice>,
}

/// One device of an inventory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryDevice {
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default = "default_protocols")]
    pub protocols: Vec<String>,
    pub username: String,
    /// A password written in the inventory itself.
    #[serde(default)]
    pub password: Option<String>,
    /// The environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file holding the password (trailing newline ignored).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// A private key file; tried before the password.
    #[serde(default)]
    pub identity: Option<PathBuf>,
    #[serde(default)]
    pub host_key_policy: Option<PolicyName>,
    #[serde(default)]
    pub known_hosts: Option<PathBuf>,
    /// A pinned host-key fingerprint (`SHA256:...`); overrides the policy.
    #[serde(default)]
    pub host_key_fingerprint: Option<String>,
    /// Milliseconds to wait after the hello before the first RPC, for devices that stall an
    /// RPC arriving together with the client's hello (see `SessionOptions::hello_settle`).
    #[serde(default)]
    pub hello_settle_ms: Option<u64>,
    /// Extra accounts of the test bed.
    #[serde(default)]
    pub roles: Roles,
    /// Where scenarios may write (default: ietf-system's location and DNS search list).
    #[serde(default)]
    pub sandbox: SandboxSpec,
    /// Free-form facts shown in reports (software, version, ...).
    #[serde(default)]
    pub labels: BTreeMap<String, serde_json::Value>,
    /// How to reach the device's RESTCONF, when `protocols` lists it.
    #[serde(default)]
    pub restconf: RestconfSettings,
    /// The UDP-notif receiver provisioned on the device for configured subscriptions.
    #[serde(default)]
    pub udp_notif: Option<crate::udp_notif::UdpNotifReceiver>,
    /// The operations that change the device's schema while it runs, and change it back.
    #[serde(default)]
    pub schema_change: Option<crate::schema_change::SchemaChange>,
}

/// An inventory device's RESTCONF settings; the account is the device's own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestconfSettings {
    /// The HTTPS port (default 443).
    #[serde(default)]
    pub port: Option<u16>,
    /// The RESTCONF root (default: discovered through `/.well-known/host-meta`).
    #[serde(default)]
    pub root: Option<String>,
    /// The server certificate's SHA-256 fingerprint, pinned; wins over `ca_file`.
    #[serde(default)]
    pub certificate_fingerprint: Option<String>,
    /// A PEM file of the CA certificates that sign the server's (default: the system's).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate. For throwaway labs only.
    #[serde(default)]
    pub insecure: bool,
    /// `negotiate` (ALPN, default), `http1`, `http2`, or `h2c` (cleartext HTTP/2 with prior
    /// knowledge).
    #[serde(default)]
    pub http: Option<String>,
    /// A PEM certificate the main account authenticates with (TLS client authentication),
    /// with `client_key`; a password, when the inventory gives one too, is sent as well.
    #[serde(default)]
    pub client_certificate: Option<PathBuf>,
    /// The PEM private key of `client_certificate`.
    #[serde(default)]
    pub client_key: Option<PathBuf>,
}

/// The system's CA certificates (Debian's bundle), the default trust for RESTCONF.
pub const SYSTEM_CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";

impl RestconfSettings {
    fn trust(&self) -> ServerTrust {
        if let Some(fingerprint) = &self.certificate_fingerprint {
            ServerTrust::Fingerprint(fingerprint.clone())
        } else if self.insecure {
            ServerTrust::Insecure
        } else {
            ServerTrust::CaFile(
                self.ca_file
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(SYSTEM_CA_FILE)),
            )
        }
    }

    fn http_mode(&self, device: &str) -> Result<HttpMode, TargetError> {
        match self.http.as_deref() {
            None | Some("negotiate") => Ok(HttpMode::Negotiate),
            Some("http1") => Ok(HttpMode::Http1),
            Some("http2") => Ok(HttpMode::Http2),
            Some("h2c") => Ok(HttpMode::CleartextHttp2),
            Some(other) => Err(TargetError::Restconf {
                device: device.to_owned(),
                setting: format!("restconf.http {other:?} is not negotiate, http1, http2 or h2c"),
            }),
        }
    }
}

/// Accounts beyond the main one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// An account the device's access control allows to read but not to write.
    #[serde(default)]
    pub read_only: Option<Account>,
}

/// Another account on the same device; secrets by reference as for the main account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub username: String,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub identity: Option<PathBuf>,
    /// RESTCONF: the account's TLS client certificate (PEM), with `client_key`.
    #[serde(default)]
    pub client_certificate: Option<PathBuf>,
    /// RESTCONF: the private key of `client_certificate` (PEM).
    #[serde(default)]
    pub client_key: Option<PathBuf>,
}

fn default_protocols() -> Vec<String> {
    vec![Protocol::Netconf.as_str().to_owned()]
}

impl Inventory {
    /// Reads and checks an inventory file, or containerlab's `topology-data.json` (see
    /// [`crate::containerlab`]; the nodes it leaves out are logged as warnings); relative
    /// paths in it are relative to the file.
    pub fn load(path: &Path) -> Result<Inventory, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|error| TargetError::ReadInventory {
            path: path.to_owned(),
            error,
        })?;
        if crate::containerlab::is_topology_data(&text) {
            let lab = crate::containerlab::inventory(&text, path)?;
            for node in &lab.left_out {
                tracing::warn!("{}: node {node}: left out of the run", path.display());
            }
            return Ok(lab.inventory);
        }
        let mut inventory: Inventory =
            serde_saphyr::from_str(&text).map_err(|error| TargetError::ParseInventory {
                path: path.to_owned(),
                error: Box::new(error),
            })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for device in &mut inventory.devices {
            let mut files = vec![
                &mut device.password_file,
                &mut device.identity,
                &mut device.known_hosts,
                &mut device.restconf.ca_file,
                &mut device.restconf.client_certificate,
                &mut device.restconf.client_key,
            ];
            if let Some(account) = &mut device.roles.read_only {
                files.extend([
                    &mut account.password_file,
                    &mut account.identity,
                    &mut account.client_certificate,
                    &mut account.client_key,
                ]);
            }
            for file in files.into_iter().flatten() {
                if file.is_relative() {
                    *file = base.join(&*file);
                }
            }
        }
        let mut names = HashSet::new();
        for device in &inventory.devices {
            if !names.insert(device.name.as_str()) {
                return Err(TargetError::DuplicateName(device.name.clone()));
            }
        }
        Ok(inventory)
    }

    /// The device with this name, or an error listing the names there are.
    pub fn device(&self, name: &str) -> Result<&InventoryDevice, TargetError> {
        self.devices
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| TargetError::NoSuchDevice {
                name: name.to_owned(),
                known: self
                    .devices
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Reads a password from an environment variable.
pub fn password_from_env(variable: &str) -> Result<String, TargetError> {
    std::env::var(variable).map_err(|_| TargetError::PasswordEnv(variable.to_owned()))
}

fn default_known_hosts() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".ssh/known_hosts")
}

/// Builds a host-key policy; `pinned` wins over `policy`.
pub fn host_key_policy(
    policy: Option<PolicyName>,
    known_hosts: Option<PathBuf>,
    pinned: Option<String>,
) -> HostKeyPolicy {
    if let Some(fingerprint) = pinned {
        return HostKeyPolicy::Pinned { fingerprint };
    }
    let known_hosts = known_hosts.unwrap_or_else(default_known_hosts);
    match policy.unwrap_or(PolicyName::Strict) {
        PolicyName::Strict => HostKeyPolicy::Strict { known_hosts },
        PolicyName::AcceptNew => HostKeyPolicy::AcceptNew { known_hosts },
        PolicyName::Insecure => HostKeyPolicy::Insecure,
    }
}

impl InventoryDevice {
    /// The protocols of this device the harness speaks, in the inventory's order.
    pub fn spoken_protocols(&self) -> Result<Vec<Protocol>, TargetError> {
        let spoken: Vec<Protocol> = self
            .protocols
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect();
        if spoken.is_empty() {
            return Err(TargetError::NoProtocolSpoken {
                device: self.name.clone(),
                listed: self.protocols.clone(),
                spoken: Protocol::ALL.map(Protocol::as_str).join(", "),
            });
        }
        Ok(spoken)
    }

    /// The connection options for this device's main account.
    pub fn connect_options(&self) -> Result<ConnectOptions, TargetError> {
        let protocol = Protocol::Netconf;
        let auth = credentials(
            &self.name,
            self.identity.as_ref(),
            self.password.as_deref(),
            self.password_env.as_deref(),
            self.password_file.as_ref(),
        )?;
        let mut options = ConnectOptions::new(
            self.address.clone(),
            self.port.unwrap_or(protocol.default_port()),
            self.username.clone(),
            auth,
            host_key_policy(
                self.host_key_policy,
                self.known_hosts.clone(),
                self.host_key_fingerprint.clone(),
            ),
        );
        if let Some(ms) = self.hello_settle_ms {
            options.session.hello_settle = Duration::from_millis(ms);
        }
        Ok(options)
    }

    /// The connection options for the read-only account, when the inventory names one.
    pub fn read_only_options(&self) -> Result<Option<ConnectOptions>, TargetError> {
        let Some(account) = &self.roles.read_only else {
            return Ok(None);
        };
        let mut options = self.connect_options()?;
        options.username = account.username.clone();
        options.auth = credentials(
            &format!("{} (read_only)", self.name),
            account.identity.as_ref(),
            None,
            account.password_env.as_deref(),
            account.password_file.as_ref(),
        )?;
        Ok(Some(options))
    }

    /// How to reach this device over `protocol`, as the main account and as the read-only
    /// one when the inventory names it.
    pub fn access(&self, protocol: Protocol) -> Result<(Access, Option<Access>), TargetError> {
        match protocol {
            Protocol::Netconf => Ok((
                Access::Netconf(self.connect_options()?),
                self.read_only_options()?.map(Access::Netconf),
            )),
            Protocol::Restconf => {
                let main = self.restconf_options(
                    &self.username,
                    credentials(
                        &self.name,
                        None,
                        self.password.as_deref(),
                        self.password_env.as_deref(),
                        self.password_file.as_ref(),
                    ),
                    client_identity(
                        &self.name,
                        &self.restconf.client_certificate,
                        &self.restconf.client_key,
                    )?,
                )?;
                let read_only = match &self.roles.read_only {
                    None => None,
                    Some(account) => {
                        let name = format!("{} (read_only)", self.name);
                        Some(self.restconf_options(
                            &account.username,
                            credentials(
                                &name,
                                None,
                                None,
                                account.password_env.as_deref(),
                                account.password_file.as_ref(),
                            ),
                            client_identity(
                                &name,
                                &account.client_certificate,
                                &account.client_key,
                            )?,
                        )?)
                    }
                };
                Ok((Access::Restconf(main), read_only.map(Access::Restconf)))
            }
        }
    }

    /// RESTCONF options for one account: HTTP Basic with the password when there is one, the
    /// client certificate when there is one; at least one of them.
    fn restconf_options(
        &self,
        username: &str,
        auth: Result<Auth, TargetError>,
        identity: Option<ClientIdentity>,
    ) -> Result<RestconfOptions, TargetError> {
        let password = match auth {
            Ok(Auth::Password(password)) => Some(password),
            Ok(_) | Err(TargetError::NoInventoryCredentials(_)) => None,
            Err(other) => return Err(other),
        };
        if password.is_none() && identity.is_none() {
            return Err(TargetError::NoRestconfCredentials);
        }
        let settings = &self.restconf;
        let mut options = RestconfOptions::new(
            self.address.clone(),
            settings.port.unwrap_or(Protocol::Restconf.default_port()),
            settings.trust(),
        );
        options.root = settings.root.clone();
        options.username = Some(username.to_owned());
        options.password = password;
        options.identity = identity;
        options.http = settings.http_mode(&self.name)?;
        Ok(options)
    }

    /// The inventory's labels as text, for reports.
    pub fn label_texts(&self) -> BTreeMap<String, String> {
        self.labels
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (key.clone(), text)
            })
            .collect()
    }
}

/// A TLS client identity from an inventory's certificate and key, which come together.
fn client_identity(
    device: &str,
    certificate: &Option<PathBuf>,
    key: &Option<PathBuf>,
) -> Result<Option<ClientIdentity>, TargetError> {
    match (certificate, key) {
        (None, None) => Ok(None),
        (Some(certificate), Some(key)) => Ok(Some(ClientIdentity {
            certificate: certificate.clone(),
            key: key.clone(),
        })),
        _ => Err(TargetError::Restconf {
            device: device.to_owned(),
            setting: "client_certificate and client_key come together: give both or neither"
                .to_owned(),
        }),
    }
}

/// Authentication from the references an inventory gives: a key file first, then a password
/// (inline, from a variable, from a file), then an ssh-agent.
fn credentials(
    name: &str,
    identity: Option<&PathBuf>,
    password: Option<&str>,
    password_env: Option<&str>,
    password_file: Option<&PathBuf>,
) -> Result<Auth, TargetError> {
    if let Some(identity) = identity {
        return Ok(Auth::KeyFile {
            path: identity.clone(),
            passphrase: None,
        });
    }
    if let Some(password) = password {
        return Ok(Auth::Password(password.to_owned().into()));
    }
    if let Some(variable) = password_env {
        return Ok(Auth::Password(password_from_env(variable)?.into()));
    }
    if let Some(file) = password_file {
        let text = std::fs::read_to_string(file).map_err(|error| TargetError::PasswordFile {
            device: name.to_owned(),
            path: file.clone(),
            error,
        })?;
        return Ok(Auth::Password(
            text.trim_end_matches(['\n', '\r']).to_owned().into(),
        ));
    }
    if std::env::var_os("SSH_AUTH_SOCK").is_some() {
        return Ok(Auth::Agent { socket: None });
    }
    Err(TargetError::NoInventoryCredentials(name.to_owned()))
}

/// Where a target came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A device of this inventory file.
    Inventory(PathBuf),
    /// A URL on the command line.
    Url,
    /// Started by the harness in its own process (a reference device).
    Reference,
}

/// A device to test over one protocol, resolved down to how to reach it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Unique in the run: the inventory's name, or `HOST-PORT` for a URL.
    pub name: String,
    pub origin: Origin,
    pub protocol: Protocol,
    /// What the inventory says the device is (software, version, ...).
    pub labels: BTreeMap<String, String>,
    /// How to reach it over `protocol` as the main account.
    pub connect: Access,
    /// The restricted account of the test bed, when the inventory names one.
    pub read_only: Option<Access>,
    pub sandbox: Sandbox,
    /// The UDP-notif receiver the test bed provisioned on the device, if any.
    pub udp_notif: Option<crate::udp_notif::UdpNotifReceiver>,
    /// How the test bed changes the device's schema and changes it back, if it can.
    pub schema_change: Option<crate::schema_change::SchemaChange>,
}

impl Target {
    /// `<name>/<protocol>`: the target's column in the matrix.
    pub fn id(&self) -> String {
        self.protocol.device_id(&self.name)
    }
}

/// Where targets come from, in the order the run lists them.
#[derive(Debug, Clone)]
pub enum TargetSource {
    /// Every device of an inventory file, or only the one named.
    Inventory {
        path: PathBuf,
        device: Option<String>,
    },
    /// A URL from the command line.
    Url(String),
    /// A target made elsewhere (a reference device this process started).
    Ready(Box<Target>),
}

/// Connection settings from the command line, applied over what the inventory says.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The variable holding the password (URL targets).
    pub password_env: Option<String>,
    /// A private key (URL targets).
    pub identity: Option<PathBuf>,
    pub host_key_policy: Option<PolicyName>,
    pub known_hosts: Option<PathBuf>,
    pub host_key_fingerprint: Option<String>,
    pub hello_settle: Option<Duration>,
    /// Bounds connecting and each RPC; `None` keeps the client's defaults.
    pub timeout: Option<Duration>,
    /// RESTCONF URL targets: the server certificate's pinned SHA-256 fingerprint.
    pub certificate_fingerprint: Option<String>,
    /// RESTCONF URL targets: the CA certificates (PEM) that sign the server's.
    pub ca_file: Option<PathBuf>,
    /// RESTCONF URL targets: accept any server certificate.
    pub insecure_tls: bool,
    /// RESTCONF URL targets: a TLS client certificate (PEM) and its key.
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// Every target of the sources, overrides applied; two targets with one name are refused.
pub fn resolve(
    sources: &[TargetSource],
    overrides: &Overrides,
) -> Result<Vec<Target>, TargetError> {
    let mut targets = Vec::new();
    for source in sources {
        match source {
            // Made by the harness itself: the command line's settings are not its own.
            TargetSource::Ready(target) => targets.push((**target).clone()),
            TargetSource::Url(text) => targets.push(apply(from_url(text, overrides)?, overrides)),
            TargetSource::Inventory { path, device } => {
                let inventory = Inventory::load(path)?;
                let devices: Vec<&InventoryDevice> = match device {
                    Some(name) => vec![inventory.device(name)?],
                    None => inventory.devices.iter().collect(),
                };
                if devices.is_empty() {
                    return Err(TargetError::EmptyInventory { path: path.clone() });
                }
                for device in devices {
                    for target in from_inventory(device, path, overrides)? {
                        targets.push(apply(target, overrides));
                    }
                }
            }
        }
    }
    let mut names = HashSet::new();
    for target in &targets {
        if !names.insert(target.id()) {
            return Err(TargetError::DuplicateName(target.name.clone()));
        }
    }
    Ok(targets)
}

/// One target per protocol the device lists that the harness speaks.
fn from_inventory(
    device: &InventoryDevice,
    path: &Path,
    overrides: &Overrides,
) -> Result<Vec<Target>, TargetError> {
    let sandbox = Sandbox::from_spec(&device.sandbox).map_err(|error| TargetError::Sandbox {
        device: device.name.clone(),
        error,
    })?;
    let mut targets = Vec::new();
    for protocol in device.spoken_protocols()? {
        let (mut connect, read_only) = device.access(protocol)?;
        if let Access::Netconf(options) = &mut connect {
            // Command-line flags override the inventory's host-key settings.
            if overrides.host_key_policy.is_some() || overrides.host_key_fingerprint.is_some() {
                options.host_key = host_key_policy(
                    overrides.host_key_policy,
                    overrides.known_hosts.clone().or(device.known_hosts.clone()),
                    overrides.host_key_fingerprint.clone(),
                );
            }
        }
        targets.push(Target {
            name: device.name.clone(),
            origin: Origin::Inventory(path.to_owned()),
            protocol,
            labels: device.label_texts(),
            connect,
            read_only,
            sandbox: sandbox.clone(),
            udp_notif: device.udp_notif.clone(),
            schema_change: device.schema_change.clone(),
        });
    }
    Ok(targets)
}

fn from_url(text: &str, overrides: &Overrides) -> Result<Target, TargetError> {
    let url: TargetUrl = text.parse()?;
    let name = if url.host.contains(':') {
        format!("[{}]-{}", url.host, url.port)
    } else {
        format!("{}-{}", url.host, url.port)
    };
    let connect = match url.protocol {
        Protocol::Netconf => {
            let auth = if let Some(variable) = &overrides.password_env {
                Auth::Password(password_from_env(variable)?.into())
            } else if let Some(identity) = &overrides.identity {
                Auth::KeyFile {
                    path: identity.clone(),
                    passphrase: None,
                }
            } else if std::env::var_os("SSH_AUTH_SOCK").is_some() {
                Auth::Agent { socket: None }
            } else {
                return Err(TargetError::NoCredentials);
            };
            Access::Netconf(ConnectOptions::new(
                url.host,
                url.port,
                url.username,
                auth,
                host_key_policy(
                    overrides.host_key_policy,
                    overrides.known_hosts.clone(),
                    overrides.host_key_fingerprint.clone(),
                ),
            ))
        }
        Protocol::Restconf => {
            let identity =
                client_identity(&name, &overrides.client_certificate, &overrides.client_key)?;
            let password = match &overrides.password_env {
                Some(variable) => Some(password_from_env(variable)?.into()),
                None if identity.is_some() => None,
                None => return Err(TargetError::NoRestconfCredentials),
            };
            let settings = RestconfSettings {
                certificate_fingerprint: overrides.certificate_fingerprint.clone(),
                ca_file: overrides.ca_file.clone(),
                insecure: overrides.insecure_tls,
                ..RestconfSettings::default()
            };
            let mut options = RestconfOptions::new(url.host, url.port, settings.trust());
            options.root = url.root;
            options.username = Some(url.username);
            options.password = password;
            options.identity = identity;
            Access::Restconf(options)
        }
    };
    Ok(Target {
        name: name.replace(':', "-"),
        origin: Origin::Url,
        protocol: url.protocol,
        labels: BTreeMap::new(),
        connect,
        read_only: None,
        sandbox: Sandbox::default(),
        udp_notif: None,
        schema_change: None,
    })
}

/// The command line's session settings, for both of a target's accounts.
fn apply(mut target: Target, overrides: &Overrides) -> Target {
    for access in std::iter::once(&mut target.connect).chain(target.read_only.as_mut()) {
        match access {
            Access::Netconf(options) => {
                if let Some(settle) = overrides.hello_settle {
                    options.session.hello_settle = settle;
                }
                if let Some(timeout) = overrides.timeout {
                    options.connect_timeout = timeout;
                    options.session.rpc_timeout = timeout;
                    options.session.hello_timeout = timeout;
                }
            }
            Access::Restconf(options) => {
                if let Some(timeout) = overrides.timeout {
                    options.timeout = timeout;
                }
            }
        }
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_urls() {
        let t: TargetUrl = "netconf://admin@192.0.2.1:2830".parse().expect("valid");
        assert_eq!(
            (t.username.as_str(), t.host.as_str(), t.port),
            ("admin", "192.0.2.1", 2830)
        );
        let t: TargetUrl = "netconf://admin@[::1]".parse().expect("valid");
        assert_eq!((t.host.as_str(), t.port), ("::1", 830));
        assert!("netconf://admin:secret@h".parse::<TargetUrl>().is_err());
        assert!("netconf://h:830".parse::<TargetUrl>().is_err());
        assert!("ssh://a@h".parse::<TargetUrl>().is_err());
        let t: TargetUrl = "restconf+https://admin@192.0.2.1:8443/top/restconf/"
            .parse()
            .expect("valid");
        assert_eq!(t.protocol, Protocol::Restconf);
        assert_eq!((t.port, t.root.as_deref()), (8443, Some("/top/restconf")));
        let t: TargetUrl = "restconf+https://admin@h".parse().expect("valid");
        assert_eq!((t.port, t.root), (443, None));
    }

    #[test]
    fn an_inventory_device_gives_one_target_per_protocol() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_inventory(
            dir.path(),
            "  - name: a\n    address: 127.0.0.1\n    username: u\n    password_file: pw\n    protocols: [netconf, restconf]\n    restconf: { port: 8443, certificate_fingerprint: \"AB\", http: http2 }\n    roles: { read_only: { username: ro, password_file: ro } }\n",
        );
        let targets = resolve(
            &[TargetSource::Inventory { path, device: None }],
            &Overrides::default(),
        )
        .expect("resolves");
        let ids: Vec<String> = targets.iter().map(Target::id).collect();
        assert_eq!(ids, ["a/netconf", "a/restconf"]);
        let Access::Restconf(options) = &targets[1].connect else {
            panic!("a RESTCONF target");
        };
        assert_eq!(options.port, 8443);
        assert_eq!(options.http, HttpMode::Http2);
        assert_eq!(options.trust, ServerTrust::Fingerprint("AB".into()));
        assert_eq!(options.username.as_deref(), Some("u"));
        assert_eq!(
            targets[1]
                .read_only
                .as_ref()
                .map(Access::username)
                .as_deref(),
            Some("ro")
        );
        let bad = write_inventory(
            dir.path(),
            "  - { name: b, address: h, username: u, password_file: pw, protocols: [restconf], restconf: { http: spdy } }\n",
        );
        assert!(matches!(
            resolve(
                &[TargetSource::Inventory {
                    path: bad,
                    device: None
                }],
                &Overrides::default()
            ),
            Err(TargetError::Restconf { .. })
        ));
    }

    #[test]
    fn inventory_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("inv.yaml");
        std::fs::write(
            &path,
            "devices:\n  - name: a\n    address: 127.0.0.1\n    port: 1\n    username: u\n    password_file: a.pass\n    known_hosts: kh\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("a.pass"), "pw\n").expect("write");
        let inventory = Inventory::load(&path).expect("loads");
        let device = inventory.device("a").expect("present");
        assert_eq!(
            device.known_hosts.as_deref(),
            Some(dir.path().join("kh").as_path())
        );
        let options = device.connect_options().expect("options");
        assert!(matches!(options.auth, Auth::Password(_)));
        assert!(inventory.device("b").is_err());
    }

    #[test]
    fn roles_and_sandbox() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("inv.yaml");
        std::fs::write(
            &path,
            "devices:\n  - name: a\n    address: h\n    username: u\n    password_file: a.pass\n    roles: { read_only: { username: ro, password_file: ro.pass } }\n    sandbox: { ordered_list: none }\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("a.pass"), "pw\n").expect("write");
        std::fs::write(dir.path().join("ro.pass"), "ro-pw\n").expect("write");
        let inventory = Inventory::load(&path).expect("loads");
        let device = inventory.device("a").expect("present");
        let read_only = device.read_only_options().expect("valid").expect("named");
        assert_eq!(read_only.username, "ro");
        assert!(matches!(read_only.auth, Auth::Password(_)));
        assert_eq!(device.sandbox.ordered_list, "none");
        assert!(device.sandbox.text.contains("ietf-system"));
    }

    #[test]
    fn unknown_inventory_keys_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("inv.yaml");
        std::fs::write(
            &path,
            "devices:\n  - name: a\n    adress: x\n    username: u\n",
        )
        .expect("write");
        let error = Inventory::load(&path).expect_err("typo").to_string();
        assert!(error.contains("adress"), "{error}");
    }

    #[test]
    fn an_inventory_names_how_to_change_a_devices_schema_and_change_it_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_inventory(
            dir.path(),
            "  - name: a\n    address: 127.0.0.1\n    username: u\n    password_file: pw\n    schema_change:\n      apply: \"<load-package xmlns='urn:example:vendor-sw'><name>optics</name></load-package>\"\n      revert: \"<unload-package xmlns='urn:example:vendor-sw'><name>optics</name></unload-package>\"\n",
        );
        let inventory = Inventory::load(&path).expect("loads");
        let change = inventory.devices[0]
            .schema_change
            .clone()
            .expect("schema_change");
        assert!(change.apply.starts_with("<load-package"), "{change:?}");
        assert!(change.revert.starts_with("<unload-package"), "{change:?}");
        // Both operations are needed: a change the harness could not undo is refused.
        let path = write_inventory(
            dir.path(),
            "  - name: a\n    address: 127.0.0.1\n    username: u\n    password_file: pw\n    schema_change:\n      apply: \"<x/>\"\n",
        );
        let error = Inventory::load(&path).expect_err("no revert").to_string();
        assert!(error.contains("revert"), "{error}");
    }

    fn write_inventory(dir: &Path, devices: &str) -> PathBuf {
        let path = dir.join("inv.yaml");
        std::fs::write(&path, format!("devices:\n{devices}")).expect("write");
        std::fs::write(dir.join("pw"), "secret\n").expect("write");
        std::fs::write(dir.join("ro"), "ro-secret\n").expect("write");
        path
    }

    const TWO: &str = "  - name: a\n    address: 127.0.0.1\n    username: u\n    password_file: pw\n    known_hosts: kh\n    labels: { software: x, version: 2 }\n    roles: { read_only: { username: ro, password_file: ro } }\n  - name: b\n    address: ::1\n    port: 2830\n    username: u\n    password_file: pw\n    hello_settle_ms: 50\n";

    #[test]
    fn resolution_applies_command_line_overrides_over_the_inventory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_inventory(dir.path(), TWO);
        let overrides = Overrides {
            host_key_fingerprint: Some("SHA256:pinned".to_owned()),
            timeout: Some(Duration::from_secs(7)),
            ..Overrides::default()
        };
        let targets = resolve(
            &[TargetSource::Inventory {
                path: path.clone(),
                device: None,
            }],
            &overrides,
        )
        .expect("resolves");
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let a = &targets[0];
        assert_eq!(a.id(), "a/netconf");
        let a_connect = a.connect.netconf().expect("NETCONF");
        assert_eq!(a.origin, Origin::Inventory(path.clone()));
        assert_eq!(a_connect.port, 830);
        assert!(
            matches!(&a_connect.host_key, HostKeyPolicy::Pinned { fingerprint } if fingerprint == "SHA256:pinned")
        );
        assert_eq!(a_connect.session.rpc_timeout, Duration::from_secs(7));
        assert_eq!(a.labels.get("version").map(String::as_str), Some("2"));
        assert_eq!(a.sandbox, Sandbox::default());
        // The read-only account: its own user and password, the main account's session settings.
        let read_only = a
            .read_only
            .as_ref()
            .and_then(Access::netconf)
            .expect("read-only account");
        assert_eq!(read_only.username, "ro");
        assert!(
            matches!(&read_only.auth, Auth::Password(p) if secrecy::ExposeSecret::expose_secret(p) == "ro-secret")
        );
        assert_eq!(read_only.session.rpc_timeout, Duration::from_secs(7));
        assert_eq!(read_only.connect_timeout, Duration::from_secs(7));
        let b = &targets[1];
        let b_connect = b.connect.netconf().expect("NETCONF");
        assert_eq!((b_connect.host.as_str(), b_connect.port), ("::1", 2830));
        assert_eq!(b_connect.session.hello_settle, Duration::from_millis(50));
        assert!(b.read_only.is_none());
        // Without an override the inventory's own host-key settings hold.
        let plain = resolve(
            &[TargetSource::Inventory {
                path,
                device: Some("a".to_owned()),
            }],
            &Overrides::default(),
        )
        .expect("resolves");
        assert!(
            matches!(&plain[0].connect.netconf().expect("NETCONF").host_key, HostKeyPolicy::Strict { known_hosts } if known_hosts.ends_with("kh"))
        );
    }

    #[test]
    fn two_devices_with_one_name_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_inventory(dir.path(), TWO);
        let inventory = TargetSource::Inventory {
            path: path.clone(),
            device: None,
        };
        let twice = resolve(&[inventory.clone(), inventory], &Overrides::default());
        assert!(matches!(twice, Err(TargetError::DuplicateName(name)) if name == "a"));
        let ready = resolve(
            &[TargetSource::Inventory {
                path: path.clone(),
                device: None,
            }],
            &Overrides::default(),
        )
        .expect("resolves")
        .remove(0);
        let clash = resolve(
            &[
                TargetSource::Ready(Box::new(ready)),
                TargetSource::Inventory {
                    path,
                    device: Some("a".to_owned()),
                },
            ],
            &Overrides::default(),
        );
        assert!(matches!(clash, Err(TargetError::DuplicateName(_))));
        let in_one_file = write_inventory(
            dir.path(),
            "  - { name: x, address: h, username: u, password_file: pw }\n  - { name: x, address: h, username: u, password_file: pw }\n",
        );
        assert!(matches!(
            Inventory::load(&in_one_file),
            Err(TargetError::DuplicateName(_))
        ));
    }

    #[test]
    fn url_targets_need_credentials_from_outside_argv() {
        let overrides = Overrides {
            password_env: Some("RFC3535_TEST_UNSET_VARIABLE".to_owned()),
            ..Overrides::default()
        };
        let unset = resolve(
            &[TargetSource::Url("netconf://admin@192.0.2.1".to_owned())],
            &overrides,
        );
        assert!(matches!(unset, Err(TargetError::PasswordEnv(_))));
        let with_key = Overrides {
            identity: Some(PathBuf::from("/keys/id")),
            ..Overrides::default()
        };
        let targets = resolve(
            &[TargetSource::Url(
                "netconf://admin@192.0.2.1:2830".to_owned(),
            )],
            &with_key,
        )
        .expect("resolves");
        assert_eq!(targets[0].name, "192.0.2.1-2830");
        assert_eq!(targets[0].origin, Origin::Url);
        assert!(matches!(
            targets[0].connect.netconf().expect("NETCONF").auth,
            Auth::KeyFile { .. }
        ));
        assert!(matches!(
            resolve(
                &[TargetSource::Url("netconf://admin:pw@h".to_owned())],
                &with_key
            ),
            Err(TargetError::PasswordInUrl { .. })
        ));
    }
}
