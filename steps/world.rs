//! The World: what one scenario knows while it runs against one device (or, for `@multi`
//! scenarios, a fleet), and the helpers every step file shares.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rfc3535_client::wire::tree::Element;
use rfc3535_client::wire::{Commit, ConfigSource, Datastore, EditConfig, Filter, RpcReply};
use rfc3535_client::{ClientError, ConnectOptions, Session};

/// Why a step did not pass. The text form (`fail: ...`) is what cucumber carries from the
/// step to the writer, so the kind survives the trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The device did not do what the requirement asks.
    Fail(String),
    /// The test bed lacks a precondition (an account, a second device, a sandbox module).
    Skip(String),
    /// No verdict could be reached (transport, timeout, a reply that cannot be read).
    Error(String),
}

pub type StepResult = Result<(), Finding>;

/// Builds a finding of one kind from its message.
type FindingKind = fn(String) -> Finding;

impl Finding {
    pub fn fail(message: impl Into<String>) -> Self {
        Finding::Fail(message.into())
    }

    pub fn error(message: impl Into<String>) -> Self {
        Finding::Error(message.into())
    }

    pub fn skip(message: impl Into<String>) -> Self {
        Finding::Skip(message.into())
    }

    const PREFIXES: [(&'static str, FindingKind); 3] = [
        ("fail: ", Finding::Fail),
        ("skipped: ", Finding::Skip),
        ("error: ", Finding::Error),
    ];

    /// Reads back the text form; anything else is a harness bug (a panic in a step).
    pub fn from_panic_text(text: &str) -> Finding {
        for (prefix, make) in Self::PREFIXES {
            if let Some(rest) = text.strip_prefix(prefix) {
                return make(rest.to_owned());
            }
        }
        Finding::Error(format!("harness bug: a step panicked: {text}"))
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Fail(m) => write!(f, "fail: {m}"),
            Finding::Skip(m) => write!(f, "skipped: {m}"),
            Finding::Error(m) => write!(f, "error: {m}"),
        }
    }
}

impl std::error::Error for Finding {}

impl From<ClientError> for Finding {
    fn from(error: ClientError) -> Self {
        Finding::Error(format!("transport: {error}"))
    }
}

/// Where scenarios may write on a device: one string leaf and one `ordered-by user`
/// leaf-list, each named by namespace and element path. Nothing else is edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    pub text: NodePath,
    pub list: Option<NodePath>,
}

/// A data node: the namespace of its top-level element and the element names down to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePath {
    pub namespace: String,
    pub elements: Vec<String>,
}

impl NodePath {
    /// Parses `NAMESPACE a/b/c`.
    pub fn parse(text: &str) -> Result<NodePath, String> {
        let (namespace, path) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("{text:?}: expected \"NAMESPACE a/b/leaf\""))?;
        let elements: Vec<String> = path
            .trim()
            .split('/')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        if elements.is_empty() || namespace.is_empty() {
            return Err(format!("{text:?}: expected \"NAMESPACE a/b/leaf\""));
        }
        Ok(NodePath {
            namespace: namespace.to_owned(),
            elements,
        })
    }

    /// `<a xmlns=NS><b>` ... `</b></a>` around `inner`, with `leaf` as the innermost element's
    /// start-tag content (name plus attributes) when given.
    pub fn wrap_leaf(&self, leaf_attributes: &str, value: Option<&str>) -> String {
        let (leaf, containers) = self
            .elements
            .split_last()
            .unwrap_or((&self.elements[0], &[]));
        let inner = match value {
            Some(v) => format!(
                "<{leaf}{leaf_attributes}>{}</{leaf}>",
                rfc3535_client::wire::xml::escape(v)
            ),
            None => format!("<{leaf}{leaf_attributes}/>"),
        };
        self.wrap_containers(containers, &inner)
    }

    /// The containers around several leaf elements given as XML.
    pub fn wrap_many(&self, leaves_xml: &str) -> String {
        let containers = &self.elements[..self.elements.len().saturating_sub(1)];
        self.wrap_containers(containers, leaves_xml)
    }

    fn wrap_containers(&self, containers: &[String], inner: &str) -> String {
        if containers.is_empty() {
            // The leaf itself is top-level: it carries the namespace.
            return inner.replacen('>', &format!(" xmlns=\"{}\">", self.namespace), 1);
        }
        let mut out = String::new();
        for (i, element) in containers.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("<{element} xmlns=\"{}\">", self.namespace));
            } else {
                out.push_str(&format!("<{element}>"));
            }
        }
        out.push_str(inner);
        for element in containers.iter().rev() {
            out.push_str(&format!("</{element}>"));
        }
        out
    }

    /// A subtree filter selecting this node.
    pub fn filter(&self) -> Filter {
        Filter::subtree(self.wrap_leaf("", None))
    }

    /// The values of this node in a reply's data.
    pub fn values_in(&self, data: &[Element]) -> Vec<String> {
        let Some((top, rest)) = self.elements.split_first() else {
            return Vec::new();
        };
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        data.iter()
            .filter(|e| e.name.local == *top && e.name.namespace == self.namespace)
            .flat_map(|e| e.find_all(&rest))
            .map(|e| e.text.clone())
            .collect()
    }
}

/// What the runner knows of one device, shared by every scenario run against it.
#[derive(Debug)]
pub struct DeviceContext {
    /// `<name>/<protocol>`.
    pub id: String,
    pub name: String,
    pub connect: ConnectOptions,
    /// The restricted account of the test bed, when the inventory names one.
    pub read_only: Option<ConnectOptions>,
    /// Detected capability names (catalogue §1.3).
    pub capabilities: BTreeSet<String>,
    /// Modules announced in the hello: name to revision.
    pub hello_modules: BTreeMap<String, Option<String>>,
    pub sandbox: Sandbox,
    /// Whether the sandbox's module is implemented (else mutating scenarios are skipped).
    pub sandbox_usable: Result<(), String>,
    /// The sandbox text's value before the run (restored after each scenario).
    pub original_text: Option<String>,
    /// The device's own modules, fetched before the scenarios (None: it serves none).
    pub schema: Option<crate::schema::Acquired>,
    /// Where those modules are.
    pub schema_dir: Option<std::path::PathBuf>,
}

impl DeviceContext {
    pub fn claims(&self, capability: &str) -> bool {
        self.capabilities.contains(capability)
    }

    /// Where edits go: the candidate when the device has one, else running.
    pub fn edit_target(&self) -> Datastore {
        if self.claims("candidate") {
            Datastore::Candidate
        } else {
            Datastore::Running
        }
    }
}

/// One scenario's state.
#[derive(Debug, Default, cucumber::World)]
pub struct RunWorld {
    pub device: Option<Arc<DeviceContext>>,
    /// For `@multi` scenarios: the devices taking part, first to last.
    pub fleet: Vec<Arc<DeviceContext>>,
    pub fleet_sessions: Vec<Session>,
    /// Sessions by the name the scenario gives them ("A", "B", ...).
    pub sessions: BTreeMap<String, Session>,
    /// The account each named session logged in as.
    pub usernames: BTreeMap<String, String>,
    /// Sessions that were closed or dropped during the scenario, kept for their transcripts.
    pub ended_sessions: Vec<(String, Session)>,
    /// A value unique to this scenario; every value the scenario writes contains it.
    pub nonce: String,
    /// The sandbox text this scenario wrote last.
    pub text_value: Option<String>,
    /// Sandbox list entries this scenario added (removed afterwards).
    pub list_entries: Vec<String>,
    /// The last reply a step kept for a `Then` to judge.
    pub last_reply: Option<RpcReply>,
    /// Replies kept for comparison steps.
    pub kept_replies: Vec<RpcReply>,
    /// Saved configurations (per fleet member, or one for a single device).
    pub copies: Vec<String>,
    /// A persist token of a pending confirmed commit (cancelled afterwards if still pending).
    pub persist_token: Option<String>,
    /// A confirmed commit may be pending on the single device.
    pub confirmed_pending: bool,
    /// Values measured along the way, reported in the cell.
    pub measurements: BTreeMap<String, serde_json::Value>,
    /// Notes for the evidence (what a step looked at).
    pub notes: Vec<String>,
    /// Why the device's modules did not compile, when a step tried.
    pub compile_error: Option<String>,
}

impl RunWorld {
    pub fn device(&self) -> Result<&Arc<DeviceContext>, Finding> {
        self.device
            .as_ref()
            .ok_or_else(|| Finding::error("harness bug: no device bound to this scenario"))
    }

    pub fn session(&self, name: &str) -> Result<&Session, Finding> {
        self.sessions.get(name).ok_or_else(|| {
            Finding::error(format!(
                "harness bug: the scenario uses session {name:?} before opening it"
            ))
        })
    }

    /// The reply a `When` kept for a `Then` to judge.
    pub fn kept_reply(&self) -> Result<&RpcReply, Finding> {
        self.last_reply
            .as_ref()
            .ok_or_else(|| Finding::error("harness bug: no reply kept"))
    }

    /// The two replies a scenario kept to compare.
    pub fn kept_pair(&self) -> Result<(&RpcReply, &RpcReply), Finding> {
        match &self.kept_replies[..] {
            [first, second] => Ok((first, second)),
            _ => Err(Finding::error("harness bug: expected two kept replies")),
        }
    }

    /// Any open session, for the harness's own reads.
    pub fn any_session(&self) -> Result<&Session, Finding> {
        self.sessions
            .values()
            .find(|s| s.ended().is_none())
            .ok_or_else(|| Finding::error("no open session left to check the device with"))
    }

    /// Checks that mutating scenarios may run on this device.
    pub fn require_sandbox(&self) -> Result<Arc<DeviceContext>, Finding> {
        let device = Arc::clone(self.device()?);
        if let Err(why) = &device.sandbox_usable {
            return Err(Finding::skip(why.clone()));
        }
        Ok(device)
    }

    /// A fresh value for the sandbox text.
    pub fn fresh_value(&self) -> String {
        format!("rfc3535-{}", self.nonce)
    }
}

thread_local! {
    /// libyang contexts are not shared across threads: each runner thread builds its own,
    /// once per schema directory.
    static SCHEMAS: std::cell::RefCell<
        BTreeMap<std::path::PathBuf, std::rc::Rc<Result<rfc3535_yang::Schema, String>>>,
    > = const { std::cell::RefCell::new(BTreeMap::new()) };
}

impl DeviceContext {
    /// The device's schema as a libyang context. Not applicable without one; an `error` when
    /// the device's own modules do not compile (a scenario of its own judges that).
    pub fn schema(&self) -> Result<std::rc::Rc<Result<rfc3535_yang::Schema, String>>, Finding> {
        let (Some(acquired), Some(dir)) = (&self.schema, &self.schema_dir) else {
            return Err(Finding::skip(
                "the device's schema could not be fetched (get-schema), so replies cannot be checked against it",
            ));
        };
        Ok(SCHEMAS.with(|cache| {
            std::rc::Rc::clone(cache.borrow_mut().entry(dir.clone()).or_insert_with(|| {
                std::rc::Rc::new(
                    rfc3535_yang::Schema::from_dir(dir, &acquired.specs())
                        .map_err(|e| e.to_string()),
                )
            }))
        }))
    }
}

/// Checks a reply's data against the device's own schema.
pub fn validate_reply(
    device: &DeviceContext,
    reply: &RpcReply,
    content: rfc3535_yang::Content,
    what: &str,
) -> StepResult {
    let schema = device.schema()?;
    let schema = schema.as_ref().as_ref().map_err(|e| {
        Finding::error(format!(
            "the device's own modules do not compile, so {what} cannot be checked: {e}"
        ))
    })?;
    schema
        .validate(reply.data().unwrap_or_default(), content)
        .map_err(|finding| {
            Finding::fail(format!(
                "{what} does not validate against the device's own schema: {finding}"
            ))
        })
}

/// Opens a session, recording its transcript.
pub async fn open_session(options: &ConnectOptions) -> Result<Session, Finding> {
    let mut options = options.clone();
    options.session.record_transcript = true;
    Ok(rfc3535_client::connect(&options).await?)
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

/// The data of a reply as elements; an unreadable reply is an error, not a failure.
pub fn reply_data(reply: &RpcReply, what: &str) -> Result<Vec<Element>, Finding> {
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "{what} was refused: {}",
            describe_errors(reply)
        )));
    }
    let data = reply.data().unwrap_or_default();
    Element::parse_fragment(data).map_err(|e| {
        Finding::fail(format!(
            "{what}: the reply's data is not well-formed XML: {e}"
        ))
    })
}

/// Reads a configuration datastore (unfiltered).
pub async fn read_config(session: &Session, datastore: Datastore) -> Result<RpcReply, Finding> {
    Ok(session.get_config(datastore, None).await?)
}

/// Reads the sandbox text from a datastore: `None` when absent.
pub async fn read_sandbox_text(
    session: &Session,
    device: &DeviceContext,
    datastore: Datastore,
) -> Result<Option<String>, Finding> {
    let reply = session
        .get_config(datastore.clone(), Some(device.sandbox.text.filter()))
        .await?;
    let data = reply_data(&reply, &format!("get-config of {}", datastore.name()))?;
    Ok(device.sandbox.text.values_in(&data).into_iter().next())
}

/// Sets the sandbox text in `target` (merge).
pub async fn write_sandbox_text(
    session: &Session,
    device: &DeviceContext,
    target: Datastore,
    value: &str,
) -> Result<RpcReply, Finding> {
    let config = device.sandbox.text.wrap_leaf("", Some(value));
    Ok(session.edit_config(EditConfig::new(target, config)).await?)
}

/// Commits when the device edits through the candidate.
pub async fn commit_if_candidate(session: &Session, device: &DeviceContext) -> StepResult {
    if device.edit_target() == Datastore::Candidate {
        let reply = session.commit(Commit::default()).await?;
        expect_ok(&reply, "commit")?;
    }
    Ok(())
}

/// The content of a whole configuration datastore, as XML.
pub async fn read_config_data(session: &Session, datastore: Datastore) -> Result<String, Finding> {
    let reply = read_config(session, datastore.clone()).await?;
    reply_data(&reply, &format!("get-config of {}", datastore.name()))?;
    Ok(reply.data().unwrap_or_default().to_owned())
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
    if let Ok(schema) = device.schema() {
        if let Ok(schema) = schema.as_ref() {
            return schema
                .differences(first, second, rfc3535_yang::Content::PartialConfig)
                .map(|d| {
                    d.into_iter()
                        .map(|d| format!("{} {}", d.operation, d.path))
                        .collect()
                })
                .map_err(|finding| {
                    Finding::fail(format!(
                        "a configuration read does not validate against the device's own schema: {finding}"
                    ))
                });
        }
    }
    let canonical = |xml: &str| -> Result<String, Finding> {
        let tree = rfc3535_client::wire::tree::Element::parse_fragment(xml).map_err(|e| {
            Finding::fail(format!("a configuration read is not well-formed XML: {e}"))
        })?;
        let pruned: Vec<_> = tree.iter().filter_map(|e| e.pruned()).collect();
        Ok(rfc3535_client::wire::tree::canonical_fragment(&pruned))
    };
    let (a, b) = (canonical(first)?, canonical(second)?);
    Ok(if a == b {
        Vec::new()
    } else {
        rfc3535_client::wire::tree::difference_summary(&a, &b, 6)
    })
}

/// Fails with `what` and the differences, unless there are none.
pub fn expect_same(differences: Vec<String>, what: &str) -> StepResult {
    if differences.is_empty() {
        return Ok(());
    }
    let shown: Vec<&String> = differences.iter().take(6).collect();
    Err(Finding::fail(format!(
        "{what}: {}{}",
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        if differences.len() > 6 { " | ..." } else { "" }
    )))
}

/// Writes a saved configuration back into `datastore`. Running on a candidate device goes
/// through the candidate and a commit; startup and running take copy-config / replace.
pub async fn restore_config(
    session: &Session,
    device: &DeviceContext,
    datastore: Datastore,
    saved_xml: &str,
) -> StepResult {
    let reply = match (&datastore, device.edit_target()) {
        (Datastore::Running, Datastore::Candidate) => {
            let reply = session
                .copy_config(
                    Datastore::Candidate,
                    ConfigSource::Inline(saved_xml.to_owned()),
                )
                .await?;
            expect_ok(
                &reply,
                "copy-config of the saved configuration to candidate",
            )?;
            session.commit(Commit::default()).await?
        }
        (Datastore::Running, _) => {
            // copy-config replaces the whole datastore; some servers only take a replacing
            // edit-config for running, so that is the fallback.
            let copied = session
                .copy_config(
                    Datastore::Running,
                    ConfigSource::Inline(saved_xml.to_owned()),
                )
                .await?;
            if copied.is_success() {
                copied
            } else {
                let mut edit = EditConfig::new(Datastore::Running, saved_xml.to_owned());
                edit.default_operation = Some(rfc3535_client::wire::DefaultOperation::Replace);
                session.edit_config(edit).await?
            }
        }
        (other, _) => {
            session
                .copy_config(other.clone(), ConfigSource::Inline(saved_xml.to_owned()))
                .await?
        }
    };
    expect_ok(&reply, &format!("restoring {}", datastore.name()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_survive_the_trip_through_cucumber_as_text() {
        for finding in [
            Finding::fail("running differs"),
            Finding::skip("no read-only account"),
            Finding::error("transport: timeout"),
        ] {
            assert_eq!(Finding::from_panic_text(&finding.to_string()), finding);
        }
        assert!(matches!(
            Finding::from_panic_text("index out of bounds"),
            Finding::Error(m) if m.starts_with("harness bug")
        ));
    }

    #[test]
    fn sandbox_paths_build_edits_filters_and_read_values() {
        let text = NodePath::parse("urn:x sys/location").expect("valid");
        assert_eq!(
            text.wrap_leaf("", Some("a<b")),
            "<sys xmlns=\"urn:x\"><location>a&lt;b</location></sys>"
        );
        assert_eq!(
            text.filter(),
            Filter::subtree("<sys xmlns=\"urn:x\"><location/></sys>")
        );
        let data = Element::parse_fragment(
            "<sys xmlns=\"urn:x\"><location>here</location></sys><sys xmlns=\"urn:y\"><location>no</location></sys>",
        )
        .expect("xml");
        assert_eq!(text.values_in(&data), vec!["here".to_owned()]);
        let top = NodePath::parse("urn:x leaf").expect("valid");
        assert_eq!(
            top.wrap_leaf("", Some("v")),
            "<leaf xmlns=\"urn:x\">v</leaf>"
        );
        assert!(NodePath::parse("nonamespace").is_err());
        assert!(NodePath::parse("urn:x /").is_err());
    }
}
