//! Steps about RESTCONF itself (RFC 8040): media types, status codes and `Location`, entity-tags
//! and preconditions, the `errors` body. They talk HTTP through the scenario's RESTCONF
//! session and judge what came back; what they write is the sandbox, read back and put back
//! like any other scenario's.

use std::sync::Arc;

use cucumber::{given, then, when};
use http::header::IF_MATCH;
use http::Method;
use rfc3535_client::restconf::{Request, Response};
use rfc3535_client::wire::restconf::{datastore, Encoding, Errors, MediaType};
use rfc3535_client::wire::tree::Element;
use rfc3535_client::wire::Datastore;
use rfc3535_harness::restconf::RestconfSession;
use rfc3535_harness::sandbox::NodePath;
use rfc3535_harness::session::{
    commit_if_candidate, expect_ok, read_config_data, read_node, EditMode, ManagementSession,
};
use rfc3535_yang::{NodeKind, NodeShape};

use super::config::list_entry;
use super::world::{read_sandbox_text, DeviceContext, Finding, RunWorld, StepResult};

pub(super) fn restconf<'w>(
    world: &'w RunWorld,
    name: &str,
) -> Result<&'w RestconfSession, Finding> {
    world.session(name)?.restconf()
}

/// The API path of a sandbox node, down to its first `depth` elements (module from the
/// device's schema).
pub(super) fn api_path(
    device: &DeviceContext,
    node: &NodePath,
    depth: usize,
) -> Result<String, Finding> {
    let shape = device.shape().ok_or_else(|| {
        Finding::skip("the device's schema is not at hand, so no API path can be built")
    })?;
    let module = shape
        .roots
        .iter()
        .find(|r| r.namespace == node.namespace)
        .map(|r| r.module.clone())
        .ok_or_else(|| {
            Finding::skip(format!(
                "no module of the device's schema has the sandbox's namespace {}",
                node.namespace
            ))
        })?;
    let elements = &node.elements[..depth.min(node.elements.len())];
    Ok(format!("{module}:{}", elements.join("/")))
}

/// The sandbox list, or a skip saying the inventory names none.
fn sandbox_list(device: &DeviceContext) -> Result<NodePath, Finding> {
    device.sandbox.list.clone().ok_or_else(|| {
        Finding::skip("the inventory names no sandbox list (sandbox.ordered_list: none)")
    })
}

/// The response a `When` kept for its `Then`.
pub(super) fn kept_response(world: &RunWorld) -> Result<Response, Finding> {
    world
        .last_response
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no response kept"))
}

/// Sends `element_xml` (the XML element of the resource `body_path` names) as the body of a
/// request on `target_path`, in the session's encoding.
pub(super) async fn send_element(
    session: &RestconfSession,
    method: Method,
    target: String,
    element_xml: &str,
    body_path: &str,
) -> Result<Response, Finding> {
    let body = session
        .resource_body(element_xml, body_path)
        .map_err(Finding::error)?;
    let media = session.encoding().data();
    Ok(session
        .send(
            Request::new(method, target)
                .accept(media.as_str())
                .body(media, body),
        )
        .await?)
}

pub(super) fn status_line(response: &Response) -> String {
    match response.header("content-type") {
        Some(media) => format!("{} ({media})", response.status),
        None => response.status.to_string(),
    }
}

#[then(
    expr = "{string} reads the sandbox's container in XML and in JSON, each labelled with its YANG data media type"
)]
async fn reads_both_encodings(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let session = restconf(world, &name)?;
    let path = api_path(&device, &device.sandbox.text, 1)?;
    for encoding in Encoding::ALL {
        let wanted = encoding.data();
        let response = session
            .send(
                Request::new(Method::GET, session.client().data_target(&path, ""))
                    .accept(wanted.as_str()),
            )
            .await?;
        if !response.status.is_success() {
            return Err(Finding::fail(format!(
                "GET {path} with Accept {wanted} answered {}",
                status_line(&response)
            )));
        }
        if response.media_type() != Some(wanted.clone()) {
            return Err(Finding::fail(format!(
                "GET {path} with Accept {wanted} answered Content-Type {:?} (RFC 8040 §5.2: the YANG data media type asked for)",
                response.header("content-type").unwrap_or("none")
            )));
        }
    }
    Ok(())
}

#[when(expr = "{string} creates an entry of the sandbox list with POST")]
async fn creates_entry(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let list = sandbox_list(&device)?;
    let parent = api_path(&device, &list, list.elements.len() - 1)?;
    let leaf = list.elements.last().cloned().unwrap_or_default();
    let module = parent.split(':').next().unwrap_or_default().to_owned();
    let value = world.fresh_value();
    let body = format!(
        "{{\"{module}:{leaf}\":[{}]}}",
        serde_json::Value::String(value.clone())
    );
    world.list_entries.push(value);
    let session = restconf(world, &name)?;
    let response = session
        .send(
            Request::new(Method::POST, session.client().data_target(&parent, ""))
                .accept(MediaType::YangDataJson.as_str())
                .body(MediaType::YangDataJson, body),
        )
        .await?;
    world.last_response = Some(response);
    Ok(())
}

#[then(expr = "the device answered 201 Created with a Location that reads back the entry")]
async fn created_with_location(world: &mut RunWorld) -> StepResult {
    let response = kept_response(world)?;
    if response.status.as_u16() != 201 {
        return Err(Finding::fail(format!(
            "the POST that created the entry answered {}, not 201 Created (RFC 8040 §4.4.1)",
            status_line(&response)
        )));
    }
    let location = response
        .header("location")
        .map(str::to_owned)
        .ok_or_else(|| Finding::fail("201 Created without a Location header (RFC 8040 §4.4.1)"))?;
    // A Location may be absolute; the path is what this session can ask for.
    let target = match url::Url::parse(&location) {
        Ok(url) => url.path().to_owned(),
        Err(_) => location.clone(),
    };
    let value = world.list_entries.last().cloned().unwrap_or_default();
    let session = restconf(world, "A")?;
    let read = session
        .send(Request::new(Method::GET, target.clone()).accept(MediaType::YangDataJson.as_str()))
        .await?;
    if !read.status.is_success() || !read.body.contains(&value) {
        return Err(Finding::fail(format!(
            "GET of the Location {location} answered {}: not the entry just created",
            status_line(&read)
        )));
    }
    world.location = Some(target);
    Ok(())
}

#[when(expr = "{string} deletes that entry with DELETE")]
async fn deletes_entry(world: &mut RunWorld, name: String) -> StepResult {
    let target = world
        .location
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no Location kept"))?;
    let session = restconf(world, &name)?;
    let response = session.send(Request::new(Method::DELETE, target)).await?;
    if !response.status.is_success() {
        return Err(Finding::fail(format!(
            "DELETE of the entry answered {}",
            status_line(&response)
        )));
    }
    Ok(())
}

#[then(expr = "the entry is gone")]
async fn entry_gone(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let list = sandbox_list(&device)?;
    let value = world.list_entries.last().cloned().unwrap_or_default();
    let entries =
        rfc3535_harness::session::read_node(world.any_session()?, &list, Datastore::Running)
            .await?;
    if entries.contains(&value) {
        return Err(Finding::fail(format!(
            "after a DELETE that answered success, the list still holds {value:?}"
        )));
    }
    Ok(())
}

/// The datastore's entity-tag, from a GET of the datastore resource.
async fn entity_tag(session: &RestconfSession) -> Result<Option<String>, Finding> {
    Ok(validators(session).await?.0)
}

#[when(expr = "{string} notes the datastore's entity-tag")]
async fn notes_entity_tag(world: &mut RunWorld, name: String) -> StepResult {
    let tag = entity_tag(restconf(world, &name)?).await?.ok_or_else(|| {
        Finding::skip("the datastore resource carries no ETag, so there is no entity-tag to judge")
    })?;
    world.notes.push(format!("entity-tag before: {tag}"));
    world.entity_tag = Some(tag);
    Ok(())
}

#[then(expr = "the datastore's entity-tag has changed")]
async fn entity_tag_changed(world: &mut RunWorld) -> StepResult {
    let before = world
        .entity_tag
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no entity-tag noted"))?;
    let now = entity_tag(restconf(world, "A")?).await?;
    world.notes.push(format!("entity-tag after: {now:?}"));
    match now {
        Some(now) if now != before => Ok(()),
        Some(_) => Err(Finding::fail(format!(
            "the datastore changed and its entity-tag {before} did not (RFC 8040 §3.4.1.2, RFC 9110 §8.8.3)"
        ))),
        None => Err(Finding::fail(
            "the datastore resource stopped carrying an ETag after a change",
        )),
    }
}

#[then(
    expr = "a write of the sandbox text with that old entity-tag in If-Match is refused with 412 and changes nothing"
)]
async fn stale_write_refused(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let before = world
        .entity_tag
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no entity-tag noted"))?;
    let path = api_path(
        &device,
        &device.sandbox.text,
        device.sandbox.text.elements.len(),
    )?;
    let leaf = device
        .sandbox
        .text
        .elements
        .last()
        .cloned()
        .unwrap_or_default();
    let module = path.split(':').next().unwrap_or_default().to_owned();
    let stale = format!("{}-stale", world.fresh_value());
    let body = format!(
        "{{\"{module}:{leaf}\":{}}}",
        serde_json::Value::String(stale.clone())
    );
    let session = restconf(world, "A")?;
    let response = session
        .send(
            Request::new(Method::PUT, session.client().data_target(&path, ""))
                .header(IF_MATCH, before.clone())
                .accept(MediaType::YangDataJson.as_str())
                .body(MediaType::YangDataJson, body),
        )
        .await?;
    let now = read_sandbox_text(world.session("A")?, &device, Datastore::Running).await?;
    if now.as_deref() == Some(stale.as_str()) {
        return Err(Finding::fail(format!(
            "a PUT with If-Match {before}, an entity-tag of before the last change, was applied (answered {})",
            status_line(&response)
        )));
    }
    if response.status.as_u16() != 412 {
        return Err(Finding::fail(format!(
            "a PUT with a stale If-Match answered {}, not 412 Precondition Failed (RFC 9110 §13.1.1)",
            status_line(&response)
        )));
    }
    Ok(())
}

#[when(expr = "{string} asks for an entry of the sandbox list that does not exist")]
async fn asks_for_absent(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let list = sandbox_list(&device)?;
    let path = format!(
        "{}={}-absent",
        api_path(&device, &list, list.elements.len())?,
        world.fresh_value()
    );
    let session = restconf(world, &name)?;
    let response = session
        .send(
            Request::new(Method::GET, session.client().data_target(&path, ""))
                .accept(MediaType::YangDataJson.as_str()),
        )
        .await?;
    world.last_response = Some(response);
    Ok(())
}

#[when(expr = "{string} creates the sandbox's container with POST although it exists")]
async fn posts_existing(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let path = api_path(&device, &device.sandbox.text, 1)?;
    let session = restconf(world, &name)?;
    // The container as it is, posted to the datastore: a create of what exists.
    let current = session
        .send(
            Request::new(
                Method::GET,
                session.client().data_target(&path, "content=config"),
            )
            .accept(MediaType::YangDataJson.as_str()),
        )
        .await?;
    if !current.status.is_success() {
        return Err(Finding::fail(format!(
            "GET {path} answered {}",
            status_line(&current)
        )));
    }
    let response = session
        .send(
            Request::new(Method::POST, session.client().data_target("", ""))
                .accept(MediaType::YangDataJson.as_str())
                .body(MediaType::YangDataJson, current.body.clone()),
        )
        .await?;
    world.last_response = Some(response);
    Ok(())
}

#[then(expr = "the answer is {int} with an errors body naming error-tag {string}")]
async fn errors_body(world: &mut RunWorld, status: u16, tag: String) -> StepResult {
    let response = kept_response(world)?;
    if response.status.as_u16() != status {
        return Err(Finding::fail(format!(
            "answered {}, not {status} (RFC 8040 §7)",
            status_line(&response)
        )));
    }
    let encoding = response.encoding().ok_or_else(|| {
        Finding::fail(format!(
            "a {status} came with Content-Type {:?} and no ietf-restconf:errors body (RFC 8040 §7.1)",
            response.header("content-type").unwrap_or("none")
        ))
    })?;
    let errors = Errors::parse(&response.body, encoding).map_err(|e| {
        Finding::fail(format!(
            "the body of a {status} is not an ietf-restconf:errors body (RFC 8040 §7.1): {e}"
        ))
    })?;
    let Some(error) = errors.errors.first() else {
        return Err(Finding::fail(
            "the errors body lists no error (RFC 8040 §7.1)",
        ));
    };
    if error.error_type.is_none() || error.tag.is_none() {
        return Err(Finding::fail(
            "an error without error-type or error-tag, both mandatory (RFC 8040 §7.1)",
        ));
    }
    if error.tag.as_deref() != Some(tag.as_str()) {
        return Err(Finding::fail(format!(
            "error-tag {:?}, not {tag} (RFC 8040 §7)",
            error.tag.as_deref().unwrap_or_default()
        )));
    }
    Ok(())
}

/// Sends a YANG Patch to the datastore resource that creates two fresh entries of the sandbox
/// list and, when `then_fail`, deletes one that does not exist last.
async fn send_list_patch(world: &mut RunWorld, name: &str, then_fail: bool) -> StepResult {
    use rfc3535_client::wire::restconf::{PatchEdit, PatchOperation, YangPatch};
    let device = Arc::clone(world.device()?);
    let list = sandbox_list(&device)?;
    let path = api_path(&device, &list, list.elements.len())?;
    let module = path.split(':').next().unwrap_or_default().to_owned();
    let leaf = list.elements.last().cloned().unwrap_or_default();
    let values: Vec<String> = ["a", "b"]
        .iter()
        .map(|s| format!("{}-{s}", world.fresh_value()))
        .collect();
    let encode = |v: &str| {
        percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let mut edits: Vec<PatchEdit> = values
        .iter()
        .enumerate()
        .map(|(index, value)| PatchEdit {
            edit_id: format!("add-{}", index + 1),
            operation: PatchOperation::Create,
            target: format!("/{path}={}", encode(value)),
            point: None,
            where_: None,
            value: Some(format!(
                "{{\"{module}:{leaf}\":[{}]}}",
                serde_json::Value::String(value.clone())
            )),
        })
        .collect();
    if then_fail {
        edits.push(PatchEdit {
            edit_id: FAILING_EDIT.to_owned(),
            operation: PatchOperation::Delete,
            target: format!(
                "/{path}={}",
                encode(&format!("{}-absent", world.fresh_value()))
            ),
            point: None,
            where_: None,
            value: None,
        });
    }
    let patch = YangPatch {
        patch_id: patch_id(world),
        comment: Some("the rfc3535 harness: all or nothing".to_owned()),
        edits,
    };
    for value in &values {
        if !world.list_entries.contains(value) {
            world.list_entries.push(value.clone());
        }
    }
    world.patch_values = values;
    let session = restconf(world, name)?;
    let response = session
        .send(
            Request::new(Method::PATCH, session.client().data_target("", ""))
                .accept(MediaType::YangDataJson.as_str())
                .body(MediaType::YangPatchJson, patch.to_document(Encoding::Json)),
        )
        .await?;
    world.last_response = Some(response);
    Ok(())
}

#[when(
    expr = "{string} sends a YANG Patch that adds two entries to the sandbox list and then deletes one that does not exist"
)]
async fn patch_that_fails(world: &mut RunWorld, name: String) -> StepResult {
    send_list_patch(world, &name, true).await
}

#[when(expr = "{string} sends a YANG Patch that adds two entries to the sandbox list")]
async fn patch_that_works(world: &mut RunWorld, name: String) -> StepResult {
    send_list_patch(world, &name, false).await
}

/// The patch-id of the scenario's YANG Patch.
fn patch_id(world: &RunWorld) -> String {
    format!("rfc3535-{}", world.nonce)
}

/// The edit of the failing patch that cannot be applied.
const FAILING_EDIT: &str = "delete-absent";

/// What is wrong with a yang-patch-status's patch-id, if anything (RFC 8072 §2.3: the
/// request's, and mandatory).
fn patch_id_problem(
    world: &RunWorld,
    status: &rfc3535_client::wire::restconf::PatchStatus,
) -> Option<String> {
    let sent = patch_id(world);
    match status.patch_id.as_deref() {
        Some(id) if id == sent => None,
        Some(id) => Some(format!("the yang-patch-status names patch {id:?}, not the request's {sent:?} (RFC 8072 §2.3)")),
        None => Some(format!("the yang-patch-status names no patch-id, where the request's {sent:?} is due (RFC 8072 §2.3)")),
    }
}

/// The yang-patch-status of the last response.
fn patch_status(
    world: &RunWorld,
) -> Result<(Response, rfc3535_client::wire::restconf::PatchStatus), Finding> {
    let response = kept_response(world)?;
    let encoding = response.encoding().ok_or_else(|| {
        Finding::fail(format!(
            "the answer to a YANG Patch ({}) carries no yang-patch-status (RFC 8072 §2.3)",
            status_line(&response)
        ))
    })?;
    let status = rfc3535_client::wire::restconf::PatchStatus::parse(&response.body, encoding)
        .map_err(|e| {
            Finding::fail(format!(
                "the answer to a YANG Patch ({}) is not a yang-patch-status (RFC 8072 §2.3): {e}",
                status_line(&response)
            ))
        })?;
    Ok((response, status))
}

#[then(expr = "the patch is refused with a yang-patch-status that reports the error")]
async fn patch_refused(world: &mut RunWorld) -> StepResult {
    use rfc3535_client::wire::restconf::EditOutcome;
    let (response, status) = patch_status(world)?;
    if response.status.is_success() {
        return Err(Finding::fail(format!(
            "a YANG Patch with an edit that cannot be applied answered {}",
            status_line(&response)
        )));
    }
    let reported = matches!(status.global, Some(EditOutcome::Errors(_)))
        || status
            .edits
            .iter()
            .any(|e| matches!(e.outcome, Some(EditOutcome::Errors(_))));
    if !reported {
        return Err(Finding::fail(
            "the yang-patch-status of a refused patch reports no errors (RFC 8072 §2.3)",
        ));
    }
    let mut problems: Vec<String> = patch_id_problem(world, &status).into_iter().collect();
    // Per-edit status is the server's choice; where it is given, the error belongs to the
    // one edit that cannot be applied.
    for edit in &status.edits {
        let id = edit.edit_id.as_deref().unwrap_or("");
        match &edit.outcome {
            Some(EditOutcome::Errors(_)) if id != FAILING_EDIT => problems.push(format!(
                "the edit-status reports the error against edit {id:?}, which could be applied; the edit that cannot is {FAILING_EDIT:?}"
            )),
            Some(EditOutcome::Ok) if id == FAILING_EDIT => problems.push(format!(
                "the edit-status reports edit {FAILING_EDIT:?}, which deletes what does not exist, as ok"
            )),
            _ => {}
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(problems.join("; ")))
}

#[then(expr = "the patch is applied with a yang-patch-status of ok")]
async fn patch_applied(world: &mut RunWorld) -> StepResult {
    use rfc3535_client::wire::restconf::EditOutcome;
    let (response, status) = patch_status(world)?;
    if !response.status.is_success() || status.global != Some(EditOutcome::Ok) {
        return Err(Finding::fail(format!(
            "a YANG Patch of two new entries answered {} with status {:?}",
            status_line(&response),
            status.global
        )));
    }
    match patch_id_problem(world, &status) {
        None => Ok(()),
        Some(problem) => Err(Finding::fail(problem)),
    }
}

async fn patched_entries_present(world: &RunWorld) -> Result<Vec<String>, Finding> {
    let device = world.device()?;
    let list = sandbox_list(device)?;
    let entries =
        rfc3535_harness::session::read_node(world.any_session()?, &list, Datastore::Running)
            .await?;
    Ok(world
        .patch_values
        .iter()
        .filter(|v| entries.contains(v))
        .cloned()
        .collect())
}

#[then(expr = "neither entry of the patch is in the sandbox list")]
async fn neither_entry(world: &mut RunWorld) -> StepResult {
    let present = patched_entries_present(world).await?;
    if present.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the refused patch left {present:?} in the sandbox list: YANG Patch is all or nothing (RFC 8072 §2)"
    )))
}

#[then(expr = "both entries of the patch are in the sandbox list")]
async fn both_entries(world: &mut RunWorld) -> StepResult {
    let present = patched_entries_present(world).await?;
    if present.len() == world.patch_values.len() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "after a patch that answered ok, the sandbox list holds {present:?} of {:?}",
        world.patch_values
    )))
}

#[when(expr = "{string} adds an entry of its own to the sandbox list")]
async fn adds_own_entry(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let list = sandbox_list(&device)?;
    let value = format!("{}-own", world.fresh_value());
    world.list_entries.push(value.clone());
    let session = world.session(&name)?;
    let reply = session
        .edit_datastore(
            device.edit_target(),
            list.wrap_leaf("", Some(&value)),
            EditMode::Merge,
        )
        .await?;
    expect_ok(&reply, "adding an entry to the sandbox list")?;
    commit_if_candidate(session, &device).await
}

#[then(expr = "the sandbox list still holds the entry of its own")]
async fn still_holds_own_entry(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let list = sandbox_list(&device)?;
    let own = format!("{}-own", world.fresh_value());
    let entries = read_node(world.any_session()?, &list, Datastore::Running).await?;
    if entries.contains(&own) {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the sandbox list lost {own:?}, which the PATCH of its container did not mention: a PATCH merges (RFC 8040 §4.6.1)"
    )))
}

#[when(
    expr = "{string} merges a fresh sandbox text into the sandbox's container with a plain PATCH"
)]
async fn patches_container(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world.fresh_value();
    world.text_value = Some(value.clone());
    let path = api_path(&device, &device.sandbox.text, 1)?;
    let session = restconf(world, &name)?;
    let text = device.sandbox.text.wrap_leaf("", Some(&value));
    let target = session.client().data_target(&path, "");
    let response = send_element(session, Method::PATCH, target, &text, &path).await?;
    world.last_response = Some(response);
    Ok(())
}

#[then(expr = "the PATCH answered 200 OK or 204 No Content")]
async fn patch_answered(world: &mut RunWorld) -> StepResult {
    let response = kept_response(world)?;
    if matches!(response.status.as_u16(), 200 | 204) {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "a plain PATCH of an existing resource answered {} (RFC 8040 §4.6.1: 200 or 204){}",
        status_line(&response),
        refusal_reason(&response)
    )))
}

#[when(expr = "{string} patches an entry of the sandbox list that does not exist")]
async fn patches_absent(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let list = sandbox_list(&device)?;
    let value = format!("{}-absent", world.fresh_value());
    // Removed afterwards, should the device create it.
    world.list_entries.push(value.clone());
    let path = entry_path(&device, &list, &value)?;
    let session = restconf(world, &name)?;
    let entry = entry_xml(&list, &value);
    let target = session.client().data_target(&path, "");
    let response = send_element(session, Method::PATCH, target, &entry, &path).await?;
    world.last_response = Some(response);
    Ok(())
}

#[then(expr = "the PATCH is refused and the entry is not created")]
async fn absent_not_created(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let list = sandbox_list(&device)?;
    let response = kept_response(world)?;
    let absent = format!("{}-absent", world.fresh_value());
    let entries = read_node(world.any_session()?, &list, Datastore::Running).await?;
    if entries.contains(&absent) {
        return Err(Finding::fail(format!(
            "a plain PATCH of an entry that did not exist created it (answered {}); RFC 8040 §4.6.1: a PATCH never creates its target",
            status_line(&response)
        )));
    }
    if response.status.is_success() {
        return Err(Finding::fail(format!(
            "a plain PATCH of an entry that does not exist answered {} and changed nothing",
            status_line(&response)
        )));
    }
    Ok(())
}

/// What an error response's body says, when it is an `errors` body.
pub(super) fn refusal_reason(response: &Response) -> String {
    response
        .encoding()
        .and_then(|encoding| Errors::parse(&response.body, encoding).ok())
        .and_then(|errors| errors.errors.into_iter().next())
        .map(|error| {
            format!(
                ": {} {}",
                error.tag.unwrap_or_default(),
                error.message.unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

#[then(
    expr = "{string} reads the datastore resource with one GET, as ietf-restconf:data holding every top-level node of the configuration"
)]
async fn reads_whole_datastore(world: &mut RunWorld, name: String) -> StepResult {
    let configuration = read_config_data(world.any_session()?, Datastore::Running).await?;
    let wanted = top_level_names(&configuration)?;
    let session = restconf(world, &name)?;
    let encoding = session.encoding();
    let response = session
        .send(
            Request::new(Method::GET, session.client().data_target("", ""))
                .accept(encoding.data().as_str()),
        )
        .await?;
    if response.status.as_u16() != 200 {
        return Err(Finding::fail(format!(
            "GET of the datastore resource answered {}{} (RFC 8040 §3.3.1, §4.3)",
            status_line(&response),
            refusal_reason(&response)
        )));
    }
    let inner = datastore::unwrap(&response.body, encoding).map_err(|e| {
        Finding::fail(format!(
            "the datastore resource is not an ietf-restconf:data body (RFC 8040 §3.3.1): {e}"
        ))
    })?;
    let xml = session.data_as_xml(&inner, encoding).map_err(|e| {
        Finding::fail(format!(
            "the datastore resource does not parse against the device's schema: {e}"
        ))
    })?;
    let read = top_level_names(&xml)?;
    let missing: Vec<String> = wanted
        .difference(&read)
        .map(|(namespace, name)| format!("{name} ({namespace})"))
        .collect();
    if !missing.is_empty() {
        return Err(Finding::fail(format!(
            "the datastore resource lacks top-level nodes the configuration holds: {}",
            missing.join(", ")
        )));
    }
    world.last_response = Some(response);
    Ok(())
}

/// The namespace and name of each top-level node of XML data.
fn top_level_names(xml: &str) -> Result<std::collections::BTreeSet<(String, String)>, Finding> {
    let elements = rfc3535_client::wire::tree::Element::parse_fragment(xml)
        .map_err(|e| Finding::fail(format!("data that is not XML: {e}")))?;
    Ok(elements
        .into_iter()
        .map(|e| (e.name.namespace, e.name.local))
        .collect())
}

#[then(expr = "a HEAD of the datastore resource answers as its GET does, without a body")]
async fn head_of_datastore(world: &mut RunWorld) -> StepResult {
    let get = kept_response(world)?;
    let session = restconf(world, "A")?;
    let encoding = session.encoding();
    let head = session
        .send(
            Request::new(Method::HEAD, session.client().data_target("", ""))
                .accept(encoding.data().as_str()),
        )
        .await?;
    if head.status != get.status {
        return Err(Finding::fail(format!(
            "HEAD of the datastore resource answered {}, its GET {} (RFC 8040 §4.2)",
            status_line(&head),
            status_line(&get)
        )));
    }
    if !head.body.is_empty() {
        return Err(Finding::fail(format!(
            "HEAD of the datastore resource answered with a body of {} bytes (RFC 8040 §4.2)",
            head.body.len()
        )));
    }
    if head.header("content-type") != get.header("content-type") {
        return Err(Finding::fail(format!(
            "HEAD of the datastore resource answered Content-Type {:?}, its GET {:?} (RFC 8040 §4.2)",
            head.header("content-type"),
            get.header("content-type")
        )));
    }
    Ok(())
}

/// Reads the sandbox's container (its top-level node) with a query, keeping the answer; the
/// answer's data as XML elements when it is a success.
async fn read_container(
    world: &mut RunWorld,
    name: &str,
    query: &str,
) -> Result<Option<Vec<Element>>, Finding> {
    let device = Arc::clone(world.device()?);
    let path = api_path(&device, &device.sandbox.text, 1)?;
    let session = restconf(world, name)?;
    let encoding = session.encoding();
    let response = session
        .send(
            Request::new(Method::GET, session.client().data_target(&path, query))
                .accept(encoding.data().as_str()),
        )
        .await?;
    let data = if response.status.is_success() {
        let answered = response.encoding().unwrap_or(encoding);
        let xml = session
            .data_as_xml(&response.body, answered)
            .map_err(|e| {
                Finding::fail(format!(
                    "GET {path}?{query} answered data that does not parse against the device's schema: {e}"
                ))
            })?;
        Some(Element::parse_fragment(&xml).map_err(|e| {
            Finding::fail(format!(
                "GET {path}?{query} answered data that is not XML: {e}"
            ))
        })?)
    } else {
        None
    };
    world.last_response = Some(response);
    Ok(data)
}

/// The answer of the last read, or a failure saying how it was refused.
fn answered(
    data: Option<Vec<Element>>,
    world: &RunWorld,
    what: &str,
) -> Result<Vec<Element>, Finding> {
    data.ok_or_else(|| {
        let response = world.last_response.as_ref();
        Finding::fail(format!(
            "{what} was refused: {}{}",
            response.map(status_line).unwrap_or_default(),
            response.map(refusal_reason).unwrap_or_default()
        ))
    })
}

/// How many levels the sandbox text sits below the top (the container is level 1).
fn text_level(device: &DeviceContext) -> usize {
    device.sandbox.text.elements.len()
}

#[when(expr = "{string} reads the sandbox's container to the depth of the sandbox text")]
async fn reads_to_text_depth(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let query = format!("depth={}", text_level(&device));
    let data = read_container(world, &name, &query).await?;
    world.selected = Some(answered(data, world, &format!("a read with {query}"))?);
    Ok(())
}

#[when(expr = "{string} reads the sandbox's container one level short of the sandbox text")]
async fn reads_short_of_text(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let level = text_level(&device);
    if level < 2 {
        return Err(Finding::skip(
            "the sandbox text is a top-level leaf: no depth reads its container without it",
        ));
    }
    let query = format!("depth={}", level - 1);
    let data = read_container(world, &name, &query).await?;
    world.selected = Some(answered(data, world, &format!("a read with {query}"))?);
    Ok(())
}

#[then(expr = "the answer holds the sandbox text")]
async fn answer_holds_text(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let data = world
        .selected
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no answer kept"))?;
    let expected = world
        .text_value
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no sandbox value was written"))?;
    if device.sandbox.text.values_in(&data).contains(&expected) {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "a read of the container to the sandbox text's own depth ({}) lacks the sandbox text (RFC 8040 §4.8.2)",
        text_level(&device)
    )))
}

#[then(expr = "the answer holds the container and nothing as deep as the sandbox text")]
async fn answer_short_of_text(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let data = world
        .selected
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no answer kept"))?;
    let allowed = text_level(&device) - 1;
    let container = &device.sandbox.text.elements[0];
    if !data
        .iter()
        .any(|e| e.name.local == *container && e.name.namespace == device.sandbox.text.namespace)
    {
        return Err(Finding::fail(format!(
            "a read of {container} with depth={allowed} lacks {container} itself (RFC 8040 §4.8.2: the target is level 1)"
        )));
    }
    let shape = device.shape();
    let roots = shape
        .as_ref()
        .map(|s| s.roots.as_slice())
        .unwrap_or_default();
    let deepest = deepest_level(&data, roots, 1);
    if deepest > allowed {
        return Err(Finding::fail(format!(
            "a read with depth={allowed} answered data {deepest} levels deep (RFC 8040 §4.8.2)"
        )));
    }
    Ok(())
}

/// The deepest level in `elements` (the first is `level`), not counting list keys, which an
/// entry at the last level keeps to name itself.
fn deepest_level(elements: &[Element], siblings: &[NodeShape], level: usize) -> usize {
    elements
        .iter()
        .map(|element| {
            let shape = siblings
                .iter()
                .find(|n| n.name == element.name.local && n.namespace == element.name.namespace);
            let keys: &[String] = shape
                .filter(|s| s.kind == NodeKind::List)
                .map(|s| s.keys.as_slice())
                .unwrap_or_default();
            let children: Vec<Element> = element
                .children
                .iter()
                .filter(|c| !keys.contains(&c.name.local))
                .cloned()
                .collect();
            let below = shape.map(|s| s.children.as_slice()).unwrap_or_default();
            if children.is_empty() {
                level
            } else {
                deepest_level(&children, below, level + 1)
            }
        })
        .max()
        .unwrap_or(level.saturating_sub(1))
}

#[when(expr = "{string} reads the sandbox's container with fields naming only the sandbox text")]
async fn reads_with_fields(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let below: Vec<String> = device.sandbox.text.elements[1..].to_vec();
    if below.is_empty() {
        return Err(Finding::skip(
            "the sandbox text is a top-level leaf: it has no container to choose fields of",
        ));
    }
    let whole = read_container(world, &name, "").await?;
    let whole = answered(whole, world, "a read of the sandbox's container")?;
    if !holds_beside(&whole, &device.sandbox.text.elements) {
        return Err(Finding::skip(
            "the sandbox's container holds nothing but the sandbox text, so fields has nothing to leave out",
        ));
    }
    let fields =
        rfc3535_client::wire::restconf::Fields(vec![rfc3535_client::wire::restconf::FieldPath {
            steps: below,
            beneath: None,
        }]);
    let query = format!(
        "fields={}",
        percent_encoding::utf8_percent_encode(&fields.as_string(), FIELDS_VALUE)
    );
    let data = read_container(world, &name, &query).await?;
    world.selected = Some(answered(data, world, &format!("a read with {query}"))?);
    Ok(())
}

/// What a `fields` value keeps percent-encoded: the query's own delimiters and the rest
/// RFC 3986 reserves, but not `/`, `:`, `;` and parentheses, which the grammar uses.
const FIELDS_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'&')
    .add(b'=')
    .add(b'#')
    .add(b'%')
    .add(b'+')
    .add(b'?');

/// Whether the tree holds any element off the chain of names `chain` (top first).
fn holds_beside(elements: &[Element], chain: &[String]) -> bool {
    let Some((first, rest)) = chain.split_first() else {
        return !elements.is_empty();
    };
    elements
        .iter()
        .any(|e| e.name.local != *first || (!rest.is_empty() && holds_beside(&e.children, rest)))
}

#[then(expr = "the answer holds the sandbox text and nothing beside it")]
async fn answer_only_text(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let data = world
        .selected
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no answer kept"))?;
    let expected = world
        .text_value
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no sandbox value was written"))?;
    if !device.sandbox.text.values_in(&data).contains(&expected) {
        return Err(Finding::fail(
            "a read whose fields name the sandbox text lacks it (RFC 8040 §4.8.3)",
        ));
    }
    if holds_beside(&data, &device.sandbox.text.elements) {
        return Err(Finding::fail(
            "a read whose fields name only the sandbox text answered other nodes beside it (RFC 8040 §4.8.3)",
        ));
    }
    Ok(())
}

/// One entry of the sandbox list as the XML element a request body holds (no ancestors).
fn entry_xml(list: &NodePath, value: &str) -> String {
    let leaf = list.elements.last().cloned().unwrap_or_default();
    format!(
        "<{leaf} xmlns=\"{}\">{}</{leaf}>",
        rfc3535_client::wire::xml::escape(&list.namespace),
        rfc3535_client::wire::xml::escape(value)
    )
}

/// The API path of one entry of the sandbox list.
fn entry_path(device: &DeviceContext, list: &NodePath, value: &str) -> Result<String, Finding> {
    Ok(format!(
        "{}={}",
        api_path(device, list, list.elements.len())?,
        percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
    ))
}

/// Creates one entry of the sandbox list with POST to its parent (RFC 8040 §4.4.1), with
/// `query` (`insert=...`); a refusal fails the step, saying why.
pub(super) async fn post_list_entry(
    session: &RestconfSession,
    device: &DeviceContext,
    list: &NodePath,
    value: &str,
    query: &str,
) -> StepResult {
    let parent = api_path(device, list, list.elements.len() - 1)?;
    let response = send_element(
        session,
        Method::POST,
        session.client().data_target(&parent, query),
        &entry_xml(list, value),
        &entry_path(device, list, value)?,
    )
    .await?;
    if response.status.is_success() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "POST {parent}?{query} of entry {value:?} answered {}{}",
        status_line(&response),
        refusal_reason(&response)
    )))
}

#[when(expr = "{string} creates {string} in the sandbox list with POST, before {string}")]
async fn posts_before(
    world: &mut RunWorld,
    name: String,
    new: String,
    anchor: String,
) -> StepResult {
    let device = world.require_sandbox()?;
    let list = sandbox_list(&device)?;
    let new = list_entry(world, new.trim());
    let anchor = list_entry(world, anchor.trim());
    world.list_entries.push(new.clone());
    // The point is the anchor's own path, percent-encoded as one query value (RFC 8040
    // §4.8.6).
    let point = format!("/{}", entry_path(&device, &list, &anchor)?);
    let query = format!(
        "insert=before&point={}",
        percent_encoding::utf8_percent_encode(&point, percent_encoding::NON_ALPHANUMERIC)
    );
    let session = restconf(world, &name)?;
    post_list_entry(session, &device, &list, &new, &query).await
}

/// One YANG Patch (RFC 8072 §2.5) that inserts `new` before `anchor` and moves `moved` to the
/// front of the sandbox list; the patch must be applied.
#[when(
    expr = "{string} inserts {string} before {string} and moves {string} first in the sandbox list with one YANG Patch"
)]
async fn patches_order(
    world: &mut RunWorld,
    name: String,
    new: String,
    anchor: String,
    moved: String,
) -> StepResult {
    use rfc3535_client::wire::restconf::{PatchEdit, PatchOperation, Where, YangPatch};
    let device = world.require_sandbox()?;
    let list = sandbox_list(&device)?;
    let entry = |label: &str| list_entry(world, label.trim());
    let (new, anchor, moved) = (entry(&new), entry(&anchor), entry(&moved));
    world.list_entries.push(new.clone());
    let session = restconf(world, &name)?;
    let encoding = session.encoding();
    let target = |value: &str| -> Result<String, Finding> {
        Ok(format!("/{}", entry_path(&device, &list, value)?))
    };
    let value = session
        .resource_body(&entry_xml(&list, &new), &entry_path(&device, &list, &new)?)
        .map_err(Finding::error)?;
    let patch = YangPatch {
        patch_id: format!("rfc3535-order-{}", world.nonce),
        comment: Some("the rfc3535 harness: insert and move".to_owned()),
        edits: vec![
            PatchEdit {
                edit_id: "insert".to_owned(),
                operation: PatchOperation::Insert,
                target: target(&new)?,
                point: Some(target(&anchor)?),
                where_: Some(Where::Before),
                value: Some(value),
            },
            PatchEdit {
                edit_id: "move".to_owned(),
                operation: PatchOperation::Move,
                target: target(&moved)?,
                point: None,
                where_: Some(Where::First),
                value: None,
            },
        ],
    };
    let patch_media = match encoding {
        Encoding::Xml => MediaType::YangPatchXml,
        Encoding::Json => MediaType::YangPatchJson,
    };
    let response = session
        .send(
            Request::new(Method::PATCH, session.client().data_target("", ""))
                .accept(encoding.data().as_str())
                .body(patch_media, patch.to_document(encoding)),
        )
        .await?;
    if response.status.is_success() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "a YANG Patch that inserts and moves entries of the sandbox list answered {}: {}",
        status_line(&response),
        response.body.chars().take(300).collect::<String>()
    )))
}

/// The request target of the device's event stream (the `NETCONF` stream, RFC 8040 §6.2,
/// in `encoding` first) with `query` added, and what the notes call it.
fn stream_target(
    device: &DeviceContext,
    query: &str,
    encoding: &str,
) -> Result<(String, String), Finding> {
    let streams = &device.claims.restconf_streams;
    let rank = |a: &&rfc3535_client::wire::restconf::StreamAccess| {
        (a.encoding != encoding, a.name != "NETCONF")
    };
    let access = streams
        .iter()
        .filter(|a| !a.location.is_empty())
        .min_by_key(rank)
        .ok_or_else(|| Finding::error("harness bug: no stream location claimed"))?;
    // The location is a URL; the request goes to its path on the session's server.
    let (path, own_query) = match url::Url::parse(&access.location) {
        Ok(url) => (url.path().to_owned(), url.query().map(str::to_owned)),
        Err(_) => (access.location.clone(), None),
    };
    let queries: Vec<&str> = own_query
        .as_deref()
        .into_iter()
        .chain((!query.is_empty()).then_some(query))
        .collect();
    let target = if queries.is_empty() {
        path
    } else {
        format!("{path}?{}", queries.join("&"))
    };
    let named = format!(
        "event stream {} ({}) at {}",
        access.name, access.encoding, access.location
    );
    Ok((target, named))
}

/// Opens the device's event stream with `query`, in `encoding` when it is offered so; the
/// events are kept for the `Then` steps.
async fn open_event_stream(
    world: &mut RunWorld,
    name: &str,
    query: &str,
    encoding: &str,
) -> StepResult {
    let device = Arc::clone(world.device()?);
    let (target, named) = stream_target(&device, query, encoding)?;
    world.event_stream_json = encoding == "json";
    world.notes.push(named);
    let session = restconf(world, name)?;
    let (response, events) = session.client().open_stream(&target).await?;
    if !response.status.is_success() {
        return Err(Finding::fail(format!(
            "GET of the event stream {target} answered {}{} (RFC 8040 §6.4)",
            status_line(&response),
            refusal_reason(&response)
        )));
    }
    if !response
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream"))
    {
        return Err(Finding::fail(format!(
            "the event stream {target} answered Content-Type {:?}, not text/event-stream (RFC 8040 §6.4)",
            response.header("content-type").unwrap_or("none")
        )));
    }
    world.event_stream = Some(events);
    Ok(())
}

#[given(expr = "{string} listens to the device's event stream")]
async fn listens_to_stream(world: &mut RunWorld, name: String) -> StepResult {
    open_event_stream(world, &name, "", "xml").await
}

#[given(expr = "{string} listens to the device's event stream in JSON")]
async fn listens_to_stream_in_json(world: &mut RunWorld, name: String) -> StepResult {
    open_event_stream(world, &name, "", "json").await
}

/// The next event of the kept stream that is a `netconf-config-change`, its data as sent;
/// a stream that ends, breaks or stays silent fails.
async fn next_change_event(world: &mut RunWorld, seconds: u64) -> Result<String, Finding> {
    let events = world
        .event_stream
        .as_mut()
        .ok_or_else(|| Finding::error("harness bug: no event stream opened"))?;
    let deadline = rfc3535_harness::lag::Deadline::after(std::time::Duration::from_secs(seconds));
    let mut seen = 0usize;
    loop {
        let event = match deadline.run(events.recv()).await {
            None => {
                return Err(Finding::fail(format!(
                    "no netconf-config-change on the event stream within {seconds} s of the change ({seen} other events)"
                )))
            }
            Some(None) => {
                return Err(Finding::fail(
                    "the event stream ended before it announced the change",
                ))
            }
            Some(Some(Err(broken))) => {
                return Err(Finding::fail(format!(
                    "the event stream broke before it announced the change: {broken}"
                )))
            }
            Some(Some(Ok(event))) => event,
        };
        if event.data.contains("netconf-config-change") {
            return Ok(event.data);
        }
        seen += 1;
    }
}

#[then(
    expr = "within {int} seconds the event stream announces a change of the running configuration"
)]
async fn stream_announces_change(world: &mut RunWorld, seconds: u64) -> StepResult {
    let device = Arc::clone(world.device()?);
    let data = next_change_event(world, seconds).await?;
    world.event_stream = None;
    if world.event_stream_json && !data.trim_start().starts_with('{') {
        return Err(Finding::fail(format!(
            "the event stream listed in JSON sent an event that is not JSON (RFC 8040 §6.4): {}",
            data.chars().take(120).collect::<String>()
        )));
    }
    judge_change_event(&device, &data)
}

#[then(
    expr = "within {int} seconds the event stream announces a change of the running configuration, and its time is noted"
)]
async fn stream_announces_change_noting_time(world: &mut RunWorld, seconds: u64) -> StepResult {
    let device = Arc::clone(world.device()?);
    let data = next_change_event(world, seconds).await?;
    world.event_stream = None;
    judge_change_event(&device, &data)?;
    let time = event_time(&data).ok_or_else(|| {
        Finding::fail("the change event carries no eventTime (RFC 8040 §6.4, RFC 5277 §4)")
    })?;
    world.notes.push(format!(
        "the change's eventTime, on the device's clock: {time}"
    ));
    world.replay_from = Some(time);
    Ok(())
}

/// The `eventTime` of a stream event, XML or JSON (RFC 8040 §6.4).
fn event_time(data: &str) -> Option<String> {
    let text = data.trim();
    if text.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        return value
            .get("ietf-restconf:notification")?
            .get("eventTime")?
            .as_str()
            .map(str::to_owned);
    }
    Element::parse(text)
        .ok()?
        .child("eventTime")
        .map(|t| t.text.trim().to_owned())
}

/// Opens the stream from the noted time to a second after it (RFC 8040 §4.8.7, §4.8.8): a
/// replay of what happened then, already over.
#[when(expr = "{string} reads the event stream from that time to a second later")]
async fn reads_stream_between(world: &mut RunWorld, name: String) -> StepResult {
    read_replay_window(world, &name, None).await
}

/// As above, with a `filter` (RFC 8040 §4.8.4): an XPath expression, module names as its
/// prefixes.
#[when(
    expr = "{string} reads the event stream from that time to a second later, filtered to {string}"
)]
async fn reads_stream_between_filtered(
    world: &mut RunWorld,
    name: String,
    filter: String,
) -> StepResult {
    read_replay_window(world, &name, Some(&filter)).await
}

async fn read_replay_window(world: &mut RunWorld, name: &str, filter: Option<&str>) -> StepResult {
    let start = world
        .replay_from
        .clone()
        .ok_or_else(|| Finding::error("harness bug: no event time was noted"))?;
    let begun = humantime::parse_rfc3339_weak(start.trim_end_matches('Z'))
        .or_else(|_| humantime::parse_rfc3339(&start))
        .map_err(|e| {
            Finding::skip(format!(
                "the event time {start:?} is not a date-and-time the harness can add a second to: {e}"
            ))
        })?;
    let stop = humantime::format_rfc3339(begun + std::time::Duration::from_secs(1)).to_string();
    let encode = |t: &str| {
        percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    world.replay_to = Some(stop.clone());
    let mut query = format!("start-time={}&stop-time={}", encode(&start), encode(&stop));
    if let Some(filter) = filter {
        query.push_str(&format!("&filter={}", encode(filter)));
    }
    open_event_stream(world, name, &query, "xml").await
}

#[then(
    expr = "within {int} seconds the stream replays that change, says the replay is complete, and ends"
)]
async fn stream_replays_and_ends(world: &mut RunWorld, seconds: u64) -> StepResult {
    replay_ends(world, seconds, true).await
}

#[then(
    expr = "within {int} seconds the stream says the replay is complete and ends, without that change"
)]
async fn stream_ends_without_change(world: &mut RunWorld, seconds: u64) -> StepResult {
    replay_ends(world, seconds, false).await
}

/// Reads a replaying stream to its end: the change made at the noted time (when `with_change`;
/// otherwise it must not come), then `replayComplete`, then `notificationComplete` (RFC 5277
/// §2.1.1, §2.2.1).
async fn replay_ends(world: &mut RunWorld, seconds: u64, with_change: bool) -> StepResult {
    let device = Arc::clone(world.device()?);
    let noted = world.replay_from.clone().unwrap_or_default();
    let stop = world.replay_to.clone().unwrap_or_default();
    let mut events = world
        .event_stream
        .take()
        .ok_or_else(|| Finding::error("harness bug: no event stream opened"))?;
    let deadline = rfc3535_harness::lag::Deadline::after(std::time::Duration::from_secs(seconds));
    // Without the change wanted, its absence counts as it being there.
    let (mut replayed, mut replay_complete, mut complete) = (!with_change, false, false);
    let missing = |replayed: bool, replay_complete: bool, complete: bool| {
        [
            (!replayed).then_some("the change made at the noted time"),
            (!replay_complete).then_some("replayComplete"),
            (!complete).then_some("notificationComplete"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    };
    loop {
        let event = match deadline.run(events.recv()).await {
            None => {
                return Err(Finding::fail(format!(
                    "within {seconds} s the stream from {noted} to {stop} did not end; missing: {} (RFC 8040 §4.8.7, §4.8.8)",
                    missing(replayed, replay_complete, complete)
                )))
            }
            Some(Some(Err(broken))) => {
                return Err(Finding::fail(format!(
                    "the replaying stream broke: {broken}"
                )))
            }
            Some(None) if replayed && replay_complete && complete => return Ok(()),
            Some(None) => {
                return Err(Finding::fail(format!(
                    "the stream from {noted} to {stop} ended without {} (RFC 8040 §4.8.7, §4.8.8; RFC 5277 §2.1.1, §2.2.1)",
                    missing(replayed, replay_complete, complete)
                )))
            }
            Some(Some(Ok(event))) => event,
        };
        if complete {
            return Err(Finding::fail(
                "an event came after notificationComplete (RFC 5277 §2.2.1)",
            ));
        }
        let data = event.data.trim().to_owned();
        if data.contains("netconf-config-change")
            && event_time(&data).as_deref() == Some(noted.as_str())
        {
            if !with_change {
                return Err(Finding::fail(format!(
                    "the change made at {noted} came through a filter that does not select it (RFC 8040 §4.8.4)"
                )));
            }
            judge_change_event(&device, &data)?;
            replayed = true;
        } else if data.contains("replayComplete") {
            if !replayed {
                return Err(Finding::fail(format!(
                    "replayComplete came before the change made at {noted} was replayed"
                )));
            }
            replay_complete = true;
        } else if data.contains("notificationComplete") {
            if !replay_complete {
                return Err(Finding::fail(
                    "notificationComplete came before replayComplete (RFC 5277 §2.1.1)",
                ));
            }
            complete = true;
        }
    }
}

/// A `netconf-config-change` event of the stream, in XML or JSON (RFC 8040 §6.4): a whole
/// notification about running (RFC 6470 §2.3.2), valid against the device's schema.
fn judge_change_event(device: &DeviceContext, data: &str) -> StepResult {
    let text = data.trim();
    let json = text.starts_with('{');
    let datastore = if json {
        // The notification inside ietf-restconf:notification.
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Finding::fail(format!("an event of the stream is not JSON: {e}")))?;
        let change = value
            .get("ietf-restconf:notification")
            .and_then(|n| n.get("ietf-netconf-notifications:netconf-config-change"))
            .ok_or_else(|| {
                Finding::fail("a JSON event is not an ietf-restconf:notification with a netconf-config-change")
            })?;
        change
            .get("datastore")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("running")
            .to_owned()
    } else {
        let notification = Element::parse(text).map_err(|e| {
            Finding::fail(format!(
                "an event of the stream is not an XML notification: {e}"
            ))
        })?;
        notification
            .child("netconf-config-change")
            .map(|c| {
                c.child("datastore")
                    .map_or("running".to_owned(), |d| d.text.trim().to_owned())
            })
            .ok_or_else(|| {
                Finding::fail("the event names netconf-config-change but holds none at its top")
            })?
    };
    if datastore != "running" {
        return Err(Finding::fail(format!(
            "the change announced is of {datastore}, not running"
        )));
    }
    if let Ok(schema) = device.schema() {
        if let Ok(schema) = schema.as_ref().as_ref() {
            let checked = if json {
                schema.validate_notification_json(text)
            } else {
                schema.validate_notification(text)
            };
            checked.map_err(|finding| {
                Finding::fail(format!(
                    "the change event does not validate against the device's own schema: {finding}"
                ))
            })?;
        }
    }
    Ok(())
}

/// The datastore's entity-tag and Last-Modified, from a GET of its configuration.
async fn validators(
    session: &RestconfSession,
) -> Result<(Option<String>, Option<String>), Finding> {
    let response = session
        .send(
            Request::new(
                Method::GET,
                session.client().data_target("", "content=config"),
            )
            .accept(session.encoding().data().as_str()),
        )
        .await?;
    if !response.status.is_success() {
        return Err(Finding::fail(format!(
            "GET of the datastore resource answered {}",
            status_line(&response)
        )));
    }
    Ok((
        response.header("etag").map(str::to_owned),
        response.header("last-modified").map(str::to_owned),
    ))
}

#[when(expr = "{string} notes the datastore's entity-tag and Last-Modified")]
async fn notes_validators(world: &mut RunWorld, name: String) -> StepResult {
    let (tag, modified) = validators(restconf(world, &name)?).await?;
    let (Some(tag), Some(modified)) = (tag, modified) else {
        return Err(Finding::skip(
            "the datastore resource does not carry both ETag and Last-Modified, so there is nothing to watch",
        ));
    };
    world
        .notes
        .push(format!("before: ETag {tag}, Last-Modified {modified}"));
    world.entity_tag = Some(tag);
    world.last_modified = Some(modified);
    Ok(())
}

#[when(expr = "{string} reads the device's state twice, a second apart")]
async fn reads_state_twice(world: &mut RunWorld, name: String) -> StepResult {
    let session = restconf(world, &name)?;
    for pause in [true, false] {
        let response = session
            .send(
                Request::new(Method::GET, session.client().data_target("", ""))
                    .accept(session.encoding().data().as_str()),
            )
            .await?;
        if !response.status.is_success() {
            return Err(Finding::fail(format!(
                "GET of the datastore resource with its state answered {}",
                status_line(&response)
            )));
        }
        if pause {
            // Last-Modified counts whole seconds (RFC 9110 §5.6.7).
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
    }
    Ok(())
}

/// The validators now against those noted: which of the two moved.
async fn moved_validators(world: &RunWorld) -> Result<(bool, bool, String), Finding> {
    let (before_tag, before_modified) = (
        world
            .entity_tag
            .clone()
            .ok_or_else(|| Finding::error("harness bug: no entity-tag noted"))?,
        world
            .last_modified
            .clone()
            .ok_or_else(|| Finding::error("harness bug: no Last-Modified noted"))?,
    );
    let (tag, modified) = validators(restconf(world, "A")?).await?;
    let (tag, modified) = (tag.unwrap_or_default(), modified.unwrap_or_default());
    let told =
        format!("ETag {before_tag} then {tag}, Last-Modified {before_modified} then {modified}");
    Ok((tag != before_tag, modified != before_modified, told))
}

#[then(expr = "the datastore's entity-tag and Last-Modified have not moved")]
async fn validators_still(world: &mut RunWorld) -> StepResult {
    let (tag_moved, modified_moved, told) = moved_validators(world).await?;
    world.notes.push(told.clone());
    if tag_moved || modified_moved {
        return Err(Finding::fail(format!(
            "with no configuration change, only reads, the datastore's validators moved ({told}); a client watching them for changes is misled (RFC 8040 §3.4.1.1, §3.4.1.2)"
        )));
    }
    Ok(())
}

#[then(expr = "the datastore's entity-tag and Last-Modified have moved")]
async fn validators_moved(world: &mut RunWorld) -> StepResult {
    let (tag_moved, modified_moved, told) = moved_validators(world).await?;
    world.notes.push(told.clone());
    if !tag_moved || !modified_moved {
        return Err(Finding::fail(format!(
            "after a configuration change the datastore's validators did not both move ({told}) (RFC 8040 §3.4.1.1, §3.4.1.2)"
        )));
    }
    Ok(())
}

/// RFC 8040 §3.3, §3.3.3 (Appendix B.1.1, B.1.2): the API resource names the datastore and
/// operations resources and the revision of ietf-yang-library the server implements, which
/// its own `yang-library-version` resource answers too.
#[then(
    expr = "{string} reads the API resource, and it names the datastore, the operations and the YANG library revision the device implements"
)]
async fn reads_api_resource(world: &mut RunWorld, name: String) -> StepResult {
    use rfc3535_client::wire::restconf::api;
    let device = Arc::clone(world.device()?);
    let session = restconf(world, &name)?;
    let encoding = session.encoding();
    let root = session.client().root().to_owned();
    let get = |target: String| {
        session.send(Request::new(Method::GET, target).accept(encoding.data().as_str()))
    };
    let resource = get(root.clone()).await?;
    if !resource.status.is_success() {
        return Err(Finding::fail(format!(
            "GET {root} answered {}{} (RFC 8040 §3.3)",
            status_line(&resource),
            refusal_reason(&resource)
        )));
    }
    let read =
        api::parse(&resource.body, resource.encoding().unwrap_or(encoding)).map_err(|e| {
            Finding::fail(format!(
                "the API resource is not ietf-restconf:restconf (RFC 8040 §3.3): {e}"
            ))
        })?;
    let missing: Vec<&str> = [
        (!read.data).then_some("data"),
        (!read.operations).then_some("operations"),
        read.yang_library_version
            .is_none()
            .then_some("yang-library-version"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        return Err(Finding::fail(format!(
            "the API resource lacks {} (RFC 8040 §3.3)",
            missing.join(", ")
        )));
    }
    let named = read.yang_library_version.unwrap_or_default();
    let target = format!("{root}/yang-library-version");
    let version = get(target.clone()).await?;
    if !version.status.is_success() {
        return Err(Finding::fail(format!(
            "GET {target} answered {}{} (RFC 8040 §3.3.3)",
            status_line(&version),
            refusal_reason(&version)
        )));
    }
    let answered = api::parse_version(&version.body, version.encoding().unwrap_or(encoding))
        .map_err(|e| {
            Finding::fail(format!(
                "{target} is not ietf-restconf:yang-library-version (RFC 8040 §3.3.3): {e}"
            ))
        })?;
    if answered != named {
        return Err(Finding::fail(format!(
            "the API resource names YANG library revision {named}, {target} answers {answered}"
        )));
    }
    let implemented = device
        .claims
        .modules
        .get("ietf-yang-library")
        .and_then(|m| m.revision.clone());
    match implemented {
        Some(revision) if revision == named => Ok(()),
        Some(revision) => Err(Finding::fail(format!(
            "yang-library-version names {named}, but the device implements ietf-yang-library@{revision} (RFC 8040 §3.3.3)"
        ))),
        None => Err(Finding::fail(format!(
            "yang-library-version names {named}, but the device's YANG library does not list ietf-yang-library as implemented (RFC 8040 §3.3.3)"
        ))),
    }
}

#[then(
    expr = "{string} reads the operations resource, and it lists every operation of the modules the device implements"
)]
async fn lists_operations(world: &mut RunWorld, name: String) -> StepResult {
    use rfc3535_client::wire::restconf::operations;
    let expected: Vec<rfc3535_yang::Operation> =
        super::restconf_operations::defined(world, "its operations are", |s| s.operations())?
            .into_iter()
            .filter(|o| !o.is_netconf_protocol())
            .collect();
    if expected.is_empty() {
        return Err(Finding::skip(
            "the device's modules define no operation besides NETCONF's own, so there is nothing the resource must list",
        ));
    }
    let session = restconf(world, &name)?;
    let encoding = session.encoding();
    let target = format!("{}/operations", session.client().root());
    let response = session
        .send(Request::new(Method::GET, target.clone()).accept(encoding.data().as_str()))
        .await?;
    if !response.status.is_success() {
        return Err(Finding::fail(format!(
            "GET {target} answered {}{} (RFC 8040 §3.3.2)",
            status_line(&response),
            refusal_reason(&response)
        )));
    }
    let answered = response.encoding().unwrap_or(encoding);
    let listed = operations::parse(&response.body, answered).map_err(|e| {
        Finding::fail(format!(
            "the operations resource is not ietf-restconf:operations (RFC 8040 §3.3.2): {e}"
        ))
    })?;
    world.notes.push(format!(
        "{} operations listed; {} expected from the schema",
        listed.len(),
        expected.len()
    ));
    let named = |o: &rfc3535_yang::Operation| {
        listed.iter().any(|l| {
            l.name == o.name
                && match answered {
                    Encoding::Json => l.qualifier == o.module,
                    Encoding::Xml => l.qualifier == o.namespace,
                }
        })
    };
    let missing: Vec<String> = expected
        .iter()
        .filter(|o| !named(o))
        .map(|o| format!("{}:{}", o.module, o.name))
        .collect();
    if !missing.is_empty() {
        return Err(Finding::fail(format!(
            "the operations resource leaves out {} of the {} operations the device's modules define: {} (RFC 8040 §3.3.2)",
            missing.len(),
            expected.len(),
            missing.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    let malformed: Vec<String> = listed
        .iter()
        .filter(|l| !l.empty)
        .map(|l| format!("{}:{}", l.qualifier, l.name))
        .collect();
    if !malformed.is_empty() {
        return Err(Finding::fail(format!(
            "operations listed as something other than an empty leaf ([null] in JSON, RFC 7951 §6.9): {}",
            malformed.join(", ")
        )));
    }
    Ok(())
}
