//! RFC 6242 message framing: base:1.0 end-of-message (`]]>]]>`, §4.3) and base:1.1 chunked
//! framing (§4.2).
//!
//! [`FramingCodec`] is a tokio-util [`Decoder`]/[`Encoder`] over message payloads. It owns no
//! I/O. An incomplete message is a normal state (`Ok(None)`), as in mini-redis; a stream that
//! ends inside a message, a malformed chunk header, a chunk whose data runs past its announced
//! size, or a message over the size limit is a typed [`FramingError`]. Every message starts in
//! end-of-message framing (the hellos); the session switches to chunked framing with
//! [`FramingCodec::set_framing`] when both peers advertised base:1.1.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// The end-of-message delimiter of base:1.0 framing.
pub const END_OF_MESSAGE: &[u8] = b"]]>]]>";

/// The default limit on one decoded message (64 MiB): large enough for a full `<get>` of a big
/// device, small enough that an endless message cannot exhaust memory.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// The largest chunk size RFC 6242 §4.2 allows.
pub const MAX_CHUNK_SIZE: u64 = 4_294_967_295;

/// Digits in the largest chunk size; a longer run of digits is malformed.
const MAX_CHUNK_SIZE_DIGITS: usize = 10;

/// How messages are delimited on the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framing {
    /// base:1.0: each message ends with `]]>]]>`.
    EndOfMessage,
    /// base:1.1: each message is a sequence of `\n#<size>\n<data>` chunks ended by `\n##\n`.
    Chunked,
}

impl Framing {
    /// The protocol version this framing belongs to, as shown in reports ("1.0" or "1.1").
    pub fn version(self) -> &'static str {
        match self {
            Framing::EndOfMessage => "1.0",
            Framing::Chunked => "1.1",
        }
    }

    /// The framing both peers agreed on: chunked when both advertised base:1.1 (RFC 6242 §4.1).
    pub fn negotiate(ours: &[String], theirs: &[String]) -> Framing {
        let has_1_1 = |caps: &[String]| caps.iter().any(|c| c.trim() == crate::CAP_BASE_1_1);
        if has_1_1(ours) && has_1_1(theirs) {
            Framing::Chunked
        } else {
            Framing::EndOfMessage
        }
    }
}

/// A malformed or oversized byte stream. Every variant is fatal for the session: after it the
/// stream position is unknown.
#[derive(Debug, thiserror::Error)]
pub enum FramingError {
    #[error("message exceeds the maximum size of {limit} bytes")]
    MessageTooLarge { limit: usize },
    #[error("invalid chunk header: expected `\\n#<size>\\n` or `\\n##\\n`, found {found:?}")]
    InvalidChunkHeader { found: String },
    #[error("chunk data runs past its announced size of {announced} bytes (found {found:?} where a chunk header should start)")]
    ChunkLongerThanAnnounced { announced: u64, found: String },
    #[error("chunk size {size} is outside 1..={MAX_CHUNK_SIZE}")]
    ChunkSizeOutOfRange { size: String },
    #[error("end-of-chunks marker with no chunk before it")]
    EmptyChunkedMessage,
    #[error("stream ended inside a message ({buffered} bytes of it received)")]
    TruncatedMessage { buffered: usize },
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the chunked decoder is inside the current message.
#[derive(Debug, Clone, Copy)]
enum ChunkPhase {
    /// Expecting `\n#<size>\n` or `\n##\n`; `after` is the size of the chunk just read, if any.
    Header { after: Option<u64> },
    /// Inside a chunk of `announced` bytes with `remaining` of them still to come.
    Data { announced: u64, remaining: u64 },
}

/// Decoder state that survives between calls.
#[derive(Debug)]
enum DecodeState {
    /// Bytes of the buffer already searched for the delimiter, so a large message is scanned
    /// once, not once per read.
    EndOfMessage { scanned: usize },
    /// The message assembled so far from its chunks.
    Chunked {
        message: BytesMut,
        phase: ChunkPhase,
    },
}

impl DecodeState {
    fn fresh(framing: Framing) -> Self {
        match framing {
            Framing::EndOfMessage => DecodeState::EndOfMessage { scanned: 0 },
            Framing::Chunked => DecodeState::Chunked {
                message: BytesMut::new(),
                phase: ChunkPhase::Header { after: None },
            },
        }
    }
}

/// The RFC 6242 codec. Decodes to message payloads (`Bytes`, the XML text without framing);
/// encodes payloads in the current framing.
#[derive(Debug)]
pub struct FramingCodec {
    framing: Framing,
    max_message_size: usize,
    /// Largest chunk the encoder writes; messages longer than this are split.
    max_encode_chunk: usize,
    state: DecodeState,
}

impl Default for FramingCodec {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_MESSAGE_SIZE)
    }
}

impl FramingCodec {
    /// A codec in end-of-message framing, as every session starts.
    pub fn new(max_message_size: usize) -> Self {
        Self {
            framing: Framing::EndOfMessage,
            max_message_size,
            max_encode_chunk: 1 << 20,
            state: DecodeState::fresh(Framing::EndOfMessage),
        }
    }

    /// The framing in use.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The maximum size of one decoded message.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// Switches framing. Call it only between messages (after the hello exchange).
    pub fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
        self.state = DecodeState::fresh(framing);
    }

    /// Sets the largest chunk the encoder writes (at least 1). Used by tests and by fault
    /// profiles that fragment messages on purpose.
    pub fn set_max_encode_chunk(&mut self, size: usize) {
        self.max_encode_chunk = size.clamp(1, MAX_CHUNK_SIZE as usize);
    }

    /// Whether the decoder holds part of a message.
    pub fn is_mid_message(&self, buffered: &BytesMut) -> bool {
        match &self.state {
            DecodeState::EndOfMessage { .. } => !buffered.iter().all(u8::is_ascii_whitespace),
            DecodeState::Chunked { message, phase } => {
                !message.is_empty()
                    || matches!(phase, ChunkPhase::Data { .. })
                    || !buffered.is_empty()
            }
        }
    }

    fn decode_end_of_message(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        let DecodeState::EndOfMessage { scanned } = &mut self.state else {
            unreachable!("state follows framing");
        };
        // Resume a little before where the last search stopped: the delimiter may straddle reads.
        let from = scanned.saturating_sub(END_OF_MESSAGE.len() - 1);
        match memchr::memmem::find(&src[from..], END_OF_MESSAGE) {
            Some(at) => {
                let end = from + at;
                if end > self.max_message_size {
                    return Err(FramingError::MessageTooLarge {
                        limit: self.max_message_size,
                    });
                }
                let message = src.split_to(end).freeze();
                src.advance(END_OF_MESSAGE.len());
                *scanned = 0;
                Ok(Some(message))
            }
            None => {
                if src.len() > self.max_message_size + END_OF_MESSAGE.len() {
                    return Err(FramingError::MessageTooLarge {
                        limit: self.max_message_size,
                    });
                }
                *scanned = src.len();
                Ok(None)
            }
        }
    }

    fn decode_chunked(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        let max = self.max_message_size;
        let DecodeState::Chunked { message, phase } = &mut self.state else {
            unreachable!("state follows framing");
        };
        loop {
            match *phase {
                ChunkPhase::Data {
                    announced,
                    remaining,
                } => {
                    if src.is_empty() {
                        return Ok(None);
                    }
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(src.len());
                    message.put(src.split_to(take));
                    let left = remaining - take as u64;
                    if left > 0 {
                        *phase = ChunkPhase::Data {
                            announced,
                            remaining: left,
                        };
                        return Ok(None);
                    }
                    *phase = ChunkPhase::Header {
                        after: Some(announced),
                    };
                }
                ChunkPhase::Header { after } => match parse_chunk_header(src, after)? {
                    None => return Ok(None),
                    Some(ChunkHeader::EndOfChunks) => {
                        if after.is_none() {
                            return Err(FramingError::EmptyChunkedMessage);
                        }
                        *phase = ChunkPhase::Header { after: None };
                        return Ok(Some(std::mem::take(message).freeze()));
                    }
                    Some(ChunkHeader::Chunk(size)) => {
                        if message.len() as u64 + size > max as u64 {
                            return Err(FramingError::MessageTooLarge { limit: max });
                        }
                        *phase = ChunkPhase::Data {
                            announced: size,
                            remaining: size,
                        };
                    }
                },
            }
        }
    }
}

enum ChunkHeader {
    Chunk(u64),
    EndOfChunks,
}

/// Shows a few bytes of a malformed stream in an error without dumping the buffer.
fn preview(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(16)]).into_owned()
}

/// Parses `\n#<size>\n` or `\n##\n` at the start of `src`, consuming it when complete.
/// Malformed input is rejected as early as the bytes present allow, so garbage never waits for
/// more input.
fn parse_chunk_header(
    src: &mut BytesMut,
    after: Option<u64>,
) -> Result<Option<ChunkHeader>, FramingError> {
    let malformed = |src: &BytesMut| match after {
        Some(announced) => FramingError::ChunkLongerThanAnnounced {
            announced,
            found: preview(src),
        },
        None => FramingError::InvalidChunkHeader {
            found: preview(src),
        },
    };
    if src.is_empty() {
        return Ok(None);
    }
    if src[0] != b'\n' {
        return Err(malformed(src));
    }
    if src.len() < 2 {
        return Ok(None);
    }
    if src[1] != b'#' {
        return Err(malformed(src));
    }
    if src.len() < 3 {
        return Ok(None);
    }
    if src[2] == b'#' {
        if src.len() < 4 {
            return Ok(None);
        }
        if src[3] != b'\n' {
            return Err(FramingError::InvalidChunkHeader {
                found: preview(src),
            });
        }
        src.advance(4);
        return Ok(Some(ChunkHeader::EndOfChunks));
    }
    // chunk-size = 1*DIGIT1 0*DIGIT (no leading zero), at most 4294967295.
    if !(b'1'..=b'9').contains(&src[2]) {
        return Err(FramingError::InvalidChunkHeader {
            found: preview(src),
        });
    }
    let digits = &src[2..];
    let run = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if run > MAX_CHUNK_SIZE_DIGITS {
        return Err(FramingError::ChunkSizeOutOfRange {
            size: preview(&digits[..run]),
        });
    }
    if run == digits.len() {
        return Ok(None); // the size may go on in the next read
    }
    if digits[run] != b'\n' {
        return Err(FramingError::InvalidChunkHeader {
            found: preview(src),
        });
    }
    let text = std::str::from_utf8(&digits[..run]).unwrap_or_default();
    let size: u64 = text
        .parse()
        .map_err(|_| FramingError::ChunkSizeOutOfRange { size: text.into() })?;
    if size > MAX_CHUNK_SIZE {
        return Err(FramingError::ChunkSizeOutOfRange { size: text.into() });
    }
    src.advance(2 + run + 1);
    Ok(Some(ChunkHeader::Chunk(size)))
}

impl Decoder for FramingCodec {
    type Item = Bytes;
    type Error = FramingError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        match self.framing {
            Framing::EndOfMessage => self.decode_end_of_message(src),
            Framing::Chunked => self.decode_chunked(src),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        if let Some(message) = self.decode(src)? {
            return Ok(Some(message));
        }
        if self.is_mid_message(src) {
            let buffered = match &self.state {
                DecodeState::Chunked { message, .. } => message.len() + src.len(),
                DecodeState::EndOfMessage { .. } => src.len(),
            };
            return Err(FramingError::TruncatedMessage { buffered });
        }
        src.clear();
        Ok(None)
    }
}

impl FramingCodec {
    /// Appends one framed message to `dst`. Hand-written instead of an `Encoder<&[u8]>` call
    /// chain so callers that build messages as `String` avoid a copy.
    pub fn encode_message(&self, payload: &[u8], dst: &mut BytesMut) {
        match self.framing {
            Framing::EndOfMessage => {
                dst.reserve(payload.len() + END_OF_MESSAGE.len());
                dst.put_slice(payload);
                dst.put_slice(END_OF_MESSAGE);
            }
            Framing::Chunked => {
                dst.reserve(payload.len() + 32);
                for chunk in payload.chunks(self.max_encode_chunk) {
                    dst.put_slice(b"\n#");
                    dst.put_slice(chunk.len().to_string().as_bytes());
                    dst.put_u8(b'\n');
                    dst.put_slice(chunk);
                }
                dst.put_slice(b"\n##\n");
            }
        }
    }
}

impl Encoder<&[u8]> for FramingCodec {
    type Error = FramingError;

    fn encode(&mut self, payload: &[u8], dst: &mut BytesMut) -> Result<(), FramingError> {
        self.encode_message(payload, dst);
        Ok(())
    }
}

impl Encoder<Bytes> for FramingCodec {
    type Error = FramingError;

    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> Result<(), FramingError> {
        self.encode_message(&payload, dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
