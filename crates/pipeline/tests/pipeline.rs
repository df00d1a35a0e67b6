//! The pipeline end to end on loopback, with a real broker: UDP-notif messages sent to the
//! collector, wrapped as telemetry messages, published to tansu with their schema reference,
//! and read back by two consumers written with different Kafka clients: rskafka here, and
//! Python's confluent-kafka (librdkafka) in `tests/python/consume_telemetry.py`, which
//! validates every record and fetches its schema from the registry by id.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rfc3535_client::udp_notif::{Collector, CollectorOptions};
use rfc3535_pipeline::message_key::{parse_message_key, KeyTemplates};
use rfc3535_pipeline::registry::{Registry, RegistryClient};
use rfc3535_pipeline::tansu::Tansu;
use rfc3535_pipeline::{forward, publisher_schema, BrokerOptions, Consumer, Forwarding, Producer};
use rfc3535_wire::telemetry::{read_schema_id, SchemaIdForm, TelemetryMessage, SCHEMA_ID_HEADER};
use rfc3535_wire::udp_notif::{encode_message, Header, MediaType};
use rfc3535_yang::standard_modules;
use tokio::net::UdpSocket;

/// A push-update of subscription `id` in an envelope (the id as given, so a test can make it
/// something other than a uint32).
fn envelope(sequence: u32, id: &str) -> Vec<u8> {
    format!(
        r#"{{"ietf-yp-notification:envelope":{{"event-time":"2026-12-02T10:00:00.{sequence:03}Z","hostname":"edge-7","sequence-number":{sequence},"contents":{{"ietf-yang-push:push-update":{{"id":{id},"datastore-contents":{{"ietf-system:system":{{"location":"rack {sequence}"}}}}}}}}}}}}"#
    )
    .into_bytes()
}

fn options(broker: &Tansu, topic: &str) -> BrokerOptions {
    BrokerOptions {
        bootstrap: broker.bootstrap(),
        topic: topic.to_owned(),
        create_topic: true,
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn collected_messages_reach_the_topic_with_their_schema_reference() {
    let broker = Tansu::start().expect("tansu starts (scripts/setup-test-env installs it)");
    let topic = "yang-push-telemetry";
    let producer = Producer::connect(options(&broker, topic))
        .await
        .expect("a producer");
    let mut consumer = Consumer::from_end(options(&broker, topic))
        .await
        .expect("a consumer");

    let mut collector = Collector::bind(CollectorOptions::default())
        .await
        .expect("a port");
    let to = collector.local_addr().expect("bound");
    let device = UdpSocket::bind("127.0.0.1:0").await.expect("a port");
    let count = 20u32;
    for sequence in 0..count {
        // One notification outside the schema: a subscription id that is no uint32.
        let id = if sequence == 13 { "\"five\"" } else { "5" };
        let header = Header::new(MediaType::Json, 9, sequence);
        let payload = envelope(sequence, id);
        for datagram in encode_message(&header, &payload, Some(160)).expect("encodable") {
            device.send_to(&datagram, to).await.expect("sent");
        }
    }
    // The subscribed data's module and its imports go to the registry; its id travels with
    // every record.
    let registry = Registry::start().await.expect("a loopback port");
    let schema_id = RegistryClient::new(registry.address())
        .register_modules(&standard_modules(), "ietf-system")
        .await
        .expect("ietf-system registers");
    let schema = publisher_schema(&standard_modules(), &["ietf-system"])
        .expect("the standard modules compile");
    // Records are keyed per the message-key draft, from the subscription's selection.
    let keys =
        KeyTemplates::derive("/ietf-system:system/location", &schema.shape()).expect("templates");
    let forwarding = Forwarding {
        producer: &producer,
        schema: Some(&schema),
        schema_id: Some((schema_id, SchemaIdForm::Decimal)),
        subscription: None,
        keys: Some(keys),
        batch: 8,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let stats = forward(&mut collector, &forwarding, deadline, |stats| {
        stats.published >= u64::from(count)
    })
    .await
    .expect("forwarded");
    assert_eq!((stats.messages, stats.published), (20, 20), "{stats:?}");
    assert_eq!((stats.valid, stats.invalid), (19, 1), "{stats:?}");
    assert_eq!(stats.invalid_examples[0].0, 13);
    let collection = collector.finish();
    assert!(collection.faults().is_empty(), "{:?}", collection.faults());

    let mut consumed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while consumed.len() < count as usize && Instant::now() < deadline {
        consumed.extend(
            consumer
                .poll(Duration::from_millis(500))
                .await
                .expect("fetched"),
        );
    }
    assert_eq!(consumed.len(), count as usize);
    let mut sequences = Vec::new();
    for record in &consumed {
        assert_eq!(
            record
                .headers
                .get(SCHEMA_ID_HEADER)
                .and_then(|id| read_schema_id(id)),
            Some((schema_id, SchemaIdForm::Decimal))
        );
        // The one notification whose id is no uint32 names no subscription: keyed by its
        // node alone.
        let key = record.key.as_deref().and_then(parse_message_key);
        match key {
            Some(key) => assert_eq!(
                key,
                (
                    "edge-7".to_owned(),
                    5,
                    vec!["/ietf-system:system/location".to_owned()]
                )
            ),
            None => assert_eq!(record.key.as_deref(), Some(&b"edge-7"[..])),
        }
        let message = TelemetryMessage::from_json(&record.value).expect("a telemetry message");
        let metadata = &message.telemetry_message_metadata;
        assert_eq!(metadata.export_address.to_string(), "127.0.0.1");
        sequences.push(
            metadata
                .sequence_number
                .expect("carried over from the envelope"),
        );
    }
    assert_eq!(sequences, (0..count).collect::<Vec<_>>());

    // A consumer on another Kafka client reads the same records and validates them.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/python/consume_telemetry.py"
    );
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .args([
            &broker.bootstrap(),
            topic,
            &count.to_string(),
            &registry.url(),
        ])
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "confluent-kafka consumer failed:\n{stdout}\n{stderr}"
    );
    let report: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(stdout.trim()).expect("the consumer's JSON report");
    assert_eq!(report["records"], count);
    assert_eq!(report["valid"], count);
    let id = schema_id.to_string();
    assert_eq!(report["schema_ids"], serde_json::json!([id]));
    assert_eq!(report["schemas"][&id]["type"], "YANG", "{report:?}");
    assert_eq!(
        report["schemas"][&id]["module"], "ietf-system",
        "{report:?}"
    );
    assert_eq!(report["schemas"][&id]["references"], 4, "{report:?}");
    assert_eq!(
        report["keys"],
        serde_json::json!(["edge-7", "edge-7|5|/ietf-system:system/location"]),
        "{report:?}"
    );
}
