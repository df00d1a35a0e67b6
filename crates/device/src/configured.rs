//! Configured subscriptions (RFC 8639 §2.5, feature `configured`), published over UDP-notif
//! (draft-ietf-netconf-udp-notif) to receivers provisioned on the device.
//!
//! A configured subscription is an entry of `/subscriptions/subscription` in running whose
//! `transport` is this device's `rfc3535-telemetry:udp-notif`. The entry names its receivers;
//! each name the device was started with ([`ProvisionedReceiver`]) stands for an address and
//! a maximum segment size. The drafts that let a client configure those itself
//! (ietf-subscribed-notif-receivers, ietf-udp-notif-transport) are not in any package this
//! project can install, so the reference device takes them from its own start-up, as a box
//! configured by its CLI would.
//!
//! One watcher looks at running every [`WATCH_INTERVAL`]: an entry that appears starts
//! publishing with `subscription-started`, one that changes goes on with
//! `subscription-modified`, one that goes ends with `subscription-terminated`. The updates
//! themselves come from the same task a dynamic subscription has ([`crate::push`]), through a
//! queue that this module's sender reads. Each message is put in the notification envelope
//! (ietf-yp-notification: event time, the configured host name, a sequence number per
//! subscription), in the encoding the entry asks for, and sent to every receiver under the
//! device's publisher id, with a message id per receiver and segments no longer than the
//! receiver's maximum.
//!
//! What the device reports of them in operational ([`States`]): each subscription's
//! `configured-subscription-state`, and per receiver its `state` (`connecting` until its
//! `subscription-started` went out, then `active`; `disconnected` for a receiver the device
//! has not provisioned) and `sent-event-records`, the updates sent to it (RFC 8639 §2.5.1).
//! A receiver gets updates only while active; `subscription-started` goes only to receivers
//! still connecting, so the `reset` action ([`reset`]) starts one receiver again without
//! repeating it to the others.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rfc3535_wire::envelope::{Contents, Envelope};
use rfc3535_wire::ns::SUBSCRIBED_NOTIFICATIONS as SN_NS;
use rfc3535_wire::tree::Element;
use rfc3535_wire::udp_notif::{encode_message, Header, MediaType};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::push::{self, ConfiguredRun, SESSION_QUEUE};
use crate::Shared;

/// The namespace of the device's own telemetry module (`rfc3535-telemetry`).
pub const NAMESPACE: &str = "urn:rfc3535:params:xml:ns:yang:rfc3535-telemetry";
/// The transport identity of that module a configured subscription names.
pub const TRANSPORT: &str = "udp-notif";
/// The publisher id of the device's one publishing process (draft-ietf-netconf-distributed-
/// notif: a device that does not distribute its publishing has one).
pub const PUBLISHER_ID: u32 = 1;
/// How often running is looked at for configured subscriptions that came, changed or went.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);

/// A receiver a configured subscription can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedReceiver {
    /// The name a subscription's `receivers/receiver/name` gives.
    pub name: String,
    pub address: SocketAddr,
    /// The largest datagram it takes; longer messages are segmented (draft §3.3.1). `None`:
    /// only what UDP itself cannot carry is segmented.
    pub max_segment_size: Option<usize>,
}

/// Starts watching running for configured subscriptions.
pub(crate) fn start(shared: Arc<Shared>, receivers: Vec<ProvisionedReceiver>) -> JoinHandle<()> {
    tokio::spawn(watch(shared, receivers))
}

/// A receiver with its socket and its next message id.
struct Destination {
    receiver: ProvisionedReceiver,
    socket: UdpSocket,
    next_message_id: AtomicU32,
}

/// Every provisioned receiver the device could open a socket for, by name.
struct Destinations(BTreeMap<String, Destination>);

impl Destinations {
    /// One socket per receiver, bound on loopback for a loopback receiver and on any address
    /// of its family otherwise. A receiver whose socket cannot be opened is left out: a
    /// subscription naming it publishes to the others.
    async fn open(receivers: Vec<ProvisionedReceiver>) -> Destinations {
        let mut destinations = BTreeMap::new();
        for receiver in receivers {
            let local = match receiver.address.ip() {
                IpAddr::V4(ip) if ip.is_loopback() => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                IpAddr::V6(ip) if ip.is_loopback() => IpAddr::V6(Ipv6Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            };
            let Ok(socket) = UdpSocket::bind(SocketAddr::new(local, 0)).await else {
                continue;
            };
            destinations.insert(
                receiver.name.clone(),
                Destination {
                    receiver,
                    socket,
                    // draft -26: the first message id should be random.
                    next_message_id: AtomicU32::new(rand::random()),
                },
            );
        }
        Destinations(destinations)
    }

    /// Sends one message to the receiver named `name`: false when the device has no such
    /// receiver or cannot encode the message for it.
    async fn send(
        &self,
        shared: &Shared,
        name: &str,
        media_type: MediaType,
        payload: &[u8],
    ) -> bool {
        let Some(destination) = self.0.get(name) else {
            return false;
        };
        let faults = shared.faults;
        let mut message_id = destination.next_message_id.fetch_add(1, Ordering::Relaxed);
        if faults.udp_notif_message_id_jumps && message_id % 5 == 4 {
            // The fault: one id is used by no message.
            message_id = destination.next_message_id.fetch_add(1, Ordering::Relaxed);
        }
        let header = Header::new(media_type, PUBLISHER_ID, message_id);
        let max_segment_size = destination
            .receiver
            .max_segment_size
            .filter(|_| !faults.udp_notif_unsegmented);
        let Ok(mut datagrams) = encode_message(&header, payload, max_segment_size) else {
            return false;
        };
        if faults.udp_notif_wrong_header_length && message_id % 3 == 0 {
            // The fault: the header length octet counts four octets of options there are not.
            if let Some(length) = datagrams.first_mut().and_then(|d| d.get_mut(1)) {
                *length = length.wrapping_add(4);
            }
        }
        for datagram in datagrams {
            let _ = destination
                .socket
                .send_to(&datagram, destination.receiver.address)
                .await;
        }
        true
    }
}

/// A receiver's state in a configured subscription (RFC 8639's `receiver/state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReceiverStatus {
    Active,
    Connecting,
    Disconnected,
}

impl ReceiverStatus {
    fn name(self) -> &'static str {
        match self {
            ReceiverStatus::Active => "active",
            ReceiverStatus::Connecting => "connecting",
            ReceiverStatus::Disconnected => "disconnected",
        }
    }
}

#[derive(Debug, Clone)]
struct ReceiverState {
    status: ReceiverStatus,
    sent_event_records: u64,
}

#[derive(Debug, Clone)]
struct SubscriptionState {
    /// `valid`, or `invalid` when the device does not accept the entry's terms.
    valid: bool,
    receivers: BTreeMap<String, ReceiverState>,
}

/// The operational state of the configured subscriptions being watched, by id.
#[derive(Debug, Default)]
pub(crate) struct States(Mutex<BTreeMap<u32, SubscriptionState>>);

impl States {
    /// Subscription `id` (re)starts with `receivers`: counters from zero, each receiver
    /// connecting, or disconnected for good when the subscription is invalid.
    fn begin(&self, id: u32, receivers: &[String], valid: bool) {
        let status = if valid {
            ReceiverStatus::Connecting
        } else {
            ReceiverStatus::Disconnected
        };
        let receivers = receivers
            .iter()
            .map(|name| {
                let state = ReceiverState {
                    status,
                    sent_event_records: 0,
                };
                (name.clone(), state)
            })
            .collect();
        if let Ok(mut states) = self.0.lock() {
            states.insert(id, SubscriptionState { valid, receivers });
        }
    }

    fn status(&self, id: u32, receiver: &str) -> Option<ReceiverStatus> {
        let states = self.0.lock().ok()?;
        Some(states.get(&id)?.receivers.get(receiver)?.status)
    }

    /// Receiver `receiver` of subscription `id` goes back to connecting: false when the
    /// subscription is not published or does not name it.
    fn reconnect(&self, id: u32, receiver: &str) -> bool {
        let Ok(mut states) = self.0.lock() else {
            return false;
        };
        match states
            .get_mut(&id)
            .filter(|s| s.valid)
            .and_then(|s| s.receivers.get_mut(receiver))
        {
            Some(state) => {
                state.status = ReceiverStatus::Connecting;
                true
            }
            None => false,
        }
    }

    fn end(&self, id: u32) {
        if let Ok(mut states) = self.0.lock() {
            states.remove(&id);
        }
    }

    /// A message of subscription `id` went to `receiver` (`delivered`: the device could
    /// send it there at all).
    fn sent(&self, id: u32, receiver: &str, kind: MessageKind, delivered: bool) {
        let Ok(mut states) = self.0.lock() else {
            return;
        };
        let Some(state) = states
            .get_mut(&id)
            .and_then(|s| s.receivers.get_mut(receiver))
        else {
            return;
        };
        match (kind, delivered) {
            (_, false) => state.status = ReceiverStatus::Disconnected,
            // A publication modified starts again with subscription-modified: its receivers
            // are active from it as from subscription-started.
            (MessageKind::Started | MessageKind::Modified, true) => {
                state.status = ReceiverStatus::Active;
            }
            (MessageKind::EventRecord, true) => state.sent_event_records += 1,
            (MessageKind::Other, true) => {}
        }
    }

    /// `/subscriptions` with the state of the subscriptions in `ids` (those in running), or
    /// nothing when none is watched, with the device's faults.
    pub(crate) fn xml(&self, ids: &[u32], faults: &crate::profile::Faults) -> String {
        let Ok(states) = self.0.lock() else {
            return String::new();
        };
        let mut xml = String::new();
        for (id, state) in states.iter().filter(|(id, _)| ids.contains(id)) {
            xml.push_str(&format!(
                "<subscription><id>{id}</id><configured-subscription-state>{}</configured-subscription-state><receivers>",
                if state.valid { "valid" } else { "invalid" }
            ));
            for (name, receiver) in &state.receivers {
                let status = if faults.configured_state_frozen {
                    ReceiverStatus::Connecting
                } else {
                    receiver.status
                };
                let sent = if faults.configured_records_uncounted {
                    0
                } else {
                    receiver.sent_event_records
                };
                xml.push_str(&format!(
                    "<receiver><name>{}</name><sent-event-records>{sent}</sent-event-records><excluded-event-records>0</excluded-event-records><state>{}</state></receiver>",
                    rfc3535_wire::xml::escape(name),
                    status.name()
                ));
            }
            xml.push_str("</receivers></subscription>");
        }
        if xml.is_empty() {
            return xml;
        }
        format!("<subscriptions xmlns=\"{SN_NS}\">{xml}</subscriptions>")
    }
}

/// What a message of a configured subscription is, for its receivers' state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MessageKind {
    /// `subscription-started`: the receiver is active from now.
    Started,
    /// `subscription-modified`.
    Modified,
    /// An update (`push-update`, `push-change-update`): an event record.
    EventRecord,
    Other,
}

impl MessageKind {
    fn of(notification: &Element) -> MessageKind {
        let event = notification
            .children
            .iter()
            .find(|child| child.name.local != "eventTime");
        match event.map(|e| e.name.local.as_str()) {
            Some("subscription-started") => MessageKind::Started,
            Some("subscription-modified") => MessageKind::Modified,
            Some("push-update" | "push-change-update") => MessageKind::EventRecord,
            _ => MessageKind::Other,
        }
    }
}

/// A configured subscription being published.
struct Active {
    /// Its entry in running, as text: a different text is a modification.
    entry: String,
    run: Option<ConfiguredRun>,
}

/// Looks at running until the device stops, and starts, modifies and ends publications.
async fn watch(shared: Arc<Shared>, receivers: Vec<ProvisionedReceiver>) {
    let destinations = Arc::new(Destinations::open(receivers).await);
    let mut active: BTreeMap<u32, Active> = BTreeMap::new();
    let mut ticks = tokio::time::interval(WATCH_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let wanted = configured_entries(&shared);
        active.retain(|id, publication| {
            let keep = wanted.contains_key(id);
            if !keep {
                // RFC 8639 §2.5: a configured subscription removed from the configuration
                // ends with subscription-terminated.
                if let Some(run) = &publication.run {
                    run.end(Some("no-such-subscription"));
                }
                shared.push.forget_configured(*id);
                shared.configured.end(*id);
            }
            keep
        });
        for (id, entry) in wanted {
            let text = entry.to_xml();
            let first = match active.get(&id) {
                Some(publication) if publication.entry == text => continue,
                Some(publication) => {
                    if let Some(run) = &publication.run {
                        run.end(None);
                    }
                    "subscription-modified"
                }
                None => "subscription-started",
            };
            let receivers = receiver_names(&entry);
            // Its state first: the publication's sender reads it from the first message.
            shared.configured.begin(id, &receivers, true);
            let run = begin(&shared, &destinations, id, &entry, &text, first, &receivers);
            if run.is_none() {
                shared.push.forget_configured(id);
                shared.configured.begin(id, &receivers, false);
            }
            active.insert(id, Active { entry: text, run });
        }
    }
}

/// The configured subscriptions in running that use this device's UDP-notif, by id.
fn configured_entries(shared: &Shared) -> BTreeMap<u32, Element> {
    let Ok(stores) = shared.stores.lock() else {
        return BTreeMap::new();
    };
    entries_in(&stores.running)
}

/// The ids of the configured subscriptions in a configuration that use this device's
/// UDP-notif.
pub(crate) fn configured_ids(configuration: &[Element]) -> Vec<u32> {
    entries_in(configuration).into_keys().collect()
}

fn entries_in(configuration: &[Element]) -> BTreeMap<u32, Element> {
    configuration
        .iter()
        .filter(|root| root.name.local == "subscriptions" && root.name.namespace == SN_NS)
        .flat_map(|root| root.children_named("subscription"))
        .filter(|entry| {
            // The identity's prefix was checked against the schema when the entry was written;
            // its local name tells it apart from any other transport.
            entry
                .child("transport")
                .is_some_and(|t| t.text.trim().rsplit(':').next() == Some(TRANSPORT))
        })
        .filter_map(|entry| {
            let id = entry.child("id")?.text.trim().parse().ok()?;
            Some((id, entry.clone()))
        })
        .collect()
}

/// What a publication needs to put its messages on the wire.
struct Publication {
    id: u32,
    media_type: MediaType,
    receivers: Vec<String>,
}

/// The receivers a configured subscription's entry names.
fn receiver_names(entry: &Element) -> Vec<String> {
    entry
        .child("receivers")
        .map(|r| {
            r.children_named("receiver")
                .filter_map(|receiver| receiver.child("name"))
                .map(|name| name.text.trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Starts publishing configured subscription `id`, whose first message is `first`
/// (`subscription-started` or `subscription-modified`). An entry whose terms the device does
/// not accept publishes nothing (RFC 8639's `invalid`): `None`.
fn begin(
    shared: &Arc<Shared>,
    destinations: &Arc<Destinations>,
    id: u32,
    entry: &Element,
    text: &str,
    first: &str,
    receivers: &[String],
) -> Option<ConfiguredRun> {
    let terms = shared.push.configured_terms(entry, text).ok()?;
    let media_type = match entry
        .child("encoding")
        .map(|e| e.text.trim().rsplit(':').next().unwrap_or_default())
    {
        Some("encode-json") => MediaType::Json,
        _ => MediaType::Xml,
    };
    let (outbox, queue) = mpsc::channel(SESSION_QUEUE);
    let run = {
        // The library cannot change between the content-id this names and the
        // subscription's registration for subscription-modified.
        let _library = shared
            .library_change
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Queued before the publishing task starts, so that nothing of the subscription
        // comes before it.
        let content_id = shared.content_id();
        let _ = outbox.try_send(state_change_with_library(shared, first, id, &content_id));
        push::start_configured(shared, id, terms, outbox).ok()?
    };
    tokio::spawn(send(
        Arc::clone(shared),
        Arc::clone(destinations),
        queue,
        Publication {
            id,
            media_type,
            receivers: receivers.to_vec(),
        },
    ));
    Some(run)
}

/// The `reset` action of receiver `receiver` of configured subscription `id` (RFC 8639
/// §2.5.5): it goes back to connecting and gets `subscription-started` again; the time it
/// did. `None`: no such subscription is published, or it names no such receiver.
pub(crate) fn reset(shared: &Shared, id: u32, receiver: &str) -> Option<std::time::SystemTime> {
    if shared.faults.configured_reset_ignored {
        // The fault: acknowledged, and nothing starts again.
        return Some(std::time::SystemTime::now());
    }
    let _library = shared
        .library_change
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !shared.configured.reconnect(id, receiver) {
        return None;
    }
    let at = std::time::SystemTime::now();
    let started =
        state_change_with_library(shared, "subscription-started", id, &shared.content_id());
    shared.push.tell_configured_one(id, started);
    Some(at)
}

/// `subscription-started` or `subscription-modified`, with `content_id`, the content-id of
/// the YANG library the notifications are described by.
pub(crate) fn state_change_with_library(
    shared: &Shared,
    name: &str,
    id: u32,
    content_id: &str,
) -> String {
    let content_id = if shared.faults.udp_notif_wrong_content_id {
        // The fault: the content-id of a library the device no longer has.
        format!("{content_id}-before-upgrade")
    } else {
        content_id.to_owned()
    };
    let library = format!(
        "<yang-library-content-id xmlns=\"{NAMESPACE}\">{}</yang-library-content-id>",
        rfc3535_wire::xml::escape(&content_id)
    );
    push::state_change_carrying(name, id, &library)
}

/// Sends what the publishing task queues until it ends.
async fn send(
    shared: Arc<Shared>,
    destinations: Arc<Destinations>,
    mut queue: mpsc::Receiver<String>,
    publication: Publication,
) {
    let mut sequence_number: u32 = 0;
    while let Some(notification) = queue.recv().await {
        let Ok(parsed) = Element::parse(&notification) else {
            sequence_number = sequence_number.wrapping_add(1);
            continue;
        };
        let kind = MessageKind::of(&parsed);
        let payload = enveloped(
            &shared,
            &notification,
            parsed,
            &publication,
            sequence_number,
        );
        // A message the device could not encode is lost, and the next sequence number says so.
        sequence_number = sequence_number.wrapping_add(1);
        let Some(payload) = payload else { continue };
        for receiver in &publication.receivers {
            let status = shared.configured.status(publication.id, receiver);
            let wanted = match kind {
                // Only a receiver still connecting is started (again, after a reset).
                MessageKind::Started => status != Some(ReceiverStatus::Active),
                // RFC 8639 §2.5.1: no record before subscription-started has gone out.
                MessageKind::EventRecord => status == Some(ReceiverStatus::Active),
                MessageKind::Modified | MessageKind::Other => true,
            };
            if !wanted {
                continue;
            }
            let delivered = destinations
                .send(
                    &shared,
                    receiver,
                    publication.media_type,
                    payload.as_bytes(),
                )
                .await;
            shared
                .configured
                .sent(publication.id, receiver, kind, delivered);
        }
    }
}

/// A `<notification>` as the envelope a UDP-notif message carries, in the publication's
/// encoding; `None` when it cannot be encoded.
fn enveloped(
    shared: &Shared,
    notification: &str,
    parsed: Element,
    publication: &Publication,
    sequence_number: u32,
) -> Option<String> {
    let event_time = parsed.child("eventTime")?.text.trim().to_owned();
    let contents = match publication.media_type {
        MediaType::Json => {
            let json = shared
                .with_schema(|schema| schema.notification_json(notification))
                .ok()?
                .ok()?;
            let value: serde_json::Value = serde_json::from_str(&json).ok()?;
            let mut members = value
                .get("ietf-restconf:notification")?
                .as_object()?
                .clone();
            members.remove("eventTime");
            Contents::Json(members)
        }
        _ => Contents::Xml(
            parsed
                .children
                .into_iter()
                .filter(|child| child.name.local != "eventTime")
                .collect(),
        ),
    };
    let mut envelope = Envelope::new(event_time, Some(contents));
    envelope.hostname = Some(hostname(shared));
    envelope.sequence_number = Some(sequence_number);
    envelope.deprecated_contents_name = shared.faults.udp_notif_deprecated_envelope;
    match publication.media_type {
        MediaType::Json => envelope.to_json(),
        _ => envelope.to_xml(),
    }
}

/// The host name configured in ietf-system, or the device's name without one.
fn hostname(shared: &Shared) -> String {
    shared
        .stores
        .lock()
        .ok()
        .and_then(|stores| {
            stores
                .running
                .iter()
                .find(|root| root.name.local == "system")
                .and_then(|system| system.child("hostname"))
                .map(|hostname| hostname.text.trim().to_owned())
        })
        .unwrap_or_else(|| shared.name.clone())
}
