//! Answering offers: codec matching, directions and hold, transport
//! profiles and keying, BUNDLE and rtcp-mux, and failures mapped to 488.

mod support;

use support::{TestLocal, answer_with, parse_vector};
use tolk_sdp::model::*;
use tolk_sdp::negotiate::{Keying, MediaState, Reason, WarningCode, profiles};

fn accepted(answer: &tolk_sdp::Answer, index: usize) -> &tolk_sdp::negotiate::AcceptedMedia {
    match &answer.negotiation.media[index].state {
        MediaState::Accepted(accepted) => accepted,
        MediaState::Rejected(reason) => panic!("m={index} rejected: {reason}"),
    }
}

fn rejection(answer: &tolk_sdp::Answer, index: usize) -> &Reason {
    match &answer.negotiation.media[index].state {
        MediaState::Rejected(reason) => reason,
        MediaState::Accepted(_) => panic!("m={index} accepted"),
    }
}

fn pts(media: &MediaDescription) -> Vec<u8> {
    media.formats.iter().map(|f| f.pt.0).collect()
}

#[test]
fn rfc3264_audio_accepted_video_rejected_with_port_zero() {
    let offer = parse_vector("rfc3264-av-offer.sdp");
    let answer = answer_with(&offer, "sip-audio").expect("audio is acceptable");
    let description = &answer.description;
    assert_eq!(description.media.len(), 2);
    assert_eq!(pts(&description.media[0]), [0, 8]);
    assert_eq!(description.media[0].port, 40000);
    assert_eq!(description.media[1].port, 0);
    assert_eq!(description.media[1].kind, MediaKind::Video);
    assert_eq!(rejection(&answer, 1), &Reason::MediaTypeNotAvailable);
    assert_eq!(rejection(&answer, 1).warning().code(), 304);
    // The answer parses again to the same model.
    assert_eq!(
        tolk_sdp::parse(&description.to_bytes()).as_ref(),
        Ok(description)
    );
}

#[test]
fn no_common_video_codec_names_both_lists() {
    let offer = parse_vector("rfc3264-av-offer.sdp");
    let answer = answer_with(&offer, "sip-video").expect("audio is acceptable");
    assert_eq!(
        format!("{}", rejection(&answer, 1)),
        "no common codec: offered H261/90000, MPV/90000; local H264/42e01f pm1, H264/42e01f pm0"
            .replace("H261/90000", "H261")
            .replace("MPV/90000", "MPV")
    );
}

#[test]
fn whole_offer_failure_is_488_with_the_issue_message() {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
        m=audio 0 RTP/AVP 0\r\n\
        m=video 5000 RTP/AVP 97 96\r\na=rtpmap:97 H264/90000\r\n\
        a=fmtp:97 profile-level-id=42e01f;packetization-mode=0\r\na=rtpmap:96 VP8/90000\r\n";
    let offer = tolk_sdp::parse(text.as_bytes()).expect("offer");
    let mut caps = profiles::sip_video();
    caps.codecs.retain(|c| {
        c.kind == MediaKind::Audio || c.fmtp.as_ref().is_some_and(|f| f.0.contains("mode=1"))
    });
    let error =
        tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect_err("nothing acceptable");
    assert_eq!(tolk_sdp::NegotiationError::SIP_STATUS, 488);
    assert_eq!(error.warning(), WarningCode::IncompatibleMediaFormat);
    assert!(
        error.to_string().contains(
            "m=1 video: no common codec: offered H264/42e01f pm0, VP8; local H264/42e01f pm1"
        ),
        "{error}"
    );
}

#[test]
fn webrtc_offer_gets_dtls_bundle_rtcp_mux_and_ice_lite() {
    let offer = parse_vector("webrtc-av-offer.sdp");
    let answer = answer_with(&offer, "webrtc").expect("acceptable");
    let description = &answer.description;
    assert!(description.ice_lite);
    assert_eq!(description.ice.ufrag.as_deref(), Some("tolkufrag"));
    assert_eq!(
        description.bundle(),
        Some(&[Text::from_static("0"), Text::from_static("1")][..])
    );
    assert_eq!(answer.negotiation.bundle, ["0", "1"]);
    let (audio, video) = (&description.media[0], &description.media[1]);
    assert_eq!(audio.port, video.port, "bundled lines share the port");
    // Offer order and payload types; red, CN, G722 (not in the profile) dropped;
    // telephone-event at both rates because Opus and G.711 are accepted.
    assert_eq!(pts(audio), [111, 0, 8, 110, 126]);
    // VP8 + its rtx, H.264 CB pm1 + its rtx; the Baseline/pm0/VP9/AV1 variants
    // and their rtx are not in the profile.
    assert_eq!(pts(video), [96, 97, 106, 107]);
    let h264 = video.format(PayloadType(106)).expect("H264");
    assert_eq!(
        h264.fmtp.as_ref().map(|f| f.0.as_str()),
        Some("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
    );
    assert_eq!(
        video.format(PayloadType(97)).and_then(|f| f.param("apt")),
        Some("96")
    );
    for line in [audio, video] {
        assert_eq!(line.protocol, TransportProtocol::UdpTlsRtpSavpf);
        assert_eq!(line.setup, Some(Setup::Active));
        assert_eq!(line.fingerprints.len(), 1);
        assert!(line.rtcp_mux && line.rtcp_rsize);
        assert_eq!(line.direction, Some(Direction::SendRecv));
        assert_eq!(line.candidates.len(), 1);
    }
    assert_eq!(audio.mid.as_deref(), Some("0"));
    let keying = &accepted(&answer, 1).keying;
    assert!(
        matches!(keying, Keying::Dtls { role: Setup::Active, remote_fingerprints } if remote_fingerprints.len() == 1)
    );
    let vp8 = &accepted(&answer, 1).codecs[0];
    assert!(vp8.encoding.is("VP8"));
    assert_eq!(vp8.rtx.map(|rtx| rtx.send_pt), Some(PayloadType(97)));
    assert_eq!(vp8.send_pt, vp8.recv_pt);
    // Only feedback both support.
    let vp8_line = video.format(PayloadType(96)).expect("VP8");
    assert_eq!(
        vp8_line.rtcp_fb,
        ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"]
    );
}

#[test]
fn dtls_setup_follows_the_offer_and_policy() {
    let mut offer = parse_vector("webrtc-av-offer.sdp");
    for (offered, expected) in [
        (Setup::Active, Setup::Passive),
        (Setup::Passive, Setup::Active),
    ] {
        for media in &mut offer.media {
            media.setup = Some(offered);
        }
        let answer = answer_with(&offer, "webrtc").expect("acceptable");
        assert_eq!(answer.description.media[0].setup, Some(expected));
    }
    for media in &mut offer.media {
        media.setup = Some(Setup::ActPass);
    }
    let mut caps = profiles::webrtc();
    caps.security.dtls_role = Setup::Passive;
    let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect("acceptable");
    assert_eq!(answer.description.media[1].setup, Some(Setup::Passive));
}

#[test]
fn plain_rtp_to_webrtc_profile_is_incompatible_transport() {
    let offer = parse_vector("rfc4317-audio-dtmf-lf.sdp");
    let error = answer_with(&offer, "webrtc").expect_err("SRTP required");
    assert_eq!(error.warning().code(), 302);
    assert!(error.to_string().contains("SRTP is required"), "{error}");
}

#[test]
fn dtls_offer_to_sip_profile_is_incompatible_transport() {
    let offer = parse_vector("webrtc-av-offer.sdp");
    let error = answer_with(&offer, "sip-video").expect_err("no DTLS");
    assert_eq!(error.warning().code(), 302);
    assert_eq!(error.rejections.len(), 2);
}

#[test]
fn savp_without_keying_and_disabled_srtp_are_rejected() {
    let mut offer = parse_vector("room-system-sdes.invite.sip");
    let mut caps = profiles::sip_video();
    caps.security.srtp = tolk_sdp::negotiate::SrtpPolicy::Disabled;
    let error = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect_err("disabled");
    assert!(error.to_string().contains("SRTP is disabled"));
    for media in &mut offer.media {
        media.crypto.clear();
    }
    let error = answer_with(&offer, "sip-video").expect_err("no keying");
    assert!(
        error.to_string().contains("without crypto or fingerprint"),
        "{error}"
    );
}

#[test]
fn sdes_picks_the_strongest_common_suite_and_echoes_its_tag() {
    let offer = parse_vector("room-system-sdes.invite.sip");
    let answer = answer_with(&offer, "sip-video").expect("acceptable");
    let crypto = &answer.description.media[0].crypto;
    assert_eq!(crypto.len(), 1);
    assert_eq!(crypto[0].tag, 1);
    assert_eq!(crypto[0].suite, CryptoSuite::AesCm128HmacSha1_80);
    // 30 bytes of key and salt are 40 base64 characters.
    assert_eq!(crypto[0].inline_key().map(str::len), Some(40));

    let mut stronger = offer.clone();
    let key46 = "inline:".to_owned() + &"A".repeat(62) + "==";
    stronger.media[0].crypto.push(Crypto {
        tag: 7,
        suite: CryptoSuite::Aes256CmHmacSha1_80,
        keys: vec![key46.into()],
        session_params: Vec::new(),
    });
    let answer = answer_with(&stronger, "sip-video").expect("acceptable");
    let crypto = &answer.description.media[0].crypto[0];
    assert_eq!(
        (crypto.tag, &crypto.suite),
        (7, &CryptoSuite::Aes256CmHmacSha1_80)
    );
    assert_eq!(crypto.inline_key().map(str::len), Some(64));
    match &accepted(&answer, 0).keying {
        Keying::Sdes { remote, .. } => assert_eq!(remote.tag, 7),
        other => panic!("{other:?}"),
    }
}

#[test]
fn crypto_lines_with_unknown_session_params_are_skipped() {
    let mut offer = parse_vector("room-system-sdes.invite.sip");
    offer.media[0].crypto[0]
        .session_params
        .push("UNENCRYPTED_SRTP".into());
    let answer = answer_with(&offer, "sip-video").expect("acceptable");
    assert_eq!(answer.description.media[0].crypto[0].tag, 2);
}

#[test]
fn avpf_needs_feedback_enabled_and_wildcard_feedback_is_intersected() {
    let offer = parse_vector("room-system-sdes.invite.sip");
    let answer = answer_with(&offer, "sip-video").expect("acceptable");
    let video = &answer.description.media[1];
    assert_eq!(video.protocol, TransportProtocol::RtpSavpf);
    assert_eq!(video.rtcp_fb_all, ["nack pli", "ccm fir"]);
    // Both packetization modes of the same profile are accepted.
    assert_eq!(pts(video), [97, 98]);
    let mut caps = profiles::sip_video();
    caps.rtcp_feedback = false;
    let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect("audio is AVP");
    assert!(matches!(rejection(&answer, 1), Reason::Transport(_)));
}

#[test]
fn directions_follow_rfc3264_section_6_1() {
    let base = parse_vector("rfc4317-audio-dtmf-lf.sdp");
    for (offered, local, expected) in [
        (None, Direction::SendRecv, Direction::SendRecv),
        (
            Some(Direction::SendOnly),
            Direction::SendRecv,
            Direction::RecvOnly,
        ),
        (
            Some(Direction::RecvOnly),
            Direction::SendRecv,
            Direction::SendOnly,
        ),
        (
            Some(Direction::Inactive),
            Direction::SendRecv,
            Direction::Inactive,
        ),
        (
            Some(Direction::SendRecv),
            Direction::SendOnly,
            Direction::SendOnly,
        ),
        (
            Some(Direction::SendOnly),
            Direction::SendOnly,
            Direction::Inactive,
        ),
        (
            Some(Direction::RecvOnly),
            Direction::Inactive,
            Direction::Inactive,
        ),
    ] {
        let mut offer = base.clone();
        offer.media[0].direction = offered;
        let mut caps = profiles::sip_audio();
        caps.direction = local;
        let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect("acceptable");
        assert_eq!(
            answer.description.media[0].direction,
            Some(expected),
            "{offered:?} {local:?}"
        );
        assert_eq!(accepted(&answer, 0).direction, expected);
    }
}

#[test]
fn session_level_direction_is_inherited() {
    let mut offer = parse_vector("rfc4317-audio-dtmf-lf.sdp");
    offer.direction = Some(Direction::SendOnly);
    let answer = answer_with(&offer, "sip-audio").expect("acceptable");
    assert_eq!(
        answer.description.media[0].direction,
        Some(Direction::RecvOnly)
    );
}

#[test]
fn hold_both_ways() {
    let sendonly = answer_with(&parse_vector("hold-sendonly.sdp"), "sip-audio").expect("held");
    assert_eq!(
        sendonly.description.media[0].direction,
        Some(Direction::RecvOnly)
    );
    let legacy = answer_with(&parse_vector("hold-legacy-c0.sdp"), "sip-audio").expect("held");
    assert_eq!(
        legacy.description.media[0].direction,
        Some(Direction::RecvOnly)
    );
    assert!(
        accepted(&legacy, 0)
            .remote
            .as_ref()
            .is_some_and(|(a, _)| a.is_unspecified())
    );
    // We hold, the old way too: c=0.0.0.0 on the line.
    let mut caps = profiles::sip_audio();
    caps.direction = Direction::SendOnly;
    caps.legacy_hold = true;
    let offer = parse_vector("rfc4317-audio-dtmf-lf.sdp");
    let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect("acceptable");
    let line = &answer.description.media[0];
    assert_eq!(line.direction, Some(Direction::SendOnly));
    assert!(
        line.connection
            .as_ref()
            .is_some_and(Address::is_unspecified)
    );
}

#[test]
fn telephone_event_only_at_an_accepted_clock_rate() {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
        m=audio 5000 RTP/AVP 0 101 102\r\na=rtpmap:101 telephone-event/48000\r\n\
        a=rtpmap:102 telephone-event/8000\r\na=fmtp:102 0-16\r\n";
    let offer = tolk_sdp::parse(text.as_bytes()).expect("offer");
    let answer = answer_with(&offer, "sip-audio").expect("acceptable");
    let line = &answer.description.media[0];
    assert_eq!(pts(line), [0, 102]);
    assert_eq!(
        line.format(PayloadType(102)).and_then(|f| f.fmtp.clone()),
        Some(Fmtp("0-15".into()))
    );
    assert_eq!(accepted(&answer, 0).telephone_events.len(), 1);
}

#[test]
fn h264_level_is_the_lower_one_without_asymmetry() {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
        m=video 5000 RTP/AVP 99\r\na=rtpmap:99 H264/90000\r\n\
        a=fmtp:99 profile-level-id=42e00d;packetization-mode=1\r\n";
    let offer = tolk_sdp::parse(text.as_bytes()).expect("offer");
    let answer = answer_with(&offer, "sip-video").expect("acceptable");
    let h264 = answer.description.media[0]
        .format(PayloadType(99))
        .expect("H264");
    assert_eq!(h264.param("profile-level-id"), Some("42e00d"));
    assert_eq!(h264.param("level-asymmetry-allowed"), None);
}

#[test]
fn ipv6_offer_needs_an_ipv6_address() {
    let offer = parse_vector("ipv6-audio.sdp");
    let error = answer_with(&offer, "sip-audio").expect_err("IPv4 local");
    assert_eq!(error.warning().code(), 301);
    let caps = profiles::sip_audio();
    let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v6()).expect("IPv6 local");
    let c = answer.description.connection.as_ref().expect("c=");
    assert_eq!(c.address_type, AddressType::Ip6);
    assert_eq!(pts(&answer.description.media[0]), [9, 0, 101]);
}

#[test]
fn data_channel_and_disabled_lines_are_rejected_in_place() {
    let offer = parse_vector("webrtc-simulcast-datachannel.sdp");
    let answer = answer_with(&offer, "webrtc").expect("video acceptable");
    let data = &answer.description.media[1];
    assert_eq!(data.port, 0);
    assert_eq!(data.other_formats, ["webrtc-datachannel"]);
    assert_eq!(data.mid.as_deref(), Some("d"));
    assert_eq!(answer.negotiation.bundle, ["v"]);
    // sendonly simulcast offer: we receive only.
    assert_eq!(
        answer.description.media[0].direction,
        Some(Direction::RecvOnly)
    );
}

#[test]
fn supported_header_extensions_are_echoed_with_the_offered_ids() {
    let offer = parse_vector("webrtc-av-offer.sdp");
    let answer = answer_with(&offer, "webrtc").expect("answer");
    let ids = |index: usize| -> Vec<(u16, String)> {
        answer.description.media[index]
            .extmaps
            .iter()
            .map(|extmap| {
                (
                    extmap.id,
                    extmap.uri.rsplit(':').next().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    // Audio: audio level, abs-send-time, transport-cc and mid, as offered.
    assert_eq!(
        ids(0).iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    // Video: toffset (14) and video-orientation (13) are not ours; the
    // stream ids keep their offered 10 and 11.
    assert_eq!(
        ids(1),
        [
            (
                2,
                "//www.webrtc.org/experiments/rtp-hdrext/abs-send-time".to_owned()
            ),
            (
                3,
                "//www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01".to_owned()
            ),
            (4, "mid".to_owned()),
            (10, "rtp-stream-id".to_owned()),
            (11, "repaired-rtp-stream-id".to_owned()),
        ]
    );
    let text = String::from_utf8(answer.description.to_bytes()).expect("utf-8");
    assert!(text.contains("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"));
    // A SIP profile passes no extensions.
    let sip = answer_with(&parse_vector("rfc3264-av-offer.sdp"), "sip-audio").expect("answer");
    assert!(sip.description.media.iter().all(|m| m.extmaps.is_empty()));
}

#[test]
fn header_extension_directions_are_seen_from_our_side() {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
        a=extmap:5/sendonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n\
        m=audio 4000 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n\
        a=fingerprint:sha-256 AB:CD\r\na=setup:actpass\r\na=rtcp-mux\r\n\
        a=extmap:1/recvonly urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on\r\n\
        a=extmap:2 urn:example:unsupported\r\n";
    let offer = tolk_sdp::parse(text.as_bytes()).expect("offer");
    let answer = answer_with(&offer, "webrtc").expect("answer");
    let session = &answer.description.extmaps;
    assert_eq!(session.len(), 1);
    assert_eq!(
        (session[0].id, session[0].direction),
        (5, Some(Direction::RecvOnly))
    );
    let audio = &answer.description.media[0].extmaps;
    assert_eq!(audio.len(), 1);
    assert_eq!(
        (audio[0].id, audio[0].direction),
        (1, Some(Direction::SendOnly))
    );
    assert_eq!(audio[0].attributes.as_deref(), Some("vad=on"));
}

#[test]
fn our_offer_numbers_header_extensions_from_one() {
    let caps = profiles::webrtc();
    let offer = tolk_sdp::offer(&caps, &[MediaKind::Audio], &mut TestLocal::v4());
    let ids: Vec<u16> = offer.media[0].extmaps.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        (1..=caps.header_extensions.len() as u16).collect::<Vec<_>>()
    );
}
