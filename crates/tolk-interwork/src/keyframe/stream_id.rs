//! The `stream_id` of an RFC 5168 video control primitive: which video
//! stream a picture fast update is for. RFC 5168's schema types it as a
//! plain string; in SIP the value is the RFC 4574 `a=label` of the
//! stream's m-line (so it is an SDP token), which is how room systems
//! that send it use it.

use std::fmt;

/// Longest stream id read or written: a label names an m-line, so a
/// longer value is no label of ours and is read as no stream id.
pub const MAX_STREAM_ID_LEN: usize = 128;

/// An RFC 5168 `stream_id` value: an RFC 4574 label (an RFC 8866
/// token: visible ASCII but `"(),/:;<=>?@[\]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamId(String);

impl StreamId {
    /// The stream id naming the m-line labelled `label`, or `None` when
    /// `label` is not a token of at most [`MAX_STREAM_ID_LEN`] bytes.
    pub fn new(label: &str) -> Option<Self> {
        let fits = !label.is_empty() && label.len() <= MAX_STREAM_ID_LEN;
        (fits && label.bytes().all(is_token_char)).then(|| StreamId(label.to_owned()))
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads the text content of a `stream_id` element: surrounding
    /// whitespace trimmed and XML's predefined entities decoded.
    pub(super) fn from_xml_text(text: &str) -> Option<Self> {
        let text = text.trim();
        let mut label = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            label.push_str(&rest[..at]);
            let (entity, after) = rest[at + 1..].split_once(';')?;
            label.push(match entity {
                "amp" => '&',
                "apos" => '\'',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                _ => return None,
            });
            rest = after;
        }
        label.push_str(rest);
        StreamId::new(&label)
    }

    /// The label as XML element text (`&` and `'` escaped; a token has no
    /// other character XML reserves).
    pub(super) fn to_xml_text(&self) -> String {
        self.0.replace('&', "&amp;").replace('\'', "&apos;")
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 8866 `token-char`.
fn is_token_char(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x27 | 0x2a | 0x2b | 0x2d | 0x2e | 0x30..=0x39 | 0x41..=0x5a | 0x5e..=0x7e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_a_token() {
        assert_eq!(StreamId::new("slides").unwrap().as_str(), "slides");
        assert_eq!(StreamId::new("2").unwrap().to_string(), "2");
        for bad in ["", "a b", "a<b", "x\"", &"x".repeat(MAX_STREAM_ID_LEN + 1)] {
            assert_eq!(StreamId::new(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn xml_text_is_trimmed_and_unescaped() {
        let id = StreamId::from_xml_text("\n  a&amp;b&apos;c \n").unwrap();
        assert_eq!(id.as_str(), "a&b'c");
        assert_eq!(id.to_xml_text(), "a&amp;b&apos;c");
        assert_eq!(StreamId::from_xml_text("a&unknown;"), None);
        assert_eq!(StreamId::from_xml_text("a&amp"), None);
        assert_eq!(StreamId::from_xml_text("&lt;x&gt;"), None, "not a token");
    }
}
