//! The command bodies, one file per command, and the connection flags they share. Each turns
//! its flags into calls on the harness (`rfc3535-harness`) and says how the command ended as
//! an exit code.

pub mod device;
pub mod diff;
pub mod probe;
pub mod report;
pub mod requirements;
pub mod run;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use rfc3535_harness::target::{Overrides, PolicyName};

/// Credentials and connection settings shared by every command that reaches devices.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// The environment variable that holds the SSH password (never the password itself).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,

    /// A private key file for SSH public-key authentication.
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,

    /// How to verify the device's SSH host key: strict (only keys in known_hosts), accept-new
    /// (trust on first use, refuse a changed key) or insecure (any key; throwaway labs only).
    #[arg(long, value_name = "POLICY", value_parser = host_key_policy_name)]
    pub host_key_policy: Option<PolicyName>,

    /// The known_hosts file for strict and accept-new [default: ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,

    /// Milliseconds to wait after the hello before the first RPC, for devices that stall an RPC
    /// arriving together with the client's hello [default: the inventory's hello_settle_ms, or 0].
    #[arg(long, value_name = "MS")]
    pub hello_settle_ms: Option<u64>,

    /// Seconds allowed for connecting and for each RPC.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,

    /// RESTCONF targets: pin the server certificate by its SHA-256 fingerprint (hex pairs,
    /// colons optional), as `openssl x509 -noout -fingerprint -sha256` prints it.
    #[arg(long, value_name = "SHA256")]
    pub certificate_fingerprint: Option<String>,

    /// RESTCONF targets: verify the server certificate against the CA certificates in this
    /// PEM file [default: the system's, /etc/ssl/certs/ca-certificates.crt].
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// RESTCONF targets: accept any server certificate (its fingerprint is still recorded).
    /// For throwaway labs only.
    #[arg(long)]
    pub insecure_tls: bool,

    /// RESTCONF targets: authenticate with this TLS client certificate (PEM), with
    /// --client-key; a --password-env password is then optional.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_certificate: Option<PathBuf>,

    /// RESTCONF targets: the private key (PEM) of --client-certificate.
    #[arg(long, value_name = "FILE", requires = "client_certificate")]
    pub client_key: Option<PathBuf>,
}

fn host_key_policy_name(text: &str) -> Result<PolicyName, rfc3535_harness::choice::UnknownChoice> {
    text.parse()
}

impl ConnectionArgs {
    /// What the flags override in every target, with the host-key pin given apart.
    pub fn overrides(&self, host_key_fingerprint: Option<String>) -> Overrides {
        Overrides {
            password_env: self.password_env.clone(),
            identity: self.identity.clone(),
            host_key_policy: self.host_key_policy,
            known_hosts: self.known_hosts.clone(),
            host_key_fingerprint,
            hello_settle: self.hello_settle_ms.map(Duration::from_millis),
            timeout: Some(Duration::from_secs(self.timeout.max(1))),
            certificate_fingerprint: self.certificate_fingerprint.clone(),
            ca_file: self.ca_file.clone(),
            insecure_tls: self.insecure_tls,
            client_certificate: self.client_certificate.clone(),
            client_key: self.client_key.clone(),
        }
    }
}

/// The features directory: `RFC3535_FEATURES`, else `features/` in the current directory,
/// else the one in the source tree this binary was built from.
/// Writes a command's text to standard output. A reader that goes away (`| head`) ends the
/// output quietly; `println!` would panic on the broken pipe.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub fn default_features_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RFC3535_FEATURES") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from("features");
    if here.join("requirements.yaml").is_file() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
}
