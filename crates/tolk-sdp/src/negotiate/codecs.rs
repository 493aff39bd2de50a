//! Codec selection for one offered m-line (RFC 3264 §6.1): the offered
//! formats we share, in the offerer's order and with its payload types,
//! plus the rtx and telephone-event formats bound to them.

use super::capabilities::Capabilities;
use super::{NegotiatedCodec, Reason, RtxPayloadTypes};
use crate::codec::{self, CodecParams, Special};
use crate::model::{Fmtp, Format, MediaDescription, MediaKind, PayloadType, RtpMap, Text};

/// The answer's formats and what they mean.
pub(crate) struct Selection {
    /// The answer's formats in offer order.
    pub formats: Vec<Format>,
    /// Feedback for every format that we also support.
    pub rtcp_fb_all: Vec<Text>,
    /// The media codecs (rtx bound).
    pub codecs: Vec<NegotiatedCodec>,
    /// The telephone-event formats.
    pub telephone_events: Vec<NegotiatedCodec>,
}

/// Selects the codecs of `offered` that `caps` shares.
pub(crate) fn select(offered: &MediaDescription, caps: &Capabilities) -> Result<Selection, Reason> {
    let kind = &offered.kind;
    // The answer lists at most what was offered: sized once, never grown.
    let offered_count = offered.formats.len();
    let mut selection = Selection {
        formats: Vec::with_capacity(offered_count),
        rtcp_fb_all: Vec::new(),
        codecs: Vec::with_capacity(offered_count),
        telephone_events: Vec::new(),
    };
    // Our codecs of this kind with their fmtp read once, not once per
    // offered format.
    let local: Vec<_> = caps
        .codecs_of(kind)
        .map(|cap| (cap, CodecParams::of(&cap.encoding, cap.fmtp.as_ref())))
        .collect();
    // Media codecs first, so rtx and telephone-event can refer to them.
    let mut accepted: Vec<(PayloadType, Option<PayloadType>)> = Vec::with_capacity(offered_count);
    for format in &offered.formats {
        // Static payload types have no rtpmap; only those are built here.
        let built;
        let encoding = match &format.rtpmap {
            Some(rtpmap) => rtpmap,
            None => match RtpMap::for_static(format.pt) {
                Some(encoding) => {
                    built = encoding;
                    &built
                }
                None => continue,
            },
        };
        if codec::special(encoding) != Special::Media {
            continue;
        }
        let mut params = None;
        let Some((cap, cap_params)) = local.iter().find(|(cap, cap_params)| {
            codec::same_encoding(encoding, &cap.encoding)
                && params
                    .get_or_insert_with(|| CodecParams::of(encoding, format.fmtp.as_ref()))
                    .matches(cap_params)
        }) else {
            continue;
        };
        let params = params.unwrap_or_else(|| CodecParams::of(encoding, format.fmtp.as_ref()));
        let fmtp =
            codec::answer_fmtp_parsed(format.fmtp.as_ref(), &params, cap.fmtp.as_ref(), cap_params);
        let feedback = shared(&format.rtcp_fb, &cap.rtcp_fb);
        accepted.push((format.pt, cap.rtx_pt));
        selection.codecs.push(NegotiatedCodec {
            encoding: encoding.clone(),
            fmtp: fmtp.clone(),
            send_pt: format.pt,
            recv_pt: format.pt,
            rtx: None,
        });
        for fb in offered.rtcp_fb_all.iter() {
            if cap.rtcp_fb.contains(fb) && !selection.rtcp_fb_all.contains(fb) {
                selection.rtcp_fb_all.push(fb.clone());
            }
        }
        selection.formats.push(Format {
            pt: format.pt,
            rtpmap: Some(encoding.clone()),
            fmtp,
            rtcp_fb: feedback,
        });
    }
    if selection.codecs.is_empty() {
        return Err(no_common_codec(offered, caps));
    }
    let audio_rates: Vec<u32> = selection
        .codecs
        .iter()
        .filter(|_| *kind == MediaKind::Audio)
        .map(|codec| codec.encoding.clock_rate)
        .collect();
    for format in &offered.formats {
        let Some(encoding) = format.encoding() else {
            continue;
        };
        match codec::special(&encoding) {
            Special::Media => {}
            Special::Rtx => {
                let Some(apt) = codec::rtx_apt(format) else {
                    continue;
                };
                let bound = accepted.iter().any(|(pt, rtx)| *pt == apt && rtx.is_some());
                let Some(codec) = selection.codecs.iter_mut().find(|c| c.recv_pt == apt) else {
                    continue;
                };
                if !bound || codec.encoding.clock_rate != encoding.clock_rate {
                    continue;
                }
                codec.rtx = Some(RtxPayloadTypes {
                    send_pt: format.pt,
                    recv_pt: format.pt,
                });
                // The offered fmtp when it is exactly `apt=<apt>` (shared,
                // no formatting), else one written from the apt.
                let offered_apt_only = format.fmtp.as_ref().is_some_and(|fmtp| {
                    fmtp.0.strip_prefix("apt=").and_then(PayloadType::parse) == Some(apt)
                });
                let fmtp = match &format.fmtp {
                    Some(fmtp) if offered_apt_only => fmtp.clone(),
                    _ => Fmtp(format!("apt={apt}").into()),
                };
                selection.formats.push(Format {
                    pt: format.pt,
                    rtpmap: Some(encoding),
                    fmtp: Some(fmtp),
                    rtcp_fb: Vec::new(),
                });
            }
            Special::TelephoneEvent => {
                if caps.telephone_events.is_empty() || !audio_rates.contains(&encoding.clock_rate) {
                    continue;
                }
                let fmtp = Some(Fmtp(Text::from_static("0-15")));
                selection.telephone_events.push(NegotiatedCodec {
                    encoding: encoding.clone(),
                    fmtp: fmtp.clone(),
                    send_pt: format.pt,
                    recv_pt: format.pt,
                    rtx: None,
                });
                selection.formats.push(Format {
                    pt: format.pt,
                    rtpmap: Some(encoding),
                    fmtp,
                    rtcp_fb: Vec::new(),
                });
            }
        }
    }
    // Keep the offerer's order (RFC 3264 §6.1).
    let position = |pt: PayloadType| offered.formats.iter().position(|f| f.pt == pt);
    selection
        .formats
        .sort_by_cached_key(|format| position(format.pt));
    Ok(selection)
}

fn shared(offered: &[Text], ours: &[Text]) -> Vec<Text> {
    offered
        .iter()
        .filter(|fb| ours.iter().any(|our| our.eq_ignore_ascii_case(fb)))
        .cloned()
        .collect()
}

/// Codecs worth naming in a failure message (not FEC, RED, CN, rtx or
/// telephone-event).
fn nameable(encoding: &RtpMap) -> bool {
    codec::special(encoding) == Special::Media
        && !["red", "ulpfec", "flexfec-03", "CN"]
            .iter()
            .any(|name| encoding.is(name))
}

pub(crate) fn no_common_codec(offered: &MediaDescription, caps: &Capabilities) -> Reason {
    let offered_names = offered
        .formats
        .iter()
        .filter_map(|format| {
            let encoding = format.encoding()?;
            nameable(&encoding).then(|| codec::describe(&encoding, format.fmtp.as_ref()))
        })
        .collect();
    let local = caps
        .codecs_of(&offered.kind)
        .map(|cap| codec::describe(&cap.encoding, cap.fmtp.as_ref()))
        .collect();
    Reason::NoCommonCodec {
        offered: offered_names,
        local,
    }
}
