//! Steps about management sessions: opening them (as the main or the read-only account),
//! losing them, and authentication.

use cucumber::{given, then, when};

use rfc3535_harness::session::{DeviceSession, ManagementSession as _};

use super::world::{open_session, Finding, RunWorld, StepResult};

#[given(expr = "a management session {string}")]
async fn a_session(world: &mut RunWorld, name: String) -> StepResult {
    let device = std::sync::Arc::clone(world.device()?);
    let session = open_session(&device, &device.connect).await?;
    world
        .usernames
        .insert(name.clone(), device.connect.username());
    world.sessions.insert(name, session);
    Ok(())
}

#[given(expr = "a management session {string} of the read-only account")]
async fn a_read_only_session(world: &mut RunWorld, name: String) -> StepResult {
    let device = std::sync::Arc::clone(world.device()?);
    let Some(options) = &device.read_only else {
        return Err(Finding::skip(
            "the inventory names no read-only account for this device (roles.read_only)",
        ));
    };
    let session = open_session(&device, options).await?;
    world.usernames.insert(name.clone(), options.username());
    world.sessions.insert(name, session);
    Ok(())
}

#[when(expr = "{string} is disconnected")]
async fn disconnected(world: &mut RunWorld, name: String) -> StepResult {
    let session = world
        .sessions
        .remove(&name)
        .ok_or_else(|| Finding::error(format!("harness bug: no session {name:?} to disconnect")))?;
    // Dropping the transport without close-session: the device sees the session lost.
    session.netconf()?.shutdown().await;
    world.ended_sessions.push((name, session));
    Ok(())
}

#[when(expr = "a session is opened with a wrong password")]
async fn wrong_password(world: &mut RunWorld) -> StepResult {
    let device = std::sync::Arc::clone(world.device()?);
    let Some(options) = device.connect.netconf() else {
        return Err(Finding::error(
            "harness bug: the wrong-password step over RESTCONF is its own step",
        ));
    };
    let mut options = options.clone();
    options.auth = rfc3535_client::Auth::Password(format!("rfc3535-wrong-{}", world.nonce).into());
    options.session.record_transcript = true;
    let outcome = rfc3535_client::connect(&options).await;
    match outcome {
        Ok(session) => {
            world
                .notes
                .push("the device accepted a wrong password".to_owned());
            world
                .sessions
                .insert("wrong-password".to_owned(), DeviceSession::Netconf(session));
        }
        Err(rfc3535_client::ClientError::AuthenticationFailed { .. }) => {
            world.notes.push("authentication refused".to_owned());
        }
        Err(other) => return Err(Finding::from(other)),
    }
    Ok(())
}

#[then(expr = "the device refuses to authenticate it")]
async fn refused(world: &mut RunWorld) -> StepResult {
    if world.sessions.contains_key("wrong-password") {
        return Err(Finding::fail(
            "a session was opened with a wrong password: the device accepted credentials it should refuse",
        ));
    }
    Ok(())
}

#[then(expr = "the session still answers requests")]
async fn still_answers(world: &mut RunWorld) -> StepResult {
    let session = world.any_session()?;
    let reply = session
        .read_datastore(
            rfc3535_client::wire::Datastore::Running,
            Some(&world.device()?.sandbox.text),
        )
        .await
        .map_err(|e| {
            Finding::fail(format!(
                "the session no longer answers after the bad request: {e}"
            ))
        })?;
    super::world::expect_ok(&reply, "a read after the bad request")
}

#[when(expr = "{string} tries to end session {string}")]
async fn tries_to_kill(world: &mut RunWorld, killer: String, victim: String) -> StepResult {
    let id = world.netconf(&victim)?.session_id();
    let reply = world.netconf(&killer)?.kill_session(id).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "session {string} still answers requests")]
async fn named_still_answers(world: &mut RunWorld, name: String) -> StepResult {
    let session = world.netconf(&name)?;
    let filter = world.device()?.sandbox.text.filter();
    match session
        .get_config(rfc3535_client::wire::Datastore::Running, Some(filter))
        .await
    {
        Ok(reply) => super::world::expect_ok(&reply, &format!("a read on session {name}")),
        Err(e) => Err(Finding::fail(format!(
            "session {name} no longer answers: {e}"
        ))),
    }
}

#[then(expr = "session {string} can still read the running configuration")]
async fn can_still_read(world: &mut RunWorld, name: String) -> StepResult {
    let reply = world
        .netconf(&name)?
        .get_config(rfc3535_client::wire::Datastore::Running, None)
        .await?;
    super::world::expect_ok(&reply, &format!("get-config on session {name}"))
}

#[when(expr = "{string} ends a session with an identifier no session can have")]
async fn kill_impossible(world: &mut RunWorld, name: String) -> StepResult {
    // session-id is a uint32 from 1 (RFC 6241's session-id-type); 0 is out of range.
    let reply = world.netconf(&name)?.kill_session(0).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{int} management sessions are opened at the same time")]
async fn many_sessions(world: &mut RunWorld, count: usize) -> StepResult {
    let device = std::sync::Arc::clone(world.device()?);
    let started = std::time::Instant::now();
    let opened =
        futures::future::join_all((0..count).map(|_| open_session(&device, &device.connect))).await;
    world.measurements.insert(
        "sessions_open_ms".to_owned(),
        serde_json::json!(started.elapsed().as_millis() as u64),
    );
    let mut refused = Vec::new();
    for (i, outcome) in opened.into_iter().enumerate() {
        match outcome {
            Ok(session) => {
                world.sessions.insert(format!("parallel-{i}"), session);
            }
            // The device refusing a session is what this scenario measures, not a harness
            // problem.
            Err(finding) => refused.push(format!("session {}: {finding}", i + 1)),
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{} of {count} sessions opened at once were refused: {}",
        refused.len(),
        refused.join("; ")
    )))
}

#[then(expr = "every session answers a configuration read")]
async fn every_session_reads(world: &mut RunWorld) -> StepResult {
    let text = &world.device()?.sandbox.text;
    let reads = world.sessions.values().map(|session| {
        session.read_datastore(rfc3535_client::wire::Datastore::Running, Some(text))
    });
    let replies = futures::future::join_all(reads).await;
    for reply in replies {
        super::world::expect_ok(&reply?, "a read on one of the parallel sessions")?;
    }
    Ok(())
}
