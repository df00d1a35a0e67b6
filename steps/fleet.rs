//! Steps over several devices at once (`@multi`): sessions on every device, changes that
//! must commit everywhere or nowhere, and comparisons between devices.
//!
//! Every failure names the devices whose behaviour caused it ([`RunWorld::blame`]): they fail
//! the scenario, and the others, having done their part, pass it (docs/verdicts.md).

use cucumber::{given, then, when};
use rfc3535_client::wire::tree::{canonical_fragment, difference_summary};
use rfc3535_client::wire::{Commit, ConfigSource, Datastore, EditConfig};
use rfc3535_client::Session;
use rfc3535_harness::sandbox::NodePath;
use rfc3535_harness::session::ManagementSession as _;

use super::world::{
    config_differences, describe_errors, expect_ok, open_session, read_config, read_config_data,
    read_sandbox_text, reply_data, write_sandbox_text, DeviceContext, Finding, RunWorld,
    StepResult,
};

use rfc3535_client::wire::ns::NACM as NS_NACM;

/// Each fleet member with its session, over whichever protocol its column speaks.
fn members(
    world: &RunWorld,
) -> Result<Vec<(&DeviceContext, &rfc3535_harness::session::DeviceSession)>, Finding> {
    if world.fleet_sessions.len() != world.fleet.len() {
        return Err(Finding::error("harness bug: fleet sessions not open"));
    }
    Ok(world
        .fleet
        .iter()
        .zip(world.fleet_sessions.iter())
        .map(|(device, session)| (device.as_ref(), session))
        .collect())
}

/// A device's refusal of its part, blamed on it.
fn refusal(
    world: &RunWorld,
    device: &DeviceContext,
    what: &str,
    reply: &rfc3535_client::wire::RpcReply,
) -> Finding {
    world.blame(device);
    Finding::fail(format!(
        "{}: {what} was refused: {}",
        device.name,
        describe_errors(reply)
    ))
}

/// One device's part: a failure the device caused is blamed on it and named in the message.
fn part<T>(
    world: &RunWorld,
    device: &DeviceContext,
    result: Result<T, Finding>,
) -> Result<T, Finding> {
    result.map_err(|finding| match finding {
        Finding::Fail(m) => {
            world.blame(device);
            Finding::Fail(format!("{}: {m}", device.name))
        }
        Finding::Violation(m) => {
            world.blame(device);
            Finding::Violation(format!("{}: {m}", device.name))
        }
        other => other,
    })
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
        let session = part(world, device, session.netconf())?;
        let reply = part(world, device, request(session).await.map_err(Finding::from))?;
        if !reply.is_success() {
            return Err(refusal(world, device, what, &reply));
        }
    }
    Ok(())
}

/// Fails with `what` when any device was found `differing`, blaming those devices.
fn blame_differing(
    world: &RunWorld,
    what: &str,
    differing: Vec<(&DeviceContext, String)>,
) -> StepResult {
    if differing.is_empty() {
        return Ok(());
    }
    let described: Vec<String> = differing
        .into_iter()
        .map(|(device, how)| {
            world.blame(device);
            if how.is_empty() {
                device.name.clone()
            } else {
                format!("{}: {how}", device.name)
            }
        })
        .collect();
    Err(Finding::fail(format!("{what}: {}", described.join("; "))))
}

#[given(expr = "a management session on every device")]
async fn session_everywhere(world: &mut RunWorld) -> StepResult {
    // A device that cannot be written is left out with its own verdict (a failure where it
    // refused what writing safely needs); the others go on without it.
    let (usable, unusable): (Vec<_>, Vec<_>) = std::mem::take(&mut world.fleet)
        .into_iter()
        .partition(|d| d.sandbox_usable.is_ok());
    world.fleet = usable;
    let mut left_out = Vec::new();
    for device in unusable {
        if let Err(why) = &device.sandbox_usable {
            left_out.push(format!("{}: {why}", device.name));
            let finding = why.finding();
            world.fleet_excluded.push((device, finding));
        }
    }
    if world.fleet.len() < 2 {
        let mut why = "needs two or more devices that claim what the scenario needs".to_owned();
        if !left_out.is_empty() {
            why.push_str(&format!(" and can be written ({})", left_out.join("; ")));
        }
        return Err(Finding::skip(why));
    }
    for device in world.fleet.clone() {
        let session = part(world, &device, open_session(&device, &device.connect).await)?;
        world.fleet_sessions.push(session);
    }
    Ok(())
}

#[given(expr = "a copy of every device's running configuration")]
async fn copy_everywhere(world: &mut RunWorld) -> StepResult {
    let mut copies = Vec::new();
    for (device, session) in members(world)? {
        copies.push(part(
            world,
            device,
            read_config_data(session, Datastore::Running).await,
        )?);
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
        let written = write_sandbox_text(session, device, Datastore::Candidate, &value).await;
        let reply = part(world, device, written)?;
        if !reply.is_success() {
            return Err(refusal(world, device, "edit of the candidate", &reply));
        }
    }
    Ok(())
}

#[when(expr = "the sandbox text is set to one fresh value on every device")]
async fn set_everywhere(world: &mut RunWorld) -> StepResult {
    let value = world.fresh_value();
    world.text_value = Some(value.clone());
    for (device, session) in members(world)? {
        let written = write_sandbox_text(session, device, device.edit_target(), &value).await;
        let reply = part(world, device, written)?;
        if !reply.is_success() {
            return Err(refusal(world, device, "edit", &reply));
        }
        part(
            world,
            device,
            super::world::commit_if_candidate(session, device).await,
        )?;
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
        let session = part(world, device, session.netconf())?;
        let committed = session
            .commit(Commit {
                confirmed: true,
                confirm_timeout: Some(seconds),
                ..Commit::default()
            })
            .await;
        let reply = part(world, device, committed.map_err(Finding::from))?;
        if !reply.is_success() {
            return Err(refusal(world, device, "confirmed commit", &reply));
        }
    }
    Ok(())
}

#[when(expr = "every device confirms its commit")]
async fn confirm_everywhere(world: &mut RunWorld) -> StepResult {
    for (device, session) in members(world)? {
        let session = part(world, device, session.netconf())?;
        let committed = session.commit(Commit::default()).await;
        let reply = part(world, device, committed.map_err(Finding::from))?;
        if !reply.is_success() {
            return Err(refusal(world, device, "confirming commit", &reply));
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
        let read = read_sandbox_text(session, device, Datastore::Running).await;
        if part(world, device, read)? != expected {
            missing.push((device, String::new()));
        }
    }
    blame_differing(
        world,
        "the change committed on every device is missing from running on",
        missing,
    )
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
    let session = part(world, device, session.netconf())?;
    let sent = session
        .edit_config(EditConfig::new(Datastore::Candidate, config))
        .await;
    let reply = part(world, device, sent.map_err(Finding::from))?;
    if reply.is_success() {
        world.blame(device);
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
    let differing = running_against_copies(world, config_differences).await?;
    blame_differing(
        world,
        "running changed although the change was abandoned",
        differing,
    )
}

#[then(expr = "nothing but the sandbox changed on any device")]
async fn nothing_else_changed_anywhere(world: &mut RunWorld) -> StepResult {
    let differing =
        running_against_copies(world, rfc3535_harness::session::differences_outside).await?;
    blame_differing(world, "running changed outside the sandbox", differing)
}

/// Each fleet member's running configuration now, compared with the copy taken of it by
/// `compare` (the device, the copy, now): the members that differ, with how.
async fn running_against_copies(
    world: &RunWorld,
    compare: fn(&DeviceContext, &str, &str) -> Result<Vec<String>, Finding>,
) -> Result<Vec<(&DeviceContext, String)>, Finding> {
    let mut differing = Vec::new();
    for ((device, session), copy) in members(world)?.into_iter().zip(world.copies.iter()) {
        let now = part(
            world,
            device,
            read_config_data(session, Datastore::Running).await,
        )?;
        let differences = compare(device, copy, &now)?;
        if !differences.is_empty() {
            differing.push((device, differences.join(" | ")));
        }
    }
    Ok(differing)
}

#[then(expr = "every device's candidate equals its running configuration")]
async fn candidate_equals_running_everywhere(world: &mut RunWorld) -> StepResult {
    let mut differing = Vec::new();
    for (device, session) in members(world)? {
        let candidate = part(
            world,
            device,
            read_config_data(session, Datastore::Candidate).await,
        )?;
        let running = part(
            world,
            device,
            read_config_data(session, Datastore::Running).await,
        )?;
        let differences = config_differences(device, &running, &candidate)?;
        if !differences.is_empty() {
            differing.push((device, differences.join(" | ")));
        }
    }
    blame_differing(
        world,
        "the candidate still holds the abandoned change",
        differing,
    )
}

/// Reads one subtree from every device and compares them. The devices that read like most
/// of the fleet did their part; the others are blamed. When the devices differ and no reading
/// is shared by more devices than any other (two devices that differ), nobody can tell which
/// is wrong: the scenario is skipped, saying how they differ (a third device decides).
async fn same_everywhere(
    world: &RunWorld,
    node: impl Fn(&DeviceContext) -> NodePath,
    what: &str,
) -> StepResult {
    let mut readings: Vec<(&DeviceContext, String)> = Vec::new();
    for (device, session) in members(world)? {
        let reply = part(
            world,
            device,
            session
                .read_datastore(Datastore::Running, Some(&node(device)))
                .await
                .map_err(Finding::from),
        )?;
        let data = reply_data(&reply, &format!("get-config of {what}"));
        readings.push((device, canonical_fragment(&part(world, device, data)?)));
    }
    let Some((first, first_tree)) = readings.first() else {
        return Ok(());
    };
    let count = |tree: &str| readings.iter().filter(|(_, t)| t == tree).count();
    let most = readings.iter().map(|(_, t)| count(t)).max().unwrap_or(0);
    let mut leaders: Vec<&str> = readings
        .iter()
        .filter(|(_, t)| count(t) == most)
        .map(|(_, t)| t.as_str())
        .collect();
    leaders.sort_unstable();
    leaders.dedup();
    let [reference] = leaders[..] else {
        let how: Vec<String> = readings
            .iter()
            .skip(1)
            .map(|(device, tree)| {
                format!(
                    "{} differs from {}: {}",
                    device.name,
                    first.name,
                    difference_summary(first_tree, tree, 4).join(" | ")
                )
            })
            .collect();
        return Err(Finding::skip(format!(
            "{what} differs between the devices and no reading is shared by most of them, so which is wrong cannot be told (a third device decides): {}",
            how.join("; ")
        )));
    };
    let reference_name = readings
        .iter()
        .find(|(_, t)| t == reference)
        .map(|(d, _)| d.name.clone())
        .unwrap_or_default();
    let differing: Vec<(&DeviceContext, String)> = readings
        .iter()
        .filter(|(_, tree)| tree != reference)
        .map(|(device, tree)| {
            let how = format!(
                "differs from most devices ({reference_name} and {} more): {}",
                most - 1,
                difference_summary(reference, tree, 4).join(" | ")
            );
            (*device, how)
        })
        .collect();
    blame_differing(world, what, differing)
}

/// Each device's sandbox text, read back, equals what the scenario wrote to it: an absolute
/// check beside the relative one, so a fleet that drops the value everywhere still fails.
#[then(expr = "every device reads back the sandbox text it was given")]
async fn read_back_everywhere(world: &mut RunWorld) -> StepResult {
    let expected = world.text_value.clone();
    let mut differing = Vec::new();
    for (device, session) in members(world)? {
        let read = read_sandbox_text(session, device, Datastore::Running).await;
        let found = part(world, device, read)?;
        if found != expected {
            differing.push((device, format!("reads {found:?}, was given {expected:?}")));
        }
    }
    blame_differing(
        world,
        "the sandbox text does not read back as written",
        differing,
    )
}

#[then(expr = "the sandbox subtree reads the same on every device")]
async fn sandbox_same(world: &mut RunWorld) -> StepResult {
    same_everywhere(world, |d| d.sandbox.text.clone(), "the sandbox text").await
}

#[when(expr = "every device's access-control configuration is read")]
async fn read_nacm(world: &mut RunWorld) -> StepResult {
    for (device, session) in members(world)? {
        let reply = part(
            world,
            device,
            read_config(session, Datastore::Running).await,
        )?;
        part(world, device, expect_ok(&reply, "get-config"))?;
    }
    Ok(())
}

#[then(expr = "the access-control configuration is the same on every device")]
async fn nacm_same(world: &mut RunWorld) -> StepResult {
    same_everywhere(
        world,
        |_| NodePath {
            namespace: NS_NACM.to_owned(),
            elements: vec!["nacm".to_owned()],
        },
        "the access-control configuration (/nacm)",
    )
    .await
}
