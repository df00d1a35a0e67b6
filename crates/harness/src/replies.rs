//! Every reply of every scenario checked against the device's own schema, after the
//! scenario: requests and replies are paired by message-id from the session transcripts, the
//! data of `<get-config>` (no state allowed), `<get>` and `<get-data>` replies is validated,
//! and the reply to any other operation is checked against the output its module defines
//! (an `<ok/>` where output is due, output of the wrong shape). Every `<notification>` the
//! device sent is checked too: its event must be one the module of its namespace defines,
//! with valid content (RFC 5277 §4, RFC 7950 §7.16). What does not validate becomes a finding
//! attached to the scenario (a failure, or a warning with `--schema-findings warn`). What
//! could not be checked (the device's own modules do not compile, an event or operation in
//! no module's namespace, a message too large to be kept whole) is listed as not checked,
//! never passed over in silence.

use std::collections::BTreeMap;

use rfc3535_client::transcript::Direction;
use rfc3535_client::wire::xml::QualifiedName;
use rfc3535_client::wire::RpcReply;
use rfc3535_client::Session;
use rfc3535_yang::{Content, ReplyCheck};

use crate::device::DeviceContext;
use crate::session::DeviceSession;

fn message_id(text: &str) -> Option<&str> {
    let start = text.find("message-id=\"")? + "message-id=\"".len();
    let rest = &text[start..];
    Some(&rest[..rest.find('"')?])
}

/// How a request's reply is checked: its operation's name, and for the reads, the data
/// they hold (`<get-config>` as configuration, `<get>` as data, RFC 8526 `<get-data>` as data
/// for the operational datastore and as configuration for the others); other operations'
/// replies are checked against the operation's output (`None`).
fn check_of(request: &str) -> Option<(QualifiedName, Option<Content>)> {
    let rpc = rfc3535_client::wire::tree::Element::parse(request).ok()?;
    let operation = rpc.children.first()?;
    Some((operation.name.clone(), content_of(operation)))
}

fn content_of(operation: &rfc3535_client::wire::tree::Element) -> Option<Content> {
    match operation.name.local.as_str() {
        "get-config" => Some(Content::PartialConfig),
        "get" => Some(Content::Data),
        "get-data" => {
            let operational = operation
                .children
                .iter()
                .find(|c| c.name.local == "datastore")
                .is_some_and(|d| d.text.trim().ends_with(":operational"));
            Some(if operational {
                Content::Data
            } else {
                Content::PartialConfig
            })
        }
        _ => None,
    }
}

/// What checking one session's replies found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyChecks {
    /// Replies that do not validate against the device's own schema.
    pub findings: Vec<String>,
    /// Replies that could not be checked, and why (the device's modules do not compile).
    pub unchecked: Vec<String>,
}

/// Checks one session's replies.
pub fn check_session(device: &DeviceContext, session: &DeviceSession) -> ReplyChecks {
    match session {
        DeviceSession::Netconf(session) => check_netconf_session(device, session),
        DeviceSession::Restconf(session) => check_restconf_session(device, session),
    }
}

/// Checks the data resources one RESTCONF session read: each body placed where its API path
/// puts it (or, for the datastore, taken out of `ietf-restconf:data`) and parsed through the
/// device's schema, as configuration when only configuration was asked for.
fn check_restconf_session(
    device: &DeviceContext,
    session: &crate::restconf::RestconfSession,
) -> ReplyChecks {
    let mut checks = ReplyChecks::default();
    let reads = session.reads();
    if reads.is_empty() {
        return checks;
    }
    let Ok(schema) = device.schema() else {
        return checks;
    };
    let schema = match schema.as_ref().as_ref() {
        Ok(schema) => schema,
        Err(error) => {
            checks.unchecked.extend(reads.iter().map(|r| {
                format!(
                    "GET {}: the device's modules do not compile: {error}",
                    r.target
                )
            }));
            return checks;
        }
    };
    for read in reads {
        if let Err(problem) = check_read(schema, &read) {
            checks
                .findings
                .push(format!("GET {}: {problem}", read.target));
        }
    }
    checks
}

/// Checks one data resource read: its body placed where its API path puts it (or, for a
/// datastore, taken out of `ietf-restconf:data`) and parsed through the schema, as
/// configuration when only configuration was read.
fn check_read(
    schema: &rfc3535_yang::Schema,
    read: &crate::restconf::DataRead,
) -> Result<(), String> {
    let content = if read.config_only {
        Content::PartialConfig
    } else {
        Content::Data
    };
    let whole = if read.api_path.is_empty() {
        rfc3535_client::wire::restconf::datastore::unwrap(&read.body, read.encoding)
            .map_err(|e| format!("the body is not ietf-restconf:data: {e}"))?
    } else {
        let path = schema
            .resource_path(&read.api_path)
            .map_err(|e| format!("the API path names no node of the schema: {e}"))?;
        schema.place(
            &read.body,
            read.encoding,
            &path,
            path.steps.len().saturating_sub(1),
        )
    };
    schema
        .validate_encoded(&whole, read.encoding, content)
        .map_err(|finding| finding.to_string())
}

/// Checks one NETCONF session's replies. Without a fetched schema (the device does not offer
/// its modules) there is nothing to check against.
fn check_netconf_session(device: &DeviceContext, session: &Session) -> ReplyChecks {
    let Ok(schema) = device.schema() else {
        return ReplyChecks::default();
    };
    let schema = match schema.as_ref().as_ref() {
        Ok(schema) => Ok(schema),
        Err(error) => Err(error.to_string()),
    };
    let entries = session.transcript().entries();
    check_messages(
        schema,
        session.session_id(),
        entries.iter().map(|e| (e.direction, e.text.as_str())),
    )
}

/// Checks the replies among one session's messages, in order: requests and replies paired by
/// message-id, the data of successful reads validated, the other successful replies checked
/// against their operation's output.
pub fn check_messages<'a>(
    schema: Result<&rfc3535_yang::Schema, String>,
    session_id: u32,
    messages: impl IntoIterator<Item = (Direction, &'a str)>,
) -> ReplyChecks {
    let mut checks = ReplyChecks::default();
    let mut requests: BTreeMap<&str, (QualifiedName, Option<Content>, &str)> = BTreeMap::new();
    for (direction, text) in messages {
        let Some(id) = message_id(text) else {
            if direction == Direction::In {
                check_notification(&schema, session_id, text, &mut checks);
            }
            continue;
        };
        match direction {
            Direction::Out => {
                if let Some((operation, content)) = check_of(text) {
                    requests.insert(id, (operation, content, text));
                }
            }
            Direction::In => {
                let Some((operation, content, request)) = requests.remove(id) else {
                    continue;
                };
                if text.contains(rfc3535_client::transcript::CUT_MARK) {
                    checks.unchecked.push(format!(
                        "session {session_id} message-id {id} ({}): not checked, too large to be kept whole in the transcript",
                        operation.local
                    ));
                    continue;
                }
                let Ok(reply) = RpcReply::parse(text.to_owned()) else {
                    continue;
                };
                if !reply.is_success() {
                    continue;
                }
                let at = format!("session {session_id} message-id {id} ({})", operation.local);
                match (&schema, content) {
                    (Ok(schema), Some(content)) => {
                        if let Err(finding) =
                            schema.validate(reply.data().unwrap_or_default(), content)
                        {
                            checks.findings.push(format!("{at}: {finding}"));
                        }
                    }
                    (Ok(schema), None) => match schema.validate_rpc_reply(
                        request,
                        &operation.namespace,
                        text,
                    ) {
                        Ok(()) | Err(ReplyCheck::NoModule) => {}
                        Err(ReplyCheck::Invalid(finding)) => checks
                            .findings
                            .push(format!("{at}: the reply is not the operation's output: {finding}")),
                        Err(ReplyCheck::UnknownOperation(why)) => checks.unchecked.push(format!(
                            "{at}: not checked, the operation is defined by no module the device serves ({why})"
                        )),
                    },
                    (Err(why), _) => checks.unchecked.push(format!(
                        "{at}: not checked, the device's own modules do not compile: {why}"
                    )),
                }
            }
            Direction::Note => {}
        }
    }
    checks
}

/// The event of a `<notification>` message (its element beside `eventTime`); `None` for any
/// other message.
fn notification_event(text: &str) -> Option<QualifiedName> {
    // Most messages without a message-id are notifications; a hello is the other kind. The
    // look at the start spares parsing a large one that is neither.
    let start = text.trim_start().as_bytes();
    let head = &start[..start.len().min(256)];
    let tag_end = head
        .iter()
        .position(|b| matches!(b, b'>' | b'/') || b.is_ascii_whitespace())
        .unwrap_or(head.len());
    if !head[..tag_end].ends_with(b"notification") {
        return None;
    }
    let message = rfc3535_client::wire::tree::Element::parse(text).ok()?;
    if message.name.namespace != rfc3535_client::wire::ns::NOTIFICATION
        || message.name.local != "notification"
    {
        return None;
    }
    message
        .children
        .iter()
        .find(|child| child.name.local != "eventTime")
        .map(|event| event.name.clone())
}

/// Checks one notification against the schema. The same finding from many notifications
/// (every update of a subscription) is kept once.
fn check_notification(
    schema: &Result<&rfc3535_yang::Schema, String>,
    session_id: u32,
    text: &str,
    checks: &mut ReplyChecks,
) {
    let Some(event) = notification_event(text) else {
        return;
    };
    let at = format!("session {session_id} notification {}", event.local);
    let (list, item) = match schema {
        _ if text.contains(rfc3535_client::transcript::CUT_MARK) => (
            &mut checks.unchecked,
            format!("{at}: not checked, too large to be kept whole in the transcript"),
        ),
        Ok(schema) if !schema.implements_namespace(&event.namespace) => (
            &mut checks.unchecked,
            format!(
                "{at}: not checked, its namespace {} is no module's the device serves",
                event.namespace
            ),
        ),
        Ok(schema) => match schema.validate_notification(text) {
            Ok(()) => return,
            Err(finding) => (
                &mut checks.findings,
                format!("{at}: the notification does not validate: {finding}"),
            ),
        },
        Err(why) => (
            &mut checks.unchecked,
            format!("{at}: not checked, the device's own modules do not compile: {why}"),
        ),
    };
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The scenario sessions of an evidence file, as written after each scenario: per session
/// its session-id and its messages in order. The cleanup session and the notes are not the
/// scenario's, and are left out.
pub fn evidence_sessions(text: &str) -> Vec<(u32, Vec<(Direction, String)>)> {
    evidence_blocks(text)
        .into_iter()
        .filter_map(|(header, messages)| {
            let id = header
                .rsplit_once("(session-id ")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .and_then(|id| id.parse().ok())?;
            Some((id, messages))
        })
        .collect()
}

/// Every `=== header` block of an evidence file with its transcript entries in order, each
/// entry's text without its trailing whitespace.
fn evidence_blocks(text: &str) -> Vec<(&str, Vec<(Direction, String)>)> {
    let mut blocks: Vec<(&str, Vec<(Direction, String)>)> = Vec::new();
    for line in text.lines() {
        if let Some(header) = line.strip_prefix("=== ") {
            blocks.push((header, Vec::new()));
            continue;
        }
        let Some((_, entries)) = blocks.last_mut() else {
            continue;
        };
        match entry_direction(line) {
            Some(direction) => entries.push((direction, String::new())),
            None => {
                if let Some((_, text)) = entries.last_mut() {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(line);
                }
            }
        }
    }
    for (_, entries) in &mut blocks {
        for (_, text) in entries.iter_mut() {
            let trimmed = text.trim_end().len();
            text.truncate(trimmed);
        }
    }
    blocks
}

/// The direction of a transcript entry's header line (`--- <time> +<seconds>s <direction>`).
fn entry_direction(line: &str) -> Option<Direction> {
    let rest = line.strip_prefix("--- ")?;
    let mut words = rest.split(' ');
    let (_time, elapsed, direction) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() || !elapsed.starts_with('+') || !elapsed.ends_with('s') {
        return None;
    }
    match direction {
        "out" => Some(Direction::Out),
        "in" => Some(Direction::In),
        "note" => Some(Direction::Note),
        _ => None,
    }
}

/// Checks every scenario session of an evidence file against a schema again: NETCONF
/// sessions' replies and RESTCONF sessions' data resource reads.
pub fn recheck_evidence(schema: &rfc3535_yang::Schema, evidence: &str) -> Vec<String> {
    let netconf = evidence_sessions(evidence)
        .into_iter()
        .flat_map(|(id, messages)| {
            check_messages(
                Ok(schema),
                id,
                messages.iter().map(|(d, t)| (*d, t.as_str())),
            )
            .findings
        });
    let restconf = evidence_restconf_reads(evidence)
        .into_iter()
        .filter_map(|read| {
            check_read(schema, &read)
                .err()
                .map(|problem| format!("GET {}: {problem}", read.target))
        });
    netconf.chain(restconf).collect()
}

/// The data resources the RESTCONF scenario sessions of an evidence file read with success,
/// in order: each `GET` paired with the answer that follows it.
fn evidence_restconf_reads(text: &str) -> Vec<crate::restconf::DataRead> {
    let mut reads = Vec::new();
    for (header, entries) in evidence_blocks(text) {
        let Some(root) = header
            .rsplit_once("(RESTCONF at ")
            .and_then(|(_, rest)| rest.strip_suffix(')'))
        else {
            continue;
        };
        let mut request: Option<&str> = None;
        for (direction, text) in &entries {
            match direction {
                Direction::Out => request = Some(text.as_str()),
                Direction::In => {
                    if let Some(read) = request.take().and_then(|r| read_of(root, r, text)) {
                        reads.push(read);
                    }
                }
                Direction::Note => {}
            }
        }
    }
    reads
}

/// The read a transcript's `GET` request and its answer make, when the answer is a
/// successful one in a YANG data media type and the target a data resource.
fn read_of(root: &str, request: &str, answer: &str) -> Option<crate::restconf::DataRead> {
    let target = request
        .lines()
        .next()?
        .strip_prefix("GET ")?
        .rsplit_once(' ')?
        .0;
    let (head, body) = answer.split_once("\n\n").unwrap_or((answer, ""));
    let mut lines = head.lines();
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    if !(200..300).contains(&status) {
        return None;
    }
    let encoding = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-type"))
        .and_then(|(_, value)| {
            rfc3535_client::wire::restconf::MediaType::parse(value.trim()).encoding()
        })?;
    crate::restconf::data_read(root, target, encoding, body.trim_end())
}

/// One scenario's schema findings on one device, checked again from the run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rechecked {
    pub device: String,
    pub scenario: String,
    /// What the run recorded.
    pub recorded: Vec<String>,
    /// What checking the evidence against the schema snapshot finds now, or why it could not
    /// be checked (no snapshot, modules that do not compile, evidence missing).
    pub found: Result<Vec<String>, String>,
}

impl Rechecked {
    /// Whether the recorded findings still hold, exactly.
    pub fn holds(&self) -> bool {
        self.found
            .as_ref()
            .is_ok_and(|found| *found == self.recorded)
    }
}

/// Checks every scenario's replies again, offline, from a run directory: its evidence files
/// against each device's schema snapshot (`rfc3535 report --rejudge`).
pub fn recheck_run(run_dir: &std::path::Path, results: &rfc3535_score::Results) -> Vec<Rechecked> {
    let mut out = Vec::new();
    for device in &results.devices {
        let schema = match &device.schema_snapshot {
            None => Err("the run holds no schema snapshot of this device".to_owned()),
            Some(relative) => {
                let dir = run_dir.join(relative);
                crate::schema::read_snapshot(&dir)
                    .map_err(|e| format!("cannot read the schema snapshot {}: {e}", dir.display()))
                    .and_then(|acquired| {
                        rfc3535_yang::Schema::from_dir(&dir, &acquired.specs())
                            .map_err(|e| format!("the snapshot's modules do not compile: {e}"))
                    })
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        for entry in results.results.iter().filter(|r| r.device == device.id) {
            if !seen.insert(entry.scenario.clone()) || entry.evidence.is_empty() {
                continue;
            }
            let found = schema.as_ref().map_err(Clone::clone).and_then(|schema| {
                let mut found = Vec::new();
                for file in &entry.evidence {
                    let text = std::fs::read_to_string(run_dir.join(file))
                        .map_err(|e| format!("cannot read {file}: {e}"))?;
                    found.extend(recheck_evidence(schema, &text));
                }
                Ok(found)
            });
            out.push(Rechecked {
                device: device.id.clone(),
                scenario: entry.scenario.clone(),
                recorded: entry.schema_findings.clone(),
                found,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restconf_session_s_successful_data_reads_are_taken_from_evidence() {
        let evidence = "=== session \"A\" (RESTCONF at /restconf)\n\
--- 2026-12-01T13:59:19.2Z +0.02s out\n\
GET /restconf/data?content=config HTTP/2.0\n\
accept: application/yang-data+xml\n\
\n\
--- 2026-12-01T13:59:19.3Z +0.05s in\n\
HTTP/2.0 200 OK\n\
content-type: application/yang-data+xml\n\
\n\
<data xmlns=\"urn:ietf:params:xml:ns:yang:ietf-restconf\"><a xmlns=\"urn:x\"/></data>\n\
--- 2026-12-01T13:59:19.4Z +0.06s out\n\
GET /restconf/ds/ietf-datastores:operational/m:top HTTP/2.0\n\
\n\
--- 2026-12-01T13:59:19.5Z +0.07s in\n\
HTTP/2.0 200 OK\n\
Content-Type: application/yang-data+json\n\
\n\
{\"m:top\":{}}\n\
--- 2026-12-01T13:59:19.6Z +0.08s out\n\
GET /restconf/data/m:gone HTTP/2.0\n\
\n\
--- 2026-12-01T13:59:19.7Z +0.09s in\n\
HTTP/2.0 404 Not Found\n\
content-type: application/yang-data+xml\n\
\n\
<errors/>\n\
=== cleanup\n\
--- 2026-12-01T13:59:19.8Z +0.01s out\n\
GET /restconf/data/m:cleanup HTTP/2.0\n\
\n\
--- 2026-12-01T13:59:19.9Z +0.02s in\n\
HTTP/2.0 200 OK\n\
content-type: application/yang-data+xml\n\
\n\
<cleanup xmlns=\"urn:x\"/>\n";
        let reads = evidence_restconf_reads(evidence);
        let summary: Vec<(&str, &str, bool)> = reads
            .iter()
            .map(|r| (r.target.as_str(), r.api_path.as_str(), r.config_only))
            .collect();
        assert_eq!(
            summary,
            [
                ("/restconf/data?content=config", "", true),
                (
                    "/restconf/ds/ietf-datastores:operational/m:top",
                    "m:top",
                    false
                ),
            ]
        );
        assert!(reads[0].body.ends_with("</data>"), "{}", reads[0].body);
        assert_eq!(reads[1].body, "{\"m:top\":{}}");
    }

    #[test]
    fn notifications_are_known_by_their_envelope_whatever_the_prefix() {
        let ns = rfc3535_client::wire::ns::NOTIFICATION;
        let event = |message: &str| notification_event(message).map(|e| (e.namespace, e.local));
        assert_eq!(
            event(&format!("<notification xmlns=\"{ns}\"><eventTime>2026-12-01T00:00:00Z</eventTime><netconf-config-change xmlns=\"urn:x\"/></notification>")),
            Some(("urn:x".to_owned(), "netconf-config-change".to_owned()))
        );
        assert_eq!(
            event(&format!("\n<n:notification xmlns:n=\"{ns}\"><n:eventTime>t</n:eventTime><e xmlns=\"urn:y\"/></n:notification>")),
            Some(("urn:y".to_owned(), "e".to_owned()))
        );
        // Not the RFC 5277 envelope, or no message of that kind at all.
        assert_eq!(
            event("<notification xmlns=\"urn:other\"><e/></notification>"),
            None
        );
        assert_eq!(
            event("<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/>"),
            None
        );
        assert_eq!(event("<notification"), None);
        // A long first tag of multi-byte characters: looked at by bytes, never cut inside one.
        assert_eq!(event(&format!("<{}", "é".repeat(200))), None);
    }

    #[test]
    fn reads_are_checked_as_what_they_return() {
        let kind = |request: &str| {
            check_of(request)
                .and_then(|(name, content)| Some((name.local, content? == Content::Data)))
        };
        assert_eq!(
            kind("<rpc message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><get-config><source><running/></source></get-config></rpc>"),
            Some(("get-config".to_owned(), false))
        );
        assert_eq!(
            kind("<rpc message-id=\"2\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><get/></rpc>"),
            Some(("get".to_owned(), true))
        );
        let get_data = |datastore: &str| {
            format!("<rpc message-id=\"3\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><get-data xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-nmda\"><datastore xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\">ds:{datastore}</datastore></get-data></rpc>")
        };
        assert_eq!(
            kind(&get_data("operational")),
            Some(("get-data".to_owned(), true))
        );
        assert_eq!(
            kind(&get_data("running")),
            Some(("get-data".to_owned(), false))
        );
        assert_eq!(
            kind("<rpc message-id=\"4\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><edit-config/></rpc>"),
            None
        );
    }

    #[test]
    fn evidence_files_give_back_each_scenario_session_and_leave_the_cleanup_out() {
        let evidence = "=== session \"A\" (session-id 7)\n\
            --- 2026-11-30T23:00:00.000001Z +0.000100s out\n<rpc message-id=\"1\"><get-config/></rpc>\n\
            --- 2026-11-30T23:00:00.000002Z +0.000200s in\n<rpc-reply message-id=\"1\">\n<data/>\n</rpc-reply>\n\n\
            === session on b (session-id 9)\n\
            --- 2026-11-30T23:00:00.000003Z +0.000300s note\nhello exchanged\n\n\
            === notes\nlooked at x\n\
            === cleanup\n--- 2026-11-30T23:00:01.000000Z +0.000001s out\n<rpc message-id=\"1\"/>\n";
        let sessions = evidence_sessions(evidence);
        assert_eq!(sessions.len(), 2);
        let (id, messages) = &sessions[0];
        assert_eq!(*id, 7);
        assert_eq!(
            messages,
            &vec![
                (
                    Direction::Out,
                    "<rpc message-id=\"1\"><get-config/></rpc>".to_owned()
                ),
                (
                    Direction::In,
                    "<rpc-reply message-id=\"1\">\n<data/>\n</rpc-reply>".to_owned()
                ),
            ]
        );
        assert_eq!(sessions[1].0, 9);
        assert_eq!(
            sessions[1].1,
            vec![(Direction::Note, "hello exchanged".to_owned())]
        );
        // Lines that only look like headers are message text.
        assert_eq!(entry_direction("--- t +1s in"), Some(Direction::In));
        assert_eq!(entry_direction("--- a +b in"), None);
        assert_eq!(entry_direction("--- t +1s sideways"), None);
    }
}
