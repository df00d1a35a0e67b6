//! A small namespace-aware element tree for what scenarios need of a reply: find nodes by
//! path, read their text, and compare two trees. Prefixes are resolved away, so two documents
//! that differ only in prefixes or whitespace between elements compare equal.
//!
//! The comparison here is schema-blind: sibling order counts (an `ordered-by user` list and an
//! `ordered-by system` list look alike without the schema). Schema-aware comparison, which
//! ignores the order of `ordered-by system` entries, belongs to the YANG crate; a false
//! "differs" from this one errs towards telling the operator.

use crate::xml::{QualifiedName, Step, Walker, XmlError};

/// The namespace the `xml` prefix is bound to by definition (Namespaces in XML 1.0 §3).
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// One element with its resolved name, attributes, text and children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: QualifiedName,
    /// Attributes other than namespace declarations: (namespace, local name, value), sorted.
    /// The namespace is empty for an unprefixed attribute, and a URI for a prefixed one; a
    /// tree built in code may put a bare prefix there instead (written as it is, declared by
    /// an `("xmlns", prefix, uri)` entry beside it).
    pub attributes: Vec<(String, String, String)>,
    /// Character data directly inside the element, trimmed when the element has children.
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// Parses a sequence of sibling elements (the content of `<data>` or `<config>`).
    pub fn parse_fragment(xml: &str) -> Result<Vec<Element>, XmlError> {
        // A wrapper gives the fragment one root; it also lets an empty fragment parse.
        let wrapped = format!("<rfc3535-fragment>{xml}</rfc3535-fragment>");
        Ok(Self::parse(&wrapped)?.children)
    }

    /// Parses a document with one root element.
    pub fn parse(xml: &str) -> Result<Element, XmlError> {
        let mut walker = Walker::new(xml);
        let mut stack: Vec<Element> = Vec::new();
        loop {
            match walker.next()? {
                Step::Open {
                    name, tag, empty, ..
                } => {
                    // Prefixed attributes are known by their namespace (RFC 6243's
                    // wd:default, RFC 8342's or:origin), whatever prefix a peer chose.
                    let mut attributes = walker.resolved_attributes(&tag)?;
                    attributes.sort();
                    let element = Element {
                        name,
                        attributes,
                        text: String::new(),
                        children: Vec::new(),
                    };
                    if empty {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(element),
                            None => return Ok(element),
                        }
                    } else {
                        stack.push(element);
                    }
                }
                Step::Close { .. } => {
                    let Some(mut element) = stack.pop() else {
                        return Err(XmlError::NoRoot);
                    };
                    if !element.children.is_empty() {
                        element.text = element.text.trim().to_owned();
                    }
                    let leaf_text_prefixed =
                        element.children.is_empty() && element.text.contains(':');
                    let attribute_prefixed = element
                        .attributes
                        .iter()
                        .any(|(namespace, _, value)| namespace != "xmlns" && value.contains(':'));
                    if leaf_text_prefixed || attribute_prefixed {
                        declare_value_prefixes(&mut element, &walker);
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => return Ok(element),
                    }
                }
                Step::Text(text) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&text);
                    }
                }
                Step::Eof => {
                    return Err(match stack.last() {
                        Some(open) => XmlError::Unclosed(open.name.local.clone()),
                        None => XmlError::NoRoot,
                    })
                }
            }
        }
    }

    /// The children with this local name.
    pub fn children_named<'a, 'n>(
        &'a self,
        local: &'n str,
    ) -> impl Iterator<Item = &'a Element> + use<'a, 'n> {
        self.children.iter().filter(move |c| c.name.local == local)
    }

    /// The first child with this local name.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children_named(local).next()
    }

    /// Every element reached by following local names from this element's children.
    pub fn find_all(&self, path: &[&str]) -> Vec<&Element> {
        let mut current: Vec<&Element> = vec![self];
        for step in path {
            current = current
                .into_iter()
                .flat_map(|e| e.children_named(step))
                .collect();
        }
        current
    }

    /// A deterministic text form: resolved names, sorted attributes, children in order.
    /// Equal canonical forms mean equal trees.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out, 0);
        out
    }

    fn write_canonical(&self, out: &mut String, depth: usize) {
        use std::fmt::Write as _;
        let _ = write!(out, "{}{}", "  ".repeat(depth), self.name);
        for (ns, local, value) in &self.attributes {
            let _ = write!(out, " @{{{ns}}}{local}={value:?}");
        }
        let text = self.text.trim();
        if !text.is_empty() || self.children.is_empty() {
            let _ = write!(out, " = {:?}", self.text);
        }
        out.push('\n');
        for child in &self.children {
            child.write_canonical(out, depth + 1);
        }
    }
}

impl Element {
    /// XML text of the element: a default-namespace declaration wherever the namespace changes
    /// from the parent's, text and attribute values escaped. An attribute in a namespace is
    /// written with a prefix declared on its element; values that carry prefixes
    /// (identityrefs) keep the text they came with.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_xml(&mut out, "");
        out
    }

    fn write_xml(&self, out: &mut String, parent_namespace: &str) {
        out.push('<');
        out.push_str(&self.name.local);
        if self.name.namespace != parent_namespace {
            out.push_str(" xmlns=\"");
            escape_into(out, &self.name.namespace);
            out.push('"');
        }
        self.write_attributes(out);
        if self.children.is_empty() && self.text.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        escape_into(out, &self.text);
        for child in &self.children {
            child.write_xml(out, &self.name.namespace);
        }
        out.push_str("</");
        out.push_str(&self.name.local);
        out.push('>');
    }

    /// The element's attributes as XML (each with a leading space), as [`Element::to_xml`]
    /// writes them: what a server echoes from an `<rpc>` onto its reply.
    pub fn attributes_xml(&self) -> String {
        let mut out = String::new();
        self.write_attributes(&mut out);
        out
    }

    fn write_attributes(&self, out: &mut String) {
        for (index, (namespace, local, value)) in self.attributes.iter().enumerate() {
            // A prefix declared twice (by the parser, for a value, and by code that adds it
            // again) is written once: XML allows no duplicate attribute.
            if namespace == "xmlns"
                && self.attributes[..index]
                    .iter()
                    .any(|(n, l, _)| n == "xmlns" && l == local)
            {
                continue;
            }
            out.push(' ');
            if namespace == XML_NAMESPACE {
                // Bound to `xml` by definition; XML forbids declaring it under another prefix.
                out.push_str("xml:");
            } else if !namespace.is_empty() && !crate::xml::is_nc_name(namespace) {
                // A namespace URI (anything that cannot be a prefix, `urn:...` as much as a
                // URI of one word with a `>` in it): declared on this element under a prefix
                // of its own. What can be a prefix is one the reader kept as its own
                // namespace, since nothing bound it, and reads the same way again.
                out.push_str(&format!("xmlns:a{index}=\""));
                escape_into(out, namespace);
                out.push_str(&format!("\" a{index}:"));
            } else if !namespace.is_empty() {
                out.push_str(namespace);
                out.push(':');
            }
            out.push_str(local);
            out.push_str("=\"");
            escape_into(out, value);
            out.push('"');
        }
    }

    /// A copy without elements that hold nothing (no text, attributes or children), applied
    /// bottom-up. Schema-blind stand-in for "a non-presence container with no content is no
    /// container at all" (RFC 7950 §7.5.1): devices differ in whether they show one. A leaf of
    /// type `empty` is pruned too, so compare with this only where that cannot matter.
    pub fn pruned(&self) -> Option<Element> {
        let children: Vec<Element> = self.children.iter().filter_map(Element::pruned).collect();
        if children.is_empty() && self.text.trim().is_empty() && self.attributes.is_empty() {
            return None;
        }
        Some(Element {
            children,
            ..self.clone()
        })
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// Keeps, on an element whose values use namespace prefixes (a leaf's identityref
/// `ianaift:ethernetCsmacd` or instance-identifier, an annotation's identity
/// `or:origin="or:intended"`), the declarations of those prefixes in scope, as `("xmlns",
/// prefix, uri)` attributes: the tree resolves element and attribute names, but a value's
/// prefixes mean something only with their declarations, and the XML written again must
/// still say what they are.
fn declare_value_prefixes(element: &mut Element, walker: &Walker<'_>) {
    let mut bindings: Option<Vec<(String, String)>> = None;
    let mut declared: Vec<(String, String)> = Vec::new();
    let leaf_text = element.children.is_empty().then_some(element.text.as_str());
    let attribute_values = element
        .attributes
        .iter()
        .filter(|(namespace, _, _)| namespace != "xmlns")
        .map(|(_, _, value)| value.as_str());
    for text in leaf_text.into_iter().chain(attribute_values) {
        declare_prefixes_of(text, walker, &mut bindings, &mut declared);
    }
    for (prefix, uri) in declared {
        if !element
            .attributes
            .iter()
            .any(|(namespace, local, _)| namespace == "xmlns" && *local == prefix)
        {
            element.attributes.push(("xmlns".to_owned(), prefix, uri));
        }
    }
    element.attributes.sort();
}

/// Adds to `declared` the binding in scope of each prefix `text` uses.
fn declare_prefixes_of(
    text: &str,
    walker: &Walker<'_>,
    bindings: &mut Option<Vec<(String, String)>>,
    declared: &mut Vec<(String, String)>,
) {
    for (colon, _) in text.match_indices(':') {
        let before = &text[..colon];
        // The prefix is the run of name characters before the colon (a character boundary
        // however wide the character that ends the run).
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let prefix = &text[start..colon];
        if prefix.is_empty() || declared.iter().any(|(p, _)| p == prefix) {
            continue;
        }
        let bindings = bindings.get_or_insert_with(|| walker.prefix_bindings());
        if let Some((_, uri)) = bindings.iter().find(|(p, _)| p == prefix) {
            declared.push((prefix.to_owned(), uri.clone()));
        }
    }
}

/// The prefixed namespace bindings in scope at every element with this local name, in
/// document order: the context an XPath expression in that element needs (RFC 6241 §8.9.1 for
/// a filter's `select`, RFC 5717 §2.4.1 for a partial lock's `select`, an
/// instance-identifier in a reply). The tree itself resolves prefixes away.
pub fn prefix_bindings_at(xml: &str, local: &str) -> Result<Vec<Vec<(String, String)>>, XmlError> {
    let mut walker = Walker::new(xml);
    let mut found = Vec::new();
    loop {
        match walker.next()? {
            Step::Open { name, .. } if name.local == local => found.push(walker.prefix_bindings()),
            Step::Eof => return Ok(found),
            _ => {}
        }
    }
}

/// The XML text of a fragment (see [`Element::to_xml`]).
pub fn fragment_xml(elements: &[Element]) -> String {
    elements.iter().map(Element::to_xml).collect()
}

/// The canonical form of a fragment (see [`Element::canonical`]).
pub fn canonical_fragment(elements: &[Element]) -> String {
    elements.iter().map(Element::canonical).collect()
}

/// The lines of `new` that `old` lacks and the reverse, for a short "what differs" message.
pub fn difference_summary(old: &str, new: &str, limit: usize) -> Vec<String> {
    let old_lines: std::collections::HashSet<&str> = old.lines().collect();
    let new_lines: std::collections::HashSet<&str> = new.lines().collect();
    let mut out: Vec<String> = old
        .lines()
        .filter(|l| !new_lines.contains(l))
        .map(|l| format!("- {}", l.trim()))
        .chain(
            new.lines()
                .filter(|l| !old_lines.contains(l))
                .map(|l| format!("+ {}", l.trim())),
        )
        .collect();
    if out.is_empty() && old != new {
        out.push("same nodes in a different order".to_owned());
    }
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (fuzz/element_tree, the input as it came): a namespace URI holding a
    /// character the writer escapes came back as its escape, since the namespaces quick-xml
    /// resolves keep the attribute's raw text.
    #[test]
    fn a_namespace_holding_an_escaped_character_survives_writing() {
        let found = r#"<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="1"><data><system xmlns="urn:ietf:params:xml:ns:yang:ietf/>ystem"><hostname>r1</hostname></system></data></rpc-reply>"#;
        let tree = Element::parse_fragment(found).expect("well-formed");
        let system = tree[0].find_all(&["data", "system"]);
        assert_eq!(
            system[0].name.namespace,
            "urn:ietf:params:xml:ns:yang:ietf/>ystem"
        );
        let entity = Element::parse(r#"<system xmlns="urn:a&amp;b"/>"#).expect("well-formed");
        assert_eq!(entity.name.namespace, "urn:a&b");
        for tree in [tree, vec![entity]] {
            let again =
                Element::parse_fragment(&fragment_xml(&tree)).expect("what the tree writes parses");
            assert_eq!(tree, again);
        }
    }

    /// Found by fuzzing (fuzz/element_tree, the input as it came): quick-xml reads a broken
    /// tag leniently, and an attribute "name" holding quotes and angle brackets was written
    /// back as markup that does not parse. Such a message is malformed.
    #[test]
    fn an_attribute_name_holding_markup_is_malformed() {
        let found = "<a x@@@@@@@@@@A@@@@@@@@@@@@@@@@@@\0\0\0\0\0\0\0\0\0\0\0\0\0ml:b\"><b:c\0\0\0\0\0\0\0s=\"urn:a\" xmlns:\"nr:b=\"urn:b\"><b:c x=\"0\">t\0\0\0\0amp; more</b:c><d/><![CDATA[<e>]]></a>";
        assert!(Element::parse_fragment(found).is_err());
        assert!(Element::parse("<a b\"c=\"1\"/>").is_err());
        // Found next: an element name with nothing after its prefix's colon.
        assert!(Element::parse("<axmlns: b=\"1\"/>").is_err());
        assert!(Element::parse("<a b-c=\"1\" d.e=\"2\" f:g=\"3\" xmlns:f=\"urn:f\"/>").is_ok());
    }

    /// Found by fuzzing (fuzz/element_tree, 1.16 million executions into a long run, the
    /// input as it came): a local name starting with `!` was taken as a name, and written
    /// again as `<!gd .../>`, which reads as markup declaration, not an element.
    #[test]
    fn a_name_holding_characters_xml_names_cannot_hold_is_malformed() {
        let found = "=\u{feef}tt\"><Z:!gd/>";
        assert!(Element::parse_fragment(found).is_err());
        for name in ["!a", "a?b", "a;b", "a#b", "a@b", "p:q!"] {
            let xml = format!("<{name}/>");
            assert!(Element::parse(&xml).is_err(), "{xml}");
        }
        for name in ["a_b", "a.b-c", "p:q", "\u{e9}t\u{e9}"] {
            let xml = format!("<{name} xmlns:p=\"urn:p\"/>");
            assert!(Element::parse(&xml).is_ok(), "{xml}");
        }
    }

    /// Found by fuzzing (fuzz/element_tree, 1.54 million executions into its second long
    /// run): an attribute whose prefix was bound to a namespace of one word with a `>` in
    /// it (`xmlns:s="s>"`) was written with that namespace as its prefix (`s>:b=`), since
    /// only a namespace with a colon was taken for a URI.
    #[test]
    fn an_attribute_namespace_that_cannot_be_a_prefix_is_declared() {
        let found = "<a><b:c xmlns:s=\"s>\" s:b=\"urn:b\" x=\"1\"/></a>";
        let first = Element::parse_fragment(found).expect("read");
        let written = fragment_xml(&first);
        let second = Element::parse_fragment(&written).expect("what the tree writes parses");
        assert_eq!(first, second, "{written}");
        // A prefix nothing bound is kept as its namespace, and written back as the prefix.
        let unbound = Element::parse("<a p:b=\"1\"/>").expect("read leniently");
        assert_eq!(unbound.attributes[0].0, "p");
        assert!(
            unbound.to_xml().contains(" p:b=\"1\""),
            "{}",
            unbound.to_xml()
        );
    }

    /// Found by fuzzing (fuzz/element_tree, in CI, the input as it came): an `xml:`
    /// attribute was written with a prefix of its own declared for the XML namespace, which
    /// XML forbids, so the tree's own writing did not parse.
    #[test]
    fn an_xml_prefixed_attribute_is_written_with_the_xml_prefix() {
        let found =
            r#"<a xmlns="urn:a+>" xml:b="urn:b"><b:c x="1">te; more</b:c><l/><![CDATA[<e>]]></a>"#;
        let first = Element::parse_fragment(found).expect("read leniently");
        let written = fragment_xml(&first);
        assert!(written.contains(" xml:b=\"urn:b\""), "{written}");
        let second = Element::parse_fragment(&written).expect("what the tree writes parses");
        assert_eq!(first, second);
    }

    #[test]
    fn prefixed_attributes_are_known_by_namespace_whatever_the_prefix() {
        let wd = "urn:ietf:params:xml:ns:netconf:default:1.0";
        let one = Element::parse(&format!(
            r#"<mtu xmlns="urn:x" xmlns:wd="{wd}" wd:default="true" plain="1">1500</mtu>"#
        ))
        .expect("parses");
        let other = Element::parse(&format!(
            r#"<mtu xmlns="urn:x" xmlns:p0="{wd}" p0:default="true" plain="1">1500</mtu>"#
        ))
        .expect("parses");
        assert_eq!(one.canonical(), other.canonical());
        assert!(one
            .attributes
            .iter()
            .any(|(ns, local, value)| ns == wd && local == "default" && value == "true"));
        assert!(one
            .attributes
            .iter()
            .any(|(ns, local, _)| ns.is_empty() && local == "plain"));
        // Written back with a declaration of its own, it reads the same.
        let again = Element::parse(&one.to_xml()).expect("its own XML parses");
        assert_eq!(again, one);
        // An undeclared prefix stays as written rather than failing the read.
        let loose = Element::parse(r#"<a xmlns="urn:x" nc:operation="merge"/>"#);
        if let Ok(loose) = loose {
            assert_eq!(loose.attributes[0].0, "nc");
        }
    }

    #[test]
    fn xml_text_parses_back_to_the_same_tree() {
        let xml = "<a:system xmlns:a=\"urn:x\"><a:location>Z&amp;co &lt;1&gt;</a:location><b:aug xmlns:b=\"urn:y\"><b:n>1</b:n></b:aug><empty/></a:system>";
        let tree = Element::parse(xml).expect("parses");
        let again = Element::parse(&tree.to_xml()).expect("parses back");
        assert_eq!(again, tree);
    }

    #[test]
    fn prefixes_and_whitespace_do_not_matter_but_order_does() {
        let a = Element::parse_fragment(
            "<s:system xmlns:s=\"urn:x\">\n  <s:location>Zürich &amp; co</s:location>\n</s:system>",
        )
        .expect("parses");
        let b = Element::parse_fragment(
            "<system xmlns=\"urn:x\"><location>Zürich &amp; co</location></system>",
        )
        .expect("parses");
        assert_eq!(canonical_fragment(&a), canonical_fragment(&b));
        assert_eq!(a[0].find_all(&["location"])[0].text, "Zürich & co");
        let c = Element::parse_fragment("<l xmlns=\"urn:x\"><e>1</e><e>2</e></l>").expect("parses");
        let d = Element::parse_fragment("<l xmlns=\"urn:x\"><e>2</e><e>1</e></l>").expect("parses");
        assert_ne!(canonical_fragment(&c), canonical_fragment(&d));
        assert_eq!(
            difference_summary(&canonical_fragment(&c), &canonical_fragment(&d), 5),
            vec!["same nodes in a different order".to_owned()]
        );
    }

    #[test]
    fn malformed_and_empty_fragments() {
        assert!(Element::parse_fragment("")
            .expect("empty is fine")
            .is_empty());
        assert!(Element::parse_fragment("<a><b></a>").is_err());
        assert!(Element::parse_fragment("<a>").is_err());
    }

    #[test]
    fn prefixes_an_annotation_value_uses_are_declared_when_written_again() {
        let or = "urn:ietf:params:xml:ns:yang:ietf-origin";
        let xml = format!(
            r#"<d xmlns:or="{or}"><system xmlns="urn:s" or:origin="or:intended"><contact>x</contact></system></d>"#
        );
        let parsed = Element::parse(&xml).expect("parses");
        let written = fragment_xml(&parsed.children);
        let again = Element::parse_fragment(&written).expect("parses again");
        assert_eq!(again, parsed.children, "{written}");
        assert!(
            written.contains(&format!(r#"xmlns:or="{or}""#)),
            "the value's prefix is declared: {written}"
        );
    }

    #[test]
    fn prefixes_a_value_uses_are_declared_when_written_again() {
        let xml = r#"<interfaces xmlns="urn:if" xmlns:x="urn:unused"><interface><name>ü:b x:é</name><type xmlns:ianaift="urn:iana">ianaift:softwareLoopback</type></interface></interfaces>"#;
        let tree = Element::parse(xml).expect("parses");
        let written = tree.to_xml();
        assert!(
            written.contains(r#"<type xmlns:ianaift="urn:iana">ianaift:softwareLoopback</type>"#),
            "{written}"
        );
        assert!(
            written.starts_with(r#"<interfaces xmlns="urn:if"><interface>"#),
            "declared only where a value uses it: {written}"
        );
        assert!(
            written.contains(r#"<name xmlns:x="urn:unused">ü:b x:é</name>"#),
            "an unbound prefix is text, a bound one is declared: {written}"
        );
        assert_eq!(Element::parse(&written).expect("parses again"), tree);
    }
}
