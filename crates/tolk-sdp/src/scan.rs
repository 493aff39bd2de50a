//! Splitting the short, ASCII-delimited fields of SDP values with a plain
//! byte loop: at these lengths (a few to a few dozen bytes) it beats the
//! memchr set-up that `str::split_once(char)` starts on every call, which
//! profiling showed as a sixth of the parse.

/// `text` split at the first `delimiter` (an ASCII byte, so both halves
/// are on char boundaries), without it.
pub(crate) fn cut(text: &str, delimiter: u8) -> Option<(&str, &str)> {
    debug_assert!(delimiter.is_ascii());
    let at = text.bytes().position(|b| b == delimiter)?;
    Some((&text[..at], &text[at + 1..]))
}

/// The pieces of `text` between `delimiter`s (an ASCII byte), empty ones
/// included, like `str::split`.
pub(crate) fn pieces(text: &str, delimiter: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let (piece, after) = match cut(current, delimiter) {
            Some((piece, after)) => (piece, Some(after)),
            None => (current, None),
        };
        rest = after;
        Some(piece)
    })
}

/// `str::trim`, with a fast path for text that starts and ends with
/// visible ASCII, as nearly every SDP value does.
pub(crate) fn trim(text: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_pieces_and_trim_match_the_str_methods() {
        for text in [
            "a:b:c",
            ":",
            "",
            "no",
            "é:ü",
            "a::",
            " a : b ",
            "\u{a0}x\u{a0}:",
        ] {
            assert_eq!(cut(text, b':'), text.split_once(':'), "{text:?}");
            assert!(pieces(text, b':').eq(text.split(':')), "{text:?}");
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }
}
