//! The event stream resource (RFC 8040 §6): the device's `NETCONF` stream (the same events a
//! NETCONF subscription gets, RFC 5277) served as server-sent events, in XML and, printed by
//! libyang, in JSON. `start-time`
//! replays the kept events from a time, then sends `replayComplete`; `stop-time` ends the
//! stream with `notificationComplete` once it is reached (RFC 8040 §4.8.7, §4.8.8);
//! `filter` sends only the events an XPath expression selects something in, evaluated by
//! libyang (§4.8.4; the two completion events always go). The
//! stream ends when the client goes away or the device stops. NACM decides, per event, what
//! the account may receive, as it does for NETCONF.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use tokio::sync::broadcast;

use rfc3535_wire::restconf::Encoding;

use crate::events::{notification, Event};
use crate::Shared;

/// Where the stream is served under the API root, in XML.
pub(crate) const PATH: &str = "/streams/NETCONF/xml";

/// Where the same stream is served in JSON (RFC 8040 §6.4, RFC 7951).
pub(crate) const JSON_PATH: &str = "/streams/NETCONF/json";

/// The query parameters a stream takes (RFC 8040 §4.8.4, §4.8.7, §4.8.8).
pub(crate) const QUERY: [&str; 3] = ["filter", "start-time", "stop-time"];

/// A stream response, or why there is none (a bad query: 400 with the reason).
pub(crate) fn open(
    shared: &Arc<Shared>,
    user: &str,
    query: &[(String, String)],
    encoding: Encoding,
) -> Result<http::Response<BoxBody<Bytes, Infallible>>, String> {
    let time = |name: &str| -> Result<Option<SystemTime>, String> {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| {
                humantime::parse_rfc3339_weak(v.trim_end_matches('Z'))
                    .or_else(|_| humantime::parse_rfc3339(v))
                    .map_err(|e| format!("{name} {v:?} is not a date-and-time: {e}"))
            })
            .transpose()
    };
    let start = time("start-time")?;
    let stop = time("stop-time")?;
    if stop.is_some() && start.is_none() {
        return Err("stop-time needs a start-time (RFC 8040 §4.8.8)".to_owned());
    }
    if let (Some(start), Some(stop)) = (start, stop) {
        if stop < start {
            return Err("stop-time is before start-time".to_owned());
        }
    }
    if start.is_some_and(|s| s > SystemTime::now()) {
        return Err("start-time is in the future (RFC 8040 §4.8.7)".to_owned());
    }
    let filter = query
        .iter()
        .find(|(n, _)| n == "filter")
        .map(|(_, v)| v.clone())
        .filter(|_| !shared.faults.restconf_filter_ignored);
    if let Some(expression) = &filter {
        // An expression libyang cannot evaluate is refused now, not silently on every event.
        let probe = notification(
            SystemTime::now(),
            &format!("<replayComplete xmlns=\"{}\"/>", rfc3535_wire::ns::STREAMS),
        );
        shared
            .with_schema(|s| s.notification_selected(&probe, expression))
            .map_err(|e| e.message)?
            .map_err(|e| format!("filter {expression:?} is no XPath expression over the notifications: {e} (RFC 8040 §4.8.4)"))?;
    }
    let (past, feed) = shared.events.subscribe(start);
    let past = if shared.faults.replay_ignored {
        Vec::new()
    } else {
        past
    };
    let mut queued: VecDeque<String> = past
        .iter()
        .filter(|e| stop.is_none_or(|stop| e.time <= stop))
        .filter(|e| crate::session::may_receive(shared, user, e))
        .map(|e| e.to_xml())
        .filter(|xml| selected(shared, filter.as_deref(), xml))
        .collect();
    if start.is_some() && !shared.faults.replay_ignored {
        queued.push_back(notification(
            SystemTime::now(),
            &format!("<replayComplete xmlns=\"{}\"/>", rfc3535_wire::ns::STREAMS),
        ));
    }
    let state = Feed {
        shared: Arc::clone(shared),
        user: user.to_owned(),
        queued,
        live: feed,
        stop,
        filter,
        ended: false,
    };
    let rendering = Arc::clone(shared);
    let events = futures::stream::unfold(state, move |mut state| {
        let shared = Arc::clone(&rendering);
        async move {
            let text = state.next().await?;
            let text = render(&shared, encoding, text);
            Some((Ok::<_, Infallible>(Frame::data(sse_event(&text))), state))
        }
    });
    let mut response = http::Response::new(BodyExt::boxed(StreamBody::new(events)));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// A notification in the stream's encoding: XML as it is kept, or JSON through the schema
/// (with the fault, XML on the JSON stream too). One the schema cannot print goes as XML,
/// which a client sees as the device's own error.
fn render(shared: &Shared, encoding: Encoding, xml: String) -> String {
    if encoding == Encoding::Xml || shared.faults.restconf_json_stream_in_xml {
        return xml;
    }
    match shared.with_schema(|s| s.notification_json(&xml)) {
        Ok(Ok(json)) => json,
        _ => xml,
    }
}

/// One notification as a server-sent event: each line a `data:` field (RFC 8040 §6.4).
fn sse_event(text: &str) -> Bytes {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

/// What a stream still has to send.
struct Feed {
    shared: Arc<Shared>,
    user: String,
    queued: VecDeque<String>,
    live: broadcast::Receiver<Arc<Event>>,
    stop: Option<SystemTime>,
    /// The `filter` an event must satisfy to be sent.
    filter: Option<String>,
    ended: bool,
}

/// Whether the stream's filter selects anything in this notification (every notification
/// passes without one; one the schema cannot read passes none).
fn selected(shared: &Shared, filter: Option<&str>, notification: &str) -> bool {
    let Some(expression) = filter else {
        return true;
    };
    matches!(
        shared.with_schema(|s| s.notification_selected(notification, expression)),
        Ok(Ok(true))
    )
}

impl Feed {
    /// The next notification to send; `None` ends the stream.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(text) = self.queued.pop_front() {
                return Some(text);
            }
            if self.ended {
                return None;
            }
            let until_stop = self.stop.map(|stop| {
                stop.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO)
            });
            let received = match until_stop {
                Some(left) => match tokio::time::timeout(left, self.live.recv()).await {
                    Ok(received) => received,
                    Err(_) => {
                        self.finish();
                        continue;
                    }
                },
                None => self.live.recv().await,
            };
            match received {
                Ok(event) => {
                    if self.stop.is_some_and(|stop| event.time > stop) {
                        self.finish();
                        continue;
                    }
                    if crate::session::may_receive(&self.shared, &self.user, &event) {
                        let xml = event.to_xml();
                        if selected(&self.shared, self.filter.as_deref(), &xml) {
                            return Some(xml);
                        }
                    }
                }
                // Events lost to a slow reader are lost; the stream goes on.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The stop time is reached: say so, and end (RFC 5277 §2.2.1).
    fn finish(&mut self) {
        self.queued.push_back(notification(
            SystemTime::now(),
            &format!(
                "<notificationComplete xmlns=\"{}\"/>",
                rfc3535_wire::ns::STREAMS
            ),
        ));
        self.ended = true;
    }
}
