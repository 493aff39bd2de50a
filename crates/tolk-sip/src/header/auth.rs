//! Authentication headers (RFC 3261 section 20.7, 20.27, 20.28, 20.44,
//! RFC 8760): Authorization, Proxy-Authorization, WWW-Authenticate and
//! Proxy-Authenticate. One field holds one scheme and its parameters.

use crate::error::Fault;
use crate::syntax::Scanner;

/// Credentials or a challenge: a scheme and its `name=value` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth<'a> {
    /// The scheme (`Digest`, or any token).
    pub scheme: &'a str,
    /// The comma-separated parameters, as written.
    pub params: AuthParams<'a>,
}

impl<'a> Auth<'a> {
    /// The parameter `name` (case-insensitive), quotes kept.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The parameter `name` with quotes and escapes removed.
    pub fn param_text(&self, name: &str) -> Option<std::borrow::Cow<'a, str>> {
        self.param(name).map(crate::syntax::unquote)
    }
}

/// The validated parameter list of an [`Auth`] value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthParams<'a> {
    raw: &'a str,
}

impl<'a> AuthParams<'a> {
    /// The list as written.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Each `(name, value)`, values with their quotes.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let mut s = Scanner::from_text(self.raw);
        let mut first = true;
        std::iter::from_fn(move || {
            if !first && !s.separator(b',') {
                return None;
            }
            first = false;
            s.skip_lws();
            auth_param(&mut s).ok()
        })
    }
}

fn auth_param<'a>(s: &mut Scanner<'a>) -> Result<(&'a str, &'a str), Fault> {
    let name = s.token("auth parameter name")?;
    if !s.separator(b'=') {
        return Err(s.fault("'=' after the auth parameter name"));
    }
    let start = s.pos();
    if s.peek() == Some(b'"') {
        s.quoted_string()?;
    } else {
        s.token("auth parameter value")?;
    }
    let value = s.text(start, s.pos(), "auth parameter value")?;
    Ok((name, value))
}

pub(crate) fn auth<'a>(s: &mut Scanner<'a>) -> Result<Auth<'a>, Fault> {
    let scheme = s.token("authentication scheme")?;
    if !s.skip_lws() {
        return Err(s.fault("white space after the authentication scheme"));
    }
    let start = s.pos();
    auth_param(s)?;
    while s.separator(b',') {
        auth_param(s)?;
    }
    let raw = s.text(start, s.pos(), "auth parameters")?;
    Ok(Auth {
        scheme,
        params: AuthParams { raw },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_and_unknown_schemes() {
        let text = b"Digest username=\"bob\", realm=\"atlanta.example.com\",\r\n \
              nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=auth, algorithm=SHA-256";
        let a = auth(&mut Scanner::new(text)).unwrap();
        assert_eq!(a.scheme, "Digest");
        assert_eq!(a.param_text("USERNAME").unwrap(), "bob");
        assert_eq!(a.param("qop"), Some("auth"));
        assert_eq!(a.params.iter().count(), 5);
        let a = auth(&mut Scanner::new(b"NoOneKnowsThisScheme opaque-data=here")).unwrap();
        assert_eq!(a.param("opaque-data"), Some("here"));
        assert!(auth(&mut Scanner::new(b"Digest")).is_err());
    }
}
