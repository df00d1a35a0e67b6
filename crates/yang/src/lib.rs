//! The only crate that touches libyang (through `yang5`, built from source with `bundled`).
//!
//! It owns three things:
//! - [`Schema`]: a libyang context built from exactly the modules a device announces, read
//!   from one directory (the device's modules as it served them), with the features it
//!   announces. Nothing leaks in from the filesystem: the default search directories are off
//!   and the context carries no YANG library of its own.
//! - Validation of replies ([`Schema::validate`]) with datastore semantics: a configuration
//!   read may hold no `config false` node; a complete configuration must also satisfy
//!   mandatory nodes, leafrefs and `must`. Findings keep libyang's message, data path and
//!   app-tag.
//! - Replies to YANG-defined operations checked against the operation's output
//!   ([`Schema::validate_rpc_reply`]).
//! - Canonical comparison ([`Schema::differences`]): order counts only for `ordered-by user`
//!   lists and leaf-lists, namespaces are resolved, and defaults are not differences.
//!
//! - RESTCONF data ([`resource`]): api-paths resolved to data nodes, XML and JSON (RFC 7951)
//!   converted through the schema, a resource's body placed in its ancestors or cut out; and
//!   RESTCONF [`operation`]s' input and output checked and re-encoded.
//! - One compiled context per distinct module set in the process
//!   ([`Schema::shared_from_dir`]), shared by every device and thread that has those modules.
//! - The data [`shape`] of a schema (keys, ordering, defaults, config or state) as plain Rust,
//!   for a server that applies edits by schema.
//!
//! No I/O beyond reading the module directory; fetching modules from a device is the
//! caller's job.

pub mod operation;
mod print;
pub mod resource;
pub mod shape;
mod shared;

use std::path::Path;

pub use operation::OperationPart;
pub use resource::{api_path_of, Defaults, KeyValue, PathError, PathStep, ResourcePath, StepKind};
pub use shape::{NodeKind, NodeShape, Operation, ParentNode, Shape, TextNode};
pub use shared::SharedSchema;

use yang5::context::{Context, ContextFlags};
use yang5::data::{
    Data as _, DataDiffFlags, DataDiffOp, DataFormat, DataParserFlags, DataPrinterFlags, DataTree,
    DataValidationFlags,
};

/// A module to load: its name, revision and the features the device announces for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSpec {
    pub name: String,
    pub revision: Option<String>,
    pub features: Vec<String>,
}

/// Why a schema could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("libyang could not create a context: {0}")]
    Context(String),
    #[error("module {module} imports {import}, which is not among the device's modules")]
    MissingImport { module: String, import: String },
    #[error("module {module}{}: {message}", revision.as_deref().map(|r| format!("@{r}")).unwrap_or_default())]
    Module {
        module: String,
        revision: Option<String>,
        message: String,
    },
}

/// One thing wrong with a reply, as libyang reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub message: String,
    pub path: Option<String>,
    pub app_tag: Option<String>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(path) = &self.path {
            write!(f, " (at {path})")?;
        }
        if let Some(tag) = &self.app_tag {
            write!(f, " [app-tag {tag}]")?;
        }
        Ok(())
    }
}

impl From<yang5::Error> for Finding {
    fn from(error: yang5::Error) -> Self {
        Finding {
            message: error
                .msg
                .unwrap_or_else(|| format!("libyang error {}", error.errcode)),
            path: error.path,
            app_tag: error.apptag,
        }
    }
}

/// Why an `<rpc-reply>` was not found valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyCheck {
    /// No module of the schema has the operation's namespace.
    NoModule,
    /// The request's operation is not one the schema defines (or the request does not
    /// parse against it): the reply cannot be checked.
    UnknownOperation(String),
    /// The reply does not match the operation's output.
    Invalid(Finding),
}

/// What kind of data a reply holds, which decides how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A whole configuration datastore (`<get-config>` without a filter): no state, and every
    /// constraint holds.
    FullConfig,
    /// Part of a configuration datastore (a filtered read): no state, types and structure.
    PartialConfig,
    /// Configuration and state together (`<get>`, `<get-data>` of operational): types and
    /// structure.
    Data,
}

/// What an XPath expression selects in some data ([`Schema::select`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The selected nodes with everything below them and their ancestors (list keys
    /// included), as XML top-level elements: what an XPath filter returns (RFC 6241 §8.9).
    pub xml: String,
    /// The data path of each selected node (libyang's, with module-name prefixes), in
    /// document order: what a partial lock locks (RFC 5717 §2.4.1).
    pub paths: Vec<String>,
}

/// A difference between two data trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `create`, `delete` or `replace`, seen from the first tree to the second.
    pub operation: &'static str,
    pub path: String,
}

/// One change from one data tree to another, as a YANG Patch edit carries it (RFC 8072 §2.5):
/// what happened to which node, and the node as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `create`, `delete` or `replace`.
    pub operation: &'static str,
    /// The node's RESTCONF api-path (RFC 8040 §3.5.3), from the datastore's root.
    pub target: String,
    /// The node with everything below it, as XML: none for a delete.
    pub value: Option<String>,
}

/// The parser and validation flags for data of this kind.
pub(crate) fn parse_flags(content: Content) -> (DataParserFlags, DataValidationFlags) {
    match content {
        Content::FullConfig => (
            DataParserFlags::STRICT | DataParserFlags::NO_STATE,
            DataValidationFlags::NO_STATE | DataValidationFlags::PRESENT,
        ),
        Content::PartialConfig => (
            DataParserFlags::STRICT | DataParserFlags::NO_STATE | DataParserFlags::NO_VALIDATION,
            DataValidationFlags::empty(),
        ),
        Content::Data => (
            DataParserFlags::STRICT | DataParserFlags::NO_VALIDATION,
            DataValidationFlags::empty(),
        ),
    }
}

/// A device's schema: a libyang context with its modules loaded.
#[derive(Debug)]
pub struct Schema {
    context: Context,
    /// `name@revision` of every module the context holds, implemented or imported.
    pub modules: Vec<String>,
}

impl Schema {
    /// Builds a context from the module files (`name@revision.yang`) in `dir`, loading each
    /// module in `implemented` with its features; imports resolve from the same directory.
    pub fn from_dir(dir: &Path, implemented: &[ModuleSpec]) -> Result<Schema, SchemaError> {
        let flags = ContextFlags::NO_YANGLIBRARY | ContextFlags::DISABLE_SEARCHDIR_CWD;
        let mut context = Context::new(flags).map_err(|e| SchemaError::Context(e.to_string()))?;
        context
            .set_searchdir(dir)
            .map_err(|e| SchemaError::Context(format!("{}: {e}", dir.display())))?;
        if let Some((module, import)) = missing_imports(dir).into_iter().next() {
            return Err(SchemaError::MissingImport { module, import });
        }
        for module in implemented {
            let features: Vec<&str> = module.features.iter().map(String::as_str).collect();
            context
                .load_module(&module.name, module.revision.as_deref(), &features)
                .map_err(|e| SchemaError::Module {
                    module: module.name.clone(),
                    revision: module.revision.clone(),
                    message: Finding::from(e).to_string(),
                })?;
        }
        let modules = context
            .modules(true)
            .map(|m| match m.revision() {
                Some(revision) => format!("{}@{revision}", m.name()),
                None => m.name().to_owned(),
            })
            .collect();
        Ok(Schema { context, modules })
    }

    fn parse(&self, xml: &str, content: Content) -> Result<DataTree<'_>, Finding> {
        self.parse_as(xml, rfc3535_wire::restconf::Encoding::Xml, content)
    }

    /// Checks the content of a reply's `<data>` (a sequence of top-level elements).
    pub fn validate(&self, xml: &str, content: Content) -> Result<(), Finding> {
        self.parse(xml, content).map(|_| ())
    }

    /// The `prefix` statement of a module the schema holds (RFC 7950 §7.1.4).
    pub fn module_prefix(&self, module: &str) -> Option<String> {
        self.context
            .modules(false)
            .find(|m| m.name() == module)
            .map(|m| m.prefix().to_owned())
    }

    /// The name of the module a namespace belongs to.
    pub fn module_of_namespace(&self, namespace: &str) -> Option<String> {
        self.context
            .modules(false)
            .find(|m| m.namespace() == namespace)
            .map(|m| m.name().to_owned())
    }

    /// Whether a module the schema implements has this XML namespace: what an event or an
    /// operation in that namespace is checked against. One in no module's namespace is not the
    /// schema's to judge.
    pub fn implements_namespace(&self, namespace: &str) -> bool {
        self.context.get_module_implemented_ns(namespace).is_some()
    }

    /// Checks a whole `<notification>` message (RFC 5277 envelope with `eventTime`) against
    /// the schema: the event must be a notification some module defines, and its content
    /// must be valid.
    pub fn validate_notification(&self, xml: &str) -> Result<(), Finding> {
        yang5::data::DataTreeOwningRef::parse_netconf_notif_op(
            &self.context,
            xml,
            DataParserFlags::STRICT,
        )
        .map(|_| ())
        .map_err(Finding::from)
    }

    /// A whole `<notification>` message (RFC 5277 envelope) as RESTCONF's JSON event
    /// (RFC 8040 §6.4): `{"ietf-restconf:notification": {"eventTime": ..., "module:name":
    /// {...}}}`, the event printed by libyang.
    pub fn notification_json(&self, xml: &str) -> Result<String, Finding> {
        let notification = yang5::data::DataTreeOwningRef::parse_netconf_notif_op(
            &self.context,
            xml,
            DataParserFlags::empty(),
        )
        .map_err(Finding::from)?;
        let event = print::print(
            &notification.tree,
            DataFormat::JSON,
            DataPrinterFlags::WITH_SIBLINGS | DataPrinterFlags::SHRINK,
        )?;
        let event_time = rfc3535_wire::tree::Element::parse(xml)
            .ok()
            .and_then(|n| n.child("eventTime").map(|t| t.text.trim().to_owned()))
            .unwrap_or_default();
        rfc3535_wire::restconf::sse::json_notification(&event_time, &event).map_err(|e| Finding {
            message: format!("the event printed by libyang is no JSON object: {e}"),
            path: None,
            app_tag: None,
        })
    }

    /// Checks a RESTCONF JSON event (`ietf-restconf:notification`, RFC 8040 §6.4) against
    /// the schema, as [`Schema::validate_notification`] checks an XML one.
    pub fn validate_notification_json(&self, json: &str) -> Result<(), Finding> {
        yang5::data::DataTreeOwningRef::parse_restconf_notif_op(
            &self.context,
            json,
            DataFormat::JSON,
            DataParserFlags::STRICT,
        )
        .map(|_| ())
        .map_err(Finding::from)
    }

    /// Whether an XPath 1.0 expression selects anything in a whole `<notification>` message
    /// (RFC 5277 envelope): RESTCONF's stream `filter` (RFC 8040 §4.8.4), whose prefixes are
    /// module names, as libyang's are. An expression libyang cannot evaluate, and a message
    /// that is no notification of the schema, are findings.
    pub fn notification_selected(&self, xml: &str, expression: &str) -> Result<bool, Finding> {
        // yang5 hands the expression to C as a NUL-terminated string.
        if expression.contains('\0') {
            return Err(Finding {
                message: "the XPath expression holds a NUL character".into(),
                path: None,
                app_tag: None,
            });
        }
        let notification = yang5::data::DataTreeOwningRef::parse_netconf_notif_op(
            &self.context,
            xml,
            DataParserFlags::empty(),
        )
        .map_err(Finding::from)?;
        let selected = notification.find_xpath(expression).map_err(Finding::from)?;
        Ok(selected.count() > 0)
    }

    /// Checks an `<rpc-reply>` against the output the schema defines for the operation its
    /// `<rpc>` asked for (RFC 7950 §7.14): both are whole NETCONF messages. An operation in
    /// the namespace of no module of the schema is not the schema's to judge
    /// ([`ReplyCheck::NoModule`]); one its module does not define (a feature not announced)
    /// cannot be checked ([`ReplyCheck::UnknownOperation`]).
    pub fn validate_rpc_reply(
        &self,
        request: &str,
        operation_namespace: &str,
        reply: &str,
    ) -> Result<(), ReplyCheck> {
        if !self.implements_namespace(operation_namespace) {
            return Err(ReplyCheck::NoModule);
        }
        let mut operation = yang5::data::DataTreeOwningRef::parse_netconf_rpc_op(
            &self.context,
            request,
            DataParserFlags::empty(),
        )
        .map_err(|e| ReplyCheck::UnknownOperation(Finding::from(e).to_string()))?;
        operation
            .parse_netconf_reply_op(reply, DataParserFlags::STRICT)
            .map_err(|e| ReplyCheck::Invalid(Finding::from(e)))
    }

    /// An XPath expression whose XML namespace prefixes (bound by `bindings`, RFC 6241
    /// §8.9.1) are replaced by the names of the modules they stand for, as libyang reads
    /// them. A prefix nothing binds, or one that names no module of the schema, is a finding.
    pub fn module_prefixed(
        &self,
        expression: &str,
        bindings: &[(String, String)],
    ) -> Result<String, Finding> {
        rfc3535_wire::xpath::rewrite_prefixes(expression, |prefix| {
            let namespace = &bindings.iter().find(|(p, _)| p == prefix)?.1;
            self.context
                .modules(true)
                .find(|m| m.namespace() == namespace)
                .map(|m| m.name().to_owned())
        })
        .map_err(|e| Finding {
            message: format!("{e}, or it names no module of the schema"),
            path: None,
            app_tag: None,
        })
    }

    /// Evaluates an XPath 1.0 expression over `xml` (a sequence of top-level elements),
    /// with the XML namespace prefixes `bindings` declares (RFC 6241 §8.9.1). A result that
    /// is not a node-set, a prefix nothing binds or that names no module of the schema, and
    /// an expression libyang cannot evaluate are findings.
    pub fn select(
        &self,
        xml: &str,
        content: Content,
        expression: &str,
        bindings: &[(String, String)],
    ) -> Result<Selection, Finding> {
        let finding = |message: String| Finding {
            message,
            path: None,
            app_tag: None,
        };
        // yang5 hands the expression to C as a NUL-terminated string.
        if expression.contains('\0') {
            return Err(finding("the XPath expression holds a NUL character".into()));
        }
        let translated = self.module_prefixed(expression, bindings)?;
        let data = self.parse(xml, content)?;
        if data.reference().is_none() {
            return Ok(Selection::default());
        }
        let selected = data.find_xpath(&translated).map_err(Finding::from)?;
        let mut result = DataTree::new(&self.context);
        let mut paths = Vec::new();
        for node in selected {
            paths.push(node.path());
            let copy = node.duplicate(true).map_err(Finding::from)?;
            result.merge(&copy).map_err(Finding::from)?;
        }
        let xml = if result.reference().is_none() {
            String::new()
        } else {
            print::print(
                &result,
                DataFormat::XML,
                DataPrinterFlags::WITH_SIBLINGS | DataPrinterFlags::SHRINK,
            )?
        };
        Ok(Selection { xml, paths })
    }

    /// What differs between two replies of the same kind; empty when they are the same
    /// data. Order counts only within `ordered-by user` lists and leaf-lists.
    pub fn differences(
        &self,
        first: &str,
        second: &str,
        content: Content,
    ) -> Result<Vec<Difference>, Finding> {
        let first = self.parse(first, content)?;
        let second = self.parse(second, content)?;
        let diff = first
            .diff(&second, DataDiffFlags::empty())
            .map_err(Finding::from)?;
        Ok(diff
            .iter()
            .map(|(op, node)| Difference {
                operation: match op {
                    DataDiffOp::Create => "create",
                    DataDiffOp::Delete => "delete",
                    DataDiffOp::Replace => "replace",
                },
                path: node.path(),
            })
            .collect())
    }
}

impl Schema {
    /// The changes that turn the first tree into the second, one per node libyang's diff
    /// marks (a created or deleted subtree is one change), each with its api-path and, unless
    /// deleted, the node as the second tree holds it.
    pub fn changes(
        &self,
        first: &str,
        second: &str,
        content: Content,
    ) -> Result<Vec<Change>, Finding> {
        let first = self.parse(first, content)?;
        let second = self.parse(second, content)?;
        let diff = first
            .diff(&second, DataDiffFlags::empty())
            .map_err(Finding::from)?;
        let mut changes = Vec::new();
        for (op, node) in diff.iter() {
            let path = node.path();
            let (operation, value) = match op {
                DataDiffOp::Delete => ("delete", None),
                DataDiffOp::Create | DataDiffOp::Replace => {
                    let now = second.find_path(&path).map_err(Finding::from)?;
                    let value = print::print(&now, DataFormat::XML, DataPrinterFlags::SHRINK)?;
                    let operation = if matches!(op, DataDiffOp::Create) {
                        "create"
                    } else {
                        "replace"
                    };
                    (operation, Some(value))
                }
            };
            changes.push(Change {
                operation,
                target: resource::api_path_of(&path),
                value,
            });
        }
        Ok(changes)
    }
}

/// A token of YANG's statement syntax (RFC 7950 §6.1): a word, a quoted string's content,
/// or one of `{`, `}`, `;`. Comments are dropped.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Punctuation(char),
}

/// The tokens of a YANG text. Hand-written: libyang only reads whole modules, and the
/// harness needs a statement's argument from a text that may not compile.
fn tokens(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Word(std::mem::take(word)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                flush(&mut word, &mut tokens);
                let mut content = String::new();
                let mut escaped = false;
                for d in chars.by_ref() {
                    if c == '"' && d == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if d == c && !escaped {
                        break;
                    }
                    escaped = false;
                    content.push(d);
                }
                tokens.push(Token::Quoted(content));
            }
            '/' if chars.peek() == Some(&'/') => {
                flush(&mut word, &mut tokens);
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                flush(&mut word, &mut tokens);
                let mut previous = ' ';
                for d in chars.by_ref() {
                    if previous == '*' && d == '/' {
                        break;
                    }
                    previous = d;
                }
            }
            '{' | '}' | ';' => {
                flush(&mut word, &mut tokens);
                tokens.push(Token::Punctuation(c));
            }
            c if c.is_whitespace() => flush(&mut word, &mut tokens),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// A YANG library (RFC 8525 `yang-library` or RFC 7895 `modules-state`) served in JSON, as
/// XML. A RESTCONF server that answers only in JSON serves its library that way, and the
/// library is what its schema is built from, so it is read through libyang's own copy of
/// ietf-yang-library (2019-01-04, which keeps the deprecated `modules-state`) before any
/// schema of the device exists.
pub fn library_json_to_xml(json: &str) -> Result<String, Finding> {
    // libyang loads its ietf-yang-library into every context made without NO_YANGLIBRARY.
    let context =
        Context::new(ContextFlags::DISABLE_SEARCHDIR_CWD | ContextFlags::DISABLE_SEARCHDIRS)
            .map_err(Finding::from)?;
    let (parser, validation) = parse_flags(Content::Data);
    let tree = DataTree::parse_string(&context, json, DataFormat::JSON, parser, validation)
        .map_err(Finding::from)?;
    if tree.reference().is_none() {
        return Ok(String::new());
    }
    print::print(
        &tree,
        DataFormat::XML,
        DataPrinterFlags::WITH_SIBLINGS | DataPrinterFlags::SHRINK,
    )
}

/// The arguments of every statement with this keyword, wherever it stands.
fn statement_arguments(text: &str, keyword: &str) -> Vec<String> {
    let tokens = tokens(text);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let at_start = i == 0 || matches!(tokens[i - 1], Token::Punctuation(_));
        if at_start && *token == Token::Word(keyword.to_owned()) {
            if let Some(Token::Word(argument) | Token::Quoted(argument)) = tokens.get(i + 1) {
                out.push(argument.clone());
            }
        }
    }
    out
}

/// The module names a YANG text imports or includes. libyang reports a missing import only
/// as "parsing failed", and the harness must say which module is missing, so this reads the
/// statements itself: quoted strings and comments are skipped, and only `import` / `include`
/// at the start of a statement count.
pub fn dependencies(text: &str) -> Vec<String> {
    let mut out = statement_arguments(text, "import");
    out.extend(statement_arguments(text, "include"));
    out
}

/// The standard module directory: `$RFC3535_MODULES`, else `/usr/local/share/rfc3535/yang`
/// (scripts/setup-test-env fills it from the pyang package and Debian's libyuma-base).
pub fn standard_modules() -> std::path::PathBuf {
    std::env::var_os("RFC3535_MODULES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/usr/local/share/rfc3535/yang"))
}

/// The name a YANG text gives its module (or submodule), read as [`dependencies`] reads.
pub fn module_name(text: &str) -> Option<String> {
    statement_arguments(text, "module")
        .into_iter()
        .chain(statement_arguments(text, "submodule"))
        .next()
}

/// The argument of a module's `namespace` statement (RFC 7950 §7.1.3), quoted or not.
pub fn namespace(text: &str) -> Option<String> {
    statement_arguments(text, "namespace").into_iter().next()
}

/// The module name of a file `name@revision.yang` or `name.yang`.
fn module_of(file: &Path) -> Option<String> {
    let stem = file.file_name()?.to_str()?.strip_suffix(".yang")?;
    Some(stem.split('@').next().unwrap_or(stem).to_owned())
}

/// (module, import) pairs where the directory lacks the imported module. Modules libyang
/// carries itself (ietf-yang-types, ietf-inet-types, ...) count as present.
pub fn missing_imports(dir: &Path) -> Vec<(String, String)> {
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    let present: std::collections::HashSet<String> =
        files.iter().filter_map(|f| module_of(f)).collect();
    let mut missing = Vec::new();
    for file in &files {
        let (Some(module), Ok(text)) = (module_of(file), std::fs::read_to_string(file)) else {
            continue;
        };
        for import in dependencies(&text) {
            if !present.contains(&import) && !BUILT_IN.contains(&import.as_str()) {
                missing.push((module.clone(), import));
            }
        }
    }
    missing.sort();
    missing
}

/// Whether libyang carries this module itself.
pub fn is_built_in(module: &str) -> bool {
    BUILT_IN.contains(&module)
}

/// Modules libyang has compiled in, so a device need not serve them.
const BUILT_IN: &[&str] = &[
    "ietf-yang-metadata",
    "yang",
    "ietf-inet-types",
    "ietf-yang-types",
    "ietf-yang-schema-mount",
    "ietf-yang-structure-ext",
    "ietf-datastores",
    "ietf-yang-library",
];

#[cfg(test)]
mod tests;
