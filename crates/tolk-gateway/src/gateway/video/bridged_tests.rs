//! A call's video through [`CallMedia`] with a real relay: its own relay
//! session and ports, payload types rewritten per the plan, rejected with
//! port 0 when the legs share no video codec while audio proceeds.

use crate::gateway::relay_watch::RelayWatch;
use std::net::{IpAddr, Ipv4Addr};

use tolk_relay::Side;
use tolk_relay::{Relay, RelayConfig};
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{Direction, MediaKind};

use tolk_relay::keyframe::KeyframeKind;

use crate::config::MediaPolicy;
use crate::gateway::media::CallMedia;
use crate::gateway::video::KeyframeRoute;

mod labels;
mod late_offer;

const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn relay(first_port: u16) -> Relay {
    Relay::start(RelayConfig {
        ports: (first_port, first_port + 19),
        workers: 1,
        ..RelayConfig::default()
    })
    .expect("relay")
}

fn sdp(lines: &str) -> SessionDescription {
    let text = format!(
        "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n{lines}"
    );
    tolk_sdp::parse(text.as_bytes()).expect("SDP")
}

const AUDIO: &str = "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

fn video(port: u16, pt: u8, codec: &str, extra: &str) -> String {
    format!("m=video {port} RTP/AVP {pt}\r\na=rtpmap:{pt} {codec}/90000\r\n{extra}")
}

const H264: &str =
    "a=fmtp:{pt} packetization-mode=1;profile-level-id=42e01f\r\na=rtcp-fb:{pt} nack pli\r\n";

fn h264(port: u16, pt: u8) -> String {
    video(port, pt, "H264", &H264.replace("{pt}", &pt.to_string()))
}

/// A call the caller opens with `offer`, its legs under these policies.
async fn call(
    relay: &Relay,
    caller: &MediaPolicy,
    callee: &MediaPolicy,
    offer: SessionDescription,
) -> CallMedia {
    CallMedia::new(relay, IP, caller, callee, Some(offer), &RelayWatch::new().0)
        .await
        .expect("media")
}

/// A call whose caller offers PCMU audio and H.264 video (payload type
/// 109), both legs under the default policy.
async fn audio_and_video_call(relay: &Relay) -> CallMedia {
    let policy = MediaPolicy::default();
    call(
        relay,
        &policy,
        &policy,
        sdp(&format!("{AUDIO}{}", h264(40010, 109))),
    )
    .await
}

/// The callee's answer taking the audio and H.264 video on `pt`.
fn video_taken(pt: u8) -> SessionDescription {
    sdp(&format!("{AUDIO}{}", h264(41010, pt)))
}

/// The payload type of the first format on the first video line.
fn video_pt(description: &SessionDescription) -> u8 {
    description.media[1].formats[0].pt.0
}

/// The callee answers the call with `answer`, and the caller confirms it.
async fn settled(media: &mut CallMedia, relay: &Relay, answer: &SessionDescription) {
    media.b_answered(relay, answer).await.expect("answered");
    media.b_confirmed();
}

/// The caller re-offers `offer`: its answer, and what the callee is offered.
async fn caller_reoffers(
    media: &mut CallMedia,
    relay: &Relay,
    offer: &SessionDescription,
) -> (SessionDescription, Option<SessionDescription>) {
    media
        .reoffered(relay, Side::A, offer)
        .await
        .expect("re-offer")
}

/// An answer taking the audio and refusing the video (port 0).
fn video_refused() -> SessionDescription {
    sdp(&format!("{AUDIO}m=video 0 RTP/AVP 97\r\n"))
}

fn ports(description: &SessionDescription) -> Vec<(MediaKind, u16)> {
    description
        .media
        .iter()
        .map(|m| (m.kind.clone(), m.port))
        .collect()
}

#[tokio::test]
async fn video_gets_its_own_relay_session_and_reaches_both_legs() {
    let relay = relay(51900);
    let mut media = audio_and_video_call(&relay).await;
    let b_offer = media.b_offer().expect("b offer").clone();
    let kinds = ports(&b_offer);
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(kinds[1].0, MediaKind::Video);
    assert_ne!(kinds[0].1, kinds[1].1, "video on its own relay port");
    assert_eq!(relay.session_count(), 2);
    let b_video = &b_offer.media[1];
    let pt = b_video.formats[0].pt.0;
    assert!(
        b_video.formats[0].rtcp_fb.iter().any(|fb| fb == "nack pli"),
        "feedback offered on RTP/AVP: {b_video:?}"
    );
    assert!(
        b_video
            .formats
            .iter()
            .all(|f| f.encoding().is_some_and(|e| e.encoding == "H264")),
        "only the caller's video codec is offered"
    );

    let answer = video_taken(pt);
    let a_answer = media.b_answered(&relay, &answer).await.expect("answered");
    let a_kinds = ports(&a_answer);
    assert_eq!(a_kinds[1].0, MediaKind::Video);
    assert_ne!(a_kinds[1].1, 0, "video accepted for the caller");
    assert_eq!(video_pt(&a_answer), 109, "the caller's own payload type");
    assert_eq!(
        media.describe(tolk_relay::Side::A).streams,
        [
            ("audio".to_owned(), vec!["PCMU/8000".to_owned()]),
            ("video".to_owned(), vec!["H264/90000".to_owned()])
        ]
    );
    assert!(media.takes_rtcp_keyframes(0, tolk_relay::Side::B, false));
    assert!(
        !media.takes_rtcp_keyframes(0, tolk_relay::Side::B, true),
        "INFO policy"
    );
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

#[tokio::test]
async fn video_without_a_common_codec_is_rejected_while_audio_proceeds() {
    let relay = relay(51920);
    let caller = MediaPolicy::default();
    let h264_only = MediaPolicy {
        codecs: vec!["PCMU".into(), "H264".into()],
        ..MediaPolicy::default()
    };
    // The caller offers VP8 video only, which the callee's policy does not take.
    let offer = sdp(&format!(
        "{AUDIO}{}m=application 40020 UDP/BFCP *\r\n",
        video(40010, 98, "VP8", "")
    ));
    let mut media = call(&relay, &caller, &h264_only, offer).await;
    let b_offer = media.b_offer().expect("b offer").clone();
    assert_eq!(ports(&b_offer), [(MediaKind::Audio, b_offer.media[0].port)]);
    let a_answer = media
        .b_answered(&relay, &sdp(AUDIO))
        .await
        .expect("audio answered");
    let kinds: Vec<_> = ports(&a_answer)
        .into_iter()
        .map(|(k, p)| (k, p == 0))
        .collect();
    assert_eq!(
        kinds,
        [
            (MediaKind::Audio, false),
            (MediaKind::Video, true),
            (MediaKind::Application, true)
        ],
        "rejected lines keep their place with port 0"
    );
    media.release(&relay).await;
}

#[tokio::test]
async fn a_callee_refusing_video_leaves_the_caller_with_audio() {
    let relay = relay(51940);
    let mut media = audio_and_video_call(&relay).await;
    let answer = video_refused();
    let a_answer = media.b_answered(&relay, &answer).await.expect("answered");
    assert_eq!(a_answer.media[1].port, 0, "{a_answer:?}");
    assert_ne!(a_answer.media[0].port, 0);
    media.release(&relay).await;
}

fn directions(description: &SessionDescription) -> Vec<(u16, Option<Direction>)> {
    description
        .media
        .iter()
        .map(|m| (m.port, m.direction))
        .collect()
}

#[tokio::test]
async fn a_hold_keeps_the_rejected_video_line_in_the_re_offer() {
    let relay = relay(51960);
    let mut media = audio_and_video_call(&relay).await;
    let answer = video_refused();
    settled(&mut media, &relay, &answer).await;

    let hold = sdp(&format!("{AUDIO}a=sendonly\r\nm=video 0 RTP/AVP 109\r\n"));
    let (_, reoffer) = media.reoffered(&relay, Side::A, &hold).await.expect("hold");
    let reoffer = reoffer.expect("the callee is re-offered");
    let lines = directions(&reoffer);
    assert_eq!(lines.len(), 2, "as many m-lines as before: {lines:?}");
    assert_eq!(lines[0].1, Some(Direction::SendOnly), "the hold passed on");
    assert_eq!(lines[1].0, 0, "video still rejected");
    media.release(&relay).await;
}

#[tokio::test]
async fn holding_only_the_video_re_offers_only_the_video_as_held() {
    let relay = relay(51980);
    let mut media = audio_and_video_call(&relay).await;
    let pt = video_pt(media.b_offer().expect("offer"));
    settled(&mut media, &relay, &video_taken(pt)).await;

    let hold_video = sdp(&format!("{AUDIO}{}a=sendonly\r\n", h264(40010, 109)));
    let (answer, reoffer) = media
        .reoffered(&relay, Side::A, &hold_video)
        .await
        .expect("held");
    assert_eq!(answer.media.len(), 2);
    let lines = directions(&reoffer.expect("the callee is re-offered"));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].1, Some(Direction::SendRecv), "audio untouched");
    assert_eq!(lines[1].1, Some(Direction::SendOnly), "video held");
    assert_ne!(lines[1].0, 0);
    media.release(&relay).await;
}

#[tokio::test]
async fn an_srtp_callers_video_is_keyed_on_its_own_line_toward_a_plain_callee() {
    let relay = relay(51800);
    let caller = MediaPolicy::default();
    let plain = MediaPolicy {
        srtp: crate::config::SrtpPolicy::Off,
        ..MediaPolicy::default()
    };
    let crypto = |tag: u8| {
        format!(
            "a=crypto:{tag} AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n"
        )
    };
    let offer = sdp(&format!(
        "m=audio 40000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n{}{}",
        crypto(1),
        h264(40010, 109).replace("RTP/AVP", "RTP/SAVP") + &crypto(1)
    ));
    let mut media = call(&relay, &caller, &plain, offer).await;
    let b_offer = media.b_offer().expect("offer").clone();
    assert!(
        b_offer
            .media
            .iter()
            .all(|m| m.protocol.as_str() == "RTP/AVP" && m.crypto.is_empty()),
        "plain toward the callee: {b_offer:?}"
    );
    let pt = video_pt(&b_offer);
    let answer = video_taken(pt);
    let a_answer = media.b_answered(&relay, &answer).await.expect("answered");
    for line in &a_answer.media {
        assert_eq!(line.protocol.as_str(), "RTP/SAVP", "{line:?}");
        assert_eq!(line.crypto.len(), 1, "our own key on each line: {line:?}");
    }
    assert_ne!(
        a_answer.media[0].crypto[0].keys, a_answer.media[1].crypto[0].keys,
        "a key per stream"
    );
    assert_eq!(
        media.describe(Side::A).crypto,
        "SDES AES_CM_128_HMAC_SHA1_80"
    );
    media.release(&relay).await;
}

#[tokio::test]
async fn video_refused_at_setup_can_be_enabled_again_and_removed() {
    let relay = relay(51840);
    let mut media = audio_and_video_call(&relay).await;
    let refused = video_refused();
    settled(&mut media, &relay, &refused).await;
    assert_eq!(
        release_unused(&mut media, &relay).await.len(),
        1,
        "idle session"
    );
    assert_eq!(relay.session_count(), 1);

    // The caller offers its video again in the same line.
    let again = sdp(&format!("{AUDIO}{}", h264(40010, 109)));
    let (answer, reoffer) = caller_reoffers(&mut media, &relay, &again).await;
    assert_ne!(answer.media[1].port, 0, "the caller's video taken");
    let reoffer = reoffer.expect("the callee is re-offered");
    let lines = ports(&reoffer);
    assert_eq!(
        lines.len(),
        2,
        "video in the line rejected before: {lines:?}"
    );
    assert_eq!(lines[1].0, MediaKind::Video);
    assert_ne!(lines[1].1, 0);
    assert_eq!(relay.session_count(), 2);
    assert!(
        release_unused(&mut media, &relay).await.is_empty(),
        "kept while the callee is asked"
    );
    let pt = video_pt(&reoffer);
    let taken = video_taken(pt);
    let back = media
        .reoffer_answered(&relay, Side::B, &taken)
        .await
        .expect("answer");
    assert!(back.is_none(), "nothing to take back from the caller");
    assert_eq!(media.video_index(0, Side::A), Some(1));
    assert_eq!(media.video_index(0, Side::B), Some(1));

    // The caller removes it: the callee is re-offered port 0 and the
    // session goes at once.
    let removed = sdp(&format!("{AUDIO}m=video 0 RTP/AVP 109\r\n"));
    let (_, reoffer) = caller_reoffers(&mut media, &relay, &removed).await;
    assert_eq!(reoffer.expect("re-offered").media[1].port, 0);
    assert_eq!(release_unused(&mut media, &relay).await.len(), 1);
    assert_eq!(media.video_sessions(), []);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

#[tokio::test]
async fn each_video_line_is_its_own_stream_with_its_own_keyframe_route() {
    let relay = relay(51760);
    let policy = MediaPolicy::default();
    // Main video with PLI feedback and slides without, both H.264 109.
    let slides = h264(40020, 109).replace("a=rtcp-fb:109 nack pli\r\n", "");
    let offer = sdp(&format!(
        "{AUDIO}{}a=content:main\r\n{slides}a=content:slides\r\n",
        h264(40010, 109)
    ));
    let mut media = call(&relay, &policy, &policy, offer).await;
    assert_eq!(
        relay.session_count(),
        3,
        "audio and a session per video line"
    );
    let b_offer = media.b_offer().expect("offer").clone();
    let lines = ports(&b_offer);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_ne!(lines[1].1, lines[2].1, "each video line on its own port");
    let pt = video_pt(&b_offer);
    let answer = sdp(&format!("{AUDIO}{}{}", h264(41010, pt), h264(41020, pt)));
    let a_answer = media.b_answered(&relay, &answer).await.expect("answered");
    let a_lines = ports(&a_answer);
    assert!(a_lines.iter().all(|(_, port)| *port != 0), "{a_lines:?}");
    assert_ne!(a_lines[1].1, a_lines[2].1);
    media.b_confirmed();

    let sessions = media.video_sessions();
    assert_eq!(sessions.len(), 2);
    let slides_session = sessions
        .iter()
        .copied()
        .find(|s| media.video_stream_of(*s) == Some(1))
        .expect("the slides' session");
    assert_eq!(media.video_index(1, Side::A), Some(2));
    assert_eq!(media.video_index(1, Side::B), Some(2));
    // The caller negotiated PLI on its main video only.
    assert!(media.takes_rtcp_keyframes(0, Side::A, false));
    assert!(!media.takes_rtcp_keyframes(1, Side::A, false));
    let now = std::time::Instant::now();
    assert_eq!(
        media.keyframe_route(1, Side::B, false, now),
        Some(KeyframeRoute::Rtcp(slides_session, KeyframeKind::Pli)),
        "a request for the slides goes on the slides' session"
    );
    let main_session = sessions.iter().copied().find(|s| *s != slides_session);
    assert_eq!(
        media.keyframe_route(0, Side::B, false, now),
        main_session.map(|s| KeyframeRoute::Rtcp(s, KeyframeKind::Pli)),
        "the main video's, just after, on its own session (limited apart)"
    );

    // The caller ends the slides: only their session goes.
    let ended = sdp(&format!(
        "{AUDIO}{}a=content:main\r\nm=video 0 RTP/AVP 109\r\n",
        h264(40010, 109)
    ));
    let (_, reoffer) = caller_reoffers(&mut media, &relay, &ended).await;
    let reoffer = reoffer.expect("the callee is re-offered");
    assert_eq!(ports(&reoffer)[2].1, 0, "the slides line at port 0");
    assert_ne!(ports(&reoffer)[1].1, 0, "the main video kept");
    let freed = release_unused(&mut media, &relay).await;
    assert_eq!(freed, [slides_session]);
    assert_eq!(relay.session_count(), 2);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

#[tokio::test]
async fn an_rfc_5168_stream_id_names_a_stream_by_its_lines_label_on_that_leg() {
    let relay = relay(51780);
    let policy = MediaPolicy::default();
    let offer = sdp(&format!(
        "{AUDIO}{}a=label:11\r\n{}a=content:slides\r\na=label:12\r\n",
        h264(40010, 109),
        h264(40020, 109)
    ));
    let mut media = call(&relay, &policy, &policy, offer).await;
    let pt = video_pt(media.b_offer().expect("offer"));
    // The callee labels its main video itself, not its slides.
    let answer = sdp(&format!(
        "{AUDIO}{}a=label:m\r\n{}",
        h264(41010, pt),
        h264(41020, pt)
    ));
    settled(&mut media, &relay, &answer).await;

    assert_eq!(media.video_labelled(Side::A, "12"), Some(1));
    assert_eq!(media.video_labelled(Side::A, "11"), Some(0));
    assert_eq!(media.video_labelled(Side::A, "1"), None, "no such label");
    assert_eq!(media.video_labelled(Side::B, "m"), Some(0), "its own label");
    assert_eq!(
        media.video_labelled(Side::B, "12"),
        Some(1),
        "the label our offer carried to it"
    );
    assert_eq!(media.video_label(1, Side::A), Some("12"));
    assert_eq!(media.video_label(0, Side::B), Some("m"), "its own first");
    assert_eq!(media.video_label(1, Side::B), Some("12"));
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

#[tokio::test]
async fn each_video_line_is_offered_only_the_codecs_of_the_callers_line() {
    let relay = relay(51740);
    let policy = MediaPolicy::default();
    let main = "m=video 40010 RTP/AVP 109 100\r\na=rtpmap:109 H264/90000\r\n\
         a=fmtp:109 packetization-mode=1;profile-level-id=42e01f\r\na=rtpmap:100 VP8/90000\r\n";
    let offer = sdp(&format!("{AUDIO}{main}{}", video(40020, 100, "VP8", "")));
    let media = call(&relay, &policy, &policy, offer).await;
    let b_offer = media.b_offer().expect("offer");
    let codecs = |line: usize| -> Vec<String> {
        (b_offer.media[line].formats.iter())
            .filter_map(|f| Some(f.encoding()?.encoding.to_string()))
            .collect()
    };
    assert!(codecs(1).iter().any(|c| c == "H264") && codecs(1).iter().any(|c| c == "VP8"));
    assert_eq!(
        codecs(2),
        ["VP8"],
        "the slides line as the caller offered it"
    );
    media.release(&relay).await;
}

#[tokio::test]
async fn slides_added_mid_call_get_a_stream_of_their_own() {
    let relay = relay(51720);
    let mut media = audio_and_video_call(&relay).await;
    let b_main = media.b_offer().expect("offer").media[1].clone();
    let pt = b_main.formats[0].pt.0;
    let answer = video_taken(pt);
    settled(&mut media, &relay, &answer).await;
    let main = media.video_sessions();

    // The caller starts a presentation: a second video line.
    let presenting = sdp(&format!(
        "{AUDIO}{}{}a=content:slides\r\n",
        h264(40010, 109),
        h264(40020, 109)
    ));
    let (answer, reoffer) = caller_reoffers(&mut media, &relay, &presenting).await;
    assert!(answer.media.iter().all(|m| m.port != 0), "{answer:?}");
    assert_ne!(answer.media[1].port, answer.media[2].port);
    let reoffer = reoffer.expect("the callee is offered the slides");
    let lines = ports(&reoffer);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1].1, b_main.port, "the main video kept");
    assert!(lines[2].1 != 0 && lines[2].1 != lines[1].1);
    assert!(
        (reoffer.media[2].other.iter()).any(
            |a| a.name == "content" && a.value.as_ref().is_some_and(|v| v.as_str() == "slides")
        ),
        "the callee learns they are slides"
    );
    assert_eq!(relay.session_count(), 3);

    // The callee refuses them: taken back from the caller, session freed.
    let refused = sdp(&format!(
        "{AUDIO}{}m=video 0 RTP/AVP {pt}\r\n",
        h264(41010, pt)
    ));
    let back = media
        .reoffer_answered(&relay, Side::B, &refused)
        .await
        .expect("answer")
        .expect("the caller is re-offered without the slides");
    assert_eq!(ports(&back)[2].1, 0);
    assert_ne!(ports(&back)[1].1, 0, "the main video stays");
    assert_eq!(release_unused(&mut media, &relay).await.len(), 1);
    assert_eq!(media.video_sessions(), main);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

/// Takes out the streams no leg has a line for and deletes their
/// sessions, as the bridge does.
async fn release_unused(media: &mut CallMedia, relay: &Relay) -> Vec<tolk_relay::SessionId> {
    let freed = media.release_unused_video();
    for session in &freed {
        relay.delete_async(*session).await.expect("deleted");
    }
    freed
}
