//! The configuration datastores of the reference device (running, candidate, startup), their
//! locks (whole and partial), and a confirmed commit waiting for its confirmation.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use rfc3535_wire::tree::Element;

/// A confirmed commit waiting for its confirmation (RFC 6241 §8.4).
#[derive(Debug)]
pub struct PendingConfirm {
    /// Running as it was before the confirmed commit: what a timeout or cancel restores.
    pub rollback: Vec<Element>,
    pub session: u32,
    pub persist: Option<String>,
    /// Names this confirmation period, so that a timer of an earlier one does nothing.
    pub period: u64,
}

/// A partial lock on running (RFC 5717): the nodes a session's `select` named when it was
/// granted.
#[derive(Debug, Clone)]
pub struct PartialLock {
    pub id: u32,
    pub session: u32,
    pub granted: SystemTime,
    pub select: Vec<String>,
    /// The locked nodes' data paths (libyang's, module-name prefixes).
    pub paths: Vec<String>,
}

/// The configuration datastores and their locks.
#[derive(Debug, Default)]
pub struct Stores {
    pub running: Vec<Element>,
    pub candidate: Vec<Element>,
    pub startup: Vec<Element>,
    /// The session that changed the candidate since the last commit or discard.
    pub candidate_changed_by: Option<u32>,
    pub locks: HashMap<&'static str, u32>,
    pub locked_at: HashMap<&'static str, SystemTime>,
    pub partial_locks: Vec<PartialLock>,
    pub(crate) last_partial_lock: u32,
    pub pending: Option<PendingConfirm>,
    pub(crate) periods: u64,
    /// A `<validate>` since the candidate last changed (for the validate-breaks-commit
    /// fault: such a device takes the validated candidate for applied).
    pub(crate) validated: bool,
    /// The locks-ignored fault, copied here for `check_lock`.
    pub locks_ignored: bool,
    /// Configurations saved to `file:` URLs (RFC 6241 §8.8), by URL. The reference device
    /// keeps them in memory, at most [`MAX_URL_FILES`]: a file URL names a file of the
    /// device's own, and nothing reaches the host's filesystem.
    pub urls: BTreeMap<String, Vec<Element>>,
}

/// How many `file:` URLs the device keeps at once.
pub const MAX_URL_FILES: usize = 32;

impl Stores {
    pub(crate) fn get(&self, name: &str) -> &Vec<Element> {
        match name {
            "candidate" => &self.candidate,
            "startup" => &self.startup,
            _ => &self.running,
        }
    }

    /// Drops what a closing session held: its locks, and (RFC 6241 §8.3.5.2) the candidate
    /// changes of a session that held the candidate's lock.
    pub fn release(&mut self, session: u32) {
        if self.locks.get("candidate") == Some(&session) {
            self.candidate = self.running.clone();
            self.candidate_changed_by = None;
        }
        self.locks.retain(|_, holder| *holder != session);
        self.partial_locks.retain(|lock| lock.session != session);
        let locks = &self.locks;
        self.locked_at.retain(|name, _| locks.contains_key(name));
    }

    /// Running as it was before an unconfirmed commit; the candidate follows it.
    pub(crate) fn roll_back(&mut self) -> bool {
        match self.pending.take() {
            Some(pending) => {
                self.running = pending.rollback;
                self.candidate = self.running.clone();
                self.candidate_changed_by = None;
                true
            }
            None => false,
        }
    }
}
