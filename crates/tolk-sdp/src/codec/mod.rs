//! Codec identity: when two payload formats are "the same codec" for
//! negotiation and for passthrough, and how to name one in a message.
//!
//! Encoding names compare case-insensitively with clock rate and channel
//! count (RFC 4855); H.264 also by profile and packetization mode
//! (RFC 6184), VP9 by profile-id; rtx formats are bound to their `apt`.

pub mod h264;

use crate::model::{Fmtp, Format, RtpMap};
use h264::H264Params;

/// The codecs the engine treats specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// RFC 4733 `telephone-event`.
    TelephoneEvent,
    /// RFC 4588 `rtx` (retransmission, bound to an `apt`).
    Rtx,
    /// Any other encoding: a media codec.
    Media,
}

/// Which kind of format `encoding` is.
pub fn special(encoding: &RtpMap) -> Special {
    if encoding.is("telephone-event") {
        Special::TelephoneEvent
    } else if encoding.is("rtx") {
        Special::Rtx
    } else {
        Special::Media
    }
}

/// Whether two formats carry the same codec, so that media passes between
/// them with at most a payload-type rewrite.
pub fn same_codec(a: &RtpMap, a_fmtp: Option<&Fmtp>, b: &RtpMap, b_fmtp: Option<&Fmtp>) -> bool {
    same_encoding(a, b) && CodecParams::of(a, a_fmtp).matches(&CodecParams::of(b, b_fmtp))
}

/// Whether the encoding name (case-insensitive), clock rate and channel
/// count agree: the part of [`same_codec`] that needs no fmtp.
pub fn same_encoding(a: &RtpMap, b: &RtpMap) -> bool {
    a.clock_rate == b.clock_rate
        && a.channel_count() == b.channel_count()
        && a.encoding.eq_ignore_ascii_case(&b.encoding)
}

/// The fmtp parameters that decide whether two formats of the same
/// encoding match, read once per format so that matching many offered
/// formats against many local ones compares values instead of re-reading
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecParams {
    /// H.264 profile, level and packetization mode; `None` when the fmtp
    /// is malformed (such a format matches nothing).
    H264(Option<H264Params>),
    /// VP9 `profile-id` (0 when absent); `None` when malformed.
    Vp9(Option<u8>),
    /// Any other encoding: name, rate and channels decide alone.
    Other,
}

impl CodecParams {
    /// Reads what matters for `encoding` from `fmtp`.
    pub fn of(encoding: &RtpMap, fmtp: Option<&Fmtp>) -> Self {
        if encoding.is("H264") {
            CodecParams::H264(H264Params::from_fmtp(fmtp))
        } else if encoding.is("VP9") {
            CodecParams::Vp9(vp9_profile(fmtp))
        } else {
            CodecParams::Other
        }
    }

    /// Whether two formats whose encodings agree ([`same_encoding`]) carry
    /// the same codec.
    pub fn matches(&self, other: &CodecParams) -> bool {
        match (self, other) {
            (CodecParams::H264(Some(a)), CodecParams::H264(Some(b))) => a.matches(b),
            (CodecParams::H264(_), _) | (_, CodecParams::H264(_)) => false,
            (CodecParams::Vp9(a), CodecParams::Vp9(b)) => a == b,
            _ => true,
        }
    }
}

/// VP9 `profile-id` (0 when absent).
fn vp9_profile(fmtp: Option<&Fmtp>) -> Option<u8> {
    match fmtp.and_then(|fmtp| fmtp.param("profile-id")) {
        Some(text) => text.parse().ok(),
        None => Some(0),
    }
}

/// The fmtp an answerer writes for an offered format matched with a local
/// one: H.264 gets the offered profile at the negotiated level; VP9 keeps
/// the offered profile-id; otherwise the local parameters (what we can
/// receive), or the offered ones when we have none.
pub fn answer_fmtp(offered: &Format, encoding: &RtpMap, local: Option<&Fmtp>) -> Option<Fmtp> {
    answer_fmtp_parsed(
        offered.fmtp.as_ref(),
        &CodecParams::of(encoding, offered.fmtp.as_ref()),
        local,
        &CodecParams::of(encoding, local),
    )
}

/// [`answer_fmtp`] with both sides' parameters already read.
pub fn answer_fmtp_parsed(
    offered: Option<&Fmtp>,
    offered_params: &CodecParams,
    local: Option<&Fmtp>,
    local_params: &CodecParams,
) -> Option<Fmtp> {
    match (offered_params, local_params) {
        (CodecParams::H264(offered), CodecParams::H264(local)) => {
            Some(H264Params::answer(offered.as_ref()?, local.as_ref()?).to_fmtp())
        }
        (CodecParams::Vp9(_), _) => offered.cloned(),
        _ => local.or(offered).cloned(),
    }
}

/// A short human name for a format in messages: `H264/42e01f pm1`,
/// `VP9/p2`, `opus/48000/2`, `PCMU/8000`, `VP8`.
pub fn describe(encoding: &RtpMap, fmtp: Option<&Fmtp>) -> String {
    if encoding.is("H264") {
        return match H264Params::from_fmtp(fmtp) {
            Some(params) => format!(
                "H264/{} pm{}",
                params.profile_level_id, params.packetization_mode
            ),
            None => "H264/(bad fmtp)".to_owned(),
        };
    }
    if encoding.is("VP9") {
        return match vp9_profile(fmtp) {
            Some(profile) => format!("VP9/p{profile}"),
            None => "VP9/(bad fmtp)".to_owned(),
        };
    }
    if encoding.clock_rate == 90000 {
        return encoding.encoding.to_string();
    }
    encoding.to_string()
}

/// The `apt` of an rtx format.
pub fn rtx_apt(format: &Format) -> Option<crate::model::PayloadType> {
    format
        .param("apt")
        .and_then(crate::model::PayloadType::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmtp(text: &str) -> Option<Fmtp> {
        Some(Fmtp(text.into()))
    }

    #[test]
    fn names_compare_case_insensitively_with_rate_and_channels() {
        let opus = RtpMap {
            encoding: "opus".into(),
            clock_rate: 48000,
            channels: Some(2),
        };
        let upper = RtpMap {
            encoding: "OPUS".into(),
            ..opus.clone()
        };
        assert!(same_codec(&opus, None, &upper, None));
        let mono = RtpMap {
            channels: None,
            ..opus.clone()
        };
        assert!(!same_codec(&opus, None, &mono, None));
        let g722 = RtpMap::new("G722", 8000);
        assert!(!same_codec(&g722, None, &RtpMap::new("G722", 16000), None));
    }

    #[test]
    fn vp9_profiles_must_agree() {
        let vp9 = RtpMap::new("VP9", 90000);
        assert!(same_codec(&vp9, None, &vp9, fmtp("profile-id=0").as_ref()));
        assert!(!same_codec(&vp9, fmtp("profile-id=2").as_ref(), &vp9, None));
    }

    #[test]
    fn malformed_h264_parameters_match_nothing() {
        let h264 = RtpMap::new("H264", 90000);
        let bad = CodecParams::of(&h264, fmtp("profile-level-id=zz").as_ref());
        let good = CodecParams::of(&h264, fmtp("profile-level-id=42e01f").as_ref());
        assert_eq!(bad, CodecParams::H264(None));
        assert!(!bad.matches(&bad));
        assert!(!good.matches(&bad));
        assert!(good.matches(&good));
    }

    #[test]
    fn descriptions_for_messages() {
        let h264 = RtpMap::new("H264", 90000);
        assert_eq!(
            describe(&h264, fmtp("profile-level-id=42e01f").as_ref()),
            "H264/42e01f pm0"
        );
        assert_eq!(describe(&RtpMap::new("VP8", 90000), None), "VP8");
        assert_eq!(describe(&RtpMap::new("PCMU", 8000), None), "PCMU/8000");
    }
}
