//! The outcome of an offer/answer exchange, per m-line, from our side:
//! what the relay and the media plan consume.

use super::Reason;
use crate::model::{
    Address, Crypto, CryptoSuite, Direction, Fingerprint, Fmtp, MediaKind, PayloadType, RtpMap,
    Setup, Text, TransportProtocol,
};

/// Both descriptions of one exchange, read together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiation {
    /// One entry per m-line, in m-line order.
    pub media: Vec<NegotiatedMedia>,
    /// The mids in the accepted BUNDLE group (empty when not bundled).
    pub bundle: Vec<Text>,
}

impl Negotiation {
    /// The accepted m-lines with their index.
    pub fn accepted(&self) -> impl Iterator<Item = (usize, &AcceptedMedia)> {
        self.media.iter().filter_map(|media| match &media.state {
            MediaState::Accepted(accepted) => Some((media.index, accepted.as_ref())),
            MediaState::Rejected(_) => None,
        })
    }
}

/// One m-line's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// The m-line index.
    pub index: usize,
    /// Its media type.
    pub kind: MediaKind,
    /// Its mid, if any.
    pub mid: Option<Text>,
    /// Accepted with parameters, or rejected with a reason.
    pub state: MediaState,
}

/// Accepted or rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaState {
    /// Media flows (or is held) with these parameters.
    Accepted(Box<AcceptedMedia>),
    /// Port 0 in the answer, and why.
    Rejected(Reason),
}

/// The parameters of an accepted m-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedMedia {
    /// The transport profile.
    pub protocol: TransportProtocol,
    /// Our direction (whether we send and receive).
    pub direction: Direction,
    /// The codecs both sides accepted, in the answer's order (the first
    /// is the one to send).
    pub codecs: Vec<NegotiatedCodec>,
    /// The accepted telephone-event formats.
    pub telephone_events: Vec<NegotiatedCodec>,
    /// How SRTP is keyed, if at all.
    pub keying: Keying,
    /// Whether RTP and RTCP share the port (RFC 5761).
    pub rtcp_mux: bool,
    /// Where the peer receives RTP: its address (0.0.0.0 while it holds)
    /// and port.
    pub remote: Option<(Address, u16)>,
}

/// One codec as both sides numbered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedCodec {
    /// Encoding, clock rate, channels.
    pub encoding: RtpMap,
    /// The parameters as the answer states them.
    pub fmtp: Option<Fmtp>,
    /// The payload type we send with (the peer's numbering).
    pub send_pt: PayloadType,
    /// The payload type we receive with (our numbering).
    pub recv_pt: PayloadType,
    /// The rtx stream's payload types, when rtx was accepted.
    pub rtx: Option<RtxPayloadTypes>,
}

/// Payload types of an rtx stream bound to a codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtxPayloadTypes {
    /// The rtx payload type we send with.
    pub send_pt: PayloadType,
    /// The rtx payload type we receive with.
    pub recv_pt: PayloadType,
}

/// How the SRTP keys are agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keying {
    /// Plain RTP.
    Plain,
    /// SDES (RFC 4568): each side's key in its own `a=crypto`.
    Sdes {
        /// The chosen suite.
        suite: CryptoSuite,
        /// Our crypto line (our sending key).
        local: Crypto,
        /// The peer's crypto line (its sending key).
        remote: Crypto,
    },
    /// DTLS-SRTP (RFC 5763/5764).
    Dtls {
        /// Our role: `Active` (DTLS client) or `Passive` (server).
        role: Setup,
        /// The certificate fingerprints the peer must present.
        remote_fingerprints: Vec<Fingerprint>,
    },
}
