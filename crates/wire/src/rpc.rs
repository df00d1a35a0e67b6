//! Builders for the `<rpc>` messages a client sends: the RFC 6241 operations, RFC 5277
//! `<create-subscription>`, RFC 6022 `<get-schema>`, RFC 8526 `<get-data>`/`<edit-data>`, the
//! RFC 6243 `<with-defaults>` parameter, and any raw operation.
//!
//! Inline configuration and subtree filters are caller-supplied XML and are inserted as given;
//! every value the builders take as text is escaped.

use std::fmt::Write as _;

use crate::xml::escape;
use crate::{NS_BASE, NS_NOTIFICATION};

// The names the operation builders have always used; the values live in `crate::ns`.
pub use crate::ns::{
    DATASTORES as NS_DATASTORES, MONITORING as NS_MONITORING, NMDA as NS_NMDA,
    WITH_DEFAULTS as NS_WITH_DEFAULTS, YANG as NS_YANG,
};

/// A conventional datastore (RFC 6241 §5.1), or a `:url` (§8.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datastore {
    Running,
    Candidate,
    Startup,
    Url(String),
}

impl Datastore {
    fn write(&self, out: &mut String) {
        match self {
            Datastore::Running => out.push_str("<running/>"),
            Datastore::Candidate => out.push_str("<candidate/>"),
            Datastore::Startup => out.push_str("<startup/>"),
            Datastore::Url(url) => {
                let _ = write!(out, "<url>{}</url>", escape(url));
            }
        }
    }

    /// The name used in reports.
    pub fn name(&self) -> &str {
        match self {
            Datastore::Running => "running",
            Datastore::Candidate => "candidate",
            Datastore::Startup => "startup",
            Datastore::Url(_) => "url",
        }
    }
}

/// The source of `<copy-config>`/`<validate>`: a datastore, or inline configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    Datastore(Datastore),
    /// The content of a `<config>` element, as XML.
    Inline(String),
}

impl ConfigSource {
    fn write(&self, out: &mut String) {
        match self {
            ConfigSource::Datastore(ds) => ds.write(out),
            ConfigSource::Inline(xml) => {
                out.push_str("<config>");
                out.push_str(xml);
                out.push_str("</config>");
            }
        }
    }
}

impl From<Datastore> for ConfigSource {
    fn from(ds: Datastore) -> Self {
        ConfigSource::Datastore(ds)
    }
}

/// A filter for `<get>`, `<get-config>` and `<create-subscription>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// RFC 6241 §6 subtree filter: the XML content of `<filter type="subtree">`.
    Subtree(String),
    /// RFC 6241 §8.9 XPath filter, with the prefix bindings its expression uses.
    XPath {
        select: String,
        namespaces: Vec<(String, String)>,
    },
}

impl Filter {
    /// A subtree filter.
    pub fn subtree(xml: impl Into<String>) -> Self {
        Filter::Subtree(xml.into())
    }

    /// An XPath filter with prefix bindings.
    pub fn xpath(select: impl Into<String>, namespaces: &[(&str, &str)]) -> Self {
        Filter::XPath {
            select: select.into(),
            namespaces: namespaces
                .iter()
                .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
                .collect(),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Filter::Subtree(xml) => {
                out.push_str("<filter type=\"subtree\">");
                out.push_str(xml);
                out.push_str("</filter>");
            }
            Filter::XPath { select, namespaces } => {
                out.push_str("<filter type=\"xpath\"");
                write_xmlns(out, namespaces);
                let _ = write!(out, " select=\"{}\"/>", escape(select));
            }
        }
    }
}

fn write_xmlns(out: &mut String, namespaces: &[(String, String)]) {
    for (prefix, uri) in namespaces {
        let _ = write!(out, " xmlns:{}=\"{}\"", prefix, escape(uri));
    }
}

/// RFC 6243 retrieval modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithDefaults {
    ReportAll,
    ReportAllTagged,
    Trim,
    Explicit,
}

impl WithDefaults {
    /// Every mode.
    pub const ALL: [WithDefaults; 4] = [
        WithDefaults::Explicit,
        WithDefaults::ReportAll,
        WithDefaults::ReportAllTagged,
        WithDefaults::Trim,
    ];

    /// The mode a name (on the wire or in the capability) stands for.
    pub fn parse(name: &str) -> Option<WithDefaults> {
        WithDefaults::ALL
            .into_iter()
            .find(|m| m.as_str() == name.trim())
    }

    /// The mode as written on the wire and in the capability.
    pub fn as_str(self) -> &'static str {
        match self {
            WithDefaults::ReportAll => "report-all",
            WithDefaults::ReportAllTagged => "report-all-tagged",
            WithDefaults::Trim => "trim",
            WithDefaults::Explicit => "explicit",
        }
    }

    fn write(self, out: &mut String, namespace: Option<&str>) {
        match namespace {
            Some(ns) => {
                let _ = write!(
                    out,
                    "<with-defaults xmlns=\"{ns}\">{}</with-defaults>",
                    self.as_str()
                );
            }
            None => {
                let _ = write!(out, "<with-defaults>{}</with-defaults>", self.as_str());
            }
        }
    }
}

/// `<default-operation>` of `<edit-config>` (RFC 6241 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultOperation {
    Merge,
    Replace,
    None,
}

impl DefaultOperation {
    fn as_str(self) -> &'static str {
        match self {
            DefaultOperation::Merge => "merge",
            DefaultOperation::Replace => "replace",
            DefaultOperation::None => "none",
        }
    }
}

/// `<test-option>` of `<edit-config>` (RFC 6241 §8.6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestOption {
    TestThenSet,
    Set,
    TestOnly,
}

impl TestOption {
    fn as_str(self) -> &'static str {
        match self {
            TestOption::TestThenSet => "test-then-set",
            TestOption::Set => "set",
            TestOption::TestOnly => "test-only",
        }
    }
}

/// `<error-option>` of `<edit-config>` (RFC 6241 §7.2, §8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorOption {
    StopOnError,
    ContinueOnError,
    RollbackOnError,
}

impl ErrorOption {
    fn as_str(self) -> &'static str {
        match self {
            ErrorOption::StopOnError => "stop-on-error",
            ErrorOption::ContinueOnError => "continue-on-error",
            ErrorOption::RollbackOnError => "rollback-on-error",
        }
    }
}

/// The per-element edit operation attribute (RFC 6241 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOperation {
    Merge,
    Replace,
    Create,
    Delete,
    Remove,
}

impl EditOperation {
    /// The value as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EditOperation::Merge => "merge",
            EditOperation::Replace => "replace",
            EditOperation::Create => "create",
            EditOperation::Delete => "delete",
            EditOperation::Remove => "remove",
        }
    }
}

/// Where an edit inserts into an `ordered-by user` list or leaf-list (RFC 7950 §7.8.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    First,
    Last,
    /// Before the entry identified by the predicate (`[name='x']` for a list) or value.
    Before(String),
    After(String),
}

/// Attributes for one element of an edit: the `nc:operation` attribute and, for ordered-by
/// user lists and leaf-lists, `yang:insert` with `yang:key` (lists) or `yang:value`
/// (leaf-lists). Renders as the attribute text to put inside the element's start tag, with the
/// namespace declarations it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditAttributes {
    pub operation: Option<EditOperation>,
    pub insert: Option<Insert>,
    /// True for a list entry (`yang:key`), false for a leaf-list value (`yang:value`).
    pub list: bool,
}

impl EditAttributes {
    /// Just the `nc:operation` attribute.
    pub fn operation(operation: EditOperation) -> Self {
        EditAttributes {
            operation: Some(operation),
            ..Default::default()
        }
    }

    /// The attribute text, beginning with a space.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(op) = self.operation {
            let _ = write!(
                out,
                " xmlns:nc=\"{NS_BASE}\" nc:operation=\"{}\"",
                op.as_str()
            );
        }
        if let Some(insert) = &self.insert {
            let _ = write!(out, " xmlns:yang=\"{NS_YANG}\"");
            let anchor = if self.list { "key" } else { "value" };
            match insert {
                Insert::First => out.push_str(" yang:insert=\"first\""),
                Insert::Last => out.push_str(" yang:insert=\"last\""),
                Insert::Before(at) => {
                    let _ = write!(
                        out,
                        " yang:insert=\"before\" yang:{anchor}=\"{}\"",
                        escape(at)
                    );
                }
                Insert::After(at) => {
                    let _ = write!(
                        out,
                        " yang:insert=\"after\" yang:{anchor}=\"{}\"",
                        escape(at)
                    );
                }
            }
        }
        out
    }
}

/// `<edit-config>` (RFC 6241 §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditConfig {
    pub target: Datastore,
    pub default_operation: Option<DefaultOperation>,
    pub test_option: Option<TestOption>,
    pub error_option: Option<ErrorOption>,
    /// The content of `<config>` (XML, may use [`EditAttributes`]), or a URL with `:url`.
    pub config: ConfigSource,
}

impl EditConfig {
    /// An edit of `target` with inline configuration and default options.
    pub fn new(target: Datastore, config: impl Into<String>) -> Self {
        EditConfig {
            target,
            default_operation: None,
            test_option: None,
            error_option: None,
            config: ConfigSource::Inline(config.into()),
        }
    }
}

/// `<commit>` (RFC 6241 §8.3.4.1, §8.4.5.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    pub confirmed: bool,
    /// Seconds; the server's default (600) when absent.
    pub confirm_timeout: Option<u32>,
    /// Makes the confirmed commit survive the session, identified by this token.
    pub persist: Option<String>,
    /// Confirms a persistent confirmed commit from any session.
    pub persist_id: Option<String>,
}

/// An RFC 8342 datastore for `<get-data>`/`<edit-data>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NmdaDatastore {
    Running,
    Candidate,
    Startup,
    Intended,
    Operational,
}

impl NmdaDatastore {
    /// Every datastore RFC 8342 defines, conventional ones first.
    pub const ALL: [NmdaDatastore; 5] = [
        NmdaDatastore::Running,
        NmdaDatastore::Candidate,
        NmdaDatastore::Startup,
        NmdaDatastore::Intended,
        NmdaDatastore::Operational,
    ];

    /// The identity's name in `ietf-datastores` (`running`, `operational`).
    pub fn name(&self) -> &'static str {
        match self {
            NmdaDatastore::Running => "running",
            NmdaDatastore::Candidate => "candidate",
            NmdaDatastore::Startup => "startup",
            NmdaDatastore::Intended => "intended",
            NmdaDatastore::Operational => "operational",
        }
    }

    /// The datastore an `ietf-datastores` identity name names.
    pub fn from_name(name: &str) -> Option<NmdaDatastore> {
        NmdaDatastore::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Whether it is a configuration datastore that can be written (RFC 8342 §5.1):
    /// `intended` and `operational` are read-only (§5.1.4, §5.3).
    pub fn is_writable(&self) -> bool {
        matches!(
            self,
            NmdaDatastore::Running | NmdaDatastore::Candidate | NmdaDatastore::Startup
        )
    }

    /// Whether it holds configuration only (the conventional datastores, RFC 8342 §4), not
    /// state as `operational` does.
    pub fn is_conventional(&self) -> bool {
        *self != NmdaDatastore::Operational
    }

    fn identity(&self) -> &'static str {
        match self {
            NmdaDatastore::Running => "ds:running",
            NmdaDatastore::Candidate => "ds:candidate",
            NmdaDatastore::Startup => "ds:startup",
            NmdaDatastore::Intended => "ds:intended",
            NmdaDatastore::Operational => "ds:operational",
        }
    }
}

/// `<get-data>` (RFC 8526 §3.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetData {
    pub datastore: NmdaDatastore,
    pub filter: Option<Filter>,
    /// `true`: config only; `false`: state only; `None`: both.
    pub config_filter: Option<bool>,
    pub max_depth: Option<u16>,
    pub with_origin: bool,
    pub with_defaults: Option<WithDefaults>,
    /// Keep (or leave out) the configuration of these origins (RFC 8526 §3.1.1).
    pub origin_filter: Option<OriginFilter>,
}

/// An origin filter of `<get-data>`: ietf-origin identities by local name (`intended`,
/// `system`, `learned`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginFilter {
    /// `<origin-filter>`: only configuration of these origins (or derived from them).
    Only(Vec<String>),
    /// `<negated-origin-filter>`: all configuration but that of these origins.
    Except(Vec<String>),
}

impl GetData {
    /// All data of one datastore.
    pub fn new(datastore: NmdaDatastore) -> Self {
        GetData {
            datastore,
            filter: None,
            config_filter: None,
            max_depth: None,
            with_origin: false,
            with_defaults: None,
            origin_filter: None,
        }
    }
}

/// `<edit-data>` (RFC 8526 §3.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditData {
    pub datastore: NmdaDatastore,
    pub default_operation: Option<DefaultOperation>,
    /// The content of `<config>` as XML.
    pub config: String,
}

/// RFC 5277 `<create-subscription>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateSubscription {
    /// The stream; the server's default (`NETCONF`) when absent.
    pub stream: Option<String>,
    pub filter: Option<Filter>,
    /// Replay from this RFC 3339 time (needs `:replay`).
    pub start_time: Option<String>,
    pub stop_time: Option<String>,
}

/// Every operation the client can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Get {
        filter: Option<Filter>,
        with_defaults: Option<WithDefaults>,
    },
    GetConfig {
        source: Datastore,
        filter: Option<Filter>,
        with_defaults: Option<WithDefaults>,
    },
    EditConfig(EditConfig),
    CopyConfig {
        target: Datastore,
        source: ConfigSource,
        with_defaults: Option<WithDefaults>,
    },
    DeleteConfig {
        target: Datastore,
    },
    Lock {
        target: Datastore,
    },
    Unlock {
        target: Datastore,
    },
    Commit(Commit),
    CancelCommit {
        persist_id: Option<String>,
    },
    DiscardChanges,
    Validate {
        source: ConfigSource,
    },
    CloseSession,
    KillSession {
        session_id: u32,
    },
    GetSchema {
        identifier: String,
        version: Option<String>,
        format: Option<String>,
    },
    GetData(GetData),
    EditData(EditData),
    CreateSubscription(CreateSubscription),
    /// RFC 5717 `<partial-lock>`: locks the running nodes each XPath `select` names, its
    /// prefixes bound by `namespaces`.
    PartialLock {
        select: Vec<String>,
        namespaces: Vec<(String, String)>,
    },
    /// RFC 5717 `<partial-unlock>` of the lock a partial lock granted.
    PartialUnlock {
        lock_id: u32,
    },
    /// Any operation, as the XML content of `<rpc>`.
    Raw(String),
}

impl Operation {
    /// The operation's element name, for logs and transcripts.
    pub fn name(&self) -> &str {
        match self {
            Operation::Get { .. } => "get",
            Operation::GetConfig { .. } => "get-config",
            Operation::EditConfig(_) => "edit-config",
            Operation::CopyConfig { .. } => "copy-config",
            Operation::DeleteConfig { .. } => "delete-config",
            Operation::Lock { .. } => "lock",
            Operation::Unlock { .. } => "unlock",
            Operation::Commit(_) => "commit",
            Operation::CancelCommit { .. } => "cancel-commit",
            Operation::DiscardChanges => "discard-changes",
            Operation::Validate { .. } => "validate",
            Operation::CloseSession => "close-session",
            Operation::KillSession { .. } => "kill-session",
            Operation::GetSchema { .. } => "get-schema",
            Operation::GetData(_) => "get-data",
            Operation::EditData(_) => "edit-data",
            Operation::CreateSubscription(_) => "create-subscription",
            Operation::PartialLock { .. } => "partial-lock",
            Operation::PartialUnlock { .. } => "partial-unlock",
            Operation::Raw(_) => "rpc",
        }
    }

    /// Writes the operation element (the content of `<rpc>`).
    pub fn write_xml(&self, out: &mut String) {
        match self {
            Operation::Get {
                filter,
                with_defaults,
            } => {
                out.push_str("<get>");
                if let Some(f) = filter {
                    f.write(out);
                }
                if let Some(wd) = with_defaults {
                    wd.write(out, Some(NS_WITH_DEFAULTS));
                }
                out.push_str("</get>");
            }
            Operation::GetConfig {
                source,
                filter,
                with_defaults,
            } => {
                out.push_str("<get-config><source>");
                source.write(out);
                out.push_str("</source>");
                if let Some(f) = filter {
                    f.write(out);
                }
                if let Some(wd) = with_defaults {
                    wd.write(out, Some(NS_WITH_DEFAULTS));
                }
                out.push_str("</get-config>");
            }
            Operation::EditConfig(edit) => {
                out.push_str("<edit-config><target>");
                edit.target.write(out);
                out.push_str("</target>");
                if let Some(op) = edit.default_operation {
                    let _ = write!(
                        out,
                        "<default-operation>{}</default-operation>",
                        op.as_str()
                    );
                }
                if let Some(test) = edit.test_option {
                    let _ = write!(out, "<test-option>{}</test-option>", test.as_str());
                }
                if let Some(error) = edit.error_option {
                    let _ = write!(out, "<error-option>{}</error-option>", error.as_str());
                }
                edit.config.write(out);
                out.push_str("</edit-config>");
            }
            Operation::CopyConfig {
                target,
                source,
                with_defaults,
            } => {
                out.push_str("<copy-config><target>");
                target.write(out);
                out.push_str("</target><source>");
                source.write(out);
                out.push_str("</source>");
                if let Some(wd) = with_defaults {
                    wd.write(out, Some(NS_WITH_DEFAULTS));
                }
                out.push_str("</copy-config>");
            }
            Operation::DeleteConfig { target } => {
                out.push_str("<delete-config><target>");
                target.write(out);
                out.push_str("</target></delete-config>");
            }
            Operation::Lock { target } => {
                out.push_str("<lock><target>");
                target.write(out);
                out.push_str("</target></lock>");
            }
            Operation::Unlock { target } => {
                out.push_str("<unlock><target>");
                target.write(out);
                out.push_str("</target></unlock>");
            }
            Operation::Commit(commit) => {
                let plain = !commit.confirmed
                    && commit.confirm_timeout.is_none()
                    && commit.persist.is_none()
                    && commit.persist_id.is_none();
                if plain {
                    out.push_str("<commit/>");
                    return;
                }
                out.push_str("<commit>");
                if commit.confirmed {
                    out.push_str("<confirmed/>");
                }
                if let Some(t) = commit.confirm_timeout {
                    let _ = write!(out, "<confirm-timeout>{t}</confirm-timeout>");
                }
                if let Some(p) = &commit.persist {
                    let _ = write!(out, "<persist>{}</persist>", escape(p));
                }
                if let Some(p) = &commit.persist_id {
                    let _ = write!(out, "<persist-id>{}</persist-id>", escape(p));
                }
                out.push_str("</commit>");
            }
            Operation::CancelCommit { persist_id } => match persist_id {
                Some(p) => {
                    let _ = write!(
                        out,
                        "<cancel-commit><persist-id>{}</persist-id></cancel-commit>",
                        escape(p)
                    );
                }
                None => out.push_str("<cancel-commit/>"),
            },
            Operation::DiscardChanges => out.push_str("<discard-changes/>"),
            Operation::Validate { source } => {
                out.push_str("<validate><source>");
                source.write(out);
                out.push_str("</source></validate>");
            }
            Operation::CloseSession => out.push_str("<close-session/>"),
            Operation::KillSession { session_id } => {
                let _ = write!(
                    out,
                    "<kill-session><session-id>{session_id}</session-id></kill-session>"
                );
            }
            Operation::GetSchema {
                identifier,
                version,
                format,
            } => {
                let _ = write!(
                    out,
                    "<get-schema xmlns=\"{NS_MONITORING}\"><identifier>{}</identifier>",
                    escape(identifier)
                );
                if let Some(v) = version {
                    let _ = write!(out, "<version>{}</version>", escape(v));
                }
                if let Some(f) = format {
                    let _ = write!(out, "<format>{}</format>", escape(f));
                }
                out.push_str("</get-schema>");
            }
            Operation::GetData(get) => {
                let _ = write!(
                    out,
                    "<get-data xmlns=\"{NS_NMDA}\" xmlns:ds=\"{NS_DATASTORES}\"><datastore>{}</datastore>",
                    get.datastore.identity()
                );
                match &get.filter {
                    Some(Filter::Subtree(xml)) => {
                        let _ = write!(out, "<subtree-filter>{xml}</subtree-filter>");
                    }
                    Some(Filter::XPath { select, namespaces }) => {
                        out.push_str("<xpath-filter");
                        write_xmlns(out, namespaces);
                        let _ = write!(out, ">{}</xpath-filter>", escape(select));
                    }
                    None => {}
                }
                if let Some(config) = get.config_filter {
                    let _ = write!(out, "<config-filter>{config}</config-filter>");
                }
                if let Some(depth) = get.max_depth {
                    let _ = write!(out, "<max-depth>{depth}</max-depth>");
                }
                let (element, origins) = match &get.origin_filter {
                    Some(OriginFilter::Only(origins)) => ("origin-filter", &origins[..]),
                    Some(OriginFilter::Except(origins)) => ("negated-origin-filter", &origins[..]),
                    None => ("", &[][..]),
                };
                for origin in origins {
                    let _ = write!(
                        out,
                        "<{element} xmlns:or=\"{}\">or:{}</{element}>",
                        crate::ns::ORIGIN,
                        escape(origin)
                    );
                }
                if get.with_origin {
                    out.push_str("<with-origin/>");
                }
                // ietf-netconf-nmda uses the with-defaults grouping: the leaf is its own.
                if let Some(wd) = get.with_defaults {
                    wd.write(out, None);
                }
                out.push_str("</get-data>");
            }
            Operation::EditData(edit) => {
                let _ = write!(
                    out,
                    "<edit-data xmlns=\"{NS_NMDA}\" xmlns:ds=\"{NS_DATASTORES}\"><datastore>{}</datastore>",
                    edit.datastore.identity()
                );
                if let Some(op) = edit.default_operation {
                    let _ = write!(
                        out,
                        "<default-operation>{}</default-operation>",
                        op.as_str()
                    );
                }
                let _ = write!(out, "<config>{}</config></edit-data>", edit.config);
            }
            Operation::CreateSubscription(sub) => {
                let _ = write!(out, "<create-subscription xmlns=\"{NS_NOTIFICATION}\">");
                if let Some(s) = &sub.stream {
                    let _ = write!(out, "<stream>{}</stream>", escape(s));
                }
                if let Some(f) = &sub.filter {
                    f.write(out);
                }
                if let Some(t) = &sub.start_time {
                    let _ = write!(out, "<startTime>{}</startTime>", escape(t));
                }
                if let Some(t) = &sub.stop_time {
                    let _ = write!(out, "<stopTime>{}</stopTime>", escape(t));
                }
                out.push_str("</create-subscription>");
            }
            Operation::PartialLock { select, namespaces } => {
                let _ = write!(out, "<partial-lock xmlns=\"{}\"", crate::ns::PARTIAL_LOCK);
                write_xmlns(out, namespaces);
                out.push('>');
                for expression in select {
                    let _ = write!(out, "<select>{}</select>", escape(expression));
                }
                out.push_str("</partial-lock>");
            }
            Operation::PartialUnlock { lock_id } => {
                let _ = write!(
                    out,
                    "<partial-unlock xmlns=\"{}\"><lock-id>{lock_id}</lock-id></partial-unlock>",
                    crate::ns::PARTIAL_LOCK
                );
            }
            Operation::Raw(xml) => out.push_str(xml),
        }
    }

    /// The complete `<rpc>` message with this message-id.
    pub fn to_rpc(&self, message_id: &str) -> String {
        let mut out = String::with_capacity(160);
        let _ = write!(
            out,
            "<rpc message-id=\"{}\" xmlns=\"{NS_BASE}\">",
            escape(message_id)
        );
        self.write_xml(&mut out);
        out.push_str("</rpc>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Hello;

    fn is_well_formed(xml: &str) -> bool {
        // Any well-formed <rpc> parses as a document with an rpc root; reuse the hello parser's
        // walker indirectly through quick-xml.
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    }

    #[test]
    fn every_operation_is_well_formed() {
        let ops = vec![
            Operation::Get {
                filter: Some(Filter::subtree("<interfaces xmlns=\"x\"/>")),
                with_defaults: Some(WithDefaults::ReportAllTagged),
            },
            Operation::GetConfig {
                source: Datastore::Running,
                filter: Some(Filter::xpath("/if:interfaces", &[("if", "urn:x")])),
                with_defaults: None,
            },
            Operation::EditConfig(EditConfig {
                target: Datastore::Candidate,
                default_operation: Some(DefaultOperation::None),
                test_option: Some(TestOption::TestThenSet),
                error_option: Some(ErrorOption::RollbackOnError),
                config: ConfigSource::Inline(format!(
                    "<a xmlns=\"urn:a\"{}/>",
                    EditAttributes {
                        operation: Some(EditOperation::Create),
                        insert: Some(Insert::Before("[name='x']".into())),
                        list: true
                    }
                    .render()
                )),
            }),
            Operation::CopyConfig {
                target: Datastore::Startup,
                source: Datastore::Running.into(),
                with_defaults: None,
            },
            Operation::DeleteConfig {
                target: Datastore::Startup,
            },
            Operation::Lock {
                target: Datastore::Url("file://a&b".into()),
            },
            Operation::Unlock {
                target: Datastore::Running,
            },
            Operation::Commit(Commit::default()),
            Operation::Commit(Commit {
                confirmed: true,
                confirm_timeout: Some(5),
                persist: Some("p<1>".into()),
                persist_id: None,
            }),
            Operation::CancelCommit {
                persist_id: Some("p".into()),
            },
            Operation::DiscardChanges,
            Operation::Validate {
                source: ConfigSource::Inline("<a xmlns=\"urn:a\"/>".into()),
            },
            Operation::CloseSession,
            Operation::KillSession { session_id: 4 },
            Operation::GetSchema {
                identifier: "ietf-interfaces".into(),
                version: Some("2014-05-08".into()),
                format: Some("yang".into()),
            },
            Operation::GetData(GetData {
                filter: Some(Filter::xpath("/sys:system", &[("sys", "urn:s")])),
                config_filter: Some(false),
                max_depth: Some(3),
                with_origin: true,
                with_defaults: Some(WithDefaults::Trim),
                origin_filter: Some(OriginFilter::Except(vec!["system".into()])),
                ..GetData::new(NmdaDatastore::Operational)
            }),
            Operation::EditData(EditData {
                datastore: NmdaDatastore::Running,
                default_operation: Some(DefaultOperation::Merge),
                config: "<a xmlns=\"urn:a\"/>".into(),
            }),
            Operation::CreateSubscription(CreateSubscription {
                stream: Some("NETCONF".into()),
                filter: Some(Filter::subtree("<x xmlns=\"urn:x\"/>")),
                start_time: Some("2026-01-01T00:00:00Z".into()),
                stop_time: None,
            }),
            Operation::PartialLock {
                select: vec!["/s:a[s:k='<x>']".into()],
                namespaces: vec![("s".into(), "urn:s".into())],
            },
            Operation::PartialUnlock { lock_id: 3 },
            Operation::Raw("<my-op xmlns=\"urn:m\"/>".into()),
        ];
        for op in ops {
            let rpc = op.to_rpc("7");
            assert!(is_well_formed(&rpc), "{} not well-formed: {rpc}", op.name());
            assert!(rpc.starts_with("<rpc message-id=\"7\""), "{rpc}");
        }
        // Hello round trip through the same namespace.
        let hello = Hello {
            capabilities: vec![crate::CAP_BASE_1_0.into()],
            session_id: None,
        };
        assert_eq!(Hello::parse(&hello.to_xml()).ok(), Some(hello));
    }

    #[test]
    fn commit_variants_render_their_parameters() {
        let confirmed = Operation::Commit(Commit {
            confirmed: true,
            confirm_timeout: Some(2),
            persist: Some("tok".into()),
            persist_id: None,
        })
        .to_rpc("1");
        assert!(confirmed.contains(
            "<commit><confirmed/><confirm-timeout>2</confirm-timeout><persist>tok</persist></commit>"
        ));
        let confirm = Operation::Commit(Commit {
            persist_id: Some("tok".into()),
            ..Commit::default()
        })
        .to_rpc("2");
        assert!(confirm.contains("<commit><persist-id>tok</persist-id></commit>"));
        assert!(Operation::Commit(Commit::default())
            .to_rpc("3")
            .contains("<commit/>"));
    }

    #[test]
    fn edit_attributes_declare_their_namespaces() {
        let leaf_list = EditAttributes {
            operation: None,
            insert: Some(Insert::After("b.example".into())),
            list: false,
        }
        .render();
        assert_eq!(
            leaf_list,
            format!(" xmlns:yang=\"{NS_YANG}\" yang:insert=\"after\" yang:value=\"b.example\"")
        );
        let delete = EditAttributes::operation(EditOperation::Delete).render();
        assert_eq!(
            delete,
            format!(" xmlns:nc=\"{NS_BASE}\" nc:operation=\"delete\"")
        );
    }

    #[test]
    fn values_are_escaped() {
        let rpc = Operation::GetSchema {
            identifier: "a<b&c".into(),
            version: None,
            format: None,
        }
        .to_rpc("x\"y");
        assert!(
            rpc.contains("<identifier>a&lt;b&amp;c</identifier>"),
            "{rpc}"
        );
        assert!(rpc.contains("message-id=\"x&quot;y\""), "{rpc}");
    }
}
