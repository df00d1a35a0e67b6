//! The pipeline end to end on loopback, with a real broker: UDP-notif messages sent to the
//! collector, wrapped as telemetry messages, published to tansu with their schema reference,
//! and read back by two consumers written with different Kafka clients: rskafka here, and
//! Python's confluent-kafka (librdkafka) in `tests/python/consume_telemetry.py`, which validates every record.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rfc3535_client::udp_notif::{Collector, CollectorOptions};
use rfc3535_pipeline::tansu::Tansu;
use rfc3535_pipeline::{telemetry_message, BrokerOptions, Consumer, Producer};
use rfc3535_wire::telemetry::{read_schema_id, SchemaIdForm, TelemetryMessage, SCHEMA_ID_HEADER};
use rfc3535_wire::udp_notif::{encode_message, Header, MediaType};
use tokio::net::UdpSocket;

fn envelope(sequence: u32) -> Vec<u8> {
    format!(
        r#"{{"ietf-yp-notification:envelope":{{"event-time":"2026-12-02T10:00:00.{sequence:03}Z","hostname":"edge-7","sequence-number":{sequence},"contents":{{"ietf-yang-push:push-update":{{"id":5,"datastore-contents":{{"ietf-system:system":{{"location":"rack {sequence}"}}}}}}}}}}}}"#
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
        let header = Header::new(MediaType::Json, 9, sequence);
        for datagram in encode_message(&header, &envelope(sequence), Some(160)).expect("encodable")
        {
            device.send_to(&datagram, to).await.expect("sent");
        }
    }
    let all = collector
        .receive_until(Instant::now() + Duration::from_secs(10), |collection| {
            collection.totals().messages >= u64::from(count)
        })
        .await
        .expect("received");
    assert!(all, "{:?}", collector.collection().totals());
    let collection = collector.finish();
    assert!(collection.faults().is_empty(), "{:?}", collection.faults());

    let records: Vec<_> = collection
        .messages()
        .iter()
        .map(|received| {
            telemetry_message(received, to, Some((7, SchemaIdForm::Decimal)), None)
                .expect("a JSON envelope wraps")
                .record
        })
        .collect();
    let offsets = producer.publish(records).await.expect("published");
    assert_eq!(offsets.len(), count as usize);

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
            Some((7, SchemaIdForm::Decimal))
        );
        assert_eq!(record.key.as_deref(), Some(&b"edge-7"[..]));
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
        .args([&broker.bootstrap(), topic, &count.to_string()])
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
    assert_eq!(report["schema_ids"], serde_json::json!(["7"]));
}
