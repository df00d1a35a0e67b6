//! The NETCONF operations of the reference device (RFC 6241 §7, RFC 6022 `<get-schema>`,
//! RFC 8526, RFC 5277, RFC 5717, RFC 7950 `<action>`) over its datastores. An `<rpc>`'s first child is read into
//! an [`RpcOperation`]; [`handle`] checks access (RFC 8341) and hands it to the module of its
//! group: [`read`], [`write`], [`transaction`], [`sessions`], [`partial_lock`], [`action`]. Each answers with the body of an
//! `<rpc-reply>` or an `<rpc-error>`; framing and sessions are `session`'s job.
//!
//! Edits are applied to a copy and take effect only whole (rollback-on-error is the only
//! error-option honoured, so it is what the device announces). `running` and `startup` are
//! validated against the schema as complete configurations before they change; the
//! candidate may be incomplete until `<commit>` or `<validate>`.

mod action;
mod partial_lock;
mod read;
mod sessions;
mod transaction;
mod write;

use std::sync::Arc;
use std::time::SystemTime;

use rfc3535_wire::ns::{
    self, MONITORING as MONITORING_NS, NMDA as NMDA_NS, NOTIFICATION as NOTIFICATION_NS,
};
use rfc3535_wire::tree::Element;
use rfc3535_wire::xml::{escape, QualifiedName};
use rfc3535_wire::{ErrorTag, ErrorType};
use rfc3535_yang::Content;

use crate::edit;
use crate::events;
use crate::nacm::{Access, Nacm};
pub(crate) use crate::store::{PendingConfirm, Stores};
use crate::Shared;
pub(crate) use partial_lock::instance_identifier;
pub(crate) use read::served_module_text;
pub(crate) use read::xpath_filter as xpath_select;

/// An operation the device knows, by namespace and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RpcOperation {
    Get,
    GetConfig,
    EditConfig,
    CopyConfig,
    DeleteConfig,
    Lock,
    Unlock,
    Commit,
    CancelCommit,
    DiscardChanges,
    Validate,
    CloseSession,
    KillSession,
    GetSchema,
    GetData,
    EditData,
    CreateSubscription,
    PartialLock,
    PartialUnlock,
    /// RFC 7950 §7.15.2.
    Action,
    /// RFC 8639 §2.4 (YANG-Push targets, RFC 8641 §4.4).
    EstablishSubscription,
    ModifySubscription,
    DeleteSubscription,
    KillSubscription,
    /// RFC 8641 §4.4.4.
    ResyncSubscription,
    /// The device's own software maintenance (`rfc3535-software`).
    InstallModule,
    RemoveModule,
}

impl RpcOperation {
    const ALL: [(&'static str, &'static str, RpcOperation); 27] = [
        (ns::BASE, "get", RpcOperation::Get),
        (ns::BASE, "get-config", RpcOperation::GetConfig),
        (ns::BASE, "edit-config", RpcOperation::EditConfig),
        (ns::BASE, "copy-config", RpcOperation::CopyConfig),
        (ns::BASE, "delete-config", RpcOperation::DeleteConfig),
        (ns::BASE, "lock", RpcOperation::Lock),
        (ns::BASE, "unlock", RpcOperation::Unlock),
        (ns::BASE, "commit", RpcOperation::Commit),
        (ns::BASE, "cancel-commit", RpcOperation::CancelCommit),
        (ns::BASE, "discard-changes", RpcOperation::DiscardChanges),
        (ns::BASE, "validate", RpcOperation::Validate),
        (ns::BASE, "close-session", RpcOperation::CloseSession),
        (ns::BASE, "kill-session", RpcOperation::KillSession),
        (ns::MONITORING, "get-schema", RpcOperation::GetSchema),
        (ns::NMDA, "get-data", RpcOperation::GetData),
        (ns::NMDA, "edit-data", RpcOperation::EditData),
        (
            ns::NOTIFICATION,
            "create-subscription",
            RpcOperation::CreateSubscription,
        ),
        (ns::PARTIAL_LOCK, "partial-lock", RpcOperation::PartialLock),
        (
            ns::PARTIAL_LOCK,
            "partial-unlock",
            RpcOperation::PartialUnlock,
        ),
        (ns::YANG, "action", RpcOperation::Action),
        (
            ns::SUBSCRIBED_NOTIFICATIONS,
            "establish-subscription",
            RpcOperation::EstablishSubscription,
        ),
        (
            ns::SUBSCRIBED_NOTIFICATIONS,
            "modify-subscription",
            RpcOperation::ModifySubscription,
        ),
        (
            ns::SUBSCRIBED_NOTIFICATIONS,
            "delete-subscription",
            RpcOperation::DeleteSubscription,
        ),
        (
            ns::SUBSCRIBED_NOTIFICATIONS,
            "kill-subscription",
            RpcOperation::KillSubscription,
        ),
        (
            ns::YANG_PUSH,
            "resync-subscription",
            RpcOperation::ResyncSubscription,
        ),
        (SOFTWARE_NS, "install-module", RpcOperation::InstallModule),
        (SOFTWARE_NS, "remove-module", RpcOperation::RemoveModule),
    ];

    /// The operation an element names, if the device knows it.
    pub(crate) fn of(name: &QualifiedName) -> Option<RpcOperation> {
        Self::ALL
            .iter()
            .find(|(namespace, local, _)| name.namespace == *namespace && name.local == *local)
            .map(|(_, _, operation)| *operation)
    }
}

/// Handles one `<rpc>` for a session; `operation` is its first child, `message` the
/// request as it came (the namespace prefixes an XPath expression uses are bound there).
pub(crate) fn handle(
    shared: &Arc<Shared>,
    session: u32,
    operation: &Element,
    message: &str,
) -> Result<Reply, RpcError> {
    let user = shared.user_of(session).unwrap_or_default();
    let unusable =
        || RpcError::application(ErrorTag::OperationFailed, "the datastores are unusable");
    let nacm = match shared.stores.lock() {
        Ok(stores) => Nacm::for_user(&stores.running, &user),
        Err(_) => return Err(unusable()),
    };
    let namespace = operation.name.namespace.as_str();
    let known = [
        ns::BASE,
        ns::MONITORING,
        ns::NOTIFICATION,
        ns::NMDA,
        ns::PARTIAL_LOCK,
        ns::SUBSCRIBED_NOTIFICATIONS,
        SOFTWARE_NS,
    ]
    .contains(&namespace);
    // The permissive-nacm fault also leaves the operations RFC 8341 protects unprotected.
    let unprotected = shared.faults.permissive_nacm
        && matches!(
            operation.name.local.as_str(),
            "kill-session" | "delete-config" | "kill-subscription"
        );
    if known
        && !unprotected
        && !nacm.may_exec(module_of_operation(operation), &operation.name.local)
    {
        if let Ok(mut statistics) = shared.statistics.lock() {
            statistics.denied_operations += 1;
        }
        return Err(RpcError::application(
            ErrorTag::AccessDenied,
            format!(
                "<{}> is not permitted to this account",
                operation.name.local
            ),
        ));
    }
    let Some(kind) = RpcOperation::of(&operation.name) else {
        return unknown(shared, operation);
    };
    let mut stores = shared.stores.lock().map_err(|_| unusable())?;
    let faults = &shared.faults;
    match kind {
        RpcOperation::Get | RpcOperation::GetConfig => {
            read::get(shared, &nacm, &stores, operation, message)
        }
        RpcOperation::GetData => read::get_data(shared, &nacm, &stores, operation, message),
        RpcOperation::EditConfig => {
            write::edit_config(shared, &nacm, &mut stores, session, operation)
        }
        RpcOperation::EditData => write::edit_data(shared, &nacm, &mut stores, session, operation),
        RpcOperation::CopyConfig if faults.copy_ignored => Ok(Reply::Ok),
        RpcOperation::CopyConfig => {
            write::copy_config(shared, &nacm, &mut stores, session, operation)
        }
        RpcOperation::DeleteConfig => write::delete_config(shared, &mut stores, session, operation),
        RpcOperation::Validate => write::validate(shared, &mut stores, operation),
        RpcOperation::Lock | RpcOperation::Unlock if faults.locks_ignored => Ok(Reply::Ok),
        RpcOperation::Lock | RpcOperation::Unlock => {
            transaction::lock(shared, &mut stores, session, operation)
        }
        RpcOperation::Commit | RpcOperation::DiscardChanges if faults.fake_candidate => {
            Ok(Reply::Ok)
        }
        RpcOperation::Commit if stores.validated && faults.validate_breaks_commit => Ok(Reply::Ok),
        RpcOperation::Commit
            if faults.confirmed_commit_no_op && operation.child("confirmed").is_some() =>
        {
            Ok(Reply::Ok)
        }
        RpcOperation::Commit => transaction::commit(shared, &mut stores, session, operation),
        RpcOperation::CancelCommit => {
            transaction::cancel_commit(shared, &mut stores, session, operation)
        }
        RpcOperation::DiscardChanges => transaction::discard_changes(&mut stores),
        RpcOperation::PartialLock => {
            partial_lock::lock(shared, &mut stores, session, operation, message)
        }
        RpcOperation::PartialUnlock => partial_lock::unlock(&mut stores, session, operation),
        RpcOperation::CloseSession => sessions::close_session(&mut stores, session),
        RpcOperation::KillSession => sessions::kill_session(shared, stores, session, operation),
        // These read no datastore: the lock is let go first.
        RpcOperation::GetSchema => {
            drop(stores);
            read::get_schema(shared, operation)
        }
        RpcOperation::CreateSubscription => {
            drop(stores);
            sessions::subscription(shared, operation)
        }
        RpcOperation::Action => {
            drop(stores);
            action::action(shared, &nacm, operation)
        }
        // Establishing needs the session's queue of notifications: the session does it.
        RpcOperation::EstablishSubscription => {
            drop(stores);
            shared
                .push
                .check(shared, operation, message)
                .map(|()| Reply::Establish)
        }
        RpcOperation::ModifySubscription if faults.push_modify_ignored => Ok(Reply::Ok),
        RpcOperation::ModifySubscription => {
            drop(stores);
            shared
                .push
                .modify(shared, session, operation, message)
                .map(|()| Reply::Ok)
        }
        // The fault: acknowledged, and nothing ends.
        RpcOperation::DeleteSubscription if faults.push_delete_ignored => Ok(Reply::Ok),
        RpcOperation::DeleteSubscription => {
            drop(stores);
            shared.push.delete(session, operation).map(|()| Reply::Ok)
        }
        // The fault: acknowledged, and no push-update follows.
        RpcOperation::ResyncSubscription if faults.push_resync_ignored => Ok(Reply::Ok),
        RpcOperation::ResyncSubscription => {
            drop(stores);
            shared.push.resync(session, operation).map(|()| Reply::Ok)
        }
        RpcOperation::KillSubscription => {
            drop(stores);
            shared
                .push
                .kill(operation, !faults.push_kill_silent)
                .map(|()| Reply::Ok)
        }
        RpcOperation::InstallModule | RpcOperation::RemoveModule => {
            drop(stores);
            let name = operation
                .child("name")
                .map(|n| n.text.trim())
                .ok_or_else(|| {
                    let mut error = RpcError::protocol(
                        ErrorTag::MissingElement,
                        "the module's name is missing",
                    );
                    error.info = Some("<bad-element>name</bad-element>".to_owned());
                    error
                })?;
            shared
                .install_module(name, kind == RpcOperation::InstallModule)
                .map(|_| Reply::Ok)
        }
    }
}

/// The namespace of the device's software maintenance module (`rfc3535-software`).
pub const SOFTWARE_NS: &str = "urn:rfc3535:params:xml:ns:yang:rfc3535-software";

/// An operation the device does not know: refused (or, with the ok-for-anything fault,
/// acknowledged without doing anything).
fn unknown(shared: &Shared, operation: &Element) -> Result<Reply, RpcError> {
    let name = &operation.name;
    if name.namespace == ns::NMDA {
        return Err(RpcError::protocol(
            ErrorTag::OperationNotSupported,
            format!("<{}> is not an NMDA operation of this device", name.local),
        ));
    }
    if shared.faults.ok_for_anything {
        return Ok(Reply::Ok);
    }
    if name.namespace == ns::BASE {
        return Err(RpcError::protocol(
            ErrorTag::OperationNotSupported,
            format!("<{}> is not supported by this device", name.local),
        ));
    }
    Err(RpcError::protocol(
        ErrorTag::OperationNotSupported,
        format!(
            "{{{}}}{} is not an operation of this device",
            name.namespace, name.local
        ),
    ))
}

/// An `<rpc-error>` (RFC 6241 §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    pub error_type: ErrorType,
    pub tag: ErrorTag,
    pub message: String,
    pub path: Option<String>,
    /// `<error-app-tag>`: an identity of the module whose operation refused (RFC 8640 §2.4).
    /// Boxed: it is rare, and the error stays small enough to return by value.
    pub app_tag: Option<Box<str>>,
    /// Content of `<error-info>` (XML).
    pub info: Option<String>,
}

impl RpcError {
    pub fn new(error_type: ErrorType, tag: ErrorTag, message: impl Into<String>) -> Self {
        RpcError {
            error_type,
            tag,
            message: message.into(),
            path: None,
            app_tag: None,
            info: None,
        }
    }

    pub(crate) fn protocol(tag: ErrorTag, message: impl Into<String>) -> Self {
        Self::new(ErrorType::Protocol, tag, message)
    }

    pub(crate) fn application(tag: ErrorTag, message: impl Into<String>) -> Self {
        Self::new(ErrorType::Application, tag, message)
    }

    pub fn to_xml(&self) -> String {
        let mut out = format!(
            "<rpc-error><error-type>{}</error-type><error-tag>{}</error-tag><error-severity>error</error-severity>",
            self.error_type.as_str(), self.tag
        );
        if let Some(app_tag) = &self.app_tag {
            out.push_str(&format!(
                "<error-app-tag>{}</error-app-tag>",
                escape(app_tag)
            ));
        }
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
            ..RpcError::application(ErrorTag::InvalidValue, finding.message.clone())
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
    /// An accepted `establish-subscription` (RFC 8639 §2.4.2): the session starts it, since
    /// its notifications go to the session's queue.
    Establish,
    /// `<ok/>`, then the session starts sending notifications (RFC 5277 §2.1.1).
    Subscribe {
        start: Option<SystemTime>,
        stop: Option<SystemTime>,
        /// A subtree filter over the event contents.
        filter: Option<Vec<Element>>,
    },
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
    if datastore == "running" {
        shared
            .running_changes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut at) = shared.running_changed_at.lock() {
            *at = SystemTime::now();
        }
    }
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
    let body = if shared.faults.notification_outside_schema {
        events::with_undefined_element(&body)
    } else {
        body
    };
    shared.events.publish(body);
}

fn announce_confirm(shared: &Shared, session: Option<u32>, event: &str, timeout: Option<u64>) {
    if shared.faults.silent_confirmed_commits {
        return;
    }
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

/// The module an operation belongs to, for access control.
fn module_of_operation(operation: &Element) -> &'static str {
    match operation.name.namespace.as_str() {
        MONITORING_NS => "ietf-netconf-monitoring",
        NOTIFICATION_NS => "notifications",
        NMDA_NS => "ietf-netconf-nmda",
        ns::SUBSCRIBED_NOTIFICATIONS => "ietf-subscribed-notifications",
        SOFTWARE_NS => "rfc3535-software",
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
                    ErrorTag::AccessDenied,
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
            ErrorTag::MissingElement,
            format!("the operation needs a <{what}>"),
        ));
    };
    match parent.children.first().map(|c| c.name.local.as_str()) {
        Some("running") => Ok("running"),
        Some("candidate") => Ok("candidate"),
        Some("startup") => Ok("startup"),
        Some("config") => Ok("config"),
        Some("url") => Ok("url"),
        other => Err(RpcError::protocol(
            ErrorTag::BadElement,
            format!("<{what}> names no datastore this device has ({other:?})"),
        )),
    }
}

/// The `file:` URL a `<source>` or `<target>` names (RFC 6241 §8.8); other schemes are not
/// announced and are refused.
fn url_of(parent: Option<&Element>) -> Result<String, RpcError> {
    let url = parent
        .and_then(|p| p.child("url"))
        .map(|u| u.text.trim().to_owned())
        .unwrap_or_default();
    if url
        .strip_prefix("file://")
        .is_some_and(|path| !path.is_empty())
    {
        Ok(url)
    } else {
        Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            format!("url {url:?}: this device takes file: URLs only (scheme=file)"),
        ))
    }
}

/// The store a datastore name reaches on this device: the fake-candidate fault sends the
/// candidate's reads, edits and locks to running. The one place that fault redirects.
fn store_of<'a>(shared: &Shared, datastore: &'a str) -> &'a str {
    if shared.faults.fake_candidate && datastore == "candidate" {
        "running"
    } else {
        datastore
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
                ErrorTag::InUse,
                format!("the {datastore} datastore is locked by session {holder}"),
            )
        }),
        _ => Ok(()),
    }
}

/// What follows a change of running: the announcement, and (a fault) the save to startup.
fn running_changed(shared: &Shared, stores: &mut Stores, session: Option<u32>) {
    if shared.faults.auto_save_startup {
        stores.startup = stores.running.clone();
    }
    announce_change(shared, session, "running");
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
