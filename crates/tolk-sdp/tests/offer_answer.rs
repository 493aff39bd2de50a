//! The offerer's side: offers built from capabilities, and answers read
//! back into a negotiation that mirrors the answerer's.

mod support;

use support::TestLocal;
use tolk_sdp::model::*;
use tolk_sdp::negotiate::{Keying, MediaState, Reason, profiles};

fn accepted(
    negotiation: &tolk_sdp::negotiate::Negotiation,
    index: usize,
) -> &tolk_sdp::negotiate::AcceptedMedia {
    match &negotiation.media[index].state {
        MediaState::Accepted(accepted) => accepted,
        MediaState::Rejected(reason) => panic!("m={index} rejected: {reason}"),
    }
}

/// Our offer of `kinds` under `caps` (deterministic local inputs).
fn our_offer(caps: &tolk_sdp::Capabilities, kinds: &[MediaKind]) -> SessionDescription {
    tolk_sdp::offer(caps, kinds, &mut TestLocal::v4())
}

/// Our offer of `kinds` under `caps`, and the peer's answer
/// `text` read back into our negotiation.
fn offer_and_read_answer(
    caps: &tolk_sdp::Capabilities,
    kinds: &[MediaKind],
    text: &str,
) -> (SessionDescription, tolk_sdp::negotiate::Negotiation) {
    let offer = our_offer(caps, kinds);
    let answer = tolk_sdp::parse(text.as_bytes()).expect("answer parses");
    let ours = tolk_sdp::process_answer(&offer, &answer).expect("agreed");
    (offer, ours)
}

const AV: &[MediaKind] = &[MediaKind::Audio, MediaKind::Video];

#[test]
fn webrtc_offer_has_dtls_actpass_bundle_ice_and_rtx() {
    let caps = profiles::webrtc();
    let offer = our_offer(&caps, AV);
    assert_eq!(offer.media.len(), 2);
    assert_eq!(
        offer.bundle(),
        Some(&[Text::from_static("0"), Text::from_static("1")][..])
    );
    let video = &offer.media[1];
    assert_eq!(video.protocol, TransportProtocol::UdpTlsRtpSavpf);
    assert_eq!(video.setup, Some(Setup::ActPass));
    assert_eq!(video.port, offer.media[0].port);
    let pts: Vec<u8> = video.formats.iter().map(|f| f.pt.0).collect();
    assert_eq!(pts, [96, 97, 102, 103]);
    let audio_pts: Vec<u8> = offer.media[0].formats.iter().map(|f| f.pt.0).collect();
    assert_eq!(audio_pts, [111, 0, 8, 110, 126]);
    assert_eq!(tolk_sdp::parse(&offer.to_bytes()).as_ref(), Ok(&offer));
}

#[test]
fn sip_offers_are_plain_avpf_and_skip_kinds_without_codecs() {
    let offer = our_offer(&profiles::sip_audio(), AV);
    assert_eq!(offer.media.len(), 1);
    assert_eq!(offer.media[0].protocol, TransportProtocol::RtpAvpf);
    assert!(offer.media[0].crypto.is_empty());
    let mut caps = profiles::sip_video();
    caps.security.srtp = tolk_sdp::negotiate::SrtpPolicy::Required;
    let offer = our_offer(&caps, &[MediaKind::Audio]);
    assert_eq!(offer.media[0].protocol, TransportProtocol::RtpSavpf);
    assert_eq!(offer.media[0].crypto.len(), caps.security.sdes_suites.len());
    assert_eq!(offer.media[0].crypto[0].suite, CryptoSuite::AeadAes256Gcm);
}

#[test]
fn our_answer_read_back_mirrors_payload_types_and_dtls_roles() {
    let caps = profiles::webrtc();
    let offer = our_offer(&caps, AV);
    let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect("acceptable");
    let ours = tolk_sdp::process_answer(&offer, &answer.description).expect("agreed");
    assert_eq!(ours.bundle, ["0", "1"]);
    for index in 0..2 {
        let theirs = accepted(&answer.negotiation, index);
        let mine = accepted(&ours, index);
        assert_eq!(mine.codecs.len(), theirs.codecs.len());
        assert!(matches!(
            theirs.keying,
            Keying::Dtls {
                role: Setup::Active,
                ..
            }
        ));
        assert!(matches!(
            mine.keying,
            Keying::Dtls {
                role: Setup::Passive,
                ..
            }
        ));
        assert!(mine.rtcp_mux);
    }
    let vp8 = &accepted(&ours, 1).codecs[0];
    assert_eq!(vp8.rtx.map(|r| (r.send_pt.0, r.recv_pt.0)), Some((97, 97)));
}

#[test]
fn answer_with_other_payload_types_maps_send_and_receive() {
    let text = "v=0\r\no=- 9 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n\
        m=audio 7000 RTP/AVPF 0 120\r\na=rtpmap:120 telephone-event/8000\r\na=sendonly\r\n\
        m=video 7002 RTP/AVPF 126\r\na=rtpmap:126 H264/90000\r\n\
        a=fmtp:126 packetization-mode=0;profile-level-id=42e01e\r\n";
    let (_, ours) = offer_and_read_answer(&profiles::sip_video(), AV, text);
    let audio = accepted(&ours, 0);
    assert_eq!(audio.direction, Direction::RecvOnly);
    assert_eq!(audio.telephone_events[0].send_pt, PayloadType(120));
    assert_eq!(audio.telephone_events[0].recv_pt, PayloadType(101));
    let video = accepted(&ours, 1);
    assert_eq!(
        (video.codecs[0].send_pt.0, video.codecs[0].recv_pt.0),
        (126, 98)
    );
    assert_eq!(
        video.remote.as_ref().map(|(a, p)| (a.address.as_str(), *p)),
        Some(("198.51.100.1", 7002))
    );
    assert_eq!(video.keying, Keying::Plain);
}

#[test]
fn rejected_lines_and_mismatched_answers() {
    let text = "v=0\r\no=- 9 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n\
        m=audio 7000 RTP/AVPF 8\r\nm=video 0 RTP/AVPF 97\r\n";
    let (offer, ours) = offer_and_read_answer(&profiles::sip_video(), AV, text);
    assert_eq!(
        ours.media[1].state,
        MediaState::Rejected(Reason::RejectedByPeer)
    );
    let one_line =
        tolk_sdp::parse(&text.as_bytes()[..text.find("m=video").unwrap_or(0)]).expect("answer");
    let short = tolk_sdp::process_answer(&offer, &one_line).expect("video left out");
    assert_eq!(short.media.len(), 2);
    assert!(matches!(short.media[0].state, MediaState::Accepted(_)));
    assert_eq!(
        short.media[1].state,
        MediaState::Rejected(Reason::RejectedByPeer)
    );

    let mut video_only = one_line.clone();
    video_only.media[0].kind = MediaKind::Video;
    let error = tolk_sdp::process_answer(&offer, &video_only).expect_err("out of order");
    assert!(
        error.to_string().contains("1 m-lines answered, 2 offered"),
        "{error}"
    );
    let mut three = tolk_sdp::parse(text.as_bytes()).expect("answer");
    three.media.push(three.media[0].clone());
    let error = tolk_sdp::process_answer(&offer, &three).expect_err("more than offered");
    assert!(
        error.to_string().contains("3 m-lines answered, 2 offered"),
        "{error}"
    );
}

#[test]
fn sdes_answer_must_echo_an_offered_tag() {
    let mut caps = profiles::sip_audio();
    caps.security.srtp = tolk_sdp::negotiate::SrtpPolicy::Required;
    let mut local = TestLocal::v4();
    let offer = tolk_sdp::offer(&caps, &[MediaKind::Audio], &mut local);
    let answer = tolk_sdp::answer(&offer, &caps, &mut local).expect("acceptable");
    // The answerer picks the strongest suite: AEAD_AES_256_GCM, tag 1.
    let ours = tolk_sdp::process_answer(&offer, &answer.description).expect("agreed");
    match &accepted(&ours, 0).keying {
        Keying::Sdes {
            suite,
            local,
            remote,
        } => {
            assert_eq!(suite, &CryptoSuite::AeadAes256Gcm);
            assert_eq!(local.tag, remote.tag);
            assert_ne!(local.keys, remote.keys);
        }
        other => panic!("{other:?}"),
    }
    let mut bad = answer.description.clone();
    bad.media[0].crypto[0].tag = 99;
    let error = tolk_sdp::process_answer(&offer, &bad).expect_err("unknown tag");
    assert!(error.to_string().contains("crypto tag 99 was not offered"));
}

#[test]
fn held_answer_stops_our_sending() {
    let text = "v=0\r\no=- 9 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
        m=audio 7000 RTP/AVPF 0\r\n";
    let (_, ours) = offer_and_read_answer(&profiles::sip_audio(), &[MediaKind::Audio], text);
    assert_eq!(accepted(&ours, 0).direction, Direction::RecvOnly);
}

/// A gateway keeps descriptions for a call's life: parsed, offered and
/// answered ones hold no spare media sections (large structs).
#[test]
fn kept_descriptions_hold_no_spare_media_sections() {
    let text = include_bytes!("vectors/rfc3264-av-offer.sdp");
    let offer = tolk_sdp::parse(text).expect("offer");
    assert_eq!(offer.media.capacity(), offer.media.len());
    let caps = profiles::sip_video();
    let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect("answer");
    assert_eq!(answer.description.media.capacity(), offer.media.len());
    assert_eq!(answer.negotiation.media.capacity(), offer.media.len());
    let ours = our_offer(&caps, &[MediaKind::Audio]);
    assert_eq!(ours.media.capacity(), 1);
}
