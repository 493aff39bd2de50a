//! Media types: Content-Type (RFC 3261 section 20.15) and the media
//! ranges of Accept (section 20.1).

use crate::error::Fault;
use crate::params::{self, Params};
use crate::syntax::Scanner;

/// A media type or media range with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType<'a> {
    /// The top-level type (`application`, or `*` in a range).
    pub kind: &'a str,
    /// The subtype (`sdp`, or `*` in a range).
    pub subtype: &'a str,
    /// Parameters (`charset`, `q`, ...).
    pub params: Params<'a>,
}

impl MediaType<'_> {
    /// True when this type (or range) covers `kind/subtype`.
    pub fn covers(&self, kind: &str, subtype: &str) -> bool {
        (self.kind == "*" || self.kind.eq_ignore_ascii_case(kind))
            && (self.subtype == "*" || self.subtype.eq_ignore_ascii_case(subtype))
    }

    /// True when this is exactly `kind/subtype` (ignoring case and parameters).
    pub fn is(&self, kind: &str, subtype: &str) -> bool {
        self.kind.eq_ignore_ascii_case(kind) && self.subtype.eq_ignore_ascii_case(subtype)
    }
}

impl std::fmt::Display for MediaType<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}{}", self.kind, self.subtype, self.params)
    }
}

pub(crate) fn media_type<'a>(s: &mut Scanner<'a>) -> Result<MediaType<'a>, Fault> {
    let kind = s.token("media type")?;
    if !s.separator(b'/') {
        return Err(s.fault("'/' between media type and subtype"));
    }
    let subtype = s.token("media subtype")?;
    let params = params::header_params(s)?;
    Ok(MediaType {
        kind,
        subtype,
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        let m = media_type(&mut Scanner::new(
            b"multipart/mixed;boundary=unique-boundary-1",
        ))
        .unwrap();
        assert!(m.is("Multipart", "MIXED"));
        assert_eq!(m.params.value("boundary"), Some("unique-boundary-1"));
        let r = media_type(&mut Scanner::new(b"application/*;q=0.5")).unwrap();
        assert!(r.covers("application", "sdp"));
        assert!(!r.covers("text", "plain"));
        assert!(media_type(&mut Scanner::new(b"application")).is_err());
    }
}
