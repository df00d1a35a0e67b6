//! The protocol seam: what the engine, device safety and the steps' shared helpers need from
//! a management session, whatever protocol carries it. NETCONF implements it in
//! [`crate::netconf`]; RESTCONF will implement it for its own session type (GET/PUT/PATCH on
//! datastore resources, RFC 8527), so everything written against [`ManagementSession`] (the
//! sandbox reads and writes, restoring a datastore, committing through the candidate, closing
//! politely) runs unchanged over either.
//!
//! Promises of an implementation:
//! - a refusal by the device is an `Ok` reply carrying its errors (`<rpc-error>`, or the
//!   `ietf-restconf:errors` body mapped onto the same model), never an `Err`; `Err` is a
//!   session that broke (transport, timeout, a reply that cannot be read);
//! - reads return the datastore's configuration as XML data, whatever the wire encoding;
//! - every request and reply is in the session's transcript, secrets removed;
//! - `end` is bounded in time and never fails.
//!
//! Below the trait: the helpers the steps and the engine share, written against it.

use std::time::Duration;

use rfc3535_client::wire::tree::{canonical_fragment, difference_summary, Element};
use rfc3535_client::wire::{Datastore, Notification, RpcReply};
use rfc3535_client::ClientError;

use crate::device::DeviceContext;
use crate::finding::{Finding, StepResult};
use crate::protocol::Protocol;
use crate::sandbox::NodePath;

/// How an edit combines with what the datastore holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditMode {
    /// Merged into the datastore (NETCONF's default operation).
    Merge,
    /// The content replaces the whole datastore.
    Replace,
}

/// A management session over any protocol; see the module docs for what it promises.
#[expect(
    async_fn_in_trait,
    reason = "sessions are driven on one runner thread each; nothing needs the futures to be Send"
)]
pub trait ManagementSession {
    fn protocol(&self) -> Protocol;

    /// Whether the session is over (closed, dropped, killed).
    fn has_ended(&self) -> bool;

    /// The session's identity in evidence (`session-id 7`).
    fn label(&self) -> String;

    /// Every request and reply so far, as text.
    fn transcript_text(&self) -> String;

    /// Reads a configuration datastore, or only the node given.
    async fn read_datastore(
        &self,
        datastore: Datastore,
        node: Option<&NodePath>,
    ) -> Result<RpcReply, ClientError>;

    /// Writes configuration (XML, with the protocol's edit annotations) into a datastore.
    async fn edit_datastore(
        &self,
        datastore: Datastore,
        config: String,
        mode: EditMode,
    ) -> Result<RpcReply, ClientError>;

    /// Replaces a whole datastore with this configuration in one operation.
    async fn replace_datastore(
        &self,
        datastore: Datastore,
        config: String,
    ) -> Result<RpcReply, ClientError>;

    /// Makes the candidate running.
    async fn commit_candidate(&self) -> Result<RpcReply, ClientError>;

    /// Throws the candidate's uncommitted changes away.
    async fn discard_candidate(&self) -> Result<RpcReply, ClientError>;

    /// Cancels a pending confirmed commit (the persist token for one made persistent).
    async fn cancel_pending_commit(
        &self,
        persist_id: Option<String>,
    ) -> Result<RpcReply, ClientError>;

    async fn lock_datastore(&self, datastore: Datastore) -> Result<RpcReply, ClientError>;

    async fn unlock_datastore(&self, datastore: Datastore) -> Result<RpcReply, ClientError>;

    /// Deletes a configuration file the device saved at a URL (RFC 6241 §8.8, NETCONF's
    /// `<delete-config>` of a `<url>`).
    async fn delete_saved_file(&self, url: &str) -> Result<RpcReply, ClientError>;

    /// Runs an operation the test bed names (the inventory's `schema_change:`), given as the
    /// XML content of NETCONF's `<rpc>`.
    async fn invoke_operation(&self, operation_xml: &str) -> Result<RpcReply, ClientError>;

    /// Subscribes the session to the device's events of one kind (the event's top element),
    /// from now on: RFC 5277 `<create-subscription>` over NETCONF.
    async fn subscribe_to(&self, event: &NodePath) -> Result<RpcReply, ClientError>;

    /// The events the session receives, once: `None` when they were taken already.
    fn take_events(&self) -> Option<tokio::sync::mpsc::Receiver<Notification>>;

    /// Ends the session politely, briefly: bounded in time, never failing.
    async fn end(&self);
}

/// Fails unless the reply is a success.
pub fn expect_ok(reply: &RpcReply, what: &str) -> StepResult {
    if reply.is_success() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{what} was refused: {}",
        describe_errors(reply)
    )))
}

/// The reply's errors in one line.
pub fn describe_errors(reply: &RpcReply) -> String {
    let errors: Vec<String> = reply.errors.iter().map(ToString::to_string).collect();
    if errors.is_empty() {
        "no rpc-error".to_owned()
    } else {
        errors.join("; ")
    }
}

/// The data of a read's reply as elements; a refused or unreadable reply, or one without
/// `<data>`, fails.
pub fn reply_data(reply: &RpcReply, what: &str) -> Result<Vec<Element>, Finding> {
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "{what} was refused: {}",
            describe_errors(reply)
        )));
    }
    // RFC 6241 §7.1, §7.7 (RFC 8526 §3.1.1 alike): a read that succeeds answers <data>; an
    // <ok/> instead is no answer to a read.
    let Some(data) = reply.data() else {
        return Err(Finding::fail(format!(
            "{what} was answered without <data> (RFC 6241 §7.1)"
        )));
    };
    Element::parse_fragment(data).map_err(|e| {
        Finding::fail(format!(
            "{what}: the reply's data is not well-formed XML: {e}"
        ))
    })
}

/// Reads a whole configuration datastore.
pub async fn read_config(
    session: &impl ManagementSession,
    datastore: Datastore,
) -> Result<RpcReply, Finding> {
    Ok(session.read_datastore(datastore, None).await?)
}

/// The content of a whole configuration datastore, as XML.
pub async fn read_config_data(
    session: &impl ManagementSession,
    datastore: Datastore,
) -> Result<String, Finding> {
    let reply = read_config(session, datastore.clone()).await?;
    reply_data(&reply, &format!("get-config of {}", datastore.name()))?;
    Ok(reply.data().unwrap_or_default().to_owned())
}

/// The values of one node in a datastore.
pub async fn read_node(
    session: &impl ManagementSession,
    node: &NodePath,
    datastore: Datastore,
) -> Result<Vec<String>, Finding> {
    let reply = session
        .read_datastore(datastore.clone(), Some(node))
        .await?;
    let data = reply_data(&reply, &format!("get-config of {}", datastore.name()))?;
    Ok(node.values_in(&data))
}

/// Reads the sandbox text from a datastore: `None` when absent.
pub async fn read_sandbox_text(
    session: &impl ManagementSession,
    device: &DeviceContext,
    datastore: Datastore,
) -> Result<Option<String>, Finding> {
    Ok(read_node(session, &device.sandbox.text, datastore)
        .await?
        .into_iter()
        .next())
}

/// Sets the sandbox text in `target` (merge).
pub async fn write_sandbox_text(
    session: &impl ManagementSession,
    device: &DeviceContext,
    target: Datastore,
    value: &str,
) -> Result<RpcReply, Finding> {
    let config = device.sandbox.text.wrap_leaf("", Some(value));
    Ok(session
        .edit_datastore(target, config, EditMode::Merge)
        .await?)
}

/// Commits when the device edits through the candidate.
pub async fn commit_if_candidate(
    session: &impl ManagementSession,
    device: &DeviceContext,
) -> StepResult {
    if device.edit_target() == Datastore::Candidate {
        let reply = session.commit_candidate().await?;
        expect_ok(&reply, "commit")?;
    }
    Ok(())
}

/// What differs between two configurations of one device, empty when they are the same. With
/// the device's own schema the comparison is libyang's: order counts only in `ordered-by
/// user` lists and leaf-lists, and an explicit default is no difference. Without one it is
/// schema-blind (sibling order counts, empty containers are ignored).
pub fn config_differences(
    device: &DeviceContext,
    first: &str,
    second: &str,
) -> Result<Vec<String>, Finding> {
    data_differences(
        device,
        first,
        second,
        rfc3535_yang::Content::PartialConfig,
        "a configuration read",
    )
}

/// What differs between two readings of one device's data of a kind (`content`), as
/// [`config_differences`] judges it; `what` names the readings in a finding.
pub fn data_differences(
    device: &DeviceContext,
    first: &str,
    second: &str,
    content: rfc3535_yang::Content,
    what: &str,
) -> Result<Vec<String>, Finding> {
    if let Ok(schema) = device.schema() {
        if let Ok(schema) = schema.as_ref() {
            return schema
                .differences(first, second, content)
                .map(|d| {
                    d.into_iter()
                        .map(|d| format!("{} {}", d.operation, d.path))
                        .collect()
                })
                .map_err(|finding| {
                    Finding::fail(format!(
                        "{what} does not validate against the device's own schema: {finding}"
                    ))
                });
        }
    }
    let (a, b) = (canonical_config(first)?, canonical_config(second)?);
    Ok(if a == b {
        Vec::new()
    } else {
        difference_summary(&a, &b, 6)
    })
}

/// A configuration's schema-blind canonical form: empty containers dropped (they come and go
/// with some devices' edits and are not configuration), siblings in their order.
pub fn canonical_config(xml: &str) -> Result<String, Finding> {
    let tree = Element::parse_fragment(xml)
        .map_err(|e| Finding::fail(format!("a configuration read is not well-formed XML: {e}")))?;
    let pruned: Vec<Element> = tree.iter().filter_map(Element::pruned).collect();
    Ok(canonical_fragment(&pruned))
}

/// What differs between two configurations outside the sandbox (its text leaf and its list):
/// what a scenario that writes only its sandbox must leave as it was. The sandbox's nodes are
/// taken out of both, then they are compared as [`config_differences`] does (through the
/// device's schema where it has one, so system-ordered entries in another order are no
/// change; empty containers are none either).
pub fn differences_outside(
    device: &DeviceContext,
    before: &str,
    after: &str,
) -> Result<Vec<String>, Finding> {
    let outside = |xml: &str| -> Result<String, Finding> {
        let mut tree = Element::parse_fragment(xml).map_err(|e| {
            Finding::fail(format!("a configuration read is not well-formed XML: {e}"))
        })?;
        for node in std::iter::once(&device.sandbox.text).chain(device.sandbox.list.as_ref()) {
            remove_node(&mut tree, &node.namespace, &node.elements);
        }
        let pruned: Vec<Element> = tree.iter().filter_map(Element::pruned).collect();
        Ok(rfc3535_client::wire::tree::fragment_xml(&pruned))
    };
    config_differences(device, &outside(before)?, &outside(after)?)
}

/// Removes the nodes at `path` (element names under the top-level element of `namespace`).
fn remove_node(elements: &mut Vec<Element>, namespace: &str, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let here = |e: &Element| e.name.local == *first && e.name.namespace == namespace;
    if rest.is_empty() {
        elements.retain(|e| !here(e));
        return;
    }
    for element in elements.iter_mut().filter(|e| here(e)) {
        remove_node(&mut element.children, namespace, rest);
    }
}

/// Fails with `what` and the differences, unless there are none.
pub fn expect_same(differences: Vec<String>, what: &str) -> StepResult {
    if differences.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = differences.iter().take(6).map(String::as_str).collect();
    Err(Finding::fail(format!(
        "{what}: {}{}",
        shown.join(" | "),
        if differences.len() > 6 { " | ..." } else { "" }
    )))
}

/// Waits for `condition` to hold, polling, for at most `within`.
pub async fn eventually<F, Fut>(within: Duration, mut condition: F) -> Result<bool, Finding>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, Finding>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if condition().await? {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs the same expression on whichever protocol's session this is.
macro_rules! on_each {
    ($device_session:expr, $session:ident => $body:expr) => {
        match $device_session {
            DeviceSession::Netconf($session) => $body,
            DeviceSession::Restconf($session) => $body,
        }
    };
}

/// A session to a device over one protocol: what the World and the runner hold. Steps that
/// only need [`ManagementSession`] work over any protocol; a step about one protocol's own
/// mechanics (NETCONF framing, `<kill-session>`, subscriptions) asks for that protocol's
/// session and is an error on another (the catalogue tags such scenarios so they never run
/// there).
#[derive(Debug)]
pub enum DeviceSession {
    Netconf(rfc3535_client::Session),
    Restconf(crate::restconf::RestconfSession),
}

impl DeviceSession {
    /// Opens a session over the protocol `access` reaches, recording its transcript; a
    /// RESTCONF session builds its API paths from the schema's `shape`.
    pub async fn open(
        access: &crate::access::Access,
        device: &crate::device::DeviceContext,
    ) -> Result<DeviceSession, Finding> {
        match access {
            crate::access::Access::Netconf(options) => Ok(DeviceSession::Netconf(
                crate::netconf::open_session(options).await?,
            )),
            crate::access::Access::Restconf(options) => Ok(DeviceSession::Restconf(
                crate::restconf::open_session(options, device.restconf_dialect()).await?,
            )),
        }
    }

    /// The NETCONF session, for steps about NETCONF itself.
    pub fn netconf(&self) -> Result<&rfc3535_client::Session, Finding> {
        match self {
            DeviceSession::Netconf(session) => Ok(session),
            DeviceSession::Restconf(_) => Err(Finding::error(
                "harness bug: a NETCONF step ran over RESTCONF (the catalogue should keep it off RESTCONF columns)",
            )),
        }
    }

    /// How the device broke the protocol on this session beyond any request's own error
    /// (NETCONF: stray replies, messages after close, malformed messages); RESTCONF's are
    /// each a request's own.
    pub fn protocol_violations(&self) -> Vec<String> {
        match self {
            DeviceSession::Netconf(session) => session.protocol_violations(),
            DeviceSession::Restconf(_) => Vec::new(),
        }
    }

    /// The RESTCONF session, for steps about RESTCONF itself.
    pub fn restconf(&self) -> Result<&crate::restconf::RestconfSession, Finding> {
        match self {
            DeviceSession::Restconf(session) => Ok(session),
            DeviceSession::Netconf(_) => Err(Finding::error(
                "harness bug: a RESTCONF step ran over NETCONF (the catalogue should keep it off NETCONF columns)",
            )),
        }
    }
}

impl ManagementSession for DeviceSession {
    fn protocol(&self) -> Protocol {
        on_each!(self, session => session.protocol())
    }

    fn has_ended(&self) -> bool {
        on_each!(self, session => session.has_ended())
    }

    fn label(&self) -> String {
        on_each!(self, session => ManagementSession::label(session))
    }

    fn transcript_text(&self) -> String {
        on_each!(self, session => session.transcript_text())
    }

    async fn read_datastore(
        &self,
        datastore: Datastore,
        node: Option<&NodePath>,
    ) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.read_datastore(datastore, node).await)
    }

    async fn edit_datastore(
        &self,
        datastore: Datastore,
        config: String,
        mode: EditMode,
    ) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.edit_datastore(datastore, config, mode).await)
    }

    async fn replace_datastore(
        &self,
        datastore: Datastore,
        config: String,
    ) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.replace_datastore(datastore, config).await)
    }

    async fn commit_candidate(&self) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.commit_candidate().await)
    }

    async fn discard_candidate(&self) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.discard_candidate().await)
    }

    async fn cancel_pending_commit(
        &self,
        persist_id: Option<String>,
    ) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.cancel_pending_commit(persist_id).await)
    }

    async fn lock_datastore(&self, datastore: Datastore) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.lock_datastore(datastore).await)
    }

    async fn unlock_datastore(&self, datastore: Datastore) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.unlock_datastore(datastore).await)
    }

    async fn delete_saved_file(&self, url: &str) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.delete_saved_file(url).await)
    }

    async fn invoke_operation(&self, operation_xml: &str) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.invoke_operation(operation_xml).await)
    }

    async fn subscribe_to(&self, event: &NodePath) -> Result<RpcReply, ClientError> {
        on_each!(self, session => session.subscribe_to(event).await)
    }

    fn take_events(&self) -> Option<tokio::sync::mpsc::Receiver<Notification>> {
        on_each!(self, session => session.take_events())
    }

    async fn end(&self) {
        on_each!(self, session => session.end().await)
    }
}
