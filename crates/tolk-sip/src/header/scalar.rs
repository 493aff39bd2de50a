//! Headers whose value is a number, with or without parameters:
//! Max-Forwards, Content-Length, Expires, RSeq (RFC 3261 section 20,
//! RFC 3262), Session-Expires and Min-SE (RFC 4028), Retry-After.

use crate::error::Fault;
use crate::header::list::number;
use crate::params::{self, Params};
use crate::syntax::Scanner;

pub(crate) fn max_forwards(s: &mut Scanner<'_>) -> Result<u8, Fault> {
    let at = s.pos();
    let n = number(s, 255, "Max-Forwards of 0 to 255")?;
    u8::try_from(n).map_err(|_| Fault {
        at,
        expected: "Max-Forwards of 0 to 255",
    })
}

/// `delta-seconds`: 0 to 2^32-1.
pub(crate) fn delta_seconds(s: &mut Scanner<'_>) -> Result<u32, Fault> {
    let at = s.pos();
    let n = number(s, u64::from(u32::MAX), "seconds of 0 to 2^32-1")?;
    u32::try_from(n).map_err(|_| Fault {
        at,
        expected: "seconds of 0 to 2^32-1",
    })
}

pub(crate) fn content_length(s: &mut Scanner<'_>) -> Result<u32, Fault> {
    let at = s.pos();
    let n = number(s, u64::from(u32::MAX), "Content-Length digits")?;
    u32::try_from(n).map_err(|_| Fault {
        at,
        expected: "Content-Length digits",
    })
}

/// A Session-Expires value (RFC 4028 section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionExpires<'a> {
    /// The session interval in seconds.
    pub delta: u32,
    /// Parameters, including `refresher`.
    pub params: Params<'a>,
}

impl<'a> SessionExpires<'a> {
    /// The `refresher` parameter (`uac` or `uas`).
    pub fn refresher(&self) -> Option<&'a str> {
        self.params.value("refresher")
    }
}

pub(crate) fn session_expires<'a>(s: &mut Scanner<'a>) -> Result<SessionExpires<'a>, Fault> {
    let delta = delta_seconds(s)?;
    let params = params::header_params(s)?;
    Ok(SessionExpires { delta, params })
}

/// A Retry-After value (RFC 3261 section 20.33).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter<'a> {
    /// Seconds to wait.
    pub delta: u32,
    /// The comment, parentheses included.
    pub comment: Option<&'a str>,
    /// Parameters, including `duration`.
    pub params: Params<'a>,
}

pub(crate) fn retry_after<'a>(s: &mut Scanner<'a>) -> Result<RetryAfter<'a>, Fault> {
    let delta = delta_seconds(s)?;
    let save = s.pos();
    s.skip_lws();
    let comment = if s.peek() == Some(b'(') {
        Some(comment(s)?)
    } else {
        s.set_pos(save);
        None
    };
    let params = params::header_params(s)?;
    Ok(RetryAfter {
        delta,
        comment,
        params,
    })
}

/// A balanced `( ... )` comment with quoted pairs.
fn comment<'a>(s: &mut Scanner<'a>) -> Result<&'a str, Fault> {
    let start = s.pos();
    let mut depth = 0usize;
    loop {
        match s.peek() {
            Some(b'(') => depth += 1,
            Some(b')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    s.set_pos(s.pos() + 1);
                    break;
                }
            }
            Some(b'\\') => s.set_pos(s.pos() + 1),
            Some(b'\r' | b'\n') | None => return Err(s.fault("')' closing the comment")),
            Some(_) => {}
        }
        s.set_pos(s.pos() + 1);
    }
    s.text(start, s.pos(), "UTF-8 comment")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(max_forwards(&mut Scanner::new(b"0068")), Ok(68));
        assert!(max_forwards(&mut Scanner::new(b"300")).is_err());
        assert!(content_length(&mut Scanner::new(b"-999")).is_err());
        assert!(delta_seconds(&mut Scanner::new(b"10000000000000")).is_err());
        let se = session_expires(&mut Scanner::new(b"1800;refresher=uas")).unwrap();
        assert_eq!((se.delta, se.refresher()), (1800, Some("uas")));
        let ra = retry_after(&mut Scanner::new(b"18000 (in a (meeting)) ;duration=3600")).unwrap();
        assert_eq!(ra.comment, Some("(in a (meeting))"));
        assert_eq!(ra.params.value("duration"), Some("3600"));
    }
}
