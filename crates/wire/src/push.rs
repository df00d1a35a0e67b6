//! Dynamic subscriptions (RFC 8639) to event streams and to datastores (YANG-Push, RFC
//! 8641), as NETCONF carries them (RFC 8640): the requests a subscriber sends, the identity
//! of a refusal, and what a publisher sends back on the session. No I/O.
//!
//! - Requests: [`EstablishSubscription`], [`ModifySubscription`] and the two ways a
//!   subscription is ended ([`delete_subscription`], [`kill_subscription`]), each written as
//!   the operation element `<rpc>` carries.
//! - Replies: [`established_id`] reads the subscription id out of an `establish-subscription`
//!   reply; [`ErrorIdentity`] reads an `<rpc-error>`'s `error-app-tag` into the RFC 8639 /
//!   8641 identity it names, with the base it derives from.
//! - Notifications: [`PushMessage::parse`] reads a `<notification>` into one of the
//!   subscription state changes (RFC 8639 §2.7), a `push-update` (its anydata datastore
//!   contents kept as raw XML, prefixes carried in) or a `push-change-update` (its YANG Patch
//!   read by [`crate::restconf::YangPatch`]); anything else is an event of a stream.
//!
//! Periods and dampening periods are centiseconds, as the modules define them.

use std::fmt::Write as _;

use crate::ns;
use crate::restconf::YangPatch;
use crate::rpc::NmdaDatastore;
use crate::xml::{escape, QualifiedName, Step, Walker, XmlError};

/// Why a subscription message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("invalid {element}: {reason}")]
    Invalid {
        element: &'static str,
        reason: String,
    },
}

fn invalid(element: &'static str, reason: impl Into<String>) -> PushError {
    PushError::Invalid {
        element,
        reason: reason.into(),
    }
}

/// Which nodes of a datastore (or which events of a stream) a subscription selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// A subtree filter (RFC 6241 §6), as XML.
    Subtree(String),
    /// An XPath 1.0 expression, its prefixes bound by the namespaces given.
    XPath {
        select: String,
        namespaces: Vec<(String, String)>,
    },
}

impl Selection {
    /// Writes the filter under the element names of `kind` (`datastore` or `stream`).
    fn write(&self, out: &mut String, kind: &str, namespace: &str) {
        match self {
            Selection::Subtree(xml) => {
                let _ = write!(
                    out,
                    "<{kind}-subtree-filter xmlns=\"{namespace}\">{xml}</{kind}-subtree-filter>"
                );
            }
            Selection::XPath { select, namespaces } => {
                let _ = write!(out, "<{kind}-xpath-filter xmlns=\"{namespace}\"");
                for (prefix, uri) in namespaces {
                    let _ = write!(out, " xmlns:{prefix}=\"{}\"", escape(uri));
                }
                let _ = write!(out, ">{}</{kind}-xpath-filter>", escape(select));
            }
        }
    }
}

/// What a subscription is to: an event stream (RFC 8639) or a datastore (RFC 8641).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stream {
        name: String,
        filter: Option<Selection>,
        /// Replay from this RFC 3339 time (the `replay` feature).
        replay_start_time: Option<String>,
    },
    Datastore {
        datastore: NmdaDatastore,
        selection: Option<Selection>,
    },
}

/// A kind of change an on-change subscription can leave out (RFC 8641 `change-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Create,
    Delete,
    Insert,
    Move,
    Replace,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Create => "create",
            ChangeType::Delete => "delete",
            ChangeType::Insert => "insert",
            ChangeType::Move => "move",
            ChangeType::Replace => "replace",
        }
    }

    pub fn parse(text: &str) -> Option<ChangeType> {
        [
            ChangeType::Create,
            ChangeType::Delete,
            ChangeType::Insert,
            ChangeType::Move,
            ChangeType::Replace,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

/// When a datastore subscription sends updates (RFC 8641 §3.1, §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateTrigger {
    Periodic {
        /// Centiseconds between updates.
        period: u32,
        /// The RFC 3339 time the periods are counted from.
        anchor_time: Option<String>,
    },
    OnChange {
        /// Centiseconds that must pass between two updates; the device's default when absent.
        dampening_period: Option<u32>,
        /// Whether the whole selection is sent first (the module's default is true).
        sync_on_start: Option<bool>,
        excluded_changes: Vec<ChangeType>,
    },
}

/// The encoding of the notifications (RFC 8639 `encoding` identities).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationEncoding {
    Xml,
    Json,
}

impl NotificationEncoding {
    fn identity(self) -> &'static str {
        match self {
            NotificationEncoding::Xml => "encode-xml",
            NotificationEncoding::Json => "encode-json",
        }
    }
}

/// `establish-subscription` (RFC 8639 §2.4.2, RFC 8641 §4.4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstablishSubscription {
    pub target: Target,
    /// Needed for a datastore target; none for a stream.
    pub trigger: Option<UpdateTrigger>,
    pub encoding: Option<NotificationEncoding>,
    pub stop_time: Option<String>,
}

impl EstablishSubscription {
    /// A subscription to a datastore's selected nodes.
    pub fn datastore(
        datastore: NmdaDatastore,
        selection: Option<Selection>,
        trigger: UpdateTrigger,
    ) -> Self {
        EstablishSubscription {
            target: Target::Datastore {
                datastore,
                selection,
            },
            trigger: Some(trigger),
            encoding: None,
            stop_time: None,
        }
    }

    /// A subscription to an event stream's events (RFC 8639 §2.1), those `filter` selects,
    /// replayed from `replay_start_time` (an RFC 3339 time) when one is given.
    pub fn stream(
        name: impl Into<String>,
        filter: Option<Selection>,
        replay_start_time: Option<String>,
    ) -> Self {
        EstablishSubscription {
            target: Target::Stream {
                name: name.into(),
                filter,
                replay_start_time,
            },
            trigger: None,
            encoding: None,
            stop_time: None,
        }
    }

    /// The operation element.
    pub fn to_xml(&self) -> String {
        let sn = ns::SUBSCRIBED_NOTIFICATIONS;
        let yp = ns::YANG_PUSH;
        let mut out = format!("<establish-subscription xmlns=\"{sn}\">");
        match &self.target {
            Target::Stream {
                name,
                filter,
                replay_start_time,
            } => {
                if let Some(filter) = filter {
                    filter.write(&mut out, "stream", sn);
                }
                let _ = write!(out, "<stream>{}</stream>", escape(name));
                if let Some(start) = replay_start_time {
                    let _ = write!(
                        out,
                        "<replay-start-time>{}</replay-start-time>",
                        escape(start)
                    );
                }
            }
            Target::Datastore {
                datastore,
                selection,
            } => write_datastore(&mut out, datastore, selection.as_ref()),
        }
        if let Some(stop) = &self.stop_time {
            let _ = write!(out, "<stop-time>{}</stop-time>", escape(stop));
        }
        if let Some(encoding) = self.encoding {
            let _ = write!(out, "<encoding>{}</encoding>", encoding.identity());
        }
        match &self.trigger {
            None => {}
            Some(UpdateTrigger::Periodic {
                period,
                anchor_time,
            }) => {
                let _ = write!(out, "<periodic xmlns=\"{yp}\"><period>{period}</period>");
                if let Some(anchor) = anchor_time {
                    let _ = write!(out, "<anchor-time>{}</anchor-time>", escape(anchor));
                }
                out.push_str("</periodic>");
            }
            Some(UpdateTrigger::OnChange {
                dampening_period,
                sync_on_start,
                excluded_changes,
            }) => {
                let _ = write!(out, "<on-change xmlns=\"{yp}\">");
                if let Some(dampening) = dampening_period {
                    let _ = write!(out, "<dampening-period>{dampening}</dampening-period>");
                }
                if let Some(sync) = sync_on_start {
                    let _ = write!(out, "<sync-on-start>{sync}</sync-on-start>");
                }
                for change in excluded_changes {
                    let _ = write!(
                        out,
                        "<excluded-change>{}</excluded-change>",
                        change.as_str()
                    );
                }
                out.push_str("</on-change>");
            }
        }
        out.push_str("</establish-subscription>");
        out
    }
}

/// `modify-subscription` (RFC 8639 §2.4.3, RFC 8641 §4.4.2): what it changes of a dynamic
/// subscription the session made. The target is mandatory in the request (the module's
/// `target` choice is): the subscription's datastore, with a new selection or none, or its
/// stream's new filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifySubscription {
    pub id: u32,
    pub target: Target,
    /// A new period (periodic subscriptions).
    pub period: Option<u32>,
    /// A new dampening period (on-change subscriptions).
    pub dampening_period: Option<u32>,
    pub stop_time: Option<String>,
}

impl ModifySubscription {
    pub fn to_xml(&self) -> String {
        let yp = ns::YANG_PUSH;
        let mut out = format!(
            "<modify-subscription xmlns=\"{}\"><id>{}</id>",
            ns::SUBSCRIBED_NOTIFICATIONS,
            self.id
        );
        match &self.target {
            Target::Datastore {
                datastore,
                selection,
            } => write_datastore(&mut out, datastore, selection.as_ref()),
            // A stream's subscription changes its filter only; the stream stays.
            Target::Stream { filter, .. } => {
                if let Some(filter) = filter {
                    filter.write(&mut out, "stream", ns::SUBSCRIBED_NOTIFICATIONS);
                }
            }
        }
        if let Some(stop) = &self.stop_time {
            let _ = write!(out, "<stop-time>{}</stop-time>", escape(stop));
        }
        if let Some(period) = self.period {
            let _ = write!(
                out,
                "<periodic xmlns=\"{yp}\"><period>{period}</period></periodic>"
            );
        }
        if let Some(dampening) = self.dampening_period {
            let _ = write!(
                out,
                "<on-change xmlns=\"{yp}\"><dampening-period>{dampening}</dampening-period></on-change>"
            );
        }
        out.push_str("</modify-subscription>");
        out
    }
}

/// A datastore target (RFC 8641's `datastore` and selection filter), as establish and modify
/// both carry it.
fn write_datastore(out: &mut String, datastore: &NmdaDatastore, selection: Option<&Selection>) {
    let yp = ns::YANG_PUSH;
    let _ = write!(
        out,
        "<datastore xmlns=\"{yp}\" xmlns:ds=\"{}\">ds:{}</datastore>",
        ns::DATASTORES,
        datastore.name()
    );
    if let Some(selection) = selection {
        selection.write(out, "datastore", yp);
    }
}

/// `delete-subscription` (RFC 8639 §2.4.4): a subscriber ends its own subscription.
pub fn delete_subscription(id: u32) -> String {
    format!(
        "<delete-subscription xmlns=\"{}\"><id>{id}</id></delete-subscription>",
        ns::SUBSCRIBED_NOTIFICATIONS
    )
}

/// `resync-subscription` (RFC 8641 §4.4.4): an on-change subscriber asks for the whole
/// selection again, as a push-update.
pub fn resync_subscription(id: u32) -> String {
    format!(
        "<resync-subscription xmlns=\"{}\"><id>{id}</id></resync-subscription>",
        ns::YANG_PUSH
    )
}

/// `kill-subscription` (RFC 8639 §2.4.5): an operator ends anyone's dynamic subscription.
pub fn kill_subscription(id: u32) -> String {
    format!(
        "<kill-subscription xmlns=\"{}\"><id>{id}</id></kill-subscription>",
        ns::SUBSCRIBED_NOTIFICATIONS
    )
}

/// The subscription id an `establish-subscription` reply carries (RFC 8639 §2.4.2: the
/// output's `id`), from the reply's body.
pub fn established_id(body: &str) -> Result<u32, PushError> {
    let wrapped = format!("<rfc3535-reply>{body}</rfc3535-reply>");
    let mut walker = Walker::new(&wrapped);
    let _ = walker.next()?;
    loop {
        match walker.next()? {
            Step::Open {
                name,
                empty,
                content,
                ..
            } => {
                if name.local == "id" && name.namespace == ns::SUBSCRIBED_NOTIFICATIONS && !empty {
                    let text = walker.text_content("id")?;
                    return parse_id(&text, "establish-subscription output");
                }
                if !empty {
                    walker.skip_content(&name.local, content)?;
                }
            }
            Step::Close { .. } | Step::Eof => {
                return Err(invalid(
                    "establish-subscription output",
                    "no id in the ietf-subscribed-notifications namespace",
                ))
            }
            Step::Text(_) => {}
        }
    }
}

fn parse_id(text: &str, element: &'static str) -> Result<u32, PushError> {
    text.trim().parse().map_err(|_| {
        invalid(
            element,
            format!("{:?} is not a subscription id", text.trim()),
        )
    })
}

/// The operation an error identity can refuse (the identity's base, RFC 8639 §2.4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedOperation {
    Establish,
    Modify,
    Delete,
    Resync,
}

/// An error identity of RFC 8639 or RFC 8641, as a NETCONF `error-app-tag` names it
/// (`module:identity`, RFC 8640 §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorIdentity {
    pub module: &'static str,
    pub name: &'static str,
    /// The operations whose refusals it may explain (the bases it derives from).
    pub refuses: &'static [RefusedOperation],
}

impl ErrorIdentity {
    /// The identities of the two modules, with their bases.
    pub const ALL: [ErrorIdentity; 20] = {
        use RefusedOperation::{Delete, Establish, Modify, Resync};
        const SN: &str = "ietf-subscribed-notifications";
        const YP: &str = "ietf-yang-push";
        [
            ErrorIdentity::of(SN, "dscp-unavailable", &[Establish]),
            ErrorIdentity::of(SN, "encoding-unsupported", &[Establish]),
            ErrorIdentity::of(SN, "filter-unavailable", &[]),
            ErrorIdentity::of(SN, "filter-unsupported", &[Establish, Modify]),
            ErrorIdentity::of(SN, "insufficient-resources", &[Establish, Modify]),
            ErrorIdentity::of(SN, "no-such-subscription", &[Modify, Delete]),
            ErrorIdentity::of(SN, "replay-unsupported", &[Establish]),
            ErrorIdentity::of(SN, "stream-unavailable", &[]),
            ErrorIdentity::of(SN, "suspension-timeout", &[]),
            ErrorIdentity::of(SN, "unsupportable-volume", &[]),
            ErrorIdentity::of(YP, "cant-exclude", &[Establish]),
            ErrorIdentity::of(YP, "datastore-not-subscribable", &[Establish]),
            ErrorIdentity::of(YP, "no-such-subscription-resync", &[Resync]),
            ErrorIdentity::of(YP, "on-change-unsupported", &[Establish]),
            ErrorIdentity::of(YP, "on-change-sync-unsupported", &[Establish]),
            ErrorIdentity::of(YP, "period-unsupported", &[Establish, Modify]),
            ErrorIdentity::of(YP, "update-too-big", &[Establish, Modify]),
            ErrorIdentity::of(YP, "sync-too-big", &[Establish, Modify, Resync]),
            ErrorIdentity::of(YP, "unchanging-selection", &[Establish, Modify]),
            ErrorIdentity::of(YP, "resync-subscription-error", &[Resync]),
        ]
    };

    const fn of(
        module: &'static str,
        name: &'static str,
        refuses: &'static [RefusedOperation],
    ) -> ErrorIdentity {
        ErrorIdentity {
            module,
            name,
            refuses,
        }
    }

    /// The identity an `error-app-tag` names: `module:name`, or a bare name.
    pub fn from_app_tag(tag: &str) -> Option<ErrorIdentity> {
        let tag = tag.trim();
        let (module, name) = match tag.split_once(':') {
            Some((module, name)) => (Some(module), name),
            None => (None, tag),
        };
        Self::ALL
            .into_iter()
            .find(|i| i.name == name && module.is_none_or(|m| m == i.module))
    }

    /// The identity as an `error-app-tag` writes it.
    pub fn app_tag(&self) -> String {
        format!("{}:{}", self.module, self.name)
    }
}

/// One subscription state change notification (RFC 8639 §2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Started,
    Modified,
    Terminated,
    Suspended,
    Resumed,
    Completed,
    ReplayCompleted,
}

impl StateChange {
    const ALL: [StateChange; 7] = [
        StateChange::Started,
        StateChange::Modified,
        StateChange::Terminated,
        StateChange::Suspended,
        StateChange::Resumed,
        StateChange::Completed,
        StateChange::ReplayCompleted,
    ];

    /// The notification's name in ietf-subscribed-notifications.
    pub fn name(self) -> &'static str {
        match self {
            StateChange::Started => "subscription-started",
            StateChange::Modified => "subscription-modified",
            StateChange::Terminated => "subscription-terminated",
            StateChange::Suspended => "subscription-suspended",
            StateChange::Resumed => "subscription-resumed",
            StateChange::Completed => "subscription-completed",
            StateChange::ReplayCompleted => "replay-completed",
        }
    }
}

/// What a publisher sends on a subscribed session, read from one `<notification>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushMessage {
    /// A subscription state change, with the reason a termination or suspension gives (the
    /// identity's local name).
    State {
        change: StateChange,
        id: u32,
        reason: Option<String>,
    },
    /// `push-update` (RFC 8641 §3.7): the selection's contents, as raw XML.
    Update {
        id: u32,
        /// The content of `datastore-contents`, prefixes declared where they are used;
        /// `None` when the element is absent (nothing selected).
        contents: Option<String>,
        incomplete: bool,
    },
    /// `push-change-update` (RFC 8641 §3.7): what changed, as a YANG Patch.
    ChangeUpdate {
        id: u32,
        patch: Option<YangPatch>,
        incomplete: bool,
    },
    /// Any other notification: an event of a stream.
    Event(Option<QualifiedName>),
}

impl PushMessage {
    /// The subscription the message is about, if it names one.
    pub fn id(&self) -> Option<u32> {
        match self {
            PushMessage::State { id, .. }
            | PushMessage::Update { id, .. }
            | PushMessage::ChangeUpdate { id, .. } => Some(*id),
            PushMessage::Event(_) => None,
        }
    }

    /// The notification's kind, for evidence (`push-update`, `subscription-terminated`).
    pub fn kind(&self) -> String {
        match self {
            PushMessage::State { change, .. } => change.name().to_owned(),
            PushMessage::Update { .. } => "push-update".to_owned(),
            PushMessage::ChangeUpdate { .. } => "push-change-update".to_owned(),
            PushMessage::Event(Some(name)) => name.local.clone(),
            PushMessage::Event(None) => "an empty notification".to_owned(),
        }
    }

    /// Reads a whole `<notification>` message (RFC 5277 envelope, RFC 8640 §2.6).
    pub fn parse(notification: &str) -> Result<PushMessage, PushError> {
        let mut walker = Walker::new(notification);
        // The envelope, then eventTime, then the event.
        loop {
            match walker.next()? {
                Step::Open { name, .. } if name.local == "notification" => break,
                Step::Open { name, .. } => {
                    return Err(invalid(
                        "notification",
                        format!("the root is {name}, not a notification"),
                    ))
                }
                Step::Eof => return Err(XmlError::NoRoot.into()),
                _ => {}
            }
        }
        loop {
            match walker.next()? {
                Step::Open {
                    name,
                    empty,
                    content,
                    ..
                } => {
                    if name.local == "eventTime" && name.namespace == ns::NOTIFICATION {
                        if !empty {
                            walker.skip_content(&name.local, content)?;
                        }
                        continue;
                    }
                    return read_event(&mut walker, name, empty);
                }
                Step::Close { .. } | Step::Eof => return Ok(PushMessage::Event(None)),
                Step::Text(_) => {}
            }
        }
    }
}

/// The fields of an event element the subscription messages use.
#[derive(Default)]
struct EventFields {
    id: Option<String>,
    reason: Option<String>,
    contents: Option<String>,
    changes: Option<String>,
    incomplete: bool,
}

fn read_event(
    walker: &mut Walker<'_>,
    event: QualifiedName,
    empty: bool,
) -> Result<PushMessage, PushError> {
    let state = (event.namespace == ns::SUBSCRIBED_NOTIFICATIONS)
        .then(|| {
            StateChange::ALL
                .into_iter()
                .find(|s| s.name() == event.local)
        })
        .flatten();
    let push = event.namespace == ns::YANG_PUSH
        && matches!(event.local.as_str(), "push-update" | "push-change-update");
    if state.is_none() && !push {
        return Ok(PushMessage::Event(Some(event)));
    }
    let mut fields = EventFields::default();
    if !empty {
        loop {
            match walker.next()? {
                Step::Open {
                    name,
                    empty,
                    content,
                    ..
                } => match name.local.as_str() {
                    "id" if !empty => fields.id = Some(walker.text_content("id")?),
                    "reason" if !empty => fields.reason = Some(walker.text_content("reason")?),
                    "incomplete-update" => {
                        fields.incomplete = true;
                        if !empty {
                            walker.skip_content(&name.local, content)?;
                        }
                    }
                    "datastore-contents" => {
                        fields.contents = Some(walker.content_standing_alone(
                            &name.local,
                            empty,
                            content,
                            true,
                        )?);
                    }
                    "datastore-changes" => {
                        fields.changes = Some(walker.content_standing_alone(
                            &name.local,
                            empty,
                            content,
                            true,
                        )?);
                    }
                    local if !empty => {
                        walker.skip_content(local, content)?;
                    }
                    _ => {}
                },
                Step::Close { .. } => break,
                Step::Eof => return Err(XmlError::Unclosed(event.local.clone()).into()),
                Step::Text(_) => {}
            }
        }
    }
    let element: &'static str = match state {
        Some(change) => change.name(),
        None if event.local == "push-update" => "push-update",
        None => "push-change-update",
    };
    let id = parse_id(
        fields
            .id
            .as_deref()
            .ok_or_else(|| invalid(element, "no id"))?,
        element,
    )?;
    Ok(match state {
        Some(change) => PushMessage::State {
            change,
            id,
            reason: fields
                .reason
                .map(|r| r.trim().rsplit(':').next().unwrap_or_default().to_owned()),
        },
        None if event.local == "push-update" => PushMessage::Update {
            id,
            contents: fields.contents,
            incomplete: fields.incomplete,
        },
        None => PushMessage::ChangeUpdate {
            id,
            patch: match fields.changes {
                Some(changes) => Some(
                    YangPatch::parse_xml_in(&changes, ns::YANG_PUSH)
                        .map_err(|e| invalid("push-change-update", e.to_string()))?,
                ),
                None => None,
            },
            incomplete: fields.incomplete,
        },
    })
}

#[cfg(test)]
mod tests;
