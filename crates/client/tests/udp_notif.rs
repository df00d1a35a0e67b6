//! The UDP-notif collector over a real loopback socket: publishers are plain UDP sockets that
//! send what `rfc3535-wire` encodes, some of it broken on purpose the ways real publishers
//! break it. (The reference device's own UDP-notif publisher waits on the configured-
//! subscription modules; these senders stand in for it at the socket.)

use std::time::{Duration, Instant};

use rfc3535_client::udp_notif::{Collector, CollectorOptions, FaultKind};
use rfc3535_wire::udp_notif::{encode_message, Header, MediaType};
use tokio::net::UdpSocket;

const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn envelope_json(sequence: u32, contents_name: &str, padding: usize) -> Vec<u8> {
    format!(
        r#"{{"ietf-yp-notification:envelope":{{"event-time":"2026-12-02T10:00:0{}Z","hostname":"r1","sequence-number":{sequence},"{contents_name}":{{"ietf-yang-push:push-update":{{"id":1,"datastore-contents":{{"ietf-system:system":{{"location":"{}"}}}}}}}}}}}}"#,
        sequence % 10,
        "x".repeat(padding)
    )
    .into_bytes()
}

/// Sends one message; returns how many datagrams it took.
async fn send(
    socket: &UdpSocket,
    to: std::net::SocketAddr,
    publisher: u32,
    message_id: u32,
    payload: &[u8],
    max: Option<usize>,
) -> u64 {
    let header = Header::new(MediaType::Json, publisher, message_id);
    let datagrams = encode_message(&header, payload, max).expect("encodable");
    for datagram in &datagrams {
        socket
            .send_to(datagram, to)
            .await
            .expect("sent on loopback");
    }
    datagrams.len() as u64
}

#[tokio::test]
async fn the_collector_reassembles_accounts_for_loss_and_names_every_fault() {
    let mut collector = Collector::bind(CollectorOptions {
        max_segment_size: Some(200),
        ..CollectorOptions::default()
    })
    .await
    .expect("a loopback port");
    let to = collector.local_addr().expect("bound");
    let publisher = UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");

    let mut sent = 0;
    // Publisher 1: five messages in order, the third large and segmented within 200 octets.
    for id in 0..5u32 {
        let padding = if id == 2 { 600 } else { 0 };
        let payload = envelope_json(id, "contents", padding);
        sent += send(&publisher, to, 1, id, &payload, Some(200)).await;
    }
    // Publisher 2: message 2 never sent (ids and sequence numbers jump), then the deprecated
    // contents name, then a datagram whose message length is wrong.
    for (id, contents_name) in [
        (0, "contents"),
        (1, "contents"),
        (3, "notification-contents"),
    ] {
        let payload = envelope_json(id, contents_name, 0);
        sent += send(&publisher, to, 2, id, &payload, Some(200)).await;
    }
    let mut broken = Vec::new();
    Header::new(MediaType::Json, 2, 4)
        .encode(b"{}", &mut broken)
        .expect("encodable");
    broken[3] += 1;
    publisher.send_to(&broken, to).await.expect("sent");
    sent += 1;
    // Publisher 3: one message over the segment size, sent whole (left to IP fragmentation).
    let payload = envelope_json(0, "contents", 400);
    sent += send(&publisher, to, 3, 0, &payload, None).await;
    // Publisher 4: the first of several segments, and nothing after it.
    let header = Header::new(MediaType::Json, 4, 0);
    let payload = envelope_json(0, "contents", 600);
    let segments = encode_message(&header, &payload, Some(200)).expect("encodable");
    publisher.send_to(&segments[0], to).await.expect("sent");
    sent += 1;

    let met = collector
        .receive_until(Instant::now() + Duration::from_secs(10), |collection| {
            collection.totals().datagrams >= sent
        })
        .await
        .expect("received");
    assert!(
        met,
        "every datagram arrives on loopback: {:?}",
        collector.collection().totals()
    );
    // Nothing was lost to the collector's own socket buffer: every gap below is the senders'.
    assert_eq!(collector.kernel_drops(), Some(0));
    let collection = collector.finish();

    let first = collection
        .stream(LOOPBACK, 1)
        .expect("publisher 1's stream");
    assert_eq!(first.messages, 5);
    assert!(first.message_loss().is_clean(), "{}", first.message_loss());
    assert!(
        first.sequence_loss().is_clean(),
        "{}",
        first.sequence_loss()
    );
    let segmented = collection
        .messages()
        .iter()
        .find(|message| message.publisher_id == 1 && message.message_id == 2)
        .expect("the segmented message, whole");
    assert!(segmented.datagrams > 1);
    assert_eq!(
        segmented
            .envelope
            .as_ref()
            .expect("its envelope")
            .sequence_number,
        Some(2)
    );

    let second = collection
        .stream(LOOPBACK, 2)
        .expect("publisher 2's stream");
    assert_eq!(
        (
            second.message_loss().missing,
            second.sequence_loss().missing
        ),
        (1, 1)
    );

    let kinds: Vec<&FaultKind> = collection
        .faults()
        .iter()
        .map(|fault| &fault.kind)
        .collect();
    let count = |wanted: fn(&FaultKind) -> bool| kinds.iter().filter(|kind| wanted(kind)).count();
    assert_eq!(
        count(|kind| matches!(
            kind,
            FaultKind::MessageIdGap {
                expected: 2,
                found: 3,
                skipped: 1
            }
        )),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        count(|kind| matches!(
            kind,
            FaultKind::SequenceGap {
                expected: 2,
                found: 3,
                ..
            }
        )),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        count(|kind| matches!(kind, FaultKind::DeprecatedContentsName { message_id: 3 })),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        count(|kind| matches!(kind, FaultKind::Datagram(_))),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        count(|kind| matches!(kind, FaultKind::OverSegmentSize { max: 200, .. })),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        count(|kind| matches!(kind, FaultKind::Abandoned(_))),
        1,
        "{kinds:?}"
    );
    assert_eq!(collection.faults().len(), 6, "{kinds:?}");
    let malformed = collection
        .faults()
        .iter()
        .find(|fault| matches!(fault.kind, FaultKind::Datagram(_)))
        .expect("the malformed datagram");
    assert!(
        malformed
            .to_string()
            .contains("message length 15 is not the datagram's length 14"),
        "{malformed}"
    );
    assert!(malformed.head.starts_with("210c000f"), "{}", malformed.head);
}

#[tokio::test]
async fn a_quiet_collector_stops_at_its_deadline_and_says_so() {
    let mut collector = Collector::bind(CollectorOptions::default())
        .await
        .expect("a loopback port");
    let started = Instant::now();
    let met = collector
        .receive_until(started + Duration::from_millis(300), |collection| {
            collection.totals().messages > 0
        })
        .await
        .expect("no socket error");
    assert!(!met);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(collector.finish().totals().datagrams, 0);
}

#[tokio::test]
async fn drops_in_the_collectors_own_socket_buffer_are_counted_as_its_own() {
    // The smallest buffer the kernel allows, and nobody reading it.
    let collector = Collector::bind(CollectorOptions {
        receive_buffer: 1,
        ..CollectorOptions::default()
    })
    .await
    .expect("a loopback port");
    let to = collector.local_addr().expect("bound");
    let publisher = UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let payload = envelope_json(0, "contents", 200);
    for id in 0..500 {
        send(&publisher, to, 1, id, &payload, None).await;
    }
    let drops = collector
        .kernel_drops()
        .expect("/proc/net/udp is readable here");
    assert!(
        drops > 0,
        "500 datagrams into a minimal buffer, none dropped?"
    );
}
