//! Transactions: locks (RFC 6241 §7.5, §7.6), `<commit>` plain and confirmed with its timer,
//! `<cancel-commit>` and `<discard-changes>` (§8.3, §8.4).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rfc3535_wire::tree::Element;
use rfc3535_wire::ErrorTag;

use super::{
    announce_confirm, check_lock, datastore_of, running_changed, PendingConfirm, Reply, RpcError,
    Stores,
};
use crate::Shared;

/// `<lock>` and `<unlock>`.
pub(super) fn lock(
    shared: &Shared,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    let target = super::store_of(shared, datastore_of(child("target"), "target")?);
    if target == "config" {
        return Err(RpcError::protocol(
            ErrorTag::BadElement,
            "a lock needs a datastore",
        ));
    }
    let holder = stores.locks.get(target).copied();
    if operation.name.local == "lock" {
        if let Some(holder) = holder {
            return Err(RpcError {
                info: Some(format!("<session-id>{holder}</session-id>")),
                ..RpcError::protocol(
                    ErrorTag::LockDenied,
                    format!("{target} is locked by session {holder}"),
                )
            });
        }
        if target == "candidate" && stores.candidate_changed_by.is_some_and(|s| s != session) {
            return Err(RpcError {
                info: Some("<session-id>0</session-id>".to_owned()),
                ..RpcError::protocol(
                    ErrorTag::LockDenied,
                    "the candidate holds changes that are neither committed nor discarded",
                )
            });
        }
        if target == "running" {
            super::partial_lock::check_whole_lock(shared, stores, session)?;
        }
        stores.locks.insert(target, session);
        stores.locked_at.insert(target, SystemTime::now());
    } else {
        if holder != Some(session) {
            return Err(RpcError::protocol(
                ErrorTag::OperationFailed,
                format!("{target} is not locked by this session"),
            ));
        }
        stores.locks.remove(target);
        stores.locked_at.remove(target);
    }
    Ok(Reply::Ok)
}

/// `<cancel-commit>`.
pub(super) fn cancel_commit(
    shared: &Shared,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    let persist_id = child("persist-id").map(|p| p.text.trim().to_owned());
    match &stores.pending {
        None => Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "no confirmed commit is in progress",
        )),
        Some(pending) => {
            confirm_allowed(pending, session, persist_id.as_deref())?;
            stores.roll_back();
            announce_confirm(shared, Some(session), "cancel", None);
            running_changed(shared, stores, Some(session));
            Ok(Reply::Ok)
        }
    }
}

/// `<discard-changes>`.
pub(super) fn discard_changes(stores: &mut Stores) -> Result<Reply, RpcError> {
    stores.candidate = stores.running.clone();
    stores.candidate_changed_by = None;
    Ok(Reply::Ok)
}

/// Rolls back when the confirmation period `period` ends unconfirmed.
pub(super) fn arm_confirm_timer(shared: &Arc<Shared>, period: u64, timeout: Duration) {
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        tokio::time::sleep(timeout).await;
        let Ok(mut stores) = shared.stores.lock() else {
            return;
        };
        if stores.pending.as_ref().is_some_and(|p| p.period == period) && stores.roll_back() {
            announce_confirm(&shared, None, "timeout", None);
            running_changed(&shared, &mut stores, None);
        }
    });
}

/// May this session confirm or cancel the pending commit? Only its own session may, unless
/// it was made persistent: then whoever gives the persist token (RFC 6241 §8.4.5).
pub(super) fn confirm_allowed(
    pending: &PendingConfirm,
    session: u32,
    persist_id: Option<&str>,
) -> Result<(), RpcError> {
    match (&pending.persist, persist_id) {
        (Some(token), Some(given)) if token == given => Ok(()),
        (Some(_), Some(_)) => Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "the persist-id does not match the pending confirmed commit",
        )),
        (Some(_), None) => Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "the pending confirmed commit is persistent: give its persist-id",
        )),
        (None, Some(_)) => Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "the pending confirmed commit has no persist token",
        )),
        (None, None) if pending.session == session => Ok(()),
        (None, None) => Err(RpcError {
            info: Some(format!("<session-id>{}</session-id>", pending.session)),
            ..RpcError::protocol(
                ErrorTag::InUse,
                format!(
                    "a confirmed commit of session {} is pending; only it can confirm it",
                    pending.session
                ),
            )
        }),
    }
}

/// `<commit>`, plain or confirmed, and the confirming commit (RFC 6241 §8.3.4.1, §8.4).
pub(super) fn commit(
    shared: &Arc<Shared>,
    stores: &mut Stores,
    session: u32,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    check_lock(stores, "running", session)?;
    // The confirm-ignored fault: every commit is a plain one, whatever token it carries.
    let ignore = shared.faults.confirm_ignored;
    let confirmed = child("confirmed").is_some() && !ignore;
    let timeout = match child("confirm-timeout").map(|t| t.text.trim()) {
        None => 600,
        Some(text) => text.parse::<u64>().ok().filter(|t| *t > 0).ok_or_else(|| {
            RpcError::protocol(
                ErrorTag::InvalidValue,
                format!("confirm-timeout {text:?} is not a positive number of seconds"),
            )
        })?,
    };
    let persist = child("persist").map(|p| p.text.trim().to_owned());
    let persist_id = child("persist-id")
        .filter(|_| !ignore)
        .map(|p| p.text.trim().to_owned());
    if let Some(pending) = &stores.pending {
        confirm_allowed(pending, session, persist_id.as_deref())?;
    } else if persist_id.is_some() {
        return Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "no confirmed commit is in progress for this persist-id",
        ));
    }
    shared.validate(&stores.candidate, true)?;
    super::partial_lock::check_change(shared, stores, session, &stores.candidate)?;
    let changed = stores.running != stores.candidate;
    let extending = stores.pending.is_some();
    let rollback = match stores.pending.take() {
        Some(pending) => pending.rollback,
        None => stores.running.clone(),
    };
    stores.running = stores.candidate.clone();
    stores.candidate_changed_by = None;
    if confirmed {
        stores.periods += 1;
        let period = stores.periods;
        stores.pending = Some(PendingConfirm {
            rollback,
            session,
            persist,
            period,
        });
        arm_confirm_timer(shared, period, Duration::from_secs(timeout));
        let event = if extending { "extend" } else { "start" };
        announce_confirm(shared, Some(session), event, Some(timeout));
    } else if extending {
        announce_confirm(shared, Some(session), "complete", None);
    }
    if changed {
        running_changed(shared, stores, Some(session));
    }
    Ok(Reply::Ok)
}
