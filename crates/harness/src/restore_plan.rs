//! The edits that take a configuration datastore back to what the run found, computed from
//! the difference of the two trees through the device's own schema: what the run created is
//! deleted (empty containers included: an operator's `diff` sees them), what it removed is
//! put back, a leaf it changed gets its value back, and a user-ordered list or leaf-list
//! whose entries differ in any way gets its parent replaced whole, so that its order is the
//! saved one too. Each edit is one XML document for `<edit-config>`'s `<config>`, with
//! RFC 6241 operation attributes. Pure: the caller reads and writes.
//!
//! List entries are matched by their keys and leaf-list entries by value, as the schema says;
//! nodes the schema does not know are matched by name.

use rfc3535_client::wire::ns::BASE as NETCONF_BASE;
use rfc3535_client::wire::tree::Element;
use rfc3535_yang::{NodeKind, NodeShape, Shape};

/// An RFC 6241 §7.2 operation a restore edit uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Delete,
    Replace,
    /// No attribute: merged into what is there.
    Merge,
}

/// The edits, in order, that turn `now` into `saved`; empty when they are the same.
pub fn restore_plan(shape: &Shape, saved: &[Element], now: &[Element]) -> Vec<String> {
    let mut edits = Vec::new();
    let roots = |e: &Element| shape.root(&e.name.namespace, &e.name.local);
    siblings(&roots, saved, now, &[], &mut edits);
    edits.iter().map(Element::to_xml).collect()
}

/// What identifies a node among its siblings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    namespace: String,
    name: String,
    /// Key leaf values of a list entry; the value of a leaf-list entry.
    values: Vec<String>,
}

fn identity(element: &Element, shape: Option<&NodeShape>) -> Identity {
    let values = match shape.map(|s| (s.kind, &s.keys)) {
        Some((NodeKind::List, keys)) => keys
            .iter()
            .map(|key| {
                element
                    .children
                    .iter()
                    .find(|c| c.name.local == *key)
                    .map(|c| c.text.trim().to_owned())
                    .unwrap_or_default()
            })
            .collect(),
        Some((NodeKind::LeafList, _)) => vec![element.text.trim().to_owned()],
        _ => Vec::new(),
    };
    Identity {
        namespace: element.name.namespace.clone(),
        name: element.name.local.clone(),
        values,
    }
}

/// Compares the children `saved` and `now` of one parent (the datastore itself when
/// `ancestors` is empty) and records the edits.
fn siblings<'s>(
    shape_of: &dyn Fn(&Element) -> Option<&'s NodeShape>,
    saved: &[Element],
    now: &[Element],
    ancestors: &[Element],
    edits: &mut Vec<Element>,
) {
    // A user-ordered list or leaf-list whose entries differ at all: the parent is replaced
    // whole (the order is part of the configuration).
    if let Some(parent) = ancestors.last() {
        let reordered = saved.iter().chain(now).any(|e| {
            shape_of(e).is_some_and(|s| {
                s.user_ordered && {
                    let sequence = |list: &[Element]| -> Vec<Identity> {
                        list.iter()
                            .filter(|x| x.name == e.name)
                            .map(|x| identity(x, Some(s)))
                            .collect()
                    };
                    sequence(saved) != sequence(now)
                }
            })
        });
        if reordered {
            let mut whole = parent.clone();
            whole.children = saved.to_vec();
            edits.push(wrap(
                &ancestors[..ancestors.len() - 1],
                with_operation(whole, Operation::Replace),
            ));
            return;
        }
    }
    let mut unmatched: Vec<&Element> = saved.iter().collect();
    for current in now {
        let shape = shape_of(current);
        let id = identity(current, shape);
        let found = unmatched
            .iter()
            .position(|s| identity(s, shape_of(s)) == id);
        let Some(index) = found else {
            // Created by the run: deleted, with its identity.
            edits.push(wrap(
                ancestors,
                with_operation(bare(current, shape), Operation::Delete),
            ));
            continue;
        };
        let before = unmatched.remove(index);
        let is_leaf = matches!(
            shape.map(|s| s.kind),
            Some(NodeKind::Leaf | NodeKind::LeafList | NodeKind::Opaque)
        ) || (before.children.is_empty() && current.children.is_empty());
        if is_leaf {
            if before.text.trim() != current.text.trim() || before.children != current.children {
                edits.push(wrap(
                    ancestors,
                    with_operation(before.clone(), Operation::Merge),
                ));
            }
            continue;
        }
        let mut path = ancestors.to_vec();
        path.push(bare(current, shape));
        let children =
            |child: &Element| shape.and_then(|s| s.child(&child.name.namespace, &child.name.local));
        siblings(&children, &before.children, &current.children, &path, edits);
    }
    // Removed by the run: put back whole.
    for missing in unmatched {
        edits.push(wrap(
            ancestors,
            with_operation(missing.clone(), Operation::Merge),
        ));
    }
}

/// The node with only what identifies it (a list entry's keys), for paths and deletes.
fn bare(element: &Element, shape: Option<&NodeShape>) -> Element {
    let keys: &[String] = shape.map_or(&[], |s| &s.keys);
    Element {
        name: element.name.clone(),
        attributes: Vec::new(),
        text: if element.children.is_empty() {
            element.text.clone()
        } else {
            String::new()
        },
        children: element
            .children
            .iter()
            .filter(|c| keys.contains(&c.name.local))
            .cloned()
            .collect(),
    }
}

fn with_operation(mut element: Element, operation: Operation) -> Element {
    let value = match operation {
        Operation::Delete => "delete",
        Operation::Replace => "replace",
        Operation::Merge => return element,
    };
    element
        .attributes
        .retain(|(_, local, _)| local != "operation");
    element.attributes.push((
        NETCONF_BASE.to_owned(),
        "operation".to_owned(),
        value.to_owned(),
    ));
    element
}

/// The node under its ancestors (each with only its keys): one edit from the top.
fn wrap(ancestors: &[Element], node: Element) -> Element {
    ancestors.iter().rev().fold(node, |inner, ancestor| {
        let mut outer = ancestor.clone();
        outer.children.push(inner);
        outer
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "urn:example:sys";

    fn shape() -> Shape {
        let node = |name: &str, kind, user_ordered, keys: &[&str], children| NodeShape {
            module: "sys".into(),
            namespace: NS.into(),
            name: name.into(),
            kind,
            config: true,
            user_ordered,
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            default: None,
            text: true,
            conditional: false,
            children,
        };
        let leaf = |name: &str| node(name, NodeKind::Leaf, false, &[], Vec::new());
        Shape {
            roots: vec![node(
                "system",
                NodeKind::Container { presence: false },
                false,
                &[],
                vec![
                    leaf("location"),
                    node(
                        "dns",
                        NodeKind::Container { presence: false },
                        false,
                        &[],
                        vec![node("search", NodeKind::LeafList, true, &[], Vec::new())],
                    ),
                    node(
                        "server",
                        NodeKind::List,
                        false,
                        &["name"],
                        vec![leaf("name"), leaf("address")],
                    ),
                ],
            )],
        }
    }

    fn tree(xml: &str) -> Vec<Element> {
        Element::parse_fragment(xml).expect("test XML")
    }

    fn system(inner: &str) -> String {
        format!("<system xmlns=\"{NS}\">{inner}</system>")
    }

    /// The plan, each edit as a canonical tree (prefixes aside).
    fn plan(saved: &str, now: &str) -> Vec<String> {
        restore_plan(&shape(), &tree(saved), &tree(now))
            .iter()
            .map(|xml| {
                Element::parse(xml)
                    .expect("the edit is XML")
                    .canonical()
                    .replace(NETCONF_BASE, "nc")
            })
            .collect()
    }

    #[test]
    fn the_same_configuration_needs_no_edit() {
        let config =
            system("<location>x</location><server><name>a</name><address>1</address></server>");
        assert!(plan(&config, &config).is_empty());
    }

    #[test]
    fn an_empty_container_the_run_created_is_deleted() {
        let edits = plan("", &system("<dns/>"));
        assert_eq!(edits.len(), 1);
        assert!(
            edits[0].contains("system @{nc}operation=\"delete\""),
            "{edits:?}"
        );
        let edits = plan(
            &system("<location>x</location>"),
            &system("<location>x</location><dns/>"),
        );
        assert_eq!(edits.len(), 1);
        assert!(
            edits[0].contains("dns @{nc}operation=\"delete\""),
            "{edits:?}"
        );
    }

    #[test]
    fn a_changed_leaf_gets_its_value_back_and_a_removed_entry_comes_back_whole() {
        let saved =
            system("<location>x</location><server><name>a</name><address>1</address></server>");
        let now =
            system("<location>y</location><server><name>b</name><address>2</address></server>");
        let edits = plan(&saved, &now);
        assert_eq!(edits.len(), 3, "{edits:?}");
        assert!(edits[0].contains("location = \"x\""));
        // The entry the run added is deleted by its key alone.
        assert!(edits[1].contains("server @{nc}operation=\"delete\""));
        assert!(edits[1].contains("name = \"b\"") && !edits[1].contains("address"));
        assert!(edits[2].contains("name = \"a\"") && edits[2].contains("address = \"1\""));
    }

    #[test]
    fn a_user_ordered_leaf_list_that_differs_gets_its_parent_replaced() {
        let saved = system("<dns><search>a</search><search>b</search></dns>");
        let now = system("<dns><search>b</search><search>a</search></dns>");
        let edits = plan(&saved, &now);
        assert_eq!(edits.len(), 1, "{edits:?}");
        assert!(edits[0].contains("dns @{nc}operation=\"replace\""));
        let added =
            system("<dns><search>a</search><search>b</search><search>rfc3535-x</search></dns>");
        assert_eq!(plan(&saved, &added).len(), 1);
    }
}
