//! Reference devices started in this process (`rfc3535 run --reference`, the main job with
//! no target, and `rfc3535 device`): one embedded device per profile, each on its own free
//! loopback port with its own host key, reached by the harness like any other device, over
//! SSH with the host key pinned and the lab accounts' passwords kept in memory.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rfc3535_client::restconf::{RestconfOptions, ServerTrust};
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use rfc3535_device::profile::{self, Profile};
use rfc3535_device::{Device, DeviceConfig, ProvisionedReceiver, Role};

use rfc3535_harness::access::Access;
use rfc3535_harness::sandbox::Sandbox;
use rfc3535_harness::schema_change::SchemaChange;
use rfc3535_harness::target::{Origin, Target};
use rfc3535_harness::udp_notif::UdpNotifReceiver;
use rfc3535_harness::Protocol;

/// The main job's devices: the compliant profile and fault profiles that each break a
/// different requirement, so that the matrix shows what the harness tells apart.
pub const DEMO_PROFILES: [&str; 6] = [
    "compliant",
    "base-1.0-only",
    "any-password",
    "reorders-entries",
    "confirm-ignored",
    "silent-changes",
];

/// The profiles named, each checked, with the device name each will have (a profile named
/// twice gets `-2`, `-3`...).
pub fn resolve(names: &[String]) -> Result<Vec<(String, &'static Profile)>> {
    let mut out: Vec<(String, &'static Profile)> = Vec::new();
    for name in names {
        let Some(profile) = profile::profile(name.trim()) else {
            bail!(
                "unknown reference profile {name:?}; the profiles are: {}",
                profile::names().join(", ")
            );
        };
        let taken = out.iter().filter(|(_, p)| p.name == profile.name).count();
        let device = if taken == 0 {
            profile.name.to_owned()
        } else {
            format!("{}-{}", profile.name, taken + 1)
        };
        out.push((device, profile));
    }
    Ok(out)
}

/// The passwords the reference devices' accounts take when the operator chose them (a demo
/// table whose participants log in with their own clients, a test that looks for them in
/// everything a run writes); otherwise every account of every device draws its own.
#[derive(Debug, Clone)]
pub struct ChosenPasswords {
    /// Every admin account's.
    pub admin: String,
    /// Every read-only account's; `None`: each draws its own.
    pub read_only: Option<String>,
}

impl ChosenPasswords {
    /// Reads a password file: the admin password on the first line, the read-only one on
    /// the second (optional). Whitespace around each is not part of it.
    pub fn read(file: &Path) -> Result<ChosenPasswords> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the password file {}", file.display()))?;
        let mut lines = text.lines().map(str::trim);
        let admin = match lines.next() {
            Some(admin) if !admin.is_empty() => admin.to_owned(),
            _ => bail!(
                "the password file {} is empty: put the admin password on its first line",
                file.display()
            ),
        };
        let read_only = lines.next().filter(|p| !p.is_empty()).map(str::to_owned);
        Ok(ChosenPasswords { admin, read_only })
    }

    fn apply(&self, config: &mut DeviceConfig) {
        for account in &mut config.accounts {
            match account.role {
                Role::Admin => account.password = self.admin.clone(),
                Role::ReadOnly => {
                    if let Some(read_only) = &self.read_only {
                        account.password = read_only.clone();
                    }
                }
            }
        }
    }
}

/// How the reference devices are served: where, with which passwords, keeping how many
/// past events.
#[derive(Debug, Clone)]
pub struct Serving {
    /// The first device's NETCONF port; the others' follow. 0: free ports.
    pub first_port: u16,
    /// The first device's RESTCONF port; the others' follow. 0: free ports.
    pub first_restconf_port: u16,
    /// Chosen passwords; `None`: every account draws its own.
    pub passwords: Option<ChosenPasswords>,
    /// How many past events each device keeps for replay.
    pub replay_limit: usize,
    /// The address both protocols listen on: loopback, unless a container's lab needs the
    /// device on its interfaces.
    pub listen: std::net::IpAddr,
}

impl Default for Serving {
    fn default() -> Self {
        Serving {
            first_port: 0,
            first_restconf_port: 0,
            passwords: None,
            replay_limit: rfc3535_device::REPLAY_LIMIT,
            listen: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        }
    }
}

/// Starts one device per profile on 127.0.0.1, serving NETCONF and RESTCONF as `serving`
/// says.
pub async fn start(
    profiles: &[(String, &'static Profile)],
    serving: &Serving,
) -> Result<Vec<Device>> {
    let (first_port, first_restconf_port) = (serving.first_port, serving.first_restconf_port);
    let mut devices = Vec::with_capacity(profiles.len());
    let port_of = |first: u16, index: usize| -> Result<u16> {
        if first == 0 {
            return Ok(0);
        }
        match u16::try_from(index).ok().and_then(|i| first.checked_add(i)) {
            Some(port) => Ok(port),
            None => bail!(
                "not enough ports above {first} for {} devices",
                profiles.len()
            ),
        }
    };
    for (index, (name, profile)) in profiles.iter().enumerate() {
        let mut config = DeviceConfig::lab(name);
        config.profile = profile;
        if let Some(passwords) = &serving.passwords {
            passwords.apply(&mut config);
        }
        config.replay_limit = serving.replay_limit;
        config.listen = SocketAddr::new(serving.listen, port_of(first_port, index)?);
        config.restconf_listen = Some(SocketAddr::new(
            serving.listen,
            port_of(first_restconf_port, index)?,
        ));
        config.receivers = vec![collector_receiver(serving.listen)?];
        devices.push(Device::start(config).await?);
    }
    Ok(devices)
}

/// The UDP-notif receiver each reference device is provisioned with: a free port on the
/// address the device serves on (loopback when it serves on every address), where the
/// harness's collector listens while a scenario about configured subscriptions runs.
fn collector_receiver(listen: std::net::IpAddr) -> Result<ProvisionedReceiver> {
    let ip = if listen.is_unspecified() {
        match listen {
            std::net::IpAddr::V4(_) => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            std::net::IpAddr::V6(_) => std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        }
    } else {
        listen
    };
    // The port is free now; the collector binds it again when a scenario needs it.
    let address = std::net::UdpSocket::bind(SocketAddr::new(ip, 0))
        .and_then(|socket| socket.local_addr())
        .with_context(|| format!("no free UDP port on {ip} for a UDP-notif receiver"))?;
    Ok(ProvisionedReceiver {
        name: COLLECTOR_RECEIVER.to_owned(),
        address,
        max_segment_size: Some(COLLECTOR_MAX_SEGMENT),
    })
}

/// The name of the receiver provisioned on every reference device.
const COLLECTOR_RECEIVER: &str = "harness-collector";
/// Its maximum segment size: an Ethernet MTU less IPv4 and UDP headers, what a receiver
/// across a real network would be provisioned with.
const COLLECTOR_MAX_SEGMENT: usize = 1472;
/// The transport identity of the reference device's configured subscriptions.
const REFERENCE_TRANSPORT: &str = "rfc3535-telemetry:udp-notif";

/// The inventory's view of a reference device's receiver.
pub fn udp_notif_receiver(device: &Device) -> Option<UdpNotifReceiver> {
    device.receivers.first().map(|receiver| UdpNotifReceiver {
        receiver: receiver.name.clone(),
        collector: receiver.address,
        transport: REFERENCE_TRANSPORT.to_owned(),
        max_segment_size: receiver.max_segment_size,
    })
}

/// How the harness changes a reference device's schema: installing its optional module, and
/// removing it again.
pub fn schema_change() -> SchemaChange {
    SchemaChange {
        apply: rfc3535_device::software_operation(true),
        revert: rfc3535_device::software_operation(false),
    }
}

fn options(device: &Device, role: Role) -> Option<ConnectOptions> {
    let account = device.account(role)?;
    Some(ConnectOptions::new(
        device.address.ip().to_string(),
        device.address.port(),
        account.user.clone(),
        Auth::Password(account.password.clone().into()),
        HostKeyPolicy::Pinned {
            fingerprint: device.fingerprint.clone(),
        },
    ))
}

/// How the harness reaches a reference device over each protocol it serves: NETCONF, and
/// RESTCONF (certificate pinned, Basic authentication with the same accounts).
pub fn targets(device: &Device) -> Result<Vec<Target>> {
    let netconf = target(device)?;
    let mut targets = vec![netconf.clone()];
    if let Some(endpoint) = &device.restconf {
        let access = |role: Role| -> Option<Access> {
            let account = device.account(role)?;
            let mut options = RestconfOptions::new(
                endpoint.address.ip().to_string(),
                endpoint.address.port(),
                ServerTrust::Fingerprint(endpoint.fingerprint.clone()),
            );
            options.root = Some(endpoint.root.clone());
            options.username = Some(account.user.clone());
            options.password = Some(account.password.clone().into());
            Some(Access::Restconf(options))
        };
        let Some(connect) = access(Role::Admin) else {
            bail!("reference device {} has no admin account", device.name);
        };
        targets.push(Target {
            protocol: Protocol::Restconf,
            connect,
            read_only: access(Role::ReadOnly),
            ..netconf
        });
    }
    Ok(targets)
}

/// How the harness reaches a reference device over NETCONF: its admin account, its read-only
/// account for the access-control scenarios, and the default sandbox.
fn target(device: &Device) -> Result<Target> {
    let Some(connect) = options(device, Role::Admin) else {
        bail!("reference device {} has no admin account", device.name);
    };
    Ok(Target {
        name: device.name.clone(),
        origin: Origin::Reference,
        protocol: Protocol::Netconf,
        labels: [
            ("software".to_owned(), "rfc3535 reference device".to_owned()),
            ("profile".to_owned(), device.shared.profile.to_owned()),
        ]
        .into_iter()
        .collect(),
        connect: Access::Netconf(connect),
        read_only: options(device, Role::ReadOnly).map(Access::Netconf),
        sandbox: Sandbox::default(),
        udp_notif: udp_notif_receiver(device),
        schema_change: Some(schema_change()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_file_gives_admin_then_read_only_and_refuses_an_empty_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("passwords");
        std::fs::write(&file, " first secret \nsecond\n").expect("write");
        let chosen = ChosenPasswords::read(&file).expect("reads");
        assert_eq!(chosen.admin, "first secret");
        assert_eq!(chosen.read_only.as_deref(), Some("second"));
        let mut config = DeviceConfig::lab("r1");
        chosen.apply(&mut config);
        let of = |role: Role| {
            config
                .accounts
                .iter()
                .find(|a| a.role == role)
                .map(|a| a.password.clone())
        };
        assert_eq!(of(Role::Admin).as_deref(), Some("first secret"));
        assert_eq!(of(Role::ReadOnly).as_deref(), Some("second"));

        std::fs::write(&file, "only-admin\n").expect("write");
        let admin_only = ChosenPasswords::read(&file).expect("reads");
        assert_eq!(admin_only.read_only, None);

        std::fs::write(&file, "\n").expect("write");
        let empty = ChosenPasswords::read(&file).expect_err("an empty file is refused");
        assert!(empty.to_string().contains("first line"), "{empty}");
    }
}
