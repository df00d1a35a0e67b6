//! The server-sent events framing of a RESTCONF event stream (RFC 8040 §6.4, which defers to
//! the W3C/WHATWG EventSource format): `field: value` lines, events ended by a blank line.
//!
//! [`SseDecoder`] is a tokio-util [`Decoder`] like the RFC 6242 codec: it owns no I/O, accepts
//! input split anywhere (a CR at the end of one read and its LF at the start of the next
//! included), and bounds one event's size. Hand-written because the crates that parse this
//! format are either tied to one HTTP client or do not bound memory, and the format is small.
//! Bytes that are not UTF-8, an event over the limit, and a stream that ends inside an event
//! are typed errors: each is the server's doing and is reported as such.

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// The default limit on one event (16 MiB): a large notification fits, an endless one does not.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` type; `None` for the default type (`message`).
    pub event: Option<String>,
    /// The `data:` lines joined by newlines: for RESTCONF, one notification.
    pub data: String,
    /// The last event id seen on the stream (it persists from event to event).
    pub id: Option<String>,
    /// A `retry:` reconnection time in milliseconds, when this event set one.
    pub retry: Option<u64>,
}

/// A malformed event stream.
#[derive(Debug, thiserror::Error)]
pub enum SseError {
    #[error("event stream is not UTF-8: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    #[error("an event exceeds the maximum size of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the stream ended inside an event ({pending} bytes never dispatched)")]
    Truncated { pending: usize },
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Decodes `text/event-stream` bytes into events.
#[derive(Debug)]
pub struct SseDecoder {
    max_event_size: usize,
    /// The event being assembled.
    data: String,
    has_data: bool,
    event: Option<String>,
    retry: Option<u64>,
    /// Bytes of the current event so far (lines consumed plus what is buffered).
    event_size: usize,
    last_id: Option<String>,
    /// The previous line ended with CR: an LF that follows belongs to it.
    skip_lf: bool,
    /// Whether the start of the stream (where a byte-order mark may stand) is behind us.
    started: bool,
}

impl Default for SseDecoder {
    fn default() -> Self {
        SseDecoder::new(DEFAULT_MAX_EVENT_SIZE)
    }
}

impl SseDecoder {
    /// A decoder that refuses events larger than `max_event_size` bytes.
    pub fn new(max_event_size: usize) -> SseDecoder {
        SseDecoder {
            max_event_size,
            data: String::new(),
            has_data: false,
            event: None,
            retry: None,
            event_size: 0,
            last_id: None,
            skip_lf: false,
            started: false,
        }
    }

    /// Applies one line; returns the event when the line is blank and one is complete.
    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let event = self.has_data.then(|| {
                let mut data = std::mem::take(&mut self.data);
                if data.ends_with('\n') {
                    data.pop();
                }
                SseEvent {
                    event: self.event.take(),
                    data,
                    id: self.last_id.clone(),
                    retry: self.retry.take(),
                }
            });
            self.data.clear();
            self.has_data = false;
            self.event = None;
            self.retry = None;
            self.event_size = 0;
            return event;
        }
        if line.starts_with(':') {
            return None; // a comment, often a keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok()
            }
            _ => {}
        }
        None
    }
}

impl Decoder for SseDecoder {
    type Item = SseEvent;
    type Error = SseError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<SseEvent>, SseError> {
        loop {
            if self.skip_lf && !src.is_empty() {
                if src[0] == b'\n' {
                    src.advance(1);
                }
                self.skip_lf = false;
            }
            if !self.started {
                if src.len() < 3 && b"\xEF\xBB\xBF".starts_with(src) {
                    return Ok(None); // could still be a byte-order mark
                }
                if src.starts_with(b"\xEF\xBB\xBF") {
                    src.advance(3);
                }
                self.started = true;
            }
            let Some(end) = src.iter().position(|&b| b == b'\n' || b == b'\r') else {
                if self.event_size + src.len() > self.max_event_size {
                    return Err(SseError::TooLarge {
                        limit: self.max_event_size,
                    });
                }
                return Ok(None);
            };
            self.event_size += end + 1;
            if self.event_size > self.max_event_size {
                return Err(SseError::TooLarge {
                    limit: self.max_event_size,
                });
            }
            let line = src.split_to(end);
            if src[0] == b'\r' {
                self.skip_lf = true;
            }
            src.advance(1);
            let line = std::str::from_utf8(&line)?;
            if let Some(event) = self.line(line) {
                return Ok(Some(event));
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<SseEvent>, SseError> {
        if let Some(event) = self.decode(src)? {
            return Ok(Some(event));
        }
        let pending = src.len() + if self.has_data { self.data.len() } else { 0 };
        if pending > 0 {
            src.clear();
            return Err(SseError::Truncated { pending });
        }
        Ok(None)
    }
}

/// The JSON form of an event (RFC 8040 §6.4): the event's own object (`{"module:name":
/// {...}}`, as libyang prints it) inside `ietf-restconf:notification`, beside its
/// `eventTime`.
pub fn json_notification(event_time: &str, event: &str) -> Result<String, serde_json::Error> {
    let event: serde_json::Map<String, serde_json::Value> = serde_json::from_str(event)?;
    let mut notification = serde_json::Map::new();
    notification.insert(
        "eventTime".to_owned(),
        serde_json::Value::String(event_time.to_owned()),
    );
    notification.extend(event);
    Ok(serde_json::json!({ "ietf-restconf:notification": notification }).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_event_sits_beside_its_event_time() {
        let json = json_notification("2026-12-01T00:00:00Z", r#"{"m:changed":{"what":"x"}}"#)
            .expect("an object");
        assert_eq!(
            json,
            r#"{"ietf-restconf:notification":{"eventTime":"2026-12-01T00:00:00Z","m:changed":{"what":"x"}}}"#
        );
        assert!(json_notification("t", "[1]").is_err());
    }

    const STREAM: &str = "\u{feff}: keep-alive\r\n\r\nid: 1\r\ndata: <notification>\r\ndata: </notification>\r\n\r\nevent: update\rdata:{\"a\":1}\rretry: 250\r\rdata\n\n";

    fn all(decoder: &mut SseDecoder, input: &[u8], split: usize) -> Vec<SseEvent> {
        let mut buffer = BytesMut::new();
        let mut events = Vec::new();
        for chunk in [&input[..split], &input[split..]] {
            buffer.extend_from_slice(chunk);
            while let Some(event) = decoder.decode(&mut buffer).expect("decodes") {
                events.push(event);
            }
        }
        assert!(decoder
            .decode_eof(&mut buffer)
            .expect("ends cleanly")
            .is_none());
        events
    }

    #[test]
    fn events_are_the_same_however_the_input_is_split() {
        let bytes = STREAM.as_bytes();
        let whole = all(&mut SseDecoder::default(), bytes, bytes.len());
        assert_eq!(
            whole,
            vec![
                SseEvent {
                    event: None,
                    data: "<notification>\n</notification>".into(),
                    id: Some("1".into()),
                    retry: None
                },
                SseEvent {
                    event: Some("update".into()),
                    data: "{\"a\":1}".into(),
                    id: Some("1".into()),
                    retry: Some(250)
                },
                SseEvent {
                    event: None,
                    data: String::new(),
                    id: Some("1".into()),
                    retry: None
                },
            ]
        );
        for split in 0..=bytes.len() {
            assert_eq!(
                all(&mut SseDecoder::default(), bytes, split),
                whole,
                "split at {split}"
            );
        }
    }

    #[test]
    fn an_oversized_event_is_refused() {
        let mut decoder = SseDecoder::new(16);
        let mut buffer = BytesMut::from(&b"data: 0123456789abcdef0123"[..]);
        assert!(matches!(
            decoder.decode(&mut buffer),
            Err(SseError::TooLarge { limit: 16 })
        ));
        let mut decoder = SseDecoder::new(16);
        let mut buffer = BytesMut::from(&b"data: 0123\ndata: 456789\n"[..]);
        assert!(matches!(
            decoder.decode(&mut buffer),
            Err(SseError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_stream_that_ends_inside_an_event_is_truncated() {
        let mut decoder = SseDecoder::default();
        let mut buffer = BytesMut::from(&b"data: half\n"[..]);
        assert!(decoder.decode(&mut buffer).expect("no event yet").is_none());
        assert!(matches!(
            decoder.decode_eof(&mut buffer),
            Err(SseError::Truncated { .. })
        ));
        let mut buffer = BytesMut::from(&b"data: \xff\n\n"[..]);
        assert!(matches!(
            SseDecoder::default().decode(&mut buffer),
            Err(SseError::NotUtf8(_))
        ));
    }
}
