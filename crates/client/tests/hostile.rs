//! The client against hostile or broken peers: a tiny in-test server on 127.0.0.1 that sends
//! nothing, garbage framing, an endless message, malformed XML, or drops the connection
//! mid-reply. Every case must end in a typed error within its timeout, with memory bounded by
//! the message-size limit, and never in a panic or a hang.
//!
//! The session layer is generic over streams, so these peers speak plain TCP; SSH is not what
//! is under test here.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rfc3535_client::wire::{Framing, FramingCodec, Operation};
use rfc3535_client::{ClientError, Session, SessionEnd, SessionOptions, Transcript};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SERVER_HELLO_11: &str = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>7</session-id></hello>]]>]]>";

/// Starts a one-connection peer running `behaviour`, returns its address.
async fn peer<F, Fut>(behaviour: F) -> std::net::SocketAddr
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await {
            behaviour(stream).await;
        }
    });
    address
}

fn quick_options() -> SessionOptions {
    SessionOptions {
        rpc_timeout: Duration::from_millis(800),
        hello_timeout: Duration::from_millis(800),
        max_message_size: 1 << 20,
        ..SessionOptions::default()
    }
}

async fn establish(address: std::net::SocketAddr) -> Result<Session, ClientError> {
    let stream = TcpStream::connect(address).await.expect("connect");
    Session::establish(stream, quick_options(), Transcript::default()).await
}

/// Reads until the client's hello has arrived (the peer ignores its content).
async fn read_client_hello(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.windows(6).any(|w| w == b"]]>]]>") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Writes an endless body for at most 10 s, counting what the client accepted, until the
/// client stops reading and the write fails.
async fn flood(stream: &mut TcpStream, written: &AtomicUsize) {
    let block = vec![b'x'; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if stream.write_all(&block).await.is_err() {
            break;
        }
        written.fetch_add(block.len(), Ordering::Relaxed);
    }
}

/// Writes one message in chunked framing with the project's own encoder.
async fn send_chunked(stream: &mut TcpStream, message: &str) {
    let mut codec = FramingCodec::default();
    codec.set_framing(Framing::Chunked);
    let mut wire = bytes::BytesMut::new();
    codec.encode_message(message.as_bytes(), &mut wire);
    let _ = stream.write_all(&wire).await;
}

/// Sends one RPC that must fail because the session ended; returns why it ended.
async fn session_end_on_rpc(session: &Session, operation: Operation) -> SessionEnd {
    match session.rpc(&operation).await {
        Err(ClientError::SessionClosed { reason }) => reason,
        other => panic!("expected the session to end, got {other:?}"),
    }
}

/// Reads whatever the client sends next (one RPC), without parsing it.
async fn read_some(stream: &mut TcpStream) {
    let mut buffer = [0u8; 4096];
    let _ = stream.read(&mut buffer).await;
}

#[tokio::test]
async fn silent_peer_times_out_on_hello() {
    let address = peer(|stream| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    })
    .await;
    let started = Instant::now();
    let error = establish(address).await.expect_err("no hello");
    assert!(
        matches!(error, ClientError::HelloTimeout { .. }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn hello_without_session_id_is_rejected() {
    let address = peer(|mut stream| async move {
        let hello = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>";
        let _ = stream.write_all(hello.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let error = establish(address).await.expect_err("bad hello");
    assert!(matches!(error, ClientError::BadHello(_)), "{error:?}");
}

#[tokio::test]
async fn garbage_framing_ends_the_session_with_a_typed_error() {
    let address = peer(|mut stream| async move {
        let _ = stream.write_all(SERVER_HELLO_11.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await;
        let _ = stream.write_all(b"\n#12x\n<rpc-reply/>").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let session = establish(address).await.expect("hello is fine");
    // A framing error, not a timeout: the RPC learns of it as soon as the reader does.
    let end = session_end_on_rpc(&session, Operation::CloseSession).await;
    assert!(matches!(end, SessionEnd::BadFraming(_)), "{end:?}");
    // Later calls fail at once with the same reason.
    assert!(matches!(
        session.rpc(&Operation::CloseSession).await,
        Err(ClientError::SessionClosed { .. })
    ));
}

#[tokio::test]
async fn endless_message_is_cut_at_the_size_limit() {
    let address = peer(|mut stream| async move {
        let _ = stream.write_all(SERVER_HELLO_11.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await;
        // One chunk header announcing far more than the limit, then an endless body; and if
        // the client only looks at data, the body alone is past the limit soon enough.
        let _ = stream.write_all(b"\n#4000000000\n").await;
        flood(&mut stream, &AtomicUsize::new(0)).await;
    })
    .await;
    let session = establish(address).await.expect("hello is fine");
    let end = session_end_on_rpc(&session, Operation::CloseSession).await;
    assert!(
        matches!(end, SessionEnd::MessageTooLarge { limit: 1_048_576 }),
        "{end:?}"
    );
}

#[tokio::test]
async fn endless_end_of_message_body_is_bounded() {
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    let address = peer(move |mut stream| async move {
        // base:1.0 only, then a reply that never ends.
        let hello = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities><session-id>3</session-id></hello>]]>]]>";
        let _ = stream.write_all(hello.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await;
        let _ = stream.write_all(b"<rpc-reply message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><data>").await;
        flood(&mut stream, &counter).await;
    })
    .await;
    let session = establish(address).await.expect("hello is fine");
    let end = session_end_on_rpc(&session, Operation::CloseSession).await;
    assert!(matches!(end, SessionEnd::MessageTooLarge { .. }), "{end:?}");
    // The client stopped reading at the limit: what the peer got out is the limit plus what
    // the kernel's socket buffers hold, not an unbounded stream.
    drop(session);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = sent.load(Ordering::Relaxed);
    assert!(
        written < 16 << 20,
        "peer wrote {written} bytes before the client stopped"
    );
}

#[tokio::test]
async fn silent_reply_is_a_per_rpc_timeout_and_the_session_survives() {
    let address = peer(|mut stream| async move {
        let _ = stream.write_all(SERVER_HELLO_11.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await; // first RPC: no answer
        read_some(&mut stream).await; // second RPC: answer it (message-id 2)
        let reply = "<rpc-reply message-id=\"2\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ok/></rpc-reply>";
        send_chunked(&mut stream, reply).await;
        // The first RPC's reply, late: the client gave up on it, so it is no violation.
        send_chunked(&mut stream, &reply.replace("\"2\"", "\"1\"")).await;
        read_some(&mut stream).await; // third RPC: its reply comes after the late one
        send_chunked(&mut stream, &reply.replace("\"2\"", "\"3\"")).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let session = establish(address).await.expect("hello is fine");
    let error = session
        .rpc(&Operation::DiscardChanges)
        .await
        .expect_err("no reply");
    assert!(matches!(error, ClientError::Timeout { .. }), "{error:?}");
    assert!(!error.is_fatal());
    let reply = session
        .rpc(&Operation::DiscardChanges)
        .await
        .expect("second reply");
    assert!(reply.ok);
    assert!(session
        .transcript()
        .to_text()
        .contains("no reply to message-id 1"));
    session
        .rpc(&Operation::DiscardChanges)
        .await
        .expect("third reply");
    assert_eq!(
        session.protocol_violations(),
        Vec::<String>::new(),
        "a late reply to a request given up on is no violation"
    );
}

fn ok_reply(message_id: &str) -> String {
    format!("<rpc-reply message-id=\"{message_id}\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ok/></rpc-reply>")
}

#[tokio::test]
async fn replies_to_nothing_sent_and_messages_after_close_are_protocol_violations() {
    let address = peer(|mut stream| async move {
        let _ = stream.write_all(SERVER_HELLO_11.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await; // message-id 1
        send_chunked(&mut stream, &ok_reply("1")).await;
        send_chunked(&mut stream, &ok_reply("77")).await; // never sent
        send_chunked(&mut stream, &ok_reply("1")).await; // answered already
        read_some(&mut stream).await; // close-session, message-id 2
        send_chunked(&mut stream, &ok_reply("2")).await;
        let event = "<notification xmlns=\"urn:ietf:params:xml:ns:netconf:notification:1.0\"><eventTime>2026-12-01T10:00:00Z</eventTime><x xmlns=\"urn:x\"/></notification>";
        send_chunked(&mut stream, event).await; // after the session closed
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let session = establish(address).await.expect("hello is fine");
    session
        .rpc(&Operation::DiscardChanges)
        .await
        .expect("the first reply");
    session
        .rpc(&Operation::CloseSession)
        .await
        .expect("the close-session reply");
    // The peer keeps the connection: the wait is bounded.
    session.wait_ended(Duration::from_millis(500)).await;
    let violations = session.protocol_violations();
    assert_eq!(violations.len(), 3, "{violations:?}");
    assert!(violations[0].contains("\"77\""), "{violations:?}");
    assert!(violations[1].contains("\"1\""), "{violations:?}");
    assert!(violations[2].contains("close-session"), "{violations:?}");
}

#[tokio::test]
async fn connection_dropped_mid_reply_is_truncation() {
    let address = peer(|mut stream| async move {
        let _ = stream.write_all(SERVER_HELLO_11.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await;
        let _ = stream
            .write_all(b"\n#100\n<rpc-reply message-id=\"1\"")
            .await;
        // dropped here
    })
    .await;
    let session = establish(address).await.expect("hello is fine");
    let end = session_end_on_rpc(&session, Operation::DiscardChanges).await;
    assert!(matches!(end, SessionEnd::Truncated { .. }), "{end:?}");
}

#[tokio::test]
async fn malformed_xml_reply_is_reported_to_the_waiting_rpc() {
    let address = peer(|mut stream| async move {
        let _ = stream.write_all(SERVER_HELLO_11.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await;
        let reply = "<rpc-reply message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ok></rpc-reply>";
        send_chunked(&mut stream, reply).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let session = establish(address).await.expect("hello is fine");
    let error = session
        .rpc(&Operation::DiscardChanges)
        .await
        .expect_err("malformed");
    assert!(matches!(error, ClientError::Malformed(_)), "{error:?}");
    assert!(session.transcript().to_text().contains("malformed message"));
    assert_eq!(session.protocol_violations().len(), 1);
}

#[tokio::test]
async fn peer_that_closes_at_once_is_reported() {
    let address = peer(|stream| async move { drop(stream) }).await;
    let error = establish(address).await.expect_err("closed");
    assert!(
        matches!(
            &error,
            ClientError::SessionClosed { .. } | ClientError::Io(_)
        ),
        "{error:?}"
    );
}

/// A hello and replies that begin with a UTF-8 byte-order mark are legal XML. The reader
/// used to panic on them and the request waited out its timeout; now they are read.
#[tokio::test]
async fn byte_order_marks_before_hello_and_reply_are_read() {
    let address = peer(|mut stream| async move {
        let hello = format!("\u{feff}{SERVER_HELLO_11}");
        let _ = stream.write_all(hello.as_bytes()).await;
        read_client_hello(&mut stream).await;
        read_some(&mut stream).await;
        let reply = "\u{feff}<rpc-reply message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ok/></rpc-reply>";
        send_chunked(&mut stream, reply).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let session = establish(address).await.expect("the hello is read");
    let started = Instant::now();
    let reply = session
        .rpc(&Operation::DiscardChanges)
        .await
        .expect("the reply is read");
    assert!(reply.is_success(), "{}", reply.raw());
    assert!(started.elapsed() < Duration::from_millis(800), "no timeout");
}
