//! Steps about partial locks (RFC 5717): a session locks the sandbox text alone, other
//! sessions are kept off it and only it, and the lock is given back.

use cucumber::{then, when};
use rfc3535_client::wire::tree::{prefix_bindings_at, Element};
use rfc3535_client::wire::xpath::path_steps;

use super::world::{describe_errors, expect_ok, Finding, RunWorld, StepResult};

#[when(expr = "{string} takes a partial lock on the sandbox text")]
async fn partial_lock_text(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let (select, (prefix, namespace)) = device.sandbox.text.instance_identifier();
    let reply = world
        .netconf(&name)?
        .partial_lock(&[select.as_str()], &[(prefix.as_str(), namespace.as_str())])
        .await?;
    if reply.is_success() {
        if let Ok(Some(id)) = lock_id(&reply) {
            world.partial_locks.push((name, id));
        }
    }
    world.last_reply = Some(reply);
    Ok(())
}

/// The lock-id a partial-lock reply grants: `None` without one, an error when it is no
/// number.
fn lock_id(reply: &rfc3535_client::wire::RpcReply) -> Result<Option<u32>, Finding> {
    let output = Element::parse_fragment(reply.body())
        .map_err(|e| Finding::fail(format!("the partial-lock reply is not XML: {e}")))?;
    output
        .iter()
        .find(|e| e.name.local == "lock-id")
        .map(|e| {
            e.text.trim().parse::<u32>().map_err(|_| {
                Finding::fail(format!("the lock-id {:?} is not a number", e.text.trim()))
            })
        })
        .transpose()
}

#[then(expr = "the partial lock is granted on the sandbox text and nothing else")]
async fn granted_on_text(world: &mut RunWorld) -> StepResult {
    let device = world.require_sandbox()?;
    let reply = world.kept_reply()?;
    expect_ok(reply, "the partial lock")?;
    if lock_id(reply)?.is_none() {
        return Err(Finding::fail("the partial-lock reply carries no lock-id"));
    }
    let texts: Vec<String> = Element::parse_fragment(reply.body())
        .map_err(|e| Finding::fail(format!("the partial-lock reply is not XML: {e}")))?
        .iter()
        .filter(|e| e.name.local == "locked-node")
        .map(|e| e.text.trim().to_owned())
        .collect();
    if texts.is_empty() {
        return Err(Finding::fail(
            "the partial-lock reply names no locked node (RFC 5717 asks for at least one)",
        ));
    }
    let scopes = prefix_bindings_at(reply.raw(), "locked-node")
        .map_err(|e| Finding::fail(format!("the partial-lock reply is not XML: {e}")))?;
    for (index, text) in texts.iter().enumerate() {
        let bindings = scopes.get(index).map(Vec::as_slice).unwrap_or_default();
        let steps = path_steps(text, bindings)
            .map_err(|e| Finding::fail(format!("the locked node {text:?} cannot be read: {e}")))?;
        if !steps.is_some_and(|s| device.sandbox.text.is_named_by(&s)) {
            return Err(Finding::fail(format!(
                "the lock was asked for the sandbox text ({}) alone, and the reply names {text:?} as locked",
                device.sandbox.text
            )));
        }
    }
    world
        .notes
        .push(format!("locked nodes as the device names them: {texts:?}"));
    Ok(())
}

#[when(expr = "{string} releases its partial lock")]
async fn releases(world: &mut RunWorld, name: String) -> StepResult {
    let Some(at) = world.partial_locks.iter().position(|(n, _)| *n == name) else {
        return Err(Finding::error(format!(
            "harness bug: session {name:?} holds no partial lock of this scenario"
        )));
    };
    let (_, id) = world.partial_locks.remove(at);
    let reply = world.netconf(&name)?.partial_unlock(id).await?;
    if reply.is_success() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "partial-unlock of lock-id {id} was refused: {}",
        describe_errors(&reply)
    )))
}
