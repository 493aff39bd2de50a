//! The built-in capability profiles the CLI and tests use.

use super::capabilities::{Capabilities, CodecCapability, SecurityPolicy, SrtpPolicy};
use crate::model::{CryptoSuite, Direction, PayloadType, Setup, Text};

const VIDEO_FEEDBACK: &[&str] = &["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"];

/// The header extensions a relay passes through between browsers: the
/// sender's audio level (RFC 6464), the timing and sequence extensions
/// that congestion control reads (abs-send-time, transport-wide cc), and
/// the ones BUNDLE and simulcast demultiplex by (RFC 8843 mid, RFC 8852
/// stream ids).
const WEBRTC_EXTENSIONS: &[&str] = &[
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
];

/// The names [`profile`] knows.
pub const PROFILE_NAMES: [&str; 3] = ["webrtc", "sip-video", "sip-audio"];

/// A built-in profile by name.
pub fn profile(name: &str) -> Option<Capabilities> {
    match name {
        "webrtc" => Some(webrtc()),
        "sip-video" => Some(sip_video()),
        "sip-audio" => Some(sip_audio()),
        _ => None,
    }
}

/// Browsers: Opus, G.711, telephone-event, VP8, H.264 42e01f pm1; DTLS-SRTP
/// only, ICE-lite, BUNDLE, rtcp-mux; the common RTP header extensions.
pub fn webrtc() -> Capabilities {
    Capabilities {
        codecs: vec![
            CodecCapability::audio(111, "opus", 48000, Some(2))
                .with_fmtp("minptime=10;useinbandfec=1")
                .with_feedback(&["transport-cc"]),
            CodecCapability::audio(0, "PCMU", 8000, None),
            CodecCapability::audio(8, "PCMA", 8000, None),
            CodecCapability::video(96, "VP8")
                .with_feedback(VIDEO_FEEDBACK)
                .with_rtx(97),
            CodecCapability::video(102, "H264")
                .with_fmtp("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
                .with_feedback(VIDEO_FEEDBACK)
                .with_rtx(103),
        ],
        telephone_events: vec![(48000, PayloadType(110)), (8000, PayloadType(126))],
        security: SecurityPolicy {
            srtp: SrtpPolicy::Required,
            dtls: true,
            dtls_role: Setup::Active,
            sdes_suites: Vec::new(),
        },
        rtcp_feedback: true,
        bundle: true,
        rtcp_mux: true,
        ice: true,
        direction: Direction::SendRecv,
        legacy_hold: false,
        header_extensions: WEBRTC_EXTENSIONS
            .iter()
            .map(|uri| Text::from_static(uri))
            .collect(),
    }
}

/// SIP room systems and video phones: G.722, G.711, telephone-event,
/// H.264 42e01f in packetization modes 1 and 0; SDES-SRTP accepted but
/// not required.
pub fn sip_video() -> Capabilities {
    let h264 = |pt, mode| {
        CodecCapability::video(pt, "H264")
            .with_fmtp(&format!(
                "packetization-mode={mode};profile-level-id=42e01f"
            ))
            .with_feedback(&["nack", "nack pli", "ccm fir"])
    };
    Capabilities {
        codecs: vec![
            CodecCapability::audio(9, "G722", 8000, None),
            CodecCapability::audio(0, "PCMU", 8000, None),
            CodecCapability::audio(8, "PCMA", 8000, None),
            h264(97, 1),
            h264(98, 0),
        ],
        ..sip_audio()
    }
}

/// SIP phones: G.711, G.722, telephone-event; SDES-SRTP accepted but not
/// required; no ICE, no BUNDLE.
pub fn sip_audio() -> Capabilities {
    Capabilities {
        codecs: vec![
            CodecCapability::audio(0, "PCMU", 8000, None),
            CodecCapability::audio(8, "PCMA", 8000, None),
            CodecCapability::audio(9, "G722", 8000, None),
        ],
        telephone_events: vec![(8000, PayloadType(101))],
        security: SecurityPolicy {
            srtp: SrtpPolicy::Optional,
            dtls: false,
            dtls_role: Setup::Active,
            sdes_suites: vec![
                CryptoSuite::AeadAes256Gcm,
                CryptoSuite::Aes256CmHmacSha1_80,
                CryptoSuite::AeadAes128Gcm,
                CryptoSuite::AesCm128HmacSha1_80,
                CryptoSuite::AesCm128HmacSha1_32,
            ],
        },
        rtcp_feedback: true,
        bundle: false,
        rtcp_mux: true,
        ice: false,
        direction: Direction::SendRecv,
        legacy_hold: false,
        header_extensions: Vec::new(),
    }
}
