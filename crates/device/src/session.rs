//! One NETCONF session of the reference device over any byte stream (an SSH channel in
//! production, an in-memory duplex in tests): the hello exchange, framing negotiation
//! (RFC 6242: chunked when both sides offer base:1.1), then requests answered in order until
//! `<close-session>`, a kill, or the client going away. A message that is not an `<rpc>`
//! gets an `<rpc-error>` (malformed-message); a framing error ends the session. After
//! `<create-subscription>` the session also sends the stream's notifications, replayed ones
//! first, between replies (RFC 5277 with :interleave).

use bytes::BytesMut;
use futures::StreamExt;
use rfc3535_wire::framing::{Framing, FramingCodec};
use rfc3535_wire::tree::Element;
use rfc3535_wire::{ErrorTag, ErrorType};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::FramedRead;

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::broadcast;

use crate::events::{notification, Event};
use crate::nacm::Nacm;
use rfc3535_wire::ns::BASE as BASE_NS;

use crate::rpc::{self, Reply, RpcError};
use crate::{Ending, Shared};

const BASE_1_1: &str = "urn:ietf:params:netconf:base:1.1";

/// Sessions a device serves before its disruptive faults (malformed or cut replies) begin.
const DISRUPT_AFTER_SESSIONS: u32 = 8;

async fn send<W: AsyncWrite + Unpin>(writer: &mut W, framing: Framing, text: &str) -> bool {
    let mut codec = FramingCodec::default();
    codec.set_framing(framing);
    let mut out = BytesMut::with_capacity(text.len() + 32);
    codec.encode_message(text.as_bytes(), &mut out);
    writer.write_all(&out).await.is_ok() && writer.flush().await.is_ok()
}

/// The attributes of an `<rpc>` as they must come back on its `<rpc-reply>` (RFC 6241 §4.2).
fn echoed_attributes(rpc: &Element) -> String {
    rpc.attributes_xml()
}

/// A live subscription: its feed, and when it stops.
struct Subscription {
    feed: broadcast::Receiver<Arc<Event>>,
    stop: Option<SystemTime>,
    filter: Option<Vec<Element>>,
}

/// The output of an accepted `establish-subscription` (RFC 8639): its id, and where a replay
/// starts later than asked, where it starts.
fn established_reply(established: &crate::push::Established) -> String {
    let ns = rfc3535_wire::ns::SUBSCRIBED_NOTIFICATIONS;
    let revision = established
        .replay_revision
        .map(|time| {
            format!(
                "<replay-start-time-revision xmlns=\"{ns}\">{}</replay-start-time-revision>",
                humantime::format_rfc3339_micros(time)
            )
        })
        .unwrap_or_default();
    format!("<id xmlns=\"{ns}\">{}</id>{revision}", established.id)
}

/// The next event of a subscription, or never without one.
async fn next_event(subscription: &mut Option<Subscription>) -> Option<Arc<Event>> {
    match subscription {
        Some(s) => loop {
            match s.feed.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        },
        None => std::future::pending().await,
    }
}

/// The end of a subscription that had a stop time (RFC 5277 §2.2.1).
fn notification_complete() -> String {
    notification(
        SystemTime::now(),
        &format!(
            "<notificationComplete xmlns=\"{}\"/>",
            rfc3535_wire::ns::STREAMS
        ),
    )
}

/// The root element name of an event body, for access control of notifications.
fn event_name(body: &str) -> &str {
    body.trim_start_matches('<')
        .split([' ', '>', '/'])
        .next()
        .unwrap_or_default()
}

/// May the session's account receive this event? Checked when it is sent, against the
/// access rules then in force.
pub(crate) fn may_receive(shared: &Shared, user: &str, event: &Event) -> bool {
    let Ok(stores) = shared.stores.lock() else {
        return false;
    };
    Nacm::for_user(&stores.running, user)
        .may_receive("ietf-netconf-notifications", event_name(&event.body))
}

/// The error as sent: without its identity under the push-errors-unidentified fault.
fn unidentified(shared: &Shared, mut error: RpcError) -> RpcError {
    if shared.faults.push_errors_unidentified {
        error.app_tag = None;
    }
    error
}

/// Serves one session until it ends; `user` is the authenticated account, `source_host`
/// where it came from.
pub async fn serve<S>(shared: Arc<Shared>, stream: S, user: String, source_host: Option<String>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let full = shared.faults.session_limit.is_some_and(|limit| {
        shared
            .sessions
            .lock()
            .map(|s| s.len() >= limit)
            .unwrap_or(true)
    });
    if full {
        // The fault: a session over the limit is dropped before its hello.
        let mut stream = stream;
        let _ = stream.shutdown().await;
        return;
    }
    let (session, mut killed) = shared.open_session(&user, source_host);
    let (reader, mut writer) = tokio::io::split(stream);
    let hello = shared.hello(session);
    if !send(&mut writer, Framing::EndOfMessage, &hello).await {
        shared.close_session(session, Ending::Dropped);
        return;
    }
    let mut frames = FramedRead::new(reader, FramingCodec::new(shared.max_message_size));
    let mut framing = Framing::EndOfMessage;
    let mut greeted = false;
    let mut subscription: Option<Subscription> = None;
    // What this session's YANG-Push subscriptions publish, sent between replies.
    let (outbox, mut pushed) = tokio::sync::mpsc::channel::<String>(crate::push::SESSION_QUEUE);
    let mut ending = Ending::Dropped;
    loop {
        enum Next {
            Frame(Option<Result<bytes::Bytes, rfc3535_wire::framing::FramingError>>),
            Killed,
            Event(Option<Arc<Event>>),
            Pushed(Option<String>),
        }
        let next = tokio::select! {
            frame = frames.next() => Next::Frame(frame),
            _ = killed.wait_for(|k| *k) => Next::Killed,
            event = next_event(&mut subscription) => Next::Event(event),
            message = pushed.recv() => Next::Pushed(message),
        };
        let frame = match next {
            Next::Frame(frame) => frame,
            Next::Killed => None,
            Next::Pushed(message) => {
                if let Some(message) = message {
                    shared.count(session, |c| c.out_notifications += 1);
                    if !send(&mut writer, framing, &message).await {
                        break;
                    }
                }
                continue;
            }
            Next::Event(None) => {
                subscription = None;
                continue;
            }
            Next::Event(Some(event)) => {
                if subscription
                    .as_ref()
                    .and_then(|s| s.stop)
                    .is_some_and(|stop| event.time > stop)
                {
                    subscription = None;
                    if !send(&mut writer, framing, &notification_complete()).await {
                        break;
                    }
                } else if may_receive(&shared, &user, &event) {
                    let filter = subscription.as_ref().and_then(|s| s.filter.as_deref());
                    if let Some(message) = event.filtered(filter) {
                        shared.count(session, |c| c.out_notifications += 1);
                        if !send(&mut writer, framing, &message).await {
                            break;
                        }
                    }
                }
                continue;
            }
        };
        let Some(Ok(bytes)) = frame else {
            break;
        };
        let text = String::from_utf8_lossy(&bytes);
        let parsed = Element::parse(text.trim_start_matches('\u{feff}'));
        if !greeted {
            // The first message must be the client's hello.
            let Ok(hello) = parsed else { break };
            if hello.name.local != "hello" || hello.name.namespace != BASE_NS {
                break;
            }
            let offers_1_1 = hello
                .find_all(&["capabilities", "capability"])
                .iter()
                .any(|c| c.text.trim() == BASE_1_1);
            if offers_1_1 && !shared.faults.base_1_0_only {
                framing = Framing::Chunked;
                frames.decoder_mut().set_framing(Framing::Chunked);
            }
            greeted = true;
            continue;
        }
        if shared.faults.drops_pipelined {
            // The fault: a device with room for one request takes a while over each, and
            // throws away whatever arrived meanwhile (after the hello, whose
            // framing switch must come first).
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            while let Some(Some(Ok(_))) = futures::FutureExt::now_or_never(frames.next()) {}
        }
        let is_get = matches!(&parsed, Ok(rpc) if rpc.children.first().is_some_and(|o| o.name.local == "get"));
        let mut replay: Vec<String> = Vec::new();
        let mut stop_after_replay = false;
        if !matches!(&parsed, Ok(rpc) if rpc.name.local == "rpc" && rpc.name.namespace == BASE_NS) {
            shared.count(session, |c| c.in_bad_rpcs += 1);
        }
        let answer = match parsed {
            Ok(rpc) if rpc.name.local == "rpc" && rpc.name.namespace == BASE_NS => {
                shared.count(session, |c| c.in_rpcs += 1);
                let attributes = echoed_attributes(&rpc);
                let has_id = rpc.attributes.iter().any(|(_, l, _)| l == "message-id");
                let outcome = if !has_id {
                    Err(RpcError {
                        info: Some("<bad-attribute>message-id</bad-attribute><bad-element>rpc</bad-element>".to_owned()),
                        ..RpcError::new(ErrorType::Rpc, ErrorTag::MissingAttribute, "an <rpc> needs a message-id")
                    })
                } else if shared.faults.no_interleave
                    && subscription.is_some()
                    && rpc
                        .children
                        .first()
                        .is_some_and(|o| o.name.local != "close-session")
                {
                    Err(RpcError::new(
                        ErrorType::Protocol,
                        ErrorTag::OperationFailed,
                        "this session has a subscription and takes no other request",
                    ))
                } else {
                    match rpc.children.first() {
                        Some(operation) => rpc::handle(&shared, session, operation, &text),
                        None => Err(RpcError::new(
                            ErrorType::Protocol,
                            ErrorTag::MissingElement,
                            "the <rpc> holds no operation",
                        )),
                    }
                };
                let (body, close) = match outcome {
                    Ok(Reply::Ok) if shared.faults.output_beside_ok => (
                        "<ok/><vendor-status xmlns=\"urn:example:rfc3535-vendor\">done</vendor-status>"
                            .to_owned(),
                        false,
                    ),
                    Ok(Reply::Ok) => ("<ok/>".to_owned(), false),
                    Ok(Reply::Close) => ("<ok/>".to_owned(), true),
                    // The load huge-messages: a data reply padded with a comment.
                    Ok(Reply::Data(data)) if shared.faults.huge_messages => (
                        format!("<data><!-- {} -->{data}</data>", "x".repeat(Shared::HUGE_REPLY)),
                        false,
                    ),
                    Ok(Reply::Data(data)) => (format!("<data>{data}</data>"), false),
                    Ok(Reply::Raw(raw)) => (raw, false),
                    Ok(Reply::Establish) => match rpc.children.first().map(|operation| {
                        shared
                            .push
                            .establish(&shared, session, operation, &text, outbox.clone())
                    }) {
                        Some(Ok(established)) => (established_reply(&established), false),
                        Some(Err(error)) => {
                            shared.count(session, |c| c.out_rpc_errors += 1);
                            (unidentified(&shared, error).to_xml(), false)
                        }
                        None => ("<ok/>".to_owned(), false),
                    },
                    Ok(Reply::Subscribe { .. }) if subscription.is_some() => (
                        RpcError::new(
                            ErrorType::Protocol,
                            ErrorTag::OperationFailed,
                            "this session already has a subscription",
                        )
                        .to_xml(),
                        false,
                    ),
                    Ok(Reply::Subscribe {
                        start,
                        stop,
                        filter,
                    }) => {
                        let (past, feed) = shared.events.subscribe(start);
                        let past = if shared.faults.replay_ignored {
                            Vec::new()
                        } else {
                            past
                        };
                        replay = past
                            .into_iter()
                            .filter(|e| stop.is_none_or(|stop| e.time <= stop))
                            .filter(|e| may_receive(&shared, &user, e))
                            .filter_map(|e| e.filtered(filter.as_deref()))
                            .collect();
                        stop_after_replay = stop.is_some_and(|stop| stop <= SystemTime::now());
                        if start.is_some() && !shared.faults.replay_ignored {
                            replay.push(notification(
                                SystemTime::now(),
                                &format!(
                                    "<replayComplete xmlns=\"{}\"/>",
                                    rfc3535_wire::ns::STREAMS
                                ),
                            ));
                        }
                        subscription = Some(Subscription { feed, stop, filter });
                        ("<ok/>".to_owned(), false)
                    }
                    Err(error) => {
                        shared.count(session, |c| c.out_rpc_errors += 1);
                        (unidentified(&shared, error).to_xml(), false)
                    }
                };
                (
                    format!("<rpc-reply xmlns=\"{BASE_NS}\"{attributes}>{body}</rpc-reply>"),
                    close,
                )
            }
            Ok(other) => (
                format!(
                    "<rpc-reply xmlns=\"{BASE_NS}\">{}</rpc-reply>",
                    RpcError::new(
                        ErrorType::Rpc,
                        ErrorTag::UnknownElement,
                        format!("<{}> is not an <rpc>", other.name.local)
                    )
                    .to_xml()
                ),
                false,
            ),
            Err(error) => (
                format!(
                    "<rpc-reply xmlns=\"{BASE_NS}\">{}</rpc-reply>",
                    RpcError::new(
                        ErrorType::Rpc,
                        ErrorTag::MalformedMessage,
                        format!("not well-formed XML: {error}")
                    )
                    .to_xml()
                ),
                false,
            ),
        };
        let faults = shared.faults;
        if faults.reply_delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(faults.reply_delay_ms)).await;
        }
        // The disruptive faults strike once the device has been up a while (after its
        // first sessions), as devices that degrade with use do.
        let answers_get = answer.0.contains("<data>") && is_get && session > DISRUPT_AFTER_SESSIONS;
        if answers_get && faults.drops_mid_reply {
            // The fault: half a message, then the connection goes.
            let half = &answer.0.as_bytes()[..answer.0.len() / 2];
            if framing == Framing::Chunked {
                let _ = writer
                    .write_all(format!("\n#{}\n", answer.0.len()).as_bytes())
                    .await;
            }
            let _ = writer.write_all(half).await;
            let _ = writer.flush().await;
            break;
        }
        if answers_get && faults.bad_framing && framing == Framing::Chunked {
            // The fault: a chunk header without a size.
            let _ = writer
                .write_all(format!("\n#\n{}\n##\n", answer.0).as_bytes())
                .await;
            let _ = writer.flush().await;
            continue;
        }
        if !send(&mut writer, framing, &answer.0).await {
            break;
        }
        if answer.1 {
            ending = Ending::Closed;
            break;
        }
        for message in std::mem::take(&mut replay) {
            shared.count(session, |c| c.out_notifications += 1);
            if !send(&mut writer, framing, &message).await {
                break;
            }
        }
        if std::mem::take(&mut stop_after_replay) {
            subscription = None;
            if !send(&mut writer, framing, &notification_complete()).await {
                break;
            }
        }
    }
    // A killed session was already forgotten by whoever killed it; this does nothing then.
    shared.close_session(session, ending);
    let _ = writer.shutdown().await;
}
