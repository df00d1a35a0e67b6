//! Targets and inventories: where the devices are, how to log in, and how to check who they are.
//!
//! A target comes from a URL on the command line (`netconf://USER@HOST:PORT`, with credentials
//! and host-key settings from flags) or from a device of an inventory file (YAML). Both resolve
//! to the client's [`ConnectOptions`]. Secrets are read from an environment variable, a file,
//! a key, or an ssh-agent, never from argv; an inline `password:` in an inventory is accepted
//! (the inventory is the operator's own file) but the report never shows it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use serde::Deserialize;

/// Default NETCONF-over-SSH port (RFC 6242 §3).
pub const NETCONF_PORT: u16 = 830;

/// A parsed `netconf://USER@HOST:PORT` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    pub username: String,
    pub host: String,
    pub port: u16,
}

impl std::str::FromStr for TargetUrl {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Self> {
        let url = url::Url::parse(text)
            .with_context(|| format!("{text:?} is not a URL like netconf://admin@192.0.2.1:830"))?;
        if url.scheme() != "netconf" {
            bail!(
                "unsupported scheme {:?} in {text:?}: only netconf:// targets exist so far",
                url.scheme()
            );
        }
        if url.password().is_some() {
            bail!("{text:?} carries a password; pass it with --password-env VAR instead, so it stays out of argv and logs");
        }
        let host = url
            .host_str()
            .with_context(|| format!("{text:?} has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if url.username().is_empty() {
            bail!("{text:?} has no user: write netconf://USER@{host}");
        }
        Ok(TargetUrl {
            username: url.username().to_owned(),
            host,
            port: url.port().unwrap_or(NETCONF_PORT),
        })
    }
}

/// The command-line host-key policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyName {
    /// Only keys already in the known_hosts file (default).
    Strict,
    /// Trust on first use: record an unknown key, refuse a changed one.
    AcceptNew,
    /// Accept any key (the fingerprint is still shown). For throwaway labs only.
    Insecure,
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
    #[serde(default = "default_port")]
    pub port: u16,
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
    pub labels: serde_yaml::Value,
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
}

/// The sandbox: the only configuration scenarios write. Each node is `NAMESPACE a/b/c`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSpec {
    /// A string leaf scenarios overwrite (and restore).
    #[serde(default = "default_sandbox_text")]
    pub text: String,
    /// An `ordered-by user` leaf-list scenarios add their own entries to (and remove them);
    /// `none` to have scenarios that need it skipped.
    #[serde(default = "default_sandbox_list")]
    pub ordered_list: String,
}

impl Default for SandboxSpec {
    fn default() -> Self {
        SandboxSpec {
            text: default_sandbox_text(),
            ordered_list: default_sandbox_list(),
        }
    }
}

fn default_sandbox_text() -> String {
    "urn:ietf:params:xml:ns:yang:ietf-system system/location".to_owned()
}

fn default_sandbox_list() -> String {
    "urn:ietf:params:xml:ns:yang:ietf-system system/dns-resolver/search".to_owned()
}

fn default_port() -> u16 {
    NETCONF_PORT
}

fn default_protocols() -> Vec<String> {
    vec!["netconf".to_owned()]
}

impl Inventory {
    /// Reads and checks an inventory file; relative paths in it are relative to the file.
    pub fn load(path: &Path) -> Result<Inventory> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read inventory {}", path.display()))?;
        let mut inventory: Inventory = serde_yaml::from_str(&text)
            .with_context(|| format!("inventory {} is not valid", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for device in &mut inventory.devices {
            let (role_password, role_identity) = match &mut device.roles.read_only {
                Some(account) => (&mut account.password_file, &mut account.identity),
                None => (&mut None, &mut None),
            };
            for file in [
                &mut device.password_file,
                &mut device.identity,
                &mut device.known_hosts,
                role_password,
                role_identity,
            ]
            .into_iter()
            .flatten()
            {
                if file.is_relative() {
                    *file = base.join(&*file);
                }
            }
        }
        let mut names = std::collections::HashSet::new();
        for device in &inventory.devices {
            if !names.insert(device.name.as_str()) {
                bail!(
                    "inventory {}: device name {:?} appears twice",
                    path.display(),
                    device.name
                );
            }
        }
        Ok(inventory)
    }

    /// The device with this name, or an error listing the names there are.
    pub fn device(&self, name: &str) -> Result<&InventoryDevice> {
        self.devices
            .iter()
            .find(|d| d.name == name)
            .with_context(|| {
                let names: Vec<&str> = self.devices.iter().map(|d| d.name.as_str()).collect();
                format!(
                    "no device {name:?} in the inventory; it has: {}",
                    names.join(", ")
                )
            })
    }
}

/// Reads a password from an environment variable.
pub fn password_from_env(variable: &str) -> Result<String> {
    std::env::var(variable).with_context(|| {
        format!(
            "environment variable {variable} (named by --password-env / password_env) is not set"
        )
    })
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
    /// The connection options for this device's main account.
    pub fn connect_options(&self) -> Result<ConnectOptions> {
        if !self.protocols.iter().any(|p| p == "netconf") {
            bail!(
                "device {:?} lists protocols {:?}; only netconf is supported so far",
                self.name,
                self.protocols
            );
        }
        let auth = credentials(
            &self.name,
            self.identity.as_ref(),
            self.password.as_deref(),
            self.password_env.as_deref(),
            self.password_file.as_ref(),
        )?;
        let mut options = ConnectOptions::new(
            self.address.clone(),
            self.port,
            self.username.clone(),
            auth,
            host_key_policy(
                self.host_key_policy,
                self.known_hosts.clone(),
                self.host_key_fingerprint.clone(),
            ),
        );
        if let Some(ms) = self.hello_settle_ms {
            options.session.hello_settle = std::time::Duration::from_millis(ms);
        }
        Ok(options)
    }
}

impl InventoryDevice {
    /// The connection options for the read-only account, when the inventory names one.
    pub fn read_only_options(&self) -> Result<Option<ConnectOptions>> {
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
}

/// Authentication from the references an inventory gives: a key file first, then a password
/// (inline, from a variable, from a file), then an ssh-agent.
fn credentials(
    name: &str,
    identity: Option<&PathBuf>,
    password: Option<&str>,
    password_env: Option<&str>,
    password_file: Option<&PathBuf>,
) -> Result<Auth> {
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
        let text = std::fs::read_to_string(file).with_context(|| {
            format!(
                "device {name:?}: cannot read password_file {}",
                file.display()
            )
        })?;
        return Ok(Auth::Password(
            text.trim_end_matches(['\n', '\r']).to_owned().into(),
        ));
    }
    if std::env::var_os("SSH_AUTH_SOCK").is_some() {
        return Ok(Auth::Agent { socket: None });
    }
    bail!("device {name:?} has no credentials: give identity, password_env or password_file in the inventory")
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
        assert_eq!((t.host.as_str(), t.port), ("::1", NETCONF_PORT));
        assert!("netconf://admin:secret@h".parse::<TargetUrl>().is_err());
        assert!("netconf://h:830".parse::<TargetUrl>().is_err());
        assert!("ssh://a@h".parse::<TargetUrl>().is_err());
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
        let error = format!("{:#}", Inventory::load(&path).expect_err("typo"));
        assert!(error.contains("adress"), "{error}");
    }
}
