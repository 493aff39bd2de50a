//! Where a message ends (RFC 3261 section 18.3): datagram rules for UDP
//! and a framer for stream transports (TCP, TLS), with RFC 5626 section
//! 4.4.1 CRLF keep-alives.

use bytes::{Buf, Bytes, BytesMut};

use super::head::{self, Head, Limits};
use super::headers::HeaderMatch;
use super::{Message, names};
use crate::error::Error;

/// The body length Content-Length declares, if any. Several
/// Content-Length fields make the framing ambiguous (RFC 4475 3.3.9).
fn declared_length(head: &Head) -> Result<Option<usize>, Error> {
    const CONTENT_LENGTH: HeaderMatch<'static> = HeaderMatch::known(names::CONTENT_LENGTH);
    let mut fields = head.headers.iter().filter(|f| CONTENT_LENGTH.matches(f));
    let Some(first) = fields.next() else {
        return Ok(None);
    };
    if let Some(second) = fields.next() {
        return Err(Error::Syntax {
            line: second.line(),
            offset: 0,
            expected: "a single Content-Length header",
        });
    }
    // The one field found above, parsed directly (no second scan).
    crate::header::content_length_of(first).map(|n| usize::try_from(n).ok())
}

/// Datagram rules: the body is Content-Length octets (trailing octets
/// ignored) or, without Content-Length, the rest of the datagram.
pub(super) fn datagram(buf: Bytes, limits: &Limits) -> Result<Message, Error> {
    if buf.len() > limits.max_message_bytes {
        return Err(Error::TooLarge {
            limit: limits.max_message_bytes,
            line: 1,
            offset: limits.max_message_bytes,
        });
    }
    let head = head::parse_head(&buf, limits)?;
    let start = head.body_start;
    let body = match declared_length(&head)? {
        Some(len) => {
            let end = start
                .checked_add(len)
                .filter(|&end| end <= buf.len())
                .ok_or(Error::Truncated {
                    line: 1 + memchr::memchr_iter(b'\n', &buf).count(),
                    offset: buf.len(),
                    expected: "as many body octets as Content-Length declares",
                })?;
            buf.slice(start..end)
        }
        None => buf.slice(start..),
    };
    Message::from_parts(head, body)
}

/// What a [`StreamFramer`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message.
    Message(Message),
    /// A double-CRLF keep-alive ping (answer with a single CRLF pong).
    Ping,
    /// A single-CRLF keep-alive pong.
    Pong,
}

/// Splits a byte stream (TCP, TLS) into messages by Content-Length.
///
/// Feed received bytes with [`StreamFramer::push`], then call
/// [`StreamFramer::next_frame`] until it returns `Ok(None)` ("need more").
/// An error means the stream can no longer be framed: close the
/// connection. A message without Content-Length has no body. CRLFs
/// before a message are keep-alives: a double CRLF is a ping, a single
/// one a pong (so a ping split across two pushes reads as two pongs).
#[derive(Debug, Default)]
pub struct StreamFramer {
    limits: Limits,
    buf: BytesMut,
    /// How far the search for the end of the header section has got.
    searched: usize,
    /// A parsed head waiting for its body: (head, body length, lines in the head).
    pending: Option<(Head, usize, usize)>,
    failed: Option<Error>,
}

impl StreamFramer {
    /// A framer with the given limits.
    pub fn new(limits: Limits) -> Self {
        StreamFramer {
            limits,
            ..Self::default()
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next frame, `Ok(None)` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, Error> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = self.advance();
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// The error to report when the peer closes the stream: `None` when
    /// nothing is left over, [`Error::Truncated`] when a message was cut off.
    pub fn end_of_stream(&self) -> Option<Error> {
        let (head_len, head_lines) = self
            .pending
            .as_ref()
            .map_or((0, 0), |(head, _, lines)| (head.body_start, *lines));
        let leftover = self.buf.len() + head_len;
        (leftover > 0).then(|| Error::Truncated {
            line: 1 + head_lines + memchr::memchr_iter(b'\n', &self.buf).count(),
            offset: leftover,
            expected: match self.pending {
                Some(_) => "as many body octets as Content-Length declares",
                None => "an empty line ending the header section",
            },
        })
    }

    fn advance(&mut self) -> Result<Option<Frame>, Error> {
        if let Some((_, body_len, _)) = &self.pending {
            if self.buf.len() < *body_len {
                return Ok(None);
            }
            let body = self.buf.split_to(*body_len).freeze();
            let Some((head, ..)) = self.pending.take() else {
                return Ok(None);
            };
            return Message::from_parts(head, body).map(|m| Some(Frame::Message(m)));
        }
        if self.searched == 0 {
            match &self.buf[..] {
                [b'\r', b'\n', b'\r', b'\n', ..] => {
                    self.buf.advance(4);
                    return Ok(Some(Frame::Ping));
                }
                [b'\r'] | [b'\r', b'\n', b'\r'] | [] => return Ok(None),
                [b'\r', b'\n', ..] => {
                    self.buf.advance(2);
                    return Ok(Some(Frame::Pong));
                }
                _ => {}
            }
        }
        let from = self.searched.saturating_sub(3);
        let Some(end) = head::head_end(self.buf.get(from..).unwrap_or_default()).map(|e| e + from)
        else {
            self.searched = self.buf.len();
            if self.buf.len() > self.limits.max_message_bytes {
                return Err(self.too_large());
            }
            return Ok(None);
        };
        self.searched = 0;
        let head_bytes = self.buf.split_to(end).freeze();
        let head = head::parse_head(&head_bytes, &self.limits)?;
        let body_len = declared_length(&head)?.unwrap_or(0);
        if end.saturating_add(body_len) > self.limits.max_message_bytes {
            return Err(self.too_large());
        }
        let lines = memchr::memchr_iter(b'\n', &head_bytes).count();
        self.pending = Some((head, body_len, lines));
        self.advance()
    }

    fn too_large(&self) -> Error {
        Error::TooLarge {
            limit: self.limits.max_message_bytes,
            line: 1,
            offset: self.limits.max_message_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[u8] = b"OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello";

    #[test]
    fn datagram_ignores_trailing_octets_and_defaults_to_rest() {
        let mut bytes = OPTIONS.to_vec();
        bytes.extend_from_slice(b"garbage");
        let m = Message::parse(Bytes::from(bytes)).unwrap();
        assert_eq!(&m.body()[..], b"hello");
        let no_length = b"OPTIONS sip:a@example.com SIP/2.0\r\nTo: <sip:b@c>\r\n\r\nrest of it";
        let m = Message::parse(Bytes::from_static(no_length)).unwrap();
        assert_eq!(&m.body()[..], b"rest of it");
    }

    #[test]
    fn datagram_length_faults() {
        let short = b"OPTIONS sip:a@example.com SIP/2.0\r\nl: 9999\r\n\r\nabc";
        assert!(matches!(
            Message::parse(Bytes::from_static(short)),
            Err(Error::Truncated { .. })
        ));
        let two = b"OPTIONS sip:a@example.com SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nabc";
        assert!(Message::parse(Bytes::from_static(two)).is_err());
    }

    #[test]
    fn stream_in_one_byte_chunks() {
        let mut framer = StreamFramer::default();
        framer.push(b"\r\n\r\n");
        assert_eq!(framer.next_frame().unwrap(), Some(Frame::Ping));
        let mut stream = OPTIONS.to_vec();
        stream.extend_from_slice(OPTIONS);
        let mut frames = Vec::new();
        for b in &stream {
            framer.push(&[*b]);
            while let Some(frame) = framer.next_frame().unwrap() {
                frames.push(frame);
            }
        }
        assert_eq!(frames.len(), 2);
        assert!(matches!(&frames[1], Frame::Message(m) if &m.body()[..] == b"hello"));
        assert_eq!(framer.buffered(), 0);
    }

    #[test]
    fn stream_limits() {
        let mut framer = StreamFramer::new(Limits {
            max_message_bytes: 64,
            max_headers: 8,
        });
        framer.push(&[b'A'; 100]);
        assert!(matches!(framer.next_frame(), Err(Error::TooLarge { .. })));
        assert!(framer.next_frame().is_err(), "stays failed");
    }
}
