//! A NETCONF session over any byte stream: the hello exchange and framing switch, message-id
//! correlation with many RPCs in flight (pipelining), per-RPC timeouts, the notification stream
//! of the same session, and the transcript.
//!
//! One task reads: it decodes frames, records them, and hands each `<rpc-reply>` to the waiter
//! registered under its message-id, or each `<notification>` to a bounded queue. Writers take a
//! lock only for the time it takes to frame and write one message. When the stream ends or
//! breaks, every waiter gets the typed reason at once; nothing waits for its timeout.
//!
//! The reading task can be held (see [`Session::hold_reading`]): the session then reads
//! nothing, as a subscriber that falls behind would, so that the server meets back-pressure.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use futures::StreamExt;
use rfc3535_wire::{
    Framing, FramingCodec, FramingError, Hello, MessageError, Notification, Operation, RpcReply,
    ServerMessage, CAP_BASE_1_0, CAP_BASE_1_1, DEFAULT_MAX_MESSAGE_SIZE,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::FramedRead;

use crate::transcript::{Direction, Transcript};
use crate::ClientError;

/// Settings of one NETCONF session, independent of the transport.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// How long one RPC may wait for its reply (the write included).
    pub rpc_timeout: Duration,
    /// How long to wait for the server's `<hello>`.
    pub hello_timeout: Duration,
    /// The largest message accepted from the peer.
    pub max_message_size: usize,
    /// The capabilities of our `<hello>`; base:1.0 and base:1.1 by default.
    pub capabilities: Vec<String>,
    /// Notifications buffered before further ones are dropped (and counted).
    pub notification_buffer: usize,
    /// Whether to keep every message in the transcript (notes are always kept).
    pub record_transcript: bool,
    /// A pause after the hello exchange before the session is handed out. Zero by default:
    /// RFC 6241 lets a client send its first RPC right after its hello. Some servers (Yuma123
    /// netconfd 2.13, see docs/lab-findings.md) hold back an RPC that arrives in the same read
    /// as the client's hello; a short pause keeps the two apart. Set per device, never to hide
    /// a defect a scenario is checking.
    pub hello_settle: Duration,
    /// The most of one message the transcript keeps (the rest: its length and SHA-256).
    pub max_recorded_message: usize,
    /// Where large messages the device repeats (its hello) are kept once for all its
    /// sessions, if anywhere.
    pub shared_messages: Option<Arc<crate::transcript::SharedMessages>>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            rpc_timeout: Duration::from_secs(30),
            hello_timeout: Duration::from_secs(15),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            capabilities: vec![CAP_BASE_1_0.to_owned(), CAP_BASE_1_1.to_owned()],
            notification_buffer: 4096,
            record_transcript: true,
            hello_settle: Duration::ZERO,
            max_recorded_message: crate::transcript::DEFAULT_MAX_RECORDED,
            shared_messages: None,
        }
    }
}

impl SessionOptions {
    /// Offer only base:1.0, forcing end-of-message framing.
    pub fn base_1_0_only(mut self) -> Self {
        self.capabilities.retain(|c| c != CAP_BASE_1_1);
        self
    }
}

/// Why a session ended. Cloneable so every waiter gets its own copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnd {
    /// The peer closed the stream between messages.
    PeerClosed,
    /// The peer closed the stream inside a message.
    Truncated { buffered: usize },
    /// The peer sent a message over the size limit.
    MessageTooLarge { limit: usize },
    /// The peer broke RFC 6242 framing.
    BadFraming(String),
    /// The transport failed.
    Io(String),
    /// We closed the session.
    Closed,
    /// The client's own reading task panicked: a harness bug, not the peer's doing.
    ReaderPanicked(String),
}

impl std::fmt::Display for SessionEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionEnd::PeerClosed => f.write_str("the peer closed the session"),
            SessionEnd::Truncated { buffered } => write!(
                f,
                "the peer closed the session inside a message ({buffered} bytes of it received)"
            ),
            SessionEnd::MessageTooLarge { limit } => {
                write!(f, "the peer sent a message over the {limit}-byte limit")
            }
            SessionEnd::BadFraming(detail) => write!(f, "the peer broke the framing: {detail}"),
            SessionEnd::Io(detail) => write!(f, "transport error: {detail}"),
            SessionEnd::Closed => f.write_str("closed by the client"),
            SessionEnd::ReaderPanicked(why) => {
                write!(f, "harness bug: the client's reader panicked: {why}")
            }
        }
    }
}

impl From<FramingError> for SessionEnd {
    fn from(error: FramingError) -> Self {
        match error {
            FramingError::TruncatedMessage { buffered } => SessionEnd::Truncated { buffered },
            FramingError::MessageTooLarge { limit } => SessionEnd::MessageTooLarge { limit },
            FramingError::Io(e) => SessionEnd::Io(e.to_string()),
            other => SessionEnd::BadFraming(other.to_string()),
        }
    }
}

impl SessionEnd {
    fn error(&self) -> ClientError {
        ClientError::SessionClosed {
            reason: self.clone(),
        }
    }
}

type Waiter = oneshot::Sender<Result<RpcReply, ClientError>>;

#[derive(Default)]
struct State {
    /// Waiters by message-id, in the order they were registered.
    pending: HashMap<String, Waiter>,
    order: Vec<String>,
    end: Option<SessionEnd>,
    dropped_notifications: u64,
    /// Requests given up on (no reply in time, or a failure on our side): a late reply to
    /// one of them is no violation.
    abandoned: HashSet<String>,
    /// The message-id of the `<close-session>` sent, if one was.
    closing: Option<String>,
    /// The reply to `<close-session>` came: the peer may send nothing more.
    closed: bool,
    /// How the peer broke the protocol, in order: the first [`MAX_VIOLATIONS`].
    violations: Vec<String>,
    /// How many there were in all.
    violation_count: usize,
}

/// How many protocol violations a session keeps the text of; the rest are counted.
const MAX_VIOLATIONS: usize = 16;

impl State {
    fn take(&mut self, id: &str) -> Option<Waiter> {
        let waiter = self.pending.remove(id)?;
        self.order.retain(|o| o != id);
        Some(waiter)
    }

    /// Gives up on a request: it is no longer waited for, and a late reply is expected.
    fn abandon(&mut self, id: &str) {
        if self.take(id).is_some() {
            self.abandoned.insert(id.to_owned());
        }
    }

    fn violation(&mut self, what: String) {
        self.violation_count += 1;
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(what);
        }
    }
}

struct Shared {
    state: Mutex<State>,
    transcript: Transcript,
    /// Woken when the session ends.
    ended: tokio::sync::Notify,
    /// Whether the reading task is held (it reads nothing until released).
    held: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ends the session once: records why, and fails every waiter with it.
    fn end(&self, end: SessionEnd) {
        let waiters = {
            let mut state = self.lock();
            if state.end.is_some() {
                return;
            }
            state.end = Some(end.clone());
            state.order.clear();
            std::mem::take(&mut state.pending)
        };
        self.ended.notify_waiters();
        self.transcript
            .record(Direction::Note, &format!("session ended: {end}"));
        for (_, waiter) in waiters {
            let _ = waiter.send(Err(end.error()));
        }
    }
}

/// Something to shut down with the session (the SSH connection under the stream).
pub trait Transport: Send + Sync {
    /// Disconnects politely; must not block for long.
    fn disconnect(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

struct Writer {
    sink: Pin<Box<dyn AsyncWrite + Send>>,
    codec: FramingCodec,
    buffer: BytesMut,
}

/// An established NETCONF session.
pub struct Session {
    shared: Arc<Shared>,
    writer: tokio::sync::Mutex<Writer>,
    notifications: Mutex<Option<mpsc::Receiver<Notification>>>,
    server_hello: Hello,
    framing: Framing,
    next_id: AtomicU64,
    options: SessionOptions,
    reader: JoinHandle<()>,
    transport: Option<Box<dyn Transport>>,
    host_key_fingerprint: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("session_id", &self.server_hello.session_id)
            .field("framing", &self.framing)
            .field("host_key_fingerprint", &self.host_key_fingerprint)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Runs the hello exchange over `stream` and starts the session. The transcript may
    /// already hold secrets to redact.
    pub async fn establish<S>(
        stream: S,
        options: SessionOptions,
        transcript: Transcript,
    ) -> Result<Session, ClientError>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read_half, write_half) = tokio::io::split(stream);
        let mut writer = Writer {
            sink: Box::pin(write_half),
            codec: FramingCodec::new(options.max_message_size),
            buffer: BytesMut::with_capacity(4096),
        };
        let mut frames = FramedRead::with_capacity(
            read_half,
            FramingCodec::new(options.max_message_size),
            64 * 1024,
        );

        // Our hello has no XML declaration: netconfd holds back the reply to a chunked RPC that
        // arrives in the same read as `<?xml ...?><hello` with no newline between them.
        let our_hello = Hello {
            capabilities: options.capabilities.clone(),
            session_id: None,
        };
        let hello_text = our_hello.to_xml();
        transcript.record(Direction::Out, &hello_text);
        writer
            .codec
            .encode_message(hello_text.as_bytes(), &mut writer.buffer);
        writer.sink.write_all(&writer.buffer).await?;
        writer.sink.flush().await?;
        writer.buffer.clear();

        let server_hello = match tokio::time::timeout(options.hello_timeout, frames.next()).await {
            Err(_) => {
                return Err(ClientError::HelloTimeout {
                    after: options.hello_timeout,
                })
            }
            Ok(None) => return Err(SessionEnd::PeerClosed.error()),
            Ok(Some(Err(e))) => return Err(SessionEnd::from(e).error()),
            Ok(Some(Ok(bytes))) => {
                let text = String::from_utf8_lossy(&bytes);
                transcript.record_server_hello(&text);
                let hello = Hello::parse(&text).map_err(ClientError::BadHello)?;
                if hello.session_id.is_none() {
                    return Err(ClientError::BadHello(MessageError::Invalid {
                        element: "hello",
                        reason: "a server's hello must carry a session-id".into(),
                    }));
                }
                hello
            }
        };

        let framing = Framing::negotiate(&options.capabilities, &server_hello.capabilities);
        writer.codec.set_framing(framing);
        frames.decoder_mut().set_framing(framing);
        transcript.record(
            Direction::Note,
            &format!(
                "hello exchanged: session-id {}, base:{} framing",
                server_hello.session_id.unwrap_or_default(),
                framing.version()
            ),
        );

        if !options.hello_settle.is_zero() {
            tokio::time::sleep(options.hello_settle).await;
            transcript.record(
                Direction::Note,
                &format!(
                    "waited {:?} after the hello before the first RPC (hello_settle)",
                    options.hello_settle
                ),
            );
        }

        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            transcript,
            ended: tokio::sync::Notify::new(),
            held: tokio::sync::watch::Sender::new(false),
        });
        let (notify, notifications) = mpsc::channel(options.notification_buffer.max(1));
        let reader = tokio::spawn(guarded(
            read_loop(frames, Arc::clone(&shared), notify, shared.held.subscribe()),
            Arc::clone(&shared),
        ));
        Ok(Session {
            shared,
            writer: tokio::sync::Mutex::new(writer),
            notifications: Mutex::new(Some(notifications)),
            server_hello,
            framing,
            next_id: AtomicU64::new(1),
            options,
            reader,
            transport: None,
            host_key_fingerprint: None,
        })
    }

    /// Attaches the transport to shut down with the session, and the host key it presented.
    pub fn with_transport(
        mut self,
        transport: Box<dyn Transport>,
        host_key_fingerprint: Option<String>,
    ) -> Self {
        self.transport = Some(transport);
        self.host_key_fingerprint = host_key_fingerprint;
        self
    }

    /// The server's hello.
    pub fn server_hello(&self) -> &Hello {
        &self.server_hello
    }

    /// The session-id the server assigned.
    pub fn session_id(&self) -> u32 {
        self.server_hello.session_id.unwrap_or_default()
    }

    /// The server's capabilities.
    pub fn capabilities(&self) -> &[String] {
        &self.server_hello.capabilities
    }

    /// Whether the server announced a capability starting with `prefix` (so a URI without its
    /// `?parameters` matches).
    pub fn has_capability(&self, prefix: &str) -> bool {
        self.server_hello
            .capabilities
            .iter()
            .any(|c| c == prefix || c.starts_with(&format!("{prefix}?")))
    }

    /// The negotiated framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The server's host-key fingerprint (`SHA256:...`), for SSH sessions.
    pub fn host_key_fingerprint(&self) -> Option<&str> {
        self.host_key_fingerprint.as_deref()
    }

    /// The transcript of this session.
    pub fn transcript(&self) -> &Transcript {
        &self.shared.transcript
    }

    /// The options the session runs with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// Why the session ended, if it has.
    pub fn ended(&self) -> Option<SessionEnd> {
        self.shared.lock().end.clone()
    }

    /// Notifications dropped because the queue was full.
    pub fn dropped_notifications(&self) -> u64 {
        self.shared.lock().dropped_notifications
    }

    /// How the peer broke the protocol during the session, beyond what a request's own
    /// error says: a reply to a message-id this session never sent (or sent and already had
    /// answered), a message after the reply to `<close-session>`, a message that is not
    /// well-formed XML. The first few, and a count of the rest.
    pub fn protocol_violations(&self) -> Vec<String> {
        let state = self.shared.lock();
        let mut out = state.violations.clone();
        let more = state.violation_count.saturating_sub(out.len());
        if more > 0 {
            out.push(format!("and {more} more"));
        }
        out
    }

    /// Waits at most `within` for the peer to end the session (after `<close-session>`,
    /// RFC 6241 §7.8), so that whatever it still sends is seen.
    pub async fn wait_ended(&self, within: Duration) {
        let notified = self.shared.ended.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.ended().is_some() {
            return;
        }
        let _ = tokio::time::timeout(within, notified).await;
    }

    /// Holds the reading task, or releases it: while held, nothing the peer sends is read
    /// (what the transport buffers stays there, and the peer meets back-pressure once the
    /// buffers are full), so an RPC sent meanwhile waits for its reply until its timeout.
    /// Both are noted in the transcript.
    pub fn hold_reading(&self, held: bool) {
        if self.shared.held.send_replace(held) != held {
            let what = if held {
                "the client stops reading the session (it holds back, as a subscriber that falls behind would)"
            } else {
                "the client reads the session again"
            };
            self.shared.transcript.record(Direction::Note, what);
        }
    }

    /// The queue of notifications received on this session; `None` after the first call.
    pub fn take_notifications(&self) -> Option<mpsc::Receiver<Notification>> {
        self.notifications
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Sends `operation` and waits for its reply, within the session's RPC timeout. Replies
    /// carrying `<rpc-error>` are returned, not turned into errors.
    pub async fn rpc(&self, operation: &Operation) -> Result<RpcReply, ClientError> {
        self.rpc_with_timeout(operation, self.options.rpc_timeout)
            .await
    }

    /// As [`Session::rpc`], but an error-severity `<rpc-error>` becomes
    /// [`ClientError::Rejected`].
    pub async fn rpc_ok(&self, operation: &Operation) -> Result<RpcReply, ClientError> {
        let reply = self.rpc(operation).await?;
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(ClientError::Rejected {
                operation: operation.name().to_owned(),
                errors: reply.errors,
            })
        }
    }

    /// Sends `operation` and waits at most `timeout` for its reply.
    pub async fn rpc_with_timeout(
        &self,
        operation: &Operation,
        timeout: Duration,
    ) -> Result<RpcReply, ClientError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        let text = operation.to_rpc(&id);
        self.exchange(operation.name(), id, &text, timeout).await
    }

    /// Sends a complete `<rpc>` message as given (for protocol-conformance checks that need
    /// exact bytes) and waits for the reply carrying `message_id`.
    pub async fn rpc_raw_message(
        &self,
        message_id: &str,
        message: &str,
        timeout: Duration,
    ) -> Result<RpcReply, ClientError> {
        self.exchange("rpc", message_id.to_owned(), message, timeout)
            .await
    }

    async fn exchange(
        &self,
        operation: &str,
        id: String,
        text: &str,
        timeout: Duration,
    ) -> Result<RpcReply, ClientError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.shared.lock();
            if let Some(end) = &state.end {
                return Err(end.error());
            }
            state.pending.insert(id.clone(), tx);
            state.order.push(id.clone());
            if operation == "close-session" {
                state.closing = Some(id.clone());
            }
        }
        let work = async {
            self.write_message(text).await?;
            match rx.await {
                Ok(result) => result,
                Err(_) => Err(self.ended().unwrap_or(SessionEnd::Closed).error()),
            }
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => {
                self.shared.lock().abandon(&id);
                Err(e)
            }
            Err(_) => {
                self.shared.lock().abandon(&id);
                self.shared.transcript.record(
                    Direction::Note,
                    &format!("no reply to message-id {id} within {timeout:?}"),
                );
                Err(ClientError::Timeout {
                    operation: operation.to_owned(),
                    message_id: id,
                    after: timeout,
                })
            }
        }
    }

    async fn write_message(&self, text: &str) -> Result<(), ClientError> {
        let mut writer = self.writer.lock().await;
        let writer = &mut *writer;
        writer.buffer.clear();
        writer
            .codec
            .encode_message(text.as_bytes(), &mut writer.buffer);
        self.shared.transcript.record(Direction::Out, text);
        let written = async {
            writer.sink.write_all(&writer.buffer).await?;
            writer.sink.flush().await
        };
        if let Err(e) = written.await {
            let end = SessionEnd::Io(e.to_string());
            self.shared.end(end.clone());
            return Err(end.error());
        }
        Ok(())
    }

    /// Sends `<close-session>`, waits for its reply (within the RPC timeout), then shuts the
    /// stream and the transport. Returns the reply, or why there was none.
    pub async fn close(self) -> Result<RpcReply, ClientError> {
        let result = if self.ended().is_none() {
            self.rpc(&Operation::CloseSession).await
        } else {
            Err(self.ended().unwrap_or(SessionEnd::Closed).error())
        };
        self.shutdown().await;
        result
    }

    /// Closes the stream and the transport without `<close-session>` (an abrupt drop).
    pub async fn shutdown(&self) {
        self.shared.end(SessionEnd::Closed);
        // A write stuck on a peer that stopped reading holds the writer; don't wait for it.
        if let Ok(mut writer) =
            tokio::time::timeout(Duration::from_secs(2), self.writer.lock()).await
        {
            let _ = tokio::time::timeout(Duration::from_secs(2), writer.sink.shutdown()).await;
        }
        if let Some(transport) = &self.transport {
            let _ = tokio::time::timeout(Duration::from_secs(2), transport.disconnect()).await;
        }
        self.reader.abort();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Runs the reading task so that a panic in it ends the session with a typed reason that every
/// waiter hears at once, instead of leaving them to time out.
async fn guarded(reading: impl std::future::Future<Output = ()>, shared: Arc<Shared>) {
    use futures::FutureExt;
    if let Err(panic) = std::panic::AssertUnwindSafe(reading).catch_unwind().await {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        shared.end(SessionEnd::ReaderPanicked(why));
    }
}

async fn read_loop<R>(
    mut frames: FramedRead<R, FramingCodec>,
    shared: Arc<Shared>,
    notify: mpsc::Sender<Notification>,
    mut held: tokio::sync::watch::Receiver<bool>,
) where
    R: AsyncRead + Unpin,
{
    let end = loop {
        // Held: nothing is read (or decoded from what was read) until released. The sender
        // lives in `shared`, which this task holds, so the wait cannot fail.
        let _ = held.wait_for(|held| !*held).await;
        match frames.next().await {
            None => break SessionEnd::PeerClosed,
            Some(Err(e)) => break SessionEnd::from(e),
            Some(Ok(bytes)) => dispatch(&bytes, &shared, &notify),
        }
    };
    shared.end(end);
}

fn dispatch(bytes: &[u8], shared: &Shared, notify: &mpsc::Sender<Notification>) {
    let arrived = rfc3535_wire::Arrival::now();
    let text = String::from_utf8_lossy(bytes);
    shared.transcript.record(Direction::In, &text);
    {
        let mut state = shared.lock();
        if state.closed {
            state.violation(
                "a message came after the reply to <close-session>, which ends the session (RFC 6241 §7.8)"
                    .to_owned(),
            );
        }
    }
    match ServerMessage::parse(bytes) {
        Ok(ServerMessage::RpcReply(reply)) => {
            let waiter = {
                let mut state = shared.lock();
                if reply.message_id.is_some() && reply.message_id == state.closing {
                    state.closed = true;
                }
                match &reply.message_id {
                    Some(id) => {
                        let waiter = state.take(id);
                        if waiter.is_none() && !state.abandoned.remove(id) {
                            state.violation(format!(
                                "a reply carries message-id {id:?}, which answers no request of this session: never sent, or answered already (RFC 6241 §4.2)"
                            ));
                        }
                        waiter
                    }
                    // RFC 6241 §4.2 allows no message-id only when the request had none;
                    // with one request outstanding it can only be for that one.
                    None if state.order.len() == 1 => {
                        let only = state.order[0].clone();
                        state.take(&only)
                    }
                    None => None,
                }
            };
            match waiter {
                Some(waiter) => {
                    let _ = waiter.send(Ok(reply));
                }
                None => shared.transcript.record(
                    Direction::Note,
                    &format!(
                        "reply with message-id {:?} matches no outstanding request",
                        reply.message_id
                    ),
                ),
            }
        }
        Ok(ServerMessage::Notification(mut notification)) => {
            notification.received = Some(arrived);
            if notify.try_send(notification).is_err() {
                shared.lock().dropped_notifications += 1;
            }
        }
        Ok(ServerMessage::Hello(_)) => shared.transcript.record(
            Direction::Note,
            "unexpected <hello> after the hello exchange",
        ),
        Err(error) => {
            // A message we cannot parse cannot be correlated. With one request outstanding it
            // is that request's reply; otherwise everyone outstanding learns of it.
            shared
                .transcript
                .record(Direction::Note, &format!("malformed message: {error}"));
            let waiters: Vec<Waiter> = {
                let mut state = shared.lock();
                state.violation(format!(
                    "a message that is not a well-formed NETCONF message: {error}"
                ));
                state.order.clear();
                state.pending.drain().map(|(_, w)| w).collect()
            };
            for waiter in waiters {
                let _ = waiter.send(Err(ClientError::Malformed(clone_message_error(&error))));
            }
        }
    }
}

/// `MessageError` holds non-cloneable sources; waiters get an equivalent error by message.
fn clone_message_error(error: &MessageError) -> MessageError {
    MessageError::Invalid {
        element: "message",
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic in the reading task is the harness's bug: the waiting request hears it at once,
    /// typed, and does not wait out its timeout.
    #[tokio::test]
    async fn a_panicking_reader_ends_the_session_with_a_typed_reason() {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            transcript: Transcript::default(),
            ended: tokio::sync::Notify::new(),
            held: tokio::sync::watch::Sender::new(false),
        });
        let (waiter, waiting) = oneshot::channel();
        {
            let mut state = shared.lock();
            state.pending.insert("1".to_owned(), waiter);
            state.order.push("1".to_owned());
        }
        let reading = async { panic!("index out of bounds") };
        tokio::spawn(guarded(reading, Arc::clone(&shared)))
            .await
            .expect("the guard itself does not panic");
        let answer = tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("told at once, not after a timeout")
            .expect("the waiter is answered");
        match answer {
            Err(ClientError::SessionClosed {
                reason: SessionEnd::ReaderPanicked(why),
            }) => assert_eq!(why, "index out of bounds"),
            other => panic!("expected a typed end, got {other:?}"),
        }
        assert!(matches!(
            shared.lock().end,
            Some(SessionEnd::ReaderPanicked(_))
        ));
    }

    /// A held session reads nothing: the peer's writes stop once the stream's buffer is full,
    /// and what it sent arrives, in order, once the session reads again.
    #[tokio::test]
    async fn a_held_session_reads_nothing_until_released() {
        use tokio::io::AsyncReadExt;
        let (client, mut server) = tokio::io::duplex(4096);
        let peer = tokio::spawn(async move {
            let hello = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities><session-id>3</session-id></hello>]]>]]>";
            server.write_all(hello.as_bytes()).await.expect("hello");
            let mut seen = Vec::new();
            let mut buffer = [0u8; 1024];
            while !seen.windows(6).any(|w| w == b"]]>]]>") {
                let n = server.read(&mut buffer).await.expect("client hello");
                seen.extend_from_slice(&buffer[..n]);
            }
            server
        });
        let session = Session::establish(client, SessionOptions::default(), Transcript::default())
            .await
            .expect("hello exchanged");
        let mut server = peer.await.expect("peer");
        let mut notifications = session.take_notifications().expect("queue");
        session.hold_reading(true);
        let notification = |n: usize| {
            format!(
                "<notification xmlns=\"urn:ietf:params:xml:ns:netconf:notification:1.0\"><eventTime>2026-12-02T00:00:{n:02}Z</eventTime><event xmlns=\"urn:example\">{}</event></notification>]]>]]>",
                "x".repeat(400)
            )
        };
        let writing = tokio::spawn(async move {
            for n in 0..40 {
                server
                    .write_all(notification(n).as_bytes())
                    .await
                    .expect("write");
            }
            server
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!writing.is_finished(), "the peer met no back-pressure");
        assert!(notifications.try_recv().is_err(), "a held session read");
        session.hold_reading(false);
        let _server = tokio::time::timeout(Duration::from_secs(5), writing)
            .await
            .expect("the peer's writes go through once released")
            .expect("writer");
        for n in 0..40 {
            let received = tokio::time::timeout(Duration::from_secs(5), notifications.recv())
                .await
                .expect("in time")
                .expect("a notification");
            assert!(received.event_time.ends_with(&format!(":{n:02}Z")));
        }
        let notes: Vec<String> = session
            .transcript()
            .entries()
            .into_iter()
            .filter(|e| e.direction == Direction::Note)
            .map(|e| e.text)
            .collect();
        assert!(
            notes.iter().any(|n| n.contains("stops reading")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.contains("reads the session again")),
            "{notes:?}"
        );
    }
}
