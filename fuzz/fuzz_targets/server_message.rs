//! What a NETCONF server sends after its hello: `<rpc-reply>` (with `<rpc-error>`s) and
//! `<notification>`, read as the client reads them, every accessor exercised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::message::{Notification, RpcReply, ServerMessage};

fuzz_target!(|data: &[u8]| {
    let _ = ServerMessage::parse(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(reply) = RpcReply::parse(text) {
        let _ = (reply.data(), reply.data_element(), reply.data_text());
        let _ = (
            reply.body(),
            reply.is_success(),
            reply.hard_errors().count(),
        );
        for error in &reply.errors {
            let _ = (
                error.error_tag(),
                error.is_error(),
                error.info_field("bad-element"),
            );
        }
    }
    if let Ok(notification) = Notification::parse(text) {
        let _ = (notification.content(), notification.event_time.len());
    }
});
