//! RFC 6242 framing, both framings, fed in arbitrary pieces: the decoder must give the same
//! messages (and fail at the same point) whether the bytes come at once or split, and never
//! panic or hold more than its maximum message size.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rfc3535_wire::{Framing, FramingCodec};
use tokio_util::codec::Decoder;

/// Small, so that the size limit is reached often.
const MAX_MESSAGE: usize = 4096;

/// Every message the bytes decode to, fed in pieces of the given sizes (cycled), and whether
/// decoding ended in an error.
fn decode(framing: Framing, bytes: &[u8], pieces: &[usize]) -> (Vec<Vec<u8>>, bool) {
    let mut codec = FramingCodec::new(MAX_MESSAGE);
    codec.set_framing(framing);
    let mut buffer = BytesMut::new();
    let mut messages = Vec::new();
    let mut offset = 0;
    let mut piece = pieces.iter().cycle();
    while offset < bytes.len() {
        let size = piece.next().copied().unwrap_or(bytes.len()).max(1);
        let end = (offset + size).min(bytes.len());
        buffer.extend_from_slice(&bytes[offset..end]);
        offset = end;
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(message)) => {
                    assert!(message.len() <= MAX_MESSAGE, "a message over the limit");
                    messages.push(message.to_vec());
                }
                Ok(None) => break,
                Err(_) => return (messages, true),
            }
        }
    }
    (messages, false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let framing = if control & 1 == 0 {
        Framing::EndOfMessage
    } else {
        Framing::Chunked
    };
    // The next few bytes say how to split the rest.
    let split_bytes = usize::from(control >> 1) % 8;
    let (splits, bytes) = rest.split_at(split_bytes.min(rest.len()));
    let pieces: Vec<usize> = splits.iter().map(|b| usize::from(*b) % 64 + 1).collect();
    let whole = decode(framing, bytes, &[bytes.len().max(1)]);
    let split = decode(
        framing,
        bytes,
        if pieces.is_empty() { &[1] } else { &pieces },
    );
    assert_eq!(whole, split, "split input decoded otherwise than whole");
});
