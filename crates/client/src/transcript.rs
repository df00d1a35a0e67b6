//! The transcript of a session: every message in and out, with wall-clock and monotonic
//! timestamps, and with secrets removed before anything is stored.
//!
//! Redaction happens when a message is recorded, so no copy of a secret ever sits in the
//! transcript. It removes secrets where they stand, and nothing else, so that the evidence
//! still says what was sent: the text of XML elements and the values of JSON members that
//! carry credentials by name, and any whole value (an element's text, an attribute's or a
//! JSON string's value) that equals a registered secret (the SSH password, a key
//! passphrase). A secret that is also a word of the protocol (a password `netconf`) leaves
//! the namespaces and capabilities that hold that word as they were. HTTP `Authorization`
//! is left out of RESTCONF transcripts by header name (`crate::restconf`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// What replaces a secret.
pub const REDACTED: &str = "***redacted***";

/// How much of one message a transcript keeps by default: the rest is replaced by its length
/// and SHA-256, so that a device sending huge messages cannot fill memory or disk.
pub const DEFAULT_MAX_RECORDED: usize = 1 << 20;

/// Messages at least this large are candidates for [`SharedMessages`].
const SHARE_FROM: usize = 64 * 1024;

/// Local names of elements whose text is a credential in common YANG models (ietf-system user
/// passwords, RADIUS/TACACS shared secrets, keychain keys).
const SECRET_ELEMENTS: &[&str] = &[
    "password",
    "shared-secret",
    "secret-key",
    "private-key",
    "cleartext-password",
];

/// Direction of a message, seen from our side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by us.
    Out,
    /// Received from the peer.
    In,
    /// A note from the client (framing switch, unmatched reply, disconnect).
    Note,
}

impl Direction {
    /// `out`, `in` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Out => "out",
            Direction::In => "in",
            Direction::Note => "note",
        }
    }
}

/// One recorded message.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Wall-clock time of the record.
    pub at: SystemTime,
    /// Time since the transcript started (monotonic).
    pub elapsed: Duration,
    pub direction: Direction,
    /// The message text with secrets removed.
    pub text: String,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    secrets: Vec<String>,
    entries: Vec<Entry>,
    enabled: bool,
    /// The most of one message kept.
    max_recorded: usize,
    /// Where large messages seen before are kept once, if anywhere.
    shared: Option<Arc<SharedMessages>>,
}

/// Large messages a device sends in every session (its hello, its YANG library), kept once
/// per device: a transcript records a reference to the kept copy instead (its length and
/// SHA-256), and the evidence writer writes each copy once ([`SharedMessages::take_new`]).
#[derive(Debug, Default)]
pub struct SharedMessages {
    inner: Mutex<SharedInner>,
}

#[derive(Debug, Default)]
struct SharedInner {
    /// The digests of the messages kept so far.
    known: std::collections::HashSet<String>,
    /// Copies not yet written: (file name, text).
    unwritten: Vec<(String, String)>,
}

impl SharedMessages {
    /// The transcript entry for a large message: a reference to its one kept copy (made now
    /// if it is new, cut at `max_recorded` like any message).
    fn reference(&self, text: &str, max_recorded: usize) -> String {
        let digest = sha256_hex(text);
        let name = format!("{}.xml", &digest[..16]);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.known.insert(digest.clone()) {
            inner
                .unwritten
                .push((name.clone(), cut(text, max_recorded)));
        }
        format!(
            "<!-- rfc3535: a message of {} bytes, sha256 {digest}, kept once for this device as shared/{name} -->",
            text.len()
        )
    }

    /// The copies made since the last call, to be written once: (file name, text).
    pub fn take_new(&self) -> Vec<(String, String)> {
        std::mem::take(
            &mut self
                .inner
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .unwritten,
        )
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A hello with its session-id's value taken out (what every session's hello of a device
/// shares), and that value.
fn without_session_id(hello: &str) -> (String, String) {
    let Some(open) = hello.find("session-id>") else {
        return (hello.to_owned(), String::new());
    };
    let value_at = open + "session-id>".len();
    let Some(length) = hello[value_at..].find('<') else {
        return (hello.to_owned(), String::new());
    };
    let value = hello[value_at..value_at + length].trim().to_owned();
    let stable = format!("{}{}", &hello[..value_at], &hello[value_at + length..]);
    (stable, value)
}

/// How a message cut to the recorded maximum is marked, after the part kept: checks of what
/// the transcript holds leave such a message out, and say so.
pub const CUT_MARK: &str = "<!-- rfc3535: cut at ";

/// At most `max` bytes of a message (at a character boundary), the rest replaced by a note
/// of its length and SHA-256.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n{CUT_MARK}{end} of {} bytes; the whole message's sha256 {} -->",
        &text[..end],
        text.len(),
        sha256_hex(text)
    )
}

/// A shared, append-only transcript. Clones record into the same transcript.
#[derive(Debug, Clone)]
pub struct Transcript {
    inner: Arc<Mutex<Inner>>,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new(true)
    }
}

impl Transcript {
    /// An empty transcript; when `enabled` is false only notes are kept (benchmarks).
    pub fn new(enabled: bool) -> Self {
        Transcript {
            inner: Arc::new(Mutex::new(Inner {
                started: Instant::now(),
                secrets: Vec::new(),
                entries: Vec::new(),
                enabled,
                max_recorded: DEFAULT_MAX_RECORDED,
                shared: None,
            })),
        }
    }

    /// Keeps at most `max_recorded` bytes of a message, and (with `shared`) large messages
    /// once per device.
    pub fn limit(&self, max_recorded: usize, shared: Option<Arc<SharedMessages>>) {
        let mut inner = self.lock();
        inner.max_recorded = max_recorded.max(1);
        inner.shared = shared;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the entries inconsistent (push only).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a secret that must never appear in the transcript.
    pub fn add_secret(&self, secret: &str) {
        if !secret.is_empty() {
            self.lock().secrets.push(secret.to_owned());
        }
    }

    /// Records a message.
    pub fn record(&self, direction: Direction, text: &str) {
        let mut inner = self.lock();
        if !inner.enabled && direction != Direction::Note {
            return;
        }
        let text = cut(&redact(text, &inner.secrets), inner.max_recorded);
        let elapsed = inner.started.elapsed();
        inner.entries.push(Entry {
            at: SystemTime::now(),
            elapsed,
            direction,
            text,
        });
    }

    /// Records the server's `<hello>`. A large one (a device can announce megabytes of
    /// capabilities) is kept once for all the device's sessions when the transcript shares
    /// messages: the copies differ only in their session-id, which the entry gives.
    pub fn record_server_hello(&self, text: &str) {
        let mut inner = self.lock();
        if !inner.enabled {
            return;
        }
        let text = redact(text, &inner.secrets);
        let text = match &inner.shared {
            Some(shared) if text.len() >= SHARE_FROM => {
                let (stable, session_id) = without_session_id(&text);
                let reference = shared.reference(&stable, inner.max_recorded);
                format!("{reference}\n<!-- rfc3535: this session's session-id: {session_id} -->")
            }
            _ => cut(&text, inner.max_recorded),
        };
        let elapsed = inner.started.elapsed();
        inner.entries.push(Entry {
            at: SystemTime::now(),
            elapsed,
            direction: Direction::In,
            text,
        });
    }

    /// A copy of the entries so far.
    pub fn entries(&self) -> Vec<Entry> {
        self.lock().entries.clone()
    }

    /// Number of entries so far.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The transcript as readable text: one header line per message, then the message.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for entry in self.lock().entries.iter() {
            out.push_str(&format!(
                "--- {} +{:.6}s {}\n{}\n",
                humantime::format_rfc3339_micros(entry.at),
                entry.elapsed.as_secs_f64(),
                entry.direction.as_str(),
                entry.text
            ));
        }
        out
    }

    /// Writes one file per message, `NNN-<direction>.xml`, each starting with a comment that
    /// gives its time, into `dir` (created if missing). Returns the file names in order.
    pub fn write_dir(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        std::fs::create_dir_all(dir)?;
        let mut names = Vec::new();
        for (n, entry) in self.lock().entries.iter().enumerate() {
            let name = format!("{:03}-{}.xml", n + 1, entry.direction.as_str());
            let header = format!(
                "<!-- {} +{:.6}s {} -->\n",
                humantime::format_rfc3339_micros(entry.at),
                entry.elapsed.as_secs_f64(),
                entry.direction.as_str()
            );
            std::fs::write(dir.join(&name), format!("{header}{}\n", entry.text))?;
            names.push(name);
        }
        Ok(names)
    }
}

/// Removes the text of credential elements and members, and whole values equal to a
/// registered secret.
pub(crate) fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = if SECRET_ELEMENTS.iter().any(|name| text.contains(name)) {
        redact_json_members(&redact_elements(text))
    } else {
        text.to_owned()
    };
    // The forms a secret takes written into XML or into a JSON string.
    let forms: Vec<String> = secrets
        .iter()
        .filter(|s| !s.is_empty())
        .flat_map(|s| [s.clone(), xml_escaped(s), json_escaped(s)])
        .collect();
    if forms.iter().any(|form| out.contains(form.as_str())) {
        out = redact_values(&out, &forms);
    }
    out
}

fn xml_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A secret as a JSON string holds it (the escapes a password can need).
fn json_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Replaces every whole value equal to one of `forms`: an element's text (surrounding
/// white space aside) and a quoted value (an attribute's, a JSON string's). Hand-written
/// like [`redact_elements`], for the same reasons; a value is only ever compared whole, so a
/// secret inside a longer value (a namespace, a capability) stays.
fn redact_values(text: &str, forms: &[String]) -> String {
    let is_secret = |value: &str| forms.iter().any(|form| form == value);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['"', '\'', '>']) {
        let mark = rest[at..].chars().next().unwrap_or('>');
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        if mark == '>' {
            // Text up to the next tag.
            let end = rest.find('<').unwrap_or(rest.len());
            let node = &rest[..end];
            let trimmed = node.trim();
            if !trimmed.is_empty() && is_secret(trimmed) {
                let lead = node.len() - node.trim_start().len();
                out.push_str(&node[..lead]);
                out.push_str(REDACTED);
                out.push_str(&node[lead + trimmed.len()..]);
            } else {
                out.push_str(node);
            }
            rest = &rest[end..];
        } else if let Some(end) = rest.find(mark) {
            let value = &rest[..end];
            out.push_str(if is_secret(value) { REDACTED } else { value });
            out.push(mark);
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Replaces the string value of JSON members named like credentials (`"password"`, or
/// `"module:password"`) with [`REDACTED`]; the text is not required to be whole JSON.
fn redact_json_members(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let Some(close) = rest.find('"') else { break };
        let name = &rest[..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let local = name.rsplit(':').next().unwrap_or(name);
        if !SECRET_ELEMENTS.contains(&local) {
            continue;
        }
        // `"name" : "value"`: the value, escaped quotes included, is the secret.
        let after_colon = rest.trim_start().strip_prefix(':').map(str::trim_start);
        let Some(value) = after_colon.and_then(|v| v.strip_prefix('"')) else {
            continue;
        };
        let mut end = None;
        let mut escaped = false;
        for (index, c) in value.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(index);
                    break;
                }
                _ => escaped = false,
            }
        }
        let skipped = rest.len() - value.len();
        out.push_str(&rest[..skipped]);
        match end {
            Some(end) => {
                out.push_str(REDACTED);
                out.push('"');
                rest = &value[end + 1..];
            }
            None => {
                out.push_str(REDACTED);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replaces the text content of `<password>`-like elements (any prefix) with [`REDACTED`].
/// Hand-written instead of a full XML rewrite: the transcript must keep the message byte-exact
/// apart from the redacted spans, and must also cope with malformed messages.
fn redact_elements(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[1..close];
        let is_secret = !tag.starts_with('/') && !tag.ends_with('/') && {
            let name = tag.split_whitespace().next().unwrap_or_default();
            let local = name.rsplit(':').next().unwrap_or(name);
            SECRET_ELEMENTS.contains(&local)
        };
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        if is_secret {
            match rest.find("</") {
                Some(end) => {
                    if end > 0 {
                        out.push_str(REDACTED);
                    }
                    rest = &rest[end..];
                }
                // A truncated message: hide everything after the opening tag.
                None => {
                    if !rest.is_empty() {
                        out.push_str(REDACTED);
                    }
                    rest = "";
                }
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_transcript() {
        let transcript = Transcript::default();
        transcript.add_secret("hunter2");
        transcript.record(Direction::In, "<a>hunter2</a><b k=\"hunter2\"/>");
        transcript.record(
            Direction::Out,
            "<user><name>x</name><sys:password xmlns:sys=\"urn:s\">$6$abc</sys:password></user>",
        );
        let text = transcript.to_text();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("$6$abc"), "{text}");
        assert!(text.contains("<sys:password xmlns:sys=\"urn:s\">***redacted***</sys:password>"));
        assert!(text.contains("<name>x</name>"));
    }

    #[test]
    fn a_secret_that_is_a_protocol_word_leaves_the_evidence_intact() {
        let transcript = Transcript::default();
        transcript.add_secret("netconf");
        let hello = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>";
        transcript.record(Direction::In, hello);
        let echoed = "<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" message-id=\"netconf\"><data><note> netconf </note><user name='netconf'/></data></rpc-reply>";
        transcript.record(Direction::In, echoed);
        let entries = transcript.entries();
        assert_eq!(entries[0].text, hello, "the hello is as it came");
        assert_eq!(
            entries[1].text,
            "<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" message-id=\"***redacted***\"><data><note> ***redacted*** </note><user name='***redacted***'/></data></rpc-reply>",
            "whole values equal to the secret go, the namespace stays"
        );
    }

    #[test]
    fn credentials_in_json_bodies_and_escaped_secrets_are_removed() {
        let body = r#"{"ietf-system:system":{"authentication":{"user":[{"name":"x","password":"$6$a\"b","note":"p&q"}]}}}"#;
        let redacted = redact(body, &["p&q".to_owned()]);
        assert_eq!(
            redacted,
            r#"{"ietf-system:system":{"authentication":{"user":[{"name":"x","password":"***redacted***","note":"***redacted***"}]}}}"#
        );
        assert_eq!(
            redact("<note>p&amp;q</note>", &["p&q".to_owned()]),
            "<note>***redacted***</note>"
        );
    }

    #[test]
    fn a_huge_message_is_cut_and_a_repeated_one_kept_once() {
        let shared = Arc::new(SharedMessages::default());
        let hello = format!("<hello>{}</hello>", "c".repeat(200_000));
        for session in 1..=3 {
            let transcript = Transcript::default();
            transcript.limit(1000, Some(Arc::clone(&shared)));
            let hello = format!("{hello}<session-id>{session}</session-id>");
            transcript.record_server_hello(&hello);
            transcript.record(Direction::In, &"é".repeat(5000));
            let entries = transcript.entries();
            assert!(
                entries[0]
                    .text
                    .contains("kept once for this device as shared/")
                    && entries[0].text.contains(&format!("session-id: {session}")),
                "{}",
                entries[0].text
            );
            assert!(
                entries[1].text.len() < 1200,
                "cut: {}",
                entries[1].text.len()
            );
            assert!(entries[1].text.contains("cut at 1000 of 10000 bytes"));
        }
        let kept = shared.take_new();
        assert_eq!(kept.len(), 1, "one copy for three sessions");
        assert!(kept[0].1.len() < 1200 && kept[0].1.starts_with("<hello>ccc"));
        assert!(shared.take_new().is_empty());
    }

    #[test]
    fn files_are_numbered_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let transcript = Transcript::default();
        transcript.record(Direction::Out, "<rpc/>");
        transcript.record(Direction::In, "<rpc-reply/>");
        let names = transcript.write_dir(dir.path()).expect("writes");
        assert_eq!(names, ["001-out.xml", "002-in.xml"]);
        let first = std::fs::read_to_string(dir.path().join("001-out.xml")).expect("reads");
        assert!(first.starts_with("<!-- ") && first.contains("<rpc/>"));
    }

    #[test]
    fn empty_and_self_closing_secret_elements_are_left_alone() {
        assert_eq!(
            redact_elements("<password/><a>1</a>"),
            "<password/><a>1</a>"
        );
        assert_eq!(
            redact_elements("<password></password>"),
            "<password></password>"
        );
        assert_eq!(redact_elements("<password>x"), "<password>***redacted***");
    }
}
