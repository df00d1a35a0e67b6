//! A RESTCONF event stream (`text/event-stream`) fed in arbitrary pieces: the same events
//! whether the bytes come at once or split, never a panic, never an event over the limit.
#![no_main]

#[path = "pieces.rs"]
mod pieces;

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::restconf::SseDecoder;

const MAX_EVENT: usize = 4096;

fn decode(bytes: &[u8], pieces: &[usize]) -> (Vec<String>, bool) {
    pieces::decode_in_pieces(SseDecoder::new(MAX_EVENT), bytes, pieces, |event| {
        assert!(event.data.len() <= MAX_EVENT, "an event over the limit");
        format!("{event:?}")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let (pieces, bytes) = pieces::split_control(rest, usize::from(control) % 8);
    let whole = decode(bytes, &[bytes.len().max(1)]);
    let split = decode(bytes, if pieces.is_empty() { &[1] } else { &pieces });
    assert_eq!(whole, split, "split input decoded otherwise than whole");
});
