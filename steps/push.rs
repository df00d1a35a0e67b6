//! Steps about YANG-Push (RFC 8641) dynamic subscriptions over NETCONF (RFC 8640): a
//! subscription to the sandbox text, periodic or on-change, and what arrives for it, judged
//! by time with bounds taken from the subscription's own period (see
//! `rfc3535_harness::push`). What was measured goes into the cell; the matrix shows a
//! result's first measurement by name, so the one an operator looks at first (the interval
//! error, the latency, the shortest gap) has the name that sorts first.
//!
//! The selection is always the sandbox text: it is on every device the harness writes to, in
//! running and (as configuration in use) in operational, and it is small.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cucumber::{given, then, when};
use rfc3535_client::wire::push::{
    delete_subscription, established_id, ErrorIdentity, EstablishSubscription, PushMessage,
    Selection, StateChange, UpdateTrigger,
};
use rfc3535_client::wire::{NmdaDatastore, Notification, Operation};
use rfc3535_harness::lag::{self, Measure};
use rfc3535_harness::push::{
    anchor_errors, cadence, continuity, percentile, shortest_gap, Delivered,
};

use super::world::{describe_errors, DeviceContext, Finding, RunWorld, StepResult};

/// The share of the period by which the median interval, or the median distance from the
/// anchor's grid, may stray. Generous: a device off by half a period, or missing updates,
/// is off by far more.
const PERIOD_SLACK: f64 = 0.25;
/// How long an on-change update may take to come after the change was made.
const CHANGE_BOUND: Duration = Duration::from_secs(5);
/// Updates already on their way when a subscription is deleted may still arrive.
const IN_FLIGHT: Duration = Duration::from_millis(200);
/// The SSH receive window of a session meant to meet back-pressure: a few kilobytes, so
/// that a device's writes stop soon after the session stops reading.
const SMALL_RECEIVE_WINDOW: u32 = 8 * 1024;
/// The periods tried, shortest first, for a subscription at the shortest period the device
/// accepts, in centiseconds.
const CANDIDATE_PERIODS: [u32; 3] = [10, 100, 1000];
/// How long a subscriber that read again waits for a suspended subscription to resume.
const RESUME_BOUND: Duration = Duration::from_secs(10);

/// What is wrong with a YANG-Push notification (a whole `<notification>`, as read into
/// `message`) against the device's own schema: the notification itself, then a push-update's
/// `datastore-contents` (anydata, so checked as data of its own).
pub fn schema_finding(
    schema: &rfc3535_yang::Schema,
    raw: &str,
    message: &PushMessage,
) -> Option<String> {
    if let Err(finding) = schema.validate_notification(raw) {
        return Some(format!(
            "a {} does not validate against the device's own schema: {finding}",
            message.kind()
        ));
    }
    if let PushMessage::Update {
        contents: Some(contents),
        ..
    } = message
    {
        if let Err(finding) = schema.validate(contents, rfc3535_yang::Content::Data) {
            return Some(format!(
                "the datastore-contents of a push-update do not validate against the device's own schema (RFC 8641 §3.7): {finding}"
            ));
        }
    }
    None
}

/// Fails unless a push-update's `contents` are what a `<get-data>` of `datastore` with the
/// same subtree selection reads now (RFC 8641 §3.7: an update holds the selection's data).
pub async fn compare_with_get_data(
    world: &RunWorld,
    session: &str,
    device: &DeviceContext,
    datastore: NmdaDatastore,
    subtree: String,
    contents: &str,
    what: &str,
) -> StepResult {
    let mut get = rfc3535_client::wire::GetData::new(datastore.clone());
    get.filter = Some(rfc3535_client::wire::Filter::subtree(subtree));
    let reply = world.netconf(session)?.get_data(get).await?;
    let read = super::world::reply_data(
        &reply,
        &format!(
            "get-data of {} with the subscription's selection",
            datastore.name()
        ),
    )?;
    let read = rfc3535_client::wire::tree::fragment_xml(&read);
    let differences = rfc3535_harness::session::data_differences(
        device,
        contents,
        &read,
        rfc3535_yang::Content::Data,
        &format!("{what}'s contents or the get-data reply"),
    )?;
    super::world::expect_same(
        differences,
        &format!(
            "{what}'s datastore-contents differ from a get-data of {} with the same selection (RFC 8641 §3.7: an update holds the selection's data)",
            datastore.name()
        ),
    )
}

/// One notification for the subscription, as read, and when it came.
#[derive(Debug)]
pub struct Arrived {
    pub message: PushMessage,
    pub at: Instant,
    /// The device's eventTime.
    pub event_time: Option<SystemTime>,
    /// An event of a stream, as it came (state changes and updates are read in `message`).
    pub event: Option<StreamEvent>,
}

/// An event of a stream as it came: its eventTime as the device wrote it, and the event.
#[derive(Debug)]
pub struct StreamEvent {
    pub event_time: String,
    pub content: String,
}

/// A subscription the scenario established, and its notifications so far.
#[derive(Debug)]
pub struct Watch {
    device: Arc<DeviceContext>,
    pub session: String,
    pub id: u32,
    /// The datastore subscribed to; `None` for a subscription to an event stream, whose
    /// events (which name no subscription) are all taken as its own.
    pub datastore: Option<NmdaDatastore>,
    pub period: Option<Duration>,
    pub anchor: Option<SystemTime>,
    pub dampening: Option<Duration>,
    /// When a modify-subscription of it was answered.
    pub modified_at: Option<Instant>,
    /// When its session stopped reading, and when it read again.
    pub held: Option<(Instant, Instant)>,
    pub received: Vec<Arrived>,
    /// When it was established: the start of what is timed, and of the test bed's lateness
    /// held against it.
    pub since: Instant,
    /// Notifications for the subscription that could not be read, with why.
    pub unreadable: Vec<String>,
    /// What of the subscription's notifications does not validate against the device's own
    /// schema (the notification, and a push-update's contents as the datastore's data).
    pub invalid: Vec<String>,
    feed: tokio::sync::mpsc::Receiver<Notification>,
}

impl Watch {
    /// Reads notifications until `enough` says so or the deadline passes; those of other
    /// subscriptions (and, unless it is a subscription to a stream, events) are left aside.
    ///
    /// The time until `deadline` is the test bed's own: when this process ran late meanwhile
    /// (a saturated machine), the deadline moves back by as long (see `lag`).
    pub async fn gather(&mut self, deadline: Instant, enough: impl Fn(&[Arrived]) -> bool) {
        let deadline = lag::Deadline::at(deadline);
        while !enough(&self.received) {
            let Some(Some(notification)) = deadline.run(self.feed.recv()).await else {
                return;
            };
            let at = notification
                .received
                .map_or_else(Instant::now, |arrival| arrival.monotonic);
            match PushMessage::parse(notification.raw()) {
                Ok(message)
                    if message.id() == Some(self.id)
                        || (self.datastore.is_none()
                            && matches!(message, PushMessage::Event(_))) =>
                {
                    self.check_schema(notification.raw(), &message);
                    let event = matches!(message, PushMessage::Event(_)).then(|| StreamEvent {
                        event_time: notification.event_time.clone(),
                        content: notification.content().to_owned(),
                    });
                    self.received.push(Arrived {
                        message,
                        at,
                        event_time: humantime::parse_rfc3339_weak(&notification.event_time).ok(),
                        event,
                    });
                }
                Ok(_) => {}
                Err(error) => self
                    .unreadable
                    .push(format!("{error}: {}", notification.raw())),
            }
        }
    }

    /// Validates a notification of the subscription against the device's own schema; a
    /// device whose modules do not compile is judged elsewhere.
    fn check_schema(&mut self, raw: &str, message: &PushMessage) {
        let Ok(schema) = self.device.schema() else {
            return;
        };
        let Ok(schema) = schema.as_ref() else {
            return;
        };
        self.invalid.extend(schema_finding(schema, raw, message));
    }

    /// Fails on the first notification that could not be read or does not validate.
    pub fn faithful(&self) -> StepResult {
        if let Some(first) = self.unreadable.first() {
            return Err(Finding::fail(format!(
                "a notification for the subscription cannot be read: {first}"
            )));
        }
        match self.invalid.first() {
            Some(first) => Err(Finding::fail(first.clone())),
            None => Ok(()),
        }
    }

    fn updates(&self) -> impl Iterator<Item = &Arrived> {
        self.received
            .iter()
            .filter(|a| matches!(a.message, PushMessage::Update { .. }))
    }

    fn change_updates(&self) -> impl Iterator<Item = &Arrived> {
        self.received
            .iter()
            .filter(|a| matches!(a.message, PushMessage::ChangeUpdate { .. }))
    }
}

/// Sends a subscription operation (its element, as XML) on a named NETCONF session.
async fn send(
    world: &RunWorld,
    session: &str,
    operation: String,
) -> Result<rfc3535_client::wire::RpcReply, Finding> {
    Ok(world
        .netconf(session)?
        .rpc(&Operation::Raw(operation))
        .await?)
}

pub(super) fn watch(world: &mut RunWorld) -> Result<&mut Watch, Finding> {
    world
        .subscription
        .as_mut()
        .ok_or_else(|| Finding::error("harness bug: no subscription was established"))
}

/// Establishes a subscription to the sandbox text on `session` and keeps it in the world.
async fn establish(
    world: &mut RunWorld,
    session: &str,
    datastore: NmdaDatastore,
    trigger: UpdateTrigger,
) -> StepResult {
    let device = world.require_sandbox()?;
    let selection = Selection::Subtree(device.sandbox.text.wrap_leaf("", None));
    let (period, anchor, dampening) = match &trigger {
        UpdateTrigger::Periodic {
            period,
            anchor_time,
        } => (
            Some(Duration::from_millis(u64::from(*period) * 10)),
            anchor_time
                .as_deref()
                .and_then(|a| humantime::parse_rfc3339_weak(a).ok()),
            None,
        ),
        UpdateTrigger::OnChange {
            dampening_period, ..
        } => (
            None,
            None,
            dampening_period.map(|d| Duration::from_millis(u64::from(d) * 10)),
        ),
    };
    let what = format!("the sandbox text in {}", datastore.name());
    let kept_datastore = datastore.clone();
    let request = EstablishSubscription::datastore(datastore, Some(selection), trigger);
    let watch = subscribe(world, session, &request, &what).await?;
    world.subscription = Some(Watch {
        datastore: Some(kept_datastore),
        period,
        anchor,
        dampening,
        ..watch
    });
    Ok(())
}

/// Sends `request` on `session` and, once accepted, watches the subscription: a datastore
/// one is told apart afterwards by its `datastore`, a stream one has none.
pub(super) async fn subscribe(
    world: &mut RunWorld,
    session: &str,
    request: &EstablishSubscription,
    what: &str,
) -> Result<Watch, Finding> {
    let reply = send(world, session, request.to_xml()).await?;
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "establish-subscription to {what} was refused: {}",
            describe_errors(&reply)
        )));
    }
    watching(world, session, &reply, what)
}

/// Watches the subscription an accepted establish-subscription `reply` on `session` made
/// (notifications wait in the session's queue until then).
fn watching(
    world: &mut RunWorld,
    session: &str,
    reply: &rfc3535_client::wire::RpcReply,
    what: &str,
) -> Result<Watch, Finding> {
    let id = established_id(reply.body()).map_err(|e| {
        Finding::fail(format!(
            "the establish-subscription reply gives no subscription id (RFC 8639 §2.4.2): {e}"
        ))
    })?;
    let device = Arc::clone(world.device()?);
    let feed = world
        .netconf(session)?
        .take_notifications()
        .ok_or_else(|| Finding::error("harness bug: the session's notifications were taken"))?;
    world.notes.push(format!("subscription {id}: {what}"));
    Ok(Watch {
        device,
        session: session.to_owned(),
        id,
        datastore: None,
        period: None,
        anchor: None,
        dampening: None,
        modified_at: None,
        held: None,
        received: Vec::new(),
        since: Instant::now(),
        unreadable: Vec::new(),
        invalid: Vec::new(),
        feed,
    })
}

#[when(
    expr = "{string} subscribes to the sandbox text in {word} every {int} centiseconds, anchored a moment ago"
)]
async fn subscribe_periodic(
    world: &mut RunWorld,
    session: String,
    datastore: String,
    period: u32,
) -> StepResult {
    let datastore = NmdaDatastore::from_name(&datastore)
        .ok_or_else(|| Finding::error(format!("harness bug: no datastore {datastore:?}")))?;
    // An anchor a little in the past, off the current instant, so that a device that counts
    // from the request instead of the anchor is seen.
    let anchor = SystemTime::now() - Duration::from_millis(u64::from(period) * 10 * 3 + 130);
    establish(
        world,
        &session,
        datastore,
        UpdateTrigger::Periodic {
            period,
            anchor_time: Some(humantime::format_rfc3339_millis(anchor).to_string()),
        },
    )
    .await
}

/// Establishes an on-change subscription to the sandbox text in running with these terms.
async fn establish_on_change(
    world: &mut RunWorld,
    session: &str,
    dampening_period: Option<u32>,
    sync_on_start: Option<bool>,
    excluded_changes: Vec<rfc3535_client::wire::push::ChangeType>,
) -> StepResult {
    let trigger = UpdateTrigger::OnChange {
        dampening_period,
        sync_on_start,
        excluded_changes,
    };
    establish(world, session, NmdaDatastore::Running, trigger).await
}

#[when(expr = "{string} subscribes to changes of the sandbox text in running")]
async fn subscribe_on_change(world: &mut RunWorld, session: String) -> StepResult {
    establish_on_change(world, &session, None, None, Vec::new()).await
}

#[when(
    expr = "{string} subscribes to changes of the sandbox text in running with a dampening period of {int} centiseconds"
)]
async fn subscribe_dampened(world: &mut RunWorld, session: String, dampening: u32) -> StepResult {
    establish_on_change(world, &session, Some(dampening), Some(false), Vec::new()).await
}

#[then(
    expr = "{int} push-updates arrive for it, one a period after the other, on the anchor's grid"
)]
async fn periodic_updates(world: &mut RunWorld, count: usize) -> StepResult {
    let watch = watch(world)?;
    let period = watch
        .period
        .ok_or_else(|| Finding::error("harness bug: the subscription is not periodic"))?;
    // Twice the time the updates need, and a margin for the first.
    let deadline = Instant::now()
        + period * u32::try_from(count * 2).unwrap_or(u32::MAX)
        + Duration::from_secs(2);
    watch
        .gather(deadline, |r| {
            r.iter()
                .filter(|a| matches!(a.message, PushMessage::Update { .. }))
                .count()
                >= count
        })
        .await;
    let arrivals: Vec<Instant> = watch.updates().map(|a| a.at).collect();
    let event_times: Vec<SystemTime> = watch.updates().filter_map(|a| a.event_time).collect();
    let anchor = watch.anchor;
    let faithful = watch.faithful();
    let timed_since = watch.since;
    let period_ms = period.as_secs_f64() * 1000.0;
    world
        .measurements
        .insert("push_period_ms".to_owned(), period_ms.into());
    world
        .measurements
        .insert("push_updates".to_owned(), arrivals.len().into());
    faithful?;
    let Some(measured) = cadence(&arrivals, period) else {
        return Err(Finding::fail(format!(
            "{} push-update(s) arrived in {:.1} s for a period of {period_ms:.0} ms (RFC 8641 §3.1)",
            arrivals.len(),
            (period * u32::try_from(count * 2).unwrap_or(u32::MAX)).as_secs_f64() + 2.0
        )));
    };
    world.measurements.insert(
        "push_interval_error_p50_ms".to_owned(),
        round(measured.error_p50_ms).into(),
    );
    world.measurements.insert(
        "push_interval_error_p99_ms".to_owned(),
        round(measured.error_p99_ms).into(),
    );
    world.measurements.insert(
        "push_intervals_ms".to_owned(),
        measured
            .intervals_ms
            .iter()
            .map(|i| round(*i))
            .collect::<Vec<f64>>()
            .into(),
    );
    if arrivals.len() < count {
        return Err(Finding::fail(format!(
            "only {} of {count} push-updates arrived in twice the time they need; intervals (ms): {:?}",
            arrivals.len(),
            measured.intervals_ms.iter().map(|i| round(*i)).collect::<Vec<_>>()
        )));
    }
    if measured.error_p50_ms > period_ms * PERIOD_SLACK {
        return Err(lag::attribute(
            Finding::fail(format!(
                "the median interval between push-updates is {:.0} ms for a period of {period_ms:.0} ms (RFC 8641 §3.1); intervals (ms): {:?}",
                measured.interval_p50_ms,
                measured.intervals_ms.iter().map(|i| round(*i)).collect::<Vec<_>>()
            )),
            timed_since,
            millis(measured.error_p50_ms - period_ms * PERIOD_SLACK),
            Measure::Median,
        ));
    }
    if let Some(anchor) = anchor {
        let mut errors = anchor_errors(&event_times, anchor, period);
        let median = percentile(&mut errors, 50.0);
        world.measurements.insert(
            "push_update_anchor_error_p50_ms".to_owned(),
            round(median).into(),
        );
        if event_times.len() < arrivals.len() {
            return Err(Finding::fail(
                "a push-update's eventTime is not an RFC 3339 time (RFC 5277 §4)",
            ));
        }
        if median > period_ms * PERIOD_SLACK {
            return Err(lag::attribute(
                Finding::fail(format!(
                    "the push-updates' eventTimes stray {median:.0} ms (median) from the grid the anchor-time and the period of {period_ms:.0} ms lay down (RFC 8641 §3.1, anchor-time)"
                )),
                timed_since,
                millis(median - period_ms * PERIOD_SLACK),
                Measure::Median,
            ));
        }
    }
    Ok(())
}

/// A measured number of milliseconds as a duration (negative and not-a-number as zero).
fn millis(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
}

/// Measures the milliseconds from `since` to `at` into the cell, under `name`.
fn note_elapsed(world: &mut RunWorld, name: &str, since: Instant, at: Instant) {
    let elapsed = at.saturating_duration_since(since).as_secs_f64() * 1000.0;
    world
        .measurements
        .insert(name.to_owned(), round(elapsed).into());
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[then(expr = "the first notification for it is a push-update holding that value")]
async fn synchronised_first(world: &mut RunWorld) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world
        .text_value
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no value was written"))?;
    let watch = watch(world)?;
    watch
        .gather(Instant::now() + CHANGE_BOUND, |r| !r.is_empty())
        .await;
    watch.faithful()?;
    let Some(first) = watch.received.first() else {
        return Err(Finding::fail(format!(
            "nothing arrived for the subscription within {} s; sync-on-start (true unless asked otherwise) sends the selection first (RFC 8641 §3.3)",
            CHANGE_BOUND.as_secs()
        )));
    };
    let PushMessage::Update { contents, .. } = &first.message else {
        return Err(Finding::fail(format!(
            "the first notification for the subscription is a {}, not the push-update sync-on-start sends (RFC 8641 §3.3)",
            first.message.kind()
        )));
    };
    let elements =
        rfc3535_client::wire::tree::Element::parse_fragment(contents.as_deref().unwrap_or(""))
            .map_err(|e| Finding::fail(format!("the push-update's contents are not XML: {e}")))?;
    if !device.sandbox.text.values_in(&elements).contains(&value) {
        return Err(Finding::fail(format!(
            "the first push-update does not hold the sandbox text {value:?} running has: {}",
            contents.as_deref().unwrap_or("no datastore-contents")
        )));
    }
    Ok(())
}

/// Whether an edit's target names the sandbox text or a node above it (api-path steps,
/// module prefixes aside, keys aside).
fn targets_sandbox(target: &str, elements: &[String]) -> bool {
    let steps: Vec<&str> = target
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let s = s.split('=').next().unwrap_or(s);
            s.rsplit(':').next().unwrap_or(s)
        })
        .collect();
    !steps.is_empty()
        && steps.len() <= elements.len()
        && steps.iter().zip(elements).all(|(s, e)| s == e)
}

#[then(expr = "a push-change-update for it sets the sandbox text to that value, within 5 seconds")]
async fn change_reported(world: &mut RunWorld) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world
        .text_value
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no value was written"))?;
    let since = world.activated_at;
    let elements = device.sandbox.text.elements.clone();
    let watch = watch(world)?;
    let reports = |arrived: &Arrived| match &arrived.message {
        PushMessage::ChangeUpdate {
            patch: Some(patch), ..
        } => patch.edits.iter().any(|edit| {
            targets_sandbox(&edit.target, &elements)
                && edit.value.as_deref().is_some_and(|v| v.contains(&value))
        }),
        _ => false,
    };
    watch
        .gather(Instant::now() + CHANGE_BOUND, |r| r.iter().any(reports))
        .await;
    watch.faithful()?;
    let found = watch.received.iter().find(|a| reports(a)).map(|a| a.at);
    let seen: Vec<String> = watch.received.iter().map(|a| a.message.kind()).collect();
    let Some(at) = found else {
        return Err(Finding::fail(format!(
            "no push-change-update for the subscription set the sandbox text to {value:?} within {} s of the change (RFC 8641 §3.3, §3.7); it received: {seen:?}",
            CHANGE_BOUND.as_secs()
        )));
    };
    if let Some(since) = since {
        note_elapsed(world, "push_on_change_latency_ms", since, at);
    }
    Ok(())
}

#[when(expr = "{string} sets the sandbox text to another fresh value")]
async fn another_value(world: &mut RunWorld, session: String) -> StepResult {
    write_values(world, &session, 1, 0).await
}

#[when(expr = "{string} sets the sandbox text to {int} fresh values, {int} milliseconds apart")]
async fn several_values(
    world: &mut RunWorld,
    session: String,
    count: usize,
    gap: u64,
) -> StepResult {
    write_values(world, &session, count, gap).await
}

/// Writes `count` values the scenario has not written before into the sandbox text, each
/// made active, `gap` milliseconds apart.
async fn write_values(world: &mut RunWorld, session: &str, count: usize, gap: u64) -> StepResult {
    let device = world.require_sandbox()?;
    for index in 0..count {
        if index > 0 {
            tokio::time::sleep(Duration::from_millis(gap)).await;
        }
        let value = world.another_fresh_value();
        let session_ref = world.session(session)?;
        let reply =
            super::world::write_sandbox_text(session_ref, &device, device.edit_target(), &value)
                .await?;
        super::world::expect_ok(&reply, "setting the sandbox text")?;
        super::world::commit_if_candidate(session_ref, &device).await?;
        world.text_value = Some(value);
        world.activated_at = Some(Instant::now());
    }
    Ok(())
}

#[then(
    expr = "the push-change-updates for it come no closer together than the dampening period, the last one with the final value"
)]
async fn dampened(world: &mut RunWorld) -> StepResult {
    let value = world
        .text_value
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no value was written"))?;
    let watch = watch(world)?;
    let dampening = watch
        .dampening
        .ok_or_else(|| Finding::error("harness bug: the subscription has no dampening period"))?;
    // Long enough for the dampened update after the last change, and for any that follow.
    watch
        .gather(
            Instant::now() + dampening * 2 + Duration::from_millis(500),
            |_| false,
        )
        .await;
    watch.faithful()?;
    let times: Vec<SystemTime> = watch
        .change_updates()
        .filter_map(|a| a.event_time)
        .collect();
    let last_carries = watch.change_updates().last().is_some_and(|a| {
        matches!(&a.message, PushMessage::ChangeUpdate { patch: Some(patch), .. }
            if patch.edits.iter().any(|e| e.value.as_deref().is_some_and(|v| v.contains(&value))))
    });
    let count = times.len();
    world
        .measurements
        .insert("push_updates_changed".to_owned(), count.into());
    if let Some(gap) = shortest_gap(&times) {
        world.measurements.insert(
            "push_shortest_gap_ms".to_owned(),
            round(gap.as_secs_f64() * 1000.0).into(),
        );
        // The device's own clock measures both ends; a few milliseconds of rounding aside.
        if gap + Duration::from_millis(20) < dampening {
            return Err(Finding::fail(format!(
                "two push-change-updates came {} ms apart, closer than the dampening period of {} ms (RFC 8641 §3.3)",
                gap.as_millis(),
                dampening.as_millis()
            )));
        }
    }
    if !last_carries {
        return Err(Finding::fail(format!(
            "{count} push-change-update(s) arrived and none last carries the final value {value:?}: a dampened change is still reported, with the value it ends at (RFC 8641 §3.3)"
        )));
    }
    Ok(())
}

#[when(expr = "{string} deletes the subscription")]
async fn delete(world: &mut RunWorld, session: String) -> StepResult {
    let id = watch(world)?.id;
    let reply = send(world, &session, delete_subscription(id)).await?;
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "delete-subscription of its own subscription {id} was refused (RFC 8639 §2.4.4): {}",
            describe_errors(&reply)
        )));
    }
    world.activated_at = Some(Instant::now());
    Ok(())
}

#[then(expr = "no push-update for it arrives in the next {int} periods")]
async fn no_more_updates(world: &mut RunWorld, periods: u32) -> StepResult {
    let deleted = world
        .activated_at
        .ok_or_else(|| Finding::error("harness bug: the deletion was not noted"))?;
    let watch = watch(world)?;
    let period = watch.period.unwrap_or(Duration::from_secs(1));
    watch
        .gather(Instant::now() + period * periods, |_| false)
        .await;
    let late: Vec<String> = watch
        .received
        .iter()
        .filter(|a| a.at > deleted + IN_FLIGHT)
        .map(|a| a.message.kind())
        .collect();
    if !late.is_empty() {
        return Err(Finding::fail(format!(
            "after delete-subscription was answered, the subscription still sent: {late:?} (RFC 8639 §2.4.4)"
        )));
    }
    Ok(())
}

#[then(
    expr = "deleting it again is refused with the identity ietf-subscribed-notifications:no-such-subscription"
)]
async fn delete_again(world: &mut RunWorld) -> StepResult {
    let watch = watch(world)?;
    let (id, session) = (watch.id, watch.session.clone());
    let reply = send(world, &session, delete_subscription(id)).await?;
    refused_with(
        &reply,
        &format!("a second delete-subscription of subscription {id}, which no longer exists,"),
        "no-such-subscription",
        |i| i.name == "no-such-subscription",
    )
}

/// Fails unless `reply` is a refusal whose `error-app-tag` names an identity `fits` accepts.
fn refused_with(
    reply: &rfc3535_client::wire::RpcReply,
    what: &str,
    expected: &str,
    fits: impl Fn(&ErrorIdentity) -> bool,
) -> StepResult {
    if reply.is_success() {
        return Err(Finding::fail(format!("{what} was accepted")));
    }
    let named: Vec<ErrorIdentity> = reply
        .errors
        .iter()
        .filter_map(|e| e.app_tag.as_deref().and_then(ErrorIdentity::from_app_tag))
        .collect();
    if named.iter().any(fits) {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{what} was refused without {expected} in error-app-tag (RFC 8639 §2.4.6, RFC 8640 §2.4): {}",
        describe_errors(reply)
    )))
}

#[when(
    expr = "{string} asks for a subscription to the sandbox text in operational whose XPath selection does not parse"
)]
async fn ask_unparsable(world: &mut RunWorld, session: String) -> StepResult {
    let request = EstablishSubscription::datastore(
        NmdaDatastore::Operational,
        Some(Selection::XPath {
            select: "/[[not an expression".to_owned(),
            namespaces: Vec::new(),
        }),
        UpdateTrigger::Periodic {
            period: 100,
            anchor_time: None,
        },
    );
    let reply = send(world, &session, request.to_xml()).await?;
    if reply.is_success() {
        // Accepted: end it, so that nothing publishes past the scenario.
        if let Ok(id) = established_id(reply.body()) {
            let _ = send(world, &session, delete_subscription(id)).await;
        }
    }
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "it is refused with an identity establish-subscription may give")]
async fn refused_establish(world: &mut RunWorld) -> StepResult {
    let reply = world.kept_reply()?;
    refused_with(
        reply,
        "an establish-subscription whose XPath selection does not parse",
        "an identity derived from establish-subscription-error",
        |i| {
            i.refuses
                .contains(&rfc3535_client::wire::push::RefusedOperation::Establish)
        },
    )
}

#[when(expr = "{string} modifies a subscription that does not exist")]
async fn modify_absent(world: &mut RunWorld, session: String) -> StepResult {
    let request = rfc3535_client::wire::push::ModifySubscription {
        id: u32::MAX,
        target: rfc3535_client::wire::push::Target::Datastore {
            datastore: NmdaDatastore::Operational,
            selection: None,
        },
        period: Some(100),
        dampening_period: None,
        stop_time: None,
    };
    let reply = send(world, &session, request.to_xml()).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "it is refused with the identity ietf-subscribed-notifications:no-such-subscription")]
async fn refused_no_such(world: &mut RunWorld) -> StepResult {
    let reply = world.kept_reply()?;
    refused_with(
        reply,
        "a modify-subscription of a subscription that does not exist",
        "no-such-subscription",
        |i| i.name == "no-such-subscription",
    )
}

#[then(
    expr = "killing that subscription from {string} is refused with the identity ietf-subscribed-notifications:no-such-subscription"
)]
async fn kill_after_session(world: &mut RunWorld, session: String) -> StepResult {
    let id = watch(world)?.id;
    // The device forgets a dynamic subscription with its session; give it a moment of the
    // test bed's own time to notice that the session went.
    lag::settle(Duration::from_millis(500)).await;
    let reply = send(
        world,
        &session,
        rfc3535_client::wire::push::kill_subscription(id),
    )
    .await?;
    if access_denied(&reply) {
        return Err(Finding::skip(
            "the harness's account may not kill subscriptions (kill-subscription is default-deny-all, RFC 8639 §5)",
        ));
    }
    refused_with(
        &reply,
        &format!("kill-subscription of subscription {id}, made by a session that has ended,"),
        "no-such-subscription",
        |i| i.name == "no-such-subscription",
    )
}

#[when(expr = "{string} changes the subscription's period to {int} centiseconds")]
async fn modify_period(world: &mut RunWorld, session: String, period: u32) -> StepResult {
    let device = world.require_sandbox()?;
    let (id, datastore) = {
        let watch = watch(world)?;
        let datastore = watch
            .datastore
            .clone()
            .ok_or_else(|| Finding::error("harness bug: the subscription is to a stream"))?;
        (watch.id, datastore)
    };
    let request = rfc3535_client::wire::push::ModifySubscription {
        id,
        target: rfc3535_client::wire::push::Target::Datastore {
            datastore,
            selection: Some(Selection::Subtree(device.sandbox.text.wrap_leaf("", None))),
        },
        period: Some(period),
        dampening_period: None,
        stop_time: None,
    };
    let reply = send(world, &session, request.to_xml()).await?;
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "modify-subscription of its own subscription {id} to a period of {period} cs was refused (RFC 8641 §4.4.2): {}",
            describe_errors(&reply)
        )));
    }
    let watch = watch(world)?;
    watch.period = Some(Duration::from_millis(u64::from(period) * 10));
    watch.modified_at = Some(Instant::now());
    Ok(())
}

#[then(
    expr = "a subscription-modified for it arrives, and after it push-updates at the new period"
)]
async fn modified(world: &mut RunWorld) -> StepResult {
    let watch = watch(world)?;
    let (Some(period), Some(since)) = (watch.period, watch.modified_at) else {
        return Err(Finding::error("harness bug: no modification was made"));
    };
    let after_modified = |received: &[Arrived]| {
        received
            .iter()
            .skip_while(|a| {
                !matches!(
                    a.message,
                    PushMessage::State {
                        change: rfc3535_client::wire::push::StateChange::Modified,
                        ..
                    }
                )
            })
            .filter(|a| matches!(a.message, PushMessage::Update { .. }))
            .count()
    };
    watch
        .gather(Instant::now() + period * 6 + Duration::from_secs(1), |r| {
            after_modified(r) >= 4
        })
        .await;
    watch.faithful()?;
    let saw_modified = watch.received.iter().any(|a| {
        matches!(
            a.message,
            PushMessage::State {
                change: rfc3535_client::wire::push::StateChange::Modified,
                ..
            }
        )
    });
    if !saw_modified {
        return Err(Finding::fail(
            "no subscription-modified came for the subscription after modify-subscription was accepted (RFC 8639 §2.7.2)",
        ));
    }
    // The first update after the change may still keep the old schedule; the rest may not.
    let arrivals: Vec<Instant> = watch
        .updates()
        .filter(|a| a.at > since)
        .skip(1)
        .map(|a| a.at)
        .collect();
    let period_ms = period.as_secs_f64() * 1000.0;
    let Some(measured) = cadence(&arrivals, period) else {
        return Err(Finding::fail(format!(
            "fewer than three push-updates came after the period was changed to {period_ms:.0} ms"
        )));
    };
    world.measurements.insert(
        "push_modified_interval_p50_ms".to_owned(),
        round(measured.interval_p50_ms).into(),
    );
    if measured.error_p50_ms > period_ms * PERIOD_SLACK {
        return Err(lag::attribute(
            Finding::fail(format!(
                "after modify-subscription to a period of {period_ms:.0} ms, push-updates came a median {:.0} ms apart (RFC 8641 §4.4.2)",
                measured.interval_p50_ms
            )),
            since,
            millis(measured.error_p50_ms - period_ms * PERIOD_SLACK),
            Measure::Median,
        ));
    }
    Ok(())
}

#[then(expr = "within 2 periods a push-update for it holds that value")]
async fn fresh_update(world: &mut RunWorld) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world
        .text_value
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no value was written"))?;
    let since = world
        .activated_at
        .ok_or_else(|| Finding::error("harness bug: the write was not noted"))?;
    let watch = watch(world)?;
    let period = watch
        .period
        .ok_or_else(|| Finding::error("harness bug: the subscription is not periodic"))?;
    let holds = |arrived: &Arrived| match &arrived.message {
        PushMessage::Update {
            contents: Some(contents),
            ..
        } => rfc3535_client::wire::tree::Element::parse_fragment(contents)
            .map(|e| device.sandbox.text.values_in(&e).contains(&value))
            .unwrap_or(false),
        _ => false,
    };
    watch
        .gather(since + period * 2 + IN_FLIGHT, |r| r.iter().any(holds))
        .await;
    watch.faithful()?;
    let Some(at) = watch.received.iter().find(|a| holds(a)).map(|a| a.at) else {
        let last = watch
            .updates()
            .last()
            .map(|a| format!("{:?}", a.message))
            .unwrap_or_else(|| "no push-update".to_owned());
        return Err(Finding::fail(format!(
            "no push-update in the {} ms after the sandbox text became {value:?} holds it; the datastore's contents must be those at the time of the update (RFC 8641 §3.7). The last: {last}",
            (period * 2).as_millis()
        )));
    };
    note_elapsed(world, "push_update_freshness_ms", since, at);
    Ok(())
}

#[when(
    expr = "{string} subscribes to changes of the sandbox text in running, excluding changes of value"
)]
async fn subscribe_excluding(world: &mut RunWorld, session: String) -> StepResult {
    let replace = vec![rfc3535_client::wire::push::ChangeType::Replace];
    establish_on_change(world, &session, None, Some(false), replace).await
}

#[then(expr = "nothing arrives for it within {int} seconds")]
async fn nothing_arrives(world: &mut RunWorld, seconds: u64) -> StepResult {
    let watch = watch(world)?;
    watch
        .gather(Instant::now() + Duration::from_secs(seconds), |_| false)
        .await;
    watch.faithful()?;
    let sent: Vec<String> = watch.received.iter().map(|a| a.message.kind()).collect();
    if !sent.is_empty() {
        return Err(Finding::fail(format!(
            "a subscription without sync-on-start that excludes changes of value (replace) was sent {sent:?} for a change of value (RFC 8641 §3.3, excluded-change)"
        )));
    }
    Ok(())
}

/// Sends kill-subscription of the scenario's subscription from `session`.
async fn kill_from(
    world: &mut RunWorld,
    session: &str,
) -> Result<rfc3535_client::wire::RpcReply, Finding> {
    let id = watch(world)?.id;
    let reply = send(
        world,
        session,
        rfc3535_client::wire::push::kill_subscription(id),
    )
    .await?;
    world.activated_at = Some(Instant::now());
    Ok(reply)
}

fn access_denied(reply: &rfc3535_client::wire::RpcReply) -> bool {
    reply
        .errors
        .iter()
        .any(|e| e.error_tag() == Some(rfc3535_client::wire::ErrorTag::AccessDenied))
}

#[when(expr = "{string} kills that subscription")]
async fn kill(world: &mut RunWorld, session: String) -> StepResult {
    let reply = kill_from(world, &session).await?;
    if access_denied(&reply) {
        return Err(Finding::skip(
            "the harness's account may not kill subscriptions (kill-subscription is default-deny-all, RFC 8639 §5)",
        ));
    }
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "kill-subscription of another session's live subscription was refused (RFC 8639 §2.4.5): {}",
            describe_errors(&reply)
        )));
    }
    Ok(())
}

#[when(expr = "{string} tries to kill that subscription")]
async fn try_kill(world: &mut RunWorld, session: String) -> StepResult {
    let reply = kill_from(world, &session).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "a subscription-terminated for it arrives, and nothing for it after")]
async fn terminated(world: &mut RunWorld) -> StepResult {
    let watch = watch(world)?;
    let period = watch.period.unwrap_or(Duration::from_secs(1));
    watch
        .gather(
            Instant::now() + period * 2 + Duration::from_millis(500),
            |_| false,
        )
        .await;
    watch.faithful()?;
    let Some(at) = watch
        .received
        .iter()
        .find(|a| {
            matches!(
                a.message,
                PushMessage::State {
                    change: rfc3535_client::wire::push::StateChange::Terminated,
                    ..
                }
            )
        })
        .map(|a| a.at)
    else {
        return Err(Finding::fail(
            "no subscription-terminated came for the killed subscription (RFC 8639 §2.4.5, §2.7.3)",
        ));
    };
    let after: Vec<String> = watch
        .received
        .iter()
        .filter(|a| a.at > at)
        .map(|a| a.message.kind())
        .collect();
    if !after.is_empty() {
        return Err(Finding::fail(format!(
            "after subscription-terminated the subscription still sent {after:?} (RFC 8639 §2.5.1)"
        )));
    }
    Ok(())
}

#[then(expr = "it is refused with access-denied, and the subscription goes on")]
async fn kill_denied(world: &mut RunWorld) -> StepResult {
    let reply = world.kept_reply()?.clone();
    let since = world
        .activated_at
        .ok_or_else(|| Finding::error("harness bug: the attempt was not noted"))?;
    if reply.is_success() {
        return Err(Finding::fail(
            "an account without the right killed another session's subscription: kill-subscription is default-deny-all (RFC 8639 §5, RFC 8341 §3.2.2)",
        ));
    }
    if !access_denied(&reply) {
        return Err(Finding::fail(format!(
            "kill-subscription by an account without the right was refused, but not with access-denied (RFC 8341 §3.4.4): {}",
            describe_errors(&reply)
        )));
    }
    let watch = watch(world)?;
    let period = watch.period.unwrap_or(Duration::from_secs(1));
    watch
        .gather(Instant::now() + period * 3 + IN_FLIGHT, |r| {
            r.iter()
                .filter(|a| a.at > since && matches!(a.message, PushMessage::Update { .. }))
                .count()
                >= 2
        })
        .await;
    watch.faithful()?;
    let later = watch.updates().filter(|a| a.at > since).count();
    if later < 2 {
        // Two updates take two periods; what was waited beyond them was not enough.
        return Err(lag::attribute(
            Finding::fail(format!(
                "after a refused kill-subscription, {later} push-update(s) came in three periods: the subscription should have gone on"
            )),
            since,
            period + IN_FLIGHT,
            Measure::Worst,
        ));
    }
    Ok(())
}

#[then(
    expr = "the first push-update for it holds what a get-data of the same datastore and selection reads"
)]
async fn update_matches_get_data(world: &mut RunWorld) -> StepResult {
    let device = world.require_sandbox()?;
    let watch = watch(world)?;
    let (session, period) = (watch.session.clone(), watch.period.unwrap_or_default());
    let datastore = watch
        .datastore
        .clone()
        .ok_or_else(|| Finding::error("harness bug: the subscription is to a stream"))?;
    watch
        .gather(Instant::now() + period * 2 + Duration::from_secs(2), |r| {
            r.iter()
                .any(|a| matches!(a.message, PushMessage::Update { .. }))
        })
        .await;
    watch.faithful()?;
    let Some(PushMessage::Update { contents, .. }) = watch.updates().next().map(|a| &a.message)
    else {
        return Err(Finding::fail(format!(
            "no push-update came within two periods and 2 s ({} ms period, RFC 8641 §3.1)",
            period.as_millis()
        )));
    };
    let contents = contents.clone().unwrap_or_default();
    compare_with_get_data(
        world,
        &session,
        &device,
        datastore,
        device.sandbox.text.wrap_leaf("", None),
        &contents,
        "the push-update",
    )
    .await
}

#[when(
    expr = "{string} subscribes to changes of the sandbox text in running, without sync-on-start"
)]
async fn subscribe_unsynchronised(world: &mut RunWorld, session: String) -> StepResult {
    establish_on_change(world, &session, None, Some(false), Vec::new()).await
}

#[then(
    expr = "no push-update for it arrives within {int} second(s), as it asked for none at the start"
)]
async fn no_initial_update(world: &mut RunWorld, seconds: u64) -> StepResult {
    let watch = watch(world)?;
    watch
        .gather(Instant::now() + Duration::from_secs(seconds), |r| {
            r.iter()
                .any(|a| matches!(a.message, PushMessage::Update { .. }))
        })
        .await;
    watch.faithful()?;
    if watch.updates().next().is_some() {
        return Err(Finding::fail(
            "an on-change subscription with sync-on-start false was sent a push-update before any change (RFC 8641 §3.3, sync-on-start)",
        ));
    }
    Ok(())
}

#[when(expr = "{string} asks for a resync of the subscription")]
async fn resync(world: &mut RunWorld, session: String) -> StepResult {
    let id = watch(world)?.id;
    // Measured from the request: the device may send the update before its reply.
    let asked = Instant::now();
    let reply = send(
        world,
        &session,
        rfc3535_client::wire::push::resync_subscription(id),
    )
    .await?;
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "resync-subscription of the session's own on-change subscription was refused (RFC 8641 §4.4.4): {}",
            describe_errors(&reply)
        )));
    }
    world.activated_at = Some(asked);
    Ok(())
}

#[then(expr = "a push-update for it holds that value within 5 seconds")]
async fn resynchronised(world: &mut RunWorld) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world
        .text_value
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no value was written"))?;
    let since = world.activated_at;
    let watch = watch(world)?;
    let holds = |a: &Arrived| match &a.message {
        PushMessage::Update {
            contents: Some(contents),
            ..
        } => rfc3535_client::wire::tree::Element::parse_fragment(contents)
            .is_ok_and(|elements| device.sandbox.text.values_in(&elements).contains(&value)),
        _ => false,
    };
    watch
        .gather(Instant::now() + CHANGE_BOUND, |r| r.iter().any(holds))
        .await;
    watch.faithful()?;
    let Some(at) = watch.received.iter().find(|a| holds(a)).map(|a| a.at) else {
        let seen: Vec<String> = watch.received.iter().map(|a| a.message.kind()).collect();
        return Err(Finding::fail(format!(
            "no push-update holding the sandbox text {value:?} came within {} s of resync-subscription (RFC 8641 §4.4.4); it received: {seen:?}",
            CHANGE_BOUND.as_secs()
        )));
    };
    if let Some(since) = since {
        note_elapsed(world, "push_resync_latency_ms", since, at);
    }
    Ok(())
}

#[given(expr = "a management session {string} with a small receive window")]
async fn a_small_window_session(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let mut options = device
        .connect
        .netconf()
        .ok_or_else(|| {
            Finding::error(
                "harness bug: a step about NETCONF's SSH window ran on a RESTCONF column",
            )
        })?
        .clone();
    options.receive_window = Some(SMALL_RECEIVE_WINDOW);
    let access = rfc3535_harness::access::Access::Netconf(options);
    let session = super::world::open_session(&device, &access).await?;
    world.usernames.insert(name.clone(), access.username());
    world.sessions.insert(name, session);
    Ok(())
}

#[when(
    expr = "{string} subscribes to the sandbox text in operational at the shortest period the device accepts"
)]
async fn subscribe_shortest(world: &mut RunWorld, session: String) -> StepResult {
    let device = world.require_sandbox()?;
    let mut refusals = Vec::new();
    for period in CANDIDATE_PERIODS {
        let selection = Selection::Subtree(device.sandbox.text.wrap_leaf("", None));
        let request = EstablishSubscription::datastore(
            NmdaDatastore::Operational,
            Some(selection),
            UpdateTrigger::Periodic {
                period,
                anchor_time: None,
            },
        );
        let reply = send(world, &session, request.to_xml()).await?;
        if reply.is_success() {
            let what = format!("the sandbox text in operational every {period} centiseconds");
            let watch = watching(world, &session, &reply, &what)?;
            world.subscription = Some(Watch {
                datastore: Some(NmdaDatastore::Operational),
                period: Some(Duration::from_millis(u64::from(period) * 10)),
                ..watch
            });
            return Ok(());
        }
        let period_refused = reply.errors.iter().any(|e| {
            e.app_tag
                .as_deref()
                .and_then(ErrorIdentity::from_app_tag)
                .is_some_and(|i| i.name == "period-unsupported")
        });
        refusals.push(format!("{period} cs: {}", describe_errors(&reply)));
        if !period_refused {
            break;
        }
    }
    Err(Finding::fail(format!(
        "no periodic subscription to the sandbox text in operational was accepted (RFC 8641 §3.1): {}",
        refusals.join("; ")
    )))
}

#[when(expr = "{string} stops reading for {int} seconds, then reads again")]
async fn hold_reading(world: &mut RunWorld, session: String, seconds: u64) -> StepResult {
    let netconf = world.netconf(&session)?;
    netconf.hold_reading(true);
    let held_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    netconf.hold_reading(false);
    let released_at = Instant::now();
    watch(world)?.held = Some((held_at, released_at));
    Ok(())
}

#[then(
    expr = "every period it was active has its push-update, and a suspension is announced and ends with subscription-resumed"
)]
async fn no_silent_loss(world: &mut RunWorld) -> StepResult {
    let watch = watch(world)?;
    let period = watch
        .period
        .ok_or_else(|| Finding::error("harness bug: the subscription is not periodic"))?;
    let (_, released_at) = watch
        .held
        .ok_or_else(|| Finding::error("harness bug: the session never stopped reading"))?;
    let delivered_of = |received: &[Arrived]| -> Vec<Delivered> {
        received
            .iter()
            .filter_map(|a| match &a.message {
                PushMessage::Update { .. } => a.event_time.map(Delivered::Update),
                PushMessage::State { change, .. } => match change {
                    StateChange::Suspended => Some(Delivered::Suspended),
                    StateChange::Resumed => Some(Delivered::Resumed),
                    StateChange::Modified => Some(Delivered::Modified),
                    StateChange::Terminated => Some(Delivered::Terminated),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    };
    // What was held back comes at once; then, if it was suspended, its resumption. Updates
    // that come this long after reading again were made after it.
    let fresh_after = released_at + (period * 3).max(Duration::from_secs(2));
    watch
        .gather(fresh_after + RESUME_BOUND, |received| {
            let account = continuity(&delivered_of(received), period);
            let fresh = received
                .iter()
                .any(|a| a.at > fresh_after && matches!(a.message, PushMessage::Update { .. }));
            !account.ends_suspended && fresh
        })
        .await;
    let untimed = watch.updates().filter(|a| a.event_time.is_none()).count();
    let account = continuity(&delivered_of(&watch.received), period);
    let fresh = watch.updates().filter(|a| a.at > fresh_after).count();
    let timed_since = watch.since;
    let faithful = watch.faithful();
    let measurements = [
        ("push_lost_updates", account.missing),
        (
            "push_period_ms",
            usize::try_from(period.as_millis()).unwrap_or(usize::MAX),
        ),
        ("push_suspensions", account.suspensions),
        ("push_updates", account.updates),
    ];
    for (name, value) in measurements {
        world.measurements.insert(name.to_owned(), value.into());
    }
    world.notes.push(format!(
        "{} push-update(s), {} of {} due while active missing, longest gap while active {} ms, {} suspension(s)",
        account.updates,
        account.missing,
        account.due,
        account.longest_gap.as_millis(),
        account.suspensions
    ));
    faithful?;
    if untimed > 0 {
        return Err(Finding::fail(
            "a push-update's eventTime is not an RFC 3339 time (RFC 5277 §4)",
        ));
    }
    if account.updates_while_suspended > 0 {
        return Err(Finding::fail(format!(
            "{} push-update(s) came while the subscription was suspended: nothing is sent between subscription-suspended and subscription-resumed (RFC 8639 §2.7, ietf-subscribed-notifications)",
            account.updates_while_suspended
        )));
    }
    if account.resumed_unsuspended > 0 {
        return Err(Finding::fail(
            "subscription-resumed came for a subscription that was not suspended (RFC 8639 §2.7)",
        ));
    }
    if account.ends_suspended {
        return Err(Finding::fail(format!(
            "the subscription was suspended and neither resumed nor terminated within {} s of the subscriber reading again (catalogue MB-03 A5)",
            RESUME_BOUND.as_secs()
        )));
    }
    if fresh == 0 {
        return Err(Finding::fail(format!(
            "no push-update came in the {} s after the subscriber read again and what was held back had come",
            RESUME_BOUND.as_secs()
        )));
    }
    if account.missing > (account.due / 5).max(5) {
        // A device that stood still as long as the longest gap would leave the same hole.
        return Err(lag::attribute(
            Finding::fail(format!(
                "{} of the {} push-updates due while the subscription was active never came, and no subscription-suspended said so (the longest gap: {} ms for a period of {} ms): a subscriber that falls behind loses updates in silence (RFC 8639 §2.7, catalogue MB-03 A5, MB-20 A2)",
                account.missing,
                account.due,
                account.longest_gap.as_millis(),
                period.as_millis()
            )),
            timed_since,
            account.longest_gap.saturating_sub(period),
            Measure::Worst,
        ));
    }
    Ok(())
}
