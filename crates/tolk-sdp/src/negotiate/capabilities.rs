//! Local policy: which codecs, transports and keying we accept and offer,
//! and the per-call inputs (address, ports, credentials, key material)
//! that a sans-IO engine must be given rather than make up.

use std::net::IpAddr;

use crate::model::{
    CryptoSuite, Direction, Fingerprint, Fmtp, MediaKind, PayloadType, RtpMap, Setup, Text,
};

/// What this side can do and wants, independent of any one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Codecs in preference order (audio and video together).
    pub codecs: Vec<CodecCapability>,
    /// RFC 4733 telephone-event: accepted at the clock rate of an accepted
    /// audio codec; offered at these (clock rate, payload type) pairs.
    pub telephone_events: Vec<(u32, PayloadType)>,
    /// SRTP and keying policy.
    pub security: SecurityPolicy,
    /// Whether RTCP feedback profiles (AVPF, RFC 4585) are accepted and
    /// offered.
    pub rtcp_feedback: bool,
    /// Whether BUNDLE (RFC 9143) is accepted and offered.
    pub bundle: bool,
    /// Whether rtcp-mux (RFC 5761) is accepted and offered.
    pub rtcp_mux: bool,
    /// Whether we answer ICE (as ICE-lite, RFC 8445 §2.5) and offer it.
    pub ice: bool,
    /// Our media direction: `SendRecv`, or `SendOnly`/`Inactive` to hold.
    pub direction: Direction,
    /// Hold the RFC 2543 way too: `c=0.0.0.0` when we do not receive.
    pub legacy_hold: bool,
    /// RTP header extension URIs (RFC 8285) we pass through: answered
    /// under the offerer's ids, offered from id 1.
    pub header_extensions: Vec<Text>,
}

impl Capabilities {
    /// Our codecs for one media type, in preference order.
    pub fn codecs_of<'a>(
        &'a self,
        kind: &'a MediaKind,
    ) -> impl Iterator<Item = &'a CodecCapability> {
        self.codecs.iter().filter(move |codec| &codec.kind == kind)
    }

    /// Whether we have any codec of this media type.
    pub fn handles(&self, kind: &MediaKind) -> bool {
        self.codecs_of(kind).next().is_some()
    }
}

/// One codec we can send and receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecCapability {
    /// Audio or video.
    pub kind: MediaKind,
    /// Encoding, clock rate, channels.
    pub encoding: RtpMap,
    /// The fmtp we write (what we can receive), if any.
    pub fmtp: Option<Fmtp>,
    /// RTCP feedback we support for it (`nack`, `nack pli`, `ccm fir`, ...).
    pub rtcp_fb: Vec<Text>,
    /// The payload type we offer it with.
    pub pt: PayloadType,
    /// The payload type of its rtx (RFC 4588) stream, when we do rtx.
    pub rtx_pt: Option<PayloadType>,
}

impl CodecCapability {
    /// An audio codec without fmtp.
    pub fn audio(pt: u8, encoding: &str, clock_rate: u32, channels: Option<u16>) -> Self {
        CodecCapability {
            kind: MediaKind::Audio,
            encoding: RtpMap {
                encoding: encoding.into(),
                clock_rate,
                channels,
            },
            fmtp: None,
            rtcp_fb: Vec::new(),
            pt: PayloadType(pt),
            rtx_pt: None,
        }
    }

    /// A video codec at 90 kHz.
    pub fn video(pt: u8, encoding: &str) -> Self {
        CodecCapability {
            kind: MediaKind::Video,
            ..CodecCapability::audio(pt, encoding, 90000, None)
        }
    }

    /// With this fmtp.
    pub fn with_fmtp(mut self, fmtp: &str) -> Self {
        self.fmtp = Some(Fmtp(fmtp.into()));
        self
    }

    /// With these feedback types.
    pub fn with_feedback(mut self, feedback: &[&'static str]) -> Self {
        self.rtcp_fb = feedback.iter().copied().map(Text::from_static).collect();
        self
    }

    /// With rtx on payload type `pt`.
    pub fn with_rtx(mut self, pt: u8) -> Self {
        self.rtx_pt = Some(PayloadType(pt));
        self
    }
}

/// Whether media must, may or must not be SRTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrtpPolicy {
    /// Reject plain RTP; offer SRTP.
    Required,
    /// Accept both; offer plain RTP.
    Optional,
    /// Reject SRTP.
    Disabled,
}

/// SRTP keying policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityPolicy {
    /// Required, optional or disabled.
    pub srtp: SrtpPolicy,
    /// Whether DTLS-SRTP keying (RFC 5763/5764) is available.
    pub dtls: bool,
    /// Our DTLS role when the offerer says `actpass` (RFC 5763 §5 prefers
    /// `Active`), and the role we offer is always `actpass`.
    pub dtls_role: Setup,
    /// SDES suites (RFC 4568) we accept; the strongest common one wins.
    pub sdes_suites: Vec<CryptoSuite>,
}

/// The per-call inputs to negotiation: randomness, ports and identities
/// come from the caller, keeping the engine sans-IO and deterministic
/// under test.
pub trait LocalMedia {
    /// The address we receive media on.
    fn address(&self) -> IpAddr;
    /// The port for m-line `index` of `kind`.
    fn port(&mut self, index: usize, kind: &MediaKind) -> u16;
    /// The session id for `o=`.
    fn session_id(&mut self) -> u64;
    /// ICE ufrag and password (RFC 8839: at least 4 and 22 characters).
    fn ice_credentials(&mut self) -> (String, String);
    /// Our DTLS certificate fingerprint, when DTLS is available.
    fn fingerprint(&self) -> Option<Fingerprint>;
    /// `len` random bytes of SRTP master key and salt.
    fn srtp_key_material(&mut self, len: usize) -> Vec<u8>;
}
