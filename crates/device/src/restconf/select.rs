//! What the `depth` and `fields` query parameters (RFC 8040 §4.8.2, §4.8.3) leave of a read:
//! both cut an element tree (the resource as XML, before it is printed in the encoding asked
//! for), guided by the schema's shape for list keys and module names.
//!
//! A list entry keeps its keys wherever it is kept: at the last level `depth` allows, and on
//! the way to fields beneath it. Without them the entry would name no instance and the answer
//! would not be valid data of the schema (RFC 8040 leaves this open; keys are what a client
//! needs to ask for the entry next).

use rfc3535_wire::restconf::query::{FieldPath, Fields};
use rfc3535_wire::tree::Element;
use rfc3535_yang::{NodeKind, NodeShape};

/// The shape of `element` among `siblings`.
fn shape_of<'s>(siblings: &'s [NodeShape], element: &Element) -> Option<&'s NodeShape> {
    siblings
        .iter()
        .find(|n| n.name == element.name.local && n.namespace == element.name.namespace)
}

/// Whether `child` is a key of the list entry `shape` describes.
fn is_key(shape: Option<&NodeShape>, child: &Element) -> bool {
    shape.is_some_and(|s| {
        s.kind == NodeKind::List
            && s.namespace == child.name.namespace
            && s.keys.contains(&child.name.local)
    })
}

/// Cuts `elements` (at level `level`, the resource's own nodes being level 1) below level
/// `levels`.
pub(crate) fn limit_depth(
    elements: &mut [Element],
    siblings: &[NodeShape],
    level: u16,
    levels: u16,
) {
    for element in elements {
        let shape = shape_of(siblings, element);
        if level >= levels {
            element.children.retain(|c| is_key(shape, c));
        } else {
            let children = shape.map(|s| s.children.as_slice()).unwrap_or_default();
            limit_depth(&mut element.children, children, level + 1, levels);
        }
    }
}

/// One selector still being matched: the steps left of a field path, and what is wanted
/// beneath its end.
#[derive(Clone, Copy)]
struct Selector<'f> {
    steps: &'f [String],
    beneath: Option<&'f Fields>,
}

fn selectors(fields: &Fields) -> Vec<Selector<'_>> {
    fields
        .0
        .iter()
        .map(|FieldPath { steps, beneath }| Selector {
            steps,
            beneath: beneath.as_ref(),
        })
        .collect()
}

/// Whether a field path step (`name` or `module:name`) names this node.
fn step_names(step: &str, element: &Element, shape: Option<&NodeShape>) -> bool {
    match step.split_once(':') {
        Some((module, name)) => {
            name == element.name.local && shape.is_some_and(|s| s.module == module)
        }
        None => step == element.name.local,
    }
}

/// Keeps, of the children of `parent` (whose shape is `parent_shape`; `None` for the
/// datastore, whose children are `roots`), only what `fields` selects and the keys of list
/// entries. With `depth`, each selected node counts as level 1 (RFC 8040 §4.8.2) and what is
/// below it is cut accordingly.
pub(crate) fn select_fields(
    children: &mut Vec<Element>,
    child_shapes: &[NodeShape],
    parent_shape: Option<&NodeShape>,
    fields: &Fields,
    depth: Option<u16>,
) {
    keep_selected(
        children,
        child_shapes,
        parent_shape,
        &selectors(fields),
        depth,
    );
}

fn keep_selected(
    children: &mut Vec<Element>,
    child_shapes: &[NodeShape],
    parent_shape: Option<&NodeShape>,
    wanted: &[Selector<'_>],
    depth: Option<u16>,
) {
    children.retain_mut(|child| {
        if is_key(parent_shape, child) {
            return true;
        }
        let shape = shape_of(child_shapes, child);
        let mut whole = false;
        let mut deeper: Vec<Selector<'_>> = Vec::new();
        for selector in wanted {
            let Some((first, rest)) = selector.steps.split_first() else {
                continue;
            };
            if !step_names(first, child, shape) {
                continue;
            }
            match (rest.is_empty(), selector.beneath) {
                (false, _) => deeper.push(Selector {
                    steps: rest,
                    beneath: selector.beneath,
                }),
                (true, Some(beneath)) => deeper.extend(selectors(beneath)),
                (true, None) => whole = true,
            }
        }
        if whole {
            if let Some(levels) = depth {
                limit_depth(std::slice::from_mut(child), child_shapes, 1, levels);
            }
            return true;
        }
        if deeper.is_empty() {
            return false;
        }
        let grandchildren = shape.map(|s| s.children.as_slice()).unwrap_or_default();
        keep_selected(&mut child.children, grandchildren, shape, &deeper, depth);
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, kind: NodeKind, keys: &[&str], children: Vec<NodeShape>) -> NodeShape {
        NodeShape {
            module: "ex".to_owned(),
            namespace: "urn:ex".to_owned(),
            name: name.to_owned(),
            kind,
            config: true,
            user_ordered: false,
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            default: None,
            text: true,
            conditional: false,
            children,
        }
    }

    fn leaf(name: &str) -> NodeShape {
        node(name, NodeKind::Leaf, &[], Vec::new())
    }

    /// top { name; box { item* [id] { id; size } } }
    fn shapes() -> Vec<NodeShape> {
        let item = node(
            "item",
            NodeKind::List,
            &["id"],
            vec![leaf("id"), leaf("size")],
        );
        let container = NodeKind::Container { presence: false };
        let boxed = node("box", container, &[], vec![item]);
        vec![node("top", container, &[], vec![leaf("name"), boxed])]
    }

    fn data() -> Vec<Element> {
        Element::parse_fragment(
            "<top xmlns=\"urn:ex\"><name>n</name><box><item><id>1</id><size>9</size></item><item><id>2</id><size>8</size></item></box></top>",
        )
        .expect("xml")
    }

    fn xml(elements: &[Element]) -> String {
        rfc3535_wire::tree::fragment_xml(elements)
    }

    #[test]
    fn depth_cuts_below_its_level_and_list_entries_keep_their_keys() {
        let mut one = data();
        limit_depth(&mut one, &shapes(), 1, 1);
        assert_eq!(xml(&one), "<top xmlns=\"urn:ex\"/>");
        let mut two = data();
        limit_depth(&mut two, &shapes(), 1, 2);
        assert_eq!(
            xml(&two),
            "<top xmlns=\"urn:ex\"><name>n</name><box/></top>"
        );
        let mut three = data();
        limit_depth(&mut three, &shapes(), 1, 3);
        assert_eq!(
            xml(&three),
            "<top xmlns=\"urn:ex\"><name>n</name><box><item><id>1</id></item><item><id>2</id></item></box></top>"
        );
        let mut all = data();
        limit_depth(&mut all, &shapes(), 1, 4);
        assert_eq!(xml(&all), xml(&data()));
    }

    #[test]
    fn fields_keep_what_they_name_with_keys_on_the_way() {
        let shapes = shapes();
        let select = |expression: &str| {
            let mut top = data();
            let fields = Fields::parse(expression).expect("fields");
            select_fields(
                &mut top[0].children,
                &shapes[0].children,
                Some(&shapes[0]),
                &fields,
                None,
            );
            xml(&top)
        };
        assert_eq!(select("name"), "<top xmlns=\"urn:ex\"><name>n</name></top>");
        assert_eq!(
            select("box/item/size"),
            "<top xmlns=\"urn:ex\"><box><item><id>1</id><size>9</size></item><item><id>2</id><size>8</size></item></box></top>"
        );
        assert_eq!(select("box(item(id))"), select("box/item/id"));
        assert_eq!(select("ex:name;box/item/id"), "<top xmlns=\"urn:ex\"><name>n</name><box><item><id>1</id></item><item><id>2</id></item></box></top>");
        assert_eq!(select("other:name"), "<top xmlns=\"urn:ex\"/>");
        assert_eq!(select("absent"), "<top xmlns=\"urn:ex\"/>");
        // The datastore: top-level nodes by module-qualified name.
        let mut roots = data();
        select_fields(
            &mut roots,
            &shapes,
            None,
            &Fields::parse("ex:top/name").expect("parses"),
            None,
        );
        assert_eq!(xml(&roots), "<top xmlns=\"urn:ex\"><name>n</name></top>");
        // With depth, a selected node is level 1.
        let mut box_only = data();
        select_fields(
            &mut box_only,
            &shapes,
            None,
            &Fields::parse("ex:top/box").expect("parses"),
            Some(2),
        );
        assert_eq!(
            xml(&box_only),
            "<top xmlns=\"urn:ex\"><box><item><id>1</id></item><item><id>2</id></item></box></top>"
        );
    }
}
