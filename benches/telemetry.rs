//! The telemetry pipeline's throughput, side by side in one run: UDP-notif messages collected,
//! validated and published to a real broker (tansu on loopback) per second.
//!
//! - floor: a receiver that only counts datagrams (no decoding, nothing published);
//! - ours: the pipeline (`rfc3535_pipeline::forward`): each datagram decoded, its envelope
//!   read, loss accounted, the notification validated against the publisher's schema with
//!   libyang, wrapped as a telemetry message and published with its schema id;
//! - ours without validation: the same with no schema, to show what libyang costs;
//! - Kafka anchor: the same telemetry records, already built, published by Python's
//!   confluent-kafka (librdkafka) and by our rskafka producer, each from one process.
//!
//! The sender is closed-loop: it sends chunks of datagrams with at most a few chunks not yet
//! taken by the receiver, so that nothing is lost to a full socket buffer and each receiver is
//! measured at its own pace. Messages are JSON envelopes of a push-update with
//! ietf-system contents, one datagram each (about 400 octets).
//!
//! Not a test: nothing asserts a timing. `cargo bench --bench telemetry` (tansu and
//! confluent-kafka from scripts/setup-test-env). Sizes: BENCH_TELEMETRY_MESSAGES (20000),
//! BENCH_TELEMETRY_CHUNK (128), BENCH_TELEMETRY_WINDOW (4 chunks).

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rfc3535_client::udp_notif::{Collector, CollectorOptions, Received};
use rfc3535_client::wire::envelope::Envelope;
use rfc3535_client::wire::telemetry::SchemaIdForm;
use rfc3535_client::wire::udp_notif::{encode_message, Header, MediaType};
use rfc3535_pipeline::message_key::KeyTemplates;
use rfc3535_pipeline::registry::{Registry, RegistryClient};
use rfc3535_pipeline::tansu::Tansu;
use rfc3535_pipeline::{
    forward, publisher_schema, telemetry_message, BrokerOptions, Forwarding, OutRecord, Producer,
};
use rfc3535_yang::{standard_modules, Schema};

#[path = "common/env.rs"]
mod env;
use env::env_or;

fn envelope(sequence: u32) -> Vec<u8> {
    format!(
        r#"{{"ietf-yp-notification:envelope":{{"event-time":"2026-12-02T10:00:00.000Z","hostname":"edge-7","sequence-number":{sequence},"contents":{{"ietf-yang-push:push-update":{{"id":5,"datastore-contents":{{"ietf-system:system":{{"contact":"noc@example.net","hostname":"edge-7","location":"rack {sequence}"}}}}}}}}}}}}"#
    )
    .into_bytes()
}

/// One datagram per message, ids counting up from 0.
fn datagrams(count: u32) -> Vec<Vec<u8>> {
    (0..count)
        .map(|sequence| {
            let header = Header::new(MediaType::Json, 1, sequence);
            let mut encoded =
                encode_message(&header, &envelope(sequence), Some(1400)).expect("encodable");
            assert_eq!(encoded.len(), 1, "one datagram per message");
            encoded.remove(0)
        })
        .collect()
}

/// How the sender paces itself: chunks of `chunk` datagrams, at most `window` chunks sent and
/// not yet taken by the receiver.
#[derive(Clone, Copy)]
struct Pace {
    chunk: usize,
    window: usize,
}

/// Sends `datagrams` to `to` as `pace` allows. Returns when all are sent (a chunk that waits
/// over five seconds goes anyway).
fn send_closed_loop(
    datagrams: Arc<Vec<Vec<u8>>>,
    to: SocketAddr,
    pace: Pace,
    taken: Arc<AtomicU64>,
) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a loopback port");
    let mut sent = 0u64;
    let ahead = (pace.chunk * pace.window.saturating_sub(1)) as u64;
    for piece in datagrams.chunks(pace.chunk) {
        let waited = Instant::now();
        while taken.load(Ordering::Acquire) + ahead < sent
            && waited.elapsed() < Duration::from_secs(5)
        {
            std::thread::yield_now();
        }
        for datagram in piece {
            socket.send_to(datagram, to).expect("sent on loopback");
        }
        sent += piece.len() as u64;
    }
}

/// Messages per second of a count-only receiver, with the collector's receive buffer.
async fn floor(datagrams: Arc<Vec<Vec<u8>>>, pace: Pace) -> f64 {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
        .expect("a UDP socket");
    socket
        .set_recv_buffer_size(CollectorOptions::default().receive_buffer)
        .expect("a receive buffer");
    socket.set_nonblocking(true).expect("non-blocking");
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .expect("a loopback port");
    let socket = tokio::net::UdpSocket::from_std(socket.into()).expect("a tokio socket");
    let to = socket.local_addr().expect("bound");
    let taken = Arc::new(AtomicU64::new(0));
    let total = datagrams.len() as u64;
    let sender = {
        let taken = taken.clone();
        std::thread::spawn(move || send_closed_loop(datagrams, to, pace, taken))
    };
    let mut buffer = vec![0u8; 65_536];
    let started = Instant::now();
    while taken.load(Ordering::Acquire) < total {
        let receive = tokio::time::timeout(Duration::from_secs(5), socket.recv_from(&mut buffer));
        match receive.await {
            Ok(Ok(_)) => {
                taken.fetch_add(1, Ordering::AcqRel);
            }
            _ => break,
        }
    }
    let elapsed = started.elapsed();
    sender.join().expect("the sender ends");
    taken.load(Ordering::Acquire) as f64 / elapsed.as_secs_f64()
}

/// Messages per second through the pipeline; and how many the schema accepted.
async fn pipeline(
    datagrams: Arc<Vec<Vec<u8>>>,
    pace: Pace,
    producer: &Producer,
    schema: Option<&Schema>,
    schema_id: u32,
    keys: Option<&KeyTemplates>,
) -> (f64, u64) {
    let mut collector = Collector::bind(CollectorOptions::default())
        .await
        .expect("a port");
    let to = collector.local_addr().expect("bound");
    let taken = Arc::new(AtomicU64::new(0));
    let total = datagrams.len() as u64;
    let sender = {
        let taken = taken.clone();
        std::thread::spawn(move || send_closed_loop(datagrams, to, pace, taken))
    };
    let forwarding = Forwarding {
        producer,
        schema,
        schema_id: Some((schema_id, SchemaIdForm::Decimal)),
        subscription: None,
        keys: keys.cloned(),
        batch: pace.chunk,
    };
    let started = Instant::now();
    let stats = forward(
        &mut collector,
        &forwarding,
        started + Duration::from_secs(600),
        |stats| {
            taken.store(stats.published, Ordering::Release);
            stats.published >= total
        },
    )
    .await
    .expect("the pipeline publishes");
    let elapsed = started.elapsed();
    sender.join().expect("the sender ends");
    (stats.published as f64 / elapsed.as_secs_f64(), stats.valid)
}

/// The records the pipeline publishes for these messages, built ahead.
fn records(count: u32, schema_id: u32) -> Vec<OutRecord> {
    let peer = SocketAddr::from(([127, 0, 0, 1], 40_000));
    let collector = SocketAddr::from(([127, 0, 0, 1], 50_000));
    (0..count)
        .map(|sequence| {
            let payload = envelope(sequence);
            let received = Received {
                peer,
                publisher_id: 1,
                message_id: sequence,
                media_type: MediaType::Json,
                datagrams: 1,
                arrived: Instant::now(),
                arrived_wall: SystemTime::now(),
                envelope: Envelope::parse_json(&payload),
                payload,
            };
            telemetry_message(
                &received,
                collector,
                Some((schema_id, SchemaIdForm::Decimal)),
                None,
                None,
            )
            .expect("wraps")
            .record
        })
        .collect()
}

/// Records per second of our rskafka producer, in batches of `chunk`.
async fn rskafka_publish(producer: &Producer, records: &[OutRecord], chunk: usize) -> f64 {
    let started = Instant::now();
    for batch in records.chunks(chunk) {
        producer.publish(batch.to_vec()).await.expect("published");
    }
    records.len() as f64 / started.elapsed().as_secs_f64()
}

/// Records per second of confluent-kafka producing the same records; `None` if it cannot run.
async fn confluent_publish(bootstrap: &str, topic: &str, records: &[OutRecord]) -> Option<f64> {
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("records.jsonl");
    let lines: Vec<String> = records
        .iter()
        .map(|record| {
            serde_json::json!({
                "key": String::from_utf8_lossy(record.key.as_deref().unwrap_or_default()),
                "value": String::from_utf8_lossy(&record.value),
                "headers": record.headers.iter()
                    .map(|(name, value)| (name.clone(), String::from_utf8_lossy(value).into_owned()))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            })
            .to_string()
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).ok()?;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/python/kafka_produce_bench.py"
    );
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .args([bootstrap, topic])
        .arg(&file)
        .output()
        .await
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "confluent-kafka: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    report["records_per_second"].as_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let count: u32 = env_or("BENCH_TELEMETRY_MESSAGES", 20_000);
        let chunk: usize = env_or("BENCH_TELEMETRY_CHUNK", 128);
        let pace = Pace {
            chunk,
            window: env_or("BENCH_TELEMETRY_WINDOW", 4),
        };
        let broker = Tansu::start().expect("tansu starts (scripts/setup-test-env installs it)");
        let options = |topic: &str| BrokerOptions {
            bootstrap: broker.bootstrap(),
            topic: topic.to_owned(),
            create_topic: true,
            timeout: Duration::from_secs(30),
        };
        let registry = Registry::start().await.expect("a loopback port");
        let schema_id = RegistryClient::new(registry.address())
            .register_modules(&standard_modules(), "ietf-system")
            .await
            .expect("ietf-system registers");
        let schema = publisher_schema(&standard_modules(), &["ietf-system"])
            .expect("the standard modules compile");
        // Records keyed per the message-key draft, as the harness's pipeline keys them.
        let keys = KeyTemplates::derive("/ietf-system:system", &schema.shape()).expect("templates");
        let datagrams = Arc::new(datagrams(count));
        println!(
            "{count} UDP-notif messages of {} octets, one datagram each, sent {chunk} at a time, at most {} chunks ahead of the receiver; broker: tansu on loopback",
            datagrams[0].len(),
            pace.window
        );

        let floor = floor(datagrams.clone(), pace).await;
        let validated = Producer::connect(options("validated")).await.expect("a producer");
        let (ours, valid) =
            pipeline(datagrams.clone(), pace, &validated, Some(&schema), schema_id, Some(&keys)).await;
        let unvalidated = Producer::connect(options("unvalidated")).await.expect("a producer");
        let (ours_unvalidated, _) =
            pipeline(datagrams.clone(), pace, &unvalidated, None, schema_id, Some(&keys)).await;
        let records = records(count, schema_id);
        let rskafka_producer = Producer::connect(options("rskafka")).await.expect("a producer");
        let rskafka = rskafka_publish(&rskafka_producer, &records, chunk).await;
        let confluent = confluent_publish(&broker.bootstrap(), "confluent", &records).await;

        println!("| path | messages/s |");
        println!("|---|---:|");
        println!("| floor: count-only receiver | {floor:.0} |");
        println!("| rfc3535 pipeline: collected, validated ({valid} of {count} valid), published | {ours:.0} |");
        println!("| rfc3535 pipeline without validation | {ours_unvalidated:.0} |");
        println!("| publish only: rskafka (ours), batches of {chunk} | {rskafka:.0} |");
        match confluent {
            Some(rate) => println!("| publish only: confluent-kafka 2.16.1 (librdkafka) | {rate:.0} |"),
            None => println!("| publish only: confluent-kafka | not measured |"),
        }
        println!();
        println!("| ratio | value |");
        println!("|---|---:|");
        println!("| floor / ours | {:.2}x |", floor / ours.max(f64::MIN_POSITIVE));
        println!(
            "| ours without validation / ours | {:.2}x |",
            ours_unvalidated / ours.max(f64::MIN_POSITIVE)
        );
        if let Some(rate) = confluent {
            println!("| ours / confluent-kafka publish only | {:.2}x |", ours / rate);
            println!("| rskafka / confluent-kafka, publish only | {:.2}x |", rskafka / rate);
        }
    });
}
