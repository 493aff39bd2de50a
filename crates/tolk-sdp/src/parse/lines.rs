//! Splitting a session description into `<type>=<value>` lines (RFC 8866
//! §5), each borrowed from the input with its number and byte offset.
//!
//! Lenient where real clients are: bare LF line ends as well as CRLF, and
//! empty lines are skipped. Strict where a lax reading would corrupt what
//! we write again: a CR or NUL inside a line is an error.

use crate::ParseError;

/// One `<type>=<value>` line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// The 1-based line number.
    pub number: usize,
    /// The byte offset of the line's start in the input.
    pub offset: usize,
    /// The type character before `=`.
    pub key: u8,
    /// Everything after `=`, without the line end.
    pub value: &'a str,
}

impl Line<'_> {
    /// An error at this line.
    pub fn error(&self, expected: impl Into<String>) -> ParseError {
        ParseError {
            line: self.number,
            offset: self.offset,
            expected: expected.into(),
        }
    }
}

/// The lines of a description, in order.
pub(crate) struct Lines<'a> {
    text: &'a str,
    position: usize,
    number: usize,
}

/// `input` as text: it must be UTF-8 (RFC 8866 §5: the default character
/// set, and the one every client we meet writes).
pub(crate) fn utf8(input: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(input).map_err(|error| {
        let before = &input[..error.valid_up_to()];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        ParseError {
            line: 1 + memchr::memchr_iter(b'\n', before).count(),
            offset: line_start,
            expected: "UTF-8 text".to_owned(),
        }
    })
}

impl<'a> Lines<'a> {
    /// The lines of `text`.
    pub fn new(text: &'a str) -> Self {
        Lines {
            text,
            position: 0,
            number: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<Line<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        while self.position < bytes.len() {
            let offset = self.position;
            self.number += 1;
            // One scan finds the line end and any CR or NUL before it: a
            // CR is only allowed right before the LF.
            let stop = memchr::memchr3(b'\n', b'\r', b'\0', &bytes[offset..])
                .map_or(bytes.len(), |i| offset + i);
            let crlf = bytes.get(stop) == Some(&b'\r') && bytes.get(stop + 1) == Some(&b'\n');
            let inside = stop < bytes.len() && bytes[stop] != b'\n' && !crlf;
            self.position = if inside {
                memchr::memchr(b'\n', &bytes[stop..]).map_or(bytes.len(), |i| stop + i) + 1
            } else {
                stop + if crlf { 2 } else { 1 }
            };
            let line = &bytes[offset..stop];
            if line.is_empty() && !inside {
                continue;
            }
            let here = |expected: &str| ParseError {
                line: self.number,
                offset,
                expected: expected.to_owned(),
            };
            if inside {
                return Some(Err(here("a line without CR or NUL inside it")));
            }
            if line.len() < 2 || line[1] != b'=' || line[0] == b'=' {
                return Some(Err(here("a `<type>=<value>` line")));
            }
            // Both ends are ASCII bytes, so the slice is on char boundaries.
            let value = &self.text[offset + 2..offset + line.len()];
            return Some(Ok(Line {
                number: self.number,
                offset,
                key: line[0],
                value,
            }));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(usize, usize, u8, String)> {
        Lines::new(utf8(input).expect("utf-8"))
            .map(|line| line.expect("line"))
            .map(|line| (line.number, line.offset, line.key, line.value.to_owned()))
            .collect()
    }

    #[test]
    fn crlf_lf_and_empty_lines() {
        let got = lines(b"v=0\r\n\r\ns=x y\nm=\r\n");
        assert_eq!(
            got,
            [
                (1, 0, b'v', "0".to_owned()),
                (3, 7, b's', "x y".to_owned()),
                (4, 13, b'm', String::new()),
            ]
        );
    }

    #[test]
    fn a_last_line_keeps_a_cr_without_lf_and_fails() {
        let mut lines = Lines::new("v=0\r\ns=x\r");
        assert!(lines.next().is_some_and(|line| line.is_ok()));
        let error = lines.next().expect("a line").expect_err("bare CR");
        assert_eq!((error.line, error.offset), (2, 5));
    }

    #[test]
    fn malformed_lines_and_bad_utf8_name_their_line() {
        for (input, line) in [
            (&b"v=0\r\nhello\r\n"[..], 2),
            (b"v=0\r\n=x\r\n", 2),
            (b"v=0\r\nab=c\r\n", 2),
            (b"v=0\r\ns=a\0b\r\n", 2),
        ] {
            let error = Lines::new(utf8(input).expect("utf-8"))
                .find_map(Result::err)
                .expect("an error");
            assert_eq!(error.line, line, "{input:?}");
        }
        let error = utf8(b"v=0\r\ns=ok\r\ni=\xff\r\n").expect_err("not UTF-8");
        assert_eq!((error.line, error.offset), (3, 11));
    }
}
