//! YANG-Push receiving, side by side in one run against the same publisher: the reference
//! device with many periodic subscriptions to `/system` in running on one NETCONF session,
//! each at the shortest period the bench configures it for, so that it offers more updates
//! per second than a client is likely to take. (Running and a subtree selection, not
//! operational or XPath: building the operational datastore, or running libyang, for every
//! update would make the device, not the client, the limit.) A client takes what it can; the device drops what its session
//! queue cannot hold, as a busy publisher would.
//!
//! - ours: the project's client, every push-update read (`PushMessage::parse`) and checked
//!   against the device's own schema (the notification, and its contents as data), as the
//!   YANG-Push scenarios do;
//! - floor: a bare russh loop on a base:1.0 session that only counts the `]]>]]>` markers of
//!   the messages it receives (no parsing, no validation);
//! - ncclient 0.7.1: `take_notification` in a loop (ncclient parses each with lxml; it has no
//!   schema validation, so it does less work than ours).
//!
//! Prints notifications per second for each and the ratios. Not a test: nothing asserts a
//! timing. `cargo bench --bench push` (ncclient from scripts/setup-test-env). Sizes:
//! BENCH_PUSH_SUBSCRIPTIONS (50), BENCH_PUSH_SECONDS (5), BENCH_PUSH_PERIOD_CS (1).

use std::time::{Duration, Instant};

use rfc3535_client::wire::push::{
    established_id, EstablishSubscription, PushMessage, Selection, UpdateTrigger,
};
use rfc3535_client::wire::{NmdaDatastore, Operation};
use rfc3535_client::{connect, Auth, ConnectOptions, HostKeyPolicy};
use rfc3535_device::{Device, DeviceConfig};
use rfc3535_yang::{Content, ModuleSpec, Schema};

const SYSTEM: &str = "urn:ietf:params:xml:ns:yang:ietf-system";

#[path = "common/env.rs"]
mod env;
use env::env_or;

struct Setup {
    subscriptions: u64,
    window: Duration,
    period: u32,
}

fn request(period: u32) -> EstablishSubscription {
    EstablishSubscription::datastore(
        NmdaDatastore::Running,
        Some(Selection::Subtree(format!("<system xmlns=\"{SYSTEM}\"/>"))),
        UpdateTrigger::Periodic {
            period,
            anchor_time: None,
        },
    )
}

/// The device's modules compiled on their own, as the harness compiles what a device serves.
fn schema_of(device: &Device, dir: &std::path::Path) -> Schema {
    let mut specs = Vec::new();
    for module in &device.shared.modules {
        let file = match &module.revision {
            Some(revision) => format!("{}@{revision}.yang", module.name),
            None => format!("{}.yang", module.name),
        };
        std::fs::write(dir.join(file), &module.text).expect("module written");
        if module.implemented {
            specs.push(ModuleSpec {
                name: module.name.clone(),
                revision: module.revision.clone(),
                features: rfc3535_device::features_of(&module.name)
                    .iter()
                    .map(|f| (*f).to_owned())
                    .collect(),
            });
        }
    }
    Schema::from_dir(dir, &specs).expect("the device's modules compile")
}

/// Our client: receives, reads and validates for the window; notifications per second.
async fn ours(device: &Device, schema: &Schema, setup: &Setup) -> (f64, u64) {
    let options = ConnectOptions::new(
        "127.0.0.1",
        device.address.port(),
        "admin",
        Auth::Password(device.accounts[0].password.clone().into()),
        HostKeyPolicy::Pinned {
            fingerprint: device.fingerprint.clone(),
        },
    );
    let session = connect(&options).await.expect("our client connects");
    let mut feed = session.take_notifications().expect("notifications");
    for _ in 0..setup.subscriptions {
        let reply = session
            .rpc(&Operation::Raw(request(setup.period).to_xml()))
            .await
            .expect("establish");
        established_id(reply.body()).expect("an id");
    }
    // What queued up while the subscriptions were being made is not the window's.
    while feed.try_recv().is_ok() {}
    let (mut valid, mut invalid) = (0u64, 0u64);
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + setup.window;
    while let Ok(Some(notification)) = tokio::time::timeout_at(deadline, feed.recv()).await {
        let good = match PushMessage::parse(notification.raw()) {
            Ok(PushMessage::Update { contents, .. }) => {
                schema.validate_notification(notification.raw()).is_ok()
                    && contents
                        .as_deref()
                        .is_none_or(|c| schema.validate(c, Content::Data).is_ok())
            }
            _ => false,
        };
        if good {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    let rate = valid as f64 / started.elapsed().as_secs_f64();
    session.shutdown().await;
    (rate, invalid)
}

#[path = "common/bare_ssh.rs"]
mod bare_ssh;

mod floor {
    //! A bare russh session on base:1.0 that counts message ends and nothing else.

    use super::*;
    use russh::client;

    struct Pinned(String);

    impl client::Handler for Pinned {
        type Error = russh::Error;

        async fn check_server_key(
            &mut self,
            key: &russh::keys::PublicKeyOrCertificate,
        ) -> Result<bool, Self::Error> {
            let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = key else {
                return Ok(false);
            };
            Ok(key.fingerprint(russh::keys::HashAlg::Sha256).to_string() == self.0)
        }
    }

    const HELLO: &str = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>";

    /// Counts `]]>]]>` in a stream read in pieces; a marker split between pieces is counted.
    struct Markers {
        tail: Vec<u8>,
        count: u64,
    }

    impl Markers {
        fn feed(&mut self, data: &[u8]) {
            let mut joined = std::mem::take(&mut self.tail);
            joined.extend_from_slice(data);
            let marker = b"]]>]]>";
            let mut at = 0;
            while let Some(found) = joined[at..].windows(marker.len()).position(|w| w == marker) {
                self.count += 1;
                at += found + marker.len();
            }
            let keep = joined.len().saturating_sub(marker.len() - 1).max(at);
            self.tail = joined[keep..].to_vec();
        }
    }

    pub async fn measure(device: &Device, setup: &Setup) -> f64 {
        let (handle, mut channel) = bare_ssh::netconf_channel(
            device.address,
            "admin",
            &device.accounts[0].password,
            Pinned(device.fingerprint.clone()),
        )
        .await;
        channel
            .data_bytes(HELLO.as_bytes().to_vec())
            .await
            .expect("hello");
        let mut requests = String::new();
        for index in 0..setup.subscriptions {
            requests.push_str(
                &Operation::Raw(request(setup.period).to_xml()).to_rpc(&index.to_string()),
            );
            requests.push_str("]]>]]>");
        }
        channel
            .data_bytes(requests.into_bytes())
            .await
            .expect("requests");
        let mut markers = Markers {
            tail: Vec::new(),
            count: 0,
        };
        // The hello and the replies are messages too; they are taken off at the end.
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + setup.window;
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, channel.wait()).await {
            if let russh::ChannelMsg::Data { data } = message {
                markers.feed(&data);
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        let _ = handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
        markers.count.saturating_sub(1 + setup.subscriptions) as f64 / elapsed
    }
}

/// ncclient's figure from benches/python/ncclient_push_bench.py.
async fn ncclient(device: &Device, setup: &Setup, dir: &std::path::Path) -> Option<f64> {
    let password = dir.join("password");
    std::fs::write(&password, &device.accounts[0].password).expect("password file");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/python/ncclient_push_bench.py"
    );
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .arg(device.address.port().to_string())
        .arg(&password)
        .arg(setup.subscriptions.to_string())
        .arg(setup.window.as_secs_f64().to_string())
        .arg(setup.period.to_string())
        .output()
        .await
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "ncclient: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    figures["rate"].as_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let setup = Setup {
            subscriptions: env_or("BENCH_PUSH_SUBSCRIPTIONS", 50),
            window: Duration::from_secs(env_or("BENCH_PUSH_SECONDS", 5)),
            period: u32::try_from(env_or("BENCH_PUSH_PERIOD_CS", 1)).unwrap_or(1),
        };
        let mut config = DeviceConfig::lab("push-bench");
        config.push_minimum_period = setup.period;
        let device = Device::start(config).await.expect("the reference device starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let modules = dir.path().join("modules");
        std::fs::create_dir_all(&modules).expect("modules dir");
        let schema = schema_of(&device, &modules);
        let offered = setup.subscriptions as f64 * 100.0 / f64::from(setup.period);
        println!(
            "publisher: the reference device, {} periodic subscriptions at {} cs on one session (offers {offered:.0} updates/s), {} s each",
            setup.subscriptions,
            setup.period,
            setup.window.as_secs()
        );
        let (ours, invalid) = ours(&device, &schema, &setup).await;
        let floor = floor::measure(&device, &setup).await;
        let ncclient = ncclient(&device, &setup, dir.path()).await;
        println!("| client | push-updates/s |");
        println!("|---|---:|");
        println!("| rfc3535 (read and schema-validated) | {ours:.0} |");
        println!("| floor: bare russh loop (counted only) | {floor:.0} |");
        match ncclient {
            Some(rate) => println!("| ncclient 0.7.1 (lxml-parsed, no schema) | {rate:.0} |"),
            None => println!("| ncclient 0.7.1 | not measured |"),
        }
        println!();
        println!("| ratio | value | target |");
        println!("|---|---:|---:|");
        println!("| floor / ours | {:.2}x | <= 1.3x |", floor / ours.max(f64::MIN_POSITIVE));
        if let Some(rate) = ncclient {
            println!(
                "| ours / ncclient | {:.1}x | >= 50x |",
                ours / rate.max(f64::MIN_POSITIVE)
            );
        }
        if invalid > 0 {
            println!("{invalid} notifications did not read or validate");
        }
    });
}
