//! Video through the B2BUA with real peers: a sipp video caller -> `tolk
//! run` -> a sipp video callee, on loopback. sipp carries the signalling;
//! the video m-lines point at sockets the test owns, which send H.264 RTP
//! and RTCP into the relay and read what comes out. Each scenario counts
//! the node's resources back to zero.

mod harness;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use harness::{
    LoggedCall, NodeConfig, Ports, Scenario, Tolk, await_relay_addr, sdp_ports, wait_for,
};
use tolk_media::rtcp::keyframe::{KeyframeRequest, requests};
use tolk_media::rtcp::parse_compound;
use tolk_testkit::media_peer::{MediaPeer, rr_and_pli, rtp};

const A_SSRC: u32 = 0xa0a0_0001;
const B_SSRC: u32 = 0xb0b0_0002;
/// The caller's H.264 payload type (caller_video.xml) and the callee's
/// (callee_video.xml answers the gateway's offer).
const A_PT: u8 = 109;
const B_PT: u8 = 97;
const PACKETS: u16 = 30;

/// The caller's and the callee's video ports in one scenario (beside
/// its [`Ports`]: SIP 29000-29099, admin 29100-29119, media
/// 50000-51999).
struct Video {
    caller: u16,
    callee: u16,
}

fn config(ports: &Ports, callee_media: &str) -> String {
    NodeConfig::new(ports.tolk, ports.admin, ports.relay)
        .media_timeout(30)
        .callee("room", ports.callee, callee_media)
        .to_string()
}

/// The ports of a scenario: the node's SIP port `sip` with the caller's
/// and the callee's on the next two, its admin port, the relay's range,
/// and the caller's and the callee's audio and video ports.
fn scenario(
    sip: u16,
    admin: u16,
    relay: &'static str,
    (caller_audio, callee_audio): (u16, u16),
    (caller, callee): (u16, u16),
) -> (Ports, Video) {
    let ports = Ports {
        tolk: sip,
        admin,
        caller: sip + 1,
        callee: sip + 2,
        relay,
        caller_audio,
        callee_audio,
    };
    (ports, Video { caller, callee })
}

/// A call from `caller` to `callee`, each peer logging its messages
/// so that the test can read the gateway's ports.
fn place_call(
    tolk: &Tolk,
    sipp: &Path,
    (ports, video): (&Ports, &Video),
    caller: &str,
    callee: &str,
) -> LoggedCall {
    let callee =
        Scenario::once(callee, ports.callee, ports.callee_audio).key("video_port", video.callee);
    let caller = Scenario::once(caller, ports.caller, ports.caller_audio)
        .calling("room", ports.tolk)
        .key("video_port", video.caller);
    tolk.logged_call(sipp, callee, caller)
}

/// A node `name` whose callee's policy is `callee_media`, with one call
/// through it from `caller` to `callee`: the sockets on the caller's and
/// the callee's video ports and the relay's video addresses toward each.
fn video_call(
    sipp: &Path,
    name: &str,
    (ports, video): (&Ports, &Video),
    callee_media: &str,
    (caller, callee): (&str, &str),
) -> (
    Tolk,
    LoggedCall,
    (MediaPeer, MediaPeer),
    (SocketAddr, SocketAddr),
) {
    let tolk = Tolk::start(name, &config(ports, callee_media), ports.admin);
    let peers = (MediaPeer::bind(video.caller), MediaPeer::bind(video.callee));
    let call = place_call(&tolk, sipp, (ports, video), caller, callee);
    let relay = call.relay_addrs("video", (video.caller, video.callee));
    (tolk, call, peers, relay)
}

fn rtcp_port(rtp: SocketAddr) -> SocketAddr {
    SocketAddr::new(rtp.ip(), rtp.port() + 1)
}

/// The keyframe requests in an RTCP datagram, by media source SSRC.
fn asked(datagram: &[u8]) -> Vec<u32> {
    let packets = parse_compound(datagram).expect("valid RTCP");
    requests(&packets).map(|r| r.media_ssrc()).collect()
}

#[test]
fn video_crosses_the_bridge_and_an_info_becomes_a_pli() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let (ports, video) = scenario(29000, 29100, "50000-50099", (50500, 50520), (50600, 50700));
    let (tolk, call, (a, b), (to_a, to_b)) = video_call(
        &sipp,
        "video-rtcp",
        (&ports, &video),
        "",
        ("caller_video.xml", "callee_video.xml"),
    );

    // H.264 both ways, each leg in its own payload type.
    tolk.assert_video_both_ways(
        (&a, to_a, A_PT, A_SSRC),
        (&b, to_b, B_PT, B_SSRC),
        PACKETS,
        "the caller's video at the callee, payload type rewritten",
    );

    let calls = tolk.http("GET", "/calls");
    assert!(
        calls
            .matches(r#"{"kind":"video","codecs":["H264/90000"]}"#)
            .count()
            == 2,
        "both legs list their video stream: {calls}"
    );

    // The caller's INFO picture_fast_update reaches the callee's video
    // sender as a PLI from the relay, naming the stream it sends.
    let (pli, from) = b
        .receive_rtcp(Duration::from_secs(8))
        .expect("a PLI at the callee's RTCP port");
    assert_eq!(asked(&pli), [B_SSRC], "{pli:?}");
    assert_eq!(from, rtcp_port(to_b), "sent from the relay's RTCP port");
    assert!(matches!(
        requests(&parse_compound(&pli).expect("RTCP")).next(),
        Some(KeyframeRequest::Pli { .. })
    ));

    // The callee's PLI reaches the caller inside RTCP (both negotiated it).
    b.rtcp
        .send_to(&rr_and_pli(B_SSRC, A_SSRC), rtcp_port(to_b))
        .expect("send PLI");
    let (forwarded, _) = a
        .receive_rtcp(Duration::from_secs(3))
        .expect("the PLI forwarded to the caller");
    assert_eq!(asked(&forwarded), [A_SSRC]);
    assert_eq!(tolk.metric("tolk_keyframe_requests_total{via=\"rtcp\"}"), 1);
    assert_eq!(tolk.metric("tolk_keyframe_requests_total{via=\"info\"}"), 0);
    call.finish(&tolk);
}

#[test]
fn a_pli_reaches_an_info_peer_as_one_info() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let (ports, video) = scenario(29010, 29101, "50100-50199", (50540, 50560), (50610, 50710));
    let (tolk, call, (a, b), (to_a, to_b)) = video_call(
        &sipp,
        "video-info",
        (&ports, &video),
        "keyframe = \"info\"",
        ("caller_video_quiet.xml", "callee_video_info.xml"),
    );
    b.send_video(to_b, B_PT, B_SSRC, 5);
    assert_eq!(
        a.receive_rtp(5, Duration::from_secs(3)).len(),
        5,
        "video flows"
    );

    // A burst of PLIs from the caller: the callee (INFO policy) gets one
    // INFO picture_fast_update (its scenario fails on none or a second).
    for _ in 0..5 {
        a.rtcp
            .send_to(&rr_and_pli(A_SSRC, B_SSRC), rtcp_port(to_a))
            .expect("send PLI");
        std::thread::sleep(Duration::from_millis(20));
    }
    call.finish(&tolk);
    assert_eq!(tolk.metric("tolk_keyframe_requests_total{via=\"info\"}"), 1);
}

#[test]
fn a_callee_answering_without_the_video_line_gets_audio_only() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let (ports, video) = scenario(29020, 29102, "50200-50299", (50800, 50820), (50810, 50830));
    let tolk = Tolk::start("video-uas", &config(&ports, ""), ports.admin);
    let (audio, caller_video) = (
        MediaPeer::bind(ports.caller_audio),
        MediaPeer::bind(video.caller),
    );
    // sipp's built-in uas answers every offer with one PCMU m-line and
    // echoes the RTP it gets.
    let _callee = tolk.callee(&sipp, ports.callee, ports.callee_audio);
    std::thread::sleep(Duration::from_millis(300));
    let log = tolk.dir.join("caller.msg");
    let av = Scenario::once("caller_av.xml", ports.caller, 50850)
        .calling("room", ports.tolk)
        .key("audio_port", ports.caller_audio)
        .key("video_port", video.caller)
        .message_log(&log);
    let caller = tolk.sipp_thread(&sipp, av);
    let to_relay = await_relay_addr(&log, "audio", &[ports.caller_audio]);
    assert_eq!(
        sdp_ports(&log, "video"),
        [video.caller, 0],
        "the caller's answer keeps the video line with port 0\n{}",
        tolk.sipp_errors()
    );

    // Audio goes through the relay to the callee and comes back echoed.
    for n in 0..PACKETS {
        let packet = rtp(0, A_SSRC, n, u32::from(n) * 160, &[0xff; 160]);
        audio.rtp.send_to(&packet, to_relay).expect("send audio");
        std::thread::sleep(Duration::from_millis(10));
    }
    let echoed = audio.receive_rtp(PACKETS.into(), Duration::from_secs(5));
    assert_eq!(echoed, vec![(0, A_SSRC); PACKETS.into()], "audio echoed");
    assert!(
        caller_video
            .receive_rtp(1, Duration::from_millis(200))
            .is_empty()
    );
    // The video session made for the offer is freed with the answer
    // (the gauge is sampled each second).
    assert!(
        wait_for(Duration::from_secs(3), || tolk
            .metric("tolk_relay_sessions")
            == 1),
        "the audio session only: {}",
        tolk.metric("tolk_relay_sessions")
    );

    tolk.assert_sipp_succeeds(caller, "the caller");
    tolk.assert_idle();
}

#[test]
fn video_added_mid_call_flows_and_its_removal_frees_the_session() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let (ports, video) = scenario(29030, 29103, "50300-50399", (50900, 50920), (50940, 50960));
    // An audio call; the caller re-INVITEs adding video, which the
    // gateway answers and re-offers to the callee.
    let (tolk, call, (a, b), (to_a, to_b)) = video_call(
        &sipp,
        "video-added",
        (&ports, &video),
        "",
        ("caller_adds_video.xml", "callee_takes_video.xml"),
    );
    tolk.assert_video_both_ways(
        (&a, to_a, A_PT, A_SSRC),
        (&b, to_b, B_PT, B_SSRC),
        PACKETS,
        "the added video at the callee",
    );
    assert!(
        wait_for(Duration::from_secs(3), || tolk
            .metric("tolk_relay_sessions")
            == 2),
        "audio and video sessions"
    );

    // The caller's re-INVITE with video port 0 (5 s after adding it):
    // the video session goes, and nothing reaches the caller's old port.
    assert!(
        wait_for(Duration::from_secs(10), || tolk
            .metric("tolk_relay_sessions")
            == 1),
        "the video session freed: {}\n{}",
        tolk.metric("tolk_relay_sessions"),
        tolk.sipp_errors()
    );
    b.send_video(to_b, B_PT, B_SSRC, 5);
    assert!(
        a.receive_rtp(1, Duration::from_millis(500)).is_empty(),
        "video still forwarded after its removal"
    );
    call.finish(&tolk);
}

#[test]
fn video_the_callee_refuses_mid_call_is_taken_back_from_the_caller() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let (ports, video) = scenario(29040, 29104, "50400-50499", (51000, 51020), (51040, 51060));
    let tolk = Tolk::start("video-refused", &config(&ports, ""), ports.admin);
    let call = place_call(
        &tolk,
        &sipp,
        (&ports, &video),
        "caller_video_refused.xml",
        "callee_refuses_video.xml",
    );
    // The caller's log: its video offer, the gateway's answer taking it,
    // the gateway's re-offer with port 0 and the caller's answer.
    let video_lines = || sdp_ports(&call.caller_log, "video");
    assert!(
        wait_for(Duration::from_secs(10), || video_lines().len() >= 4),
        "{:?}\n{}",
        video_lines(),
        tolk.sipp_errors()
    );
    let lines = video_lines();
    assert_eq!(lines[0], video.caller);
    assert_ne!(lines[1], 0, "the gateway took the caller's video first");
    assert_eq!(&lines[2..4], [0, 0], "then took it back");
    assert!(
        wait_for(Duration::from_secs(3), || tolk
            .metric("tolk_relay_sessions")
            == 1),
        "the video session freed"
    );
    call.finish(&tolk);
}
