//! Bencode, the ng protocol's encoding: integers `i42e`, byte strings
//! `4:spam`, lists `l...e` and dictionaries `d...e`.
//!
//! The decoder takes untrusted datagrams: it never panics, never allocates
//! more than the input justifies (a string's length is checked against the
//! bytes left before anything is copied) and stops at [`Limits`].

use std::fmt;

/// A bencoded value. Dictionaries keep their entries in order; the encoder
/// writes them sorted by key, as bencode requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `i<n>e`.
    Int(i64),
    /// `<len>:<bytes>`.
    Bytes(Vec<u8>),
    /// `l<values>e`.
    List(Vec<Value>),
    /// `d<key><value>...e`.
    Dict(Vec<(Vec<u8>, Value)>),
}

/// Bounds on what the decoder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of lists and dictionaries.
    pub max_depth: usize,
    /// Values in the whole document.
    pub max_values: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 16,
            max_values: 4096,
        }
    }
}

/// Why a document did not decode, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What was expected there.
    pub expected: &'static str,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bencode: expected {} at byte {}",
            self.expected, self.offset
        )
    }
}

impl std::error::Error for DecodeError {}

impl Value {
    /// A byte-string value from text.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::Bytes(s.as_ref().as_bytes().to_vec())
    }

    /// A dictionary from `(key, value)` pairs.
    pub fn dict<'k>(entries: impl IntoIterator<Item = (&'k str, Value)>) -> Value {
        Value::Dict(
            entries
                .into_iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v))
                .collect(),
        )
    }

    /// The first value under `key`, when this is a dictionary.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries
                .iter()
                .find(|(k, _)| k.as_slice() == key.as_bytes())
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as UTF-8 text, when it is a byte string that is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Bytes(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// The value as an integer (a decimal byte string counts too, as
    /// clients send either).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Bytes(_) => self.as_str()?.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value's texts: a list's text items, or a single text.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect(),
        }
    }

    /// Decodes one complete document; trailing bytes are an error.
    pub fn decode(input: &[u8], limits: Limits) -> Result<Value, DecodeError> {
        let mut d = Decoder {
            input,
            pos: 0,
            values: 0,
            limits,
        };
        let value = d.value(0)?;
        if d.pos != input.len() {
            return Err(d.error("end of input"));
        }
        Ok(value)
    }

    /// Appends the encoding to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(n) => {
                out.push(b'i');
                out.extend_from_slice(n.to_string().as_bytes());
                out.push(b'e');
            }
            Value::Bytes(b) => encode_bytes(b, out),
            Value::List(items) => {
                out.push(b'l');
                for item in items {
                    item.encode_into(out);
                }
                out.push(b'e');
            }
            Value::Dict(entries) => {
                let mut sorted: Vec<&(Vec<u8>, Value)> = entries.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                out.push(b'd');
                for (k, v) in sorted {
                    encode_bytes(k, out);
                    v.encode_into(out);
                }
                out.push(b'e');
            }
        }
    }

    /// The encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }
}

fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    values: usize,
    limits: Limits,
}

impl Decoder<'_> {
    fn error(&self, expected: &'static str) -> DecodeError {
        DecodeError {
            offset: self.pos,
            expected,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        self.values += 1;
        if self.values > self.limits.max_values {
            return Err(self.error("fewer values"));
        }
        match self.peek() {
            Some(b'i') => {
                self.pos += 1;
                let n = self.integer(b'e')?;
                Ok(Value::Int(n))
            }
            Some(b'0'..=b'9') => self.bytes().map(Value::Bytes),
            Some(b'l') => {
                let depth = self.enter(depth)?;
                let mut items = Vec::new();
                while self.peek() != Some(b'e') {
                    items.push(self.value(depth)?);
                }
                self.pos += 1;
                Ok(Value::List(items))
            }
            Some(b'd') => {
                let depth = self.enter(depth)?;
                let mut entries = Vec::new();
                while self.peek() != Some(b'e') {
                    if !matches!(self.peek(), Some(b'0'..=b'9')) {
                        return Err(self.error("a string key or `e`"));
                    }
                    let key = self.bytes()?;
                    entries.push((key, self.value(depth)?));
                }
                self.pos += 1;
                Ok(Value::Dict(entries))
            }
            _ => Err(self.error("a value")),
        }
    }

    fn enter(&mut self, depth: usize) -> Result<usize, DecodeError> {
        if depth >= self.limits.max_depth {
            return Err(self.error("less nesting"));
        }
        self.pos += 1;
        Ok(depth + 1)
    }

    /// A decimal integer up to `end` (consumed): no leading zeros, no `-0`.
    fn integer(&mut self, end: u8) -> Result<i64, DecodeError> {
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or_default();
        let Some(len) = rest.iter().take(21).position(|&b| b == end) else {
            return Err(self.error("a terminated integer"));
        };
        let digits = rest.get(..len).unwrap_or_default();
        let unsigned = digits.strip_prefix(b"-").unwrap_or(digits);
        let canonical = match unsigned {
            [] => false,
            [b'0'] => unsigned.len() == digits.len(),
            [first, ..] => *first != b'0' && unsigned.iter().all(u8::is_ascii_digit),
        };
        let n = std::str::from_utf8(digits)
            .ok()
            .filter(|_| canonical)
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or(self.error("a canonical 64-bit integer"))?;
        self.pos = start + len + 1;
        Ok(n)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        let len = self.integer(b':')?;
        let len = usize::try_from(len).map_err(|_| self.error("a string length"))?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.input.len())
            .ok_or(self.error("as many string bytes as the length says"))?;
        let b = self.input.get(self.pos..end).unwrap_or_default().to_vec();
        self.pos = end;
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn decode(s: &[u8]) -> Result<Value, DecodeError> {
        Value::decode(s, Limits::default())
    }

    #[test]
    fn decodes_an_ng_command() {
        let v = decode(b"d7:command4:ping5:flagsl5:a-b-ci7eee").unwrap();
        assert_eq!(v.get("command").and_then(Value::as_str), Some("ping"));
        assert_eq!(v.get("flags").unwrap().texts(), ["a-b-c"]);
        assert_eq!(v.get("missing"), None);
    }

    #[test]
    fn encodes_dicts_sorted() {
        let v = Value::dict([("result", Value::str("pong")), ("a", Value::Int(-3))]);
        assert_eq!(v.encode(), b"d1:ai-3e6:result4:ponge");
    }

    #[test]
    fn rejects_malformed_input_with_offsets() {
        for (bad, offset) in [
            (&b""[..], 0),
            (b"i01e", 1),
            (b"i-0e", 1),
            (b"i-e", 1),
            (b"i12", 1),
            (b"i99999999999999999999e", 1),
            (b"5:abc", 2),
            (b"99999999999999999999:", 0),
            (b"l", 1),
            (b"di1ei2ee", 1),
            (b"d1:a", 4),
            (b"4:spamx", 6),
            (b"x", 0),
        ] {
            let err = decode(bad).unwrap_err();
            assert_eq!(
                err.offset,
                offset,
                "{:?}: {err}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn enforces_limits() {
        let deep = [vec![b'l'; 17], vec![b'e'; 17]].concat();
        assert_eq!(decode(&deep).unwrap_err().expected, "less nesting");
        let ok = [vec![b'l'; 16], vec![b'e'; 16]].concat();
        assert!(decode(&ok).is_ok());
        let many = [b"l".to_vec(), b"i1e".repeat(5000), b"e".to_vec()].concat();
        assert_eq!(decode(&many).unwrap_err().expected, "fewer values");
    }

    #[test]
    fn integers_as_text_are_read_too() {
        assert_eq!(Value::str(" 42").as_int(), Some(42));
        assert_eq!(Value::Int(7).as_int(), Some(7));
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Value::Int),
            proptest::collection::vec(any::<u8>(), 0..24).prop_map(Value::Bytes),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
                proptest::collection::btree_map(
                    proptest::collection::vec(any::<u8>(), 0..8),
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Dict(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(v in value()) {
            prop_assert_eq!(decode(&v.encode()).unwrap(), v);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn truncation_is_an_error(v in value(), cut in any::<prop::sample::Index>()) {
            let enc = v.encode();
            let cut = cut.index(enc.len());
            prop_assert!(decode(&enc[..cut]).is_err());
        }
    }
}
