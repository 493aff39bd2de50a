//! RFC 3261 section 7 and 25: the start line and the header section,
//! read zero-copy from a [`Bytes`] buffer. Every field keeps its octets.

use bytes::Bytes;

use super::headers::{HeaderField, Headers};
use super::method::Method;
use crate::error::{Error, Fault};

/// Limits applied while parsing, so that hostile input costs bounded work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message (start line, headers and body) accepted, in bytes.
    pub max_message_bytes: usize,
    /// Most header fields (lines, counting folded ones once) accepted.
    pub max_headers: usize,
}

impl Default for Limits {
    /// 65,535 bytes (the largest UDP payload) and 256 header fields.
    fn default() -> Self {
        Limits {
            max_message_bytes: 65_535,
            max_headers: 256,
        }
    }
}

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StartLine {
    Request { method: Method, uri: Bytes },
    Response { code: u16, reason: Bytes },
}

/// A parsed start line and header section.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) start: StartLine,
    pub(crate) headers: Headers,
    /// Offset of the first body octet (just past the empty line).
    pub(crate) body_start: usize,
    /// The start line and header section as received.
    pub(crate) raw: Bytes,
}

/// Where the header section ends: the offset just past its empty line.
pub(crate) fn head_end(buf: &[u8]) -> Option<usize> {
    static EMPTY_LINE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\r\n\r\n"));
    EMPTY_LINE.find(buf).map(|at| at + 4)
}

/// Parses the start line and header section of `buf`.
pub(crate) fn parse_head(buf: &Bytes, limits: &Limits) -> Result<Head, Error> {
    let Some(end) = head_end(buf) else {
        let line = 1 + memchr::memchr_iter(b'\n', buf).count();
        return Err(match memchr::memchr(b'\n', buf) {
            Some(lf) if lf == 0 || buf.get(lf - 1) != Some(&b'\r') => Error::Syntax {
                line: 1,
                offset: lf,
                expected: "CRLF line end (bare LF found)",
            },
            _ => Error::Truncated {
                line,
                offset: buf.len(),
                expected: "an empty line ending the header section",
            },
        });
    };
    let head = buf.get(..end).unwrap_or_default();
    let (start_end, mut pos) = line_at(head, 0, 1)?;
    let start = start_line(buf.slice(0..start_end))?;

    // Room for a field per 24 octets (typical fields are longer), so that
    // the index is allocated once without counting lines first.
    let mut headers = Headers::with_capacity((head.len() / 24).clamp(4, limits.max_headers));
    let max_lines = limits.max_headers.saturating_mul(4).saturating_add(2);
    let mut line_no = 2;
    // The field being gathered: (start offset, line number, end offset).
    let mut field: Option<(usize, usize, usize)> = None;
    loop {
        if line_no > max_lines {
            // Far more (continuation) lines than fields allowed.
            return Err(Error::TooManyHeaders {
                limit: limits.max_headers,
                line: line_no,
                offset: pos,
            });
        }
        let (line_end, next) = line_at(head, pos, line_no)?;
        let first = head.get(pos).copied();
        if line_end == pos || matches!(first, Some(b' ' | b'\t')) {
            if line_end == pos {
                if let Some((from, line, to)) = field.take() {
                    headers.push(HeaderField::parse(buf.slice(from..to), line, from)?);
                }

                return Ok(Head {
                    start,
                    headers,
                    body_start: next,
                    raw: buf.slice(..end),
                });
            }
            match field.as_mut() {
                Some((_, _, to)) => *to = line_end,
                None => {
                    return Err(Error::Syntax {
                        line: line_no,
                        offset: pos,
                        expected: "a header field name, not a continuation line",
                    });
                }
            }
        } else {
            if let Some((from, line, to)) = field.take() {
                headers.push(HeaderField::parse(buf.slice(from..to), line, from)?);
            }
            if headers.len() >= limits.max_headers {
                return Err(Error::TooManyHeaders {
                    limit: limits.max_headers,
                    line: line_no,
                    offset: pos,
                });
            }
            field = Some((pos, line_no, line_end));
        }
        pos = next;
        line_no += 1;
    }
}

/// The line starting at `pos`: (offset of its CR, offset after its LF).
fn line_at(head: &[u8], pos: usize, line: usize) -> Result<(usize, usize), Error> {
    let rest = head.get(pos..).unwrap_or_default();
    let lf = memchr::memchr(b'\n', rest).ok_or(Error::Truncated {
        line,
        offset: head.len(),
        expected: "CRLF ending the line",
    })?;
    if lf == 0 || rest.get(lf - 1) != Some(&b'\r') {
        return Err(Error::Syntax {
            line,
            offset: pos + lf,
            expected: "CRLF line end (bare LF found)",
        });
    }
    Ok((pos + lf - 1, pos + lf + 1))
}

fn start_line(line: Bytes) -> Result<StartLine, Error> {
    let at = |offset: usize, expected: &'static str| Error::Syntax {
        line: 1,
        offset,
        expected,
    };
    if line.len() >= 4
        && line
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
    {
        return status_line(line);
    }
    let sp1 = memchr::memchr(b' ', &line).ok_or(at(line.len(), "SP after the method"))?;
    let method = std::str::from_utf8(line.get(..sp1).unwrap_or_default())
        .ok()
        .and_then(Method::from_token)
        .ok_or(at(0, "method token"))?;
    let sp2 = memchr::memrchr(b' ', &line)
        .filter(|&sp2| sp2 > sp1)
        .ok_or(at(line.len(), "SP and SIP version after the Request-URI"))?;
    version(line.get(sp2 + 1..).unwrap_or_default(), sp2 + 1)?;
    let uri = line.get(sp1 + 1..sp2).unwrap_or_default();
    if let Some(space) = memchr::memchr2(b' ', b'\t', uri) {
        return Err(at(
            sp1 + 1 + space,
            "Request-URI without white space (single SP separators)",
        ));
    }
    let uri_text = std::str::from_utf8(uri).map_err(|_| at(sp1 + 1, "Request-URI"))?;
    let parsed = crate::uri::parse(uri_text).map_err(|f| {
        Fault {
            at: sp1 + 1 + f.at,
            expected: f.expected,
        }
        .standalone(&line)
    })?;
    if matches!(parsed, crate::uri::Uri::Sip(u) if u.headers.is_some()) {
        let q = memchr::memchr(b'?', uri).unwrap_or(0);
        return Err(at(sp1 + 1 + q, "Request-URI without '?' headers"));
    }
    Ok(StartLine::Request {
        method,
        uri: line.slice(sp1 + 1..sp2),
    })
}

fn status_line(line: Bytes) -> Result<StartLine, Error> {
    let at = |offset: usize, expected: &'static str| Error::Syntax {
        line: 1,
        offset,
        expected,
    };
    let sp1 = memchr::memchr(b' ', &line).ok_or(at(line.len(), "SP after the SIP version"))?;
    version(line.get(..sp1).unwrap_or_default(), 0)?;
    let code = line.get(sp1 + 1..sp1 + 4).unwrap_or_default();
    let code = std::str::from_utf8(code)
        .ok()
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| (100..700).contains(c))
        .ok_or(at(sp1 + 1, "3-digit status code 100-699"))?;
    if line.get(sp1 + 4) != Some(&b' ') {
        return Err(at(sp1 + 4, "SP after the status code"));
    }
    let reason = line.slice(sp1 + 5..);
    let text = std::str::from_utf8(&reason)
        .map_err(|e| at(sp1 + 5 + e.valid_up_to(), "UTF-8 reason phrase"))?;
    if let Some(bad) = text
        .bytes()
        .position(|b| b.is_ascii_control() && b != b'\t')
    {
        return Err(at(
            sp1 + 5 + bad,
            "reason phrase without control characters",
        ));
    }
    Ok(StartLine::Response { code, reason })
}

/// Checks `SIP/2.0`; a well-formed other version is a [`Error::Version`].
fn version(text: &[u8], offset: usize) -> Result<(), Error> {
    if text.eq_ignore_ascii_case(b"SIP/2.0") {
        return Ok(());
    }
    let numbers = text
        .get(4..)
        .filter(|_| {
            text.get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
        })
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
    if numbers {
        Err(Error::Version { line: 1, offset })
    } else {
        Err(Error::Syntax {
            line: 1,
            offset,
            expected: "SIP version \"SIP/2.0\"",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &'static str) -> Result<Head, Error> {
        parse_head(&Bytes::from_static(text.as_bytes()), &Limits::default())
    }

    #[test]
    fn request_line_and_folded_fields() {
        let h = head("INVITE sip:a@b SIP/2.0\r\nTo :\r\n sip:a@b\r\nv: SIP/2.0/UDP h\r\n\r\nbody")
            .unwrap();
        assert!(matches!(
            h.start,
            StartLine::Request {
                method: Method::Invite,
                ..
            }
        ));
        assert_eq!(h.headers.len(), 2);
        assert_eq!(h.body_start, 60);
    }

    #[test]
    fn request_line_faults() {
        let cases = [
            ("INVITE  sip:a@b SIP/2.0\r\n\r\n", 7),
            ("INVITE sip:a@b SIP/2.0 \r\n\r\n", 23),
            ("INVITE <sip:a@b> SIP/2.0\r\n\r\n", 7),
            ("INVITE sip:a@b?Route=x SIP/2.0\r\n\r\n", 14),
            ("INVITE sip:a@b\r\n\r\n", 14),
        ];
        for (text, offset) in cases {
            let err = head(text).unwrap_err();
            assert_eq!((err.line(), err.offset()), (1, offset), "{text:?}: {err}");
        }
        assert!(matches!(
            head("OPTIONS sip:a@b SIP/7.0\r\n\r\n"),
            Err(Error::Version { .. })
        ));
    }

    #[test]
    fn status_line_faults() {
        assert!(head("SIP/2.0 100 \r\n\r\n").is_ok());
        assert!(head("SIP/2.0 4294967301 big\r\n\r\n").is_err());
        assert!(head("SIP/2.0 099 low\r\n\r\n").is_err());
    }

    #[test]
    fn section_faults() {
        assert!(matches!(
            head("OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n"),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            head("OPTIONS sip:a@b SIP/2.0\nTo: x\n\n"),
            Err(Error::Syntax { .. })
        ));
        let err = head("OPTIONS sip:a@b SIP/2.0\r\n cont\r\n\r\n").unwrap_err();
        assert_eq!(err.line(), 2);
        let many = "OPTIONS sip:a@b SIP/2.0\r\n".to_owned() + &"X: y\r\n".repeat(300) + "\r\n";
        let err = parse_head(&Bytes::from(many), &Limits::default()).unwrap_err();
        assert!(
            matches!(err, Error::TooManyHeaders { line: 258, .. }),
            "{err:?}"
        );
    }
}
