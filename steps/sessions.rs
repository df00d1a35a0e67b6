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
        return wrong_restconf_credentials(world, &device).await;
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

/// Over RESTCONF: a read of the datastore resource with a wrong password, or, where the
/// account authenticates by certificate, with no credentials at all (RFC 8040 §2.5: every
/// request is authenticated). A refusal is a 401 or 403, or a TLS handshake that ends
/// for want of a client certificate; an answer with data is an acceptance.
async fn wrong_restconf_credentials(
    world: &mut RunWorld,
    device: &rfc3535_harness::DeviceContext,
) -> StepResult {
    let rfc3535_harness::access::Access::Restconf(options) = &device.connect else {
        return Err(Finding::error("harness bug: a target with no access"));
    };
    let mut options = options.clone();
    let wrong = if options.password.is_some() {
        options.password = Some(format!("rfc3535-wrong-{}", world.nonce).into());
        "a wrong password"
    } else {
        options.identity = None;
        "no client certificate and no password"
    };
    let session =
        match rfc3535_harness::restconf::open_session(&options, device.restconf_dialect()).await {
            Ok(session) => session,
            Err(refused) => {
                world.notes.push(format!(
                    "with {wrong}, the connection was refused: {}",
                    refused.message()
                ));
                return Ok(());
            }
        };
    let request = rfc3535_client::restconf::Request::new(
        http::Method::GET,
        session.client().data_target("", "content=config"),
    );
    match session.send(request).await {
        Ok(response) if response.status.is_success() => {
            world.notes.push(format!(
                "with {wrong}, the datastore resource answered {}",
                response.status
            ));
            world
                .sessions
                .insert("wrong-password".to_owned(), DeviceSession::Restconf(session));
        }
        Ok(response) if matches!(response.status.as_u16(), 401 | 403) => {
            world.notes.push(format!("with {wrong}: {}", response.status));
        }
        Ok(response) => {
            return Err(Finding::fail(format!(
                "a request with {wrong} answered {}, neither the data nor 401 (RFC 8040 §2.5, RFC 9110 §15.5.2)",
                response.status
            )))
        }
        Err(refused) => {
            world
                .notes
                .push(format!("with {wrong}, the request was refused: {refused}"));
        }
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
