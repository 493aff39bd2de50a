//! The crate's one error type.

/// Everything that can go wrong in `tolk-media`.
///
/// Errors from packet parsing answer no peer directly: a relay drops the
/// packet and counts it under [`Error::drop_counter`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended before a structure it announced.
    #[error("truncated {what}: need {needed} bytes, have {available}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed from the start of that structure.
        needed: usize,
        /// Bytes that were there.
        available: usize,
    },
    /// The version field is not 2 (RFC 3550 section 5.1).
    #[error("unsupported RTP/RTCP version {0}, expected 2")]
    Version(u8),
    /// A field holds a value its RFC forbids.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What was expected instead.
        reason: &'static str,
    },
    /// The caller's output buffer cannot hold what is being written.
    #[error("output buffer too small: need {needed} bytes, have {available}")]
    BufferTooSmall {
        /// Bytes the output needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// A value cannot be encoded in its wire field.
    #[error("{what} does not fit its wire field")]
    TooLarge {
        /// The value that overflowed.
        what: &'static str,
    },
    /// No codec is registered for this format.
    #[error("no codec registered for {0}")]
    UnknownCodec(String),
    /// A codec implementation reported a failure.
    #[error("codec {codec}: {reason}")]
    Codec {
        /// The codec's name.
        codec: String,
        /// What failed.
        reason: String,
    },
}

impl Error {
    /// A stable label for the drop counter a relay bumps when it discards a
    /// packet for this error.
    pub fn drop_counter(&self) -> &'static str {
        match self {
            Error::Truncated { .. } => "truncated",
            Error::Version(_) => "bad_version",
            Error::Malformed { .. } => "malformed",
            Error::BufferTooSmall { .. } | Error::TooLarge { .. } => "too_large",
            Error::UnknownCodec(_) | Error::Codec { .. } => "codec",
        }
    }

    pub(crate) fn truncated(what: &'static str, needed: usize, available: usize) -> Self {
        Error::Truncated {
            what,
            needed,
            available,
        }
    }

    pub(crate) fn malformed(what: &'static str, reason: &'static str) -> Self {
        Error::Malformed { what, reason }
    }
}
