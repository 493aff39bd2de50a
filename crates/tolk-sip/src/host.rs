//! Hosts and ports (RFC 3261 section 25.1 `hostport`, with RFC 5118's
//! IPv6 rules): domain names, IPv4 addresses and bracketed IPv6 references.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::Fault;
use crate::syntax::Scanner;

/// The host part of a SIP URI or a Via sent-by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// A domain name, as written.
    Domain(&'a str),
    /// A dotted-quad IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 reference: the text between the brackets, as written.
    /// RFC 5118 section 4.10 asks receivers to tolerate the three-colon
    /// form that RFC 3261's ABNF allows, so the text is kept.
    Ipv6(&'a str),
}

impl Host<'_> {
    /// The IP address, when the host is one.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        match self {
            Host::Domain(_) => None,
            Host::Ipv4(v4) => Some((*v4).into()),
            Host::Ipv6(text) => ipv6(text).map(Into::into),
        }
    }
}

impl std::fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::Domain(name) => f.write_str(name),
            Host::Ipv4(v4) => write!(f, "{v4}"),
            Host::Ipv6(text) => write!(f, "[{text}]"),
        }
    }
}

/// Reads an IPv6 address, accepting RFC 3261's `::` `:` IPv4 spelling.
pub(crate) fn ipv6(text: &str) -> Option<Ipv6Addr> {
    if let Ok(addr) = text.parse() {
        return Some(addr);
    }
    // "2001:db8:::192.0.2.1": drop the third colon and try again.
    let at = text.find(":::")?;
    let (head, tail) = text.split_at(at + 2);
    let tail = tail.strip_prefix(':')?;
    if !tail.contains('.') {
        return None;
    }
    let mut buf = [0u8; 64];
    let joined = buf.get_mut(..head.len() + tail.len())?;
    let (a, b) = joined.split_at_mut(head.len());
    a.copy_from_slice(head.as_bytes());
    b.copy_from_slice(tail.as_bytes());
    std::str::from_utf8(joined).ok()?.parse().ok()
}

/// What one pass over a host's octets found.
enum Shape {
    /// Only digits and dots: an IPv4 address or nothing.
    Numeric,
    /// Labels of letters, digits and hyphens, the last starting with a letter.
    Domain,
    Invalid,
}

/// Classes of host octets (0: not part of a host).
const DIGIT: u8 = 1;
const ALPHA: u8 = 2;
const HYPHEN: u8 = 3;
const DOT: u8 = 4;

static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = if b.is_ascii_digit() {
            DIGIT
        } else if b.is_ascii_alphabetic() {
            ALPHA
        } else if b == b'-' {
            HYPHEN
        } else if b == b'.' {
            DOT
        } else {
            0
        };
        c += 1;
    }
    table
};

/// States of [`scan`]: where in a host name the last octet left us.
const START: u8 = 0;
/// After a dot ending a label that began with a letter (or a digit).
const DOT_AFTER_ALPHA: u8 = 1;
const DOT_AFTER_DIGIT: u8 = 2;
/// Inside a label that began with a letter, after an alphanumeric (or
/// a hyphen); the same for a label that began with a digit.
const IN_ALPHA: u8 = 3;
const IN_ALPHA_HYPHEN: u8 = 4;
const IN_DIGIT: u8 = 5;
const IN_DIGIT_HYPHEN: u8 = 6;
const BAD: u8 = 7;

/// `NEXT[state * 5 + class]`: labels may not be empty nor start or end
/// with a hyphen.
static NEXT: [u8; 40] = [
    // end, digit, alpha, hyphen, dot
    BAD,
    IN_DIGIT,
    IN_ALPHA,
    BAD,
    BAD, // START
    BAD,
    IN_DIGIT,
    IN_ALPHA,
    BAD,
    BAD, // DOT_AFTER_ALPHA
    BAD,
    IN_DIGIT,
    IN_ALPHA,
    BAD,
    BAD, // DOT_AFTER_DIGIT
    BAD,
    IN_ALPHA,
    IN_ALPHA,
    IN_ALPHA_HYPHEN,
    DOT_AFTER_ALPHA, // IN_ALPHA
    BAD,
    IN_ALPHA,
    IN_ALPHA,
    IN_ALPHA_HYPHEN,
    BAD, // IN_ALPHA_HYPHEN
    BAD,
    IN_DIGIT,
    IN_DIGIT,
    IN_DIGIT_HYPHEN,
    DOT_AFTER_DIGIT, // IN_DIGIT
    BAD,
    IN_DIGIT,
    IN_DIGIT,
    IN_DIGIT_HYPHEN,
    BAD, // IN_DIGIT_HYPHEN
    BAD,
    BAD,
    BAD,
    BAD,
    BAD, // BAD
];

/// Reads a run of host octets (letters, digits, '-' and '.') and
/// classifies it in the same pass, one table step per octet:
/// dot-separated labels, none empty or starting or ending with a
/// hyphen, an optional final dot. Returns the run's length and shape.
fn scan(bytes: &[u8]) -> (usize, Shape) {
    let (mut state, mut seen, mut len) = (START, 0u8, 0);
    for &b in bytes {
        let class = CLASS[usize::from(b)];
        if class == 0 {
            break;
        }
        seen |= class;
        state = NEXT[usize::from(state) * 5 + usize::from(class)];
        len += 1;
    }
    // ALPHA and HYPHEN share bit 1; DIGIT and DOT do not.
    let numeric = seen & 2 == 0;
    let shape = match state {
        IN_DIGIT | DOT_AFTER_DIGIT if numeric => Shape::Numeric,
        IN_ALPHA | DOT_AFTER_ALPHA => Shape::Domain,
        _ => Shape::Invalid,
    };
    (len, shape)
}

/// `IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT`, each
/// at most 255 (leading zeros allowed, as the ABNF does).
fn ipv4(text: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split(|&b| b == b'.');
    for octet in &mut octets {
        let part = parts.next().filter(|p| (1..=3).contains(&p.len()))?;
        let value = part.iter().try_fold(0u16, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
        })?;
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

/// Parses a host at the scanner.
pub(crate) fn host<'a>(s: &mut Scanner<'a>) -> Result<Host<'a>, Fault> {
    let start = s.pos();
    if s.eat(b'[') {
        s.take_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        let text = s.text(start + 1, s.pos(), "IPv6 address")?;
        if ipv6(text).is_none() {
            return Err(Fault {
                at: start,
                expected: "IPv6 address inside '[' ']'",
            });
        }
        s.expect(b']', "']' closing an IPv6 reference")?;
        return Ok(Host::Ipv6(text));
    }
    let (len, shape) = scan(s.rest());
    let raw = s.slice(start, start + len);
    s.set_pos(start + len);
    let fault = |expected| Fault {
        at: start,
        expected,
    };
    match shape {
        Shape::Numeric => ipv4(raw).map(Host::Ipv4).ok_or(fault("IPv4 address")),
        Shape::Domain => s.text(start, s.pos(), "host name").map(Host::Domain),
        Shape::Invalid => Err(fault("host name, IPv4 address or '[' IPv6 reference")),
    }
}

/// Parses an optional `:port` at the scanner.
pub(crate) fn port(s: &mut Scanner<'_>) -> Result<Option<u16>, Fault> {
    if !s.eat(b':') {
        return Ok(None);
    }
    let start = s.pos();
    let digits = s.take_while(|b| b.is_ascii_digit());
    let value = digits.iter().try_fold(0u32, |n, &d| {
        Some(n * 10 + u32::from(d - b'0')).filter(|&v| v <= u32::from(u16::MAX))
    });
    value
        .filter(|_| !digits.is_empty())
        .and_then(|v| u16::try_from(v).ok())
        .map(Some)
        .ok_or(Fault {
            at: start,
            expected: "port number 0-65535 after ':'",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(Host<'_>, Option<u16>), Fault> {
        let mut s = Scanner::new(text.as_bytes());
        let h = host(&mut s)?;
        let p = port(&mut s)?;
        s.finish("end")?;
        Ok((h, p))
    }

    #[test]
    fn hosts() {
        assert_eq!(parse("example.com").unwrap().0, Host::Domain("example.com"));
        assert_eq!(parse("192.0.2.1:5060").unwrap().1, Some(5060));
        assert_eq!(
            parse("[2001:db8::10]:5070").unwrap(),
            (Host::Ipv6("2001:db8::10"), Some(5070))
        );
        assert!(
            parse("[2001:db8::10:5070]").is_ok(),
            "RFC 5118 4.3: valid, no port"
        );
        assert!(parse("[2001:db8:::192.0.2.1]").is_ok(), "RFC 5118 4.10");
        assert!(parse("[::ffff:192.0.2.128]").is_ok());
        assert!(parse("2001:db8::10").is_err(), "RFC 5118 4.2");
        assert!(parse("300.1.1.1").is_err());
        assert!(parse("-bad.example").is_err());
        assert!(parse("host:99999").is_err());
        assert!(parse("host:").is_err());
        assert_eq!(parse("h:65535").unwrap().1, Some(65535));
        assert_eq!(
            parse("a-b.example.").unwrap().0,
            Host::Domain("a-b.example.")
        );
        assert_eq!(parse("9x.a9").unwrap().0, Host::Domain("9x.a9"));
        // Empty labels, hyphens at a label's edge, a top label starting
        // with a digit, a final dot after an IPv4 address.
        for bad in [
            ".", "a..b", "a.-b", "a-.b", "ab-", "1.2.3.4.", "1a", "x.9a", "a.b..",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
