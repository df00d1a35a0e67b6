//! Every reply of every scenario checked against the device's own schema, after the
//! scenario: requests and replies are paired by message-id from the session transcripts, and
//! the data of `<get-config>` (no state allowed) and `<get>` replies is validated. What does
//! not validate becomes a finding attached to the scenario (a warning, or a failure with
//! `--schema-findings fail`).

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

/// The findings for one session's replies.
pub fn check_session(device: &DeviceContext, session: &DeviceSession) -> Vec<String> {
    match session {
        DeviceSession::Netconf(session) => check_netconf_session(device, session),
    }
}

/// The findings for one NETCONF session's replies.
fn check_netconf_session(device: &DeviceContext, session: &Session) -> Vec<String> {
    let Ok(schema) = device.schema() else {
        return Vec::new();
    };
    let Ok(schema) = schema.as_ref().as_ref() else {
        return Vec::new();
    };
    let entries = session.transcript().entries();
    let mut requests: BTreeMap<&str, (&'static str, Content)> = BTreeMap::new();
    let mut findings = Vec::new();
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
                if let Err(finding) = schema.validate(reply.data().unwrap_or_default(), content) {
                    findings.push(format!(
                        "session {} message-id {id} ({operation}): {finding}",
                        session.session_id()
                    ));
                }
            }
            Direction::Note => {}
        }
    }
    findings
}
