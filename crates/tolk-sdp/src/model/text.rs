//! [`Text`]: the model's strings, sharing the parsed input instead of
//! owning a copy each.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An immutable string of the model. What the parser reads is a slice of
/// one shared copy of the input, so a description costs one allocation for
/// all its text and cloning a value never allocates; fixed values are
/// `'static`. It reads as a `&str` (`Deref`, [`Text::as_str`]), compares
/// and hashes as its text, and is built from `&str` or `String` with
/// `into()`.
///
/// A parsed value kept long after its description keeps the whole input
/// alive (a few kilobytes); `Text::from(value.as_str())` detaches it.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    /// A whole shared string.
    Whole(Arc<str>),
    /// Bytes `start..end` of a shared string (`u32` offsets keep a `Text`
    /// at 32 bytes; a part beyond 4 GiB is copied into a `Whole`).
    Part {
        source: Arc<str>,
        start: u32,
        end: u32,
    },
}

impl Text {
    /// A text of a `'static` string (no allocation).
    pub const fn from_static(text: &'static str) -> Self {
        Text(Repr::Static(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(text) => text,
            Repr::Whole(text) => text,
            Repr::Part { source, start, end } => &source[*start as usize..*end as usize],
        }
    }

    /// `part`, which the caller took from this text, sharing its buffer;
    /// a copy if `part` lies elsewhere.
    #[inline]
    pub(crate) fn slice_of(&self, part: &str) -> Text {
        let whole = self.as_str();
        let offset = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        if offset > whole.len() || part.len() > whole.len() - offset {
            return Text::from(part);
        }
        let (source, base) = match &self.0 {
            Repr::Static(text) => {
                let text: &'static str = text;
                return Text(Repr::Static(&text[offset..offset + part.len()]));
            }
            Repr::Whole(source) => (source, 0),
            Repr::Part { source, start, .. } => (source, *start as usize),
        };
        let start = base + offset;
        match (u32::try_from(start), u32::try_from(start + part.len())) {
            (Ok(start), Ok(end)) => Text(Repr::Part {
                source: Arc::clone(source),
                start,
                end,
            }),
            _ => Text::from(part),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from_static("")
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(Repr::Whole(Arc::from(text)))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::from(text.as_str())
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text::from(text.as_str())
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

macro_rules! eq_with_text {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for Text {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }

        impl PartialEq<Text> for $other {
            fn eq(&self, other: &Text) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}

eq_with_text!(str, &str, String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_share_the_source_and_compare_as_text() {
        let line = Text::from("candidate:1 1 udp 2 192.0.2.1 9 typ host");
        let host = line.slice_of(&line.as_str()[line.len() - 4..]);
        assert_eq!(host, "host");
        assert_eq!(host, Text::from_static("host"));
        assert!(matches!(&host.0, Repr::Part { source, .. } if source.len() == line.len()));
        // A slice of a slice is a slice of the source.
        let ost = host.slice_of(&host.as_str()[1..]);
        assert_eq!(ost.as_str(), "ost");
        // Text from elsewhere is copied, never misread.
        assert_eq!(host.slice_of("udp"), "udp");
        assert_eq!(format!("{host:?} {host}"), "\"host\" host");
        // No bigger than a `String` plus one word, so the model stays compact.
        assert!(std::mem::size_of::<Text>() <= 32);
    }

    #[test]
    fn static_text_slices_stay_static() {
        let fixed = Text::from_static("0-15");
        let part = fixed.slice_of(&fixed.as_str()[2..]);
        assert!(matches!(part.0, Repr::Static("15")));
        assert_eq!(Text::default(), "");
        assert_eq!(String::from(part), "15");
    }
}
