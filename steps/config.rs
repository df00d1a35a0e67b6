//! Steps about configuration datastores: writing the sandbox, reading running, candidate and
//! startup, saving and restoring, edit operations, and user-ordered entries.

use std::sync::Arc;

use cucumber::{given, then, when};
use rfc3535_client::wire::rpc::{EditAttributes, EditOperation, Insert};
use rfc3535_client::wire::{ConfigSource, Datastore, EditConfig, ErrorOption, ErrorTag};

use rfc3535_harness::safety::{put_back, Restoration};
use rfc3535_harness::session::{read_node, ManagementSession as _};

use super::world::{
    commit_if_candidate, config_differences, describe_errors, expect_ok, expect_same, read_config,
    read_config_data, read_sandbox_text, reply_data, write_sandbox_text, Finding, RunWorld,
    StepResult,
};

fn datastore_named(name: &str) -> Datastore {
    match name {
        "candidate" => Datastore::Candidate,
        "startup" => Datastore::Startup,
        _ => Datastore::Running,
    }
}

#[when(expr = "{string} sets the sandbox text to a fresh value in the candidate")]
async fn set_in_candidate(world: &mut RunWorld, name: String) -> StepResult {
    set_in(world, &name, Datastore::Candidate).await
}

/// Writes running itself, whatever the device's edit target (`:writable-running`).
#[when(expr = "{string} sets the sandbox text to a fresh value in the running configuration")]
async fn set_in_running(world: &mut RunWorld, name: String) -> StepResult {
    set_in(world, &name, Datastore::Running).await
}

/// Writes the sandbox text into one datastore, without activating it.
async fn set_in(world: &mut RunWorld, name: &str, datastore: Datastore) -> StepResult {
    let device = world.require_sandbox()?;
    let value = world.fresh_value();
    let reply =
        write_sandbox_text(world.session(name)?, &device, datastore.clone(), &value).await?;
    expect_ok(&reply, &format!("edit-config of {}", datastore.name()))?;
    world.text_value = Some(value);
    Ok(())
}

/// Sets the sandbox text through the device's edit target and activates it. A refusal, of
/// the edit or of the commit, is kept for the caller to judge; a refused commit's change is
/// discarded, so that no later commit carries it.
async fn set_and_activate(world: &mut RunWorld, name: &str, value: String) -> StepResult {
    let device = world.require_sandbox()?;
    let session = world.session(name)?;
    let reply = write_sandbox_text(session, &device, device.edit_target(), &value).await?;
    let reply = if reply.is_success() && device.edit_target() == Datastore::Candidate {
        let commit = session.commit_candidate().await?;
        if !commit.is_success() {
            let discard = session.discard_candidate().await?;
            expect_ok(&discard, "discarding the refused change")?;
        }
        commit
    } else {
        reply
    };
    world.text_value = Some(value);
    world.last_reply = Some(reply);
    world.activated_at = Some(std::time::Instant::now());
    Ok(())
}

/// As `set_and_activate`, failing the step when the device refuses.
async fn set_and_activate_or_fail(world: &mut RunWorld, name: &str, value: String) -> StepResult {
    set_and_activate(world, name, value).await?;
    match &world.last_reply {
        Some(reply) if !reply.is_success() => Err(Finding::fail(format!(
            "setting the sandbox text was refused: {}",
            describe_errors(reply)
        ))),
        _ => Ok(()),
    }
}

#[when(expr = "{string} sets the sandbox text to a fresh value")]
async fn set_fresh(world: &mut RunWorld, name: String) -> StepResult {
    let value = world.fresh_value();
    set_and_activate_or_fail(world, &name, value).await
}

/// As above, but a refusal is kept for a later `Then` to judge.
#[when(expr = "{string} tries to set the sandbox text to a fresh value")]
async fn try_set_fresh(world: &mut RunWorld, name: String) -> StepResult {
    let value = world.fresh_value();
    set_and_activate(world, &name, value).await
}

#[when(expr = "{string} sets the sandbox text to a fresh value with the text {string}")]
async fn set_fresh_with_text(world: &mut RunWorld, name: String, text: String) -> StepResult {
    let value = format!("{text} {}", world.fresh_value());
    set_and_activate_or_fail(world, &name, value).await
}

/// As above, but a refusal is kept for a later `Then` to judge.
#[when(expr = "{string} tries to set the sandbox text to a fresh value with the text {string}")]
async fn try_set_fresh_with_text(world: &mut RunWorld, name: String, text: String) -> StepResult {
    let value = format!("{text} {}", world.fresh_value());
    set_and_activate(world, &name, value).await
}

#[given(expr = "the sandbox text holds a fresh value")]
async fn text_holds_fresh(world: &mut RunWorld) -> StepResult {
    let value = world.fresh_value();
    set_and_activate_or_fail(world, "A", value).await
}

async fn shows_text(world: &RunWorld, datastore: Datastore) -> Result<bool, Finding> {
    let device = world.device()?;
    let expected = world
        .text_value
        .as_deref()
        .ok_or_else(|| Finding::error("harness bug: no sandbox value was written"))?;
    let value = read_sandbox_text(world.any_session()?, device, datastore).await?;
    Ok(value.as_deref() == Some(expected))
}

#[then(expr = "the {word} configuration shows the sandbox text")]
async fn datastore_shows(world: &mut RunWorld, datastore: String) -> StepResult {
    if shows_text(world, datastore_named(&datastore)).await? {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{datastore} does not hold the sandbox text that was written and activated"
    )))
}

#[then(expr = "the running configuration shows the sandbox text exactly")]
async fn shows_exactly(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let expected = world.text_value.clone().unwrap_or_default();
    let value = read_sandbox_text(world.any_session()?, &device, Datastore::Running).await?;
    match value {
        Some(v) if v == expected => Ok(()),
        Some(v) => Err(Finding::fail(format!(
            "wrote {expected:?} ({} bytes), read back {v:?} ({} bytes)",
            expected.len(),
            v.len()
        ))),
        None => Err(Finding::fail("the sandbox text is absent from running")),
    }
}

#[then(expr = "the {word} configuration does not show the sandbox text")]
async fn datastore_does_not_show(world: &mut RunWorld, datastore: String) -> StepResult {
    if !shows_text(world, datastore_named(&datastore)).await? {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{datastore} already holds the sandbox text that was only written, not activated, or that should have been undone"
    )))
}

#[when(expr = "{string} commits")]
async fn commits(world: &mut RunWorld, name: String) -> StepResult {
    let reply = world.netconf(&name)?.commit(Default::default()).await?;
    expect_ok(&reply, "commit")
}

#[when(expr = "{string} discards its changes")]
async fn discards(world: &mut RunWorld, name: String) -> StepResult {
    let reply = world.netconf(&name)?.discard_changes().await?;
    expect_ok(&reply, "discard-changes")
}

/// After a discard (candidate) or a copy (startup), the datastore holds what running holds.
#[then(expr = "the {word} configuration equals the running configuration")]
async fn equals_running(world: &mut RunWorld, datastore: String) -> StepResult {
    let session = world.any_session()?;
    let other = read_config_data(session, datastore_named(&datastore)).await?;
    let running = read_config_data(session, Datastore::Running).await?;
    expect_same(
        config_differences(world.device()?, &running, &other)?,
        &format!("{datastore} differs from running"),
    )
}

#[when(expr = "{string} locks the candidate")]
async fn locks_candidate(world: &mut RunWorld, name: String) -> StepResult {
    let reply = world.netconf(&name)?.lock(Datastore::Candidate).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} locks the configuration it edits")]
async fn locks_edit_target(world: &mut RunWorld, name: String) -> StepResult {
    let target = world.device()?.edit_target();
    let reply = world.netconf(&name)?.lock(target).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} takes a lock on the configuration it edits")]
async fn takes_lock(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let target = device.edit_target();
    let reply = world.netconf(&name)?.lock(target.clone()).await?;
    if reply.is_success() {
        return Ok(());
    }
    // A lock refused for a reason of the test bed (a candidate someone else has changed) is
    // not the device's fault.
    device.require_sandbox()?;
    Err(Finding::fail(format!(
        "a lock on {}, which nobody holds, was refused: {}",
        target.name(),
        describe_errors(&reply)
    )))
}

#[then(expr = "the reply is an error")]
async fn any_error(world: &mut RunWorld) -> StepResult {
    let reply = world.kept_reply()?;
    if reply.is_success() {
        return Err(Finding::fail("the device granted what it must refuse"));
    }
    Ok(())
}

#[then(expr = "the reply is an error with tag {string}")]
async fn error_with_tag(world: &mut RunWorld, tag: String) -> StepResult {
    let wanted: ErrorTag = tag
        .parse()
        .map_err(|e| Finding::error(format!("harness bug: the catalogue names {e}")))?;
    let reply = world.kept_reply()?;
    if reply.is_success() {
        return Err(Finding::fail(format!(
            "expected an rpc-error with error-tag {tag}; the device answered with success"
        )));
    }
    if reply.errors.iter().any(|e| e.error_tag() == Some(wanted)) {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "expected error-tag {tag}; got {}",
        describe_errors(reply)
    )))
}

#[then(expr = "the reply is ok")]
async fn reply_ok(world: &mut RunWorld) -> StepResult {
    let reply = world.kept_reply()?;
    expect_ok(reply, "the request")
}

#[then(expr = "the error names the session of {string} as the holder")]
async fn names_holder(world: &mut RunWorld, name: String) -> StepResult {
    let holder = world.netconf(&name)?.session_id().to_string();
    let reply = world.kept_reply()?;
    let named: Vec<String> = reply
        .errors
        .iter()
        .filter_map(|e| e.info_field("session-id"))
        .collect();
    if named.iter().any(|id| id.trim() == holder) {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "error-info should name session-id {holder} as the holder; it names {named:?}"
    )))
}

#[when(expr = "{string} copies the running configuration to startup")]
async fn copy_to_startup(world: &mut RunWorld, name: String) -> StepResult {
    let reply = world
        .netconf(&name)?
        .copy_config(
            Datastore::Startup,
            ConfigSource::Datastore(Datastore::Running),
        )
        .await?;
    expect_ok(&reply, "copy-config of running to startup")
}

#[when(expr = "{string} saves the running configuration to a file")]
async fn saves_to_file(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let url = format!(
        "{}rfc3535-{}.xml",
        device.sandbox.url_directory, world.nonce
    );
    world.url_files.push(url.clone());
    let reply = world
        .netconf(&name)?
        .copy_config(
            Datastore::Url(url.clone()),
            ConfigSource::Datastore(Datastore::Running),
        )
        .await?;
    expect_ok(&reply, &format!("copy-config of running to {url}"))
}

#[when(expr = "{string} restores the configuration it edits from that file")]
async fn restores_from_file(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let url = world
        .url_files
        .last()
        .cloned()
        .ok_or_else(|| Finding::error("harness bug: no file saved"))?;
    let target = device.edit_target();
    let reply = world
        .netconf(&name)?
        .copy_config(
            target.clone(),
            ConfigSource::Datastore(Datastore::Url(url.clone())),
        )
        .await?;
    expect_ok(
        &reply,
        &format!("copy-config of {url} to {}", target.name()),
    )?;
    commit_if_candidate(world.session(&name)?, &device).await
}

#[given(expr = "a copy of the running configuration")]
async fn copy_of_running(world: &mut RunWorld) -> StepResult {
    let reply = read_config(world.any_session()?, Datastore::Running).await?;
    reply_data(&reply, "get-config of running")?;
    world.copies = vec![reply.data().unwrap_or_default().to_owned()];
    Ok(())
}

#[when(expr = "{string} restores the copy of the running configuration")]
async fn restores_copy(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let saved = world
        .copies
        .first()
        .cloned()
        .ok_or_else(|| Finding::error("harness bug: no copy saved"))?;
    put_back(
        world.session(&name)?,
        &device,
        Datastore::Running,
        Restoration::Whole(saved),
    )
    .await
}

#[then(expr = "the running configuration equals the copy")]
async fn running_equals_copy(world: &mut RunWorld) -> StepResult {
    let saved = world.copies.first().cloned().unwrap_or_default();
    let now = read_config_data(world.any_session()?, Datastore::Running).await?;
    expect_same(
        config_differences(world.device()?, &saved, &now)?,
        "running differs from the restored copy",
    )
}

/// The whole effect of an edit: besides the sandbox, the configuration the scenario edits
/// (the candidate, or running) is as running was when the scenario began (an edit that also
/// changes something else is caught, committed or not).
#[then(expr = "nothing but the sandbox changed in the configuration it edits")]
async fn nothing_else_changed(world: &mut RunWorld) -> StepResult {
    let target = world.device()?.edit_target();
    nothing_else_changed_in(world, target).await
}

#[then(expr = "nothing but the sandbox changed in the {word} configuration")]
async fn nothing_else_changed_in_named(world: &mut RunWorld, datastore: String) -> StepResult {
    nothing_else_changed_in(world, datastore_named(&datastore)).await
}

/// Compares a datastore with the copy of running taken first, outside the sandbox.
async fn nothing_else_changed_in(world: &mut RunWorld, target: Datastore) -> StepResult {
    let device = Arc::clone(world.device()?);
    let saved = world
        .copies
        .first()
        .cloned()
        .ok_or_else(|| Finding::error("harness bug: no copy of running taken"))?;
    let now = read_config_data(world.any_session()?, target.clone()).await?;
    expect_same(
        rfc3535_harness::session::differences_outside(&device, &saved, &now)?,
        &format!("{} changed outside the sandbox", target.name()),
    )
}

#[when(expr = "{string} reads the running configuration")]
async fn reads_running(world: &mut RunWorld, name: String) -> StepResult {
    let reply = read_config(world.session(&name)?, Datastore::Running).await?;
    reply_data(&reply, "get-config of running")?;
    world.kept_replies.push(reply.clone());
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} reads the running configuration again")]
async fn reads_running_again(world: &mut RunWorld, name: String) -> StepResult {
    reads_running(world, name).await
}

/// Byte-identical replies: RFC 3535 §3.10 asks for output that text tools can diff, so even a
/// reordering that leaves the tree equal counts.
#[then(expr = "both replies hold the same data")]
async fn same_data(world: &mut RunWorld) -> StepResult {
    let (first, second) = world.kept_pair()?;
    if first.data() == second.data() {
        return Ok(());
    }
    super::discovery::same_trees(world)
        .await
        .and(Err(Finding::fail(
            "two reads with no change in between hold the same tree in a different order",
        )))
}

/// The sandbox list entry a scenario's label names, unique to the scenario.
pub(super) fn list_entry(world: &RunWorld, label: &str) -> String {
    format!("{label}.{}.rfc3535.example", world.nonce)
}

#[given(expr = "the sandbox list holds {string}")]
async fn list_holds(world: &mut RunWorld, labels: String) -> StepResult {
    add_list_entries(world, "A", &labels).await
}

#[when(expr = "{string} adds {string} to the sandbox list")]
async fn adds_to_list(world: &mut RunWorld, name: String, labels: String) -> StepResult {
    add_list_entries(world, &name, &labels).await
}

/// Appends entries (labels, comma-separated) to the sandbox list and activates them.
async fn add_list_entries(world: &mut RunWorld, name: &str, labels: &str) -> StepResult {
    let device = world.require_sandbox()?;
    let Some(list) = device.sandbox.list.clone() else {
        return Err(Finding::skip(
            "the inventory names no user-ordered sandbox list for this device (sandbox.ordered_list)",
        ));
    };
    let entries: Vec<String> = labels
        .split(',')
        .map(|l| list_entry(world, l.trim()))
        .collect();
    let leaf = list.elements.last().cloned().unwrap_or_default();
    let attributes = EditAttributes {
        insert: Some(Insert::Last),
        ..Default::default()
    }
    .render();
    let xml: String = entries
        .iter()
        .map(|e| format!("<{leaf}{attributes}>{e}</{leaf}>"))
        .collect();
    world.list_entries.extend(entries.clone());
    if let Ok(session) = world.session(name)?.restconf() {
        // RESTCONF: each entry created last with POST (RFC 8040 §4.4.1, §4.8.5).
        for entry in &entries {
            super::restconf::post_list_entry(session, &device, &list, entry, "insert=last").await?;
        }
        return Ok(());
    }
    let session = world.netconf(name)?;
    let reply = session
        .edit_config(EditConfig::new(device.edit_target(), list.wrap_many(&xml)))
        .await?;
    expect_ok(&reply, "adding entries to the sandbox list")?;
    commit_if_candidate(session, &device).await
}

#[when(expr = "{string} inserts {string} before {string} in the sandbox list")]
async fn insert_before(
    world: &mut RunWorld,
    name: String,
    new: String,
    anchor: String,
) -> StepResult {
    let device = world.require_sandbox()?;
    let list = device
        .sandbox
        .list
        .clone()
        .ok_or_else(|| Finding::skip("no user-ordered sandbox list"))?;
    let (new, anchor) = (list_entry(world, &new), list_entry(world, &anchor));
    let attributes = EditAttributes {
        insert: Some(Insert::Before(anchor)),
        ..Default::default()
    }
    .render();
    world.list_entries.push(new.clone());
    let session = world.netconf(&name)?;
    let reply = session
        .edit_config(EditConfig::new(
            device.edit_target(),
            list.wrap_leaf(&attributes, Some(&new)),
        ))
        .await?;
    expect_ok(&reply, "insert before an entry of the user-ordered list")?;
    commit_if_candidate(session, &device).await
}

#[then(expr = "the running configuration lists the sandbox entries as {string}")]
async fn lists_entries(world: &mut RunWorld, labels: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let list = device
        .sandbox
        .list
        .clone()
        .ok_or_else(|| Finding::skip("no user-ordered sandbox list"))?;
    let ours: Vec<String> = read_node(world.any_session()?, &list, Datastore::Running)
        .await?
        .into_iter()
        .filter(|v| v.contains(&world.nonce))
        .collect();
    let expected: Vec<String> = labels
        .split(',')
        .map(|l| list_entry(world, l.trim()))
        .collect();
    if ours == expected {
        return Ok(());
    }
    let short = |v: &[String]| -> String {
        v.iter()
            .map(|e| e.split('.').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Finding::fail(format!(
        "running lists the entries as [{}]; they were given as [{}]",
        short(&ours),
        short(&expected)
    )))
}

#[when(expr = "{string} creates the sandbox text although it exists")]
async fn create_existing(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let attributes = EditAttributes::operation(EditOperation::Create).render();
    let config = device
        .sandbox
        .text
        .wrap_leaf(&attributes, Some(&world.fresh_value()));
    let reply = world
        .netconf(&name)?
        .edit_config(EditConfig::new(device.edit_target(), config))
        .await?;
    world.last_reply = Some(reply);
    Ok(())
}

async fn absent_list_entry(
    world: &mut RunWorld,
    name: &str,
    operation: EditOperation,
) -> StepResult {
    let device = world.require_sandbox()?;
    let list = device.sandbox.list.clone().ok_or_else(|| {
        Finding::skip("the inventory names no sandbox list for this device (sandbox.ordered_list)")
    })?;
    let entry = list_entry(world, "absent");
    let attributes = EditAttributes::operation(operation).render();
    let reply = world
        .netconf(name)?
        .edit_config(EditConfig::new(
            device.edit_target(),
            list.wrap_leaf(&attributes, Some(&entry)),
        ))
        .await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} deletes a sandbox list entry that does not exist")]
async fn delete_absent(world: &mut RunWorld, name: String) -> StepResult {
    absent_list_entry(world, &name, EditOperation::Delete).await
}

#[when(expr = "{string} removes a sandbox list entry that does not exist")]
async fn remove_absent(world: &mut RunWorld, name: String) -> StepResult {
    absent_list_entry(world, &name, EditOperation::Remove).await
}

#[when(
    expr = "{string} sends one edit that adds a sandbox list entry and creates the existing sandbox text, rolling back on error"
)]
async fn rollback_edit(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let list = device.sandbox.list.clone().ok_or_else(|| {
        Finding::skip("the inventory names no sandbox list for this device (sandbox.ordered_list)")
    })?;
    let entry = list_entry(world, "rollback");
    world.list_entries.push(entry.clone());
    let create = EditAttributes::operation(EditOperation::Create).render();
    // Two edits in one request, in document order: the valid one first.
    let config = format!(
        "{}{}",
        list.wrap_leaf("", Some(&entry)),
        device
            .sandbox
            .text
            .wrap_leaf(&create, Some(&world.fresh_value()))
    );
    let mut edit = EditConfig::new(device.edit_target(), config);
    edit.error_option = Some(ErrorOption::RollbackOnError);
    let reply = world.netconf(&name)?.edit_config(edit).await?;
    world.last_reply = Some(reply);
    Ok(())
}

/// Whether the edit target holds the list entry of the rollback scenario.
async fn edit_target_holds_entry(world: &RunWorld) -> Result<bool, Finding> {
    let device = Arc::clone(world.device()?);
    let list = device
        .sandbox
        .list
        .clone()
        .ok_or_else(|| Finding::skip("no sandbox list"))?;
    let reply = world
        .any_session()?
        .netconf()?
        .get_config(device.edit_target(), Some(list.filter()))
        .await?;
    let data = reply_data(&reply, "get-config of the sandbox list")?;
    Ok(list
        .values_in(&data)
        .contains(&list_entry(world, "rollback")))
}

#[then(expr = "the edit target does not show the new sandbox list entry")]
async fn no_new_entry(world: &mut RunWorld) -> StepResult {
    if edit_target_holds_entry(world).await? {
        return Err(Finding::fail(format!(
            "{} holds the entry added by the edit that failed: rollback-on-error left part of it applied",
            world.device()?.edit_target().name()
        )));
    }
    Ok(())
}

/// The positive control of the rollback scenario: the entry the failed edit carried can be
/// added on its own, so its absence afterwards says something.
#[when(expr = "{string} adds that sandbox list entry on its own")]
async fn add_entry_alone(world: &mut RunWorld, name: String) -> StepResult {
    let device = world.require_sandbox()?;
    let list = device
        .sandbox
        .list
        .clone()
        .ok_or_else(|| Finding::skip("no sandbox list"))?;
    let config = list.wrap_leaf("", Some(&list_entry(world, "rollback")));
    let reply = world
        .netconf(&name)?
        .edit_config(EditConfig::new(device.edit_target(), config))
        .await?;
    expect_ok(&reply, "adding the sandbox list entry on its own")
}

#[then(expr = "the edit target shows the new sandbox list entry")]
async fn shows_new_entry(world: &mut RunWorld) -> StepResult {
    if edit_target_holds_entry(world).await? {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{} does not hold the sandbox list entry that was added and accepted",
        world.device()?.edit_target().name()
    )))
}
