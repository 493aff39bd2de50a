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
    debug_assert!(delimiter.is_ascii());
    // A one-char set, not a `char`: a set is matched char by char.
    text.split([char::from(delimiter)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_and_pieces_match_the_str_methods() {
        for text in ["a:b:c", ":", "", "no", "é:ü", "a::"] {
            assert_eq!(cut(text, b':'), text.split_once(':'), "{text:?}");
            assert!(pieces(text, b':').eq(text.split(':')), "{text:?}");
        }
    }
}
