//! Test and benchmark helper: starts real devices of the local lab (`containerlab/local/lab`)
//! and stops them when the guard drops, which also happens when a test panics.
//!
//! Each device gets its own directory `/tmp/rfc3535-lab-<pid>-<n>` and a free loopback port.
//! Devices left behind by a test process that was killed are stopped the next time any test
//! starts a device (their directory names carry the dead PID).
//!
//! The lab script is the one way devices start, for people and for tests alike; this crate only
//! calls it.

pub mod fault_proxy;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The pause after the hello that lab devices need: netconfd 2.13 holds back an RPC that
/// arrives in the same read as the client's hello (docs/lab-findings.md). The lab's inventory
/// carries the same value (`hello_settle_ms`).
pub const NETCONFD_HELLO_SETTLE: std::time::Duration = std::time::Duration::from_millis(100);

/// The datastore netconfd writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Candidate,
    Running,
}

/// The base protocol versions netconfd offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocols {
    Both,
    Netconf10,
    Netconf11,
}

/// Which server a lab device runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Yuma123 netconfd behind OpenSSH (NETCONF).
    Netconfd,
    /// jetconf (RESTCONF over HTTP/2 and TLS, client certificates, JSON only); the NETCONF
    /// settings of the spec do not apply to it.
    Jetconf,
}

/// What kind of device to start.
#[derive(Debug, Clone)]
pub struct DeviceSpec {
    pub server: Server,
    pub target: Target,
    pub protocols: Protocols,
    pub startup: bool,
    pub nmda: bool,
}

impl DeviceSpec {
    /// base:1.0+1.1, `:candidate`, `:confirmed-commit`, `:startup`.
    pub fn candidate() -> Self {
        DeviceSpec {
            server: Server::Netconfd,
            target: Target::Candidate,
            protocols: Protocols::Both,
            startup: true,
            nmda: false,
        }
    }

    /// base:1.0 only, `:writable-running`, no `:startup`.
    pub fn running_base10() -> Self {
        DeviceSpec {
            server: Server::Netconfd,
            target: Target::Running,
            protocols: Protocols::Netconf10,
            startup: false,
            nmda: false,
        }
    }

    /// jetconf: RESTCONF only.
    pub fn jetconf() -> Self {
        DeviceSpec {
            server: Server::Jetconf,
            ..Self::candidate()
        }
    }

    /// NMDA (get-data / edit-data), ietf-system only.
    pub fn nmda() -> Self {
        DeviceSpec {
            server: Server::Netconfd,
            target: Target::Candidate,
            protocols: Protocols::Both,
            startup: true,
            nmda: true,
        }
    }
}

/// A running lab device; stopped and its directory removed on drop.
#[derive(Debug)]
pub struct LabDevice {
    pub server: Server,
    pub name: String,
    pub port: u16,
    pub dir: PathBuf,
    pub admin: String,
    pub guest: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The lab script of this repository.
pub fn lab_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../containerlab/local/lab")
}

/// A command running the lab script: directly as root, through `sudo -n` otherwise (the lab
/// starts sshd and switches netconfd to an unprivileged user, which needs root).
fn lab_command() -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if is_root {
        Command::new(lab_script())
    } else {
        let mut command = Command::new("sudo");
        command.arg("-n").arg(lab_script());
        command
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Stops devices whose owning test process no longer exists.
fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir("/tmp") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("rfc3535-lab-") else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let _ = lab_command()
            .arg("stop")
            .arg(entry.path().join("device"))
            .output();
        let _ = std::fs::remove_dir_all(entry.path());
    }
}

/// Why a lab device did not start.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("{}: {error}", path.display())]
    Directory {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot run {}: {error}", script.display())]
    Script {
        script: PathBuf,
        error: std::io::Error,
    },
    /// The lab's own message, after the last attempt.
    #[error("{0}")]
    Refused(String),
}

impl LabDevice {
    /// Starts a device, retrying on a port taken between choosing and binding it. Panics with
    /// the lab's own message when the device cannot start (a missing package, not root): a
    /// test that needs a device must not pass without one.
    pub fn start(spec: &DeviceSpec) -> LabDevice {
        match Self::try_start(spec) {
            Ok(device) => device,
            Err(message) => panic!(
                "cannot start a lab device: {message}\n(run `.ci/run` or `containerlab/local/lab install` as root first)"
            ),
        }
    }

    /// Starts a device, or says why it could not.
    pub fn try_start(spec: &DeviceSpec) -> Result<LabDevice, LabError> {
        sweep_stale();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let root = PathBuf::from(format!("/tmp/rfc3535-lab-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&root).map_err(|error| LabError::Directory {
            path: root.clone(),
            error,
        })?;
        // netconfd runs as an unprivileged user that must traverse this directory.
        let _ = Command::new("chmod").arg("755").arg(&root).status();
        let dir = root.join("device");
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut command = lab_command();
            if spec.server == Server::Jetconf {
                command
                    .arg("start-jetconf")
                    .arg(&dir)
                    .arg(port.to_string())
                    .args(["--name", &format!("jetconf-test-{n}")]);
            } else {
                command
                    .arg("start")
                    .arg(&dir)
                    .arg(port.to_string())
                    .args(["--name", &format!("netconfd-test-{n}")])
                    .args([
                        "--target",
                        match spec.target {
                            Target::Candidate => "candidate",
                            Target::Running => "running",
                        },
                    ])
                    .args([
                        "--protocols",
                        match spec.protocols {
                            Protocols::Both => "both",
                            Protocols::Netconf10 => "netconf1.0",
                            Protocols::Netconf11 => "netconf1.1",
                        },
                    ])
                    .args(["--startup", if spec.startup { "true" } else { "false" }]);
                if spec.nmda {
                    command.arg("--nmda");
                }
            }
            let output = command.output().map_err(|error| LabError::Script {
                script: lab_script(),
                error,
            })?;
            if output.status.success() {
                let env = String::from_utf8_lossy(&output.stdout);
                let field = |key: &str| {
                    env.lines()
                        .find_map(|l| l.strip_prefix(&format!("{key}=")))
                        .unwrap_or_default()
                        .to_owned()
                };
                return Ok(LabDevice {
                    server: spec.server,
                    name: field("name"),
                    port,
                    dir,
                    admin: field("admin"),
                    guest: field("guest"),
                });
            }
            last_error = String::from_utf8_lossy(&output.stderr).into_owned();
            // A port taken between choosing and binding it, or a daemon slow to come up on a
            // loaded machine: try again, a few times, on a new port. A missing package fails
            // the same way every time and still ends in the lab's own message.
            let _ = lab_command().arg("stop").arg(&dir).output();
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let _ = std::fs::remove_dir_all(&root);
        Err(LabError::Refused(last_error))
    }

    /// A jetconf device's PKI file (`ca.pem`, `ACCOUNT.crt`, `ACCOUNT.key`).
    /// This device's entry in an inventory (`devices:` list item), reached directly with
    /// the admin account and the guest as the read-only role.
    pub fn inventory_entry(&self, name: &str) -> String {
        let device = self;
        if device.server == Server::Jetconf {
            return format!(
                "  - name: {name}\n    address: 127.0.0.1\n    protocols: [restconf]\n    username: {admin}\n    restconf:\n      port: {port}\n      ca_file: {ca}\n      client_certificate: {admin_crt}\n      client_key: {admin_key}\n      http: http2\n    roles:\n      read_only:\n        username: {guest}\n        client_certificate: {guest_crt}\n        client_key: {guest_key}\n    labels: {{ software: jetconf }}\n",
                admin = device.admin,
                guest = device.guest,
                port = device.port,
                ca = device.pki("ca.pem").display(),
                admin_crt = device.pki(&format!("{}.crt", device.admin)).display(),
                admin_key = device.pki(&format!("{}.key", device.admin)).display(),
                guest_crt = device.pki(&format!("{}.crt", device.guest)).display(),
                guest_key = device.pki(&format!("{}.key", device.guest)).display(),
            );
        }
        format!(
            "  - name: {name}\n    address: 127.0.0.1\n    port: {}\n    username: {}\n    password_file: {}\n    known_hosts: {}\n    hello_settle_ms: 100\n    roles:\n      read_only:\n        username: {}\n        password_file: {}\n    labels: {{ software: netconfd }}\n",
            device.port,
            device.admin,
            device.dir.join("admin.pass").display(),
            device.known_hosts().display(),
            device.guest,
            device.dir.join("guest.pass").display(),
        )
    }

    pub fn pki(&self, file: &str) -> PathBuf {
        self.dir.join("pki").join(file)
    }

    /// The admin (NACM superuser) password.
    pub fn admin_password(&self) -> String {
        std::fs::read_to_string(self.dir.join("admin.pass")).unwrap_or_default()
    }

    /// The NACM-governed guest's password.
    pub fn guest_password(&self) -> String {
        std::fs::read_to_string(self.dir.join("guest.pass")).unwrap_or_default()
    }

    /// The known_hosts file holding this device's host keys.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The private key authorised for both accounts.
    pub fn client_key(&self) -> PathBuf {
        self.dir.join("client_key")
    }

    /// The device's ed25519 host key, as an OpenSSH public key line.
    pub fn host_key_ed25519(&self) -> String {
        std::fs::read_to_string(self.dir.join("ssh_host_ed25519_key.pub")).unwrap_or_default()
    }

    /// netconfd's PID (to kill it in fault tests).
    pub fn netconfd_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("netconfd.pid"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
    }
}

impl Drop for LabDevice {
    fn drop(&mut self) {
        let _ = lab_command().arg("stop").arg(&self.dir).output();
        if let Some(root) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}
