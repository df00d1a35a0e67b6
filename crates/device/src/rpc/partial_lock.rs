//! Partial locks on running (RFC 5717): `<partial-lock>` grants a session the nodes its XPath
//! `select`s name, `<partial-unlock>` gives them back, and while it holds them no other
//! session changes them (an edit, a copy or a commit that would is refused) nor locks them,
//! partially or whole. A session's partial locks end with it ([`Stores::release`]).

use std::time::SystemTime;

use rfc3535_wire::tree::{prefix_bindings_at, Element};
use rfc3535_wire::xml::escape;
use rfc3535_wire::ErrorTag;

use super::{Reply, RpcError, Stores};
use crate::store::PartialLock;
use crate::Shared;

/// Whether `path` is `locked` or below it (a data path of libyang's).
fn within(path: &str, locked: &str) -> bool {
    path == locked
        || path
            .strip_prefix(locked)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('['))
}

/// Whether two nodes overlap: one is the other or below it.
fn overlaps(a: &str, b: &str) -> bool {
    within(a, b) || within(b, a)
}

fn denied(holder: u32, what: String) -> RpcError {
    RpcError {
        info: Some(format!("<session-id>{holder}</session-id>")),
        ..RpcError::protocol(ErrorTag::LockDenied, what)
    }
}

/// `<partial-lock>`.
pub(super) fn lock(
    shared: &Shared,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
    message: &str,
) -> Result<Reply, RpcError> {
    let select: Vec<String> = operation
        .children_named("select")
        .map(|s| s.text.trim().to_owned())
        .collect();
    if select.is_empty() {
        return Err(RpcError::protocol(
            ErrorTag::MissingElement,
            "a partial lock needs at least one <select>",
        ));
    }
    let scopes = prefix_bindings_at(message, "select")
        .map_err(|e| RpcError::protocol(ErrorTag::MalformedMessage, format!("the request: {e}")))?;
    if let Some(holder) = stores.locks.get("running").filter(|h| **h != session) {
        return Err(denied(
            *holder,
            format!("running is locked whole by session {holder}"),
        ));
    }
    let mut paths: Vec<String> = Vec::new();
    for (index, expression) in select.iter().enumerate() {
        let bindings = scopes.get(index).map(Vec::as_slice).unwrap_or_default();
        for path in shared.select(&stores.running, expression, bindings)?.paths {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    if paths.is_empty() {
        return Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "the select expressions name no node of running: there is nothing to lock",
        ));
    }
    if !shared.faults.partial_lock_ignored {
        for held in stores.partial_locks.iter().filter(|l| l.session != session) {
            if let Some(path) = paths
                .iter()
                .find(|p| held.paths.iter().any(|h| overlaps(p, h)))
            {
                return Err(denied(
                    held.session,
                    format!("{path} is locked by session {}", held.session),
                ));
            }
        }
    }
    stores.last_partial_lock += 1;
    let id = stores.last_partial_lock;
    let mut reply = format!(
        "<lock-id xmlns=\"{}\">{id}</lock-id>",
        rfc3535_wire::ns::PARTIAL_LOCK
    );
    for path in &paths {
        reply.push_str(&locked_node(shared, path));
    }
    stores.partial_locks.push(PartialLock {
        id,
        session,
        granted: SystemTime::now(),
        select,
        paths,
    });
    Ok(Reply::Raw(reply))
}

/// A libyang data path as an instance-identifier in XML: the namespace declarations to put
/// on its element, and the path with a prefix for each module name.
pub(crate) fn instance_identifier(shared: &Shared, path: &str) -> (String, String) {
    let mut namespaces: Vec<String> = Vec::new();
    let qualified = rfc3535_wire::xpath::qualify_json_path(path);
    let rewritten = rfc3535_wire::xpath::rewrite_prefixes(&qualified, |module| {
        let namespace = shared
            .served_modules()
            .into_iter()
            .find(|m| m.name == module)
            .map(|m| m.namespace.clone())?;
        let at = match namespaces.iter().position(|n| *n == namespace) {
            Some(at) => at,
            None => {
                namespaces.push(namespace);
                namespaces.len() - 1
            }
        };
        Some(format!("p{at}"))
    })
    .unwrap_or_else(|_| path.to_owned());
    let xmlns = namespaces
        .iter()
        .enumerate()
        .map(|(at, namespace)| format!(" xmlns:p{at}=\"{}\"", escape(namespace)))
        .collect();
    (xmlns, escape(&rewritten).into_owned())
}

fn locked_node(shared: &Shared, path: &str) -> String {
    let (xmlns, value) = instance_identifier(shared, path);
    format!(
        "<locked-node xmlns=\"{}\"{xmlns}>{value}</locked-node>",
        rfc3535_wire::ns::PARTIAL_LOCK
    )
}

/// `<partial-unlock>`: only the session that holds the lock gives it back.
pub(super) fn unlock(
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let text = operation
        .child("lock-id")
        .map(|l| l.text.trim().to_owned())
        .unwrap_or_default();
    let held = text.parse::<u32>().ok().and_then(|id| {
        stores
            .partial_locks
            .iter()
            .position(|l| l.id == id && l.session == session)
    });
    match held {
        Some(at) => {
            stores.partial_locks.remove(at);
            Ok(Reply::Ok)
        }
        None => Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            format!("this session holds no partial lock {text:?}"),
        )),
    }
}

/// Refuses a whole lock of running while another session holds part of it.
pub(super) fn check_whole_lock(
    shared: &Shared,
    stores: &Stores,
    session: u32,
) -> Result<(), RpcError> {
    if shared.faults.partial_lock_ignored {
        return Ok(());
    }
    match stores.partial_locks.iter().find(|l| l.session != session) {
        Some(held) => Err(denied(
            held.session,
            format!("session {} holds a partial lock on running", held.session),
        )),
        None => Ok(()),
    }
}

/// Refuses a change of running from `session` that touches a node another session holds a
/// partial lock on.
pub(super) fn check_change(
    shared: &Shared,
    stores: &Stores,
    session: u32,
    new_running: &[Element],
) -> Result<(), RpcError> {
    if shared.faults.partial_lock_ignored
        || stores.partial_locks.iter().all(|l| l.session == session)
    {
        return Ok(());
    }
    let changed = shared.changed_paths(&stores.running, new_running)?;
    for held in stores.partial_locks.iter().filter(|l| l.session != session) {
        if let Some(path) = changed
            .iter()
            .find(|c| held.paths.iter().any(|h| overlaps(c, h)))
        {
            return Err(RpcError {
                info: Some(format!("<session-id>{}</session-id>", held.session)),
                ..RpcError::protocol(
                    ErrorTag::InUse,
                    format!("{path} is partially locked by session {}", held.session),
                )
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_overlaps_itself_its_ancestors_and_what_is_below_it_only() {
        let locked = "/m:a/list[k='x']";
        assert!(overlaps(locked, locked));
        assert!(overlaps("/m:a/list[k='x']/leaf", locked));
        assert!(overlaps("/m:a", locked));
        assert!(!overlaps("/m:a/list[k='y']", locked));
        assert!(!overlaps("/m:a/listing", locked));
        assert!(!overlaps("/m:ab", "/m:a"));
    }
}
