//! A leg's negotiated media as the call table shows it.

use tolk_relay::Side;
use tolk_sdp::negotiate::{Keying, Negotiation};

use super::CallMedia;
use super::lines::first_audio;

/// A leg's negotiated media, for the call table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegDescription {
    /// The audio codecs (`PCMU/8000`, `telephone-event/8000`).
    pub codecs: Vec<String>,
    /// The media protection (`RTP/AVP`, `SDES AES_CM_128_HMAC_SHA1_80`).
    pub crypto: String,
    /// Each accepted stream's kind and codecs (`("video", ["H264/90000"])`).
    pub streams: Vec<(String, Vec<String>)>,
}

impl CallMedia {
    /// A leg's negotiated media as the call table shows it.
    pub fn describe(&self, side: Side) -> LegDescription {
        let Some(negotiation) = self.leg(side).negotiation.as_ref() else {
            return LegDescription::default();
        };
        let (codecs, crypto) = describe(negotiation);
        LegDescription {
            codecs,
            crypto,
            streams: describe_streams(negotiation),
        }
    }
}

/// A negotiation's audio codecs (`PCMU/8000`) and media protection.
pub(crate) fn describe(negotiation: &Negotiation) -> (Vec<String>, String) {
    let Some(audio) = first_audio(negotiation) else {
        return (Vec::new(), String::new());
    };
    let codecs = audio
        .codecs
        .iter()
        .chain(&audio.telephone_events)
        .map(|c| c.encoding.to_string())
        .collect();
    (codecs, keying_name(&audio.keying, audio.protocol.as_str()))
}

/// Each accepted stream's kind and codecs (`("video", ["H264/90000"])`).
pub(super) fn describe_streams(negotiation: &Negotiation) -> Vec<(String, Vec<String>)> {
    negotiation
        .media
        .iter()
        .filter_map(|m| {
            let (_, accepted) = negotiation.accepted().find(|(i, _)| *i == m.index)?;
            let codecs = accepted
                .codecs
                .iter()
                .chain(&accepted.telephone_events)
                .map(|c| c.encoding.to_string())
                .collect();
            Some((m.kind.to_string(), codecs))
        })
        .collect()
}

pub(super) fn keying_name(keying: &Keying, protocol: &str) -> String {
    match keying {
        Keying::Plain => protocol.to_owned(),
        Keying::Sdes { suite, .. } => format!("SDES {suite}"),
        Keying::Dtls { .. } => "DTLS-SRTP".to_owned(),
    }
}
