//! Small XML helpers shared by the parser and the builders: escaping, and a namespace-aware
//! walk that keeps byte positions so element content can be borrowed from the original text.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;

/// Escapes text for use in element content or a double-quoted attribute value.
pub fn escape(text: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// Errors from walking an XML document.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("document ended before <{0}> was closed")]
    Unclosed(String),
    #[error("no root element")]
    NoRoot,
}

/// A namespace-qualified element name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    /// The namespace URI, empty when the element is in no namespace.
    pub namespace: String,
    /// The local name, without prefix.
    pub local: String,
}

impl std::fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            f.write_str(&self.local)
        } else {
            write!(f, "{{{}}}{}", self.namespace, self.local)
        }
    }
}

/// A cursor over one document: quick-xml's namespace-resolving reader plus the source text, so
/// callers can slice the raw content of an element.
pub(crate) struct Walker<'a> {
    reader: NsReader<&'a [u8]>,
    /// The whole source text, byte-order mark included: every position is an offset into it.
    text: &'a str,
    /// The length of a leading UTF-8 byte-order mark (0 or 3). The reader reads the text after
    /// it, so its positions are shifted by this much to stay offsets into `text`.
    bom: usize,
    /// The qualified name (as written) of the last element opened, for skipping it.
    last_open: &'a str,
}

/// One step of the walk, with names already resolved.
pub(crate) enum Step<'a> {
    /// A start tag; `empty` for `<x/>`. `start` is the byte offset of `<`, `content` the offset
    /// just after `>`.
    Open {
        name: QualifiedName,
        tag: BytesStart<'a>,
        empty: bool,
        start: usize,
        content: usize,
    },
    /// An end tag; `start` is the byte offset of its `<`.
    Close { start: usize },
    /// Unescaped character data (text or CDATA).
    Text(String),
    /// End of the document.
    Eof,
}

fn malformed(reader: &NsReader<&[u8]>, error: impl std::fmt::Display) -> XmlError {
    XmlError::Malformed {
        position: reader.error_position(),
        message: error.to_string(),
    }
}

impl<'a> Walker<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        // A document may begin with a byte-order mark (XML 1.0 §4.3.3); it is not content.
        let bom = if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let mut reader = NsReader::from_reader(&text.as_bytes()[bom..]);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Self {
            reader,
            text,
            bom,
            last_open: "",
        }
    }

    /// The reader's position as an offset into `text`.
    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position())
            .unwrap_or(usize::MAX)
            .saturating_add(self.bom)
    }

    /// The next structural step; comments, processing instructions and the XML declaration
    /// are skipped.
    pub(crate) fn next(&mut self) -> Result<Step<'a>, XmlError> {
        loop {
            let before = self.position();
            let (namespace, event) = match self.reader.read_resolved_event() {
                Ok((resolved, event)) => (namespace_of(&resolved), event),
                Err(e) => return Err(malformed(&self.reader, e)),
            };
            let after = self.position();
            if let Event::Start(tag) | Event::Empty(tag) = &event {
                if !is_name(tag.name().as_ref()) {
                    return Err(malformed(
                        &self.reader,
                        format!("{:?} is no element name", tag.name().as_ref()),
                    ));
                }
            }
            match event {
                Event::Start(tag) => {
                    let name_at = before + 1..before + 1 + tag.name().as_ref().len();
                    self.last_open = self.text.get(name_at).ok_or_else(|| {
                        malformed(&self.reader, "a start tag not at a character boundary")
                    })?;
                    return Ok(Step::Open {
                        name: QualifiedName {
                            namespace,
                            local: tag.local_name().as_ref().to_owned(),
                        },
                        tag,
                        empty: false,
                        start: before,
                        content: after,
                    });
                }
                Event::Empty(tag) => {
                    return Ok(Step::Open {
                        name: QualifiedName {
                            namespace,
                            local: tag.local_name().as_ref().to_owned(),
                        },
                        tag,
                        empty: true,
                        start: before,
                        content: after,
                    })
                }
                Event::End(_) => return Ok(Step::Close { start: before }),
                Event::Text(text) => {
                    return Ok(Step::Text(text.xml10_content().into_owned()));
                }
                // Entity and character references arrive as their own events: only XML's
                // predefined entities exist without a DTD.
                Event::GeneralRef(reference) => {
                    if let Some(ch) = reference
                        .resolve_char_ref()
                        .map_err(|e| malformed(&self.reader, e))?
                    {
                        return Ok(Step::Text(ch.to_string()));
                    }
                    let name: &str = reference.as_ref();
                    return match quick_xml::escape::resolve_predefined_entity(name) {
                        Some(text) => Ok(Step::Text(text.to_owned())),
                        None => Err(malformed(&self.reader, format!("unknown entity &{name};"))),
                    };
                }
                Event::CData(data) => {
                    return Ok(Step::Text(data.as_ref().to_owned()));
                }
                Event::Eof => return Ok(Step::Eof),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Reads the unescaped text content of the element just opened (non-empty), up to and
    /// including its end tag. Child elements are an error only in the sense that their text is
    /// concatenated; callers use this for leaf-like elements.
    pub(crate) fn text_content(&mut self, element: &str) -> Result<String, XmlError> {
        let mut depth = 0usize;
        let mut out = String::new();
        loop {
            match self.next()? {
                Step::Text(t) => {
                    if depth == 0 {
                        out.push_str(&t)
                    }
                }
                Step::Open { empty, .. } => {
                    if !empty {
                        depth += 1
                    }
                }
                Step::Close { .. } => {
                    if depth == 0 {
                        return Ok(out);
                    }
                    depth -= 1;
                }
                Step::Eof => return Err(XmlError::Unclosed(element.to_owned())),
            }
        }
    }

    /// Skips to the end of the element just opened (non-empty) and returns the byte range of
    /// its content in the source text. Uses quick-xml's raw skip, which neither resolves
    /// namespaces nor unescapes text: a multi-MB `<data>` is skipped in one fast pass.
    pub(crate) fn skip_content(
        &mut self,
        element: &str,
        content_start: usize,
    ) -> Result<Range<usize>, XmlError> {
        let name = quick_xml::name::QName(self.last_open);
        match self.reader.read_to_end(name) {
            Ok(span) => {
                let end = usize::try_from(span.end)
                    .unwrap_or(usize::MAX)
                    .saturating_add(self.bom);
                Ok(content_start.min(end)..end)
            }
            Err(quick_xml::Error::IllFormed(_)) | Err(quick_xml::Error::Syntax(_))
                if self.position() >= self.text.len() =>
            {
                Err(XmlError::Unclosed(element.to_owned()))
            }
            Err(e) => Err(malformed(&self.reader, e)),
        }
    }

    /// The attributes of a tag as (qualified name as written, unescaped value) pairs.
    pub(crate) fn attributes(
        &self,
        tag: &BytesStart<'_>,
    ) -> Result<Vec<(String, String)>, XmlError> {
        let mut out = Vec::new();
        for attribute in tag.attributes() {
            let attribute = attribute.map_err(|e| malformed(&self.reader, e))?;
            let key = attribute.key.as_ref().to_owned();
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| malformed(&self.reader, e))?
                .into_owned();
            out.push((key, value));
        }
        Ok(out)
    }

    /// The attributes of a tag other than namespace declarations, as (namespace, local name,
    /// unescaped value): the namespace is the one a prefix is bound to in scope, empty for an
    /// attribute without a prefix, and the prefix as written when nothing binds it.
    pub(crate) fn resolved_attributes(
        &self,
        tag: &BytesStart<'_>,
    ) -> Result<Vec<(String, String, String)>, XmlError> {
        let mut out = Vec::new();
        for attribute in tag.attributes() {
            let attribute = attribute.map_err(|e| malformed(&self.reader, e))?;
            let key = attribute.key.as_ref().to_owned();
            if !is_name(&key) {
                return Err(malformed(
                    &self.reader,
                    format!("{key:?} is no attribute name"),
                ));
            }
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| malformed(&self.reader, e))?
                .into_owned();
            let (namespace, local) = match key.split_once(':') {
                None => (String::new(), key),
                Some((prefix, local)) => {
                    let (resolved, _) = self.reader.resolver().resolve_attribute(attribute.key);
                    let namespace = namespace_of(&resolved);
                    let namespace = if namespace.is_empty() {
                        prefix.to_owned()
                    } else {
                        namespace
                    };
                    (namespace, local.to_owned())
                }
            };
            out.push((namespace, local, value));
        }
        Ok(out)
    }

    /// The value of the attribute with this local name in no namespace (e.g. `message-id`).
    pub(crate) fn plain_attribute(
        &self,
        tag: &BytesStart<'_>,
        local: &str,
    ) -> Result<Option<String>, XmlError> {
        for attribute in tag.attributes() {
            let attribute = attribute.map_err(|e| malformed(&self.reader, e))?;
            if attribute.key.as_ref() == local {
                let value = attribute
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| malformed(&self.reader, e))?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }

    /// The prefixed namespace bindings in scope at the element just opened, as (prefix,
    /// namespace): what an XPath expression in its attributes or text may use (RFC 6241
    /// §8.9.1: the prefixes of a `select` are those in scope on its element).
    pub(crate) fn prefix_bindings(&self) -> Vec<(String, String)> {
        self.reader
            .resolver()
            .bindings()
            .filter_map(|(prefix, namespace)| match prefix {
                quick_xml::name::PrefixDeclaration::Named(prefix) => {
                    Some((prefix.to_owned(), unescaped(namespace.0)))
                }
                quick_xml::name::PrefixDeclaration::Default => None,
            })
            .collect()
    }

    /// The default namespace in scope at the element just opened, if one is declared.
    pub(crate) fn default_namespace(&self) -> Option<String> {
        self.reader
            .resolver()
            .bindings()
            .filter_map(|(prefix, namespace)| match prefix {
                quick_xml::name::PrefixDeclaration::Default => {
                    Some(unescaped(namespace.0)).filter(|n| !n.is_empty())
                }
                quick_xml::name::PrefixDeclaration::Named(_) => None,
            })
            .last()
    }

    /// The raw content of the element just opened (`local`, `empty`, its `content` offset),
    /// with the prefixes in scope declared on its top-level elements so that it stands on its
    /// own; with `carry_default`, the default namespace in scope too (content that inherits
    /// it, as `yang-patch` inside ietf-yang-push's `datastore-changes` does).
    pub(crate) fn content_standing_alone(
        &mut self,
        local: &str,
        empty: bool,
        content: usize,
        carry_default: bool,
    ) -> Result<String, XmlError> {
        let mut bindings = self.prefix_bindings();
        if carry_default {
            if let Some(default) = self.default_namespace() {
                bindings.push((String::new(), default));
            }
        }
        if empty {
            return Ok(String::new());
        }
        let range = self.skip_content(local, content)?;
        Ok(crate::message::declare_in_top_level(
            self.slice(range),
            &bindings,
        ))
    }

    /// The slice of the source text for a byte range.
    pub(crate) fn slice(&self, range: Range<usize>) -> &'a str {
        &self.text[range]
    }
}

fn namespace_of(resolved: &ResolveResult<'_>) -> String {
    match resolved {
        ResolveResult::Bound(Namespace(ns)) => unescaped(ns),
        _ => String::new(),
    }
}

/// Whether `text` can be an element or attribute name: a qualified name of Namespaces in
/// XML §4 (one or two parts around a colon, each an `NCName`), checked for the characters
/// that would change what the markup means when written again. quick-xml reads a tag
/// leniently, so a key can hold quotes or angle brackets of a broken message, or an empty
/// local part.
fn is_name(text: &str) -> bool {
    let nc_name = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(|first| {
            !first.is_ascii_digit() && !matches!(first, '-' | '.') && name_char(first)
        }) && chars.all(name_char)
    };
    match text.split_once(':') {
        None => nc_name(text),
        Some((prefix, local)) => nc_name(prefix) && nc_name(local),
    }
}

/// XML's `NameChar` (§2.3) among ASCII characters: letters, digits, `-`, `.` and `_` (the
/// colon is the qualified name's own); beyond ASCII, anything but white space and control
/// characters, as leniently as devices need. `!` and `?` must never pass: written again, a
/// name starting with them is read as a comment or a processing instruction.
/// Whether `text` can be a namespace prefix: one `NCName` (Namespaces in XML §3).
pub(crate) fn is_nc_name(text: &str) -> bool {
    !text.contains(':') && is_name(text)
}

fn name_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
    } else {
        !c.is_whitespace() && !c.is_control()
    }
}

/// A namespace URI as declared: quick-xml's resolver keeps the attribute's raw text, so an
/// entity in it (`&amp;`, `&gt;`) is read here; a reference that is no entity stays as written.
fn unescaped(raw: &str) -> String {
    quick_xml::escape::unescape(raw)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_else(|_| raw.to_owned())
}
