//! Steps about the NMDA operations (RFC 8526): `<get-data>` of a datastore, its
//! `config-filter`, `max-depth` and origin filters, and `<edit-data>`. What a reply may hold is judged by the
//! device's own schema (`rfc3535_harness::placement`).

use std::sync::Arc;

use cucumber::{then, when};
use rfc3535_client::wire::{Datastore, EditData, GetData, NmdaDatastore, OriginFilter, RpcReply};
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
        "a read of state only returned configuration: {}",
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
        "a read of configuration only returned state: {}",
        found.join(", ")
    )))
}

/// The operational datastore holds the configuration in use and the state (RFC 8342 §5.3).
#[then(expr = "the reply holds configuration and state")]
async fn configuration_and_state(world: &mut RunWorld) -> StepResult {
    let data = kept_data(world, "the operational read")?;
    let shape = shape(world)?;
    let mut missing = Vec::new();
    if placement::configuration_leaves(&shape, &data).is_empty() {
        missing.push("no configuration");
    }
    if placement::state_nodes(&shape, &data).is_empty() {
        missing.push("no state");
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the operational datastore holds {}, where the configuration in use and the state belong (RFC 8342 §5.3)",
        missing.join(" and ")
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
        "a read limited to depth {depth} returned {} node(s) below level {depth}: {}{}",
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
        "the NMDA read of running differs from the conventional read of running",
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

/// The identities ietf-origin defines (RFC 8342 §7.4); an origin filter names one of them.
const ORIGINS: [&str; 7] = [
    "origin", "intended", "dynamic", "system", "learned", "default", "unknown",
];

#[when(expr = "{string} reads the operational datastore with origins")]
async fn reads_with_origins(world: &mut RunWorld, name: String) -> StepResult {
    let get = GetData {
        with_origin: true,
        ..GetData::new(NmdaDatastore::Operational)
    };
    get_data(world, &name, get, "get-data of ds:operational with-origin").await
}

#[then(expr = "the reply gives the sandbox text an origin")]
async fn sandbox_text_has_origin(world: &mut RunWorld) -> StepResult {
    let device = world.require_sandbox()?;
    let data = kept_data(world, "the operational read with origins")?;
    let path = &device.sandbox.text;
    // The origin annotation is inherited from the nearest ancestor that carries one
    // (RFC 8342 §7.4).
    let mut origin: Option<String> = None;
    let mut level: Vec<&rfc3535_client::wire::tree::Element> = data
        .iter()
        .filter(|e| e.name.namespace == path.namespace)
        .collect();
    let mut found = false;
    for (depth, name) in path.elements.iter().enumerate() {
        let Some(element) = level.iter().find(|e| e.name.local == *name) else {
            break;
        };
        if let Some((_, _, value)) = element
            .attributes
            .iter()
            .find(|(ns, local, _)| ns == rfc3535_client::wire::ns::ORIGIN && local == "origin")
        {
            origin = Some(value.rsplit(':').next().unwrap_or_default().to_owned());
        }
        found = depth + 1 == path.elements.len();
        level = element.children.iter().collect();
    }
    if !found {
        return Err(Finding::fail(format!(
            "the operational datastore does not show the sandbox text ({path}) that running holds"
        )));
    }
    let Some(origin) = origin else {
        return Err(Finding::fail(
            "the read with origins gives the sandbox text no origin annotation, on it or above it (RFC 8526 §3.1.1, RFC 8527 §3.2.2)",
        ));
    };
    if !ORIGINS.contains(&origin.as_str()) {
        return Err(Finding::skip(format!(
            "the sandbox text's origin {origin:?} is not an ietf-origin identity the harness can name in a filter"
        )));
    }
    world
        .notes
        .push(format!("the sandbox text's origin: or:{origin}"));
    world.origin = Some(origin);
    Ok(())
}

#[when(expr = "{string} reads the operational datastore {word} that origin")]
async fn reads_by_origin(world: &mut RunWorld, name: String, how: String) -> StepResult {
    let origin = world
        .origin
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no origin was read first"))?;
    let filter = match how.as_str() {
        "keeping" => OriginFilter::Only(vec![origin.clone()]),
        "without" => OriginFilter::Except(vec![origin.clone()]),
        other => {
            return Err(Finding::error(format!(
                "harness bug: {other:?} is neither keeping nor without"
            )))
        }
    };
    let get = GetData {
        origin_filter: Some(filter),
        ..GetData::new(NmdaDatastore::Operational)
    };
    let reply = world.netconf(&name)?.get_data(get).await?;
    reply_data(
        &reply,
        &format!("get-data of ds:operational {how} origin {origin}"),
    )?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "the reply {word} the sandbox text")]
async fn reply_shows_text(world: &mut RunWorld, shows: String) -> StepResult {
    let device = world.require_sandbox()?;
    let data = reply_data(world.kept_reply()?, "the filtered read")?;
    let present = !device.sandbox.text.values_in(&data).is_empty();
    let origin = world.origin.clone().unwrap_or_default();
    match (shows.as_str(), present) {
        ("shows", true) | ("omits", false) => Ok(()),
        ("shows", false) => Err(Finding::fail(format!(
            "an origin filter for or:{origin}, the sandbox text's own origin, left the sandbox text out"
        ))),
        ("omits", true) => Err(Finding::fail(format!(
            "a negated origin filter for or:{origin}, the sandbox text's own origin, kept the sandbox text"
        ))),
        (other, _) => Err(Finding::error(format!(
            "harness bug: {other:?} is neither shows nor omits"
        ))),
    }
}
