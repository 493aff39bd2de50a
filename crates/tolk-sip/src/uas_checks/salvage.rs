//! Reading what a response needs from a request that did not parse: its
//! method and the Via, From, To, Call-ID and CSeq fields as written.

use bytes::Bytes;

use crate::message::{HeaderField, Method, copied_to_response};

/// What can be read from a message that did not parse: the method, and
/// the fields a response copies, as written.
pub(super) struct Salvage {
    pub(super) method: Option<Method>,
    pub(super) copied: Vec<HeaderField>,
}

impl Salvage {
    pub(super) fn read(raw: &Bytes) -> Salvage {
        let head_end = memchr::memmem::find(raw, b"\r\n\r\n").unwrap_or(raw.len());
        let head = raw.slice(..head_end);
        let mut lines = Vec::new();
        let mut start = 0;
        while start < head.len() {
            let end = memchr::memchr(b'\n', head.get(start..).unwrap_or_default())
                .map_or(head.len(), |lf| start + lf);
            lines.push((start, end));
            start = end + 1;
        }
        let method = lines.first().and_then(|&(s, e)| {
            let line = head.get(s..e)?;
            let token = line.split(|&b| b == b' ').next()?;
            if token.starts_with(b"SIP/") {
                return None;
            }
            std::str::from_utf8(token).ok().and_then(Method::from_token)
        });
        let mut copied = Vec::new();
        let mut field: Option<(usize, usize, usize)> = None;
        let flush = |field: Option<(usize, usize, usize)>, copied: &mut Vec<HeaderField>| {
            let Some((from, to, line)) = field else {
                return;
            };
            let to = if head.get(to.wrapping_sub(1)) == Some(&b'\r') {
                to - 1
            } else {
                to
            };
            let raw = head.slice(from..to.max(from));
            let bare_lf = memchr::memchr_iter(b'\n', &raw)
                .any(|lf| raw.get(lf.wrapping_sub(1)) != Some(&b'\r'));
            if bare_lf {
                return;
            }
            let Ok(f) = HeaderField::parse(raw, line, from) else {
                return;
            };
            if copied_to_response(&f) {
                copied.push(f);
            }
        };
        for (index, &(s, e)) in lines.iter().enumerate().skip(1) {
            let line = head.get(s..e).unwrap_or_default();
            if line.is_empty() || line == b"\r" {
                break; // the end of the header section, even with bare LF
            }
            match (head.get(s), field.as_mut()) {
                (Some(b' ' | b'\t'), Some((_, to, _))) => *to = e,
                _ => {
                    flush(field.take(), &mut copied);
                    field = Some((s, e, index + 1));
                }
            }
        }
        flush(field, &mut copied);
        Salvage { method, copied }
    }
}
