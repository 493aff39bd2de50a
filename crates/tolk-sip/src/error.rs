//! The crate's one error type, and how each error answers a peer.

/// Everything that can go wrong in tolk-sip.
///
/// Parse errors name the line (1-based), the byte offset into the message
/// (0-based) and what the parser expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text does not follow RFC 3261's grammar.
    #[error("expected {expected} (line {line}, byte {offset})")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// 0-based byte offset into the message.
        offset: usize,
        /// What the grammar called for at that point.
        expected: &'static str,
    },
    /// The message ended before its header section or its body did.
    #[error("expected {expected} before the end of the message (line {line}, byte {offset})")]
    Truncated {
        /// 1-based line number.
        line: usize,
        /// 0-based byte offset into the message.
        offset: usize,
        /// What was still missing.
        expected: &'static str,
    },
    /// A SIP version other than SIP/2.0 (answered with 505).
    #[error("expected SIP version SIP/2.0 (line {line}, byte {offset})")]
    Version {
        /// 1-based line number.
        line: usize,
        /// 0-based byte offset into the message.
        offset: usize,
    },
    /// The message is larger than the configured limit (answered with 513).
    #[error("expected a message of at most {limit} bytes (line {line}, byte {offset})")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
        /// 1-based line number where the limit was crossed.
        line: usize,
        /// 0-based byte offset where the limit was crossed.
        offset: usize,
    },
    /// More header fields than the configured limit.
    #[error("expected at most {limit} header fields (line {line}, byte {offset})")]
    TooManyHeaders {
        /// The limit.
        limit: usize,
        /// 1-based line number of the first field over the limit.
        line: usize,
        /// 0-based byte offset of that field.
        offset: usize,
    },
    /// A header the message needs is absent.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A header that may appear once appears more than once.
    #[error("more than one {0} header")]
    DuplicateHeader(&'static str),
    /// rsip cannot represent this message faithfully (the `rsip` feature).
    #[error("rsip cannot represent the message: {0}")]
    Unrepresentable(String),
    /// A builder was given something that cannot be put on the wire.
    #[error("cannot build message: {0}")]
    Build(&'static str),
    /// A command the current state does not allow (a response after the
    /// final one, a CANCEL of a non-INVITE, ...).
    #[error("not allowed now: {0}")]
    InvalidState(&'static str),
    /// A command named a transaction or dialog that no longer exists.
    #[error("no such transaction or dialog")]
    NoSuchTransaction,
    /// A request for a dialog that does not exist yet: the peer has sent
    /// no response with a To tag (RFC 3261 section 12.1), so it could not
    /// match the request to anything.
    #[error("no dialog yet: the peer has sent no response with a To tag")]
    NoDialogYet,
    /// A transport failed (socket, connection or TLS error).
    #[error("transport: {0}")]
    Transport(String),
}

impl Error {
    /// The 1-based line the error points at (1 when it has no position).
    pub fn line(&self) -> usize {
        match self {
            Error::Syntax { line, .. }
            | Error::Truncated { line, .. }
            | Error::Version { line, .. }
            | Error::TooLarge { line, .. }
            | Error::TooManyHeaders { line, .. } => *line,
            _ => 1,
        }
    }

    /// The 0-based byte offset the error points at (0 when it has no position).
    pub fn offset(&self) -> usize {
        match self {
            Error::Syntax { offset, .. }
            | Error::Truncated { offset, .. }
            | Error::Version { offset, .. }
            | Error::TooLarge { offset, .. }
            | Error::TooManyHeaders { offset, .. } => *offset,
            _ => 0,
        }
    }

    /// The status code a UAS answers a request with when it fails this way.
    pub fn status_code(&self) -> u16 {
        match self {
            Error::Version { .. } => 505,
            Error::TooLarge { .. } => 513,
            _ => 400,
        }
    }
}

/// A fault inside a slice being scanned: an offset relative to the slice.
/// The message layer turns it into an [`Error`] with line and byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub(crate) at: usize,
    pub(crate) expected: &'static str,
}

impl Fault {
    /// Places the fault in a message: `text` is the slice it was found in,
    /// starting at byte `base` on line `line`.
    pub(crate) fn locate(self, text: &[u8], base: usize, line: usize) -> Error {
        let before = text.get(..self.at).unwrap_or(text);
        let newlines = memchr::memchr_iter(b'\n', before).count();
        Error::Syntax {
            line: line + newlines,
            offset: base + self.at,
            expected: self.expected,
        }
    }

    /// The error for a standalone value (line 1, offset into the value).
    pub(crate) fn standalone(self, text: &[u8]) -> Error {
        self.locate(text, 0, 1)
    }
}
