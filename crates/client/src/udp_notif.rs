//! A UDP-notif collector (draft-ietf-netconf-udp-notif-26): the receiver a configured
//! subscription sends to. It binds one UDP socket on the test bed (loopback unless told
//! otherwise), decodes each datagram, puts segmented messages back together, reads the
//! notification envelope of each message, and accounts for loss per stream: message ids (the
//! UDP-notif header) and envelope sequence numbers, each expected to go up by one. A stream is
//! a source address and a publisher id together, as draft-ietf-netconf-distributed-notif §2
//! asks a receiver to key them: two line cards may both call themselves publisher 1.
//!
//! The accounting is [`Collection`], which owns no socket: it takes a datagram's bytes, its
//! sender and its arrival time, so tests and fuzzers drive it without a network. [`Collector`]
//! is the thin loop that feeds it from a tokio `UdpSocket`.
//!
//! Everything a publisher gets wrong is a [`Fault`] with the sender, the publisher id when the
//! header was readable and the first octets of the datagram, never a panic and never a silent
//! drop. Memory is bounded: the messages and faults kept are capped (the counts go on), and
//! the reassembler has its own limits.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

use rfc3535_wire::envelope::{Envelope, EnvelopeError};
use rfc3535_wire::sequence::{Arrival, Loss, SequenceTracker};
use rfc3535_wire::udp_notif::{
    Abandoned, Datagram, DatagramError, MediaType, Reassembler, ReassemblyError, ReassemblyLimits,
};
use tokio::net::UdpSocket;

/// The largest datagram a UDP socket can hand over (IPv4's 65,535 octets less its headers is
/// smaller; this is the buffer, not a limit on the publisher).
const RECEIVE_BUFFER: usize = 65_536;

/// How often arriving datagrams make the collection look for stalled messages.
const EXPIRY_INTERVAL: Duration = Duration::from_millis(10);

/// What a collection keeps and checks.
#[derive(Clone, Debug)]
pub struct CollectorOptions {
    /// Where the collector listens. Port 0 picks a free one.
    pub bind: SocketAddr,
    pub limits: ReassemblyLimits,
    /// The maximum segment size the harness configured on the subscription's receiver, if it
    /// set one: a datagram over it left the segmenting to IP fragmentation (draft §3.3.1).
    pub max_segment_size: Option<usize>,
    /// Messages kept whole for the scenario to read; later ones are only counted.
    pub keep_messages: usize,
    /// Faults kept with their evidence; later ones are only counted.
    pub keep_faults: usize,
    /// The socket's receive buffer to ask for, in octets (the kernel caps it at
    /// `net.core.rmem_max`). A burst of telemetry larger than the buffer is dropped by the
    /// collector's own kernel, not lost by the device.
    pub receive_buffer: usize,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        CollectorOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            limits: ReassemblyLimits::default(),
            max_segment_size: None,
            keep_messages: 10_000,
            keep_faults: 1_000,
            receive_buffer: 4 * 1024 * 1024,
        }
    }
}

/// One message received whole.
#[derive(Clone, Debug)]
pub struct Received {
    pub peer: SocketAddr,
    pub publisher_id: u32,
    pub message_id: u32,
    pub media_type: MediaType,
    /// How many datagrams carried it.
    pub datagrams: usize,
    /// When its last datagram arrived, on the monotonic clock and on the wall clock.
    pub arrived: Instant,
    pub arrived_wall: SystemTime,
    /// The envelope, or why it could not be read.
    pub envelope: Result<Envelope, EnvelopeError>,
    pub payload: Vec<u8>,
}

/// What a publisher got wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FaultKind {
    #[error("{0}")]
    Datagram(#[from] DatagramError),
    #[error("{0}")]
    Reassembly(#[from] ReassemblyError),
    #[error("{0}")]
    Abandoned(Abandoned),
    #[error("message {message_id}: {error}")]
    Envelope {
        message_id: u32,
        error: EnvelopeError,
    },
    #[error("message {message_id} is in {media_type}, which the collector cannot read")]
    UnreadableMediaType {
        message_id: u32,
        media_type: MediaType,
    },
    #[error("message {message_id} names its contents notification-contents, the name of an earlier draft; the current one is contents")]
    DeprecatedContentsName { message_id: u32 },
    #[error("datagram of {len} octets over the configured maximum segment size of {max}: the publisher left segmenting to IP fragmentation")]
    OverSegmentSize { len: usize, max: usize },
    #[error("message id {found} where {expected} was next: {skipped} message(s) missing")]
    MessageIdGap {
        expected: u32,
        found: u32,
        skipped: u64,
    },
    #[error("message id {found} received again")]
    MessageIdRepeated { found: u32 },
    #[error("message id {found} where {expected} was next: the counter started again")]
    MessageIdRestart { expected: u32, found: u32 },
    #[error(
        "sequence number {found} where {expected} was next: {skipped} notification(s) missing"
    )]
    SequenceGap {
        expected: u32,
        found: u32,
        skipped: u64,
    },
    #[error("sequence number {found} received again")]
    SequenceRepeated { found: u32 },
    #[error("sequence number {found} where {expected} was next: the counter started again")]
    SequenceRestart { expected: u32, found: u32 },
}

/// A fault with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// The sender; unknown for a message given up, whose segments may have come from several.
    pub peer: Option<SocketAddr>,
    /// The publisher, when the header was readable.
    pub publisher_id: Option<u32>,
    pub kind: FaultKind,
    pub arrived_wall: SystemTime,
    /// The first octets of the datagram, in hex (empty for faults of a whole message).
    pub head: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.peer, self.publisher_id) {
            (Some(peer), Some(publisher_id)) => {
                write!(f, "from {peer} (publisher {publisher_id})")?
            }
            (Some(peer), None) => write!(f, "from {peer}")?,
            (None, Some(publisher_id)) => write!(f, "publisher {publisher_id}")?,
            (None, None) => f.write_str("unknown sender")?,
        }
        write!(f, ": {}", self.kind)?;
        if !self.head.is_empty() {
            write!(f, " [first octets {}]", self.head)?;
        }
        Ok(())
    }
}

/// One stream of messages: who sent it and under which publisher id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamKey {
    pub source: IpAddr,
    pub publisher_id: u32,
}

impl std::fmt::Display for StreamKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "publisher {} at {}", self.publisher_id, self.source)
    }
}

/// One stream's account.
#[derive(Clone, Debug, Default)]
pub struct PublisherAccount {
    /// UDP-notif message ids.
    pub message_ids: SequenceTracker,
    /// Envelope sequence numbers, for the messages that carried one.
    pub sequence_numbers: SequenceTracker,
    /// Messages received whole.
    pub messages: u64,
    /// Messages that carried no sequence number.
    pub without_sequence_number: u64,
    /// The first message's arrival.
    pub first_arrival: Option<Instant>,
}

impl PublisherAccount {
    /// Loss by message id.
    pub fn message_loss(&self) -> Loss {
        self.message_ids.loss()
    }

    /// Loss by envelope sequence number.
    pub fn sequence_loss(&self) -> Loss {
        self.sequence_numbers.loss()
    }
}

/// Counts of what came in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub datagrams: u64,
    pub octets: u64,
    pub messages: u64,
    /// Messages received but not kept (past [`CollectorOptions::keep_messages`]).
    pub messages_not_kept: u64,
    pub faults: u64,
    /// Faults counted but not kept (past [`CollectorOptions::keep_faults`]).
    pub faults_not_kept: u64,
}

/// The collector's state and accounting, without I/O.
#[derive(Debug)]
pub struct Collection {
    options: CollectorOptions,
    reassembler: Reassembler,
    streams: BTreeMap<StreamKey, PublisherAccount>,
    messages: Vec<Received>,
    faults: Vec<Fault>,
    totals: Totals,
    last_expiry: Option<Instant>,
}

impl Collection {
    pub fn new(options: CollectorOptions) -> Collection {
        Collection {
            reassembler: Reassembler::new(options.limits),
            options,
            streams: BTreeMap::new(),
            messages: Vec::new(),
            faults: Vec::new(),
            totals: Totals::default(),
            last_expiry: None,
        }
    }

    /// Takes one datagram as it arrived.
    pub fn take(&mut self, bytes: &[u8], peer: SocketAddr, arrived: Instant, wall: SystemTime) {
        self.totals.datagrams += 1;
        self.totals.octets += bytes.len() as u64;
        // Looking for stalled messages on every datagram would cost a pass over all waiting
        // ones each time; every few milliseconds is as good for a limit counted in seconds.
        if self
            .last_expiry
            .is_none_or(|last| arrived.saturating_duration_since(last) >= EXPIRY_INTERVAL)
        {
            self.expire(arrived, wall);
        }
        let datagram = match Datagram::decode(bytes) {
            Ok(datagram) => datagram,
            Err(error) => {
                self.fault(Some(peer), None, error.into(), wall, bytes);
                return;
            }
        };
        let publisher_id = datagram.header.publisher_id;
        if let Some(max) = self.options.max_segment_size {
            if bytes.len() > max {
                let kind = FaultKind::OverSegmentSize {
                    len: bytes.len(),
                    max,
                };
                self.fault(Some(peer), Some(publisher_id), kind, wall, bytes);
            }
        }
        match self.reassembler.push(&datagram, arrived) {
            Ok(Some(message)) => {
                let envelope = match message.media_type {
                    MediaType::Json => Envelope::parse_json(&message.payload),
                    MediaType::Xml => Envelope::parse_xml(&message.payload),
                    other => {
                        let kind = FaultKind::UnreadableMediaType {
                            message_id: message.message_id,
                            media_type: other,
                        };
                        self.fault(Some(peer), Some(publisher_id), kind, wall, &[]);
                        Err(EnvelopeError::Malformed {
                            encoding: "an unreadable media type",
                            reason: other.to_string(),
                        })
                    }
                };
                self.account(
                    Received {
                        peer,
                        publisher_id,
                        message_id: message.message_id,
                        media_type: message.media_type,
                        datagrams: message.datagrams,
                        arrived,
                        arrived_wall: wall,
                        envelope,
                        payload: message.payload,
                    },
                    bytes,
                );
            }
            Ok(None) => {}
            Err(error) => self.fault(Some(peer), Some(publisher_id), error.into(), wall, bytes),
        }
    }

    /// Gives up the messages whose segments stopped coming; call it while nothing arrives.
    pub fn expire(&mut self, now: Instant, wall: SystemTime) {
        self.last_expiry = Some(now);
        self.reassembler.expire(now);
        self.collect_abandoned(wall);
    }

    /// Ends the collection: every message still incomplete is given up and accounted.
    pub fn finish(&mut self, wall: SystemTime) {
        self.reassembler.finish();
        self.collect_abandoned(wall);
    }

    pub fn messages(&self) -> &[Received] {
        &self.messages
    }

    /// Takes the messages kept so far, leaving the accounting: for a pipeline that forwards
    /// them as they come. Room is made for as many new ones.
    pub fn drain_messages(&mut self) -> Vec<Received> {
        std::mem::take(&mut self.messages)
    }

    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// The account of each stream.
    pub fn streams(&self) -> &BTreeMap<StreamKey, PublisherAccount> {
        &self.streams
    }

    /// The account of the stream from `source` under `publisher_id`.
    pub fn stream(&self, source: IpAddr, publisher_id: u32) -> Option<&PublisherAccount> {
        self.streams.get(&StreamKey {
            source,
            publisher_id,
        })
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }

    fn collect_abandoned(&mut self, wall: SystemTime) {
        for abandoned in self.reassembler.drain_abandoned() {
            let publisher_id = Some(abandoned.publisher_id);
            self.fault(
                None,
                publisher_id,
                FaultKind::Abandoned(abandoned),
                wall,
                &[],
            );
        }
    }

    fn account(&mut self, received: Received, bytes: &[u8]) {
        let (peer, publisher_id, wall) =
            (received.peer, received.publisher_id, received.arrived_wall);
        self.totals.messages += 1;
        let key = StreamKey {
            source: peer.ip(),
            publisher_id,
        };
        let account = self.streams.entry(key).or_default();
        account.messages += 1;
        account.first_arrival.get_or_insert(received.arrived);
        let mut faults = Vec::new();
        let message_id = received.message_id;
        match account.message_ids.observe(message_id) {
            Arrival::Gap { expected, skipped } => faults.push(FaultKind::MessageIdGap {
                expected,
                found: message_id,
                skipped,
            }),
            Arrival::Duplicate => faults.push(FaultKind::MessageIdRepeated { found: message_id }),
            Arrival::Restart { expected } => faults.push(FaultKind::MessageIdRestart {
                expected,
                found: message_id,
            }),
            Arrival::First | Arrival::InOrder | Arrival::Late => {}
        }
        match &received.envelope {
            Ok(envelope) => {
                if envelope.deprecated_contents_name {
                    faults.push(FaultKind::DeprecatedContentsName { message_id });
                }
                match envelope.sequence_number {
                    Some(number) => match account.sequence_numbers.observe(number) {
                        Arrival::Gap { expected, skipped } => faults.push(FaultKind::SequenceGap {
                            expected,
                            found: number,
                            skipped,
                        }),
                        Arrival::Duplicate => {
                            faults.push(FaultKind::SequenceRepeated { found: number })
                        }
                        Arrival::Restart { expected } => faults.push(FaultKind::SequenceRestart {
                            expected,
                            found: number,
                        }),
                        Arrival::First | Arrival::InOrder | Arrival::Late => {}
                    },
                    None => account.without_sequence_number += 1,
                }
            }
            // A media type the collector cannot read is a fault of its own already.
            Err(_) if !matches!(received.media_type, MediaType::Json | MediaType::Xml) => {}
            Err(error) => faults.push(FaultKind::Envelope {
                message_id,
                error: error.clone(),
            }),
        }
        for kind in faults {
            self.fault(Some(peer), Some(publisher_id), kind, wall, bytes);
        }
        if self.messages.len() < self.options.keep_messages {
            self.messages.push(received);
        } else {
            self.totals.messages_not_kept += 1;
        }
    }

    fn fault(
        &mut self,
        peer: Option<SocketAddr>,
        publisher_id: Option<u32>,
        kind: FaultKind,
        wall: SystemTime,
        bytes: &[u8],
    ) {
        self.totals.faults += 1;
        if self.faults.len() >= self.options.keep_faults {
            self.totals.faults_not_kept += 1;
            return;
        }
        let head = bytes
            .iter()
            .take(32)
            .map(|octet| format!("{octet:02x}"))
            .collect::<Vec<_>>()
            .join("");
        self.faults.push(Fault {
            peer,
            publisher_id,
            kind,
            arrived_wall: wall,
            head,
        });
    }
}

/// The `drops` column of the socket bound to `port` in a `/proc/net/udp` table: the address
/// column is `HEX_ADDRESS:HEX_PORT`, `drops` the last column.
fn kernel_drops_in(table: &str, port: u16) -> Option<u64> {
    let wanted = format!(":{port:04X}");
    table.lines().skip(1).find_map(|line| {
        let columns: Vec<&str> = line.split_whitespace().collect();
        let local = columns.get(1)?;
        if !local.ends_with(&wanted) {
            return None;
        }
        columns.last()?.parse().ok()
    })
}

/// A [`Collection`] fed from a UDP socket.
#[derive(Debug)]
pub struct Collector {
    socket: UdpSocket,
    collection: Collection,
    buffer: Vec<u8>,
}

impl Collector {
    /// Binds the socket. Bind loopback (or the test bed's chosen address): a collector on every
    /// address would take telemetry from anywhere.
    pub async fn bind(options: CollectorOptions) -> std::io::Result<Collector> {
        let domain = socket2::Domain::for_address(options.bind);
        let socket =
            socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
        socket.set_recv_buffer_size(options.receive_buffer)?;
        socket.set_nonblocking(true)?;
        socket.bind(&options.bind.into())?;
        let socket = UdpSocket::from_std(socket.into())?;
        Ok(Collector {
            socket,
            collection: Collection::new(options),
            buffer: vec![0; RECEIVE_BUFFER],
        })
    }

    /// The address publishers are to send to.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    pub fn collection(&self) -> &Collection {
        &self.collection
    }

    /// Datagrams the collector's own kernel dropped because its socket buffer was full, from
    /// `/proc/net/udp` (Linux); `None` where that cannot be read. Loss the collector caused is
    /// the test bed's, not the device's: a scenario must tell the two apart.
    pub fn kernel_drops(&self) -> Option<u64> {
        let local = self.socket.local_addr().ok()?;
        let table = if local.is_ipv4() {
            "/proc/net/udp"
        } else {
            "/proc/net/udp6"
        };
        kernel_drops_in(&std::fs::read_to_string(table).ok()?, local.port())
    }

    /// Receives until `done` says enough or `deadline` passes, whichever is first; returns
    /// whether `done` was met. Incomplete messages are expired as time passes.
    pub async fn receive_until(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(&Collection) -> bool,
    ) -> std::io::Result<bool> {
        // Wake at least this often to expire stalled messages while nothing arrives.
        let tick = Duration::from_millis(100);
        loop {
            if done(&self.collection) {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            let wait = (deadline - now).min(tick);
            match tokio::time::timeout(wait, self.socket.recv_from(&mut self.buffer)).await {
                Ok(Ok((len, peer))) => {
                    let (arrived, wall) = (Instant::now(), SystemTime::now());
                    self.collection
                        .take(&self.buffer[..len], peer, arrived, wall);
                }
                Ok(Err(error)) => return Err(error),
                Err(_elapsed) => self.collection.expire(Instant::now(), SystemTime::now()),
            }
        }
    }

    /// [`Collection::drain_messages`] of the collection being fed.
    pub fn drain_messages(&mut self) -> Vec<Received> {
        self.collection.drain_messages()
    }

    /// Ends the collection and hands it over.
    pub fn finish(mut self) -> Collection {
        self.collection.finish(SystemTime::now());
        self.collection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drops_column_is_read_for_the_socket_of_the_port() {
        let table = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
            \x20 10: 0100007F:9C40 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 0\n\
            \x20 11: 0100007F:2710 00000000:0000 07 00000000:00030000 00:00000000 00000000     0        0 3 2 0000000000000000 17\n";
        assert_eq!(kernel_drops_in(table, 10_000), Some(17));
        assert_eq!(kernel_drops_in(table, 40_000), Some(0));
        assert_eq!(kernel_drops_in(table, 1), None);
    }
}
