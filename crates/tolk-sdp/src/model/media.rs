//! Media sections (`m=` and what follows it).

use super::{
    Attribute, Bandwidth, Candidate, Connection, Crypto, ExtMap, Fingerprint, Format, IceParams,
    Msid, PayloadType, Rtcp, Setup, Ssrc, SsrcGroup, Text,
};

/// One media section: the `m=` line and its `c=`, `b=` and `a=` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// The media type.
    pub kind: MediaKind,
    /// The transport port; 0 rejects or disables the section.
    pub port: u16,
    /// The `/<count>` after the port, when present.
    pub port_count: Option<u16>,
    /// The transport profile.
    pub protocol: TransportProtocol,
    /// RTP payload formats in m-line order, each with its rtpmap, fmtp and
    /// rtcp-fb lines (empty for non-RTP profiles).
    pub formats: Vec<Format>,
    /// The m-line format tokens of non-RTP profiles (e.g.
    /// `webrtc-datachannel`), kept as written.
    pub other_formats: Vec<Text>,
    /// `i=`.
    pub title: Option<Text>,
    /// `c=` for this section (overrides the session's).
    pub connection: Option<Connection>,
    /// `b=` lines (AS, TIAS, ...).
    pub bandwidths: Vec<Bandwidth>,
    /// `a=rtcp` (RFC 3605).
    pub rtcp: Option<Rtcp>,
    /// ICE credentials and options of this section.
    pub ice: IceParams,
    /// `a=candidate` lines.
    pub candidates: Vec<Candidate>,
    /// `a=end-of-candidates`.
    pub end_of_candidates: bool,
    /// `a=fingerprint` lines (RFC 8122).
    pub fingerprints: Vec<Fingerprint>,
    /// `a=setup` (RFC 4145).
    pub setup: Option<Setup>,
    /// `a=mid` (RFC 5888).
    pub mid: Option<Text>,
    /// `a=extmap` lines (RFC 8285).
    pub extmaps: Vec<ExtMap>,
    /// The direction attribute, when present.
    pub direction: Option<Direction>,
    /// `a=msid` lines (RFC 8830).
    pub msids: Vec<Msid>,
    /// `a=rtcp-mux` (RFC 5761).
    pub rtcp_mux: bool,
    /// `a=rtcp-rsize` (RFC 5506).
    pub rtcp_rsize: bool,
    /// `a=crypto` lines (RFC 4568), in preference order.
    pub crypto: Vec<Crypto>,
    /// `a=rtcp-fb:* <value>` lines: feedback for every format.
    pub rtcp_fb_all: Vec<Text>,
    /// `a=ptime` in milliseconds.
    pub ptime: Option<u32>,
    /// `a=maxptime` in milliseconds.
    pub maxptime: Option<u32>,
    /// `a=ssrc-group` lines (RFC 5576).
    pub ssrc_groups: Vec<SsrcGroup>,
    /// `a=ssrc` lines (RFC 5576).
    pub ssrcs: Vec<Ssrc>,
    /// Every other attribute (rid, simulcast, content, label, unknown
    /// ones), in order.
    pub other: Vec<Attribute>,
}

impl MediaDescription {
    /// An empty section of `kind` on `port` with `protocol`.
    pub fn new(kind: MediaKind, port: u16, protocol: TransportProtocol) -> Self {
        MediaDescription {
            kind,
            port,
            port_count: None,
            protocol,
            formats: Vec::new(),
            other_formats: Vec::new(),
            title: None,
            connection: None,
            bandwidths: Vec::new(),
            rtcp: None,
            ice: IceParams::default(),
            candidates: Vec::new(),
            end_of_candidates: false,
            fingerprints: Vec::new(),
            setup: None,
            mid: None,
            extmaps: Vec::new(),
            direction: None,
            msids: Vec::new(),
            rtcp_mux: false,
            rtcp_rsize: false,
            crypto: Vec::new(),
            rtcp_fb_all: Vec::new(),
            ptime: None,
            maxptime: None,
            ssrc_groups: Vec::new(),
            ssrcs: Vec::new(),
            other: Vec::new(),
        }
    }

    /// The format with payload type `pt`.
    pub fn format(&self, pt: PayloadType) -> Option<&Format> {
        self.formats.iter().find(|format| format.pt == pt)
    }

    /// Whether the section is rejected or disabled (port 0, RFC 3264 §6).
    pub fn is_rejected(&self) -> bool {
        self.port == 0
    }

    /// The direction in effect (absent means sendrecv, RFC 3264 §5.1).
    pub fn direction_or_default(&self) -> Direction {
        self.direction.unwrap_or(Direction::SendRecv)
    }
}

/// The media type of an m-line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `application` (data channels, BFCP, ...).
    Application,
    /// `text` (RFC 4103 real-time text).
    Text,
    /// `message`.
    Message,
    /// Anything else, as written.
    Other(Text),
}

impl MediaKind {
    /// Reads the media token (case-insensitive).
    pub fn from_token(token: &str) -> Self {
        [
            MediaKind::Audio,
            MediaKind::Video,
            MediaKind::Application,
            MediaKind::Text,
            MediaKind::Message,
        ]
        .into_iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(token))
        .unwrap_or_else(|| MediaKind::Other(token.into()))
    }

    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Application => "application",
            MediaKind::Text => "text",
            MediaKind::Message => "message",
            MediaKind::Other(other) => other,
        }
    }
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The transport profile of an m-line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TransportProtocol {
    /// `RTP/AVP` (RFC 3551).
    RtpAvp,
    /// `RTP/AVPF` (RFC 4585): with RTCP feedback.
    RtpAvpf,
    /// `RTP/SAVP` (RFC 3711): SRTP, keyed by SDES or DTLS.
    RtpSavp,
    /// `RTP/SAVPF` (RFC 5124).
    RtpSavpf,
    /// `UDP/TLS/RTP/SAVP` (RFC 5764): DTLS-SRTP.
    UdpTlsRtpSavp,
    /// `UDP/TLS/RTP/SAVPF` (RFC 5764): DTLS-SRTP with feedback (WebRTC).
    UdpTlsRtpSavpf,
    /// `UDP/DTLS/SCTP` (RFC 8841): data channels.
    UdpDtlsSctp,
    /// Anything else, as written.
    Other(Text),
}

impl TransportProtocol {
    /// Reads the proto token (case-insensitive).
    pub fn from_token(token: &str) -> Self {
        [
            TransportProtocol::RtpAvp,
            TransportProtocol::RtpAvpf,
            TransportProtocol::RtpSavp,
            TransportProtocol::RtpSavpf,
            TransportProtocol::UdpTlsRtpSavp,
            TransportProtocol::UdpTlsRtpSavpf,
            TransportProtocol::UdpDtlsSctp,
        ]
        .into_iter()
        .find(|protocol| protocol.as_str().eq_ignore_ascii_case(token))
        .unwrap_or_else(|| TransportProtocol::Other(token.into()))
    }

    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            TransportProtocol::RtpAvp => "RTP/AVP",
            TransportProtocol::RtpAvpf => "RTP/AVPF",
            TransportProtocol::RtpSavp => "RTP/SAVP",
            TransportProtocol::RtpSavpf => "RTP/SAVPF",
            TransportProtocol::UdpTlsRtpSavp => "UDP/TLS/RTP/SAVP",
            TransportProtocol::UdpTlsRtpSavpf => "UDP/TLS/RTP/SAVPF",
            TransportProtocol::UdpDtlsSctp => "UDP/DTLS/SCTP",
            TransportProtocol::Other(other) => other,
        }
    }

    /// Whether the formats are RTP payload types.
    pub fn is_rtp(&self) -> bool {
        !matches!(
            self,
            TransportProtocol::UdpDtlsSctp | TransportProtocol::Other(_)
        )
    }

    /// Whether media must be SRTP.
    pub fn is_secure(&self) -> bool {
        matches!(
            self,
            TransportProtocol::RtpSavp
                | TransportProtocol::RtpSavpf
                | TransportProtocol::UdpTlsRtpSavp
                | TransportProtocol::UdpTlsRtpSavpf
        )
    }

    /// Whether the keys must come from DTLS (the `UDP/TLS/...` profiles).
    pub fn requires_dtls(&self) -> bool {
        matches!(
            self,
            TransportProtocol::UdpTlsRtpSavp | TransportProtocol::UdpTlsRtpSavpf
        )
    }

    /// Whether this is an RTCP feedback profile (AVPF, RFC 4585).
    pub fn has_feedback(&self) -> bool {
        matches!(
            self,
            TransportProtocol::RtpAvpf
                | TransportProtocol::RtpSavpf
                | TransportProtocol::UdpTlsRtpSavpf
        )
    }
}

impl std::fmt::Display for TransportProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The direction attributes (RFC 3264 §5.1, §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `a=sendrecv`.
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl Direction {
    /// Reads a direction attribute name (case-insensitive).
    pub fn from_token(token: &str) -> Option<Self> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|direction| direction.as_str().eq_ignore_ascii_case(token))
    }

    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Whether the holder of this direction sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the holder of this direction receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The direction with these send and receive flags.
    pub fn from_flags(sends: bool, receives: bool) -> Self {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// The same stream seen from the other end: sendonly <-> recvonly.
    pub fn reversed(self) -> Self {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// What both allow.
    pub fn intersect(self, other: Direction) -> Self {
        Direction::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
