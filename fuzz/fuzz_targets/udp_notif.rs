//! What a UDP-notif publisher sends (draft-ietf-netconf-udp-notif): one datagram's header and
//! options, a run of datagrams put back together by the bounded reassembler, and the
//! notification envelope (draft-ietf-netconf-notif-envelope) each message carries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::envelope::Envelope;
use rfc3535_wire::udp_notif::{Datagram, MediaType, ReassemblyLimits, Reassembler};
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    // The whole input as one datagram: what decodes must encode and decode to the same header.
    if let Ok(datagram) = Datagram::decode(data) {
        let mut again = Vec::new();
        if datagram.header.encode(datagram.payload, &mut again).is_ok() {
            let reread = Datagram::decode(&again).expect("an encoded datagram decodes");
            assert_eq!(reread, datagram);
        }
        envelope(datagram.header.media_type, datagram.payload);
    }
    // The input as an envelope in either encoding.
    envelope(MediaType::Json, data);
    envelope(MediaType::Xml, data);
    // The input as a run of datagrams, each behind a one-octet length, into a small reassembler.
    let limits = ReassemblyLimits {
        max_message_len: 4096,
        max_pending: 4,
        max_wait: Duration::from_millis(5),
    };
    let mut reassembler = Reassembler::new(limits);
    let start = Instant::now();
    let mut rest = data;
    let mut step = 0u64;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (bytes, tail) = tail.split_at(len);
        rest = tail;
        step += 1;
        if let Ok(datagram) = Datagram::decode(bytes) {
            let now = start + Duration::from_millis(step);
            if let Ok(Some(message)) = reassembler.push(&datagram, now) {
                assert!(message.payload.len() <= limits.max_message_len.max(usize::from(u16::MAX)));
                envelope(message.media_type, &message.payload);
            }
            assert!(reassembler.pending() <= limits.max_pending);
        }
    }
    reassembler.finish();
    assert_eq!(reassembler.pending(), 0);
    let _ = reassembler.drain_abandoned();
});

/// An envelope that reads writes back in its own encoding and reads the same again.
fn envelope(media_type: MediaType, payload: &[u8]) {
    let (read, written) = match media_type {
        MediaType::Json => {
            let Ok(read) = Envelope::parse_json(payload) else {
                return;
            };
            let written = read.to_json().expect("JSON contents write as JSON");
            (read, Envelope::parse_json(written.as_bytes()))
        }
        MediaType::Xml => {
            let Ok(read) = Envelope::parse_xml(payload) else {
                return;
            };
            let written = read.to_xml().expect("XML contents write as XML");
            (read, Envelope::parse_xml(written.as_bytes()))
        }
        _ => return,
    };
    let again = written.expect("a written envelope reads again");
    assert_eq!(again.contents, read.contents);
    assert_eq!(again.sequence_number, read.sequence_number);
    let _ = read.notification_xml();
}
