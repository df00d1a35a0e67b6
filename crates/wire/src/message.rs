//! The NETCONF messages a session carries, parsed from their XML text.
//!
//! Parsing is namespace-aware (a server may write `<nc:rpc-reply xmlns:nc=...>`) and keeps the
//! original text: `<data>` content and the reply body are byte ranges into it, so a multi-MB
//! `<get>` reply is never copied before a validator reads it. Every RFC 6241 §4.3 `<rpc-error>`
//! field is kept, including `xml:lang` of the message and the raw `<error-info>`.

use std::fmt;
use std::ops::Range;

use crate::xml::{QualifiedName, Step, Walker, XmlError};
use crate::{NS_BASE, NS_NOTIFICATION};

/// A message that does not parse as what it claims to be.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("message is not UTF-8: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("unexpected root element {found} (expected {expected})")]
    UnexpectedRoot {
        found: String,
        expected: &'static str,
    },
    #[error("invalid <{element}>: {reason}")]
    Invalid {
        element: &'static str,
        reason: String,
    },
}

/// A `<hello>` (RFC 6241 §8.1). A server's carries a session-id; a client's must not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub capabilities: Vec<String>,
    pub session_id: Option<u32>,
}

impl Hello {
    /// Parses a `<hello>` message.
    pub fn parse(text: &str) -> Result<Hello, MessageError> {
        let mut walker = Walker::new(text);
        let (name, empty) = root(&mut walker)?;
        if name.local != "hello" || name.namespace != NS_BASE {
            return Err(MessageError::UnexpectedRoot {
                found: name.to_string(),
                expected: "hello",
            });
        }
        let mut hello = Hello {
            capabilities: Vec::new(),
            session_id: None,
        };
        if empty {
            return Ok(hello);
        }
        let mut depth = 0usize;
        loop {
            match walker.next()? {
                Step::Open { name, empty, .. } => {
                    let base = name.namespace == NS_BASE;
                    match (depth, name.local.as_str(), empty) {
                        (0, "capabilities", false) if base => depth = 1,
                        (1, "capability", false) if base => {
                            let uri = walker.text_content("capability")?;
                            hello.capabilities.push(uri.trim().to_owned());
                        }
                        (0, "session-id", false) if base => {
                            let text = walker.text_content("session-id")?;
                            let id =
                                text.trim()
                                    .parse::<u32>()
                                    .map_err(|_| MessageError::Invalid {
                                        element: "hello",
                                        reason: format!("session-id {text:?} is not a number"),
                                    })?;
                            hello.session_id = Some(id);
                        }
                        (_, other, false) => {
                            walker.skip_content(other, 0)?;
                        }
                        _ => {}
                    }
                }
                Step::Close { .. } => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                Step::Text(_) => {}
                Step::Eof => return Err(XmlError::Unclosed("hello".into()).into()),
            }
        }
        Ok(hello)
    }

    /// Serialises a hello. `session_id` only for a server's hello.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(128 + self.capabilities.len() * 64);
        out.push_str("<hello xmlns=\"");
        out.push_str(NS_BASE);
        out.push_str("\"><capabilities>");
        for capability in &self.capabilities {
            out.push_str("<capability>");
            out.push_str(&crate::xml::escape(capability));
            out.push_str("</capability>");
        }
        out.push_str("</capabilities>");
        if let Some(id) = self.session_id {
            out.push_str(&format!("<session-id>{id}</session-id>"));
        }
        out.push_str("</hello>");
        out
    }
}

/// The RFC 6241 §4.3 error-type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorType {
    Transport,
    Rpc,
    Protocol,
    Application,
    /// A value outside the enumeration, kept so a conformance check can flag it.
    Other(String),
}

impl ErrorType {
    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "transport" => ErrorType::Transport,
            "rpc" => ErrorType::Rpc,
            "protocol" => ErrorType::Protocol,
            "application" => ErrorType::Application,
            other => ErrorType::Other(other.to_owned()),
        }
    }

    /// The value as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorType::Transport => "transport",
            ErrorType::Rpc => "rpc",
            ErrorType::Protocol => "protocol",
            ErrorType::Application => "application",
            ErrorType::Other(other) => other,
        }
    }
}

/// The RFC 6241 §4.3 error-severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorSeverity {
    Error,
    Warning,
    Other(String),
}

impl ErrorSeverity {
    fn parse(text: &str) -> Self {
        match text {
            "error" => ErrorSeverity::Error,
            "warning" => ErrorSeverity::Warning,
            other => ErrorSeverity::Other(other.to_owned()),
        }
    }

    /// The value as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorSeverity::Error => "error",
            ErrorSeverity::Warning => "warning",
            ErrorSeverity::Other(other) => other,
        }
    }
}

/// One `<rpc-error>` with every RFC 6241 §4.3 field. Missing mandatory fields stay `None` so a
/// conformance check can report them instead of the parser rejecting the reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RpcError {
    pub error_type: Option<ErrorType>,
    pub tag: Option<String>,
    pub severity: Option<ErrorSeverity>,
    pub app_tag: Option<String>,
    pub path: Option<String>,
    pub message: Option<String>,
    /// The `xml:lang` of `<error-message>`, when given.
    pub message_lang: Option<String>,
    /// The raw XML content of `<error-info>`.
    pub info: Option<String>,
}

impl RpcError {
    /// The tag as an RFC 6241 error-tag, when it is one.
    pub fn error_tag(&self) -> Option<crate::ErrorTag> {
        self.tag.as_deref()?.parse().ok()
    }
}

impl RpcError {
    fn empty() -> Self {
        RpcError::default()
    }

    /// Whether this is an error rather than a warning.
    pub fn is_error(&self) -> bool {
        !matches!(self.severity, Some(ErrorSeverity::Warning))
    }

    /// The text of an `<error-info>` child with this local name (e.g. `session-id`,
    /// `bad-element`), from the raw info.
    pub fn info_field(&self, local: &str) -> Option<String> {
        let info = self.info.as_deref()?;
        let wrapped = format!("<i xmlns=\"{NS_BASE}\">{info}</i>");
        let mut walker = Walker::new(&wrapped);
        loop {
            match walker.next().ok()? {
                Step::Open { name, empty, .. } if name.local == local => {
                    return if empty {
                        Some(String::new())
                    } else {
                        walker.text_content(local).ok().map(|t| t.trim().to_owned())
                    };
                }
                Step::Eof => return None,
                _ => {}
            }
        }
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({})",
            self.error_type.as_ref().map_or("?", ErrorType::as_str),
            self.tag.as_deref().unwrap_or("?"),
            self.severity.as_ref().map_or("?", ErrorSeverity::as_str),
        )?;
        if let Some(app_tag) = &self.app_tag {
            write!(f, " app-tag {app_tag}")?;
        }
        if let Some(path) = &self.path {
            write!(f, " at {}", path.trim())?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", message.trim())?;
        }
        Ok(())
    }
}

/// An `<rpc-reply>`: `<ok/>`, data, or a list of `<rpc-error>`s (errors and warnings may come
/// with either). The raw text is kept; [`RpcReply::data`] and [`RpcReply::body`] borrow from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcReply {
    raw: String,
    /// The `message-id` attribute; RFC 6241 §4.2 lets a server omit it only when the request
    /// had none.
    pub message_id: Option<String>,
    /// Every attribute of `<rpc-reply>` as written (RFC 6241 §4.2 echoes the request's).
    pub attributes: Vec<(String, String)>,
    /// Whether an `<ok/>` is present.
    pub ok: bool,
    /// Every `<rpc-error>`, warnings included.
    pub errors: Vec<RpcError>,
    data: Option<Range<usize>>,
    /// The `<data>` content with the prefixes declared on `<rpc-reply>` and `<data>`
    /// declared again on each top-level element, when there are any: the content stands on
    /// its own then (a server may declare `wd:` once, on the reply).
    data_declared: Option<String>,
    /// The prefixed namespace declarations of `<rpc-reply>` and `<data>`, inner last.
    declarations: Vec<(String, String)>,
    data_name: Option<QualifiedName>,
    body: Range<usize>,
}

impl RpcReply {
    /// Parses an `<rpc-reply>` message.
    pub fn parse(text: impl Into<String>) -> Result<RpcReply, MessageError> {
        let raw = text.into();
        let mut parsed = parse_reply(&raw)?;
        if let Some(range) = parsed.data.clone() {
            if !parsed.declarations.is_empty() && !range.is_empty() {
                parsed.data_declared =
                    Some(declare_in_top_level(&raw[range], &parsed.declarations));
            }
        }
        Ok(RpcReply { raw, ..parsed })
    }

    /// The whole message as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The content of the `<data>` element (any namespace: base for `<get>`, NMDA for
    /// `<get-data>`, monitoring for `<get-schema>`), as raw XML.
    pub fn data(&self) -> Option<&str> {
        match &self.data_declared {
            Some(declared) => Some(declared),
            None => self.data.clone().map(|r| &self.raw[r]),
        }
    }

    /// The qualified name of the `<data>` element, when there is one.
    pub fn data_element(&self) -> Option<&QualifiedName> {
        self.data_name.as_ref()
    }

    /// The `<data>` content as unescaped text (for `<get-schema>`, whose module text is
    /// character data).
    pub fn data_text(&self) -> Option<String> {
        let data = self.data()?;
        let wrapped = format!("<t>{data}</t>");
        let mut walker = Walker::new(&wrapped);
        let _ = walker.next().ok()?;
        walker.text_content("data").ok()
    }

    /// Everything inside `<rpc-reply>`, as raw XML (output of RPCs that have no `<data>`).
    pub fn body(&self) -> &str {
        &self.raw[self.body.clone()]
    }

    /// The errors of severity error (warnings excluded).
    pub fn hard_errors(&self) -> impl Iterator<Item = &RpcError> {
        self.errors.iter().filter(|e| e.is_error())
    }

    /// Whether the operation succeeded: no error-severity `<rpc-error>`.
    pub fn is_success(&self) -> bool {
        self.hard_errors().next().is_none()
    }
}

fn parse_reply(text: &str) -> Result<RpcReply, MessageError> {
    let mut walker = Walker::new(text);
    let (name, empty, tag_attributes, body_start) = loop {
        match walker.next()? {
            Step::Open {
                name,
                tag,
                empty,
                content,
                ..
            } => {
                let attributes = walker.attributes(&tag)?;
                break (name, empty, attributes, content);
            }
            Step::Eof => return Err(XmlError::NoRoot.into()),
            _ => {}
        }
    };
    if name.local != "rpc-reply" || name.namespace != NS_BASE {
        return Err(MessageError::UnexpectedRoot {
            found: name.to_string(),
            expected: "rpc-reply",
        });
    }
    let message_id = tag_attributes
        .iter()
        .find(|(k, _)| k == "message-id")
        .map(|(_, v)| v.clone());
    let mut reply = RpcReply {
        raw: String::new(),
        message_id,
        attributes: tag_attributes.clone(),
        ok: false,
        errors: Vec::new(),
        data: None,
        data_declared: None,
        declarations: prefix_declarations(&tag_attributes),
        data_name: None,
        body: body_start..body_start,
    };
    if empty {
        return Ok(reply);
    }
    loop {
        match walker.next()? {
            Step::Open {
                name,
                tag,
                empty,
                content,
                ..
            } => {
                let base = name.namespace == NS_BASE;
                match name.local.as_str() {
                    "ok" if base => {
                        reply.ok = true;
                        if !empty {
                            walker.skip_content("ok", content)?;
                        }
                    }
                    "rpc-error" if base => {
                        if empty {
                            reply.errors.push(RpcError::empty());
                        } else {
                            reply.errors.push(parse_rpc_error(&mut walker)?);
                        }
                    }
                    "data" if reply.data.is_none() => {
                        let own = prefix_declarations(&walker.attributes(&tag)?);
                        reply.declarations.extend(own);
                        let range = if empty {
                            content..content
                        } else {
                            walker.skip_content("data", content)?
                        };
                        reply.data = Some(range);
                        reply.data_name = Some(name);
                    }
                    other => {
                        if !empty {
                            walker.skip_content(other, content)?;
                        }
                    }
                }
            }
            Step::Close { start } => {
                reply.body = body_start..start;
                return Ok(reply);
            }
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed("rpc-reply".into()).into()),
        }
    }
}

/// The `xmlns:prefix` declarations among a tag's attributes, as (prefix, namespace).
fn prefix_declarations(attributes: &[(String, String)]) -> Vec<(String, String)> {
    attributes
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("xmlns:")
                .map(|prefix| (prefix.to_owned(), value.clone()))
        })
        .collect()
}

/// The fragment with `declarations` (later ones win, unused ones left out) added to the start tag of each
/// top-level element that does not declare the prefix itself; the empty prefix is the default
/// namespace. The fragment was well-formed
/// inside its reply; should the scan still stumble, the fragment is returned as it was.
pub(crate) fn declare_in_top_level(fragment: &str, declarations: &[(String, String)]) -> String {
    use quick_xml::events::Event;
    let mut effective: Vec<(&str, &str)> = Vec::new();
    for (prefix, namespace) in declarations {
        effective.retain(|(p, _)| *p != prefix);
        // Only prefixes the fragment may use (in a name, an attribute or an identity value).
        if fragment.contains(&format!("{prefix}:")) {
            effective.push((prefix, namespace));
        }
    }
    let mut reader = quick_xml::Reader::from_str(fragment);
    let mut insertions: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let (start, opens) = match reader.read_event() {
            Ok(Event::Start(start)) => (start, true),
            Ok(Event::Empty(start)) => (start, false),
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Ok(Event::Eof) => break,
            Ok(_) => continue,
            Err(_) => return fragment.to_owned(),
        };
        if depth == 0 {
            let own: Vec<String> = start
                .attributes()
                .flatten()
                .filter_map(|a| {
                    let key = a.key.as_ref();
                    if key == "xmlns" {
                        return Some(String::new());
                    }
                    key.strip_prefix("xmlns:").map(str::to_owned)
                })
                .collect();
            let mut added = String::new();
            for (prefix, namespace) in &effective {
                if own.iter().any(|p| p == prefix) {
                    continue;
                }
                let attribute = if prefix.is_empty() {
                    "xmlns".to_owned()
                } else {
                    format!("xmlns:{prefix}")
                };
                added.push_str(&format!(
                    " {attribute}=\"{}\"",
                    crate::xml::escape(namespace)
                ));
            }
            // After "<" and the element's name. quick-xml does not count a byte-order mark
            // it skips at the start of its input (a fragment cut out of a message can start
            // with U+FEFF), so the tag is looked for from where the reader was, and the name
            // must stand there.
            let name = start.name();
            let tag = fragment
                .get(before..)
                .and_then(|rest| rest.find('<'))
                .map(|offset| before + offset);
            if let Some(tag) = tag {
                let at = tag + 1 + name.as_ref().len();
                let named = fragment.get(tag + 1..at) == Some(name.as_ref());
                if !added.is_empty() && named && fragment.is_char_boundary(at) {
                    insertions.push((at, added));
                }
            }
        }
        if opens {
            depth += 1;
        }
    }
    let mut out = String::with_capacity(fragment.len() + insertions.len() * 64);
    let mut from = 0;
    for (at, added) in insertions {
        out.push_str(&fragment[from..at]);
        out.push_str(&added);
        from = at;
    }
    out.push_str(&fragment[from..]);
    out
}

fn parse_rpc_error(walker: &mut Walker<'_>) -> Result<RpcError, MessageError> {
    parse_error_record(walker, "rpc-error")
}

/// Reads the fields of one error record (an `<rpc-error>`, or a RESTCONF `<error>`, which is the
/// same record without a severity) until its element closes; the walker stands inside it.
pub(crate) fn parse_error_record(
    walker: &mut Walker<'_>,
    element: &str,
) -> Result<RpcError, MessageError> {
    let mut error = RpcError::empty();
    loop {
        match walker.next()? {
            Step::Open {
                name,
                tag,
                empty,
                content,
                ..
            } => {
                if empty {
                    continue;
                }
                match name.local.as_str() {
                    "error-type" => {
                        error.error_type =
                            Some(ErrorType::parse(walker.text_content("error-type")?.trim()))
                    }
                    "error-tag" => {
                        error.tag = Some(walker.text_content("error-tag")?.trim().to_owned())
                    }
                    "error-severity" => {
                        error.severity = Some(ErrorSeverity::parse(
                            walker.text_content("error-severity")?.trim(),
                        ))
                    }
                    "error-app-tag" => {
                        error.app_tag =
                            Some(walker.text_content("error-app-tag")?.trim().to_owned())
                    }
                    "error-path" => error.path = Some(walker.text_content("error-path")?),
                    "error-message" => {
                        error.message_lang = walker.plain_attribute(&tag, "xml:lang")?;
                        error.message = Some(walker.text_content("error-message")?);
                    }
                    "error-info" => {
                        let range = walker.skip_content("error-info", content)?;
                        error.info = Some(walker.slice(range).to_owned());
                    }
                    other => {
                        walker.skip_content(other, content)?;
                    }
                }
            }
            Step::Close { .. } => return Ok(error),
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed(element.into()).into()),
        }
    }
}

/// An RFC 5277 `<notification>`: its `eventTime` and the raw XML of the event content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    raw: String,
    /// The `eventTime` as written (RFC 3339).
    pub event_time: String,
    /// The name of the first element after `eventTime`: the event.
    pub event: Option<QualifiedName>,
    content: Range<usize>,
    /// When the receiver read it off its transport; set by whoever receives, not parsed.
    pub received: Option<Arrival>,
}

/// When a message arrived: the wall clock, to set beside the device's own times, and a
/// monotonic instant, to measure intervals with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub wall: std::time::SystemTime,
    pub monotonic: std::time::Instant,
}

impl Arrival {
    pub fn now() -> Arrival {
        Arrival {
            wall: std::time::SystemTime::now(),
            monotonic: std::time::Instant::now(),
        }
    }
}

impl Notification {
    /// Parses a `<notification>` message.
    pub fn parse(text: impl Into<String>) -> Result<Notification, MessageError> {
        let raw = text.into();
        let (event_time, event, content) = parse_notification(&raw)?;
        Ok(Notification {
            raw,
            event_time,
            event,
            content,
            received: None,
        })
    }

    /// The whole message as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The event content (everything after `eventTime`) as raw XML.
    pub fn content(&self) -> &str {
        &self.raw[self.content.clone()]
    }
}

type NotificationParts = (String, Option<QualifiedName>, Range<usize>);

fn parse_notification(text: &str) -> Result<NotificationParts, MessageError> {
    let mut walker = Walker::new(text);
    let (name, empty) = root(&mut walker)?;
    if name.local != "notification" || name.namespace != NS_NOTIFICATION {
        return Err(MessageError::UnexpectedRoot {
            found: name.to_string(),
            expected: "notification",
        });
    }
    let invalid = |reason: &str| MessageError::Invalid {
        element: "notification",
        reason: reason.to_owned(),
    };
    if empty {
        return Err(invalid("no eventTime"));
    }
    let mut event_time = None;
    let mut event = None;
    let mut content_start = None;
    loop {
        match walker.next()? {
            Step::Open {
                name,
                empty,
                start,
                content,
                ..
            } => {
                if name.local == "eventTime" && name.namespace == NS_NOTIFICATION && !empty {
                    event_time = Some(walker.text_content("eventTime")?.trim().to_owned());
                    continue;
                }
                if event.is_none() {
                    event = Some(name.clone());
                    content_start = Some(start);
                }
                if !empty {
                    walker.skip_content(&name.local, content)?;
                }
            }
            Step::Close { start } => {
                let event_time = event_time.ok_or_else(|| invalid("no eventTime"))?;
                let content = content_start.unwrap_or(start)..start;
                return Ok((event_time, event, content));
            }
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed("notification".into()).into()),
        }
    }
}

/// What a server may send after the hello exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    Hello(Hello),
    RpcReply(RpcReply),
    Notification(Notification),
}

impl ServerMessage {
    /// Parses any server message, dispatching on the root element.
    pub fn parse(bytes: &[u8]) -> Result<ServerMessage, MessageError> {
        let text = std::str::from_utf8(bytes)?;
        let mut walker = Walker::new(text);
        let (name, _) = root(&mut walker)?;
        match (name.local.as_str(), name.namespace.as_str()) {
            ("rpc-reply", NS_BASE) => Ok(ServerMessage::RpcReply(RpcReply::parse(text)?)),
            ("notification", NS_NOTIFICATION) => {
                Ok(ServerMessage::Notification(Notification::parse(text)?))
            }
            ("hello", NS_BASE) => Ok(ServerMessage::Hello(Hello::parse(text)?)),
            _ => Err(MessageError::UnexpectedRoot {
                found: name.to_string(),
                expected: "rpc-reply, notification or hello",
            }),
        }
    }
}

/// Reads up to the root element; returns its name and whether it is empty (`<x/>`).
fn root(walker: &mut Walker<'_>) -> Result<(QualifiedName, bool), MessageError> {
    loop {
        match walker.next()? {
            Step::Open { name, empty, .. } => return Ok((name, empty)),
            Step::Eof => return Err(XmlError::NoRoot.into()),
            Step::Text(t) if t.trim().is_empty() => {}
            Step::Text(t) => {
                return Err(MessageError::Invalid {
                    element: "message",
                    reason: format!("text before the root element: {:?}", preview(&t)),
                })
            }
            Step::Close { .. } => {
                return Err(MessageError::Invalid {
                    element: "message",
                    reason: "end tag before the root element".into(),
                })
            }
        }
    }
}

fn preview(text: &str) -> &str {
    let end = text.char_indices().nth(32).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

#[cfg(test)]
mod tests;
