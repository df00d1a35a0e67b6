//! The device as a YANG-Push publisher (RFC 8641) of dynamic subscriptions (RFC 8639) over
//! NETCONF (RFC 8640): `establish-subscription` to `running` or `operational`, periodic or
//! on-change, with a subtree or XPath selection; `modify-subscription`,
//! `delete-subscription` and `kill-subscription`.
//!
//! Each subscription is a task of its own that reads its selection (through the subscriber's
//! access rules, as a read would) and hands finished `<notification>` messages to the
//! session that made it, which sends them between its replies. The session's queue is
//! bounded. A subscriber that does not keep up (its transport stops taking what the session
//! writes) fills it: once [`SUSPEND_BACKLOG`] messages wait, a datastore subscription is
//! suspended with `subscription-suspended` (reason `unsupportable-volume`) instead of losing
//! updates in silence, and resumed with `subscription-resumed` once the queue has drained to
//! [`RESUME_BACKLOG`]; an on-change subscription then sends its whole selection, since the
//! changes made while it was suspended were never reported (RFC 8639's state change
//! notifications; requirements catalogue MB-03 A5, MB-20 A2). A session that ends takes its
//! subscriptions with it (RFC 8639 §2.4: a dynamic subscription lives no longer than its
//! transport session).
//!
//! What the device refuses, it refuses with the identity RFC 8639 / 8641 define, in the
//! `error-app-tag` (RFC 8640 §2.4), and with hints where the module has them
//! (`period-hint`).
//!
//! A subscription can also be to the device's one event stream, `NETCONF` (RFC 8639 §2.1,
//! the events of [`crate::events`]): each event the subscriber may read and its filter
//! (subtree or XPath) selects is sent as it happens, after a replay of the kept events from
//! a `replay-start-time` and its `replay-completed`; it ends silently at its `stop-time`
//! (`subscription-completed` is for configured subscriptions, which the device has none of).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rfc3535_wire::ns::{SUBSCRIBED_NOTIFICATIONS as SN_NS, YANG_PUSH as YP_NS};
use rfc3535_wire::push::{ChangeType, ErrorIdentity};
use rfc3535_wire::tree::{fragment_xml, Element};
use rfc3535_wire::xml::escape;
use rfc3535_wire::ErrorTag;
use rfc3535_yang::Content;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::events::{notification, Event};
use crate::nacm::Nacm;
use crate::rpc::RpcError;
use crate::Shared;

/// The shortest period the device publishes at unless configured otherwise, in centiseconds.
pub const DEFAULT_MINIMUM_PERIOD: u32 = 10;
/// The dampening period of an on-change subscription that asks for none, in centiseconds.
const DEFAULT_DAMPENING: u32 = 0;
/// How often an on-change subscription looks at its selection.
const CHANGE_POLL: Duration = Duration::from_millis(50);
/// How many messages a session's queue of notifications holds.
pub const SESSION_QUEUE: usize = 256;
/// How many messages waiting in the session's queue suspend a datastore subscription: the
/// subscriber has fallen a few seconds behind at the shortest period.
pub const SUSPEND_BACKLOG: usize = 32;
/// How few waiting messages resume a suspended subscription.
pub const RESUME_BACKLOG: usize = 4;

/// A session's queue of notifications to send.
pub type Outbox = mpsc::Sender<String>;

/// What a running subscription can be told.
#[derive(Debug)]
enum Control {
    Modify(Modification),
    /// Send the whole selection again, as a push-update (on-change subscriptions).
    Resync,
    /// End, telling the subscriber why (an identity of `subscription-terminated-reason`), or
    /// silently.
    End(Option<&'static str>),
}

/// The modifiable terms of a subscription (RFC 8641 §4.4.2).
#[derive(Debug, Default)]
struct Modification {
    selection: Option<Selection>,
    period: Option<u32>,
    dampening: Option<u32>,
    /// A stream subscription's new filter.
    filter: Option<EventFilter>,
    /// A stream subscription's new stop time.
    stop: Option<SystemTime>,
}

#[derive(Debug, Clone)]
enum Selection {
    Subtree(Vec<Element>),
    /// The expression, and the request it came in (its prefixes are bound there).
    XPath {
        expression: String,
        message: String,
    },
}

#[derive(Debug, Clone)]
enum Trigger {
    Periodic {
        period: u32,
        anchor: Option<SystemTime>,
    },
    OnChange {
        dampening: u32,
        sync_on_start: bool,
        excluded: Vec<ChangeType>,
    },
}

/// A subscription to a datastore as requested and accepted.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    operational: bool,
    selection: Option<Selection>,
    trigger: Trigger,
}

/// Which events of the stream a subscription selects (RFC 8639 §2.2).
#[derive(Debug, Clone)]
enum EventFilter {
    Subtree(Vec<Element>),
    /// The expression with module names for prefixes, as the schema evaluates it.
    XPath(String),
}

/// A subscription to the event stream as requested and accepted.
#[derive(Debug, Clone)]
struct StreamTerms {
    filter: Option<EventFilter>,
    replay_start: Option<SystemTime>,
    stop: Option<SystemTime>,
}

/// What an `establish-subscription` asks for, once accepted.
#[derive(Debug, Clone)]
enum Accepted {
    Datastore(Terms),
    Stream(StreamTerms),
}

/// What the reply to an accepted `establish-subscription` says.
#[derive(Debug, Clone, Copy)]
pub struct Established {
    pub id: u32,
    /// The start of the replay, when it is later than the subscriber asked for (RFC 8639's
    /// `replay-start-time-revision`): the oldest time the kept events reach.
    pub replay_revision: Option<SystemTime>,
}

struct Handle {
    session: u32,
    /// Whether it is a subscription to the event stream (not to a datastore).
    stream: bool,
    /// Whether it is an on-change subscription to a datastore.
    on_change: bool,
    control: mpsc::UnboundedSender<Control>,
    gate: Gate,
}

/// Whether a subscription may still send. The request that ends it (delete-subscription,
/// kill-subscription, its session's end) closes the gate before it is answered, and a
/// notification is only queued with the gate held open, so nothing of the subscription can
/// follow the answer however the task that publishes it is scheduled (RFC 8639 §2.4.4).
#[derive(Debug, Clone, Default)]
struct Gate(Arc<Mutex<bool>>);

impl Gate {
    fn close(&self) {
        if let Ok(mut closed) = self.0.lock() {
            *closed = true;
        }
    }

    /// Queues `message` unless the gate is closed (then it is dropped: the subscription is
    /// ending); an error when the queue is full or the session went.
    fn try_send(&self, outbox: &Outbox, message: String) -> Result<(), TrySendError<String>> {
        match self.0.lock() {
            Ok(closed) if !*closed => outbox.try_send(message),
            _ => Ok(()),
        }
    }

    /// Waits for room in the queue, then queues `message` unless the gate closed meanwhile;
    /// an error when the session went.
    async fn send(&self, outbox: &Outbox, message: String) -> Result<(), ()> {
        let permit = outbox.reserve().await.map_err(|_| ())?;
        if let Ok(closed) = self.0.lock() {
            if !*closed {
                permit.send(message);
            }
        }
        Ok(())
    }
}

/// Every live subscription of the device.
pub struct Publisher {
    next_id: AtomicU32,
    live: Mutex<BTreeMap<u32, Handle>>,
    /// The queues of the configured subscriptions being published, by id: what the device
    /// tells every one of them (a schema change) goes there.
    configured: Mutex<BTreeMap<u32, Outbox>>,
    /// The shortest period it publishes at, in centiseconds.
    minimum_period: u32,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher").finish_non_exhaustive()
    }
}

/// A refusal carrying an RFC 8639 / 8641 identity.
fn refusal(tag: ErrorTag, identity: &str, message: impl Into<String>) -> RpcError {
    let mut error = RpcError::application(tag, message);
    error.app_tag = ErrorIdentity::from_app_tag(identity).map(|i| i.app_tag().into_boxed_str());
    error
}

fn centiseconds(element: &Element, name: &str) -> Result<Option<u32>, RpcError> {
    match element.child(name) {
        None => Ok(None),
        Some(value) => value.text.trim().parse().map(Some).map_err(|_| {
            RpcError::application(
                ErrorTag::InvalidValue,
                format!("{name} {:?} is not a number of centiseconds", value.text),
            )
        }),
    }
}

fn selection_of(operation: &Element, message: &str) -> Option<Selection> {
    if let Some(filter) = operation.child("datastore-subtree-filter") {
        return Some(Selection::Subtree(filter.children.clone()));
    }
    operation
        .child("datastore-xpath-filter")
        .map(|filter| Selection::XPath {
            expression: filter.text.trim().to_owned(),
            message: message.to_owned(),
        })
}

/// The stream filter a request gives: a subtree, or an XPath expression whose prefixes the
/// request binds (RFC 8639 §2.2). A named filter is `filter-unavailable` (the device keeps
/// no list of filters); an expression the schema cannot read is `filter-unsupported`.
fn event_filter_of(
    shared: &Shared,
    operation: &Element,
    message: &str,
) -> Result<Option<EventFilter>, RpcError> {
    if let Some(name) = operation.child("stream-filter-name") {
        return Err(refusal(
            ErrorTag::InvalidValue,
            "ietf-subscribed-notifications:filter-unavailable",
            format!(
                "no stream filter is named {:?}: this device keeps no list of filters",
                name.text.trim()
            ),
        ));
    }
    if let Some(filter) = operation.child("stream-subtree-filter") {
        return Ok(Some(EventFilter::Subtree(filter.children.clone())));
    }
    let Some(filter) = operation.child("stream-xpath-filter") else {
        return Ok(None);
    };
    let unsupported = |why: String| {
        refusal(
            ErrorTag::InvalidValue,
            "ietf-subscribed-notifications:filter-unsupported",
            format!("the stream XPath filter {:?}: {why}", filter.text.trim()),
        )
    };
    let bindings = rfc3535_wire::tree::prefix_bindings_at(message, "stream-xpath-filter")
        .map_err(|e| unsupported(e.to_string()))?
        .into_iter()
        .next()
        .unwrap_or_default();
    let expression = shared
        .with_schema(|schema| schema.module_prefixed(filter.text.trim(), &bindings))?
        .map_err(|finding| unsupported(finding.to_string()))?;
    Ok(Some(EventFilter::XPath(expression)))
}

fn date_and_time(element: &Element, name: &str) -> Result<Option<SystemTime>, RpcError> {
    element
        .child(name)
        .map(|time| {
            humantime::parse_rfc3339_weak(time.text.trim()).map_err(|e| {
                RpcError::application(
                    ErrorTag::InvalidValue,
                    format!("{name} {:?} is not a date-and-time: {e}", time.text),
                )
            })
        })
        .transpose()
}

/// Reads a subscription to the event stream into its terms, or its refusal.
fn stream_terms_of(
    shared: &Shared,
    operation: &Element,
    message: &str,
) -> Result<StreamTerms, RpcError> {
    let name = operation.child("stream").map_or("", |s| s.text.trim());
    if name != "NETCONF" {
        return Err(refusal(
            ErrorTag::InvalidValue,
            "ietf-subscribed-notifications:stream-unavailable",
            format!("no event stream {name:?}: this device has NETCONF"),
        ));
    }
    let filter = event_filter_of(shared, operation, message)?;
    let replay_start = date_and_time(operation, "replay-start-time")?;
    let stop = date_and_time(operation, "stop-time")?;
    let now = SystemTime::now();
    if replay_start.is_some_and(|start| start >= now) {
        return Err(refusal(
            ErrorTag::InvalidValue,
            "ietf-subscribed-notifications:replay-unsupported",
            "replay-start-time is not in the past: there is nothing to replay from it",
        ));
    }
    if stop.is_some_and(|stop| stop <= replay_start.unwrap_or(now)) {
        return Err(RpcError::application(
            ErrorTag::InvalidValue,
            "stop-time must come after replay-start-time, or be in the future without one",
        ));
    }
    Ok(StreamTerms {
        filter,
        replay_start,
        stop,
    })
}

fn period_unsupported(period: u32, minimum: u32) -> RpcError {
    let mut error = refusal(
        ErrorTag::InvalidValue,
        "ietf-yang-push:period-unsupported",
        format!("a period of {period} cs is shorter than this device publishes at ({minimum} cs)"),
    );
    error.info = Some(format!(
        "<establish-subscription-datastore-error-info xmlns=\"{YP_NS}\"><reason xmlns:yp=\"{YP_NS}\">yp:period-unsupported</reason><period-hint>{minimum}</period-hint></establish-subscription-datastore-error-info>"
    ));
    error
}

/// Reads an `establish-subscription` into the terms the device accepts, or its refusal.
fn accepted(
    shared: &Shared,
    operation: &Element,
    message: &str,
    minimum_period: u32,
) -> Result<Accepted, RpcError> {
    if let Some(encoding) = operation.child("encoding") {
        let identity = encoding.text.trim().rsplit(':').next().unwrap_or_default();
        if identity != "encode-xml" {
            return Err(refusal(
                ErrorTag::InvalidValue,
                "ietf-subscribed-notifications:encoding-unsupported",
                format!("this device encodes notifications in XML only, not {identity}"),
            ));
        }
    }
    if operation.child("stream").is_some() {
        return stream_terms_of(shared, operation, message).map(Accepted::Stream);
    }
    terms_of(operation, message, minimum_period).map(Accepted::Datastore)
}

/// Reads an `establish-subscription` to a datastore into its terms, or its refusal.
fn terms_of(operation: &Element, message: &str, minimum_period: u32) -> Result<Terms, RpcError> {
    let Some(datastore) = operation.child("datastore") else {
        return Err(RpcError::application(
            ErrorTag::MissingElement,
            "establish-subscription names neither a stream nor a datastore",
        ));
    };
    let operational = match datastore.text.trim().rsplit(':').next().unwrap_or_default() {
        "operational" => true,
        "running" => false,
        other => {
            return Err(refusal(
                ErrorTag::InvalidValue,
                "ietf-yang-push:datastore-not-subscribable",
                format!(
                    "datastore {other} cannot be subscribed to here (running and operational can)"
                ),
            ))
        }
    };
    let trigger = if let Some(periodic) = operation.child("periodic") {
        let period = centiseconds(periodic, "period")?.unwrap_or(0);
        if period < minimum_period.max(1) {
            return Err(period_unsupported(period, minimum_period.max(1)));
        }
        let anchor = match periodic.child("anchor-time") {
            None => None,
            Some(anchor) => Some(humantime::parse_rfc3339_weak(anchor.text.trim()).map_err(
                |e| {
                    RpcError::application(
                        ErrorTag::InvalidValue,
                        format!("anchor-time {:?}: {e}", anchor.text),
                    )
                },
            )?),
        };
        Trigger::Periodic { period, anchor }
    } else if let Some(on_change) = operation.child("on-change") {
        Trigger::OnChange {
            dampening: centiseconds(on_change, "dampening-period")?.unwrap_or(DEFAULT_DAMPENING),
            sync_on_start: on_change
                .child("sync-on-start")
                .is_none_or(|s| s.text.trim() != "false"),
            excluded: on_change
                .children_named("excluded-change")
                .filter_map(|c| ChangeType::parse(c.text.trim()))
                .collect(),
        }
    } else {
        return Err(RpcError::application(
            ErrorTag::MissingElement,
            "a datastore subscription needs periodic or on-change",
        ));
    };
    Ok(Terms {
        operational,
        selection: selection_of(operation, message),
        trigger,
    })
}

impl Publisher {
    pub fn new(minimum_period: u32) -> Publisher {
        Publisher {
            next_id: AtomicU32::new(0),
            live: Mutex::new(BTreeMap::new()),
            configured: Mutex::new(BTreeMap::new()),
            minimum_period,
        }
    }

    /// Queues the notification `message(id)` for every configured subscription being
    /// published. A full queue loses it, as it would lose an update.
    pub(crate) fn tell_configured(&self, message: impl Fn(u32) -> String) {
        let Ok(configured) = self.configured.lock() else {
            return;
        };
        for (id, outbox) in configured.iter() {
            let _ = outbox.try_send(message(*id));
        }
    }

    /// Queues `message` for configured subscription `id`: false when it is not published.
    pub(crate) fn tell_configured_one(&self, id: u32, message: String) -> bool {
        self.configured
            .lock()
            .ok()
            .and_then(|configured| configured.get(&id).map(|o| o.try_send(message).is_ok()))
            .unwrap_or(false)
    }

    /// Configured subscription `id` is no longer published.
    pub(crate) fn forget_configured(&self, id: u32) {
        if let Ok(mut configured) = self.configured.lock() {
            configured.remove(&id);
        }
    }

    /// Whether the device would accept an `establish-subscription`, before any session
    /// starts it.
    pub(crate) fn check(
        &self,
        shared: &Shared,
        operation: &Element,
        message: &str,
    ) -> Result<(), RpcError> {
        accepted(shared, operation, message, self.minimum_period).map(|_| ())
    }
}

/// The subscription's selection as the subscriber may read it now, as XML.
fn read_selection(
    shared: &Shared,
    user: &str,
    operational: bool,
    selection: Option<&Selection>,
) -> Result<String, RpcError> {
    let stores = shared.stores.lock().map_err(|_| {
        RpcError::application(ErrorTag::OperationFailed, "the datastores are unusable")
    })?;
    let data = if operational {
        let wanted = match selection {
            Some(Selection::Subtree(filter)) => crate::state::Wanted::Filtered(filter),
            _ => crate::state::Wanted::All,
        };
        crate::state::operational_wanted(shared, &stores, false, wanted)
    } else {
        stores.running.clone()
    };
    let nacm = Nacm::for_user(&stores.running, user);
    drop(stores);
    let data = nacm.filter_read(shared, data);
    let selected = match selection {
        None => data,
        Some(Selection::Subtree(filter)) => crate::filter::apply(&data, filter),
        Some(Selection::XPath {
            expression,
            message,
        }) => {
            crate::rpc::xpath_select(shared, &data, expression, message, "datastore-xpath-filter")
                .map_err(|mut e| {
                e.app_tag =
                    ErrorIdentity::from_app_tag("ietf-subscribed-notifications:filter-unsupported")
                        .map(|i| i.app_tag().into_boxed_str());
                e
            })?
        }
    };
    Ok(fragment_xml(&selected))
}

fn push_update(id: u32, contents: &str) -> String {
    notification(
        SystemTime::now(),
        &format!(
            "<push-update xmlns=\"{YP_NS}\"><id>{id}</id><datastore-contents>{contents}</datastore-contents></push-update>"
        ),
    )
}

pub(crate) fn state_change(name: &str, id: u32, reason: Option<&str>) -> String {
    let reason = reason
        .map(|r| format!("<reason xmlns:sn=\"{SN_NS}\">sn:{r}</reason>"))
        .unwrap_or_default();
    state_change_carrying(name, id, &reason)
}

/// A state change notification with `nodes` (XML, their namespaces declared) after its id.
pub(crate) fn state_change_carrying(name: &str, id: u32, nodes: &str) -> String {
    notification(
        SystemTime::now(),
        &format!("<{name} xmlns=\"{SN_NS}\"><id>{id}</id>{nodes}</{name}>"),
    )
}

impl Publisher {
    /// Accepts or refuses an `establish-subscription` of `session`; an accepted one starts
    /// publishing into `outbox` at once.
    pub(crate) fn establish(
        &self,
        shared: &Arc<Shared>,
        session: u32,
        operation: &Element,
        message: &str,
        outbox: Outbox,
    ) -> Result<Established, RpcError> {
        let user = shared.user_of(session).unwrap_or_default();
        let terms = match accepted(shared, operation, message, self.minimum_period)? {
            Accepted::Datastore(terms) => terms,
            Accepted::Stream(terms) => {
                let earliest = shared.events.aged().unwrap_or(shared.events.created);
                let replay_revision = terms
                    .replay_start
                    .filter(|start| *start < earliest)
                    .map(|_| earliest);
                let (id, commands, gate) = self.register(session, true, false);
                // The feed is taken before the answer goes out: an event the subscriber
                // causes as soon as it reads the answer is the subscription's, however late
                // the relay task first runs.
                let feed = shared.events.subscribe(terms.replay_start);
                tokio::spawn(relay(
                    Arc::clone(shared),
                    id,
                    user,
                    feed,
                    terms,
                    (outbox, gate),
                    commands,
                ));
                return Ok(Established {
                    id,
                    replay_revision,
                });
            }
        };
        // A selection the device cannot evaluate is refused now, not found out later.
        let initial = read_selection(shared, &user, terms.operational, terms.selection.as_ref())?;
        let on_change = matches!(terms.trigger, Trigger::OnChange { .. });
        let (id, commands, gate) = self.register(session, false, on_change);
        tokio::spawn(publish(
            Arc::clone(shared),
            Subscriber { id, user, initial },
            terms,
            (outbox, gate),
            commands,
        ));
        Ok(Established {
            id,
            replay_revision: None,
        })
    }

    /// A new subscription of `session`: its id, and the receiving end of its controls.
    fn register(
        &self,
        session: u32,
        stream: bool,
        on_change: bool,
    ) -> (u32, mpsc::UnboundedReceiver<Control>, Gate) {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (control, commands) = mpsc::unbounded_channel();
        let gate = Gate::default();
        if let Ok(mut live) = self.live.lock() {
            live.insert(
                id,
                Handle {
                    session,
                    stream,
                    on_change,
                    control,
                    gate: gate.clone(),
                },
            );
        }
        (id, commands, gate)
    }

    /// `modify-subscription` of a subscription the session made.
    pub(crate) fn modify(
        &self,
        shared: &Shared,
        session: u32,
        operation: &Element,
        message: &str,
    ) -> Result<(), RpcError> {
        let id = subscription_id(operation)?;
        let stream = self
            .live
            .lock()
            .ok()
            .and_then(|live| live.get(&id).map(|handle| handle.stream));
        // The module's `target` choice is mandatory in the request (RFC 8639's
        // subscription-policy-modifiable).
        let targeted = [
            "datastore",
            "stream-filter-name",
            "stream-subtree-filter",
            "stream-xpath-filter",
        ]
        .iter()
        .any(|name| operation.child(name).is_some());
        if !targeted {
            return Err(RpcError::application(ErrorTag::MissingElement,
                "modify-subscription names no target (its datastore, or its stream's filter): the target choice is mandatory",
            ));
        }
        if stream == Some(operation.child("datastore").is_some()) {
            return Err(RpcError::application(
                ErrorTag::InvalidValue,
                "modify-subscription names a target of another kind than the subscription's (a datastore for a stream subscription, or a stream filter for a datastore one)",
            ));
        }
        let mut modification = Modification {
            selection: selection_of(operation, message),
            ..Modification::default()
        };
        if stream == Some(true) {
            modification.filter = event_filter_of(shared, operation, message)?;
            modification.stop = date_and_time(operation, "stop-time")?;
        }
        if let Some(periodic) = operation.child("periodic") {
            let period = centiseconds(periodic, "period")?;
            let minimum = self.minimum_period.max(1);
            if let Some(period) = period.filter(|p| *p < minimum) {
                return Err(period_unsupported(period, minimum));
            }
            modification.period = period;
        }
        if let Some(on_change) = operation.child("on-change") {
            modification.dampening = centiseconds(on_change, "dampening-period")?;
        }
        self.tell(
            id,
            |handle| handle.session == session,
            Control::Modify(modification),
        )
    }

    /// `resync-subscription` (RFC 8641 §4.4.4) of one of the session's on-change
    /// subscriptions: its whole selection is sent again.
    pub(crate) fn resync(&self, session: u32, operation: &Element) -> Result<(), RpcError> {
        let id = subscription_id(operation)?;
        self.tell(
            id,
            |handle| handle.session == session && handle.on_change,
            Control::Resync,
        )
        .map_err(|_| {
            refusal(
                ErrorTag::InvalidValue,
                "ietf-yang-push:no-such-subscription-resync",
                format!("no on-change subscription {id} of this session"),
            )
        })
    }

    /// `delete-subscription`: the session's own subscription ends; the reply says so.
    pub(crate) fn delete(&self, session: u32, operation: &Element) -> Result<(), RpcError> {
        let id = subscription_id(operation)?;
        self.tell(id, |handle| handle.session == session, Control::End(None))?;
        self.forget(id);
        Ok(())
    }

    /// `kill-subscription`: anyone's subscription ends, and its subscriber is told (unless
    /// not `told`, the fault that ends it silently).
    pub(crate) fn kill(&self, operation: &Element, told: bool) -> Result<(), RpcError> {
        let id = subscription_id(operation)?;
        let reason = told.then_some("no-such-subscription");
        self.tell(id, |_| true, Control::End(reason))?;
        self.forget(id);
        Ok(())
    }

    /// The session ended: its subscriptions end with it (unless `keep`, the fault that
    /// forgets to).
    pub(crate) fn end_session(&self, session: u32, keep: bool) {
        if keep {
            return;
        }
        if let Ok(mut live) = self.live.lock() {
            live.retain(|_, handle| {
                if handle.session == session {
                    handle.gate.close();
                    let _ = handle.control.send(Control::End(None));
                    false
                } else {
                    true
                }
            });
        }
    }

    fn forget(&self, id: u32) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&id);
        }
    }

    fn tell(
        &self,
        id: u32,
        allowed: impl Fn(&Handle) -> bool,
        control: Control,
    ) -> Result<(), RpcError> {
        let live = self.live.lock().map_err(|_| no_such(id))?;
        match live.get(&id).filter(|handle| allowed(handle)) {
            // A subscription whose task has ended (its session went, under the
            // push-outlives-session fault) is still there to be told.
            Some(handle) => {
                if matches!(control, Control::End(_)) {
                    handle.gate.close();
                }
                let _ = handle.control.send(control);
                Ok(())
            }
            None => Err(no_such(id)),
        }
    }
}

fn no_such(id: u32) -> RpcError {
    refusal(
        ErrorTag::InvalidValue,
        "ietf-subscribed-notifications:no-such-subscription",
        format!("no subscription {id} of this session"),
    )
}

fn subscription_id(operation: &Element) -> Result<u32, RpcError> {
    let id = operation
        .child("id")
        .ok_or_else(|| RpcError::application(ErrorTag::MissingElement, "no subscription id"))?;
    id.text.trim().parse().map_err(|_| no_such(0))
}

/// A period or dampening period as the subscription gives it (RFC 8641: centiseconds).
fn duration_of(centiseconds: u32) -> Duration {
    Duration::from_millis(u64::from(centiseconds) * 10)
}

/// The first instant of a periodic subscription: now, or the next one the anchor time's
/// grid of periods reaches.
fn first_update(period: Duration, anchor: Option<SystemTime>) -> Instant {
    let now = SystemTime::now();
    let Some(anchor) = anchor else {
        return Instant::now();
    };
    let period_nanos = period.as_nanos().max(1);
    let wait = match anchor.duration_since(now) {
        Ok(ahead) => ahead.as_nanos() % period_nanos,
        Err(behind) => {
            let behind = behind.duration().as_nanos() % period_nanos;
            (period_nanos - behind) % period_nanos
        }
    };
    Instant::now() + Duration::from_nanos(u64::try_from(wait).unwrap_or(u64::MAX))
}

/// The periodic update after one due at `due`: a period on, or, when the publisher ran
/// later than that, the first instant of the same grid still ahead. A publisher that fell
/// behind sends one late update and is back on its grid, as RFC 8641 §3.1's anchor-time asks,
/// rather than a burst of updates a moment apart to catch up.
fn next_on_grid(due: Instant, period: Duration, now: Instant) -> Instant {
    let next = due + period;
    if next > now {
        return next;
    }
    let period_nanos = period.as_nanos().max(1);
    let missed = (now - next).as_nanos() / period_nanos + 1;
    let ahead = missed.saturating_mul(period_nanos);
    next + Duration::from_nanos(u64::try_from(ahead).unwrap_or(u64::MAX))
}

/// Whether a datastore subscription publishes, given how far its subscriber has fallen behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// Publish as usual.
    Publish,
    /// Suspended, or too far behind to publish: nothing this time.
    Hold,
    /// Resumed this time: `subscription-resumed` has been queued.
    Resumed,
}

/// A datastore subscription's suspension (RFC 8639 §2.7: `subscription-suspended` and
/// `subscription-resumed`), driven by how many messages wait in its session's queue.
#[derive(Debug, Default)]
struct Suspension {
    suspended: bool,
}

impl Suspension {
    /// Decides this round. Under the fault `push_loss_unannounced` a subscriber that has
    /// fallen behind loses its updates in silence, as a publisher that drops what it cannot
    /// queue would.
    fn round(&mut self, id: u32, outbox: &Outbox, loss_unannounced: bool) -> Flow {
        let waiting = outbox.max_capacity() - outbox.capacity();
        if self.suspended {
            if waiting > RESUME_BACKLOG
                || outbox
                    .try_send(state_change("subscription-resumed", id, None))
                    .is_err()
            {
                return Flow::Hold;
            }
            self.suspended = false;
            return Flow::Resumed;
        }
        if waiting < SUSPEND_BACKLOG {
            return Flow::Publish;
        }
        if !loss_unannounced
            && outbox
                .try_send(state_change(
                    "subscription-suspended",
                    id,
                    Some("unsupportable-volume"),
                ))
                .is_ok()
        {
            self.suspended = true;
        }
        Flow::Hold
    }
}

/// A configured subscription's publishing task, as [`crate::configured`] holds it: the same
/// task a dynamic subscription has, publishing into a queue the UDP-notif sender reads.
pub(crate) struct ConfiguredRun {
    control: mpsc::UnboundedSender<Control>,
}

impl ConfiguredRun {
    /// Ends the publication, with `subscription-terminated` and this reason (an identity of
    /// `subscription-terminated-reason`) as its last message, or silently.
    pub(crate) fn end(&self, reason: Option<&'static str>) {
        let _ = self.control.send(Control::End(reason));
    }
}

impl Publisher {
    /// The terms of a configured subscription (RFC 8639 §2.5): the list entry has the
    /// datastore, selection and trigger nodes an `establish-subscription` has, and the same
    /// limits apply. `xml` is the entry as text, which binds an XPath filter's prefixes.
    pub(crate) fn configured_terms(&self, entry: &Element, xml: &str) -> Result<Terms, RpcError> {
        terms_of(entry, xml, self.minimum_period)
    }
}

/// Starts publishing configured subscription `id` into `outbox`. Its data is read as a
/// session of no user would read it (NACM's defaults): a configured subscription belongs to
/// no session.
pub(crate) fn start_configured(
    shared: &Arc<Shared>,
    id: u32,
    terms: Terms,
    outbox: Outbox,
) -> Result<ConfiguredRun, RpcError> {
    let user = String::new();
    let initial = read_selection(shared, &user, terms.operational, terms.selection.as_ref())?;
    if let Ok(mut configured) = shared.push.configured.lock() {
        configured.insert(id, outbox.clone());
    }
    let (control, commands) = mpsc::unbounded_channel();
    tokio::spawn(publish(
        Arc::clone(shared),
        Subscriber { id, user, initial },
        terms,
        (outbox, Gate::default()),
        commands,
    ));
    Ok(ConfiguredRun { control })
}

/// Who a subscription publishes for, and its selection as it was when it was accepted.
struct Subscriber {
    id: u32,
    user: String,
    initial: String,
}

/// Publishes one subscription until it is told to end or its session goes.
async fn publish(
    shared: Arc<Shared>,
    subscriber: Subscriber,
    mut terms: Terms,
    (outbox, gate): (Outbox, Gate),
    mut commands: mpsc::UnboundedReceiver<Control>,
) {
    let faults = shared.faults;
    let Subscriber { id, user, initial } = subscriber;
    let mut sent_updates: u64 = 0;
    // What changes are measured from. Without sync-on-start, the selection as it was when
    // the subscription was accepted: a change made between the reply and the task's first
    // look is a change, not the starting point.
    let mut last: Option<String> = match &terms.trigger {
        Trigger::OnChange {
            sync_on_start: false,
            ..
        } => Some(initial.clone()),
        _ => None,
    };
    let mut last_change = Instant::now();
    let mut next = match &terms.trigger {
        Trigger::Periodic { period, anchor } => first_update(duration_of(*period), *anchor),
        Trigger::OnChange { .. } => Instant::now(),
    };
    let mut patches: u64 = 0;
    let mut suspension = Suspension::default();
    loop {
        let command = tokio::select! {
            command = commands.recv() => command,
            () = tokio::time::sleep_until(next) => {
                let flow = suspension.round(id, &outbox, faults.push_loss_unannounced);
                if flow == Flow::Hold {
                    next = match &terms.trigger {
                        Trigger::Periodic { period, .. } => next_on_grid(next, duration_of(*period), Instant::now()),
                        Trigger::OnChange { .. } => Instant::now() + CHANGE_POLL,
                    };
                    continue;
                }
                // Read and queued under the library-change guard: an update never shows a
                // YANG library that the subscription-modified announcing it follows.
                let _library = shared.library_change.read().unwrap_or_else(std::sync::PoisonError::into_inner);
                // The fault push-selection-ignored: a periodic update of the whole datastore.
                let selection = terms.selection.as_ref().filter(|_| {
                    !(faults.push_selection_ignored && matches!(terms.trigger, Trigger::Periodic { .. }))
                });
                let contents = read_selection(&shared, &user, terms.operational, selection);
                let Ok(mut contents) = contents else { return };
                if faults.push_update_stale && matches!(terms.trigger, Trigger::Periodic { .. }) {
                    // The fault: the selection as it was when the subscription began.
                    contents.clone_from(&initial);
                }
                if faults.push_payload_outside_schema {
                    contents.push_str("<vendor-counter xmlns=\"urn:example:rfc3535-vendor\">7</vendor-counter>");
                }
                match &terms.trigger {
                    Trigger::Periodic { period, .. } => {
                        // The faults: a period half again as long, or every other update lost.
                        let scheduled = if faults.push_period_drift { period * 3 / 2 } else { *period };
                        next = next_on_grid(next, duration_of(scheduled), Instant::now());
                        sent_updates += 1;
                        if !(faults.push_updates_dropped && sent_updates.is_multiple_of(2))
                            && gate.try_send(&outbox, push_update(id, &contents)).is_err()
                            && outbox.is_closed()
                        {
                            return;
                        }
                    }
                    Trigger::OnChange { dampening, sync_on_start, excluded } => {
                        next = Instant::now() + CHANGE_POLL;
                        if flow == Flow::Resumed {
                            // What changed while suspended was never reported: the whole
                            // selection, as a resynchronisation would send it.
                            if gate.try_send(&outbox, push_update(id, &contents)).is_err() && outbox.is_closed() {
                                return;
                            }
                            last = Some(contents);
                            continue;
                        }
                        let Some(before) = &last else {
                            if *sync_on_start && gate.try_send(&outbox, push_update(id, &contents)).is_err() && outbox.is_closed() {
                                return;
                            }
                            last = Some(contents);
                            continue;
                        };
                        if *before == contents {
                            continue;
                        }
                        let dampened = duration_of(*dampening);
                        if !faults.push_on_change_undampened && patches > 0 && last_change.elapsed() < dampened {
                            continue;
                        }
                        // The fault: what the subscription excluded is sent all the same.
                        let excluded: &[ChangeType] = if faults.push_exclusions_ignored { &[] } else { excluded };
                        let edits = change_edits(&shared, before, &contents, excluded);
                        last = Some(contents);
                        if edits.is_empty() || faults.push_on_change_silent {
                            continue;
                        }
                        patches += 1;
                        last_change = Instant::now();
                        let message = notification(
                            SystemTime::now(),
                            &format!(
                                "<push-change-update xmlns=\"{YP_NS}\"><id>{id}</id><datastore-changes><yang-patch><patch-id>{id}-{patches}</patch-id>{edits}</yang-patch></datastore-changes></push-change-update>"
                            ),
                        );
                        if gate.try_send(&outbox, message).is_err() && outbox.is_closed() {
                            return;
                        }
                    }
                }
                continue;
            }
        };
        match command {
            None => return,
            Some(Control::End(reason)) => {
                if let Some(reason) = reason {
                    let _ =
                        outbox.try_send(state_change("subscription-terminated", id, Some(reason)));
                }
                return;
            }
            Some(Control::Resync) => {
                let Ok(contents) =
                    read_selection(&shared, &user, terms.operational, terms.selection.as_ref())
                else {
                    return;
                };
                if gate.try_send(&outbox, push_update(id, &contents)).is_err() && outbox.is_closed()
                {
                    return;
                }
                // Changes are reported from what the resynchronisation sent.
                last = Some(contents);
            }
            Some(Control::Modify(modification)) => {
                if let Some(selection) = modification.selection {
                    terms.selection = Some(selection);
                }
                // A modification returns a suspended subscription to active (the module's
                // modify-subscription); subscription-modified says so.
                suspension.suspended = false;
                match &mut terms.trigger {
                    Trigger::Periodic { period, anchor } => {
                        if let Some(new) = modification.period {
                            *period = new;
                            // An anchored subscription moves to the new period's grid.
                            if anchor.is_some() {
                                next = first_update(duration_of(new), *anchor);
                            }
                        }
                    }
                    Trigger::OnChange { dampening, .. } => {
                        if let Some(new) = modification.dampening {
                            *dampening = new;
                        }
                    }
                }
                let _ = gate.try_send(&outbox, state_change("subscription-modified", id, None));
            }
        }
    }
}

/// The notification for an event of the stream, if the subscriber may receive it (its access
/// rules) and the subscription's filter selects it (unless under the stream-filter-ignored
/// fault).
fn relayed(
    shared: &Shared,
    user: &str,
    filter: Option<&EventFilter>,
    event: &Event,
) -> Option<String> {
    if !crate::session::may_receive(shared, user, event) {
        return None;
    }
    match filter.filter(|_| !shared.faults.stream_filter_ignored) {
        None => Some(event.to_xml()),
        Some(EventFilter::Subtree(filter)) => event.filtered(Some(filter)),
        Some(EventFilter::XPath(expression)) => {
            let message = event.to_xml();
            matches!(
                shared.with_schema(|s| s.notification_selected(&message, expression)),
                Ok(Ok(true))
            )
            .then_some(message)
        }
    }
}

/// The instant a time of day falls on, for timers (now, for a time already past).
fn instant_of(time: SystemTime) -> Instant {
    Instant::now() + time.duration_since(SystemTime::now()).unwrap_or_default()
}

/// Relays the event stream to one subscription (`past` and `feed` taken when it was
/// accepted): its replay first (ended by
/// `replay-completed`), then every event as it happens, until it is told to end, its stop
/// time comes, or its session goes. Events wait for room in the session's queue rather than
/// being dropped: an event stream, unlike a periodic update, has no next one to make up for it.
async fn relay(
    shared: Arc<Shared>,
    id: u32,
    user: String,
    (past, mut feed): (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>),
    mut terms: StreamTerms,
    (outbox, gate): (Outbox, Gate),
    mut commands: mpsc::UnboundedReceiver<Control>,
) {
    // The fault replay-ignored: a start time is accepted and nothing replayed.
    if terms.replay_start.is_some() && !shared.faults.replay_ignored {
        for event in past {
            if terms.stop.is_some_and(|stop| event.time > stop) {
                break;
            }
            if let Some(message) = relayed(&shared, &user, terms.filter.as_ref(), &event) {
                if gate.send(&outbox, message).await.is_err() {
                    return;
                }
            }
        }
        if gate
            .send(&outbox, state_change("replay-completed", id, None))
            .await
            .is_err()
        {
            return;
        }
    }
    loop {
        let stop = terms.stop.map(instant_of);
        let stopped = async {
            match stop {
                Some(stop) => tokio::time::sleep_until(stop).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            command = commands.recv() => match command {
                None => return,
                Some(Control::End(reason)) => {
                    if let Some(reason) = reason {
                        let _ = outbox.try_send(state_change("subscription-terminated", id, Some(reason)));
                    }
                    return;
                }
                // Only on-change subscriptions are resynchronised.
                Some(Control::Resync) => {}
                Some(Control::Modify(modification)) => {
                    if let Some(filter) = modification.filter {
                        terms.filter = Some(filter);
                    }
                    if let Some(stop) = modification.stop {
                        terms.stop = Some(stop);
                    }
                    let _ = gate.try_send(&outbox, state_change("subscription-modified", id, None));
                }
            },
            event = feed.recv() => match event {
                Ok(event) => {
                    if terms.stop.is_some_and(|stop| event.time > stop) {
                        continue;
                    }
                    if let Some(message) = relayed(&shared, &user, terms.filter.as_ref(), &event) {
                        if gate.send(&outbox, message).await.is_err() {
                            return;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            () = stopped => {
                shared.push.forget(id);
                return;
            }
        }
    }
}

/// The YANG Patch edits (RFC 8641 §3.7) that turn one reading of the selection into the
/// next, without the kinds of change the subscription excludes.
fn change_edits(shared: &Shared, before: &str, after: &str, excluded: &[ChangeType]) -> String {
    let changes = match shared.schema() {
        Ok(schema) => schema.changes(before, after, Content::Data),
        Err(_) => return String::new(),
    };
    let Ok(changes) = changes else {
        return String::new();
    };
    let mut edits = String::new();
    for (index, change) in changes.iter().enumerate() {
        if ChangeType::parse(change.operation).is_some_and(|c| excluded.contains(&c)) {
            continue;
        }
        edits.push_str(&format!(
            "<edit><edit-id>edit{}</edit-id><operation>{}</operation><target>{}</target>",
            index + 1,
            change.operation,
            escape(&change.target)
        ));
        if let Some(value) = &change.value {
            edits.push_str(&format!("<value>{value}</value>"));
        }
        edits.push_str("</edit>");
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(queue: &mut mpsc::Receiver<String>) -> Vec<String> {
        let mut kinds = Vec::new();
        while let Ok(message) = queue.try_recv() {
            for name in [
                "subscription-suspended",
                "subscription-resumed",
                "push-update",
            ] {
                if message.contains(&format!("<{name} ")) {
                    kinds.push(name.to_owned());
                }
            }
        }
        kinds
    }

    #[tokio::test]
    async fn nothing_of_a_subscription_is_queued_once_the_request_that_ends_it_closed_its_gate() {
        let (outbox, mut queue) = mpsc::channel(SESSION_QUEUE);
        let gate = Gate::default();
        gate.try_send(&outbox, push_update(7, "")).expect("room");
        gate.send(&outbox, push_update(7, "")).await.expect("room");
        gate.close();
        gate.try_send(&outbox, push_update(7, ""))
            .expect("dropped, not refused");
        gate.send(&outbox, push_update(7, ""))
            .await
            .expect("dropped, not refused");
        assert_eq!(kinds(&mut queue), ["push-update", "push-update"]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_event_caused_as_soon_as_a_stream_subscription_is_answered_is_relayed_to_it() {
        let work = tempfile::tempdir().expect("scratch directory");
        let shared =
            Arc::new(Shared::new(&crate::DeviceConfig::lab("relay"), work.path()).expect("device"));
        let request = format!(
            "<establish-subscription xmlns=\"{SN_NS}\"><stream>NETCONF</stream></establish-subscription>"
        );
        let operation = Element::parse(&request).expect("xml");
        let (outbox, mut queue) = mpsc::channel(SESSION_QUEUE);
        let established = shared
            .push
            .establish(&shared, 1, &operation, &request, outbox)
            .expect("accepted");
        // The subscriber acts on the answer before the device's relay task has first run,
        // as a loaded device's scheduler allows.
        shared.events.publish(format!(
            "<netconf-config-change xmlns=\"{}\"/>",
            rfc3535_wire::ns::NETCONF_NOTIFICATIONS
        ));
        let relayed = tokio::time::timeout(Duration::from_secs(5), queue.recv())
            .await
            .expect("relayed within 5 s")
            .expect("the subscription is live");
        assert!(relayed.contains("<netconf-config-change "), "{relayed}");
        shared.push.forget(established.id);
    }

    #[test]
    fn a_periodic_publisher_that_ran_late_goes_back_to_its_grid_instead_of_bursting() {
        let start = Instant::now();
        let period = Duration::from_millis(200);
        // On time: a period on.
        assert_eq!(next_on_grid(start, period, start), start + period);
        // Late by less than a period: the next one keeps the grid.
        assert_eq!(
            next_on_grid(start, period, start + Duration::from_millis(150)),
            start + period
        );
        // Late by two and a half periods: the next point of the grid still ahead.
        assert_eq!(
            next_on_grid(start, period, start + Duration::from_millis(500)),
            start + Duration::from_millis(600)
        );
        // Exactly on a point of the grid: that point is due now, so the next one.
        assert_eq!(
            next_on_grid(start, period, start + Duration::from_millis(400)),
            start + Duration::from_millis(600)
        );
    }

    #[test]
    fn ending_a_subscription_closes_its_gate_before_the_answer() {
        let publisher = Publisher::new(10);
        let (id, _commands, gate) = publisher.register(3, false, false);
        let operation = Element::parse(&format!(
            "<delete-subscription xmlns=\"{SN_NS}\"><id>{id}</id></delete-subscription>"
        ))
        .expect("xml");
        publisher.delete(3, &operation).expect("its own");
        let (outbox, mut queue) = mpsc::channel(SESSION_QUEUE);
        gate.try_send(&outbox, push_update(id, ""))
            .expect("dropped");
        assert!(kinds(&mut queue).is_empty());
    }

    #[test]
    fn a_subscriber_that_falls_behind_is_suspended_then_resumed_once_it_catches_up() {
        let (outbox, mut queue) = mpsc::channel(SESSION_QUEUE);
        let mut suspension = Suspension::default();
        for _ in 0..SUSPEND_BACKLOG - 1 {
            assert_eq!(suspension.round(7, &outbox, false), Flow::Publish);
            outbox.try_send(push_update(7, "")).expect("room");
        }
        assert_eq!(suspension.round(7, &outbox, false), Flow::Publish);
        outbox.try_send(push_update(7, "")).expect("room");
        // 32 waiting: suspended, and told so once.
        assert_eq!(suspension.round(7, &outbox, false), Flow::Hold);
        assert_eq!(suspension.round(7, &outbox, false), Flow::Hold);
        let sent = kinds(&mut queue);
        assert_eq!(sent.len(), SUSPEND_BACKLOG + 1);
        assert_eq!(
            sent.last().map(String::as_str),
            Some("subscription-suspended")
        );
        // Drained: resumed, and told so.
        assert_eq!(suspension.round(7, &outbox, false), Flow::Resumed);
        assert_eq!(suspension.round(7, &outbox, false), Flow::Publish);
        assert_eq!(kinds(&mut queue), ["subscription-resumed"]);
    }

    #[test]
    fn under_the_fault_a_subscriber_that_falls_behind_loses_updates_unannounced() {
        let (outbox, mut queue) = mpsc::channel(SESSION_QUEUE);
        let mut suspension = Suspension::default();
        for _ in 0..SUSPEND_BACKLOG {
            outbox.try_send(push_update(7, "")).expect("room");
        }
        assert_eq!(suspension.round(7, &outbox, true), Flow::Hold);
        let sent = kinds(&mut queue);
        assert!(sent.iter().all(|k| k == "push-update"), "{sent:?}");
        assert_eq!(suspension.round(7, &outbox, true), Flow::Publish);
    }
}
