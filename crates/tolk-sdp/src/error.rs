//! The crate's error type.

use crate::negotiate::NegotiationError;

/// Everything that can go wrong in `tolk-sdp`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not a session description we can read.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The offer or answer cannot be negotiated (SIP 488 with a Warning).
    #[error(transparent)]
    Negotiation(#[from] NegotiationError),
}

/// A session description that does not parse: where, and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} (byte {offset}): expected {expected}")]
pub struct ParseError {
    /// The 1-based line number.
    pub line: usize,
    /// The byte offset of the start of that line.
    pub offset: usize,
    /// What the parser expected there.
    pub expected: String,
}

impl ParseError {
    /// The same error with its position moved by `lines` and `bytes`, for
    /// a body that started inside a larger text (e.g. a SIP message).
    pub fn shifted(mut self, lines: usize, bytes: usize) -> Self {
        self.line = self.line.saturating_add(lines);
        self.offset = self.offset.saturating_add(bytes);
        self
    }
}
