//! The device's event stream `NETCONF` (RFC 5277): every event is kept for replay (the most
//! recent [`REPLAY_LIMIT`]) and sent to every live subscription. The events are RFC 6470's:
//! configuration changes with who made them, session start and end, and the steps of a
//! confirmed commit.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::broadcast;

use crate::Ending;
use rfc3535_wire::tree::{fragment_xml, Element};
use rfc3535_wire::xml::escape;

pub(crate) use rfc3535_wire::ns::NETCONF_NOTIFICATIONS as NOTIFICATIONS_NS;
pub(crate) use rfc3535_wire::ns::NOTIFICATION as NOTIFICATION_NS;

/// How many past events a replay can reach, unless the device is configured otherwise
/// ([`crate::DeviceConfig::replay_limit`]).
pub const REPLAY_LIMIT: usize = 4096;

/// One event: when it happened and its content (the element inside `<notification>`).
#[derive(Debug)]
pub struct Event {
    pub time: SystemTime,
    pub body: String,
}

impl Event {
    /// The whole `<notification>` message.
    pub fn to_xml(&self) -> String {
        notification(self.time, &self.body)
    }
}

impl Event {
    /// The notification to send for the event: none if a subtree `filter` (RFC 6241 §6)
    /// selects nothing of it.
    pub fn filtered(&self, filter: Option<&[Element]>) -> Option<String> {
        let Some(filter) = filter else {
            return Some(self.to_xml());
        };
        let body = Element::parse(&self.body).ok()?;
        let selected = crate::filter::apply(std::slice::from_ref(&body), filter);
        (!selected.is_empty()).then(|| notification(self.time, &fragment_xml(&selected)))
    }
}

/// A `<notification>` message with an event time and a body.
pub fn notification(time: SystemTime, body: &str) -> String {
    format!(
        "<notification xmlns=\"{NOTIFICATION_NS}\"><eventTime>{}</eventTime>{body}</notification>",
        humantime::format_rfc3339_micros(time)
    )
}

/// The events a replay can reach, and the time of the last one that aged out.
#[derive(Debug, Default)]
struct Past {
    events: VecDeque<Arc<Event>>,
    aged: Option<SystemTime>,
}

/// The replay buffer and the live feed.
#[derive(Debug)]
pub struct EventLog {
    past: Mutex<Past>,
    /// How many past events are kept.
    limit: usize,
    live: broadcast::Sender<Arc<Event>>,
    pub created: SystemTime,
}

impl Default for EventLog {
    fn default() -> Self {
        Self::new(REPLAY_LIMIT)
    }
}

impl EventLog {
    /// A log that keeps the last `limit` events (at least one) for replay.
    pub fn new(limit: usize) -> EventLog {
        EventLog {
            past: Mutex::new(Past::default()),
            limit: limit.max(1),
            live: broadcast::channel(1024).0,
            created: SystemTime::now(),
        }
    }

    pub fn publish(&self, body: String) {
        let event = Arc::new(Event {
            time: SystemTime::now(),
            body,
        });
        if let Ok(mut past) = self.past.lock() {
            while past.events.len() >= self.limit {
                past.aged = past.events.pop_front().map(|e| e.time);
            }
            past.events.push_back(Arc::clone(&event));
        }
        let _ = self.live.send(event);
    }

    /// A live feed and, atomically with it, the past events from `start` on (so that no event
    /// is lost or sent twice between the replay and the live feed).
    pub fn subscribe(
        &self,
        start: Option<SystemTime>,
    ) -> (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>) {
        let past = self.past.lock();
        let receiver = self.live.subscribe();
        let replay = match (start, past) {
            (Some(start), Ok(past)) => past
                .events
                .iter()
                .filter(|e| e.time >= start)
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        (replay, receiver)
    }

    /// How many live subscriptions there are.
    pub fn subscribers(&self) -> usize {
        self.live.receiver_count()
    }

    /// The oldest event a replay can still reach (RFC 5277 replayLogCreationTime semantics).
    pub fn oldest(&self) -> SystemTime {
        self.past
            .lock()
            .ok()
            .and_then(|p| p.events.front().map(|e| e.time))
            .unwrap_or(self.created)
    }

    /// The time of the last event that aged out of the replay buffer, if any has
    /// (RFC 8639's `replay-log-aged-time`).
    pub fn aged(&self) -> Option<SystemTime> {
        self.past.lock().ok().and_then(|p| p.aged)
    }
}

fn session_parameters(user: &str, session: u32, source_host: Option<&str>) -> String {
    let host = source_host
        .map(|h| format!("<source-host>{}</source-host>", escape(h)))
        .unwrap_or_default();
    format!(
        "<username>{}</username><session-id>{session}</session-id>{host}",
        escape(user)
    )
}

/// Who changed something: a session, or the server itself (`None`).
pub fn changed_by(by: Option<(&str, u32, Option<&str>)>) -> String {
    match by {
        Some((user, session, host)) => format!(
            "<changed-by>{}</changed-by>",
            session_parameters(user, session, host)
        ),
        None => "<changed-by><server/></changed-by>".to_owned(),
    }
}

pub fn config_change(by: Option<(&str, u32, Option<&str>)>, datastore: &str) -> String {
    format!(
        "<netconf-config-change xmlns=\"{NOTIFICATIONS_NS}\">{}<datastore>{datastore}</datastore></netconf-config-change>",
        changed_by(by)
    )
}

/// A `netconf-config-change` event with an element its module does not define, in the
/// module's own namespace (fault profile `notification-outside-schema`).
pub fn with_undefined_element(config_change: &str) -> String {
    config_change.replace(
        "</netconf-config-change>",
        "<commit-label>nightly</commit-label></netconf-config-change>",
    )
}

pub fn session_start(user: &str, session: u32, source_host: Option<&str>) -> String {
    format!(
        "<netconf-session-start xmlns=\"{NOTIFICATIONS_NS}\">{}</netconf-session-start>",
        session_parameters(user, session, source_host)
    )
}

pub fn session_end(user: &str, session: u32, source_host: Option<&str>, ending: Ending) -> String {
    let (killed_by, reason) = match ending {
        Ending::Closed => (String::new(), "closed"),
        Ending::Killed { by } => (format!("<killed-by>{by}</killed-by>"), "killed"),
        Ending::Dropped => (String::new(), "dropped"),
    };
    format!(
        "<netconf-session-end xmlns=\"{NOTIFICATIONS_NS}\">{}{killed_by}<termination-reason>{reason}</termination-reason></netconf-session-end>",
        session_parameters(user, session, source_host)
    )
}

/// A step of a confirmed commit; `by` is absent for a timeout, `timeout` given for start and
/// extend.
pub fn confirmed_commit(
    by: Option<(&str, u32, Option<&str>)>,
    event: &str,
    timeout: Option<u64>,
) -> String {
    let by = by
        .map(|(user, session, host)| session_parameters(user, session, host))
        .unwrap_or_default();
    let timeout = timeout
        .map(|t| format!("<timeout>{t}</timeout>"))
        .unwrap_or_default();
    format!(
        "<netconf-confirmed-commit xmlns=\"{NOTIFICATIONS_NS}\">{by}<confirm-event>{event}</confirm-event>{timeout}</netconf-confirmed-commit>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_its_limit_of_past_events_and_says_when_the_last_aged_out() {
        let log = EventLog::new(3);
        assert!(log.aged().is_none());
        for n in 0..5 {
            log.publish(format!("<e{n}/>"));
        }
        let (replayed, _live) = log.subscribe(Some(SystemTime::UNIX_EPOCH));
        let bodies: Vec<&str> = replayed.iter().map(|e| e.body.as_str()).collect();
        assert_eq!(bodies, ["<e2/>", "<e3/>", "<e4/>"]);
        assert!(log.aged().is_some_and(|aged| aged <= replayed[0].time));
        assert_eq!(log.oldest(), replayed[0].time);
    }
}
