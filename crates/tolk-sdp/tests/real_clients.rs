//! Every real client's offer (shared corpus) answered by every built-in
//! profile, with what each answer must say.

mod support;

use support::{answer_with, real_client_offers};
use tolk_sdp::model::*;
use tolk_sdp::negotiate::{Keying, MediaState, Reason, profiles::PROFILE_NAMES};

fn offer(name: &str) -> Option<SessionDescription> {
    real_client_offers()
        .into_iter()
        .find(|(file, _)| file == name)
        .map(|(_, offer)| offer)
}

fn pts(media: &MediaDescription) -> Vec<u8> {
    media.formats.iter().map(|f| f.pt.0).collect()
}

#[test]
fn every_offer_gets_a_well_formed_answer_or_a_488_from_every_profile() {
    let offers = real_client_offers();
    for (name, offer) in &offers {
        for profile in PROFILE_NAMES {
            match answer_with(offer, profile) {
                Ok(answer) => {
                    let description = &answer.description;
                    assert_eq!(
                        description.media.len(),
                        offer.media.len(),
                        "{name} {profile}"
                    );
                    for (offered, answered) in offer.media.iter().zip(&description.media) {
                        assert_eq!(answered.kind, offered.kind);
                        assert_eq!(answered.protocol, offered.protocol);
                        for format in &answered.formats {
                            assert!(offered.format(format.pt).is_some(), "{name} {profile}");
                        }
                    }
                    let again = tolk_sdp::parse(&description.to_bytes()).expect("answer parses");
                    assert_eq!(&again, description);
                }
                Err(error) => {
                    assert!(!error.rejections.is_empty());
                    assert!([301, 302, 304, 305].contains(&error.warning().code()));
                }
            }
        }
    }
}

#[test]
fn chromium_av_offer_gets_opus_vp8_dtls_and_bundle_from_webrtc() {
    let Some(offer) = offer("chromium-offer-av.sdp") else {
        return;
    };
    let answer = answer_with(&offer, "webrtc").expect("acceptable");
    let audio = &answer.description.media[0];
    let video = &answer.description.media[1];
    assert!(audio.formats[0].encoding().is_some_and(|e| e.is("opus")));
    assert!(video.formats[0].encoding().is_some_and(|e| e.is("VP8")));
    // VP8 + rtx, H.264 42e01f pm1 (PT 108) + rtx 109.
    assert_eq!(pts(video), [96, 97, 108, 109]);
    assert_eq!(answer.negotiation.bundle, ["0", "1"]);
    for media in &answer.negotiation.media {
        let MediaState::Accepted(accepted) = &media.state else {
            panic!("rejected");
        };
        assert!(matches!(
            accepted.keying,
            Keying::Dtls {
                role: Setup::Active,
                ..
            }
        ));
        assert!(accepted.rtcp_mux);
    }
    for profile in ["sip-video", "sip-audio"] {
        let error = answer_with(&offer, profile).expect_err("no DTLS in SIP profiles");
        assert_eq!(error.warning().code(), 302);
    }
}

#[test]
fn chromium_audio_offer_gets_both_telephone_events_from_webrtc() {
    let Some(offer) = offer("chromium-offer-audio.sdp") else {
        return;
    };
    let answer = answer_with(&offer, "webrtc").expect("acceptable");
    assert_eq!(pts(&answer.description.media[0]), [111, 0, 8, 110, 126]);
}

#[test]
fn baresip_plain_rtp_is_answered_by_sip_profiles_only() {
    let Some(offer) = offer("baresip-audio-rtp.invite.sip") else {
        return;
    };
    assert_eq!(
        answer_with(&offer, "webrtc")
            .expect_err("SRTP required")
            .warning()
            .code(),
        302
    );
    let answer = answer_with(&offer, "sip-audio").expect("acceptable");
    assert_eq!(pts(&answer.description.media[0]), [9, 0, 8, 101]);
    let answer = answer_with(&offer, "sip-video").expect("acceptable");
    assert_eq!(
        answer.description.media[0].protocol,
        TransportProtocol::RtpAvp
    );
}

#[test]
fn baresip_sdes_av_offer_reusing_payload_types_across_lines() {
    let Some(offer) = offer("baresip-av-srtp-sdes-savp.invite.sip") else {
        return;
    };
    let answer = answer_with(&offer, "sip-video").expect("acceptable");
    let (audio, video) = (&answer.description.media[0], &answer.description.media[1]);
    // PT 96 is Opus on audio (not ours) and VP8 on video (not ours);
    // PT 101 is telephone-event on audio and H.265 on video.
    assert_eq!(pts(audio), [9, 0, 8, 101]);
    assert_eq!(pts(video), [98, 99]);
    assert_eq!(audio.crypto[0].suite, CryptoSuite::AesCm128HmacSha1_80);
    assert_eq!(video.crypto[0].tag, 1);
    let answer = answer_with(&offer, "sip-audio").expect("audio acceptable");
    assert_eq!(answer.description.media[1].port, 0);
    assert_eq!(
        answer.negotiation.media[1].state,
        MediaState::Rejected(Reason::MediaTypeNotAvailable)
    );
    assert_eq!(
        answer_with(&offer, "webrtc")
            .expect_err("no DTLS")
            .warning()
            .code(),
        302
    );
}

#[test]
fn linphone_offer_gets_the_strongest_suite_and_8khz_events() {
    let Some(offer) = offer("linphone-av-srtp-sdes.invite.sip") else {
        return;
    };
    let answer = answer_with(&offer, "sip-video").expect("audio acceptable");
    let audio = &answer.description.media[0];
    // G.729 (18, fmtp without rtpmap) and speex are not ours; the 8 kHz
    // telephone-event matches G.711.
    assert_eq!(pts(audio), [0, 8, 101]);
    assert_eq!(audio.crypto[0].tag, 3);
    assert_eq!(audio.crypto[0].suite, CryptoSuite::Aes256CmHmacSha1_80);
    // The RTP/SAVP profile is kept although the offer carries AVPF feedback.
    assert_eq!(audio.protocol, TransportProtocol::RtpSavp);
    let MediaState::Rejected(Reason::NoCommonCodec { offered, .. }) =
        &answer.negotiation.media[1].state
    else {
        panic!("video must be rejected for its codec");
    };
    assert_eq!(offered, &["VP8".to_owned()]);
}

#[test]
fn sipp_pcmu_offer() {
    let Some(offer) = offer("sipp-uac.invite.sip") else {
        return;
    };
    for profile in ["sip-audio", "sip-video"] {
        let answer = answer_with(&offer, profile).expect("acceptable");
        assert_eq!(pts(&answer.description.media[0]), [0]);
    }
    assert_eq!(
        answer_with(&offer, "webrtc")
            .expect_err("plain")
            .warning()
            .code(),
        302
    );
}
