//! Finding lines in the input again, to say where an error is.
//!
//! `sdp-types` reports the line number of its own errors but keeps no
//! positions in its model, so errors found while reading the typed model
//! are located by scanning the input for the n-th line of a kind in a
//! section. This only runs on the error path.

use crate::ParseError;

/// The lines of `input` with their 1-based number and byte offset, split
/// as `sdp-types` splits them (LF, with an optional CR before it).
fn lines(input: &[u8]) -> impl Iterator<Item = (usize, usize, &[u8])> {
    let mut offset = 0;
    input
        .split(|&b| b == b'\n')
        .enumerate()
        .map(move |(i, line)| {
            let start = offset;
            offset += line.len() + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (i + 1, start, line)
        })
}

/// The byte offset at which 1-based line `number` starts.
pub(crate) fn line_offset(input: &[u8], number: usize) -> usize {
    lines(input)
        .find(|(n, _, _)| *n == number)
        .map_or(input.len(), |(_, offset, _)| offset)
}

/// Where a typed value read from the `ordinal`-th `<key>=` line of
/// `section` (0 = session level, i + 1 = the i-th media section) is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    pub section: usize,
    pub key: u8,
    pub ordinal: usize,
}

impl Site {
    /// The error for this site.
    pub(crate) fn error(self, input: &[u8], expected: impl Into<String>) -> ParseError {
        let (line, offset) = self.find(input).unwrap_or((0, 0));
        ParseError {
            line,
            offset,
            expected: expected.into(),
        }
    }

    fn find(self, input: &[u8]) -> Option<(usize, usize)> {
        let mut section = 0;
        let mut seen = 0;
        for (number, offset, line) in lines(input) {
            let Some(&key) = line.first() else { continue };
            if key == b'm' {
                section += 1;
                seen = 0;
            }
            if section == self.section && key == self.key {
                if seen == self.ordinal {
                    return Some((number, offset));
                }
                seen += 1;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] =
        b"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=x\r\nm=audio 1 RTP/AVP 0\na=y\na=z\n";

    #[test]
    fn finds_attributes_by_section_and_ordinal() {
        let site = Site {
            section: 1,
            key: b'a',
            ordinal: 1,
        };
        let error = site.error(TEXT, "something");
        assert_eq!(error.line, 7);
        assert_eq!(&TEXT[error.offset..error.offset + 3], b"a=z");
        let m_line = Site {
            section: 1,
            key: b'm',
            ordinal: 0,
        };
        assert_eq!(m_line.error(TEXT, "x").line, 5);
    }

    #[test]
    fn line_offsets_count_crlf_and_lf() {
        assert_eq!(line_offset(TEXT, 1), 0);
        assert_eq!(line_offset(TEXT, 2), 5);
        assert_eq!(&TEXT[line_offset(TEXT, 6)..][..3], b"a=y");
    }
}
