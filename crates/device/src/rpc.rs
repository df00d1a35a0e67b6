//! The NETCONF operations of the reference device (RFC 6241 §7, RFC 6022 `<get-schema>`) over
//! its datastores. Each operation takes the parsed `<rpc>` element and answers with the body of
//! an `<rpc-reply>` or an `<rpc-error>`; framing and sessions are `session`'s job.
//!
//! Edits are applied to a copy and take effect only whole (rollback-on-error is the only
//! error-option honoured, so it is what the device announces). `running` and `startup` are
//! validated against the schema as complete configurations before they change; the
//! candidate may be incomplete until `<commit>` or `<validate>`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rfc3535_wire::tree::{fragment_xml, Element};
use rfc3535_yang::Content;

use crate::edit::{self, Operation};
use crate::events;
use crate::filter;
use crate::nacm::{Access, Nacm};
use crate::Shared;

pub const BASE_NS: &str = "urn:ietf:params:xml:ns:netconf:base:1.0";
pub const MONITORING_NS: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring";
pub const NMDA_NS: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda";

/// An `<rpc-error>` (RFC 6241 §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    pub error_type: &'static str,
    pub tag: &'static str,
    pub message: String,
    pub path: Option<String>,
    /// Content of `<error-info>` (XML).
    pub info: Option<String>,
}

impl RpcError {
    pub fn new(error_type: &'static str, tag: &'static str, message: impl Into<String>) -> Self {
        RpcError {
            error_type,
            tag,
            message: message.into(),
            path: None,
            info: None,
        }
    }

    fn protocol(tag: &'static str, message: impl Into<String>) -> Self {
        Self::new("protocol", tag, message)
    }

    fn application(tag: &'static str, message: impl Into<String>) -> Self {
        Self::new("application", tag, message)
    }

    pub fn to_xml(&self) -> String {
        let mut out = format!(
            "<rpc-error><error-type>{}</error-type><error-tag>{}</error-tag><error-severity>error</error-severity>",
            self.error_type, self.tag
        );
        if let Some(path) = &self.path {
            out.push_str(&format!("<error-path>{}</error-path>", escape(path)));
        }
        out.push_str(&format!(
            "<error-message xml:lang=\"en\">{}</error-message>",
            escape(&self.message)
        ));
        if let Some(info) = &self.info {
            out.push_str(&format!("<error-info>{info}</error-info>"));
        }
        out.push_str("</rpc-error>");
        out
    }
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl From<edit::EditError> for RpcError {
    fn from(error: edit::EditError) -> Self {
        let path = match &error {
            edit::EditError::DataExists(p)
            | edit::EditError::DataMissing(p)
            | edit::EditError::UnknownElement(p)
            | edit::EditError::NotConfig(p) => Some(p.clone()),
            edit::EditError::BadAttribute { path, .. } => Some(path.clone()),
        };
        RpcError {
            path,
            ..RpcError::application(error.tag(), error.to_string())
        }
    }
}

impl From<rfc3535_yang::Finding> for RpcError {
    fn from(finding: rfc3535_yang::Finding) -> Self {
        RpcError {
            path: finding.path.clone(),
            info: finding
                .app_tag
                .as_ref()
                .map(|t| format!("<app-tag>{}</app-tag>", escape(t))),
            ..RpcError::application("invalid-value", finding.message.clone())
        }
    }
}

/// What an operation answers: `<ok/>`, `<data>` content, or close the session after `<ok/>`.
#[derive(Debug)]
pub enum Reply {
    Ok,
    Data(String),
    Close,
    /// Raw reply content (e.g. `<data>` of another namespace).
    Raw(String),
    /// `<ok/>`, then the session starts sending notifications (RFC 5277 §2.1.1).
    Subscribe {
        start: Option<SystemTime>,
        stop: Option<SystemTime>,
        /// A subtree filter over the event contents.
        filter: Option<Vec<Element>>,
    },
}

pub const NOTIFICATION_NS: &str = events::NOTIFICATION_NS;

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
    pub pending: Option<PendingConfirm>,
    periods: u64,
    /// A `<validate>` since the candidate last changed (for the validate-breaks-commit
    /// fault: such a device takes the validated candidate for applied).
    validated: bool,
    /// The locks-ignored fault, copied here for `check_lock`.
    pub locks_ignored: bool,
}

impl Stores {
    fn get(&self, name: &str) -> &Vec<Element> {
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
        let locks = &self.locks;
        self.locked_at.retain(|name, _| locks.contains_key(name));
    }

    /// Running as it was before an unconfirmed commit; the candidate follows it.
    fn roll_back(&mut self) -> bool {
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

/// Who a session is, for events.
fn who(shared: &Shared, session: u32) -> (String, Option<String>) {
    shared
        .sessions
        .lock()
        .ok()
        .and_then(|s| {
            s.get(&session)
                .map(|i| (i.user.clone(), i.source_host.clone()))
        })
        .unwrap_or_default()
}

fn announce_change(shared: &Shared, session: Option<u32>, datastore: &str) {
    if shared.faults.silent_changes {
        return;
    }
    let body = match session {
        Some(session) => {
            let (user, host) = who(shared, session);
            events::config_change(Some((&user, session, host.as_deref())), datastore)
        }
        None => events::config_change(None, datastore),
    };
    shared.events.publish(body);
}

fn announce_confirm(shared: &Shared, session: Option<u32>, event: &str, timeout: Option<u64>) {
    let body = match session {
        Some(session) => {
            let (user, host) = who(shared, session);
            events::confirmed_commit(Some((&user, session, host.as_deref())), event, timeout)
        }
        None => events::confirmed_commit(None, event, timeout),
    };
    shared.events.publish(body);
}

/// A session ended: its unconfirmed, non-persistent commit is rolled back (RFC 6241 §8.4.1).
pub fn cancel_on_session_end(shared: &Shared, stores: &mut Stores, session: u32) {
    let mine = stores
        .pending
        .as_ref()
        .is_some_and(|p| p.session == session && p.persist.is_none());
    if mine && stores.roll_back() {
        announce_confirm(shared, Some(session), "cancel", None);
        running_changed(shared, stores, None);
    }
}

/// Rolls back when the confirmation period `period` ends unconfirmed.
fn arm_confirm_timer(shared: &Arc<Shared>, period: u64, timeout: Duration) {
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

/// The module an operation belongs to, for access control.
fn module_of_operation(operation: &Element) -> &'static str {
    match operation.name.namespace.as_str() {
        MONITORING_NS => "ietf-netconf-monitoring",
        NOTIFICATION_NS => "notifications",
        NMDA_NS => "ietf-netconf-nmda",
        _ => "ietf-netconf",
    }
}

/// The nodes an edit changes, as (module, path of local names, access), coarsest first:
/// where a node and its counterpart differ and both hold one element of that name, the
/// difference is looked for below it.
fn changes<'a>(
    shared: &'a Shared,
    before: &[Element],
    after: &[Element],
    path: &mut Vec<String>,
    module: Option<&'a str>,
    out: &mut Vec<(String, Vec<String>, Access)>,
) {
    let mut names: Vec<&rfc3535_wire::xml::QualifiedName> = Vec::new();
    for element in before.iter().chain(after) {
        if !names.contains(&&element.name) {
            names.push(&element.name);
        }
    }
    for name in names {
        let old: Vec<&Element> = before.iter().filter(|e| &e.name == name).collect();
        let new: Vec<&Element> = after.iter().filter(|e| &e.name == name).collect();
        if old == new {
            continue;
        }
        let module = module.unwrap_or_else(|| {
            shared
                .module_of(&name.namespace)
                .map(|m| m.name.as_str())
                .unwrap_or_default()
        });
        path.push(name.local.clone());
        match (old.as_slice(), new.as_slice()) {
            ([], _) => out.push((module.to_owned(), path.clone(), Access::Create)),
            (_, []) => out.push((module.to_owned(), path.clone(), Access::Delete)),
            ([one], [other]) if !one.children.is_empty() || !other.children.is_empty() => {
                changes(
                    shared,
                    &one.children,
                    &other.children,
                    path,
                    Some(module),
                    out,
                );
            }
            _ => out.push((module.to_owned(), path.clone(), Access::Update)),
        }
        path.pop();
    }
}

/// Refuses a write the session's account may not make (RFC 8341 §3.4.5).
fn check_write(
    shared: &Shared,
    nacm: &Nacm,
    before: &[Element],
    after: &[Element],
) -> Result<(), RpcError> {
    let mut changed = Vec::new();
    changes(shared, before, after, &mut Vec::new(), None, &mut changed);
    for (module, path, access) in changed {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        if !nacm.may_access_data(&module, &names, access) {
            if let Ok(mut statistics) = shared.statistics.lock() {
                statistics.denied_data_writes += 1;
            }
            return Err(RpcError {
                path: Some(format!("/{}", path.join("/"))),
                ..RpcError::application(
                    "access-denied",
                    format!("access to /{} is denied to this account", path.join("/")),
                )
            });
        }
    }
    Ok(())
}

/// The datastore named by a `<source>` or `<target>` child.
fn datastore_of(parent: Option<&Element>, what: &str) -> Result<&'static str, RpcError> {
    let Some(parent) = parent else {
        return Err(RpcError::protocol(
            "missing-element",
            format!("the operation needs a <{what}>"),
        ));
    };
    match parent.children.first().map(|c| c.name.local.as_str()) {
        Some("running") => Ok("running"),
        Some("candidate") => Ok("candidate"),
        Some("startup") => Ok("startup"),
        Some("config") => Ok("config"),
        Some("url") => Err(RpcError::protocol(
            "operation-not-supported",
            "the device does not support :url",
        )),
        other => Err(RpcError::protocol(
            "bad-element",
            format!("<{what}> names no datastore this device has ({other:?})"),
        )),
    }
}

fn check_lock(stores: &Stores, datastore: &str, session: u32) -> Result<(), RpcError> {
    if stores.locks_ignored {
        return Ok(());
    }
    match stores.locks.get(datastore) {
        Some(holder) if *holder != session => Err(RpcError {
            info: Some(format!("<session-id>{holder}</session-id>")),
            ..RpcError::protocol(
                "in-use",
                format!("the {datastore} datastore is locked by session {holder}"),
            )
        }),
        _ => Ok(()),
    }
}

/// Handles one `<rpc>` for a session; `operation` is its first child.
pub fn handle(shared: &Arc<Shared>, session: u32, operation: &Element) -> Result<Reply, RpcError> {
    let user = shared.user_of(session).unwrap_or_default();
    let nacm = match shared.stores.lock() {
        Ok(stores) => Nacm::for_user(&stores.running, &user),
        Err(_) => {
            return Err(RpcError::application(
                "operation-failed",
                "the datastores are unusable",
            ))
        }
    };
    let known = matches!(
        operation.name.namespace.as_str(),
        BASE_NS | MONITORING_NS | NOTIFICATION_NS | NMDA_NS
    );
    // The permissive-nacm fault also leaves the operations RFC 8341 protects unprotected.
    let unprotected = shared.faults.permissive_nacm
        && matches!(
            operation.name.local.as_str(),
            "kill-session" | "delete-config"
        );
    if known
        && !unprotected
        && !nacm.may_exec(module_of_operation(operation), &operation.name.local)
    {
        if let Ok(mut statistics) = shared.statistics.lock() {
            statistics.denied_operations += 1;
        }
        return Err(RpcError::application(
            "access-denied",
            format!(
                "<{}> is not permitted to this account",
                operation.name.local
            ),
        ));
    }
    if operation.name.namespace == MONITORING_NS && operation.name.local == "get-schema" {
        return get_schema(shared, operation);
    }
    if operation.name.namespace == NMDA_NS {
        let mut stores = shared.stores.lock().map_err(|_| {
            RpcError::application("operation-failed", "the datastores are unusable")
        })?;
        return match operation.name.local.as_str() {
            "get-data" => get_data(shared, &nacm, &stores, operation),
            "edit-data" => {
                let target = match nmda_datastore(operation)?.as_str() {
                    "candidate" if shared.faults.fake_candidate => "running",
                    "running" => "running",
                    "candidate" => "candidate",
                    other => {
                        return Err(RpcError::protocol(
                            "invalid-value",
                            format!("edit-data cannot write {other}"),
                        ))
                    }
                };
                edit_request(shared, &nacm, &mut stores, session, target, operation)
            }
            other => Err(RpcError::protocol(
                "operation-not-supported",
                format!("<{other}> is not an NMDA operation of this device"),
            )),
        };
    }
    if operation.name.namespace == NOTIFICATION_NS && operation.name.local == "create-subscription"
    {
        return subscription(shared, operation);
    }
    if operation.name.namespace != BASE_NS {
        if shared.faults.ok_for_anything {
            return Ok(Reply::Ok);
        }
        return Err(RpcError::protocol(
            "operation-not-supported",
            format!(
                "{{{}}}{} is not an operation of this device",
                operation.name.namespace, operation.name.local
            ),
        ));
    }
    let child = |name: &str| operation.child(name);
    let mut stores = shared
        .stores
        .lock()
        .map_err(|_| RpcError::application("operation-failed", "the datastores are unusable"))?;
    match operation.name.local.as_str() {
        "get" | "get-config" => {
            let source = if operation.name.local == "get" {
                "running"
            } else {
                match datastore_of(child("source"), "source")? {
                    "config" => {
                        return Err(RpcError::protocol(
                            "bad-element",
                            "<source> cannot be <config>",
                        ))
                    }
                    name => name,
                }
            };
            let source = if shared.faults.fake_candidate && source == "candidate" {
                "running"
            } else {
                source
            };
            let mut data = stores.get(source).clone();
            if operation.name.local == "get" {
                crate::state::merge(&mut data, crate::state::state(shared, &stores));
            } else if shared.faults.state_in_config {
                let state = crate::state::state(shared, &stores)
                    .into_iter()
                    .filter(|e| e.name.local == "system-state")
                    .collect();
                crate::state::merge(&mut data, state);
            }
            if shared.faults.volatile_config {
                volatile_contact(shared, &mut data);
            }
            if let Some(mode) = with_defaults(operation)? {
                crate::defaults::apply(&mut data, &shared.shape.roots, mode);
            }
            let data = nacm.filter_read(shared, data);
            let selected = match child("filter") {
                _ if shared.faults.monitoring_gaps => data,
                None => data,
                Some(filter) => {
                    match filter
                        .attributes
                        .iter()
                        .find(|(_, l, _)| l == "type")
                        .map(|(_, _, v)| v.as_str())
                    {
                        None | Some("subtree") => filter::apply(&data, &filter.children),
                        Some("xpath") if shared.faults.fake_xpath => data,
                        Some(other) => {
                            return Err(RpcError {
                                tag: "operation-not-supported",
                                ..RpcError::protocol(
                                    "bad-attribute",
                                    format!("filter type {other:?} is not supported (no :xpath)"),
                                )
                            })
                        }
                    }
                }
            };
            Ok(Reply::Data(fragment_xml(&selected)))
        }
        "edit-config" => {
            let target = match datastore_of(child("target"), "target")? {
                "candidate" if shared.faults.fake_candidate => "running",
                other => other,
            };
            if !matches!(target, "running" | "candidate") {
                return Err(RpcError::protocol(
                    "bad-element",
                    format!("edit-config cannot target {target}"),
                ));
            }
            if let Some(option) = child("error-option").map(|e| e.text.trim()) {
                if option != "rollback-on-error" && option != "stop-on-error" {
                    return Err(RpcError::protocol(
                        "operation-not-supported",
                        format!("error-option {option:?}: this device applies an edit whole or not at all"),
                    ));
                }
            }
            edit_request(shared, &nacm, &mut stores, session, target, operation)
        }
        "copy-config" if shared.faults.copy_ignored => Ok(Reply::Ok),
        "copy-config" => {
            let target = datastore_of(child("target"), "target")?;
            let source = datastore_of(child("source"), "source")?;
            if target == "config" || target == source {
                return Err(RpcError::protocol(
                    "invalid-value",
                    format!("cannot copy {source} to {target}"),
                ));
            }
            check_lock(&stores, target, session)?;
            let mut data = source_data(shared, &stores, source, child("source"))?;
            edit::prune(&mut data, &shared.shape.roots);
            check_write(shared, &nacm, stores.get(target), &data)?;
            shared.validate(&data, target != "candidate")?;
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
                "running" if changed => running_changed(shared, &mut stores, Some(session)),
                "startup" if changed => announce_change(shared, Some(session), "startup"),
                _ => {}
            }
            Ok(Reply::Ok)
        }
        "delete-config" => match datastore_of(child("target"), "target")? {
            "startup" => {
                check_lock(&stores, "startup", session)?;
                let changed = !stores.startup.is_empty();
                stores.startup.clear();
                if changed {
                    announce_change(shared, Some(session), "startup");
                }
                Ok(Reply::Ok)
            }
            other => Err(RpcError::protocol(
                "invalid-value",
                format!("{other} cannot be deleted"),
            )),
        },
        "lock" | "unlock" if shared.faults.locks_ignored => Ok(Reply::Ok),
        "lock" | "unlock" => {
            let target = match datastore_of(child("target"), "target")? {
                "candidate" if shared.faults.fake_candidate => "running",
                other => other,
            };
            if target == "config" {
                return Err(RpcError::protocol(
                    "bad-element",
                    "a lock needs a datastore",
                ));
            }
            let holder = stores.locks.get(target).copied();
            if operation.name.local == "lock" {
                if let Some(holder) = holder {
                    return Err(RpcError {
                        info: Some(format!("<session-id>{holder}</session-id>")),
                        ..RpcError::protocol(
                            "lock-denied",
                            format!("{target} is locked by session {holder}"),
                        )
                    });
                }
                if target == "candidate"
                    && stores.candidate_changed_by.is_some_and(|s| s != session)
                {
                    return Err(RpcError {
                        info: Some("<session-id>0</session-id>".to_owned()),
                        ..RpcError::protocol(
                            "lock-denied",
                            "the candidate holds changes that are neither committed nor discarded",
                        )
                    });
                }
                stores.locks.insert(target, session);
                stores.locked_at.insert(target, SystemTime::now());
            } else {
                if holder != Some(session) {
                    return Err(RpcError::protocol(
                        "operation-failed",
                        format!("{target} is not locked by this session"),
                    ));
                }
                stores.locks.remove(target);
                stores.locked_at.remove(target);
            }
            Ok(Reply::Ok)
        }
        "commit" | "discard-changes" if shared.faults.fake_candidate => Ok(Reply::Ok),
        "commit" if stores.validated && shared.faults.validate_breaks_commit => Ok(Reply::Ok),
        "commit" => commit(shared, &mut stores, session, operation),
        "cancel-commit" => {
            let persist_id = child("persist-id").map(|p| p.text.trim().to_owned());
            match &stores.pending {
                None => Err(RpcError::protocol(
                    "invalid-value",
                    "no confirmed commit is in progress",
                )),
                Some(pending) => {
                    confirm_allowed(pending, session, persist_id.as_deref())?;
                    stores.roll_back();
                    announce_confirm(shared, Some(session), "cancel", None);
                    running_changed(shared, &mut stores, Some(session));
                    Ok(Reply::Ok)
                }
            }
        }
        "discard-changes" => {
            stores.candidate = stores.running.clone();
            stores.candidate_changed_by = None;
            Ok(Reply::Ok)
        }
        "validate" => {
            let source = datastore_of(child("source"), "source")?;
            let data = source_data(shared, &stores, source, child("source"))?;
            shared.validate(&data, true)?;
            stores.validated = true;
            Ok(Reply::Ok)
        }
        "close-session" => {
            stores.release(session);
            Ok(Reply::Close)
        }
        "kill-session" => {
            let Some(id) = child("session-id").and_then(|s| s.text.trim().parse::<u32>().ok())
            else {
                return Err(RpcError::protocol(
                    "missing-element",
                    "kill-session needs a numeric <session-id>",
                ));
            };
            if id == session {
                return Err(RpcError::protocol(
                    "invalid-value",
                    "a session cannot kill itself; use close-session",
                ));
            }
            drop(stores);
            if shared.kill(id, session) || shared.faults.ok_for_anything {
                Ok(Reply::Ok)
            } else {
                Err(RpcError::protocol(
                    "invalid-value",
                    format!("no session {id}"),
                ))
            }
        }
        _ if shared.faults.ok_for_anything => Ok(Reply::Ok),
        other => Err(RpcError::protocol(
            "operation-not-supported",
            format!("<{other}> is not supported by this device"),
        )),
    }
}

/// The `<with-defaults>` mode a read asks for (RFC 6243 §4.5.1), if any: in
/// ietf-netconf-with-defaults' namespace on `<get>` and `<get-config>`, in ietf-netconf-nmda's
/// (which uses its grouping) on `<get-data>`.
fn with_defaults(operation: &Element) -> Result<Option<crate::defaults::Mode>, RpcError> {
    operation
        .children
        .iter()
        .find(|c| {
            c.name.local == "with-defaults"
                && matches!(
                    c.name.namespace.as_str(),
                    crate::defaults::WITH_DEFAULTS_NS | NMDA_NS
                )
        })
        .map(|c| {
            crate::defaults::Mode::parse(&c.text).ok_or_else(|| {
                RpcError::protocol(
                    "invalid-value",
                    format!("with-defaults {:?} is not a mode", c.text.trim()),
                )
            })
        })
        .transpose()
}

/// `<default-operation>` of an edit (merge when absent).
fn default_operation(element: Option<&Element>) -> Result<Operation, RpcError> {
    match element.map(|d| d.text.trim()) {
        None => Ok(Operation::Merge),
        Some(text) => Operation::parse(text)
            .filter(|o| matches!(o, Operation::Merge | Operation::Replace | Operation::None))
            .ok_or_else(|| {
                RpcError::protocol("invalid-value", format!("default-operation {text:?}"))
            }),
    }
}

/// The edit an `<edit-config>` or `<edit-data>` asks for: its `<config>` and
/// `<default-operation>`, applied to `target`.
fn edit_request(
    shared: &Shared,
    nacm: &Nacm,
    stores: &mut Stores,
    session: u32,
    target: &str,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let Some(config) = operation.child("config") else {
        return Err(RpcError::protocol(
            "missing-element",
            format!("<{}> needs <config> (no :url)", operation.name.local),
        ));
    };
    let default = default_operation(operation.child("default-operation"))?;
    edit_datastore(
        shared,
        nacm,
        stores,
        session,
        target,
        &config.children,
        default,
    )
}

/// An edit of running or the candidate (`<edit-config>`, `<edit-data>`): whole or not at all.
fn edit_datastore(
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
    store_edit(shared, stores, session, target, edited);
    Ok(Reply::Ok)
}

/// The datastore an NMDA operation names (`ds:running`, ...), by its identity's local name.
fn nmda_datastore(operation: &Element) -> Result<String, RpcError> {
    let text = operation
        .child("datastore")
        .map(|d| d.text.trim().to_owned())
        .ok_or_else(|| {
            RpcError::protocol("missing-element", "the operation needs a <datastore>")
        })?;
    let name = text
        .rsplit_once(':')
        .map_or(text.as_str(), |(_, local)| local);
    match name {
        "running" | "candidate" | "startup" | "intended" | "operational" => Ok(name.to_owned()),
        _ => Err(RpcError {
            info: Some("<bad-element>datastore</bad-element>".to_owned()),
            ..RpcError::protocol(
                "invalid-value",
                format!("no datastore {text:?} on this device"),
            )
        }),
    }
}

/// Drops what lies deeper than `depth` levels (RFC 8526 `max-depth`).
fn limit_depth(elements: &mut [Element], depth: usize) {
    for element in elements {
        if depth <= 1 {
            element.children.clear();
        } else {
            limit_depth(&mut element.children, depth - 1);
        }
    }
}

/// `<get-data>` (RFC 8526 §3.1.1).
fn get_data(
    shared: &Shared,
    nacm: &Nacm,
    stores: &Stores,
    operation: &Element,
) -> Result<Reply, RpcError> {
    let datastore = nmda_datastore(operation)?;
    let with_origin = operation.child("with-origin").is_some();
    if with_origin && datastore != "operational" {
        return Err(RpcError::protocol(
            "invalid-value",
            "with-origin is only for the operational datastore",
        ));
    }
    let mut data = match datastore.as_str() {
        "operational" => crate::state::operational(shared, stores, with_origin),
        "intended" => stores.running.clone(),
        other => stores.get(other).clone(),
    };
    if datastore == "operational" {
        match operation.child("config-filter").map(|c| c.text.trim()) {
            Some("true") => prune_state(&mut data, &shared.shape.roots),
            Some("false") => {
                data = crate::state::state(shared, stores);
            }
            _ => {}
        }
        let wanted: Vec<&str> = operation
            .children_named("origin-filter")
            .map(|o| o.text.trim().rsplit(':').next().unwrap_or_default())
            .collect();
        let unwanted: Vec<&str> = operation
            .children_named("negated-origin-filter")
            .map(|o| o.text.trim().rsplit(':').next().unwrap_or_default())
            .collect();
        // Configuration here is all of origin intended; state is not subject to the filters.
        let keep_config =
            (wanted.is_empty() || wanted.contains(&"intended")) && !unwanted.contains(&"intended");
        if !keep_config {
            let running: Vec<&rfc3535_wire::xml::QualifiedName> =
                stores.running.iter().map(|e| &e.name).collect();
            data.retain(|e| !running.contains(&&e.name));
        }
    }
    if let Some(mode) = with_defaults(operation)? {
        crate::defaults::apply(&mut data, &shared.shape.roots, mode);
    }
    let data = nacm.filter_read(shared, data);
    let mut selected = if operation.child("xpath-filter").is_some() {
        return Err(RpcError::protocol(
            "operation-not-supported",
            "xpath-filter is not supported (no :xpath)",
        ));
    } else {
        match operation.child("subtree-filter") {
            Some(filter) => filter::apply(&data, &filter.children),
            None => data,
        }
    };
    if let Some(depth) = operation.child("max-depth").map(|d| d.text.trim()) {
        if depth != "unbounded" {
            let depth: usize = depth
                .parse()
                .map_err(|_| RpcError::protocol("invalid-value", format!("max-depth {depth:?}")))?;
            limit_depth(&mut selected, depth);
        }
    }
    Ok(Reply::Raw(format!(
        "<data xmlns=\"{NMDA_NS}\">{}</data>",
        fragment_xml(&selected)
    )))
}

/// Leaves out state (`config false`) nodes, by the schema.
fn prune_state(elements: &mut Vec<Element>, nodes: &[rfc3535_yang::NodeShape]) {
    elements.retain_mut(|element| {
        match nodes
            .iter()
            .find(|n| n.name == element.name.local && n.namespace == element.name.namespace)
        {
            Some(node) if !node.config => false,
            Some(node) => {
                prune_state(&mut element.children, &node.children);
                true
            }
            None => false,
        }
    });
}

/// A datastore with an edit applied, pruned, allowed and valid.
fn edited(
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
    check_write(shared, nacm, stores.get(target), &edited)?;
    shared.validate(&edited, target != "candidate")?;
    Ok(edited)
}

/// Stores an edited running or candidate.
fn store_edit(
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

/// What follows a change of running: the announcement, and (a fault) the save to startup.
fn running_changed(shared: &Shared, stores: &mut Stores, session: Option<u32>) {
    if shared.faults.auto_save_startup {
        stores.startup = stores.running.clone();
    }
    announce_change(shared, session, "running");
}

/// The fault of a device that keeps a read counter in its configuration.
fn volatile_contact(shared: &Shared, data: &mut [Element]) {
    let reads = shared
        .statistics
        .lock()
        .map(|s| s.counters.in_rpcs)
        .unwrap_or_default();
    for system in data
        .iter_mut()
        .filter(|e| e.name.local == "system" && e.name.namespace == crate::SYSTEM_NS)
    {
        for contact in system
            .children
            .iter_mut()
            .filter(|c| c.name.local == "contact")
        {
            contact.text = format!("read {reads}");
        }
    }
}

/// May this session confirm or cancel the pending commit? Only its own session may, unless
/// it was made persistent: then whoever gives the persist token (RFC 6241 §8.4.5).
fn confirm_allowed(
    pending: &PendingConfirm,
    session: u32,
    persist_id: Option<&str>,
) -> Result<(), RpcError> {
    match (&pending.persist, persist_id) {
        (Some(token), Some(given)) if token == given => Ok(()),
        (Some(_), Some(_)) => Err(RpcError::protocol(
            "invalid-value",
            "the persist-id does not match the pending confirmed commit",
        )),
        (Some(_), None) => Err(RpcError::protocol(
            "invalid-value",
            "the pending confirmed commit is persistent: give its persist-id",
        )),
        (None, Some(_)) => Err(RpcError::protocol(
            "invalid-value",
            "the pending confirmed commit has no persist token",
        )),
        (None, None) if pending.session == session => Ok(()),
        (None, None) => Err(RpcError {
            info: Some(format!("<session-id>{}</session-id>", pending.session)),
            ..RpcError::protocol(
                "in-use",
                format!(
                    "a confirmed commit of session {} is pending; only it can confirm it",
                    pending.session
                ),
            )
        }),
    }
}

/// `<commit>`, plain or confirmed, and the confirming commit (RFC 6241 §8.3.4.1, §8.4).
fn commit(
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
                "invalid-value",
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
            "invalid-value",
            "no confirmed commit is in progress for this persist-id",
        ));
    }
    shared.validate(&stores.candidate, true)?;
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

/// `<create-subscription>` (RFC 5277 §2.1.1): the stream `NETCONF`, replay from a start time.
fn subscription(shared: &Shared, operation: &Element) -> Result<Reply, RpcError> {
    if let Some(stream) = operation.child("stream").map(|s| s.text.trim()) {
        if stream != "NETCONF" {
            return Err(RpcError::protocol(
                "invalid-value",
                format!("no stream {stream:?}; this device has NETCONF"),
            ));
        }
    }
    let filter = match operation.child("filter") {
        None => None,
        Some(filter) => match filter
            .attributes
            .iter()
            .find(|(_, l, _)| l == "type")
            .map(|(_, _, v)| v.as_str())
        {
            None | Some("subtree") => Some(filter.children.clone()),
            Some(other) => {
                return Err(RpcError::protocol(
                    "operation-not-supported",
                    format!("filter type {other:?} is not supported (no :xpath)"),
                ))
            }
        },
    };
    let time = |name: &str| -> Result<Option<SystemTime>, RpcError> {
        operation
            .child(name)
            .map(|t| {
                humantime::parse_rfc3339_weak(t.text.trim()).map_err(|e| {
                    RpcError::protocol(
                        "bad-element",
                        format!("<{name}> is not a date-and-time: {e}"),
                    )
                })
            })
            .transpose()
    };
    let (start, stop) = (time("startTime")?, time("stopTime")?);
    if stop.is_some() && start.is_none() {
        return Err(RpcError::protocol(
            "missing-element",
            "<stopTime> needs a <startTime>",
        ));
    }
    if let (Some(start), Some(stop)) = (start, stop) {
        if stop < start {
            return Err(RpcError::protocol(
                "bad-element",
                "<stopTime> is before <startTime>",
            ));
        }
    }
    if start.is_some_and(|s| s > SystemTime::now()) {
        return Err(RpcError::protocol(
            "bad-element",
            "<startTime> is in the future",
        ));
    }
    let _ = shared;
    Ok(Reply::Subscribe {
        start,
        stop,
        filter,
    })
}

/// The configuration a `<source>` names: a datastore's, or inline `<config>`. Inline
/// configuration goes through the edit engine, so unknown nodes and state are refused as they
/// are in an edit.
fn source_data(
    shared: &Shared,
    stores: &Stores,
    source: &str,
    element: Option<&Element>,
) -> Result<Vec<Element>, RpcError> {
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

fn get_schema(shared: &Shared, operation: &Element) -> Result<Reply, RpcError> {
    let identifier = operation
        .child("identifier")
        .map(|i| i.text.trim())
        .unwrap_or_default();
    let version = operation
        .child("version")
        .map(|v| v.text.trim())
        .filter(|v| !v.is_empty());
    if let Some(format) = operation.child("format").map(|f| f.text.trim()) {
        if !format.ends_with("yang") {
            return Err(RpcError::protocol(
                "invalid-value",
                format!("format {format:?}: only yang is served"),
            ));
        }
    }
    let found = shared
        .modules
        .iter()
        .find(|m| m.name == identifier && version.is_none_or(|v| m.revision.as_deref() == Some(v)));
    match found {
        Some(module) if shared.faults.broken_schema && module.name == "ietf-system" => {
            // The fault: the module is served cut short, so it does not compile.
            let cut = &module.text[..module.text.len() / 2];
            Ok(Reply::Raw(format!(
                "<data xmlns=\"{MONITORING_NS}\">{}</data>",
                escape(cut)
            )))
        }
        Some(module) => Ok(Reply::Raw(format!(
            "<data xmlns=\"{MONITORING_NS}\">{}</data>",
            escape(&module.text)
        ))),
        None => Err(RpcError {
            info: Some(format!("<bad-element>{}</bad-element>", escape(identifier))),
            ..RpcError::protocol(
                "invalid-value",
                format!(
                    "no module {identifier:?}{}",
                    version
                        .map(|v| format!(" revision {v}"))
                        .unwrap_or_default()
                ),
            )
        }),
    }
}

/// The content for validation: a complete configuration (every constraint) or, for a
/// candidate, types and structure only.
pub fn content(complete: bool) -> Content {
    if complete {
        Content::FullConfig
    } else {
        Content::PartialConfig
    }
}
