//! RESTCONF data through the schema (RFC 8040 §3.5.3, RFC 7951): an api-path resolved to the
//! data node it names, a resource's body re-encoded between XML and JSON, a body placed inside
//! its ancestors so that it parses as whole data, and a resource cut out of whole data.
//!
//! Everything here goes through libyang; no XML is turned into JSON by hand. The one thing
//! written by hand is the ancestors' wrapper around a body (names, namespaces and key values
//! that the api-path gives), because libyang's parser takes no parent for a subtree.

use percent_encoding::percent_decode_str;
use rfc3535_wire::restconf::Encoding;
use rfc3535_wire::xpath::literal;
use yang5::data::{Data as _, DataFormat, DataPrinterFlags, DataTree};
use yang5::schema::{DataValueType, SchemaNode, SchemaNodeKind};

use crate::{Content, Finding, Schema};

/// An api-path that names no data node of the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Not an api-path: a first step without its module, keys that do not fit the list,
    /// bytes that are not UTF-8 (a server answers 400).
    #[error("{api_path}: {message}")]
    Malformed { api_path: String, message: String },
    /// Well-formed, but the schema has no such module or node (a server answers 404).
    #[error("{api_path}: {message}")]
    Unknown { api_path: String, message: String },
}

impl PathError {
    /// What is wrong, without the path.
    pub fn message(&self) -> &str {
        match self {
            PathError::Malformed { message, .. } | PathError::Unknown { message, .. } => message,
        }
    }
}

/// What kind of data node a path step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Container,
    List,
    Leaf,
    LeafList,
    /// anydata or anyxml.
    Any,
    /// An action tied to the node above (RFC 7950 §7.15): only ever the last step, which a
    /// POST invokes (RFC 8040 §3.6).
    Action,
}

/// A key value of a list entry (or the value of a leaf-list entry), with how RFC 7951 §6
/// writes it in JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key leaf's name; `.` for a leaf-list entry's own value.
    pub name: String,
    /// The value, percent-decoded.
    pub value: String,
    /// Whether JSON writes it as a number (8- to 32-bit integers) or `true`/`false`.
    pub json_bare: bool,
}

/// One step of an api-path: a data node and, for a list or leaf-list entry, its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    pub module: String,
    pub namespace: String,
    pub name: String,
    pub kind: StepKind,
    /// Empty unless the step names one entry.
    pub keys: Vec<KeyValue>,
    /// For a list, the names of its keys in the `key` statement's order.
    pub key_names: Vec<String>,
}

/// A resolved api-path: the steps from the top of the datastore to the resource. No steps is
/// the datastore itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourcePath {
    pub steps: Vec<PathStep>,
}

impl ResourcePath {
    /// The libyang data path (module-name prefixes where the module changes, key predicates):
    /// `/ietf-system:system/dns-resolver/server[name='a']`.
    pub fn data_path(&self) -> String {
        self.data_path_to(self.steps.len())
    }

    /// The data path of the first `count` steps.
    pub fn data_path_to(&self, count: usize) -> String {
        let mut out = String::new();
        let mut module = "";
        for step in &self.steps[..count.min(self.steps.len())] {
            rfc3535_wire::xpath::push_step(&mut out, &mut module, &step.module, &step.name);
            for key in &step.keys {
                out.push_str(&format!("[{}={}]", key.name, literal(&key.value)));
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// Whether the path names the datastore itself.
    pub fn is_datastore(&self) -> bool {
        self.steps.is_empty()
    }

    /// The last step: the resource itself.
    pub fn target(&self) -> Option<&PathStep> {
        self.steps.last()
    }
}

impl Schema {
    /// Resolves an api-path (the part after `{+restconf}/data/`, percent-encoded as sent) to
    /// the data node it names. A first step without its module, a module or node the schema
    /// does not have, and keys that do not match the list's are findings, with the step.
    pub fn resource_path(&self, api_path: &str) -> Result<ResourcePath, PathError> {
        let finding = |message: String| PathError::Malformed {
            api_path: api_path.to_owned(),
            message,
        };
        let unknown = |message: String| PathError::Unknown {
            api_path: api_path.to_owned(),
            message,
        };
        let mut path = ResourcePath::default();
        let trimmed = api_path.trim_start_matches('/');
        if trimmed.is_empty() {
            return Ok(path);
        }
        let mut schema_path = String::new();
        let mut module = String::new();
        let segments: Vec<&str> = trimmed.split('/').collect();
        for (index, &segment) in segments.iter().enumerate() {
            let (name_part, keys_part) = match segment.split_once('=') {
                Some((name, keys)) => (name, Some(keys)),
                None => (segment, None),
            };
            let name_part = percent_decode_str(name_part)
                .decode_utf8()
                .map_err(|e| finding(format!("step {segment:?} is not UTF-8: {e}")))?;
            let (step_module, name) = match name_part.split_once(':') {
                Some((m, n)) => (m.to_owned(), n.to_owned()),
                None if module.is_empty() => {
                    return Err(finding(format!(
                        "the first step {name_part:?} names no module (RFC 8040 §3.5.3)"
                    )))
                }
                None => (module.clone(), name_part.to_string()),
            };
            if name.is_empty() || name.contains(['[', ']', '\'', '"', ' ']) {
                return Err(finding(format!("step {segment:?} is not a node name")));
            }
            if step_module != module {
                schema_path.push_str(&format!("/{step_module}:{name}"));
            } else {
                schema_path.push_str(&format!("/{name}"));
            }
            let node = self
                .context
                .find_path(&schema_path)
                .map_err(|_| unknown(format!("the schema has no data node {schema_path}")))?;
            let kind = match node.kind() {
                SchemaNodeKind::Container => StepKind::Container,
                SchemaNodeKind::List => StepKind::List,
                SchemaNodeKind::Leaf => StepKind::Leaf,
                SchemaNodeKind::LeafList => StepKind::LeafList,
                SchemaNodeKind::AnyData | SchemaNodeKind::AnyXml => StepKind::Any,
                SchemaNodeKind::Action if index + 1 == segments.len() && keys_part.is_none() => {
                    StepKind::Action
                }
                other => {
                    return Err(unknown(format!(
                        "{schema_path} is a {other:?}, not a data resource"
                    )))
                }
            };
            let keys = match keys_part {
                None => Vec::new(),
                Some(keys) => entry_keys(&node, kind, keys)
                    .map_err(|m| finding(format!("{schema_path}: {m}")))?,
            };
            let key_names = if kind == StepKind::List {
                node.list_keys().map(|k| k.name().to_owned()).collect()
            } else {
                Vec::new()
            };
            path.steps.push(PathStep {
                key_names,
                namespace: node.module().namespace().to_owned(),
                module: step_module.clone(),
                name,
                kind,
                keys,
            });
            module = step_module;
        }
        Ok(path)
    }

    /// Re-encodes whole data (a sequence of top-level nodes, as a datastore holds them).
    pub fn convert(
        &self,
        text: &str,
        from: Encoding,
        to: Encoding,
        content: Content,
    ) -> Result<String, Finding> {
        self.convert_with(text, from, to, content, Defaults::AsParsed)
    }

    /// Checks whole data in either encoding against the schema, as [`Schema::convert`] reads
    /// it, without printing it again.
    pub fn validate_encoded(
        &self,
        text: &str,
        encoding: Encoding,
        content: Content,
    ) -> Result<(), Finding> {
        self.parse_as(text, encoding, content).map(|_| ())
    }

    /// [`Schema::convert`], printing defaults as `defaults` says.
    pub fn convert_with(
        &self,
        text: &str,
        from: Encoding,
        to: Encoding,
        content: Content,
        defaults: Defaults,
    ) -> Result<String, Finding> {
        self.convert_flagged(text, from, to, content, defaults.flags())
    }

    /// [`Schema::convert`] of data cut short (by RESTCONF's `depth` or `fields`): a container
    /// the cut left empty prints as one, as a depth-limited answer shows it (RFC 8040
    /// §4.8.2), where whole data leaves an empty non-presence container out.
    pub fn convert_cut(
        &self,
        text: &str,
        from: Encoding,
        to: Encoding,
        content: Content,
    ) -> Result<String, Finding> {
        self.convert_flagged(text, from, to, content, DataPrinterFlags::KEEP_EMPTY_CONT)
    }

    /// Re-encodes whole data, printed with these printer flags besides the usual ones.
    fn convert_flagged(
        &self,
        text: &str,
        from: Encoding,
        to: Encoding,
        content: Content,
        flags: DataPrinterFlags,
    ) -> Result<String, Finding> {
        let tree = self.parse_as(text, from, content)?;
        print_flagged(&tree, to, flags)
    }

    /// Parses whole data in either encoding with the checks `content` asks for.
    pub(crate) fn parse_as(
        &self,
        text: &str,
        encoding: Encoding,
        content: Content,
    ) -> Result<DataTree<'_>, Finding> {
        let (parser, validation) = crate::parse_flags(content);
        DataTree::parse_string(&self.context, text, format(encoding), parser, validation)
            .map_err(Finding::from)
    }

    /// The body of a resource as whole data: the body placed inside the ancestors that the
    /// first `depth` steps of `path` name (their keys included), in the body's encoding.
    /// For a PUT the body is the target itself (`depth` = all steps but the last); for a POST
    /// it is a child of the target (`depth` = all steps).
    pub fn place(
        &self,
        body: &str,
        encoding: Encoding,
        path: &ResourcePath,
        depth: usize,
    ) -> String {
        let steps = &path.steps[..depth.min(path.steps.len())];
        match encoding {
            Encoding::Xml => {
                let mut open = String::new();
                let mut close = String::new();
                let mut namespace = "";
                for step in steps {
                    open.push('<');
                    open.push_str(&step.name);
                    if step.namespace != namespace {
                        open.push_str(&format!(
                            " xmlns=\"{}\"",
                            rfc3535_wire::xml::escape(&step.namespace)
                        ));
                        namespace = &step.namespace;
                    }
                    open.push('>');
                    for key in step.keys.iter().filter(|k| k.name != ".") {
                        open.push_str(&format!(
                            "<{0}>{1}</{0}>",
                            key.name,
                            rfc3535_wire::xml::escape(&key.value)
                        ));
                    }
                    close.insert_str(0, &format!("</{}>", step.name));
                }
                format!("{open}{body}{close}")
            }
            Encoding::Json => {
                // The body is one object whose members are module-qualified (RFC 7951 §4);
                // nested here they keep their qualification, which libyang reads.
                let inner = body.trim();
                let inner = inner
                    .strip_prefix('{')
                    .and_then(|i| i.strip_suffix('}'))
                    .unwrap_or(inner)
                    .trim();
                format!("{{{}}}", json_members(steps, inner, ""))
            }
        }
    }

    /// The resource `path` names in whole data, printed as RESTCONF returns it (RFC 8040
    /// §3.5): the node with everything below it, no ancestors, its name module-qualified in
    /// JSON. `None` when the data has no such node; for the datastore itself, all of it.
    pub fn resource(
        &self,
        whole: &str,
        whole_encoding: Encoding,
        content: Content,
        path: &ResourcePath,
        to: Encoding,
    ) -> Result<Option<String>, Finding> {
        self.resource_with(whole, whole_encoding, content, path, to, Defaults::AsParsed)
    }

    /// [`Schema::resource`], printing defaults as `defaults` says.
    pub fn resource_with(
        &self,
        whole: &str,
        whole_encoding: Encoding,
        content: Content,
        path: &ResourcePath,
        to: Encoding,
        defaults: Defaults,
    ) -> Result<Option<String>, Finding> {
        let tree = self.parse_as(whole, whole_encoding, content)?;
        if path.is_datastore() {
            return print(&tree, to, defaults).map(Some);
        }
        if tree.reference().is_none() {
            return Ok(None);
        }
        let nodes = tree.find_xpath(&path.data_path()).map_err(Finding::from)?;
        let mut printed = Vec::new();
        for node in nodes {
            let text = print_subtree(&node, to, defaults)?;
            if !text.trim().is_empty() {
                printed.push(text);
            }
        }
        if printed.is_empty() {
            return Ok(None);
        }
        Ok(Some(match to {
            Encoding::Xml => printed.concat(),
            Encoding::Json if printed.len() == 1 => printed.remove(0).trim().to_owned(),
            Encoding::Json => merge_json_objects(&printed),
        }))
    }
}

fn format(encoding: Encoding) -> DataFormat {
    match encoding {
        Encoding::Xml => DataFormat::XML,
        Encoding::Json => DataFormat::JSON,
    }
}

/// How a print shows the defaults of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defaults {
    /// As the data holds them: what was given is printed, defaults libyang added are not.
    AsParsed,
    /// Every default, each tagged `default="true"` (RFC 6243 `report-all-tagged`; in JSON
    /// the `ietf-netconf-with-defaults:default` annotation, RFC 8040 §4.8.9).
    AllTagged,
}

/// libyang's `LYD_PRINT_WD_ALL_TAG` (printer_data.h), which yang5 does not name.
const PRINT_WD_ALL_TAG: u32 = 0x40;

impl Defaults {
    fn flags(self) -> DataPrinterFlags {
        match self {
            Defaults::AsParsed => DataPrinterFlags::empty(),
            Defaults::AllTagged => DataPrinterFlags::from_bits_retain(PRINT_WD_ALL_TAG),
        }
    }
}

/// Prints whole data; an empty tree is `""` in XML and `{}` in JSON.
fn print(tree: &DataTree<'_>, to: Encoding, defaults: Defaults) -> Result<String, Finding> {
    print_flagged(tree, to, defaults.flags())
}

/// [`print`] with these printer flags besides the usual ones.
fn print_flagged(
    tree: &DataTree<'_>,
    to: Encoding,
    flags: DataPrinterFlags,
) -> Result<String, Finding> {
    if tree.reference().is_none() {
        return Ok(match to {
            Encoding::Xml => String::new(),
            Encoding::Json => "{}".to_owned(),
        });
    }
    let printed = crate::print::print(
        tree,
        format(to),
        DataPrinterFlags::WITH_SIBLINGS | DataPrinterFlags::SHRINK | flags,
    )?;
    // Data that is only implicit defaults prints as nothing.
    Ok(match (to, printed.trim().is_empty()) {
        (Encoding::Json, true) => "{}".to_owned(),
        _ => printed,
    })
}

/// Prints one node with its subtree; an empty container prints as one (RFC 8040 §4.8.2's
/// `depth=1` answer), and a default that was never set as nothing.
fn print_subtree(
    node: &yang5::data::DataNodeRef<'_>,
    to: Encoding,
    defaults: Defaults,
) -> Result<String, Finding> {
    crate::print::print(
        node,
        format(to),
        DataPrinterFlags::SHRINK | DataPrinterFlags::KEEP_EMPTY_CONT | defaults.flags(),
    )
}

/// Several one-member JSON objects of the same list as one object whose member holds every
/// entry (`{"m:list":[a]}` + `{"m:list":[b]}` = `{"m:list":[a,b]}`).
fn merge_json_objects(objects: &[String]) -> String {
    let mut name = None;
    let mut entries = Vec::new();
    for object in objects {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(object)
        else {
            continue;
        };
        for (key, value) in map {
            name.get_or_insert(key);
            match value {
                serde_json::Value::Array(items) => entries.extend(items),
                other => entries.push(other),
            }
        }
    }
    let mut top = serde_json::Map::new();
    if let Some(name) = name {
        top.insert(name, serde_json::Value::Array(entries));
    }
    serde_json::Value::Object(top).to_string()
}

/// The members of an object that holds `steps` one inside the other, `inner` innermost.
fn json_members(steps: &[PathStep], inner: &str, parent_module: &str) -> String {
    let Some((step, rest)) = steps.split_first() else {
        return inner.to_owned();
    };
    let name = if step.module != parent_module {
        format!("{}:{}", step.module, step.name)
    } else {
        step.name.clone()
    };
    let child = json_members(rest, inner, &step.module);
    if step.kind == StepKind::List {
        let mut members: Vec<String> = step
            .keys
            .iter()
            .map(|k| format!("{}:{}", json_string(&k.name), json_value(k)))
            .collect();
        if !child.is_empty() {
            members.push(child);
        }
        format!("{}:[{{{}}}]", json_string(&name), members.join(","))
    } else {
        format!("{}:{{{child}}}", json_string(&name))
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

fn json_value(key: &KeyValue) -> String {
    if key.json_bare {
        key.value.clone()
    } else {
        json_string(&key.value)
    }
}

/// The keys of one entry from the `=k1,k2` part of a step (RFC 8040 §3.5.3.1: values are
/// comma-separated and percent-encoded, in the order of the list's `key` statement).
fn entry_keys(node: &SchemaNode<'_>, kind: StepKind, keys: &str) -> Result<Vec<KeyValue>, String> {
    let values = keys
        .split(',')
        .map(|v| {
            percent_decode_str(v)
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|e| format!("a key value is not UTF-8: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    match kind {
        StepKind::LeafList => {
            if values.len() != 1 {
                return Err(format!(
                    "a leaf-list entry has one value, not {}",
                    values.len()
                ));
            }
            Ok(vec![KeyValue {
                name: ".".into(),
                value: values.into_iter().next().unwrap_or_default(),
                json_bare: json_bare(node),
            }])
        }
        StepKind::List => {
            let key_nodes: Vec<SchemaNode<'_>> = node.list_keys().collect();
            if key_nodes.is_empty() {
                return Err("a list without keys has no entry to name".into());
            }
            if key_nodes.len() != values.len() {
                return Err(format!(
                    "the list has {} key(s) ({}), the step gives {}",
                    key_nodes.len(),
                    key_nodes
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                    values.len()
                ));
            }
            Ok(key_nodes
                .iter()
                .zip(values)
                .map(|(key, value)| KeyValue {
                    name: key.name().to_owned(),
                    value,
                    json_bare: json_bare(key),
                })
                .collect())
        }
        _ => Err("only a list or leaf-list entry takes key values".into()),
    }
}

/// Whether RFC 7951 §6 writes a leaf's value bare (numbers up to 32 bits, booleans).
fn json_bare(node: &SchemaNode<'_>) -> bool {
    let Some(leaf_type) = node.leaf_type() else {
        return false;
    };
    let base = match leaf_type.leafref_real_type() {
        Some(real) => real.base_type(),
        None => leaf_type.base_type(),
    };
    matches!(
        base,
        DataValueType::Int8
            | DataValueType::Int16
            | DataValueType::Int32
            | DataValueType::Uint8
            | DataValueType::Uint16
            | DataValueType::Uint32
            | DataValueType::Bool
    )
}

/// The RESTCONF api-path (RFC 8040 §3.5.3) of a node libyang names by its data path
/// (`/m:list[k='a,b']/leaf` becomes `/m:list=a%2Cb/leaf`; a leaf-list entry's `[.='v']`
/// becomes `=v`). Hand-written: libyang prints no api-paths. Key values are percent-encoded
/// where RFC 8040 §3.5.3 reserves the character.
pub fn api_path_of(data_path: &str) -> String {
    let mut out = String::with_capacity(data_path.len());
    let mut chars = data_path.chars().peekable();
    let mut first_key = true;
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                // [name='value'] or [.="value"]: skip to the quote, read the value.
                let mut quote = None;
                for c in chars.by_ref() {
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                        break;
                    }
                }
                let Some(quote) = quote else { break };
                let mut value = String::new();
                for c in chars.by_ref() {
                    if c == quote {
                        break;
                    }
                    value.push(c);
                }
                // The closing bracket.
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
                out.push(if first_key { '=' } else { ',' });
                first_key = false;
                out.push_str(
                    &percent_encoding::utf8_percent_encode(&value, API_PATH_RESERVED).to_string(),
                );
            }
            '/' => {
                first_key = true;
                out.push('/');
            }
            other => out.push(other),
        }
    }
    out
}

/// What a key value in an api-path must percent-encode (RFC 8040 §3.5.3: the reserved
/// characters of RFC 3986 §2.2, and the percent sign itself).
const API_PATH_RESERVED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b':')
    .add(b'/')
    .add(b'?')
    .add(b'#')
    .add(b'[')
    .add(b']')
    .add(b'@')
    .add(b'!')
    .add(b'$')
    .add(b'&')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'*')
    .add(b'+')
    .add(b',')
    .add(b';')
    .add(b'=');
