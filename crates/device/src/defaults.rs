//! With-defaults (RFC 6243): how a read shows leaves that hold their schema default. The
//! device keeps what clients wrote, so its basic mode is `explicit`; `report-all` adds the
//! defaults of every leaf whose parent exists (non-presence containers are created for
//! them), `report-all-tagged` does the same and marks every leaf holding its default with
//! `wd:default="true"`, and `trim` leaves out every leaf holding its default.
//!
//! Defaults are taken from the schema's shape, which looks through choices: a default inside
//! a case other than the default case would be reported too. None of the device's modules
//! has one.

use rfc3535_wire::tree::Element;
use rfc3535_wire::xml::QualifiedName;
use rfc3535_yang::{NodeKind, NodeShape};

/// The namespace of the `default` attribute (RFC 6243 §6).
pub(crate) use rfc3535_wire::ns::DEFAULT_ATTRIBUTE as DEFAULT_ATTRIBUTE_NS;
pub(crate) use rfc3535_wire::ns::WITH_DEFAULTS as WITH_DEFAULTS_NS;

/// The with-defaults modes, as the wire model names them.
pub use rfc3535_wire::WithDefaults as Mode;

/// The data as a read in this mode shows it.
pub fn apply(data: &mut Vec<Element>, roots: &[NodeShape], mode: Mode) {
    if mode == Mode::Explicit {
        return;
    }
    if matches!(mode, Mode::ReportAll | Mode::ReportAllTagged) {
        for root in roots.iter().filter(|r| r.config) {
            let present = data
                .iter()
                .any(|e| e.name.local == root.name && e.name.namespace == root.namespace);
            if !present && root.kind == (NodeKind::Container { presence: false }) {
                let mut container = element(root, String::new());
                add_defaults(&mut container, root, mode);
                if !container.children.is_empty() {
                    data.push(container);
                }
            }
        }
    }
    walk(data, roots, mode);
}

fn element(node: &NodeShape, text: String) -> Element {
    Element {
        name: QualifiedName {
            namespace: node.namespace.clone(),
            local: node.name.clone(),
        },
        attributes: Vec::new(),
        text,
        children: Vec::new(),
    }
}

fn tag(leaf: &mut Element) {
    if leaf
        .attributes
        .iter()
        .any(|(p, l, _)| p == "wd" && l == "default")
    {
        return;
    }
    leaf.attributes.push((
        "xmlns".to_owned(),
        "wd".to_owned(),
        DEFAULT_ATTRIBUTE_NS.to_owned(),
    ));
    leaf.attributes
        .push(("wd".to_owned(), "default".to_owned(), "true".to_owned()));
}

/// Adds the missing defaults under an existing element (report modes).
fn add_defaults(parent: &mut Element, node: &NodeShape, mode: Mode) {
    for child in node.children.iter().filter(|c| c.config) {
        let present = parent
            .children
            .iter()
            .any(|e| e.name.local == child.name && e.name.namespace == child.namespace);
        if present {
            continue;
        }
        match (&child.kind, &child.default) {
            (NodeKind::Leaf, Some(default)) => {
                let mut leaf = element(child, default.clone());
                if mode == Mode::ReportAllTagged {
                    tag(&mut leaf);
                }
                parent.children.push(leaf);
            }
            (NodeKind::Container { presence: false }, _) => {
                let mut container = element(child, String::new());
                add_defaults(&mut container, child, mode);
                if !container.children.is_empty() {
                    parent.children.push(container);
                }
            }
            _ => {}
        }
    }
}

fn walk(elements: &mut Vec<Element>, nodes: &[NodeShape], mode: Mode) {
    let node_of = |e: &Element| {
        nodes
            .iter()
            .find(|n| n.name == e.name.local && n.namespace == e.name.namespace)
    };
    let mut kept = Vec::with_capacity(elements.len());
    for mut element in std::mem::take(elements) {
        let Some(node) = node_of(&element) else {
            kept.push(element);
            continue;
        };
        let holds_default = node.kind == NodeKind::Leaf
            && node
                .default
                .as_deref()
                .is_some_and(|d| d == element.text.trim());
        match mode {
            Mode::Trim if holds_default => continue,
            Mode::ReportAllTagged if holds_default => tag(&mut element),
            _ => {}
        }
        if !element.children.is_empty()
            || matches!(node.kind, NodeKind::Container { .. } | NodeKind::List)
        {
            if matches!(mode, Mode::ReportAll | Mode::ReportAllTagged) {
                add_defaults(&mut element, node, mode);
            }
            walk(&mut element.children, &node.children, mode);
        }
        kept.push(element);
    }
    *elements = kept;
}
