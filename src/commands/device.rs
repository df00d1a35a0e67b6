//! `rfc3535 device`: the reference device standalone, until Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use crate::{reference, UsageError};

#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// The behaviour: `compliant`, or fault profiles; several (comma-separated) start one
    /// device each, on consecutive ports.
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        default_value = "compliant"
    )]
    profile: Vec<String>,

    /// List the profiles (compliant, variants that must score as compliant, faults, disruptive
    /// ones) and what each does, then exit.
    #[arg(long)]
    list_profiles: bool,

    /// The NETCONF-over-SSH port of the first device [default: free ports].
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    netconf_port: u16,

    /// The address to listen on. Loopback by default: only this machine reaches the device.
    /// In a container of a lab (containerlab/reference.clab.yml), 0.0.0.0: the container's
    /// interfaces, so that the harness outside it reaches the device.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    listen: std::net::IpAddr,

    /// The RESTCONF-over-HTTPS port of the first device [default: free ports].
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    restconf_port: u16,

    /// Also write the first device's RESTCONF server certificate (PEM, self-signed, made at
    /// start) to this file, for clients that verify against a CA file (`curl --cacert FILE`).
    #[arg(long, value_name = "FILE")]
    certificate_file: Option<PathBuf>,

    /// Also write the admin account's password to this file (mode 0600), for scripts; with
    /// several devices, the first device's.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,

    /// Also write the read-only account's password to this file (mode 0600).
    #[arg(long, value_name = "FILE")]
    read_only_password_file: Option<PathBuf>,

    /// How many past events each device keeps for replay (RFC 5277, RFC 8639); older ones
    /// age out, as the stream's replay-log-aged-time then says.
    #[arg(long, value_name = "N", default_value_t = rfc3535_device::REPLAY_LIMIT)]
    replay_limit: usize,

    /// Also write an inventory of every device started (NETCONF and RESTCONF ports, host key
    /// and certificate fingerprints pinned, both accounts), for `rfc3535 run --inventory FILE`
    /// while they run. The passwords go into files beside it (mode 0600), not into it.
    #[arg(long, value_name = "FILE")]
    inventory_file: Option<PathBuf>,
}

/// Writes a secret to a file only its owner can read.
fn write_secret(file: &Path, secret: &str) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    out.write_all(secret.as_bytes())?;
    Ok(())
}

/// A YAML double-quoted scalar (JSON's string syntax is one).
fn yaml_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Writes an inventory naming every device, each account's password in a file of its own
/// beside it (`DEVICE.ROLE.pass`).
fn write_inventory(file: &Path, devices: &[rfc3535_device::Device], host: &str) -> Result<()> {
    let parent = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = parent
        .canonicalize()
        .with_context(|| format!("cannot find the directory of {}", file.display()))?;
    let mut text = String::from(
        "# Written by `rfc3535 device --inventory-file`: the reference devices it serves, for as\n# long as it runs (their ports, keys and passwords change with every start).\ndevices:\n",
    );
    for device in devices {
        let password_file = |role: &str, password: &str| -> Result<String> {
            let path = dir.join(format!("{}.{role}.pass", device.name));
            write_secret(&path, password)?;
            Ok(yaml_string(&path.display().to_string()))
        };
        let Some(admin) = device.account(rfc3535_device::Role::Admin) else {
            continue;
        };
        let protocols = if device.restconf.is_some() {
            "[netconf, restconf]"
        } else {
            "[netconf]"
        };
        text.push_str(&format!(
            "  - name: {}\n    address: {}\n    port: {}\n    protocols: {protocols}\n    username: {}\n    password_file: {}\n    host_key_fingerprint: {}\n",
            yaml_string(&device.name),
            yaml_string(host),
            device.address.port(),
            yaml_string(&admin.user),
            password_file("admin", &admin.password)?,
            yaml_string(&device.fingerprint),
        ));
        if let Some(read_only) = device.account(rfc3535_device::Role::ReadOnly) {
            text.push_str(&format!(
                "    roles:\n      read_only:\n        username: {}\n        password_file: {}\n",
                yaml_string(&read_only.user),
                password_file("read-only", &read_only.password)?,
            ));
        }
        if let Some(endpoint) = &device.restconf {
            text.push_str(&format!(
                "    restconf:\n      port: {}\n      root: {}\n      certificate_fingerprint: {}\n",
                endpoint.address.port(),
                yaml_string(&endpoint.root),
                yaml_string(&endpoint.fingerprint),
            ));
        }
        if let Some(receiver) = crate::reference::udp_notif_receiver(device) {
            text.push_str(&format!(
                "    udp_notif:\n      receiver: {}\n      collector: {}\n      transport: {}\n",
                yaml_string(&receiver.receiver),
                yaml_string(&receiver.collector.to_string()),
                yaml_string(&receiver.transport),
            ));
            if let Some(max) = receiver.max_segment_size {
                text.push_str(&format!("      max_segment_size: {max}\n"));
            }
        }
        let change = crate::reference::schema_change();
        text.push_str(&format!(
            "    schema_change:\n      apply: {}\n      revert: {}\n",
            yaml_string(&change.apply),
            yaml_string(&change.revert),
        ));
        text.push_str(&format!(
            "    labels: {{ software: \"rfc3535 reference device\", profile: {} }}\n",
            yaml_string(device.shared.profile)
        ));
    }
    std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))
}

pub async fn run_device(args: DeviceArgs) -> Result<ExitCode> {
    if args.list_profiles {
        use rfc3535_device::profile::ProfileKind;
        for profile in rfc3535_device::profile::PROFILES {
            let kind = match profile.kind {
                ProfileKind::Compliant => "compliant",
                ProfileKind::Variant => "variant",
                ProfileKind::Fault => "fault",
                ProfileKind::Disruptive => "disruptive",
                ProfileKind::Load => "load",
            };
            println!("{:<24} {kind:<11} {}", profile.name, profile.summary);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let profiles = reference::resolve(&args.profile).map_err(UsageError)?;
    let devices = reference::start(
        &profiles,
        &reference::Serving {
            first_port: args.netconf_port,
            first_restconf_port: args.restconf_port,
            replay_limit: args.replay_limit,
            listen: args.listen,
            ..reference::Serving::default()
        },
    )
    .await
    .map_err(UsageError)?;
    if let Some(first) = devices.first() {
        if let Some(file) = &args.password_file {
            write_secret(file, &first.accounts[0].password)?;
        }
        if let (Some(file), Some(read_only)) = (
            &args.read_only_password_file,
            first.account(rfc3535_device::Role::ReadOnly),
        ) {
            write_secret(file, &read_only.password)?;
        }
        if let (Some(file), Some(endpoint)) = (&args.certificate_file, &first.restconf) {
            std::fs::write(file, &endpoint.certificate_pem)
                .with_context(|| format!("cannot write {}", file.display()))?;
        }
    }
    // Where this machine reaches the devices: loopback too when they listen everywhere.
    let host = if args.listen.is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        args.listen.to_string()
    };
    let here = if args.listen.is_ipv6() && !args.listen.is_unspecified() {
        format!("[{host}]")
    } else {
        host.clone()
    };
    if let Some(file) = &args.inventory_file {
        write_inventory(file, &devices, &host)?;
    }
    for device in &devices {
        let account = &device.accounts[0];
        let port = device.address.port();
        println!(
            "rfc3535 reference device {:?} (profile {}) is listening",
            device.name, device.shared.profile
        );
        println!(
            "  address:   {}{}",
            args.listen,
            if args.listen.is_unspecified() {
                "  (every interface)"
            } else {
                ""
            }
        );
        println!("  port:      {port}  (NETCONF over SSH, subsystem netconf)");
        println!("  user:      {}", account.user);
        println!(
            "  password:  {}  (this run's lab password; it changes with every start)",
            account.password
        );
        if let Some(read_only) = device.account(rfc3535_device::Role::ReadOnly) {
            println!(
                "  read-only: {} / {}  (NACM group read-only)",
                read_only.user, read_only.password
            );
        }
        println!("  host key:  {}", device.fingerprint);
        println!("  known_hosts line:  [{host}]:{port} {}", device.public_key);
        if let Some(endpoint) = &device.restconf {
            println!(
                "  RESTCONF:  https://{here}:{}{}  (HTTP/1.1 and HTTP/2, Basic auth, same accounts)",
                endpoint.address.port(),
                endpoint.root
            );
            println!("  certificate SHA-256: {}", endpoint.fingerprint);
        }
        println!();
    }
    if let Some(first) = devices.first() {
        let port = first.address.port();
        println!("Connect:");
        println!(
            "  ssh -p {port} -s {}@{here} netconf",
            first.accounts[0].user
        );
        println!(
            "  RFC3535_PASSWORD=... rfc3535 probe netconf://{}@{here}:{port} --password-env RFC3535_PASSWORD --host-key-fingerprint {}",
            first.accounts[0].user, first.fingerprint
        );
        if let Some(endpoint) = &first.restconf {
            println!(
                "  curl --cacert CERT.pem -u {}:PASSWORD https://{here}:{}{}/data  (CERT.pem from --certificate-file)",
                first.accounts[0].user,
                endpoint.address.port(),
                endpoint.root
            );
        }
    }
    println!(
        "Ctrl-C stops {}.",
        if devices.len() == 1 { "it" } else { "them" }
    );
    let _ = tokio::signal::ctrl_c().await;
    eprintln!(
        "stopping the reference device{}",
        if devices.len() == 1 { "" } else { "s" }
    );
    drop(devices);
    Ok(ExitCode::SUCCESS)
}
