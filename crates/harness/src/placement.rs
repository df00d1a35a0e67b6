//! Where a reply's nodes sit in the device's own schema: configuration or state (RFC 7950
//! §7.21.1), and how deep. Pure functions over a reply's elements and the schema's shape,
//! for the steps that judge a configuration read, NMDA's `config-filter` and `max-depth`
//! (RFC 8526 §3.1.1). Nodes the schema does not know are left to the schema validation of
//! every reply, which reports them.

use rfc3535_client::wire::tree::Element;
use rfc3535_yang::{NodeKind, NodeShape, Shape};

/// The paths of `config false` nodes in `data` (the topmost of each state subtree): what a
/// configuration-only read must not hold.
pub fn state_nodes(shape: &Shape, data: &[Element]) -> Vec<String> {
    let mut found = Vec::new();
    walk(
        data,
        &|e| shape.root(&e.name.namespace, &e.name.local),
        "",
        &mut |node, path| {
            if node.config {
                Descend::Yes
            } else {
                found.push(path.to_owned());
                Descend::No
            }
        },
    );
    found
}

/// The paths of configuration leaves and leaf-lists in `data` that are not list keys: what a
/// state-only read must not hold. Containers and list entries of configuration may stand
/// there as ancestors of state, with their keys.
pub fn configuration_leaves(shape: &Shape, data: &[Element]) -> Vec<String> {
    let mut found = Vec::new();
    walk_keyed(
        data,
        &|e| shape.root(&e.name.namespace, &e.name.local),
        &[],
        "",
        &mut found,
    );
    found
}

fn walk_keyed<'s>(
    elements: &[Element],
    shape_of: &dyn Fn(&Element) -> Option<&'s NodeShape>,
    keys: &[String],
    path: &str,
    found: &mut Vec<String>,
) {
    for element in elements {
        let Some(node) = shape_of(element) else {
            continue;
        };
        let here = format!("{path}/{}", element.name.local);
        if !node.config {
            continue;
        }
        match node.kind {
            NodeKind::Leaf | NodeKind::LeafList if !keys.contains(&node.name) => found.push(here),
            NodeKind::Container { .. } | NodeKind::List => {
                let children =
                    |child: &Element| node.child(&child.name.namespace, &child.name.local);
                walk_keyed(&element.children, &children, &node.keys, &here, found);
            }
            _ => {}
        }
    }
}

/// The paths of nodes in `data` that lie deeper than `depth` levels (the top is level 1),
/// list keys of an entry at the last level aside: what a read with `max-depth` must not
/// hold.
pub fn deeper_than(shape: &Shape, data: &[Element], depth: usize) -> Vec<String> {
    let mut found = Vec::new();
    deeper(
        data,
        &|e| shape.root(&e.name.namespace, &e.name.local),
        1,
        depth,
        "",
        &mut found,
    );
    found
}

fn deeper<'s>(
    elements: &[Element],
    shape_of: &dyn Fn(&Element) -> Option<&'s NodeShape>,
    level: usize,
    depth: usize,
    path: &str,
    found: &mut Vec<String>,
) {
    for element in elements {
        let here = format!("{path}/{}", element.name.local);
        let node = shape_of(element);
        if level > depth {
            found.push(here);
            continue;
        }
        let keys: &[String] = node.map_or(&[], |n| &n.keys);
        let children =
            |child: &Element| node.and_then(|n| n.child(&child.name.namespace, &child.name.local));
        if level == depth {
            // Only an entry's keys may stand below the last level.
            for child in &element.children {
                if !keys.contains(&child.name.local) {
                    found.push(format!("{here}/{}", child.name.local));
                }
            }
        } else {
            deeper(&element.children, &children, level + 1, depth, &here, found);
        }
    }
}

/// Whether to look below a node.
enum Descend {
    Yes,
    No,
}

fn walk<'s>(
    elements: &[Element],
    shape_of: &dyn Fn(&Element) -> Option<&'s NodeShape>,
    path: &str,
    visit: &mut dyn FnMut(&NodeShape, &str) -> Descend,
) {
    for element in elements {
        let Some(node) = shape_of(element) else {
            continue;
        };
        let here = format!("{path}/{}", element.name.local);
        if let Descend::Yes = visit(node, &here) {
            let children = |child: &Element| node.child(&child.name.namespace, &child.name.local);
            walk(&element.children, &children, &here, visit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "urn:example:lab";

    fn node(name: &str, kind: NodeKind, config: bool, children: Vec<NodeShape>) -> NodeShape {
        NodeShape {
            module: "lab".into(),
            namespace: NS.into(),
            name: name.into(),
            kind,
            config,
            user_ordered: false,
            keys: if kind == NodeKind::List {
                vec!["name".into()]
            } else {
                Vec::new()
            },
            default: None,
            text: true,
            conditional: false,
            children,
        }
    }

    /// lab { mtu; counters (state) { in }; port* [name] { name; speed; status (state) } }
    fn shape() -> Shape {
        let leaf = |n: &str, config| node(n, NodeKind::Leaf, config, Vec::new());
        Shape {
            roots: vec![node(
                "lab",
                NodeKind::Container { presence: false },
                true,
                vec![
                    leaf("mtu", true),
                    node(
                        "counters",
                        NodeKind::Container { presence: false },
                        false,
                        vec![leaf("in", false)],
                    ),
                    node(
                        "port",
                        NodeKind::List,
                        true,
                        vec![
                            leaf("name", true),
                            leaf("speed", true),
                            leaf("status", false),
                        ],
                    ),
                ],
            )],
        }
    }

    fn data(xml: &str) -> Vec<Element> {
        Element::parse_fragment(&format!("<lab xmlns=\"{NS}\">{xml}</lab>")).expect("test XML")
    }

    #[test]
    fn state_nodes_are_found_at_any_depth() {
        let read = data("<mtu>1</mtu><counters><in>3</in></counters><port><name>a</name><status>up</status></port>");
        assert_eq!(
            state_nodes(&shape(), &read),
            ["/lab/counters", "/lab/port/status"]
        );
        assert!(state_nodes(&shape(), &data("<mtu>1</mtu>")).is_empty());
    }

    #[test]
    fn a_state_read_may_hold_configuration_ancestors_and_keys_only() {
        let state =
            data("<counters><in>3</in></counters><port><name>a</name><status>up</status></port>");
        assert!(configuration_leaves(&shape(), &state).is_empty());
        let mixed = data("<mtu>1</mtu><port><name>a</name><speed>10</speed></port>");
        assert_eq!(
            configuration_leaves(&shape(), &mixed),
            ["/lab/mtu", "/lab/port/speed"]
        );
    }

    #[test]
    fn depth_counts_from_the_top_and_spares_keys() {
        let shape = Shape {
            roots: vec![node(
                "port",
                NodeKind::List,
                true,
                vec![
                    node("name", NodeKind::Leaf, true, Vec::new()),
                    node("speed", NodeKind::Leaf, true, Vec::new()),
                ],
            )],
        };
        let entries = Element::parse_fragment(&format!(
            "<port xmlns=\"{NS}\"><name>a</name></port><port xmlns=\"{NS}\"><name>b</name><speed>1</speed></port>"
        ))
        .expect("test XML");
        assert_eq!(deeper_than(&shape, &entries, 1), ["/port/speed"]);
        assert!(deeper_than(&shape, &entries, 2).is_empty());
        let lab = data("<mtu>1</mtu>");
        assert_eq!(deeper_than(&self::shape(), &lab, 1), ["/lab/mtu"]);
        assert!(deeper_than(&self::shape(), &data(""), 1).is_empty());
    }
}
