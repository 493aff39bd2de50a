//! RFC 3261 section 25.1: character classes and a scanner over header
//! text that understands linear white space (including folded lines),
//! tokens and quoted strings. Every typed parser is built from these.

use crate::error::Fault;

/// Character class bits, one table entry per octet.
const TOKEN: u8 = 1;
const WORD: u8 = 2;
const UNRESERVED: u8 = 4;
const USER: u8 = 8;
const PASSWORD: u8 = 16;
const PARAM: u8 = 32;
const HEADER: u8 = 64;
const URIC: u8 = 128;

const fn classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let alnum = b.is_ascii_alphanumeric();
        let mark = matches!(
            b,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
        );
        let mut bits = 0;
        if alnum
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            )
        {
            bits |= TOKEN | WORD;
        }
        if matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        ) {
            bits |= WORD;
        }
        if alnum || mark {
            bits |= UNRESERVED | USER | PASSWORD | PARAM | HEADER | URIC;
        }
        if matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/') {
            bits |= USER;
        }
        if matches!(b, b'&' | b'=' | b'+' | b'$' | b',') {
            bits |= PASSWORD;
        }
        if matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$') {
            bits |= PARAM;
        }
        if matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$') {
            bits |= HEADER;
        }
        if matches!(
            b,
            b';' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b',' | b'%'
        ) {
            bits |= URIC;
        }
        table[c] = bits;
        c += 1;
    }
    table
}

static CLASSES: [u8; 256] = classes();

fn has(b: u8, class: u8) -> bool {
    CLASSES[usize::from(b)] & class != 0
}

/// `token` characters.
pub(crate) fn is_token(b: u8) -> bool {
    has(b, TOKEN)
}
/// `word` characters (Call-ID).
pub(crate) fn is_word(b: u8) -> bool {
    has(b, WORD)
}
/// Characters of a SIP URI's user part (escapes checked separately).
pub(crate) fn is_user(b: u8) -> bool {
    has(b, USER)
}
/// Characters of a SIP URI's password.
pub(crate) fn is_password(b: u8) -> bool {
    has(b, PASSWORD)
}
/// Characters of a URI parameter name or value.
pub(crate) fn is_param(b: u8) -> bool {
    has(b, PARAM)
}
/// Characters of a URI header name or value.
pub(crate) fn is_header(b: u8) -> bool {
    has(b, HEADER)
}
/// `uric` characters (absolute URIs of other schemes).
pub(crate) fn is_uric(b: u8) -> bool {
    has(b, URIC)
}

/// True when every octet is a token character (and there is at least one).
pub(crate) fn all_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token(b))
}

/// Checks `%HH` escapes in a URI component whose other octets satisfy `ok`.
pub(crate) fn escaped_run(s: &[u8], ok: impl Fn(u8) -> bool) -> Result<(), usize> {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
            if hex.is_none() {
                return Err(i);
            }
            i += 3;
        } else if ok(b) {
            i += 1;
        } else {
            return Err(i);
        }
    }
    Ok(())
}

/// Text as `&str`. Callers have checked the octets against an ASCII class
/// or a UTF-8 rule; anything else reads as a fault at `at`.
pub(crate) fn text<'a>(s: &'a [u8], at: usize, expected: &'static str) -> Result<&'a str, Fault> {
    std::str::from_utf8(s).map_err(|_| Fault { at, expected })
}

/// A cursor over one header value (or any slice of header text).
#[derive(Debug, Clone)]
pub(crate) struct Scanner<'a> {
    input: &'a [u8],
    /// The input as text, when it is UTF-8: slices of it need no
    /// validation of their own.
    text: Option<&'a str>,
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner over octets; validated once as UTF-8 up front.
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Scanner {
            input,
            text: std::str::from_utf8(input).ok(),
            pos: 0,
        }
    }

    /// A scanner over octets that will not be read as text.
    pub(crate) fn octets(input: &'a [u8]) -> Self {
        Scanner {
            input,
            text: None,
            pos: 0,
        }
    }

    /// A scanner over text.
    pub(crate) fn from_text(text: &'a str) -> Self {
        Scanner {
            input: text.as_bytes(),
            text: Some(text),
            pos: 0,
        }
    }

    /// The octets `from..to` as text.
    pub(crate) fn text(
        &self,
        from: usize,
        to: usize,
        expected: &'static str,
    ) -> Result<&'a str, Fault> {
        match self.text {
            Some(t) => t.get(from..to).ok_or(Fault { at: from, expected }),
            None => text(self.slice(from, to), from, expected),
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.input.len());
    }

    pub(crate) fn input(&self) -> &'a [u8] {
        self.input
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn slice(&self, from: usize, to: usize) -> &'a [u8] {
        self.input.get(from..to).unwrap_or_default()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    pub(crate) fn fault(&self, expected: &'static str) -> Fault {
        Fault {
            at: self.pos,
            expected,
        }
    }

    /// Skips linear white space: SP, HTAB, and line folds (CRLF followed
    /// by SP or HTAB). Returns whether anything was skipped.
    pub(crate) fn skip_lws(&mut self) -> bool {
        let start = self.pos;
        while let Some(&b) = self.input.get(self.pos) {
            match b {
                b' ' | b'\t' => self.pos += 1,
                b'\r'
                    if matches!(
                        self.input.get(self.pos + 1..self.pos + 3),
                        Some([b'\n', b' ' | b'\t'])
                    ) =>
                {
                    self.pos += 3
                }
                _ => break,
            }
        }
        self.pos > start
    }

    /// Consumes `b` if it is next.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `b` or fails with `expected`.
    pub(crate) fn expect(&mut self, b: u8, expected: &'static str) -> Result<(), Fault> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.fault(expected))
        }
    }

    /// A separator with optional white space around it (`SEMI`, `COMMA`,
    /// `EQUAL`, `SLASH`, ...): consumes `SWS b SWS` when `b` follows.
    pub(crate) fn separator(&mut self, b: u8) -> bool {
        let save = self.pos;
        self.skip_lws();
        if self.eat(b) {
            self.skip_lws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Consumes the longest run of octets satisfying `pred`.
    #[inline]
    pub(crate) fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a [u8] {
        let rest = self.rest();
        let taken = rest.iter().position(|&b| !pred(b)).unwrap_or(rest.len());
        self.pos += taken;
        rest.get(..taken).unwrap_or_default()
    }

    /// One `token`.
    pub(crate) fn token(&mut self, expected: &'static str) -> Result<&'a str, Fault> {
        let start = self.pos;
        if self.take_while(is_token).is_empty() {
            return Err(self.fault(expected));
        }
        self.text(start, self.pos, expected)
    }

    /// A `quoted-string`, returned with its quotes and escapes as written.
    pub(crate) fn quoted_string(&mut self) -> Result<&'a str, Fault> {
        let start = self.pos;
        self.expect(b'"', "'\"' opening a quoted string")?;
        loop {
            // Plain octets first, in one tight step.
            let rest = self.rest();
            self.pos += rest
                .iter()
                .position(|&b| matches!(b, b'"' | b'\\' | b'\r' | b'\n'))
                .unwrap_or(rest.len());
            match self.rest() {
                [b'"', ..] => {
                    self.pos += 1;
                    break;
                }
                [b'\\', c, ..] if *c != b'\r' && *c != b'\n' && *c < 0x80 => self.pos += 2,
                [b'\r', b'\n', b' ' | b'\t', ..] => self.pos += 3,
                [c, ..] if *c != b'\r' && *c != b'\n' && *c != b'\\' => self.pos += 1,
                _ => return Err(self.fault("'\"' closing a quoted string")),
            }
        }
        self.text(start, self.pos, "UTF-8 text in a quoted string")
    }

    /// Fails unless only white space remains.
    pub(crate) fn finish(&mut self, expected: &'static str) -> Result<(), Fault> {
        self.skip_lws();
        if self.at_end() {
            Ok(())
        } else {
            Err(self.fault(expected))
        }
    }
}

/// Removes the quotes and backslash escapes of a quoted string.
pub fn unquote(quoted: &str) -> std::borrow::Cow<'_, str> {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    if !inner.contains('\\') {
        return std::borrow::Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lws_skips_folds() {
        let mut s = Scanner::new(b" \t\r\n  x");
        assert!(s.skip_lws());
        assert_eq!(s.peek(), Some(b'x'));
    }

    #[test]
    fn quoted_string_with_escapes() {
        let mut s = Scanner::new(br#""J Rosenberg \\\"" rest"#);
        assert_eq!(s.quoted_string().unwrap(), r#""J Rosenberg \\\"""#);
        assert_eq!(unquote(r#""a \"b\"""#), "a \"b\"");
    }

    #[test]
    fn unterminated_quote_fails() {
        let mut s = Scanner::new(b"\"Mr. J. User <sip:j@x>");
        assert_eq!(
            s.quoted_string().unwrap_err().expected,
            "'\"' closing a quoted string"
        );
    }

    #[test]
    fn escapes_need_two_hex_digits() {
        assert!(escaped_run(b"a%20b", is_user).is_ok());
        assert_eq!(escaped_run(b"a%2", is_user), Err(1));
        assert_eq!(escaped_run(b"a b", is_user), Err(1));
    }
}
