//! A RESTCONF event stream (`text/event-stream`) fed in arbitrary pieces: the same events
//! whether the bytes come at once or split, never a panic, never an event over the limit.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rfc3535_wire::restconf::SseDecoder;
use tokio_util::codec::Decoder;

const MAX_EVENT: usize = 4096;

fn decode(bytes: &[u8], pieces: &[usize]) -> (Vec<String>, bool) {
    let mut decoder = SseDecoder::new(MAX_EVENT);
    let mut buffer = BytesMut::new();
    let mut events = Vec::new();
    let mut offset = 0;
    let mut piece = pieces.iter().cycle();
    while offset < bytes.len() {
        let size = piece.next().copied().unwrap_or(bytes.len()).max(1);
        let end = (offset + size).min(bytes.len());
        buffer.extend_from_slice(&bytes[offset..end]);
        offset = end;
        loop {
            match decoder.decode(&mut buffer) {
                Ok(Some(event)) => {
                    assert!(event.data.len() <= MAX_EVENT, "an event over the limit");
                    events.push(format!("{event:?}"));
                }
                Ok(None) => break,
                Err(_) => return (events, true),
            }
        }
    }
    (events, false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let split_bytes = usize::from(control) % 8;
    let (splits, bytes) = rest.split_at(split_bytes.min(rest.len()));
    let pieces: Vec<usize> = splits.iter().map(|b| usize::from(*b) % 64 + 1).collect();
    let whole = decode(bytes, &[bytes.len().max(1)]);
    let split = decode(bytes, if pieces.is_empty() { &[1] } else { &pieces });
    assert_eq!(whole, split, "split input decoded otherwise than whole");
});
