//! The NETCONF operations of the reference device (RFC 6241 §7, RFC 6022 `<get-schema>`) over
//! its datastores. Each operation takes the parsed `<rpc>` element and answers with the body of
//! an `<rpc-reply>` or an `<rpc-error>`; framing and sessions are `session`'s job.
//!
//! Edits are applied to a copy and take effect only whole (rollback-on-error is the only
//! error-option honoured, so it is what the device announces). `running` and `startup` are
//! validated against the schema as complete configurations before they change; the
//! candidate may be incomplete until `<commit>` or `<validate>`.

use std::collections::HashMap;

use rfc3535_wire::tree::{fragment_xml, Element};
use rfc3535_yang::Content;

use crate::edit::{self, Operation};
use crate::filter;
use crate::Shared;

pub const BASE_NS: &str = "urn:ietf:params:xml:ns:netconf:base:1.0";
pub const MONITORING_NS: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring";

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
    }
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
pub fn handle(shared: &Shared, session: u32, operation: &Element) -> Result<Reply, RpcError> {
    if operation.name.namespace == MONITORING_NS && operation.name.local == "get-schema" {
        return get_schema(shared, operation);
    }
    if operation.name.namespace != BASE_NS {
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
            let mut data = stores.get(source).clone();
            if operation.name.local == "get" {
                data.extend(shared.state());
            }
            let selected = match child("filter") {
                None => data,
                Some(filter) => {
                    match filter
                        .attributes
                        .iter()
                        .find(|(_, l, _)| l == "type")
                        .map(|(_, _, v)| v.as_str())
                    {
                        None | Some("subtree") => filter::apply(&data, &filter.children),
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
            let target = datastore_of(child("target"), "target")?;
            if !matches!(target, "running" | "candidate") {
                return Err(RpcError::protocol(
                    "bad-element",
                    format!("edit-config cannot target {target}"),
                ));
            }
            check_lock(&stores, target, session)?;
            let default = match child("default-operation").map(|d| d.text.trim()) {
                None => Operation::Merge,
                Some(text) => Operation::parse(text)
                    .filter(|o| {
                        matches!(o, Operation::Merge | Operation::Replace | Operation::None)
                    })
                    .ok_or_else(|| {
                        RpcError::protocol("invalid-value", format!("default-operation {text:?}"))
                    })?,
            };
            if let Some(option) = child("error-option").map(|e| e.text.trim()) {
                if option != "rollback-on-error" && option != "stop-on-error" {
                    return Err(RpcError::protocol(
                        "operation-not-supported",
                        format!("error-option {option:?}: this device applies an edit whole or not at all"),
                    ));
                }
            }
            let Some(config) = child("config") else {
                return Err(RpcError::protocol(
                    "missing-element",
                    "edit-config needs <config> (no :url)",
                ));
            };
            let mut edited = stores.get(target).clone();
            edit::apply(&mut edited, &config.children, default, &shared.shape)?;
            edit::prune(&mut edited, &shared.shape.roots);
            shared.validate(&edited, target != "candidate")?;
            match target {
                "running" => {
                    stores.running = edited;
                    // Without uncommitted changes the candidate follows running.
                    if stores.candidate_changed_by.is_none() {
                        stores.candidate = stores.running.clone();
                    }
                }
                _ => {
                    stores.candidate = edited;
                    stores.candidate_changed_by = Some(session);
                }
            }
            Ok(Reply::Ok)
        }
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
            shared.validate(&data, target != "candidate")?;
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
                }
                _ => stores.startup = data,
            }
            Ok(Reply::Ok)
        }
        "delete-config" => match datastore_of(child("target"), "target")? {
            "startup" => {
                check_lock(&stores, "startup", session)?;
                stores.startup.clear();
                Ok(Reply::Ok)
            }
            other => Err(RpcError::protocol(
                "invalid-value",
                format!("{other} cannot be deleted"),
            )),
        },
        "lock" | "unlock" => {
            let target = datastore_of(child("target"), "target")?;
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
            } else {
                if holder != Some(session) {
                    return Err(RpcError::protocol(
                        "operation-failed",
                        format!("{target} is not locked by this session"),
                    ));
                }
                stores.locks.remove(target);
            }
            Ok(Reply::Ok)
        }
        "commit" => {
            check_lock(&stores, "running", session)?;
            if child("confirmed").is_some() {
                return Err(RpcError::protocol(
                    "operation-not-supported",
                    "confirmed commit is not supported yet",
                ));
            }
            shared.validate(&stores.candidate, true)?;
            stores.running = stores.candidate.clone();
            stores.candidate_changed_by = None;
            Ok(Reply::Ok)
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
            if shared.kill(id) {
                Ok(Reply::Ok)
            } else {
                Err(RpcError::protocol(
                    "invalid-value",
                    format!("no session {id}"),
                ))
            }
        }
        other => Err(RpcError::protocol(
            "operation-not-supported",
            format!("<{other}> is not supported by this device"),
        )),
    }
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
