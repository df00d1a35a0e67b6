//! The sandbox: the only configuration scenarios write on a device. One string leaf the
//! harness overwrites and puts back, and an `ordered-by user` leaf-list it adds its own
//! uniquely named entries to and removes them from, each named by namespace and element path;
//! and, on a device with `:url`, the directory its files may be saved in (each scenario's
//! file uniquely named and deleted afterwards).

use rfc3535_client::wire::tree::Element;
use rfc3535_client::wire::Filter;
use serde::Deserialize;

/// A sandbox node that is not `NAMESPACE a/b/leaf`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?}: expected \"NAMESPACE a/b/leaf\"")]
pub struct BadNodePath(pub String);

/// Where scenarios may write on a device. Nothing else is edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    pub text: NodePath,
    pub list: Option<NodePath>,
    /// A `file:` URL of a directory (ending in `/`) the device may save configurations in.
    pub url_directory: String,
}

/// A data node: the namespace of its top-level element and the element names down to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePath {
    pub namespace: String,
    pub elements: Vec<String>,
}

/// The sandbox as an inventory writes it: each node is `NAMESPACE a/b/c`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSpec {
    /// A string leaf scenarios overwrite (and restore).
    #[serde(default = "default_sandbox_text")]
    pub text: String,
    /// An `ordered-by user` leaf-list scenarios add their own entries to (and remove them);
    /// `none` to have scenarios that need it skipped.
    #[serde(default = "default_sandbox_list")]
    pub ordered_list: String,
    /// A `file:` URL of a directory the device may save configuration files in (`:url`,
    /// RFC 6241 §8.8); scenarios name their files uniquely and delete them.
    #[serde(default = "default_url_directory")]
    pub url_directory: String,
}

impl Default for SandboxSpec {
    fn default() -> Self {
        SandboxSpec {
            text: default_sandbox_text(),
            ordered_list: default_sandbox_list(),
            url_directory: default_url_directory(),
        }
    }
}

/// The host's temporary directory, which a device's own filesystem has too.
fn default_url_directory() -> String {
    "file:///tmp/".to_owned()
}

/// ietf-system's location: a string leaf every device with ietf-system has.
fn default_text_node() -> NodePath {
    NodePath {
        namespace: rfc3535_client::wire::ns::SYSTEM.to_owned(),
        elements: ["system", "location"].map(str::to_owned).to_vec(),
    }
}

/// ietf-system's DNS search list: an `ordered-by user` leaf-list.
fn default_list_node() -> NodePath {
    NodePath {
        namespace: rfc3535_client::wire::ns::SYSTEM.to_owned(),
        elements: ["system", "dns-resolver", "search"]
            .map(str::to_owned)
            .to_vec(),
    }
}

fn default_sandbox_text() -> String {
    default_text_node().to_string()
}

fn default_sandbox_list() -> String {
    default_list_node().to_string()
}

/// Which sandbox key of the inventory is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox.text {0}")]
    Text(BadNodePath),
    #[error("sandbox.ordered_list {0}")]
    OrderedList(BadNodePath),
    #[error("sandbox.url_directory {0:?}: expected a file: URL ending in /, such as file:///tmp/")]
    UrlDirectory(String),
}

impl Sandbox {
    /// The sandbox an inventory's `sandbox:` key describes.
    pub fn from_spec(spec: &SandboxSpec) -> Result<Sandbox, SandboxError> {
        Ok(Sandbox {
            text: NodePath::parse(&spec.text).map_err(SandboxError::Text)?,
            list: match spec.ordered_list.as_str() {
                "none" => None,
                list => Some(NodePath::parse(list).map_err(SandboxError::OrderedList)?),
            },
            url_directory: match &spec.url_directory {
                url if url.starts_with("file://") && url.ends_with('/') => url.clone(),
                other => return Err(SandboxError::UrlDirectory(other.clone())),
            },
        })
    }
}

impl Default for Sandbox {
    /// ietf-system's location and DNS search list.
    fn default() -> Self {
        Sandbox {
            text: default_text_node(),
            list: Some(default_list_node()),
            url_directory: default_url_directory(),
        }
    }
}

/// `NAMESPACE a/b/c`, as an inventory writes it ([`NodePath::parse`] reads it back).
impl std::fmt::Display for NodePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.namespace, self.elements.join("/"))
    }
}

impl NodePath {
    /// Parses `NAMESPACE a/b/c`.
    pub fn parse(text: &str) -> Result<NodePath, BadNodePath> {
        let bad = || BadNodePath(text.to_owned());
        let (namespace, path) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(bad)?;
        let elements: Vec<String> = path
            .trim()
            .split('/')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        if elements.is_empty() || namespace.is_empty() {
            return Err(bad());
        }
        Ok(NodePath {
            namespace: namespace.to_owned(),
            elements,
        })
    }

    /// `<a xmlns=NS><b>` ... `</b></a>` around the leaf, with `leaf_attributes` in the leaf's
    /// start tag, and the leaf's value when given.
    pub fn wrap_leaf(&self, leaf_attributes: &str, value: Option<&str>) -> String {
        let (leaf, containers) = self
            .elements
            .split_last()
            .unwrap_or((&self.elements[0], &[]));
        // A top-level leaf carries the namespace itself.
        let top_level = containers
            .is_empty()
            .then(|| format!(" xmlns=\"{}\"", self.namespace));
        let leaf_attributes = format!("{}{leaf_attributes}", top_level.unwrap_or_default());
        let inner = match value {
            Some(v) => format!(
                "<{leaf}{leaf_attributes}>{}</{leaf}>",
                rfc3535_client::wire::xml::escape(v)
            ),
            None => format!("<{leaf}{leaf_attributes}/>"),
        };
        self.wrap_containers(containers, &inner)
    }

    /// The containers around several leaf elements given as XML.
    pub fn wrap_many(&self, leaves_xml: &str) -> String {
        let Some((leaf, containers)) = self.elements.split_last() else {
            return leaves_xml.to_owned();
        };
        if containers.is_empty() {
            // Top-level leaves carry the namespace, each of them.
            return leaves_xml.replace(
                &format!("<{leaf}"),
                &format!("<{leaf} xmlns=\"{}\"", self.namespace),
            );
        }
        self.wrap_containers(containers, leaves_xml)
    }

    fn wrap_containers(&self, containers: &[String], inner: &str) -> String {
        if containers.is_empty() {
            return inner.to_owned();
        }
        let mut out = String::new();
        for (i, element) in containers.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("<{element} xmlns=\"{}\">", self.namespace));
            } else {
                out.push_str(&format!("<{element}>"));
            }
        }
        out.push_str(inner);
        for element in containers.iter().rev() {
            out.push_str(&format!("</{element}>"));
        }
        out
    }

    /// A subtree filter selecting this node.
    pub fn filter(&self) -> Filter {
        Filter::subtree(self.wrap_leaf("", None))
    }

    /// This node as an instance-identifier (RFC 7950 §9.13), with the prefix it binds.
    pub fn instance_identifier(&self) -> (String, (String, String)) {
        const PREFIX: &str = "sb";
        let path: String = self
            .elements
            .iter()
            .map(|e| format!("/{PREFIX}:{e}"))
            .collect();
        (path, (PREFIX.to_owned(), self.namespace.clone()))
    }

    /// Whether a path's steps, as (namespace, local name), name this node.
    pub fn is_named_by(&self, steps: &[(String, String)]) -> bool {
        steps.len() == self.elements.len()
            && steps
                .iter()
                .zip(&self.elements)
                .all(|((namespace, local), element)| {
                    *namespace == self.namespace && local == element
                })
    }

    /// The values of this node in a reply's data.
    pub fn values_in(&self, data: &[Element]) -> Vec<String> {
        let Some((top, rest)) = self.elements.split_first() else {
            return Vec::new();
        };
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        data.iter()
            .filter(|e| e.name.local == *top && e.name.namespace == self.namespace)
            .flat_map(|e| e.find_all(&rest))
            .map(|e| e.text.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_paths_build_edits_filters_and_read_values() {
        let text = NodePath::parse("urn:x sys/location").expect("valid");
        assert_eq!(
            text.wrap_leaf("", Some("a<b")),
            "<sys xmlns=\"urn:x\"><location>a&lt;b</location></sys>"
        );
        assert_eq!(
            text.filter(),
            Filter::subtree("<sys xmlns=\"urn:x\"><location/></sys>")
        );
        let data = Element::parse_fragment(
            "<sys xmlns=\"urn:x\"><location>here</location></sys><sys xmlns=\"urn:y\"><location>no</location></sys>",
        )
        .expect("xml");
        assert_eq!(text.values_in(&data), vec!["here".to_owned()]);
        let top = NodePath::parse("urn:x leaf").expect("valid");
        assert_eq!(
            top.wrap_leaf("", Some("v")),
            "<leaf xmlns=\"urn:x\">v</leaf>"
        );
        assert_eq!(top.filter(), Filter::subtree("<leaf xmlns=\"urn:x\"/>"));
        assert_eq!(
            top.wrap_many("<leaf>a</leaf><leaf>b</leaf>"),
            "<leaf xmlns=\"urn:x\">a</leaf><leaf xmlns=\"urn:x\">b</leaf>"
        );
        assert_eq!(
            text.wrap_many("<location>a</location>"),
            "<sys xmlns=\"urn:x\"><location>a</location></sys>"
        );
        assert!(NodePath::parse("nonamespace").is_err());
        assert!(NodePath::parse("urn:x /").is_err());
    }

    #[test]
    fn the_default_sandbox_is_the_default_spec_and_none_drops_the_list() {
        assert_eq!(
            Sandbox::from_spec(&SandboxSpec::default()),
            Ok(Sandbox::default())
        );
        let spec = SandboxSpec {
            ordered_list: "none".to_owned(),
            ..SandboxSpec::default()
        };
        assert_eq!(Sandbox::from_spec(&spec).expect("valid").list, None);
        let bad = SandboxSpec {
            text: "nonamespace".to_owned(),
            ..SandboxSpec::default()
        };
        assert!(matches!(
            Sandbox::from_spec(&bad),
            Err(SandboxError::Text(_))
        ));
    }
}
