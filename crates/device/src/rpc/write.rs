//! The writes: `<edit-config>` (RFC 6241 §7.2) and `<edit-data>` (RFC 8526 §3.1.2), applied
//! whole or not at all; `<copy-config>`, `<delete-config>` and `<validate>` (§7.3, §7.4,
//! §8.6). Every write passes NACM and the schema before it takes effect.

use rfc3535_wire::tree::Element;
use rfc3535_wire::ErrorTag;

use super::{
    announce_change, check_lock, check_write, datastore_of, running_changed, Reply, RpcError,
    Stores,
};
use crate::edit::{self, Operation};
use crate::nacm::Nacm;
use crate::Shared;

/// `<edit-config>`.
pub(super) fn edit_config(
    shared: &Shared,
    nacm: &Nacm,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    let target = super::store_of(shared, datastore_of(child("target"), "target")?);
    if shared.faults.candidate_ignores_edits && target == "candidate" {
        return Ok(Reply::Ok);
    }
    if shared.faults.running_ignores_edits && target == "running" {
        return Ok(Reply::Ok);
    }
    if !matches!(target, "running" | "candidate") {
        return Err(RpcError::protocol(
            ErrorTag::BadElement,
            format!("edit-config cannot target {target}"),
        ));
    }
    if let Some(option) = child("error-option").map(|e| e.text.trim()) {
        if option != "rollback-on-error" && option != "stop-on-error" {
            return Err(RpcError::protocol(
                ErrorTag::OperationNotSupported,
                format!("error-option {option:?}: this device applies an edit whole or not at all"),
            ));
        }
    }
    edit_request(shared, nacm, stores, session, target, operation)
}

/// `<edit-data>`: running or the candidate, named by datastore identity.
pub(super) fn edit_data(
    shared: &Shared,
    nacm: &Nacm,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    if shared.faults.edit_data_ignored {
        return Ok(Reply::Ok);
    }
    let target = match super::read::nmda_datastore(operation)?.as_str() {
        "running" => "running",
        "candidate" => super::store_of(shared, "candidate"),
        other => {
            return Err(RpcError::protocol(
                ErrorTag::InvalidValue,
                format!("edit-data cannot write {other}"),
            ))
        }
    };
    edit_request(shared, nacm, stores, session, target, operation)
}

/// `<copy-config>`.
pub(super) fn copy_config(
    shared: &Shared,
    nacm: &Nacm,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    let target = datastore_of(child("target"), "target")?;
    let source = datastore_of(child("source"), "source")?;
    if target == "config" || (target == source && target != "url") {
        return Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            format!("cannot copy {source} to {target}"),
        ));
    }
    if target == "url" {
        let url = super::url_of(child("target"))?;
        if source == "url" {
            return Err(RpcError::protocol(
                ErrorTag::InvalidValue,
                "cannot copy a URL to a URL",
            ));
        }
        let data = source_data(shared, stores, source, child("source"))?;
        if !stores.urls.contains_key(&url) && stores.urls.len() >= crate::store::MAX_URL_FILES {
            return Err(RpcError::application(
                ErrorTag::ResourceDenied,
                format!(
                    "this device keeps at most {} files; delete one first",
                    crate::store::MAX_URL_FILES
                ),
            ));
        }
        if !shared.faults.url_ignored {
            stores.urls.insert(url, data);
        }
        return Ok(Reply::Ok);
    }
    check_lock(stores, target, session)?;
    let mut data = source_data(shared, stores, source, child("source"))?;
    if source == "url" && shared.faults.url_ignored {
        return Ok(Reply::Ok);
    }
    edit::prune(&mut data, &shared.shape.roots);
    check_write(shared, nacm, stores.get(target), &data)?;
    shared.validate(&data, target != "candidate")?;
    if target == "running" {
        super::partial_lock::check_change(shared, stores, session, &data)?;
    }
    let changed = *stores.get(target) != data;
    match target {
        "running" => {
            stores.running = data;
            if stores.candidate_changed_by.is_none() {
                stores.candidate = stores.running.clone();
            }
        }
        "candidate" => {
            stores.candidate = data;
            stores.candidate_changed_by = Some(session);
            stores.validated = false;
        }
        _ => stores.startup = data,
    }
    match target {
        "running" if changed => running_changed(shared, stores, Some(session)),
        "startup" if changed => announce_change(shared, Some(session), "startup"),
        _ => {}
    }
    Ok(Reply::Ok)
}

/// `<delete-config>`: startup, or a file URL.
pub(super) fn delete_config(
    shared: &Shared,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    match datastore_of(child("target"), "target")? {
        "url" => {
            let url = super::url_of(child("target"))?;
            match stores.urls.remove(&url) {
                Some(_) => Ok(Reply::Ok),
                None => Err(RpcError::application(
                    ErrorTag::InvalidValue,
                    format!("no file at {url}"),
                )),
            }
        }
        "startup" => {
            check_lock(stores, "startup", session)?;
            let changed = !stores.startup.is_empty();
            stores.startup.clear();
            if changed {
                announce_change(shared, Some(session), "startup");
            }
            Ok(Reply::Ok)
        }
        other => Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            format!("{other} cannot be deleted"),
        )),
    }
}

/// `<validate>`.
pub(super) fn validate(
    shared: &Shared,
    stores: &mut Stores,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    let source = datastore_of(child("source"), "source")?;
    let data = source_data(shared, stores, source, child("source"))?;
    shared.validate(&data, true)?;
    stores.validated = true;
    Ok(Reply::Ok)
}

/// `<default-operation>` of an edit (merge when absent).
pub(super) fn default_operation(element: Option<&Element>) -> Result<Operation, RpcError> {
    match element.map(|d| d.text.trim()) {
        None => Ok(Operation::Merge),
        Some(text) => Operation::parse(text)
            .filter(|o| matches!(o, Operation::Merge | Operation::Replace | Operation::None))
            .ok_or_else(|| {
                RpcError::protocol(
                    ErrorTag::InvalidValue,
                    format!("default-operation {text:?}"),
                )
            }),
    }
}

/// The edit an `<edit-config>` or `<edit-data>` asks for: its `<config>` and
/// `<default-operation>`, applied to `target`.
pub(super) fn edit_request(
    shared: &Shared,
    nacm: &Nacm,
    stores: &mut Stores,
    session: u32,
    target: &str,
    operation: &Element,
) -> Result<Reply, RpcError> {
    // RFC 6241 §8.8.5.1: <url> may stand instead of <config> (edit-config only).
    let config = match (operation.child("config"), operation.child("url")) {
        (Some(config), _) => config.children.clone(),
        (None, Some(_)) if operation.name.local == "edit-config" => {
            source_data(shared, stores, "url", Some(operation))?
        }
        _ => {
            return Err(RpcError::protocol(
                ErrorTag::MissingElement,
                format!("<{}> needs <config>", operation.name.local),
            ))
        }
    };
    let default = default_operation(operation.child("default-operation"))?;
    edit_datastore(shared, nacm, stores, session, target, &config, default)
}

/// An edit of running or the candidate (`<edit-config>`, `<edit-data>`): whole or not at all.
pub(super) fn edit_datastore(
    shared: &Shared,
    nacm: &Nacm,
    stores: &mut Stores,
    session: u32,
    target: &str,
    config: &[Element],
    default: Operation,
) -> Result<Reply, RpcError> {
    check_lock(stores, target, session)?;
    let mut config = config.to_vec();
    crate::profile::rewrite_edit(&shared.faults, &mut config);
    let edited = match edited(shared, nacm, stores, target, &config, default) {
        Ok(edited) => edited,
        Err(error) if shared.faults.partial_edits => {
            // The fault: what can be applied of a failed edit is kept.
            let mut lenient = config.clone();
            crate::profile::rewrite_edit(
                &crate::profile::Faults {
                    sloppy_operations: true,
                    ..shared.faults
                },
                &mut lenient,
            );
            if let Ok(partial) = edited(shared, nacm, stores, target, &lenient, default) {
                store_edit(shared, stores, session, target, partial);
            }
            return Err(error);
        }
        Err(error) => return Err(error),
    };
    if target == "running" {
        super::partial_lock::check_change(shared, stores, session, &edited)?;
    }
    store_edit(shared, stores, session, target, edited);
    Ok(Reply::Ok)
}

/// A datastore with an edit applied, pruned, allowed and valid.
pub(super) fn edited(
    shared: &Shared,
    nacm: &Nacm,
    stores: &Stores,
    target: &str,
    config: &[Element],
    default: Operation,
) -> Result<Vec<Element>, RpcError> {
    let mut edited = stores.get(target).clone();
    edit::apply(&mut edited, config, default, &shared.shape)?;
    edit::prune(&mut edited, &shared.shape.roots);
    if shared.faults.sorts_user_ordered {
        crate::profile::sort_user_ordered(&mut edited, &shared.shape.roots);
    }
    if shared.faults.edit_side_effect {
        super::read::volatile_contact(shared, &mut edited);
    }
    check_write(shared, nacm, stores.get(target), &edited)?;
    shared.validate(&edited, target != "candidate")?;
    Ok(edited)
}

/// Stores an edited running or candidate.
pub(super) fn store_edit(
    shared: &Shared,
    stores: &mut Stores,
    session: u32,
    target: &str,
    edited: Vec<Element>,
) {
    if target == "running" {
        let changed = stores.running != edited;
        stores.running = edited;
        // Without uncommitted changes the candidate follows running.
        if stores.candidate_changed_by.is_none() {
            stores.candidate = stores.running.clone();
        }
        if changed {
            running_changed(shared, stores, Some(session));
        }
    } else {
        stores.candidate = edited;
        stores.candidate_changed_by = Some(session);
        stores.validated = false;
    }
}

/// The configuration a `<source>` names: a datastore's, or inline `<config>`. Inline
/// configuration goes through the edit engine, so unknown nodes and state are refused as they
/// are in an edit.
pub(super) fn source_data(
    shared: &Shared,
    stores: &Stores,
    source: &str,
    element: Option<&Element>,
) -> Result<Vec<Element>, RpcError> {
    if source == "url" {
        let url = super::url_of(element)?;
        return stores.urls.get(&url).cloned().ok_or_else(|| {
            RpcError::application(ErrorTag::InvalidValue, format!("no file at {url}"))
        });
    }
    if source != "config" {
        return Ok(stores.get(source).clone());
    }
    let inline = element
        .and_then(|s| s.child("config"))
        .map(|c| c.children.clone())
        .unwrap_or_default();
    let mut fresh = Vec::new();
    edit::apply(&mut fresh, &inline, Operation::Merge, &shared.shape)?;
    Ok(fresh)
}
