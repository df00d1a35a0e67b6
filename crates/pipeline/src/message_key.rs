//! Record keys and topic names for YANG telemetry in a message broker, as
//! draft-ietf-nmop-yang-message-broker-message-key-02 §3 defines them.
//!
//! A key is three lines: the node's name, the subscription id, and the concrete XPaths of the
//! data node instances a notification carries, sorted, deduplicated and joined by ` | `. They
//! come from the subscription's selection in three phases: a subtree filter is normalised to
//! XPath branches ([`normalise_subtree`], phase 1); each branch is resolved against the
//! publisher's schema into a template whose list keys are pinned by the filter or left open
//! ([`KeyTemplates::derive`], phase 2); each notification's data fills the open keys
//! ([`KeyTemplates::concrete_paths`], phase 3). A topic name is a template's schema path with
//! module names replaced by their YANG prefixes and flattened ([`topic_name`]).
//!
//! Hand-written: no crate implements the draft. The data walk reads RFC 7951 JSON, what the
//! pipeline publishes. Updates are keyed by the instances they carry; a notification that
//! carries no datastore contents (a state change, a YANG Patch of changes) by the
//! subscription's templates as they stand, open keys left as the draft's `%s`, which the
//! draft does not cover.

use rfc3535_wire::tree::Element;
use rfc3535_wire::xpath::{literal, push_step};
use rfc3535_yang::{NodeKind, NodeShape, Shape};

/// What the key's third line joins its XPaths with.
const JOIN: &str = " | ";
/// The placeholder of an open key in a template.
const OPEN: &str = "%s";
/// Kafka's longest topic name.
pub const MAX_TOPIC: usize = 249;

/// Why a subscription's selection gives no key templates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the XPath {0:?} is not a path of module-qualified steps")]
    Syntax(String),
    #[error("{path:?}: no data node {step:?} in the publisher's schema")]
    Unresolved { path: String, step: String },
}

/// Phase 1 (§3.1.2.1): a subtree filter's content as XPath branches, every step prefixed with
/// its module's name. `module_of` names the module of an XML namespace.
pub fn normalise_subtree(
    filter: &[Element],
    module_of: &impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut branches = Vec::new();
    for element in filter {
        branches_of(element, String::new(), module_of, &mut branches);
    }
    let mut seen = std::collections::BTreeSet::new();
    branches.retain(|b| seen.insert(b.clone()));
    branches
}

fn branches_of(
    element: &Element,
    above: String,
    module_of: &impl Fn(&str) -> Option<String>,
    out: &mut Vec<String>,
) {
    let module = module_of(&element.name.namespace).unwrap_or_default();
    let qualified = |local: &str| format!("{module}:{local}");
    let mut step = format!("{above}/{}", qualified(&element.name.local));
    // Content match nodes become predicates; whitespace alone is no content (RFC 6241 §6.2.5).
    let (matches, rest): (Vec<&Element>, Vec<&Element>) = element
        .children
        .iter()
        .partition(|c| c.children.is_empty() && !c.text.trim().is_empty());
    for content in matches {
        step.push_str(&format!(
            "[{}={}]",
            qualified(&content.name.local),
            literal(content.text.trim())
        ));
    }
    if rest.is_empty() {
        out.push(step);
        return;
    }
    for child in rest {
        branches_of(child, step.clone(), module_of, out);
    }
}

/// One step of a template: a data node, the module it belongs to, and for a list its keys in
/// schema order (pinned to a value, or open), for a leaf-list target its value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    module: String,
    name: String,
    kind: StepKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum StepKind {
    Node,
    List(Vec<(String, Option<String>)>),
    LeafList(Option<String>),
}

/// What fills a predicate: given the step's index and the value the template pins, if any.
type PredicateValue<'a> = dyn FnMut(usize, Option<&str>) -> String + 'a;

/// One branch's template (§3.1.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    steps: Vec<Step>,
}

impl Template {
    /// The template as the draft writes it: minimal module prefixes, open keys as `%s`.
    pub fn render(&self) -> String {
        self.render_with(&mut |_, pinned| pinned.map_or_else(|| OPEN.to_owned(), str::to_owned))
    }

    /// Whether a key is left open, to be filled from each notification's data.
    pub fn is_open(&self) -> bool {
        self.steps.iter().any(|s| match &s.kind {
            StepKind::List(keys) => keys.iter().any(|(_, v)| v.is_none()),
            StepKind::LeafList(value) => value.is_none(),
            StepKind::Node => false,
        })
    }

    /// The schema data path: the template without predicates.
    pub fn schema_path(&self) -> String {
        self.render_path(None)
    }

    /// Renders with `value(step index, pinned value)` for each predicate's value.
    fn render_with(&self, value: &mut impl FnMut(usize, Option<&str>) -> String) -> String {
        self.render_path(Some(value))
    }

    /// The path with minimal module prefixes, and predicates when `value` gives their values.
    fn render_path(&self, mut value: Option<&mut PredicateValue<'_>>) -> String {
        let mut path = String::new();
        let mut module = "";
        for (index, step) in self.steps.iter().enumerate() {
            push_step(&mut path, &mut module, &step.module, &step.name);
            let Some(value) = value.as_mut() else {
                continue;
            };
            match &step.kind {
                StepKind::Node => {}
                StepKind::List(keys) => {
                    for (key, pinned) in keys {
                        let v = value(index, pinned.as_deref());
                        path.push_str(&format!("[{key}={}]", literal(&v)));
                    }
                }
                StepKind::LeafList(pinned) => {
                    let v = value(index, pinned.as_deref());
                    path.push_str(&format!("[.={}]", literal(&v)));
                }
            }
        }
        path
    }
}

/// The key templates of one subscription, and what goes on a key's first two lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTemplates {
    pub templates: Vec<Template>,
}

impl KeyTemplates {
    /// Phase 2 (§3.1.2.2): the templates of a subscription's XPath (module-name prefixes, as
    /// phase 1 writes them), resolved against the publisher's schema.
    pub fn derive(xpath: &str, shape: &Shape) -> Result<KeyTemplates, KeyError> {
        let templates = split_top_level(xpath, '|')
            .into_iter()
            .map(str::trim)
            .filter(|branch| !branch.is_empty())
            .map(|branch| template(branch, shape))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(KeyTemplates { templates })
    }

    /// Phase 3 (§3.1.2.3): the concrete XPaths of the data node instances in `data` (an
    /// update's datastore contents in RFC 7951 JSON), sorted and deduplicated. A template
    /// without open keys stands as it is.
    pub fn concrete_paths(&self, data: &serde_json::Value) -> Vec<String> {
        let mut paths = Vec::new();
        for template in &self.templates {
            if template.is_open() {
                let mut filled = Vec::new();
                walk(template, 0, data, "", &mut Vec::new(), &mut filled);
                paths.extend(filled);
            } else {
                paths.push(template.render());
            }
        }
        paths.sort();
        paths.dedup();
        paths
    }

    /// The templates as they stand, for a notification that carries no instances.
    pub fn rendered(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.templates.iter().map(Template::render).collect();
        paths.sort();
        paths.dedup();
        paths
    }
}

/// The message key (§3.1.1): three lines, no newline after the last.
pub fn message_key(node: &str, subscription_id: u32, paths: &[String]) -> Vec<u8> {
    format!("{node}\n{subscription_id}\n{}", paths.join(JOIN)).into_bytes()
}

/// A message key's three fields, as a consumer reads them (§3.1.3).
pub fn parse_message_key(key: &[u8]) -> Option<(String, u32, Vec<String>)> {
    let text = std::str::from_utf8(key).ok()?;
    let mut lines = text.split('\n');
    let node = lines.next()?.to_owned();
    let id = lines.next()?.parse().ok()?;
    let paths = lines.next()?.split(JOIN).map(str::to_owned).collect();
    lines.next().is_none().then_some((node, id, paths))
}

/// A topic name for a template (§3.2.1): its schema path, module names replaced by their
/// prefixes (`prefix_of`), flattened with `-`, after an optional organisation prefix, and
/// shortened with a hash of the path when it would be longer than Kafka allows.
pub fn topic_name(
    template: &Template,
    prefix_of: &impl Fn(&str) -> Option<String>,
    organisation: Option<&str>,
) -> String {
    let path = template.schema_path();
    let mut flat = String::new();
    for segment in path.trim_start_matches('/').split('/') {
        if !flat.is_empty() {
            flat.push('-');
        }
        match segment.split_once(':') {
            Some((module, name)) => {
                let prefix = prefix_of(module).unwrap_or_else(|| module.to_owned());
                flat.push_str(&format!("{prefix}-{name}"));
            }
            None => flat.push_str(segment),
        }
    }
    let name = match organisation {
        Some(organisation) => format!("{organisation}-{flat}"),
        None => flat,
    };
    if name.len() <= MAX_TOPIC {
        return name;
    }
    // The draft's overflow: cut at a `-` and add 8 hex digits of FNV-1a 64 of the schema
    // path (its first 8 of 16, the draft not saying which).
    let hash = format!("{:016x}", fnv1a64(path.as_bytes()));
    let budget = MAX_TOPIC - 9;
    let cut = name[..budget].rfind('-').unwrap_or(budget);
    format!("{}-{}", &name[..cut], &hash[..8])
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Splits on `separator` outside brackets, parentheses and quotes.
fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth -= 1,
            (None, c) if c == separator && depth == 0 => {
                parts.push(&text[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// One branch resolved against the schema.
fn template(branch: &str, shape: &Shape) -> Result<Template, KeyError> {
    let syntax = || KeyError::Syntax(branch.to_owned());
    let body = branch.strip_prefix('/').ok_or_else(syntax)?;
    let mut steps = Vec::new();
    let mut siblings: &[NodeShape] = &shape.roots;
    let mut module = String::new();
    let parts = split_top_level(body, '/');
    let last = parts.len().saturating_sub(1);
    for (index, part) in parts.into_iter().enumerate() {
        let (name_part, predicates) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        let (step_module, name) = match name_part.split_once(':') {
            Some((m, n)) => (m.to_owned(), n),
            None if !module.is_empty() => (module.clone(), name_part),
            None => return Err(syntax()),
        };
        let node = siblings
            .iter()
            .find(|n| n.module == step_module && n.name == name)
            .ok_or_else(|| KeyError::Unresolved {
                path: branch.to_owned(),
                step: name_part.to_owned(),
            })?;
        let predicates = parse_predicates(predicates).ok_or_else(syntax)?;
        let kind = match node.kind {
            NodeKind::List => StepKind::List(
                node.keys
                    .iter()
                    .map(|key| {
                        let pinned = predicates
                            .iter()
                            .find(|(k, _)| k.rsplit(':').next() == Some(key.as_str()))
                            .map(|(_, v)| v.clone());
                        (key.clone(), pinned)
                    })
                    .collect(),
            ),
            NodeKind::LeafList if index == last => StepKind::LeafList(
                predicates
                    .iter()
                    .find(|(k, _)| k == ".")
                    .map(|(_, v)| v.clone()),
            ),
            _ => StepKind::Node,
        };
        module.clone_from(&step_module);
        steps.push(Step {
            module: step_module,
            name: name.to_owned(),
            kind,
        });
        siblings = &node.children;
    }
    if steps.is_empty() {
        return Err(syntax());
    }
    Ok(Template { steps })
}

/// `[name='value']` predicates as (name, value); positional ones (`[3]`) are left out: they
/// pin no instance by key. `None`: not predicates.
fn parse_predicates(text: &str) -> Option<Vec<(String, String)>> {
    let mut predicates = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let inner_end = closing_bracket(rest)?;
        let inner = rest[1..inner_end].trim();
        rest = rest[inner_end + 1..].trim_start();
        if inner.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let (name, value) = inner.split_once('=')?;
        let value = value.trim();
        let unquoted = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))?;
        predicates.push((name.trim().to_owned(), unquoted.to_owned()));
    }
    Some(predicates)
}

/// Where the predicate opening `text` (at `[`) closes.
fn closing_bracket(text: &str) -> Option<usize> {
    if !text.starts_with('[') {
        return None;
    }
    let mut quote = None;
    for (at, c) in text.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ']') => return Some(at),
            _ => {}
        }
    }
    None
}

/// Walks `value` (the JSON at the template's step `index`, whose parent is of module
/// `parent_module`) and collects the concrete paths, `filled` holding the values found so far
/// for open keys, step by step.
fn walk(
    template: &Template,
    index: usize,
    value: &serde_json::Value,
    parent_module: &str,
    filled: &mut Vec<(usize, Vec<String>)>,
    out: &mut Vec<String>,
) {
    let Some(step) = template.steps.get(index) else {
        out.push(fill(template, filled));
        return;
    };
    let Some(object) = value.as_object() else {
        return;
    };
    // RFC 7951 §4: qualified where the module changes, plain below a node of the same one.
    let member = object
        .get(&format!("{}:{}", step.module, step.name))
        .or_else(|| (step.module == parent_module).then(|| object.get(&step.name))?);
    let Some(member) = member else { return };
    match &step.kind {
        StepKind::Node => walk(template, index + 1, member, &step.module, filled, out),
        StepKind::List(keys) => {
            for entry in member.as_array().into_iter().flatten() {
                let Some(values) = keys
                    .iter()
                    .map(|(key, pinned)| {
                        let found = entry.get(key).map(json_text)?;
                        pinned.as_ref().is_none_or(|p| *p == found).then_some(found)
                    })
                    .collect::<Option<Vec<String>>>()
                else {
                    continue;
                };
                filled.push((index, values));
                walk(template, index + 1, entry, &step.module, filled, out);
                filled.pop();
            }
        }
        StepKind::LeafList(pinned) => {
            for item in member.as_array().into_iter().flatten() {
                let text = json_text(item);
                if pinned.as_ref().is_some_and(|p| *p != text) {
                    continue;
                }
                filled.push((index, vec![text]));
                out.push(fill(template, filled));
                filled.pop();
            }
        }
    }
}

/// A leaf value as XPath compares it: a string's text, a number's or boolean's JSON text.
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The template with each step's values.
fn fill(template: &Template, filled: &[(usize, Vec<String>)]) -> String {
    let mut used: Vec<usize> = vec![0; template.steps.len()];
    template.render_with(&mut |index, pinned| {
        let values = filled.iter().find(|(i, _)| *i == index).map(|(_, v)| v);
        let n = used[index];
        used[index] += 1;
        values
            .and_then(|v| v.get(n).cloned())
            .or_else(|| pinned.map(str::to_owned))
            .unwrap_or_else(|| OPEN.to_owned())
    })
}

#[cfg(test)]
mod tests;
