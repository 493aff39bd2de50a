//! The crate's one error type.

use std::io;

/// Everything that can go wrong in the relay.
///
/// Packet-path errors map onto a [`crate::DropReason`] (`From<&Error>`):
/// a relay never answers a bad packet, it counts and drops it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet is shorter than its header, tag or index require.
    #[error("packet truncated: {len} bytes, at least {needed} needed")]
    Truncated {
        /// Bytes received.
        len: usize,
        /// Bytes the format requires.
        needed: usize,
    },
    /// The output would not fit the packet buffer.
    #[error("packet too large: {len} bytes do not fit a {capacity}-byte buffer")]
    Oversized {
        /// Bytes the output needs.
        len: usize,
        /// Bytes the buffer holds.
        capacity: usize,
    },
    /// The bytes are not an RTP/RTCP packet (wrong version or framing).
    #[error("not an RTP or RTCP packet")]
    NotRtp,
    /// The SRTP/SRTCP authentication tag did not verify.
    #[error("SRTP authentication failed")]
    AuthFailed,
    /// The SRTP/SRTCP packet index was seen before or is too old.
    #[error("SRTP replay: SSRC {ssrc:#010x} index {index}")]
    Replayed {
        /// The stream.
        ssrc: u32,
        /// The replayed sequence number or SRTCP index.
        index: u64,
    },
    /// An SRTCP packet without the E flag: Tolk never accepts unencrypted SRTCP.
    #[error("SRTCP packet without the encryption flag")]
    SrtcpUnencrypted,
    /// A context saw more distinct SSRCs than it keeps state for.
    #[error("SSRC {0:#010x} exceeds the per-context stream limit")]
    TooManySsrcs(u32),
    /// The SRTP index space of a key is exhausted (RFC 3711 section 9.2): re-key.
    #[error("SRTP key exhausted: re-key required")]
    KeyExhausted,
    /// Master key or salt of the wrong length for the profile.
    #[error("{what} is {got} bytes, profile {profile} needs {expected}")]
    KeyLength {
        /// "master key" or "master salt".
        what: &'static str,
        /// The profile's name.
        profile: &'static str,
        /// Required length.
        expected: usize,
        /// Given length.
        got: usize,
    },
    /// An SDES crypto suite Tolk does not implement.
    #[error("unsupported SRTP crypto suite {0:?}")]
    UnsupportedSuite(String),
    /// An SDES `inline:` key parameter that is not valid base64 or has the wrong size.
    #[error("invalid SDES inline key: {0}")]
    InvalidInlineKey(&'static str),
    /// Any other failure reported by the SRTP implementation.
    #[error("SRTP: {0}")]
    Srtp(String),
    /// The port range has no free port (pair) left.
    #[error("no free port in {lo}-{hi}")]
    PortsExhausted {
        /// Low end of the range.
        lo: u16,
        /// High end of the range.
        hi: u16,
    },
    /// An unknown session or endpoint id.
    #[error("unknown {0}")]
    Unknown(&'static str),
    /// A transcoding hook could not be built (unknown codec, bad packet time).
    #[error("transcoder: {0}")]
    Media(#[from] tolk_media::Error),
    /// A socket or thread operation failed.
    #[error("I/O: {0}")]
    Io(#[from] io::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
