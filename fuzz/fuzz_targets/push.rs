//! What a YANG-Push publisher sends (RFC 8639, 8640, 8641): notifications read into state
//! changes, push-updates (their contents made to stand alone) and push-change-updates (their
//! YANG Patch); the establish reply's id; error identities.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::push::{established_id, ErrorIdentity, PushMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = PushMessage::parse(text) {
        let _ = (message.id(), message.kind());
        if let PushMessage::Update {
            contents: Some(contents),
            ..
        } = &message
        {
            // The contents are taken as they stand (not read node by node, for speed): of a
            // notification that is well-formed as a whole, they must parse on their own.
            let whole = rfc3535_wire::tree::Element::parse_fragment(text).is_ok();
            assert!(
                !whole || rfc3535_wire::tree::Element::parse_fragment(contents).is_ok(),
                "contents read out of a well-formed notification do not parse on their own: {contents}"
            );
        }
    }
    let _ = established_id(text);
    let _ = ErrorIdentity::from_app_tag(text);
});
