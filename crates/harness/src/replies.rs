//! Every reply of every scenario checked against the device's own schema, after the
//! scenario: requests and replies are paired by message-id from the session transcripts, and
//! the data of `<get-config>` (no state allowed) and `<get>` replies is validated. What does
//! not validate becomes a finding attached to the scenario (a failure, or a warning with
//! `--schema-findings warn`). Replies that could not be checked because the device's own
//! modules do not compile are listed as not checked, never passed over in silence.

use std::collections::BTreeMap;

use rfc3535_client::transcript::Direction;
use rfc3535_client::wire::RpcReply;
use rfc3535_client::Session;
use rfc3535_yang::Content;

use crate::device::DeviceContext;
use crate::session::DeviceSession;

fn message_id(text: &str) -> Option<&str> {
    let start = text.find("message-id=\"")? + "message-id=\"".len();
    let rest = &text[start..];
    Some(&rest[..rest.find('"')?])
}

/// How a request's reply is checked, if it is.
fn content_of(request: &str) -> Option<(&'static str, Content)> {
    if request.contains("<get-config>") {
        Some(("get-config", Content::PartialConfig))
    } else if request.contains("<get>") || request.contains("<get/>") {
        Some(("get", Content::Data))
    } else {
        None
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
    }
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
    let mut checks = ReplyChecks::default();
    let entries = session.transcript().entries();
    let mut requests: BTreeMap<&str, (&'static str, Content)> = BTreeMap::new();
    for entry in &entries {
        let Some(id) = message_id(&entry.text) else {
            continue;
        };
        match entry.direction {
            Direction::Out => {
                if let Some(kind) = content_of(&entry.text) {
                    requests.insert(id, kind);
                }
            }
            Direction::In => {
                let Some((operation, content)) = requests.remove(id) else {
                    continue;
                };
                let Ok(reply) = RpcReply::parse(entry.text.clone()) else {
                    continue;
                };
                if !reply.is_success() {
                    continue;
                }
                let at = format!(
                    "session {} message-id {id} ({operation})",
                    session.session_id()
                );
                match &schema {
                    Ok(schema) => {
                        if let Err(finding) =
                            schema.validate(reply.data().unwrap_or_default(), content)
                        {
                            checks.findings.push(format!("{at}: {finding}"));
                        }
                    }
                    Err(why) => checks.unchecked.push(format!(
                        "{at}: not checked, the device's own modules do not compile: {why}"
                    )),
                }
            }
            Direction::Note => {}
        }
    }
    checks
}
