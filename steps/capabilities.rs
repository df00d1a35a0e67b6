//! Steps that hold a device to what its hello announces beyond the catalogue's other
//! features: every `:with-defaults` mode (RFC 6243), requests answered while a subscription
//! is active (`:interleave`, RFC 5277 §6), and sessions announced as they start and end
//! (RFC 6470). The judgement of each lives in the
//! harness (`rfc3535_harness::with_defaults`); these steps only read and hand over.

use std::sync::Arc;
use std::time::Duration;

use cucumber::{given, then, when};
use rfc3535_client::wire::{CreateSubscription, Datastore, GetData, NmdaDatastore, WithDefaults};
use rfc3535_harness::session::ManagementSession as _;
use rfc3535_harness::with_defaults::{
    announced_modes, default_leaves, judge, restconf_modes, ModeRead,
};

use super::world::{
    account_of, check_event_schema, expect_ok, open_session, reply_data, watch_events, Finding,
    RunWorld, StepResult,
};

/// How long a request made while subscribed may take before it counts as unanswered.
const INTERLEAVED_WITHIN: Duration = Duration::from_secs(10);

#[given(expr = "a management session {string} subscribed to the NETCONF event stream")]
async fn subscribed_to_stream(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let session = open_session(&device, &device.connect).await?;
    let reply = session
        .netconf()?
        .create_subscription(CreateSubscription::default())
        .await?;
    expect_ok(&reply, "create-subscription to the NETCONF stream")?;
    world
        .usernames
        .insert(name.clone(), device.connect.username());
    world.sessions.insert(name, session);
    Ok(())
}

#[then(expr = "{string} answers a configuration read while its subscription is active")]
async fn answers_while_subscribed(world: &mut RunWorld, name: String) -> StepResult {
    let session = world.netconf(&name)?;
    let reply = tokio::time::timeout(
        INTERLEAVED_WITHIN,
        session.get_config(Datastore::Running, None),
    )
    .await
    .map_err(|_| {
        Finding::fail(format!(
            "a get-config on a subscribed session had no answer within {} s, though :interleave is announced (RFC 5277 §6)",
            INTERLEAVED_WITHIN.as_secs()
        ))
    })??;
    reply_data(
        &reply,
        "get-config on a subscribed session (RFC 5277 §6, :interleave)",
    )?;
    Ok(())
}

#[when(expr = "a management session {string} opens and closes")]
async fn opens_and_closes(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let session = open_session(&device, &device.connect).await?;
    world
        .usernames
        .insert(name.clone(), device.connect.username());
    world
        .session_ids
        .insert(name.clone(), session.netconf()?.session_id());
    session.end().await;
    world.ended_sessions.push((name, session));
    Ok(())
}

#[then(
    expr = "within {int} seconds {string} receives the start and the end of session {string} with its account"
)]
async fn receives_session_events(
    world: &mut RunWorld,
    seconds: u64,
    listener: String,
    of: String,
) -> StepResult {
    let username = account_of(world, &of)?;
    let session_id = world
        .session_ids
        .get(&of)
        .ok_or_else(|| Finding::error(format!("harness bug: no session id kept for {of:?}")))?
        .to_string();
    let device = Arc::clone(world.device()?);
    let (mut started, mut ended) = (false, false);
    let seen = watch_events(world, &listener, seconds, |event, notification, seen| {
        let kind = event.name.local.as_str();
        if !matches!(kind, "netconf-session-start" | "netconf-session-end") {
            return Ok(false);
        }
        let field = |name: &str| event.child(name).map(|e| e.text.trim().to_owned());
        let (user, sid) = (field("username"), field("session-id"));
        if sid.as_deref() != Some(session_id.as_str()) {
            return Ok(false);
        }
        if user.as_deref() != Some(username.as_str()) {
            seen.push(format!(
                "{kind} of session {session_id} names username {user:?}"
            ));
            return Ok(false);
        }
        check_event_schema(&device, notification, kind)?;
        if kind == "netconf-session-start" {
            started = true;
        } else {
            ended = true;
        }
        Ok(started && ended)
    })
    .await?;
    if started && ended {
        return Ok(());
    }
    let missing: Vec<&str> = [
        (!started).then_some("netconf-session-start"),
        (!ended).then_some("netconf-session-end"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Err(Finding::fail(format!(
        "within {seconds} s no {} for session {session_id} of {username:?} arrived (RFC 6470 §2){}",
        missing.join(" and no "),
        if seen.is_empty() {
            String::new()
        } else {
            format!("; seen: {}", seen.join("; "))
        }
    )))
}

#[when(
    expr = "{string} reads the running configuration in every with-defaults mode the device announces"
)]
async fn reads_every_mode(world: &mut RunWorld, name: String) -> StepResult {
    read_in_every_mode(world, &name, ReadVia::GetConfig).await
}

#[when(
    expr = "{string} reads the running datastore with get-data in every with-defaults mode the device announces"
)]
async fn reads_every_mode_with_get_data(world: &mut RunWorld, name: String) -> StepResult {
    read_in_every_mode(world, &name, ReadVia::GetData).await
}

#[when(
    expr = "{string} reads configuration and state with get in every with-defaults mode the device announces"
)]
async fn reads_every_mode_with_get(world: &mut RunWorld, name: String) -> StepResult {
    read_in_every_mode(world, &name, ReadVia::Get).await
}

#[when(
    expr = "{string} reads the datastore's configuration over RESTCONF in every with-defaults mode"
)]
async fn reads_every_mode_over_restconf(world: &mut RunWorld, name: String) -> StepResult {
    read_every_mode_over_restconf(world, &name, RestconfRead::DataResource).await
}

#[when(expr = "{string} reads the running datastore resource in every with-defaults mode")]
async fn reads_every_mode_from_running_resource(world: &mut RunWorld, name: String) -> StepResult {
    read_every_mode_over_restconf(world, &name, RestconfRead::RunningResource).await
}

/// The RESTCONF resource a with-defaults read is of: the configuration of the datastore
/// resource (`{+restconf}/data?content=config`, RFC 8040 §4.8.9), or the running datastore
/// resource of the NMDA (`{+restconf}/ds/ietf-datastores:running`, RFC 8527 §3.2.1).
#[derive(Clone, Copy)]
enum RestconfRead {
    DataResource,
    RunningResource,
}

impl RestconfRead {
    /// The request target of a read in `mode` (`None`: without the parameter), and what
    /// messages call it.
    fn target(
        self,
        client: &rfc3535_client::restconf::RestconfClient,
        mode: Option<WithDefaults>,
    ) -> (String, String) {
        let with_defaults = mode.map(|m| format!("with-defaults={}", m.as_str()));
        match self {
            RestconfRead::DataResource => {
                let query = match with_defaults {
                    None => "content=config".to_owned(),
                    Some(parameter) => format!("content=config&{parameter}"),
                };
                (client.data_target("", &query), query)
            }
            RestconfRead::RunningResource => {
                let query = with_defaults.unwrap_or_default();
                let target = client.datastore_target(&NmdaDatastore::Running, "", &query);
                let label = match query.as_str() {
                    "" => "ds/ietf-datastores:running".to_owned(),
                    query => format!("ds/ietf-datastores:running?{query}"),
                };
                (target, label)
            }
        }
    }
}

/// Reads the configuration over RESTCONF without the parameter and in every mode the device
/// lists, for the judge of the modes.
async fn read_every_mode_over_restconf(
    world: &mut RunWorld,
    name: &str,
    resource: RestconfRead,
) -> StepResult {
    use http::Method;
    use rfc3535_client::restconf::Request;
    let device = Arc::clone(world.device()?);
    let Some((basic, modes)) = restconf_modes(&device.claims.restconf_capabilities) else {
        return Err(Finding::fail(
            "ietf-restconf-monitoring lists with-defaults but no defaults capability with a basic-mode (RFC 8040 §9.1.2)",
        ));
    };
    let session = world.session(name)?.restconf()?;
    let encoding = session.encoding();
    let mut reads = Vec::new();
    let mut refused = Vec::new();
    for mode in std::iter::once(None).chain(modes.into_iter().map(Some)) {
        let (target, query) = resource.target(session.client(), mode);
        let response = session
            .send(Request::new(Method::GET, target.clone()).accept(encoding.data().as_str()))
            .await?;
        if !response.status.is_success() {
            // Only the basic mode must be served; another refused is left out, said so.
            if mode.is_some() && mode != Some(basic) && response.status.as_u16() == 400 {
                refused.push(format!("{query}: {}", response.status));
                continue;
            }
            return Err(Finding::fail(format!(
                "GET {target} answered {}",
                response.status
            )));
        }
        let answered = response.encoding().unwrap_or(encoding);
        let data = rfc3535_client::wire::restconf::datastore::unwrap(&response.body, answered)
            .map_err(|e| Finding::fail(format!("{query}: not ietf-restconf:data: {e}")))
            .and_then(|inner| {
                session
                    .data_as_xml(&inner, answered)
                    .map_err(|e| Finding::fail(format!("{query}: {e}")))
            })
            .and_then(|xml| {
                rfc3535_client::wire::tree::Element::parse_fragment(&xml)
                    .map_err(|e| Finding::fail(format!("{query}: {e}")))
            })?;
        reads.push(ModeRead { mode, data });
    }
    world.notes.push(format!(
        "basic mode {}; read over RESTCONF in {}{}",
        basic.as_str(),
        reads
            .iter()
            .filter_map(|r| r.mode.map(|m| m.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
        if refused.is_empty() {
            String::new()
        } else {
            format!("; refused: {}", refused.join(", "))
        }
    ));
    world.with_defaults = Some((basic, reads));
    Ok(())
}

/// The operation that reads running: RFC 6243 §4.5.1 and §4.5.2 put the parameter on
/// `<get-config>` and `<get>`, RFC 8526 §3.1.1 on `<get-data>`.
#[derive(Clone, Copy)]
enum ReadVia {
    GetConfig,
    Get,
    GetData,
}

impl ReadVia {
    fn name(self) -> &'static str {
        match self {
            ReadVia::GetConfig => "get-config",
            ReadVia::Get => "get",
            ReadVia::GetData => "get-data of ds:running",
        }
    }
}

/// Reads running without the parameter and in every mode the device announces.
async fn read_in_every_mode(world: &mut RunWorld, name: &str, via: ReadVia) -> StepResult {
    let session = world.netconf(name)?;
    let Some((basic, modes)) = announced_modes(session.capabilities()) else {
        return Err(Finding::fail(
            "the :with-defaults capability names no basic-mode the harness knows (RFC 6243 §4.3 requires one of explicit, trim, report-all)",
        ));
    };
    let mut reads = Vec::new();
    for mode in std::iter::once(None).chain(modes.into_iter().map(Some)) {
        let reply = match (via, mode) {
            (ReadVia::GetConfig, None) => session.get_config(Datastore::Running, None).await?,
            (ReadVia::GetConfig, Some(mode)) => {
                session
                    .get_config_with_defaults(Datastore::Running, None, mode)
                    .await?
            }
            (ReadVia::Get, mode) => session.get(None, mode).await?,
            (ReadVia::GetData, mode) => {
                session
                    .get_data(GetData {
                        with_defaults: mode,
                        ..GetData::new(NmdaDatastore::Running)
                    })
                    .await?
            }
        };
        let what = match mode {
            None => format!("{} without a with-defaults parameter", via.name()),
            Some(mode) => format!("{} with with-defaults {}", via.name(), mode.as_str()),
        };
        reads.push(ModeRead {
            mode,
            data: reply_data(&reply, &what)?,
        });
    }
    world.notes.push(format!(
        "basic mode {}; read with {} in {}",
        basic.as_str(),
        via.name(),
        reads
            .iter()
            .filter_map(|r| r.mode.map(|m| m.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    world.with_defaults = Some((basic, reads));
    Ok(())
}

#[then(expr = "every reply shows the schema's defaults as its mode says")]
async fn defaults_as_the_mode_says(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let (basic, reads) = world
        .with_defaults
        .as_ref()
        .ok_or_else(|| Finding::error("harness bug: no with-defaults reads kept"))?;
    let schema = device.schema()?;
    let schema = schema.as_ref().as_ref().map_err(|e| {
        Finding::fail(format!(
            "the device's own modules do not compile, so its defaults are unknown: {e}"
        ))
    })?;
    let leaves = default_leaves(&schema.shape());
    let judgement = judge(*basic, reads, &leaves);
    world.measurements.insert(
        "default_leaves_judged".to_owned(),
        judgement.judged.len().into(),
    );
    if judgement.judged.is_empty() {
        return Err(Finding::skip(format!(
            "no configuration leaf with a default is in what the device shows ({} in its schema, none under a top-level container any reply holds)",
            leaves.len()
        )));
    }
    world.notes.push(format!(
        "leaves with defaults judged: {}",
        judgement.judged.join(", ")
    ));
    if judgement.problems.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 8;
    let more = judgement.problems.len().saturating_sub(SHOWN);
    Err(Finding::fail(format!(
        "a read breaks its with-defaults mode (RFC 6243 §3): {}{}",
        judgement.problems[..judgement.problems.len().min(SHOWN)].join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        }
    )))
}

#[then(
    expr = "within {int} seconds {string} receives the start and the completion of the confirmed commit of session {string}"
)]
async fn receives_confirmed_commit_events(
    world: &mut RunWorld,
    seconds: u64,
    listener: String,
    of: String,
) -> StepResult {
    let username = account_of(world, &of)?;
    let session_id = world.netconf(&of)?.session_id().to_string();
    let device = Arc::clone(world.device()?);
    let (mut started, mut completed) = (false, false);
    let seen = watch_events(world, &listener, seconds, |event, notification, seen| {
        if event.name.local != "netconf-confirmed-commit" {
            return Ok(false);
        }
        let field = |name: &str| event.child(name).map(|e| e.text.trim().to_owned());
        let (user, sid, step) = (
            field("username"),
            field("session-id"),
            field("confirm-event"),
        );
        seen.push(format!(
            "{} by session {}",
            step.as_deref().unwrap_or("?"),
            sid.as_deref().unwrap_or("?")
        ));
        if sid.as_deref() != Some(session_id.as_str()) || user.as_deref() != Some(&username) {
            return Ok(false);
        }
        check_event_schema(&device, notification, "netconf-confirmed-commit")?;
        match step.as_deref() {
            Some("start") => started = true,
            Some("complete") => completed = true,
            _ => {}
        }
        Ok(started && completed)
    })
    .await?;
    if started && completed {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "within {seconds} s the netconf-confirmed-commit events of session {session_id} ({username:?}) were not both start and complete (RFC 6470 §2); seen: {}",
        if seen.is_empty() {
            "none".to_owned()
        } else {
            seen.join(", ")
        }
    )))
}

/// The session a netconf-config-change names in `changed-by` (RFC 6470 §2), if any.
pub(super) fn changed_by_session(event: &rfc3535_client::wire::tree::Element) -> Option<String> {
    event
        .find_all(&["changed-by", "session-id"])
        .first()
        .map(|s| s.text.trim().to_owned())
}

#[then(
    expr = "within {int} seconds {string} receives the change made in session {string}, and its time is noted"
)]
async fn receives_change_noting_time(
    world: &mut RunWorld,
    seconds: u64,
    listener: String,
    of: String,
) -> StepResult {
    let session_id = world.netconf(&of)?.session_id().to_string();
    let mut noted: Option<String> = None;
    let seen = watch_events(world, &listener, seconds, |event, notification, seen| {
        if event.name.local != "netconf-config-change" {
            return Ok(false);
        }
        let by = changed_by_session(event);
        if by.as_deref() == Some(session_id.as_str()) {
            noted = Some(notification.event_time.clone());
            return Ok(true);
        }
        seen.push(format!("a change by session {by:?}"));
        Ok(false)
    })
    .await?;
    let Some(time) = noted else {
        return Err(Finding::fail(format!(
            "within {seconds} s no configuration change by session {session_id} was announced (seen: {seen:?})"
        )));
    };
    world.notes.push(format!(
        "the change's eventTime, on the device's clock: {time}"
    ));
    world.replay_from = Some(time);
    Ok(())
}

/// Subscribes from the device's own time of an event, so that clocks apart do not matter
/// and the replay holds little besides that event.
#[when(
    expr = "a management session {string} subscribes to the NETCONF event stream from that time"
)]
async fn subscribes_from_noted_time(world: &mut RunWorld, name: String) -> StepResult {
    let start = world
        .replay_from
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no event time was noted"))?;
    let device = Arc::clone(world.device()?);
    let session = open_session(&device, &device.connect).await?;
    let subscription = CreateSubscription {
        start_time: Some(start),
        ..CreateSubscription::default()
    };
    let reply = session.netconf()?.create_subscription(subscription).await?;
    expect_ok(
        &reply,
        "create-subscription with a startTime, on a stream that says it replays",
    )?;
    world
        .usernames
        .insert(name.clone(), device.connect.username());
    world.sessions.insert(name, session);
    Ok(())
}

#[then(
    expr = "within {int} seconds {string} receives the change made in session {string} replayed, then the end of the replay"
)]
async fn receives_replay(
    world: &mut RunWorld,
    seconds: u64,
    listener: String,
    of: String,
) -> StepResult {
    let session_id = world.netconf(&of)?.session_id().to_string();
    let device = Arc::clone(world.device()?);
    let mut events = world
        .session(&listener)?
        .take_events()
        .ok_or_else(|| Finding::error("harness bug: notifications already taken"))?;
    let deadline = rfc3535_harness::lag::Deadline::after(Duration::from_secs(seconds));
    let mut replayed_change = false;
    loop {
        let Some(Some(notification)) = deadline.run(events.recv()).await else {
            return Err(Finding::fail(if replayed_change {
                format!("the change was replayed, and no replayComplete followed within {seconds} s (RFC 5277 §2.1.1)")
            } else {
                format!("within {seconds} s nothing was replayed: not the change session {session_id} made before the subscription, and no replayComplete")
            }));
        };
        let content = rfc3535_client::wire::tree::Element::parse_fragment(notification.content())
            .map_err(|e| Finding::fail(format!("a notification is not XML: {e}")))?;
        for event in &content {
            match event.name.local.as_str() {
                "netconf-config-change"
                    if event.name.namespace == rfc3535_client::wire::ns::NETCONF_NOTIFICATIONS
                        && changed_by_session(event).as_deref() == Some(session_id.as_str()) =>
                {
                    check_event_schema(&device, &notification, "replayed configuration change")?;
                    replayed_change = true;
                }
                "replayComplete" => {
                    if event.name.namespace != rfc3535_client::wire::ns::STREAMS {
                        return Err(Finding::fail(format!(
                            "replayComplete came in namespace {:?}, not RFC 5277's {}",
                            event.name.namespace,
                            rfc3535_client::wire::ns::STREAMS
                        )));
                    }
                    check_event_schema(&device, &notification, "replayComplete")?;
                    if replayed_change {
                        return Ok(());
                    }
                    return Err(Finding::fail(format!(
                        "the replay completed without the configuration change session {session_id} made before the subscription"
                    )));
                }
                _ => {}
            }
        }
    }
}
