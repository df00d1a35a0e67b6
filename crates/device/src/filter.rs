//! Subtree filtering (RFC 6241 §6): containment nodes select what is below them, content
//! match nodes (a leaf with text) select siblings whose leaf has that value, selection nodes
//! (empty) select the node with everything below it. Namespaces count; a filter element in
//! no namespace matches any namespace (§6.2.1 allows a filter without one).

use rfc3535_wire::tree::Element;

fn name_matches(filter: &Element, data: &Element) -> bool {
    names(filter, &data.name.namespace, &data.name.local)
}

/// Whether a filter node names the node `local` in `namespace`.
pub(crate) fn names(filter: &Element, namespace: &str, local: &str) -> bool {
    filter.name.local == local
        && (filter.name.namespace.is_empty() || filter.name.namespace == namespace)
}

/// The parts of `data` (top-level elements) that the filter selects.
pub fn apply(data: &[Element], filter: &[Element]) -> Vec<Element> {
    select(data, filter)
}

fn select(data: &[Element], filter: &[Element]) -> Vec<Element> {
    let mut out = Vec::new();
    for node in data {
        let mut kept: Option<Element> = None;
        for f in filter.iter().filter(|f| name_matches(f, node)) {
            if let Some(selected) = select_one(node, f) {
                kept = Some(match kept {
                    None => selected,
                    Some(mut merged) => {
                        for child in selected.children {
                            if !merged.children.contains(&child) {
                                merged.children.push(child);
                            }
                        }
                        merged
                    }
                });
            }
        }
        if let Some(mut element) = kept {
            // Keep the data's order of children.
            let order = |e: &Element| node.children.iter().position(|c| c == e);
            element.children.sort_by_key(order);
            out.push(element);
        }
    }
    out
}

fn select_one(node: &Element, filter: &Element) -> Option<Element> {
    if filter.children.is_empty() {
        let wanted = filter.text.trim();
        return if wanted.is_empty() || node.text.trim() == wanted {
            Some(node.clone())
        } else {
            None
        };
    }
    let (matches, others): (Vec<&Element>, Vec<&Element>) = filter
        .children
        .iter()
        .partition(|f| f.children.is_empty() && !f.text.trim().is_empty());
    for content in &matches {
        let hit = node
            .children
            .iter()
            .any(|c| name_matches(content, c) && c.text.trim() == content.text.trim());
        if !hit {
            return None;
        }
    }
    let mut children: Vec<Element> = node
        .children
        .iter()
        .filter(|c| matches.iter().any(|m| name_matches(m, c)))
        .cloned()
        .collect();
    if others.is_empty() {
        // Only content matches: the whole entry is selected.
        return Some(node.clone());
    }
    let owned: Vec<Element> = others.into_iter().cloned().collect();
    let below = select(&node.children, &owned);
    if below.is_empty() && matches.is_empty() {
        // A containment node whose selection finds nothing is not in the result.
        return None;
    }
    children.extend(below);
    Some(Element {
        children,
        ..node.clone()
    })
}
