//! Feeding a decoder its input in pieces, for the targets that must decode the same whether
//! bytes come at once or split (what a network does to them).

use bytes::BytesMut;
use tokio_util::codec::Decoder;

/// What `decoder` makes of `bytes` fed in pieces of the given sizes (cycled; at least one
/// byte each): each item as `describe` shows it, and whether decoding ended in an error.
pub fn decode_in_pieces<D: Decoder>(
    mut decoder: D,
    bytes: &[u8],
    pieces: &[usize],
    describe: impl Fn(D::Item) -> String,
) -> (Vec<String>, bool) {
    let mut buffer = BytesMut::new();
    let mut items = Vec::new();
    let mut offset = 0;
    let mut piece = pieces.iter().cycle();
    while offset < bytes.len() {
        let size = piece.next().copied().unwrap_or(bytes.len()).max(1);
        let end = (offset + size).min(bytes.len());
        buffer.extend_from_slice(&bytes[offset..end]);
        offset = end;
        loop {
            match decoder.decode(&mut buffer) {
                Ok(Some(item)) => items.push(describe(item)),
                Ok(None) => break,
                Err(_) => return (items, true),
            }
        }
    }
    (items, false)
}

/// The input after a control byte's worth of piece sizes (`count` bytes, each 1 to 64), and
/// those sizes.
pub fn split_control(rest: &[u8], count: usize) -> (Vec<usize>, &[u8]) {
    let (splits, bytes) = rest.split_at(count.min(rest.len()));
    let pieces = splits.iter().map(|b| usize::from(*b) % 64 + 1).collect();
    (pieces, bytes)
}
