//! Steps about the NMDA operations (RFC 8526): `<get-data>` of a datastore, its
//! `config-filter` and `max-depth`, and `<edit-data>`. What a reply may hold is judged by the
//! device's own schema (`rfc3535_harness::placement`).

use std::sync::Arc;

use cucumber::{then, when};
use rfc3535_client::wire::{Datastore, EditData, GetData, NmdaDatastore, RpcReply};
use rfc3535_harness::placement;
use rfc3535_yang::Shape;

use super::world::{
    commit_if_candidate, config_differences, describe_errors, expect_same, reply_data, Finding,
    RunWorld, StepResult,
};

/// Keeps a get-data reply for the `Then` steps; a refusal fails here.
async fn get_data(world: &mut RunWorld, name: &str, get: GetData, what: &str) -> StepResult {
    let reply = world.netconf(name)?.get_data(get).await?;
    reply_data(&reply, what)?;
    world.kept_replies.push(reply.clone());
    world.last_reply = Some(reply);
    Ok(())
}

/// The device's schema shape; the device's modules must compile for these judgements.
fn shape(world: &RunWorld) -> Result<Shape, Finding> {
    let schema = world.device()?.schema()?;
    let shape = match schema.as_ref() {
        Ok(schema) => schema.shape(),
        Err(e) => {
            return Err(Finding::fail(format!(
            "the device's own modules do not compile, so the reply cannot be placed in them: {e}"
        )))
        }
    };
    Ok(shape)
}

#[when(expr = "{string} reads the running datastore with get-data")]
async fn reads_running_with_get_data(world: &mut RunWorld, name: String) -> StepResult {
    let get = GetData::new(NmdaDatastore::Running);
    get_data(world, &name, get, "get-data of ds:running").await
}

#[when(expr = "{string} reads the operational datastore with config-filter {word}")]
async fn reads_operational_filtered(
    world: &mut RunWorld,
    name: String,
    config: String,
) -> StepResult {
    let config = match config.as_str() {
        "true" => true,
        "false" => false,
        other => {
            return Err(Finding::error(format!(
                "harness bug: config-filter {other:?} is neither true nor false"
            )))
        }
    };
    let get = GetData {
        config_filter: Some(config),
        ..GetData::new(NmdaDatastore::Operational)
    };
    get_data(
        world,
        &name,
        get,
        &format!("get-data of ds:operational with config-filter {config}"),
    )
    .await
}

#[when(expr = "{string} reads the operational datastore to depth {int}")]
async fn reads_operational_to_depth(world: &mut RunWorld, name: String, depth: u16) -> StepResult {
    let get = GetData {
        max_depth: Some(depth),
        ..GetData::new(NmdaDatastore::Operational)
    };
    world
        .measurements
        .insert("max_depth".to_owned(), depth.into());
    get_data(
        world,
        &name,
        get,
        &format!("get-data of ds:operational with max-depth {depth}"),
    )
    .await
}

/// The kept reply's data; an empty reply proves nothing about a filter and fails.
fn kept_data(
    world: &RunWorld,
    what: &str,
) -> Result<Vec<rfc3535_client::wire::tree::Element>, Finding> {
    let data = reply_data(world.kept_reply()?, what)?;
    if data.is_empty() {
        return Err(Finding::fail(format!(
            "{what} came back empty: a device with configuration and state has something to show"
        )));
    }
    Ok(data)
}

#[then(expr = "the reply holds state and no configuration")]
async fn state_only(world: &mut RunWorld) -> StepResult {
    let data = kept_data(world, "the state read")?;
    let found = placement::configuration_leaves(&shape(world)?, &data);
    if found.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "config-filter false (state only) returned configuration: {}",
        found.join(", ")
    )))
}

#[then(expr = "the reply holds configuration and no operational state")]
async fn configuration_only(world: &mut RunWorld) -> StepResult {
    let data = kept_data(world, "the configuration read")?;
    let found = placement::state_nodes(&shape(world)?, &data);
    if found.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "config-filter true (configuration only) returned state: {}",
        found.join(", ")
    )))
}

#[then(expr = "the reply holds nothing deeper than {int} level(s)")]
async fn no_deeper(world: &mut RunWorld, depth: usize) -> StepResult {
    let data = kept_data(world, "the depth-limited read")?;
    let found = placement::deeper_than(&shape(world)?, &data, depth);
    if found.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 8;
    Err(Finding::fail(format!(
        "max-depth {depth} returned {} node(s) below level {depth}: {}{}",
        found.len(),
        found[..found.len().min(SHOWN)].join(", "),
        if found.len() > SHOWN { ", ..." } else { "" }
    )))
}

#[then(expr = "both replies hold the same configuration")]
async fn same_configuration(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let (first, second): (&RpcReply, &RpcReply) = world.kept_pair()?;
    expect_same(
        config_differences(
            &device,
            first.data().unwrap_or_default(),
            second.data().unwrap_or_default(),
        )?,
        "get-data of ds:running differs from get-config of running",
    )
}

#[when(expr = "{string} sets the sandbox text to a fresh value with edit-data")]
async fn set_with_edit_data(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world.fresh_value();
    let datastore = match device.edit_target() {
        Datastore::Candidate => NmdaDatastore::Candidate,
        _ => NmdaDatastore::Running,
    };
    let edit = EditData {
        datastore,
        default_operation: None,
        config: device.sandbox.text.wrap_leaf("", Some(&value)),
    };
    let reply = world.netconf(&name)?.edit_data(edit).await?;
    world.text_value = Some(value);
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "edit-data of the sandbox text was refused: {}",
            describe_errors(&reply)
        )));
    }
    commit_if_candidate(world.session(&name)?, &device).await
}
