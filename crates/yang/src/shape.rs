//! The shape of a schema's data tree, as plain Rust: for every data node its namespace, name,
//! kind, whether it is configuration, its list keys, its ordering and its default. Choices and
//! cases are transparent (their nodes appear where they sit in instance data). A server that
//! applies edits by schema (the reference device) reads this instead of calling libyang at
//! every step; libyang still validates the result.

use yang5::schema::{SchemaNode, SchemaNodeKind};

use crate::Schema;

/// What a data node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Container {
        presence: bool,
    },
    List,
    LeafList,
    Leaf,
    /// anydata or anyxml: content is kept as it came.
    Opaque,
}

/// One data node of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeShape {
    pub module: String,
    pub namespace: String,
    pub name: String,
    pub kind: NodeKind,
    /// Configuration (true) or state (false).
    pub config: bool,
    /// `ordered-by user` (lists and leaf-lists).
    pub user_ordered: bool,
    /// Key leaf names of a list, in key order.
    pub keys: Vec<String>,
    /// The canonical default value of a leaf, if it has one.
    pub default: Option<String>,
    /// A leaf or leaf-list whose type is a string (any text can be written to it).
    pub text: bool,
    /// Whether the node exists only under a condition: it has a `when`, or sits in a case
    /// of a choice. Its default is then not always in force (RFC 7950 §7.6.1).
    pub conditional: bool,
    pub children: Vec<NodeShape>,
}

impl NodeShape {
    /// The child with this namespace and name.
    pub fn child(&self, namespace: &str, name: &str) -> Option<&NodeShape> {
        find(&self.children, namespace, name)
    }
}

/// The top-level data nodes of every implemented module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub roots: Vec<NodeShape>,
}

/// A configuration node a harness could write text to without creating anything else: its
/// module's namespace and the path of element names down to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextNode {
    pub namespace: String,
    pub path: Vec<String>,
}

/// How far below the top a writable text node is looked for.
const TEXT_NODE_DEPTH: usize = 4;

/// Names of leaves that hold free text by convention, preferred as writable text nodes.
const FREE_TEXT_NAMES: [&str; 5] = ["description", "location", "contact", "comment", "note"];

impl Shape {
    pub fn root(&self, namespace: &str, name: &str) -> Option<&NodeShape> {
        find(&self.roots, namespace, name)
    }

    /// Configuration text leaves (with `leaf_lists`, user-ordered text leaf-lists) reachable
    /// from the top through containers without presence only, so that writing one creates no
    /// list entry and no presence container; free-text names first.
    pub fn text_nodes(&self, leaf_lists: bool) -> Vec<TextNode> {
        let mut found = Vec::new();
        for root in &self.roots {
            collect_text_nodes(root, &mut Vec::new(), leaf_lists, &mut found);
        }
        let rank = |node: &TextNode| {
            let last = node.path.last().map(String::as_str).unwrap_or_default();
            let free = FREE_TEXT_NAMES.iter().any(|n| last.contains(n));
            (!free, node.path.len())
        };
        found.sort_by_key(rank);
        found
    }
}

fn collect_text_nodes(
    node: &NodeShape,
    above: &mut Vec<String>,
    leaf_lists: bool,
    found: &mut Vec<TextNode>,
) {
    if !node.config || above.len() >= TEXT_NODE_DEPTH {
        return;
    }
    let wanted = match node.kind {
        NodeKind::Leaf => !leaf_lists && node.text,
        NodeKind::LeafList => leaf_lists && node.text && node.user_ordered,
        _ => false,
    };
    above.push(node.name.clone());
    if wanted {
        found.push(TextNode {
            namespace: node.namespace.clone(),
            path: above.clone(),
        });
    }
    if node.kind == (NodeKind::Container { presence: false }) {
        for child in &node.children {
            collect_text_nodes(child, above, leaf_lists, found);
        }
    }
    above.pop();
}

fn find<'a>(nodes: &'a [NodeShape], namespace: &str, name: &str) -> Option<&'a NodeShape> {
    nodes
        .iter()
        .find(|n| n.name == name && n.namespace == namespace)
}

/// The data nodes under a schema node, with choices and cases looked through.
fn data_children<'a>(nodes: impl Iterator<Item = SchemaNode<'a>>, out: &mut Vec<NodeShape>) {
    data_children_within(nodes, false, out);
}

/// [`data_children`], marking every node found as conditional when `in_choice`.
fn data_children_within<'a>(
    nodes: impl Iterator<Item = SchemaNode<'a>>,
    in_choice: bool,
    out: &mut Vec<NodeShape>,
) {
    for node in nodes {
        match node.kind() {
            SchemaNodeKind::Choice | SchemaNodeKind::Case => {
                data_children_within(node.children(), true, out);
            }
            SchemaNodeKind::Container
            | SchemaNodeKind::List
            | SchemaNodeKind::LeafList
            | SchemaNodeKind::Leaf
            | SchemaNodeKind::AnyData
            | SchemaNodeKind::AnyXml => {
                let mut shape = shape_of(&node);
                shape.conditional |= in_choice;
                out.push(shape);
            }
            _ => {}
        }
    }
}

fn shape_of(node: &SchemaNode<'_>) -> NodeShape {
    let kind = match node.kind() {
        SchemaNodeKind::Container => NodeKind::Container {
            presence: !node.is_np_container(),
        },
        SchemaNodeKind::List => NodeKind::List,
        SchemaNodeKind::LeafList => NodeKind::LeafList,
        SchemaNodeKind::Leaf => NodeKind::Leaf,
        _ => NodeKind::Opaque,
    };
    let mut children = Vec::new();
    if matches!(kind, NodeKind::Container { .. } | NodeKind::List) {
        data_children(node.children(), &mut children);
    }
    let module = node.module();
    NodeShape {
        module: module.name().to_owned(),
        namespace: module.namespace().to_owned(),
        name: node.name().to_owned(),
        kind,
        config: node.is_config(),
        user_ordered: node.is_user_ordered(),
        keys: node.list_keys().map(|k| k.name().to_owned()).collect(),
        default: if kind == NodeKind::Leaf && node.has_default() {
            node.default_value_canonical().ok().flatten()
        } else {
            None
        },
        text: matches!(kind, NodeKind::Leaf | NodeKind::LeafList)
            && node
                .leaf_type()
                .is_some_and(|t| t.base_type() == yang5::schema::DataValueType::String),
        conditional: node.whens().next().is_some(),
        children,
    }
}

impl Schema {
    /// The data shape of every implemented module.
    pub fn shape(&self) -> Shape {
        let mut roots = Vec::new();
        for module in self.context.modules(true) {
            if module.is_implemented() {
                data_children(module.data(), &mut roots);
            }
        }
        Shape { roots }
    }

    /// Every `rpc` of the implemented modules, in module order.
    pub fn operations(&self) -> Vec<Operation> {
        let mut found = Vec::new();
        for module in self.context.modules(true) {
            if !module.is_implemented() {
                continue;
            }
            for rpc in module.rpcs() {
                found.push(operation_of(&rpc, Vec::new()));
            }
        }
        found
    }

    /// Every `action` in the data trees of the implemented modules (RFC 7950 §7.15), with
    /// the data nodes down to the one it is tied to, in module and tree order.
    pub fn actions(&self) -> Vec<Operation> {
        let mut found = Vec::new();
        for module in self.context.modules(true) {
            if module.is_implemented() {
                for node in module.data() {
                    collect_actions(node, &mut Vec::new(), &mut found);
                }
            }
        }
        found
    }
}

/// The actions at and below `node`, whose ancestors are `above`.
fn collect_actions<'a>(
    node: SchemaNode<'a>,
    above: &mut Vec<ParentNode>,
    found: &mut Vec<Operation>,
) {
    match node.kind() {
        SchemaNodeKind::Choice | SchemaNodeKind::Case => {
            for child in node.children() {
                collect_actions(child, above, found);
            }
        }
        SchemaNodeKind::Container | SchemaNodeKind::List => {
            let module = node.module();
            above.push(ParentNode {
                module: module.name().to_owned(),
                namespace: module.namespace().to_owned(),
                name: node.name().to_owned(),
            });
            for action in node.actions() {
                found.push(operation_of(&action, above.clone()));
            }
            for child in node.children() {
                collect_actions(child, above, found);
            }
            above.pop();
        }
        _ => {}
    }
}

/// An rpc or action node as an [`Operation`].
fn operation_of(node: &SchemaNode<'_>, parent: Vec<ParentNode>) -> Operation {
    let mandatory_input = node
        .input()
        .map(|(children, _)| {
            children
                .filter(|c| c.is_mandatory())
                .map(|c| c.name().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let module = node.module();
    Operation {
        module: module.name().to_owned(),
        namespace: module.namespace().to_owned(),
        name: node.name().to_owned(),
        mandatory_input,
        parent,
    }
}

/// A data node above an action, from the top.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ParentNode {
    pub module: String,
    pub namespace: String,
    pub name: String,
}

/// An operation (`rpc`, or `action` when it has a parent) a schema defines.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    pub module: String,
    pub namespace: String,
    pub name: String,
    /// The top-level nodes of its input that must be given (`mandatory true`, RFC 7950
    /// §7.14.2, §7.6.5).
    pub mandatory_input: Vec<String>,
    /// For an action, the data nodes down to the one it is tied to (top first); empty for
    /// an rpc.
    pub parent: Vec<ParentNode>,
}

impl Operation {
    /// Whether it is an action (tied to a data node) rather than an rpc.
    pub fn is_action(&self) -> bool {
        !self.parent.is_empty()
    }

    /// The libyang data path of the operation's node: `/module:name` for an rpc; for an
    /// action, its parents' path (module names where the module changes, without keys) and
    /// then its own name.
    pub fn schema_path(&self) -> String {
        let mut out = String::new();
        let mut module = "";
        for step in self
            .parent
            .iter()
            .map(|p| (p.module.as_str(), p.name.as_str()))
            .chain(std::iter::once((self.module.as_str(), self.name.as_str())))
        {
            out.push('/');
            if step.0 != module {
                out.push_str(step.0);
                out.push(':');
                module = step.0;
            }
            out.push_str(step.1);
        }
        out
    }

    /// Whether it is one of NETCONF's own protocol operations (RFC 6241's, RFC 5277's and the
    /// NETCONF extensions' modules), which RESTCONF replaces with its methods and streams, as
    /// opposed to the data-model-specific operations RESTCONF's operations resource lists
    /// (RFC 8040 §3.3.2).
    pub fn is_netconf_protocol(&self) -> bool {
        self.module == "notifications" || self.module.starts_with("ietf-netconf")
    }
}
