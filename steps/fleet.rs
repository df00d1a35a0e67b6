//! Steps over several devices at once (`@multi`): sessions on every device, changes that
//! must commit everywhere or nowhere, and comparisons between devices.

use cucumber::{given, then, when};
use rfc3535_client::wire::tree::{canonical_fragment, difference_summary};
use rfc3535_client::wire::{Commit, ConfigSource, Datastore, EditConfig, Filter};
use rfc3535_client::Session;

use super::world::{
    config_differences, describe_errors, expect_ok, open_session, read_config, read_config_data,
    read_sandbox_text, reply_data, write_sandbox_text, DeviceContext, Finding, RunWorld,
    StepResult,
};

use rfc3535_client::wire::ns::NACM as NS_NACM;

fn members(world: &RunWorld) -> Result<Vec<(&DeviceContext, &Session)>, Finding> {
    if world.fleet_sessions.len() != world.fleet.len() {
        return Err(Finding::error("harness bug: fleet sessions not open"));
    }
    world
        .fleet
        .iter()
        .zip(world.fleet_sessions.iter())
        .map(|(device, session)| Ok((device.as_ref(), session.netconf()?)))
        .collect()
}

/// Runs `what` on every device; the first device that refuses fails the step.
fn refusal(device: &DeviceContext, what: &str, reply: &rfc3535_client::wire::RpcReply) -> Finding {
    Finding::fail(format!(
        "{}: {what} was refused: {}",
        device.name,
        describe_errors(reply)
    ))
}

/// Sends one request to every device of the fleet; the first refusal fails the step.
async fn on_every_device(
    world: &RunWorld,
    what: &str,
    request: impl AsyncFn(
        &Session,
    ) -> Result<rfc3535_client::wire::RpcReply, rfc3535_client::ClientError>,
) -> StepResult {
    for (device, session) in members(world)? {
        let reply = request(session).await?;
        if !reply.is_success() {
            return Err(refusal(device, what, &reply));
        }
    }
    Ok(())
}

#[given(expr = "a management session on every device")]
async fn session_everywhere(world: &mut RunWorld) -> StepResult {
    if world.fleet.len() < 2 {
        return Err(Finding::skip(
            "needs two or more devices that claim what the scenario needs",
        ));
    }
    for device in &world.fleet {
        if let Err(why) = &device.sandbox_usable {
            return Err(Finding::skip(format!("{}: {why}", device.name)));
        }
    }
    for device in world.fleet.clone() {
        let session = open_session(&device, &device.connect).await?;
        world.fleet_sessions.push(session);
    }
    Ok(())
}

#[given(expr = "a copy of every device's running configuration")]
async fn copy_everywhere(world: &mut RunWorld) -> StepResult {
    let mut copies = Vec::new();
    for (_, session) in members(world)? {
        copies.push(read_config_data(session, Datastore::Running).await?);
    }
    world.copies = copies;
    Ok(())
}

#[when(expr = "every device's candidate is locked")]
async fn lock_everywhere(world: &mut RunWorld) -> StepResult {
    on_every_device(world, "lock of the candidate", async |session: &Session| {
        session.lock(Datastore::Candidate).await
    })
    .await
}

#[when(expr = "every device's candidate is unlocked")]
async fn unlock_everywhere(world: &mut RunWorld) -> StepResult {
    on_every_device(
        world,
        "unlock of the candidate",
        async |session: &Session| session.unlock(Datastore::Candidate).await,
    )
    .await
}

#[when(expr = "the sandbox text is set to one fresh value in every device's candidate")]
async fn set_everywhere_candidate(world: &mut RunWorld) -> StepResult {
    let value = world.fresh_value();
    world.text_value = Some(value.clone());
    for (device, session) in members(world)? {
        let reply = write_sandbox_text(session, device, Datastore::Candidate, &value).await?;
        if !reply.is_success() {
            return Err(refusal(device, "edit of the candidate", &reply));
        }
    }
    Ok(())
}

#[when(expr = "the sandbox text is set to one fresh value on every device")]
async fn set_everywhere(world: &mut RunWorld) -> StepResult {
    let value = world.fresh_value();
    world.text_value = Some(value.clone());
    for (device, session) in members(world)? {
        let reply = write_sandbox_text(session, device, device.edit_target(), &value).await?;
        if !reply.is_success() {
            return Err(refusal(device, "edit", &reply));
        }
        super::world::commit_if_candidate(session, device).await?;
    }
    Ok(())
}

#[when(expr = "every device validates its candidate")]
async fn validate_everywhere(world: &mut RunWorld) -> StepResult {
    on_every_device(
        world,
        "validate of the candidate",
        async |session: &Session| {
            session
                .validate(ConfigSource::Datastore(Datastore::Candidate))
                .await
        },
    )
    .await
}

#[when(expr = "every device commits, asking for confirmation within {int} seconds")]
async fn confirmed_everywhere(world: &mut RunWorld, seconds: u32) -> StepResult {
    world.confirmed_pending = true;
    for (device, session) in members(world)? {
        let reply = session
            .commit(Commit {
                confirmed: true,
                confirm_timeout: Some(seconds),
                ..Commit::default()
            })
            .await?;
        if !reply.is_success() {
            return Err(refusal(device, "confirmed commit", &reply));
        }
    }
    Ok(())
}

#[when(expr = "every device confirms its commit")]
async fn confirm_everywhere(world: &mut RunWorld) -> StepResult {
    for (device, session) in members(world)? {
        let reply = session.commit(Commit::default()).await?;
        if !reply.is_success() {
            return Err(refusal(device, "confirming commit", &reply));
        }
    }
    world.confirmed_pending = false;
    Ok(())
}

#[then(expr = "every device's running configuration shows the sandbox text")]
async fn shows_everywhere(world: &mut RunWorld) -> StepResult {
    let expected = world.text_value.clone();
    let mut missing = Vec::new();
    for (device, session) in members(world)? {
        if read_sandbox_text(session, device, Datastore::Running).await? != expected {
            missing.push(device.name.clone());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the change committed on every device is missing from running on: {}",
        missing.join(", ")
    )))
}

#[when(expr = "the last device is sent a change it must refuse")]
async fn refused_change(world: &mut RunWorld) -> StepResult {
    let value = world.fresh_value();
    let pairs = members(world)?;
    let (device, session) = pairs
        .last()
        .copied()
        .ok_or_else(|| Finding::error("harness bug: empty fleet"))?;
    let create = rfc3535_client::wire::rpc::EditAttributes::operation(
        rfc3535_client::wire::rpc::EditOperation::Create,
    )
    .render();
    let config = device.sandbox.text.wrap_leaf(&create, Some(&value));
    let reply = session
        .edit_config(EditConfig::new(Datastore::Candidate, config))
        .await?;
    if reply.is_success() {
        return Err(Finding::fail(format!(
            "{}: creating a node that already exists in the candidate was accepted",
            device.name
        )));
    }
    Ok(())
}

#[when(expr = "every device discards its changes")]
async fn discard_everywhere(world: &mut RunWorld) -> StepResult {
    on_every_device(world, "discard-changes", async |session: &Session| {
        session.discard_changes().await
    })
    .await
}

#[then(expr = "every device's running configuration equals its copy")]
async fn running_equals_copies(world: &mut RunWorld) -> StepResult {
    let mut differing = Vec::new();
    for ((device, session), copy) in members(world)?.into_iter().zip(world.copies.iter()) {
        let now = read_config_data(session, Datastore::Running).await?;
        let differences = config_differences(device, copy, &now)?;
        if !differences.is_empty() {
            differing.push(format!("{}: {}", device.name, differences.join(" | ")));
        }
    }
    if differing.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "running changed although the change was abandoned: {}",
        differing.join("; ")
    )))
}

#[then(expr = "every device's candidate equals its running configuration")]
async fn candidate_equals_running_everywhere(world: &mut RunWorld) -> StepResult {
    let mut differing = Vec::new();
    for (device, session) in members(world)? {
        let candidate = read_config_data(session, Datastore::Candidate).await?;
        let running = read_config_data(session, Datastore::Running).await?;
        let differences = config_differences(device, &running, &candidate)?;
        if !differences.is_empty() {
            differing.push(format!("{}: {}", device.name, differences.join(" | ")));
        }
    }
    if differing.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the candidate still holds the abandoned change: {}",
        differing.join("; ")
    )))
}

/// Reads one subtree from every device and fails on the first that differs from the first.
async fn same_everywhere(
    world: &RunWorld,
    filter: impl Fn(&DeviceContext) -> Filter,
    what: &str,
) -> StepResult {
    let mut reference: Option<(String, String)> = None;
    let mut differing = Vec::new();
    for (device, session) in members(world)? {
        let reply = session
            .get_config(Datastore::Running, Some(filter(device)))
            .await?;
        let tree = canonical_fragment(&reply_data(
            &reply,
            &format!("{}: get-config of {what}", device.name),
        )?);
        match &reference {
            None => reference = Some((device.name.clone(), tree)),
            Some((first, expected)) if *expected != tree => differing.push(format!(
                "{} differs from {first}: {}",
                device.name,
                difference_summary(expected, &tree, 4).join(" | ")
            )),
            Some(_) => {}
        }
    }
    if differing.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!("{what}: {}", differing.join("; "))))
}

#[then(expr = "the sandbox subtree reads the same on every device")]
async fn sandbox_same(world: &mut RunWorld) -> StepResult {
    same_everywhere(world, |d| d.sandbox.text.filter(), "the sandbox text").await
}

#[when(expr = "every device's access-control configuration is read")]
async fn read_nacm(world: &mut RunWorld) -> StepResult {
    for (device, session) in members(world)? {
        let reply = read_config(session, Datastore::Running).await?;
        expect_ok(&reply, &format!("{}: get-config", device.name))?;
    }
    Ok(())
}

#[then(expr = "the access-control configuration is the same on every device")]
async fn nacm_same(world: &mut RunWorld) -> StepResult {
    same_everywhere(
        world,
        |_| Filter::subtree(format!("<nacm xmlns=\"{NS_NACM}\"/>")),
        "the access-control configuration (/nacm)",
    )
    .await
}
