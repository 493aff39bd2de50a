//! The header section: fields kept as the octets they arrived as, so that
//! a message prints back byte for byte unless a field was changed.

use bytes::{BufMut, Bytes, BytesMut};

use super::names;
use crate::error::{Error, Fault};

/// One header field: `name HCOLON value`, folding and spacing as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    /// The field from its name to the end of its value (no final CRLF).
    raw: Bytes,
    name_end: u32,
    value_start: u32,
    value_end: u32,
    /// 1-based line of the field in its message (0 when built locally).
    line: u32,
    /// Byte offset of the field in its message.
    offset: u32,
    /// Index of a known header name (see `names::index_of`), 0 if unknown.
    known: u8,
}

impl HeaderField {
    /// A new field `name: value`. Fails unless `name` is a token and
    /// `value` holds no bare CR or LF.
    pub fn new(name: &str, value: &str) -> Result<Self, Error> {
        if !crate::syntax::all_token(name.as_bytes()) {
            return Err(Error::Build("header name must be a token"));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(Error::Build("header value must not contain CR or LF"));
        }
        let mut raw = BytesMut::with_capacity(name.len() + 2 + value.len());
        raw.put_slice(name.as_bytes());
        raw.put_slice(b": ");
        raw.put_slice(value.as_bytes());
        let name_end = len32(name.len())?;
        let value_start = name_end + 2;
        Ok(HeaderField {
            raw: raw.freeze(),
            name_end,
            value_start,
            value_end: value_start + len32(value.len())?,
            line: 0,
            offset: 0,
            known: names::index_of(name.as_bytes()),
        })
    }

    /// Splits one unfolded-or-folded field line into name and value.
    /// `raw` runs from the name to the end of the value, without CRLF.
    pub(crate) fn parse(raw: Bytes, line: usize, offset: usize) -> Result<Self, Error> {
        let mut s = crate::syntax::Scanner::octets(&raw);
        let located = |f: Fault| f.locate(&raw, offset, line);
        if s.take_while(crate::syntax::is_token).is_empty() {
            return Err(located(s.fault("header name")));
        }
        let name_end = s.pos();
        while matches!(s.peek(), Some(b' ' | b'\t')) {
            s.set_pos(s.pos() + 1);
        }
        s.expect(b':', "':' after the header name")
            .map_err(located)?;
        s.skip_lws();
        let value_start = s.pos();
        let mut value_end = raw.len();
        while value_end > value_start
            && raw
                .get(value_end - 1)
                .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            value_end -= 1;
        }
        let too_long = || Error::TooLarge {
            limit: u32::MAX as usize,
            line,
            offset,
        };
        Ok(HeaderField {
            name_end: u32::try_from(name_end).map_err(|_| too_long())?,
            value_start: u32::try_from(value_start).map_err(|_| too_long())?,
            value_end: u32::try_from(value_end).map_err(|_| too_long())?,
            line: u32::try_from(line).map_err(|_| too_long())?,
            offset: u32::try_from(offset).map_err(|_| too_long())?,
            known: names::index_of(raw.get(..name_end).unwrap_or_default()),
            raw,
        })
    }

    /// Where the value lies in the message it was parsed from (for a
    /// built field: in the field itself).
    pub(crate) fn value_range(&self) -> std::ops::Range<usize> {
        let at = self.offset as usize;
        at + self.value_start as usize..at + self.value_end as usize
    }

    /// The name as written (`v`, `VIA`, `Via`, ...).
    pub fn name(&self) -> &str {
        let name = self.raw.get(..self.name_end as usize).unwrap_or_default();
        std::str::from_utf8(name).unwrap_or_default()
    }

    /// The value as written, without surrounding white space; folded
    /// continuation lines are kept (typed parsers read them as LWS).
    pub fn value(&self) -> &[u8] {
        self.raw
            .get(self.value_start as usize..self.value_end as usize)
            .unwrap_or_default()
    }

    /// The value as text, when it is UTF-8.
    pub fn value_str(&self) -> Option<&str> {
        std::str::from_utf8(self.value()).ok()
    }

    /// True when the field is the header `name` (compact forms match).
    pub fn is(&self, name: &str) -> bool {
        HeaderMatch::new(name).matches(self)
    }

    /// The whole field as written, without the final CRLF.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The field's known-header index (0 for names Tolk does not know).
    pub(crate) fn known(&self) -> u8 {
        self.known
    }

    /// 1-based line of the field in the message it was parsed from.
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// Turns a fault inside the value into an error naming line and byte.
    pub(crate) fn error(&self, fault: Fault) -> Error {
        let at = self.value_start as usize + fault.at;
        Fault {
            at,
            expected: fault.expected,
        }
        .locate(&self.raw, self.offset as usize, self.line.max(1) as usize)
    }
}

/// Compares fields against one header name, looked up once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderMatch<'n> {
    name: &'n str,
    known: u8,
}

impl<'n> HeaderMatch<'n> {
    /// A match for one of the `names` constants, looked up at compile time.
    pub(crate) const fn known(name: &'static str) -> HeaderMatch<'static> {
        HeaderMatch {
            name,
            known: names::index(name),
        }
    }

    pub(crate) fn name(&self) -> &'n str {
        self.name
    }

    pub(crate) fn new(name: &'n str) -> Self {
        HeaderMatch {
            name,
            known: names::index_of(name.as_bytes()),
        }
    }

    pub(crate) fn matches(&self, field: &HeaderField) -> bool {
        if self.known != 0 {
            field.known == self.known
        } else {
            field.known == 0 && field.name().eq_ignore_ascii_case(self.name)
        }
    }
}

fn len32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::Build("header field longer than 4 GiB"))
}

/// The header fields of a message, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<HeaderField>,
}

impl Headers {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn with_capacity(n: usize) -> Self {
        Headers {
            fields: Vec::with_capacity(n),
        }
    }

    /// Number of fields (each header line counts once).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// All fields in order.
    pub fn iter(&self) -> std::slice::Iter<'_, HeaderField> {
        self.fields.iter()
    }

    /// The fields of header `name`, in order.
    pub fn get_all<'h>(&'h self, name: &'h str) -> impl Iterator<Item = &'h HeaderField> + 'h {
        let want = HeaderMatch::new(name);
        self.fields.iter().filter(move |f| want.matches(f))
    }

    /// The first field of header `name`.
    pub fn get(&self, name: &str) -> Option<&HeaderField> {
        let want = HeaderMatch::new(name);
        self.fields.iter().find(|f| want.matches(f))
    }

    /// The only field of header `name`: `Ok(None)` when absent, an error
    /// when it appears more than once.
    pub fn get_one(&self, name: &'static str) -> Result<Option<&HeaderField>, Error> {
        self.get_one_matching(HeaderMatch::new(name))
    }

    pub(crate) fn get_one_matching(
        &self,
        want: HeaderMatch<'static>,
    ) -> Result<Option<&HeaderField>, Error> {
        let name = want.name();
        let mut all = self.fields.iter().filter(|f| want.matches(f));
        let first = all.next();
        if all.next().is_some() {
            return Err(Error::DuplicateHeader(name));
        }
        Ok(first)
    }

    /// Like [`Headers::get_one`], but absence is an error too.
    pub fn get_exactly_one(&self, name: &'static str) -> Result<&HeaderField, Error> {
        self.get_one(name)?.ok_or(Error::MissingHeader(name))
    }

    /// True when header `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Appends a field.
    pub fn push(&mut self, field: HeaderField) {
        self.fields.push(field);
    }

    /// Appends `name: value`.
    pub fn append(&mut self, name: &str, value: &str) -> Result<(), Error> {
        self.fields.push(HeaderField::new(name, value)?);
        Ok(())
    }

    /// Inserts `name: value` before every other field (a new top Via).
    pub fn prepend(&mut self, name: &str, value: &str) -> Result<(), Error> {
        self.fields.insert(0, HeaderField::new(name, value)?);
        Ok(())
    }

    /// Replaces every field of header `name` with one `name: value`, at
    /// the position of the first (or at the end when there was none).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let field = HeaderField::new(name, value)?;
        match self.fields.iter().position(|f| f.is(name)) {
            Some(at) => {
                self.fields.retain(|f| !f.is(name));
                self.fields.insert(at.min(self.fields.len()), field);
            }
            None => self.fields.push(field),
        }
        Ok(())
    }

    /// Replaces the field at `index` (see [`Headers::iter`]).
    pub fn replace(&mut self, index: usize, field: HeaderField) -> Result<(), Error> {
        let slot = self
            .fields
            .get_mut(index)
            .ok_or(Error::Build("no header field at that index"))?;
        *slot = field;
        Ok(())
    }

    /// Removes every field of header `name`; returns how many went.
    pub fn remove_all(&mut self, name: &str) -> usize {
        let before = self.fields.len();
        self.fields.retain(|f| !f.is(name));
        before - self.fields.len()
    }

    /// Removes and returns the first field of header `name`.
    pub fn remove_first(&mut self, name: &str) -> Option<HeaderField> {
        let at = self.fields.iter().position(|f| f.is(name))?;
        Some(self.fields.remove(at))
    }

    /// Writes the fields, each followed by CRLF.
    pub(crate) fn write(&self, out: &mut BytesMut) {
        for f in &self.fields {
            out.put_slice(f.as_bytes());
            out.put_slice(b"\r\n");
        }
    }

    pub(crate) fn wire_len(&self) -> usize {
        self.fields.iter().map(|f| f.raw.len() + 2).sum()
    }
}

impl<'h> IntoIterator for &'h Headers {
    type Item = &'h HeaderField;
    type IntoIter = std::slice::Iter<'h, HeaderField>;

    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::names;

    #[test]
    fn field_keeps_spacing_and_folding() {
        let f =
            HeaderField::parse(Bytes::from_static(b"TO :\r\n sip:a@b ; tag = 1 "), 2, 40).unwrap();
        assert_eq!(f.name(), "TO");
        assert_eq!(f.value(), b"sip:a@b ; tag = 1");
        assert!(f.is(names::TO));
        assert_eq!(f.as_bytes(), b"TO :\r\n sip:a@b ; tag = 1 ");
    }

    #[test]
    fn missing_colon_names_position() {
        let err = HeaderField::parse(Bytes::from_static(b"Foobar roobar"), 10, 300).unwrap_err();
        assert_eq!((err.line(), err.offset()), (10, 307));
    }

    #[test]
    fn set_replaces_all() {
        let mut h = Headers::new();
        h.append("Via", "SIP/2.0/UDP a").unwrap();
        h.append("v", "SIP/2.0/UDP b").unwrap();
        h.append("To", "<sip:x@y>").unwrap();
        h.set(names::VIA, "SIP/2.0/TCP c").unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(names::VIA).unwrap().value(), b"SIP/2.0/TCP c");
        assert!(HeaderField::new("Bad Name", "x").is_err());
        assert!(HeaderField::new("X", "a\r\nb").is_err());
    }
}
