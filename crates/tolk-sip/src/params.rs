//! Parameter lists (`;name=value`) as they appear after URIs and header
//! values. A [`Params`] keeps the text as written and walks it on demand;
//! the parsers that produce one have already checked its grammar.

use crate::syntax::Scanner;

/// A validated `;name[=value]` list, kept as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a> {
    raw: &'a str,
}

impl<'a> Params<'a> {
    pub(crate) fn new(raw: &'a str) -> Self {
        Params { raw }
    }

    /// The list exactly as written, leading `;` included (empty when none).
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// True when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Each `(name, value)`; the value is `None` for a bare name and keeps
    /// the quotes of a quoted string.
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter {
            scanner: Scanner::from_text(self.raw),
        }
    }

    /// The parameter `name` (case-insensitive): `None` when absent,
    /// `Some(None)` for a bare name, `Some(Some(value))` otherwise.
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The value of `name`, when it is present with a value.
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.get(name).flatten()
    }

    /// True when `name` is present (with or without a value).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

impl std::fmt::Display for Params<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.raw)
    }
}

/// Iterator over a [`Params`] list.
#[derive(Debug, Clone)]
pub struct ParamIter<'a> {
    scanner: Scanner<'a>,
}

impl<'a> Iterator for ParamIter<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let s = &mut self.scanner;
        if !s.separator(b';') {
            return None;
        }
        let name_start = s.pos();
        let name = s.take_while(|b| !matches!(b, b'=' | b';' | b' ' | b'\t' | b'\r' | b'\n'));
        let name = s
            .text(name_start, name_start + name.len(), "parameter name")
            .ok()?;
        if !s.separator(b'=') {
            return Some((name, None));
        }
        let value_start = s.pos();
        if s.peek() == Some(b'"') {
            s.quoted_string().ok()?;
        } else {
            s.take_while(|b| !matches!(b, b';' | b' ' | b'\t' | b'\r' | b'\n'));
        }
        let value = s.text(value_start, s.pos(), "parameter value").ok()?;
        Some((name, Some(value)))
    }
}

/// Header parameters (`*( SEMI generic-param )`, RFC 3261 section 25.1):
/// consumes them from `s` and returns them. Values are tokens, hosts
/// (including IPv6 references, and bare IPv6 addresses as RFC 5118 asks
/// receivers to tolerate in Via `received`) or quoted strings.
pub(crate) fn header_params<'a>(s: &mut Scanner<'a>) -> Result<Params<'a>, crate::error::Fault> {
    header_params_checked(s, |_, _| Ok(()))
}

/// Like [`header_params`], with `check` applied to each `(name, value)`
/// as it is read (a header's own value rules).
pub(crate) fn header_params_checked<'a>(
    s: &mut Scanner<'a>,
    check: impl Fn(&str, Option<&str>) -> Result<(), &'static str>,
) -> Result<Params<'a>, crate::error::Fault> {
    let start = s.pos();
    let mut end = start;
    while s.separator(b';') {
        let at = s.pos();
        let name = s.token("parameter name after ';'")?;
        let mut value = None;
        if s.separator(b'=') {
            let value_start = s.pos();
            if s.peek() == Some(b'"') {
                s.quoted_string()?;
            } else {
                let v =
                    s.take_while(|b| crate::syntax::is_token(b) || matches!(b, b':' | b'[' | b']'));
                if v.is_empty() {
                    return Err(s.fault("parameter value after '='"));
                }
            }
            value = Some(s.text(value_start, s.pos(), "parameter value")?);
        }
        check(name, value).map_err(|expected| crate::error::Fault { at, expected })?;
        end = s.pos();
    }
    s.set_pos(end);
    let raw = s.text(start, end, "UTF-8 parameters")?;
    Ok(Params::new(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Params<'_>, crate::error::Fault> {
        let mut s = Scanner::new(text.as_bytes());
        let p = header_params(&mut s)?;
        s.finish("end of parameters")?;
        Ok(p)
    }

    #[test]
    fn generic_params_with_lws_and_quotes() {
        let p = parse(" ;   tag    = 1918181833n ; q=\"a;b\";lr").unwrap();
        assert_eq!(p.value("TAG"), Some("1918181833n"));
        assert_eq!(p.value("q"), Some("\"a;b\""));
        assert_eq!(p.get("lr"), Some(None));
        assert_eq!(p.iter().count(), 3);
    }

    #[test]
    fn empty_params_are_rejected() {
        assert!(parse(";;").is_err());
        assert!(parse(";a=").is_err());
    }
}
