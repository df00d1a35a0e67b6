//! Steps about the datastores over RESTCONF: the datastore resource read with `content` (RFC
//! 8040 §4.8.1), and the NMDA datastores (RFC 8527), each a resource of its own under
//! `{+restconf}/ds`, read whole (with `depth` and `with-origin`) and written.
//!
//! A datastore read becomes the reply model every read of the seam gives (its data as XML in
//! `<data>`), so the judges of the NMDA operations (`steps/nmda.rs`) judge it as they judge
//! `<get-data>`: what a reply may hold is the device's own schema's to say.

use std::sync::Arc;

use cucumber::{then, when};
use http::Method;
use rfc3535_client::wire::xml::escape;
use rfc3535_client::wire::{Datastore, NmdaDatastore};

use super::restconf::{api_path, kept_response, restconf, send_element, status_line};
use super::world::{read_sandbox_text, reply_data, Finding, RunWorld, StepResult};

/// The datastore a step names by its identity (`running`, `operational`).
fn datastore_named(name: &str) -> Result<NmdaDatastore, Finding> {
    NmdaDatastore::from_name(name).ok_or_else(|| {
        Finding::error(format!(
            "harness bug: {name:?} names no datastore of RFC 8342"
        ))
    })
}

/// Reads a datastore resource whole and keeps its data for the `Then` steps; a refusal, or a
/// body that is not the device's own data, fails here.
async fn read_datastore(
    world: &mut RunWorld,
    name: &str,
    datastore: &NmdaDatastore,
    query: &str,
) -> StepResult {
    let what = if query.is_empty() {
        format!("GET of ds/ietf-datastores:{}", datastore.name())
    } else {
        format!("GET of ds/ietf-datastores:{}?{query}", datastore.name())
    };
    let reply = restconf(world, name)?
        .read_nmda_datastore(datastore, query)
        .await?;
    reply_data(&reply, &what)?;
    world.kept_replies.push(reply.clone());
    world.last_reply = Some(reply);
    Ok(())
}

/// `{+restconf}/data` with `content` (RFC 8040 §4.8.1), kept for the judges of what a read
/// holds.
#[when(expr = "{string} reads the datastore resource with content {word}")]
async fn reads_with_content(world: &mut RunWorld, name: String, content: String) -> StepResult {
    let query = format!("content={content}");
    let reply = restconf(world, &name)?.read_data_resource(&query).await?;
    reply_data(
        &reply,
        &format!("GET of the datastore resource with {query}"),
    )?;
    world.kept_replies.push(reply.clone());
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} reads the {word} datastore resource")]
async fn reads_datastore(world: &mut RunWorld, name: String, datastore: String) -> StepResult {
    let datastore = datastore_named(&datastore)?;
    read_datastore(world, &name, &datastore, "").await
}

/// `depth` counts the datastore's top-level nodes as level 1 on some servers and as level 2
/// (below the datastore itself) on others (RFC 8040 §4.8.2 counts from the resource read);
/// the judge allows the deeper count.
#[when(expr = "{string} reads the operational datastore resource to depth {int}")]
async fn reads_operational_to_depth(world: &mut RunWorld, name: String, depth: u16) -> StepResult {
    world.measurements.insert("depth".to_owned(), depth.into());
    let query = format!("depth={depth}");
    read_datastore(world, &name, &NmdaDatastore::Operational, &query).await
}

#[when(expr = "{string} reads the operational datastore resource with origins")]
async fn reads_operational_with_origins(world: &mut RunWorld, name: String) -> StepResult {
    read_datastore(world, &name, &NmdaDatastore::Operational, "with-origin").await
}

/// A read with origins of a datastore that has none to give: the answer is kept for the
/// `Then` that judges the refusal.
#[when(expr = "{string} asks the {word} datastore resource for origins")]
async fn reads_with_origins_where_none(
    world: &mut RunWorld,
    name: String,
    datastore: String,
) -> StepResult {
    let datastore = datastore_named(&datastore)?;
    let session = restconf(world, &name)?;
    let target = session
        .client()
        .datastore_target(&datastore, "", "with-origin");
    let request = rfc3535_client::restconf::Request::new(Method::GET, target)
        .accept(session.encoding().data().as_str());
    let response = session.send(request).await?;
    world.last_response = Some(response);
    Ok(())
}

/// Writes the sandbox text (a fresh value) as a resource of the datastore, with PUT (RFC 8040
/// §4.5 on RFC 8527 §3.1); the answer is kept.
async fn put_sandbox_text(
    world: &mut RunWorld,
    name: &str,
    datastore: &NmdaDatastore,
) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world.fresh_value();
    world.text_value = Some(value.clone());
    let path = api_path(
        &device,
        &device.sandbox.text,
        device.sandbox.text.elements.len(),
    )?;
    let session = restconf(world, name)?;
    let target = session.client().datastore_target(datastore, &path, "");
    let text = &device.sandbox.text;
    let leaf_name = text.elements.last().cloned().unwrap_or_default();
    let leaf = format!(
        "<{leaf_name} xmlns=\"{}\">{}</{leaf_name}>",
        escape(&text.namespace),
        escape(&value)
    );
    let response = send_element(session, Method::PUT, target, &leaf, &path).await?;
    world.last_response = Some(response);
    Ok(())
}

#[when(
    expr = "{string} sets the sandbox text to a fresh value through the running datastore resource"
)]
async fn sets_text_through_running(world: &mut RunWorld, name: String) -> StepResult {
    put_sandbox_text(world, &name, &NmdaDatastore::Running).await?;
    let response = kept_response(world)?;
    if response.status.is_success() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "a PUT of the sandbox text in ds/ietf-datastores:running answered {}{}",
        status_line(&response),
        super::restconf::refusal_reason(&response)
    )))
}

#[when(expr = "{string} writes a fresh sandbox text into the {word} datastore resource")]
async fn writes_text_into(world: &mut RunWorld, name: String, datastore: String) -> StepResult {
    let datastore = datastore_named(&datastore)?;
    put_sandbox_text(world, &name, &datastore).await
}

/// RFC 8342 §5.1.4 and §5.3: `intended` and `operational` are read-only; a write is refused
/// (RFC 8040 §7: a 4xx) and reaches no configuration.
#[then(expr = "the write is refused and the running configuration does not show it")]
async fn write_refused(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let response = kept_response(world)?;
    let written = world.text_value.clone().unwrap_or_default();
    let running = read_sandbox_text(world.any_session()?, &device, Datastore::Running).await?;
    let mut problems = Vec::new();
    if !response.status.is_client_error() {
        problems.push(format!(
            "a write of a read-only datastore answered {} where a refusal (4xx) is due",
            status_line(&response)
        ));
    }
    if running.as_deref() == Some(written.as_str()) {
        problems.push("the value written there is now the sandbox text of running".to_owned());
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{} (RFC 8342 §5.3)",
        problems.join("; ")
    )))
}
