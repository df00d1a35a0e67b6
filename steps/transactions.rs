//! Steps about transactions on one device: confirmed commits (timeout, session loss, persist
//! tokens), pipelined requests, and waiting.

use std::sync::Arc;
use std::time::Duration;

use cucumber::{then, when};
use rfc3535_client::wire::{Commit, Datastore, Operation};

use super::world::{
    eventually, expect_ok, open_session, read_sandbox_text, Finding, RunWorld, StepResult,
};

#[when(expr = "{string} commits, asking for confirmation within {int} seconds")]
async fn confirmed_commit(world: &mut RunWorld, name: String, seconds: u32) -> StepResult {
    let commit = Commit {
        confirmed: true,
        confirm_timeout: Some(seconds),
        ..Commit::default()
    };
    world.confirmed_pending = true;
    let reply = world.netconf(&name)?.commit(commit).await?;
    expect_ok(&reply, "confirmed commit")
}

#[when(expr = "{string} confirms its commit")]
async fn confirms_own_commit(world: &mut RunWorld, name: String) -> StepResult {
    let reply = world.netconf(&name)?.commit(Commit::default()).await?;
    expect_ok(&reply, "confirming commit")?;
    world.confirmed_pending = false;
    Ok(())
}

#[when(
    expr = "{string} commits, asking for confirmation within {int} seconds under a persist token"
)]
async fn confirmed_commit_persist(world: &mut RunWorld, name: String, seconds: u32) -> StepResult {
    let token = format!("rfc3535-persist-{}", world.nonce);
    let commit = Commit {
        confirmed: true,
        confirm_timeout: Some(seconds),
        persist: Some(token.clone()),
        ..Commit::default()
    };
    world.confirmed_pending = true;
    world.persist_token = Some(token);
    let reply = world.netconf(&name)?.commit(commit).await?;
    expect_ok(&reply, "confirmed commit with persist")
}

#[when(expr = "{int} seconds pass")]
async fn seconds_pass(_world: &mut RunWorld, seconds: u64) -> StepResult {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    Ok(())
}

#[then(
    expr = "within {int} seconds {string} sees a running configuration without the sandbox text"
)]
async fn eventually_without(world: &mut RunWorld, seconds: u64, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let written = world.text_value.clone();
    let session = world.netconf(&name)?;
    let reverted = eventually(Duration::from_secs(seconds), || async {
        Ok(read_sandbox_text(session, &device, Datastore::Running).await? != written)
    })
    .await?;
    if reverted {
        world.confirmed_pending = false;
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{seconds} s after the session that made an unconfirmed commit was lost, running still holds its change"
    )))
}

#[when(expr = "a new management session {string} confirms the commit with a wrong persist token")]
async fn confirm_wrong_token(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let session = open_session(&device, &device.connect).await?;
    let reply = session
        .netconf()?
        .commit(Commit {
            persist_id: Some(format!("rfc3535-wrong-{}", world.nonce)),
            ..Commit::default()
        })
        .await?;
    world.sessions.insert(name, session);
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} confirms the commit with the persist token")]
async fn confirm_token(world: &mut RunWorld, name: String) -> StepResult {
    let token = world
        .persist_token
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no persist token"))?;
    let reply = world
        .netconf(&name)?
        .commit(Commit {
            persist_id: Some(token),
            ..Commit::default()
        })
        .await?;
    if reply.is_success() {
        world.confirmed_pending = false;
        world.persist_token = None;
    }
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} sends {int} configuration reads without waiting for replies")]
async fn pipelined(world: &mut RunWorld, name: String, count: usize) -> StepResult {
    let session = world.netconf(&name)?;
    let operation = Operation::GetConfig {
        source: Datastore::Running,
        filter: Some(world.device()?.sandbox.text.filter()),
        with_defaults: None,
    };
    let started = std::time::Instant::now();
    let replies = futures::future::join_all((0..count).map(|_| session.rpc(&operation))).await;
    let elapsed = started.elapsed();
    let mut unanswered = Vec::new();
    let mut refused = Vec::new();
    for (i, reply) in replies.into_iter().enumerate() {
        match reply {
            Ok(reply) if reply.is_success() => {}
            Ok(reply) => refused.push(format!(
                "#{}: {}",
                i + 1,
                super::world::describe_errors(&reply)
            )),
            Err(rfc3535_client::ClientError::Timeout { .. }) => unanswered.push(i + 1),
            Err(other) => return Err(Finding::from(other)),
        }
    }
    world.measurements.insert(
        "pipelined_ms".to_owned(),
        serde_json::json!(elapsed.as_millis() as u64),
    );
    if !unanswered.is_empty() || !refused.is_empty() {
        world.notes.push(format!(
            "unanswered: {unanswered:?}; refused: {}",
            refused.join("; ")
        ));
    }
    Ok(())
}

#[then(expr = "every read is answered with data")]
async fn every_read_answered(world: &mut RunWorld) -> StepResult {
    match world.notes.first() {
        None => Ok(()),
        Some(note) => Err(Finding::fail(format!(
            "pipelined requests were not all answered: {note}"
        ))),
    }
}
