//! Steps about subscriptions to an event stream (RFC 8639) over NETCONF (RFC 8640): the
//! device's `NETCONF` stream, filtered to the configuration changes (RFC 6470) one named
//! session makes, live or replayed from a time. The harness causes the events itself, so a
//! filter that selects nothing, or one that is ignored, is seen either way: the changes of
//! another session must not come.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cucumber::{then, when};
use rfc3535_client::wire::ns;
use rfc3535_client::wire::push::{EstablishSubscription, PushMessage, Selection, StateChange};
use rfc3535_client::wire::tree::Element;
use rfc3535_client::wire::{Filter, Operation};

use super::push::{subscribe, watch, Arrived};
use super::world::{open_session, reply_data, Finding, RunWorld, StepResult};

/// The stream every scenario here subscribes to: RFC 5277's default stream, which RFC 8639
/// devices list in their streams container when they carry RFC 6470's events.
const STREAM: &str = "NETCONF";
/// How long an event may take to come after what caused it (or a replay to end).
const EVENT_BOUND: Duration = Duration::from_secs(5);

/// A stream filter (RFC 8639 §2.2, a subtree) selecting the configuration changes session
/// `session_id` makes.
fn changes_of(session_id: &str) -> Selection {
    Selection::Subtree(format!(
        "<netconf-config-change xmlns=\"{}\"><changed-by><session-id>{session_id}</session-id></changed-by></netconf-config-change>",
        ns::NETCONF_NOTIFICATIONS
    ))
}

/// The session-id of a named session.
fn session_id_of(world: &RunWorld, session: &str) -> Result<String, Finding> {
    Ok(world.netconf(session)?.session_id().to_string())
}

/// The event an arrival carries, read, if it is one.
fn event_of(arrived: &Arrived) -> Option<Element> {
    let event = arrived.event.as_ref()?;
    Element::parse_fragment(&event.content)
        .ok()?
        .into_iter()
        .next()
}

/// Whether an event is a configuration change made by session `session_id`.
fn change_by(event: &Element, session_id: &str) -> bool {
    event.name.local == "netconf-config-change"
        && event.name.namespace == ns::NETCONF_NOTIFICATIONS
        && super::capabilities::changed_by_session(event).as_deref() == Some(session_id)
}

/// How an event that should not have come is shown in a finding.
fn describe_event(event: &Element) -> String {
    match super::capabilities::changed_by_session(event) {
        Some(by) => format!("{} of session {by}", event.name.local),
        None => event.name.local.clone(),
    }
}

/// Subscribes on `session` to the stream's configuration changes of session `of`, replayed
/// from `replay_start` when one is given. A device whose streams list does not have the
/// stream is not judged on it.
async fn subscribe_to_changes(
    world: &mut RunWorld,
    session: &str,
    of: &str,
    replay_start: Option<String>,
) -> StepResult {
    let listed = streams_listed(world, session).await?;
    if !listed.iter().any(|s| s == STREAM) {
        return Err(Finding::skip(format!(
            "the device's streams list (RFC 8639 §2.1, ietf-subscribed-notifications streams) has no stream {STREAM}, only {listed:?}"
        )));
    }
    let session_id = session_id_of(world, of)?;
    let replayed = replay_start.is_some();
    let request =
        EstablishSubscription::stream(STREAM, Some(changes_of(&session_id)), replay_start);
    let what = format!(
        "the {STREAM} stream's configuration changes of session {session_id}{}",
        if replayed { ", replayed" } else { "" }
    );
    let watch = subscribe(world, session, &request, &what).await?;
    world.subscription = Some(watch);
    Ok(())
}

/// The names of the event streams the device lists (RFC 8639's `streams`, read with
/// `<get>`); a device that cannot be read fails.
async fn streams_listed(world: &mut RunWorld, session: &str) -> Result<Vec<String>, Finding> {
    let reply = world
        .netconf(session)?
        .rpc(&Operation::Get {
            filter: Some(Filter::subtree(format!(
                "<streams xmlns=\"{}\"/>",
                ns::SUBSCRIBED_NOTIFICATIONS
            ))),
            with_defaults: None,
        })
        .await?;
    let data = reply_data(&reply, "a <get> of the streams list (RFC 8639)")?;
    Ok(data
        .iter()
        .filter(|e| e.name.namespace == ns::SUBSCRIBED_NOTIFICATIONS)
        .flat_map(|e| e.find_all(&["stream", "name"]))
        .map(|n| n.text.trim().to_owned())
        .collect())
}

#[when(
    expr = "{string} subscribes to the NETCONF event stream, filtered to configuration changes made in session {string}"
)]
async fn subscribe_live(world: &mut RunWorld, session: String, of: String) -> StepResult {
    subscribe_to_changes(world, &session, &of, None).await
}

#[when(
    expr = "a management session {string} subscribes to the NETCONF event stream's configuration changes made in session {string}, replayed from the time of that change"
)]
async fn subscribe_replayed(world: &mut RunWorld, session: String, of: String) -> StepResult {
    let start = world
        .replay_from
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no event time was noted"))?;
    let device = Arc::clone(world.device()?);
    let opened = open_session(&device, &device.connect).await?;
    world
        .usernames
        .insert(session.clone(), device.connect.username());
    world.sessions.insert(session.clone(), opened);
    subscribe_to_changes(world, &session, &of, Some(start)).await
}

#[then(
    expr = "the configuration change made in session {string} arrives for it within 5 seconds, and no event its filter leaves out"
)]
async fn change_arrives_alone(world: &mut RunWorld, of: String) -> StepResult {
    let session_id = session_id_of(world, &of)?;
    let watch = watch(world)?;
    let wanted = |a: &Arrived| event_of(a).is_some_and(|e| change_by(&e, &session_id));
    watch
        .gather(Instant::now() + EVENT_BOUND, |r| r.iter().any(wanted))
        .await;
    // Events come in order: one the filter should have left out, made before the wanted
    // one, has come by now if it comes at all.
    watch.faithful()?;
    let left_out: Vec<String> = watch
        .received
        .iter()
        .filter_map(event_of)
        .filter(|e| !change_by(e, &session_id))
        .map(|e| describe_event(&e))
        .collect();
    if !left_out.is_empty() {
        return Err(Finding::fail(format!(
            "a subscription filtered to the configuration changes of session {session_id} was sent events its filter leaves out (RFC 8639 §2.2): {left_out:?}"
        )));
    }
    let Some(time) = watch
        .received
        .iter()
        .find(|a| wanted(a))
        .and_then(|a| a.event.as_ref())
        .map(|e| e.event_time.clone())
    else {
        return Err(Finding::fail(format!(
            "no netconf-config-change of session {session_id} came for the subscription within {} s of the change (RFC 8639 §2.2, RFC 6470 §2)",
            EVENT_BOUND.as_secs()
        )));
    };
    world.notes.push(format!(
        "the change's eventTime, on the device's clock: {time}"
    ));
    world.replay_from = Some(time);
    Ok(())
}

#[then(expr = "the change made in session {string} arrives for it replayed, then replay-completed")]
async fn replayed_then_completed(world: &mut RunWorld, of: String) -> StepResult {
    let session_id = session_id_of(world, &of)?;
    let watch = watch(world)?;
    let id = watch.id;
    let completed = |a: &Arrived| {
        matches!(
            a.message,
            PushMessage::State {
                change: StateChange::ReplayCompleted,
                ..
            }
        )
    };
    watch
        .gather(Instant::now() + EVENT_BOUND, |r| r.iter().any(completed))
        .await;
    watch.faithful()?;
    let end = watch.received.iter().position(completed);
    let replayed = watch.received[..end.unwrap_or(watch.received.len())]
        .iter()
        .filter_map(event_of)
        .any(|e| change_by(&e, &session_id));
    match (replayed, end) {
        (true, Some(_)) => Ok(()),
        (false, Some(_)) => Err(Finding::fail(format!(
            "replay-completed came for subscription {id} without the change session {session_id} made at the replay's start time before it (RFC 8639 §2.4.2.1: events at or after replay-start-time are replayed)"
        ))),
        (true, None) => Err(Finding::fail(format!(
            "the change was replayed, and no replay-completed for subscription {id} followed within {} s (RFC 8639 §2.7.2)",
            EVENT_BOUND.as_secs()
        ))),
        (false, None) => Err(Finding::fail(format!(
            "within {} s nothing was replayed to subscription {id}: not the change session {session_id} made at its replay-start-time, and no replay-completed (RFC 8639 §2.4.2.1)",
            EVENT_BOUND.as_secs()
        ))),
    }
}
