//! `<edit-config>` semantics (RFC 6241 §7.2) over element trees, by schema: list entries are
//! matched by their keys and leaf-list entries by value, using the schema's [`Shape`]; the
//! `operation` attribute (merge, replace, create, delete, remove) is inherited downwards;
//! `ordered-by user` entries are placed by `insert` (RFC 7950 §7.8.6, §7.7.9). No I/O, no
//! validation: the caller validates the whole result with libyang before it takes effect.

use rfc3535_wire::tree::Element;
use rfc3535_yang::{NodeKind, NodeShape, Shape};

/// An edit the datastore refuses, with the RFC 6241 error-tag it maps to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("{0} already exists")]
    DataExists(String),
    #[error("{0} does not exist")]
    DataMissing(String),
    #[error("{0} is not in the device's schema")]
    UnknownElement(String),
    #[error("{0} is state data and cannot be configured")]
    NotConfig(String),
    #[error("{path}: {message}")]
    BadAttribute { path: String, message: String },
}

impl EditError {
    pub fn tag(&self) -> rfc3535_wire::ErrorTag {
        use rfc3535_wire::ErrorTag;
        match self {
            EditError::DataExists(_) => ErrorTag::DataExists,
            EditError::DataMissing(_) => ErrorTag::DataMissing,
            EditError::UnknownElement(_) => ErrorTag::UnknownElement,
            EditError::NotConfig(_) => ErrorTag::InvalidValue,
            EditError::BadAttribute { .. } => ErrorTag::BadAttribute,
        }
    }
}

/// An `operation` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Merge,
    Replace,
    Create,
    Delete,
    Remove,
    /// `default-operation none`: only explicit operations act.
    None,
}

impl Operation {
    pub fn parse(text: &str) -> Option<Operation> {
        Some(match text {
            "merge" => Operation::Merge,
            "replace" => Operation::Replace,
            "create" => Operation::Create,
            "delete" => Operation::Delete,
            "remove" => Operation::Remove,
            "none" => Operation::None,
            _ => return None,
        })
    }
}

/// The NETCONF and YANG attributes an edit may carry, by local name.
const EDIT_ATTRIBUTES: [&str; 4] = ["operation", "insert", "key", "value"];

fn attribute<'a>(element: &'a Element, local: &str) -> Option<&'a str> {
    element
        .attributes
        .iter()
        .find(|(_, name, _)| name == local)
        .map(|(_, _, value)| value.as_str())
}

/// A copy without edit attributes, as the datastore keeps it.
fn stored(element: &Element) -> Element {
    Element {
        name: element.name.clone(),
        attributes: element
            .attributes
            .iter()
            .filter(|(_, local, _)| !EDIT_ATTRIBUTES.contains(&local.as_str()))
            .cloned()
            .collect(),
        text: if element.children.is_empty() {
            element.text.clone()
        } else {
            String::new()
        },
        children: element.children.iter().map(stored).collect(),
    }
}

fn key_text<'a>(entry: &'a Element, key: &str) -> Option<&'a str> {
    entry
        .children
        .iter()
        .find(|c| c.name.local == key)
        .map(|c| c.text.trim())
}

/// Whether `existing` is the instance `edit` addresses.
fn same_instance(shape: &NodeShape, existing: &Element, edit: &Element) -> bool {
    if existing.name != edit.name {
        return false;
    }
    match shape.kind {
        NodeKind::List => shape
            .keys
            .iter()
            .all(|k| key_text(existing, k) == key_text(edit, k)),
        NodeKind::LeafList => existing.text.trim() == edit.text.trim(),
        _ => true,
    }
}

fn describe(shape: &NodeShape, edit: &Element, parent: &str) -> String {
    let mut path = format!("{parent}/{}:{}", shape.module, shape.name);
    match shape.kind {
        NodeKind::List => {
            for key in &shape.keys {
                path.push_str(&format!(
                    "[{key}='{}']",
                    key_text(edit, key).unwrap_or_default()
                ));
            }
        }
        NodeKind::LeafList => path.push_str(&format!("[.='{}']", edit.text.trim())),
        _ => {}
    }
    path
}

/// Applies a `<config>` fragment to a datastore's top-level elements.
pub fn apply(
    datastore: &mut Vec<Element>,
    config: &[Element],
    default_operation: Operation,
    shape: &Shape,
) -> Result<(), EditError> {
    apply_level(datastore, config, default_operation, &shape.roots, "")
}

fn apply_level(
    siblings: &mut Vec<Element>,
    edits: &[Element],
    inherited: Operation,
    nodes: &[NodeShape],
    parent: &str,
) -> Result<(), EditError> {
    for edit in edits {
        let Some(node) = nodes
            .iter()
            .find(|n| n.name == edit.name.local && n.namespace == edit.name.namespace)
        else {
            return Err(EditError::UnknownElement(format!(
                "{parent}/{{{}}}{}",
                edit.name.namespace, edit.name.local
            )));
        };
        let path = describe(node, edit, parent);
        if !node.config {
            return Err(EditError::NotConfig(path));
        }
        let operation = match attribute(edit, "operation") {
            Some(text) => match Operation::parse(text) {
                Some(op) if op != Operation::None => op,
                _ => {
                    return Err(EditError::BadAttribute {
                        path,
                        message: format!(
                            "operation {text:?} is none of merge, replace, create, delete, remove"
                        ),
                    })
                }
            },
            None => inherited,
        };
        let position = siblings.iter().position(|e| same_instance(node, e, edit));
        match (operation, position) {
            (Operation::Create, Some(_)) => return Err(EditError::DataExists(path)),
            (Operation::Delete, None) => return Err(EditError::DataMissing(path)),
            (Operation::Delete | Operation::Remove, Some(at)) => {
                siblings.remove(at);
            }
            (Operation::Remove, None) => {}
            (Operation::Replace, existing) => {
                if let Some(at) = existing {
                    siblings.remove(at);
                }
                place(siblings, node, stored(edit), edit, &path)?;
            }
            (Operation::Create, None) => {
                place(siblings, node, stored(edit), edit, &path)?;
            }
            (Operation::Merge | Operation::None, existing) => {
                let at = match existing {
                    Some(at) => {
                        if node.user_ordered && attribute(edit, "insert").is_some() {
                            let entry = siblings.remove(at);
                            place(siblings, node, entry, edit, &path)?
                        } else {
                            at
                        }
                    }
                    None if operation == Operation::None => {
                        // Only explicit operations below act; an ancestor that does not
                        // exist is created only if one of them creates something.
                        let mut shell = stored(edit);
                        shell.children.retain(|c| node.keys.contains(&c.name.local));
                        let mut probe = shell.clone();
                        apply_level(
                            &mut probe.children,
                            &edit.children,
                            Operation::None,
                            &node.children,
                            &path,
                        )?;
                        if probe != shell {
                            place(siblings, node, probe, edit, &path)?;
                        }
                        continue;
                    }
                    None => {
                        let mut shell = stored(edit);
                        if matches!(node.kind, NodeKind::Container { .. } | NodeKind::List) {
                            shell.children.retain(|c| node.keys.contains(&c.name.local));
                        }
                        place(siblings, node, shell, edit, &path)?
                    }
                };
                match node.kind {
                    NodeKind::Container { .. } | NodeKind::List => {
                        let children: Vec<Element> = edit
                            .children
                            .iter()
                            .filter(|c| {
                                !(node.kind == NodeKind::List
                                    && node.keys.contains(&c.name.local)
                                    && operation != Operation::None)
                            })
                            .cloned()
                            .collect();
                        apply_level(
                            &mut siblings[at].children,
                            &children,
                            operation,
                            &node.children,
                            &path,
                        )?;
                    }
                    NodeKind::Leaf | NodeKind::Opaque if operation != Operation::None => {
                        siblings[at] = stored(edit);
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Puts a new entry among its siblings, returning where: by `insert` for user-ordered
/// entries, else after the last sibling of the same name (or at the end).
fn place(
    siblings: &mut Vec<Element>,
    node: &NodeShape,
    entry: Element,
    edit: &Element,
    path: &str,
) -> Result<usize, EditError> {
    let same: Vec<usize> = siblings
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == entry.name)
        .map(|(i, _)| i)
        .collect();
    let after_last = same.last().map_or(siblings.len(), |i| i + 1);
    let at = match (node.user_ordered, attribute(edit, "insert")) {
        (false, _) | (true, None | Some("last")) => after_last,
        (true, Some("first")) => same.first().copied().unwrap_or(siblings.len()),
        (true, Some(how @ ("before" | "after"))) => {
            let anchor = match node.kind {
                NodeKind::List => attribute(edit, "key"),
                _ => attribute(edit, "value"),
            }
            .ok_or_else(|| EditError::BadAttribute {
                path: path.to_owned(),
                message: format!(
                    "insert=\"{how}\" needs a {} attribute",
                    if node.kind == NodeKind::List {
                        "key"
                    } else {
                        "value"
                    }
                ),
            })?;
            let found = same
                .iter()
                .copied()
                .find(|&i| matches_anchor(node, &siblings[i], anchor));
            let Some(i) = found else {
                return Err(EditError::BadAttribute {
                    path: path.to_owned(),
                    message: format!("the entry named by {anchor:?} does not exist"),
                });
            };
            if how == "before" {
                i
            } else {
                i + 1
            }
        }
        (true, Some(other)) => {
            return Err(EditError::BadAttribute {
                path: path.to_owned(),
                message: format!("insert {other:?} is none of first, last, before, after"),
            })
        }
    };
    siblings.insert(at, entry);
    Ok(at)
}

/// Whether a sibling is the one an `insert` anchor names: a leaf-list value, or a list key
/// predicate such as `[id='r1']` (prefixes on key names are ignored).
fn matches_anchor(node: &NodeShape, entry: &Element, anchor: &str) -> bool {
    if node.kind == NodeKind::LeafList {
        return entry.text.trim() == anchor;
    }
    let mut rest = anchor.trim();
    let mut any = false;
    while let Some(open) = rest.strip_prefix('[') {
        let Some(close) = open.find(']') else {
            return false;
        };
        let predicate = &open[..close];
        rest = open[close + 1..].trim_start();
        let Some((name, value)) = predicate.split_once('=') else {
            return false;
        };
        let name = name.trim();
        let name = name.rsplit(':').next().unwrap_or(name);
        let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
        if key_text(entry, name) != Some(value) {
            return false;
        }
        any = true;
    }
    any
}

/// Removes non-presence containers left with nothing in them (RFC 7950 §7.5.1: such a
/// container has no meaning of its own), bottom-up.
pub fn prune(elements: &mut Vec<Element>, nodes: &[NodeShape]) {
    elements.retain_mut(|element| {
        let Some(node) = nodes
            .iter()
            .find(|n| n.name == element.name.local && n.namespace == element.name.namespace)
        else {
            return true;
        };
        prune(&mut element.children, &node.children);
        !(node.kind == (NodeKind::Container { presence: false }) && element.children.is_empty())
    });
}
