//! name-addr and addr-spec values (RFC 3261 section 20.10, 20.20, 20.39,
//! 20.30, 20.34): From, To, Contact, Route and Record-Route.

use crate::error::Fault;
use crate::params::{self, Params};
use crate::syntax::{self, Scanner};
use crate::uri::{self, Uri};

/// A URI with an optional display name and header parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// The display name as written (quotes kept when quoted).
    pub display_name: Option<&'a str>,
    /// The URI.
    pub uri: Uri<'a>,
    /// True when the URI was written in angle brackets.
    pub bracketed: bool,
    /// Header parameters after the URI (`;tag=...`, `;expires=...`).
    pub params: Params<'a>,
}

impl<'a> NameAddr<'a> {
    /// The `tag` parameter (From and To).
    pub fn tag(&self) -> Option<&'a str> {
        self.params.value("tag")
    }

    /// The display name without quotes and escapes.
    pub fn display_text(&self) -> Option<std::borrow::Cow<'a, str>> {
        self.display_name.map(syntax::unquote)
    }
}

impl std::fmt::Display for NameAddr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(name) = self.display_name {
            write!(f, "{name} ")?;
        }
        if self.bracketed || self.display_name.is_some() {
            write!(f, "<{}>", self.uri)?;
        } else {
            write!(f, "{}", self.uri)?;
        }
        f.write_str(self.params.as_str())
    }
}

/// A Contact value: `*` or an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact<'a> {
    /// `Contact: *` (remove all bindings, RFC 3261 section 10.2.2).
    Wildcard,
    /// An address with its contact parameters.
    Address(NameAddr<'a>),
}

impl<'a> Contact<'a> {
    /// The `expires` parameter.
    pub fn expires(&self) -> Option<u32> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(a) => a.params.value("expires").and_then(|e| e.parse().ok()),
        }
    }

    /// The `q` parameter.
    pub fn q(&self) -> Option<&'a str> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(a) => a.params.value("q"),
        }
    }

    /// The address, unless this is the wildcard.
    pub fn address(&self) -> Option<&NameAddr<'a>> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(a) => Some(a),
        }
    }
}

/// Parses `( name-addr / addr-spec ) *( SEMI param )` at the scanner.
pub(crate) fn name_addr<'a>(s: &mut Scanner<'a>) -> Result<NameAddr<'a>, Fault> {
    let start = s.pos();
    let mut display_name = None;
    if s.peek() == Some(b'"') {
        display_name = Some(s.quoted_string()?);
        s.skip_lws();
        if s.peek() != Some(b'<') {
            return Err(s.fault("'<' after the display name"));
        }
    } else if s.peek() != Some(b'<') {
        // Tokens followed by '<' are a display name; anything else is an addr-spec.
        let mut end = start;
        while s.peek().is_some_and(syntax::is_token) {
            s.take_while(syntax::is_token);
            end = s.pos();
            s.skip_lws();
        }
        if end > start && s.peek() == Some(b'<') {
            display_name = Some(s.text(start, end, "display name")?);
        } else {
            s.set_pos(start);
        }
    }
    let (uri, bracketed) = if s.eat(b'<') {
        let at = s.pos();
        let close = memchr::memchr(b'>', s.rest()).ok_or(s.fault("'>' closing the URI"))?;
        let text = s.text(at, at + close, "URI")?;
        let uri = uri::parse(text).map_err(|f| Fault {
            at: at + f.at,
            expected: f.expected,
        })?;
        s.set_pos(at + close + 1);
        (uri, true)
    } else {
        let at = s.pos();
        let raw = s.take_while(|b| !matches!(b, b';' | b',' | b' ' | b'\t' | b'\r' | b'\n'));
        let end = s.pos();
        if let Some(q) = memchr::memchr(b'?', raw) {
            return Err(Fault {
                at: at + q,
                expected: "angle brackets around a URI with '?' headers",
            });
        }
        let text = s.text(at, end, "URI")?;
        let uri = uri::parse(text).map_err(|f| Fault {
            at: at + f.at,
            expected: f.expected,
        })?;
        (uri, false)
    };
    let params = params::header_params(s)?;
    Ok(NameAddr {
        display_name,
        uri,
        bracketed,
        params,
    })
}

/// A name-addr that must be bracketed (Route, Record-Route).
pub(crate) fn route<'a>(s: &mut Scanner<'a>) -> Result<NameAddr<'a>, Fault> {
    let at = s.pos();
    let addr = name_addr(s)?;
    if !addr.bracketed {
        return Err(Fault {
            at,
            expected: "'<' URI '>' in a route",
        });
    }
    Ok(addr)
}

/// A Contact value, with `expires` checked to fit 32 bits.
pub(crate) fn contact<'a>(s: &mut Scanner<'a>) -> Result<Contact<'a>, Fault> {
    if s.peek() == Some(b'*') {
        s.set_pos(s.pos() + 1);
        return Ok(Contact::Wildcard);
    }
    let at = s.pos();
    let addr = name_addr(s)?;
    if let Some(value) = addr.params.get("expires") {
        if value.is_none_or(|v| v.parse::<u32>().is_err()) {
            return Err(Fault {
                at,
                expected: "Contact expires of 0 to 2^32-1 seconds",
            });
        }
    }
    Ok(Contact::Address(addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NameAddr<'_>, Fault> {
        let mut s = Scanner::new(text.as_bytes());
        let v = name_addr(&mut s)?;
        s.finish("end")?;
        Ok(v)
    }

    #[test]
    fn forms() {
        let a = parse(
            "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8",
        )
        .unwrap();
        assert_eq!(a.tag(), Some("98asjd8"));
        assert_eq!(a.display_text().unwrap(), "J Rosenberg \\\"");
        let a = parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(a.display_name, Some("caller"));
        let a = parse("token1~` token2'+_ <sip:m@example.com>").unwrap();
        assert_eq!(a.display_name, Some("token1~` token2'+_"));
        let a = parse("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        assert!(!a.bracketed);
        assert!(a.params.contains("unknownparam"));
        assert!(a.uri.as_sip().unwrap().params.is_empty());
        assert_eq!(parse("isbn:2983792873").unwrap().uri.scheme(), "isbn");
    }

    #[test]
    fn malformed() {
        for bad in [
            "\"Mr. J. User <sip:j.user@example.com>",
            "Bell, Alexander <sip:a.g.bell@example.com>",
            "\"Watson, Thomas\" < sip:t.watson@example.org >",
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "\"Joe\" <sip:joe@example.org>;;;;",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
