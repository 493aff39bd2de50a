//! Per-peer media policy: what a leg to that peer may negotiate.

use serde::Deserialize;

/// Whether a leg's media must, may or must not be SRTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SrtpPolicy {
    /// Offer and accept only SRTP (SDES or DTLS); plain RTP offers get 488.
    Required,
    /// Offer SRTP and accept either, as the peer prefers.
    #[default]
    Optional,
    /// Plain RTP only: for old systems that cannot encrypt.
    Off,
}

/// How DTMF reaches a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DtmfMode {
    /// RFC 4733 telephone-events in the media stream.
    #[default]
    Rfc4733,
    /// SIP INFO with an `application/dtmf-relay` body.
    Info,
}

/// How keyframe requests (a receiver asking for a new intra picture)
/// reach a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyframeMode {
    /// RTCP PLI or FIR (RFC 4585, RFC 5104) in the video stream, when the
    /// peer's SDP negotiated `a=rtcp-fb` for them; SIP INFO otherwise.
    #[default]
    Rtcp,
    /// SIP INFO picture_fast_update (RFC 5168), for systems that take
    /// keyframe requests only in signalling.
    Info,
}

/// The media policy of one peer (or of callers that match none).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaPolicy {
    /// SRTP requirement.
    #[serde(default)]
    pub srtp: SrtpPolicy,
    /// Codecs the leg may use, by encoding name (case-insensitive), in
    /// order of preference; empty means every codec Tolk knows.
    #[serde(default)]
    pub codecs: Vec<String>,
    /// Whether audio may be transcoded when the two legs share no codec.
    #[serde(default = "yes")]
    pub transcoding: bool,
    /// How DTMF is sent to this peer.
    #[serde(default)]
    pub dtmf: DtmfMode,
    /// How keyframe requests are sent to this peer.
    #[serde(default)]
    pub keyframe: KeyframeMode,
    /// RTP and RTCP on one port (RFC 5761): accepted when this peer
    /// offers it and offered to it, so each of its streams holds one
    /// relay socket instead of two. Off for a peer that mishandles
    /// `a=rtcp-mux` in our offers.
    #[serde(default = "yes")]
    pub rtcp_mux: bool,
    /// Video lines offered to this peer when the caller sent no offer
    /// (a late offer): 1, or 2 for a main video line and a slides line
    /// (RFC 4796 `a=content:main` and `a=content:slides`). One by
    /// default: without BFCP room systems send no presentation on the
    /// second line, and some endpoints and SBCs refuse or mix it up.
    #[serde(default = "one")]
    pub late_offer_video_lines: u8,
}

fn yes() -> bool {
    true
}

fn one() -> u8 {
    1
}

impl Default for MediaPolicy {
    fn default() -> Self {
        MediaPolicy {
            srtp: SrtpPolicy::default(),
            codecs: Vec::new(),
            transcoding: true,
            dtmf: DtmfMode::default(),
            keyframe: KeyframeMode::default(),
            rtcp_mux: true,
            late_offer_video_lines: 1,
        }
    }
}

/// Encoding names Tolk can negotiate (and, for audio, transcode).
pub const KNOWN_CODECS: &[&str] = &[
    "opus",
    "pcmu",
    "pcma",
    "g722",
    "l16",
    "telephone-event",
    "h264",
    "vp8",
    "vp9",
    "rtx",
];

/// The values `late_offer_video_lines` may take.
pub const LATE_OFFER_VIDEO_LINES: std::ops::RangeInclusive<u8> = 1..=2;

impl MediaPolicy {
    /// The first codec name that Tolk does not know, if any.
    pub fn unknown_codec(&self) -> Option<&str> {
        self.codecs.iter().map(String::as_str).find(|name| {
            !KNOWN_CODECS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(name))
        })
    }
}
