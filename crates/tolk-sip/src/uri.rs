//! URIs (RFC 3261 section 19.1 and 25.1, RFC 3966): `sip:` and `sips:`
//! typed in full, `tel:` typed, every other scheme kept opaque.

use crate::error::{Error, Fault};
use crate::host::{self, Host};
use crate::params::Params;
use crate::syntax::{self, Scanner};

/// A URI as found in a Request-URI or a name-addr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uri<'a> {
    /// `sip:` or `sips:`.
    Sip(SipUri<'a>),
    /// `tel:` (RFC 3966).
    Tel(TelUri<'a>),
    /// Any other scheme: syntactically an absolute URI, otherwise opaque.
    Other {
        /// The scheme, as written.
        scheme: &'a str,
        /// The whole URI, as written.
        raw: &'a str,
    },
}

/// A `sip:` or `sips:` URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipUri<'a> {
    /// The whole URI, as written.
    pub raw: &'a str,
    /// True for `sips:`.
    pub secure: bool,
    /// The user part, escapes kept.
    pub user: Option<&'a str>,
    /// The password, escapes kept.
    pub password: Option<&'a str>,
    /// The host.
    pub host: Host<'a>,
    /// The port, when given.
    pub port: Option<u16>,
    /// URI parameters (`;transport=tcp;lr`).
    pub params: Params<'a>,
    /// URI headers after `?`, as written.
    pub headers: Option<&'a str>,
}

/// A `tel:` URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelUri<'a> {
    /// The whole URI, as written.
    pub raw: &'a str,
    /// The number, visual separators kept (`+1-201-555-0123`).
    pub number: &'a str,
    /// Parameters (`;phone-context=...`).
    pub params: Params<'a>,
}

impl<'a> Uri<'a> {
    /// Parses a complete URI.
    pub fn parse(text: &'a str) -> Result<Self, Error> {
        parse(text).map_err(|f| f.standalone(text.as_bytes()))
    }

    /// The scheme as written (`sip`, `SIPS`, `tel`, ...).
    pub fn scheme(&self) -> &'a str {
        match self {
            Uri::Sip(u) => u.raw.split(':').next().unwrap_or_default(),
            Uri::Tel(u) => u.raw.split(':').next().unwrap_or_default(),
            Uri::Other { scheme, .. } => scheme,
        }
    }

    /// The URI exactly as written.
    pub fn as_str(&self) -> &'a str {
        match self {
            Uri::Sip(u) => u.raw,
            Uri::Tel(u) => u.raw,
            Uri::Other { raw, .. } => raw,
        }
    }

    /// The SIP URI, when this is one.
    pub fn as_sip(&self) -> Option<&SipUri<'a>> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }
}

impl std::fmt::Display for Uri<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a URI occupying all of `text`; fault offsets are into `text`.
pub(crate) fn parse(text: &str) -> Result<Uri<'_>, Fault> {
    let bytes = text.as_bytes();
    let colon = bytes.iter().position(|&b| b == b':').ok_or(Fault {
        at: 0,
        expected: "URI scheme followed by ':'",
    })?;
    let scheme = text.get(..colon).unwrap_or_default();
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(Fault {
            at: 0,
            expected: "URI scheme followed by ':'",
        });
    }
    let rest_at = colon + 1;
    if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
        sip(text, rest_at, scheme.len() == 4).map(Uri::Sip)
    } else if scheme.eq_ignore_ascii_case("tel") {
        tel(text, rest_at).map(Uri::Tel)
    } else {
        let rest = bytes.get(rest_at..).unwrap_or_default();
        if rest.is_empty() {
            return Err(Fault {
                at: rest_at,
                expected: "URI text after the scheme",
            });
        }
        syntax::escaped_run(rest, syntax::is_uric).map_err(|i| Fault {
            at: rest_at + i,
            expected: "URI character",
        })?;
        Ok(Uri::Other { scheme, raw: text })
    }
}

fn sip(text: &str, start: usize, secure: bool) -> Result<SipUri<'_>, Fault> {
    let bytes = text.as_bytes();
    let mut s = Scanner::from_text(text);
    s.set_pos(start);
    let (mut user, mut password) = (None, None);
    if let Some(at) = memchr::memchr(b'@', s.rest()) {
        let userinfo_end = start + at;
        let userinfo = s.slice(start, userinfo_end);
        let (u, p) = match memchr::memchr(b':', userinfo) {
            Some(c) => (
                userinfo.get(..c).unwrap_or_default(),
                Some((c, userinfo.get(c + 1..).unwrap_or_default())),
            ),
            None => (userinfo, None),
        };
        if u.is_empty() {
            return Err(Fault {
                at: start,
                expected: "user part before '@'",
            });
        }
        syntax::escaped_run(u, syntax::is_user).map_err(|i| Fault {
            at: start + i,
            expected: "user part character",
        })?;
        user = Some(s.text(start, start + u.len(), "user part")?);
        if let Some((c, p)) = p {
            syntax::escaped_run(p, syntax::is_password).map_err(|i| Fault {
                at: start + c + 1 + i,
                expected: "password character",
            })?;
            password = Some(s.text(start + c + 1, start + c + 1 + p.len(), "password")?);
        }
        s.set_pos(userinfo_end + 1);
    }
    let host = host::host(&mut s)?;
    let port = host::port(&mut s)?;
    let params_start = s.pos();
    while s.eat(b';') {
        let at = s.pos();
        let name = s.take_while(|b| syntax::is_param(b) || b == b'%');
        if name.is_empty() {
            return Err(Fault {
                at,
                expected: "URI parameter name after ';'",
            });
        }
        syntax::escaped_run(name, syntax::is_param).map_err(|i| Fault {
            at: at + i,
            expected: "URI parameter character",
        })?;
        if s.eat(b'=') {
            let at = s.pos();
            let value = s.take_while(|b| syntax::is_param(b) || b == b'%');
            syntax::escaped_run(value, syntax::is_param).map_err(|i| Fault {
                at: at + i,
                expected: "URI parameter character",
            })?;
            if value.is_empty() {
                return Err(Fault {
                    at,
                    expected: "URI parameter value after '='",
                });
            }
        }
    }
    let params = Params::new(text.get(params_start..s.pos()).unwrap_or_default());
    let mut headers = None;
    if s.eat(b'?') {
        let at = s.pos();
        let h = s.rest();
        syntax::escaped_run(h, |b| syntax::is_header(b) || matches!(b, b'&' | b'=')).map_err(
            |i| Fault {
                at: at + i,
                expected: "URI header character",
            },
        )?;
        headers = Some(s.text(at, at + h.len(), "URI headers")?);
        s.set_pos(bytes.len());
    }
    if !s.at_end() {
        return Err(s.fault("end of SIP URI"));
    }
    Ok(SipUri {
        raw: text,
        secure,
        user,
        password,
        host,
        port,
        params,
        headers,
    })
}

fn tel(text: &str, start: usize) -> Result<TelUri<'_>, Fault> {
    let mut s = Scanner::from_text(text);
    s.set_pos(start);
    let number = s.take_while(|b| {
        b.is_ascii_hexdigit() || matches!(b, b'+' | b'*' | b'#' | b'-' | b'.' | b'(' | b')')
    });
    if number.is_empty() {
        return Err(s.fault("telephone number after 'tel:'"));
    }
    let number = s.text(start, start + number.len(), "telephone number")?;
    let params_start = s.pos();
    while s.eat(b';') {
        let at = s.pos();
        let p = s.take_while(|b| syntax::is_param(b) || b == b'%' || b == b'=');
        if p.is_empty() {
            return Err(Fault {
                at,
                expected: "tel URI parameter after ';'",
            });
        }
    }
    if !s.at_end() {
        return Err(s.fault("end of tel URI"));
    }
    Ok(TelUri {
        raw: text,
        number,
        params: Params::new(text.get(params_start..).unwrap_or_default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_uri_parts() {
        let Uri::Sip(u) =
            Uri::parse("sips:alice:pw@[2001:db8::1]:5061;transport=tcp;lr?Subject=x").unwrap()
        else {
            panic!("not sip");
        };
        assert!(u.secure);
        assert_eq!(u.user, Some("alice"));
        assert_eq!(u.password, Some("pw"));
        assert_eq!(u.host, Host::Ipv6("2001:db8::1"));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.params.value("transport"), Some("tcp"));
        assert!(u.params.contains("lr"));
        assert_eq!(u.headers, Some("Subject=x"));
    }

    #[test]
    fn user_part_may_hold_semicolons() {
        let Uri::Sip(u) = Uri::parse("sip:user;par=u%40example.net@example.com").unwrap() else {
            panic!("not sip");
        };
        assert_eq!(u.user, Some("user;par=u%40example.net"));
        assert!(u.params.is_empty());
    }

    #[test]
    fn other_schemes_are_opaque() {
        let u = Uri::parse("soap.beep://192.0.2.103:3002").unwrap();
        assert_eq!(u.scheme(), "soap.beep");
        assert!(
            matches!(Uri::parse("tel:+1-201-555-0123;ext=1").unwrap(), Uri::Tel(t) if t.number == "+1-201-555-0123")
        );
    }

    #[test]
    fn malformed_uris() {
        for bad in [
            "<sip:a@b>",
            "sip:a@b; lr",
            "sip:2001:db8::10",
            "sip:a%zz@b",
            "sip:",
            "http:",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad}");
        }
    }
}
