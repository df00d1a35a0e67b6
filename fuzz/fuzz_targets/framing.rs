//! RFC 6242 framing, both framings, fed in arbitrary pieces: the decoder must give the same
//! messages (and fail at the same point) whether the bytes come at once or split, and never
//! panic or hold more than its maximum message size.
#![no_main]

#[path = "pieces.rs"]
mod pieces;

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::{Framing, FramingCodec};

/// Small, so that the size limit is reached often.
const MAX_MESSAGE: usize = 4096;

fn decode(framing: Framing, bytes: &[u8], pieces: &[usize]) -> (Vec<String>, bool) {
    let mut codec = FramingCodec::new(MAX_MESSAGE);
    codec.set_framing(framing);
    pieces::decode_in_pieces(codec, bytes, pieces, |message| {
        assert!(message.len() <= MAX_MESSAGE, "a message over the limit");
        format!("{message:?}")
    })
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
    let (pieces, bytes) = pieces::split_control(rest, usize::from(control >> 1) % 8);
    let whole = decode(framing, bytes, &[bytes.len().max(1)]);
    let split = decode(
        framing,
        bytes,
        if pieces.is_empty() { &[1] } else { &pieces },
    );
    assert_eq!(whole, split, "split input decoded otherwise than whole");
});
