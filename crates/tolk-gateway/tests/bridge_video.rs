//! Video through the B2BUA with real peers: a sipp video caller -> `tolk
//! run` -> a sipp video callee, on loopback. sipp carries the signalling;
//! the video m-lines point at sockets the test owns, which send H.264 RTP
//! and RTCP into the relay and read what comes out. Each scenario counts
//! the node's resources back to zero.

mod harness;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::{
    NodeConfig, Scenario, SippCall, Tolk, relay_addr, sdp_ports, video_both_ways, wait_for,
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

/// The ports one scenario uses (SIP 29000-29099, admin 29100-29119,
/// media 50000-51999).
struct Ports {
    tolk: u16,
    admin: u16,
    caller: u16,
    callee: u16,
    relay: &'static str,
    caller_audio: u16,
    callee_audio: u16,
    caller_video: u16,
    callee_video: u16,
}

fn config(ports: &Ports, callee_media: &str) -> String {
    NodeConfig::new(ports.tolk, ports.admin, ports.relay)
        .media_timeout(30)
        .plain_peer("room", ports.callee, callee_media)
        .route("room", "peer:room")
        .to_string()
}

/// The callee and the caller, each logging its messages so that the
/// test can read the gateway's ports.
struct Call {
    sipp: SippCall,
    caller_log: PathBuf,
    callee_log: PathBuf,
}

fn place_call(tolk: &Tolk, sipp: &Path, ports: &Ports, caller: &str, callee: &str) -> Call {
    let (caller_log, callee_log) = (tolk.dir.join("caller.msg"), tolk.dir.join("callee.msg"));
    let callee = Scenario::file(callee)
        .calls(1)
        .port(ports.callee)
        .media_port(ports.callee_audio)
        .key("video_port", ports.callee_video)
        .message_log(&callee_log);
    let caller = Scenario::file(caller)
        .calling("room", ports.tolk)
        .calls(1)
        .port(ports.caller)
        .media_port(ports.caller_audio)
        .key("video_port", ports.caller_video)
        .message_log(&caller_log);
    Call {
        sipp: tolk.sipp_call(sipp, callee, caller),
        caller_log,
        callee_log,
    }
}

impl Call {
    /// The relay's video ports toward the caller and the callee, from the
    /// SDP the gateway sent them (waits up to 10 s for each answer).
    fn relay_video_ports(&self, ports: &Ports) -> (SocketAddr, SocketAddr) {
        (
            relay_port(&self.caller_log, "video", ports.caller_video),
            relay_port(&self.callee_log, "video", ports.callee_video),
        )
    }

    fn finish(self, tolk: &Tolk) {
        self.sipp.join().assert_success(tolk);
        tolk.assert_idle();
    }
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
    let ports = Ports {
        tolk: 29000,
        admin: 29100,
        caller: 29001,
        callee: 29002,
        relay: "50000-50099",
        caller_audio: 50500,
        callee_audio: 50520,
        caller_video: 50600,
        callee_video: 50700,
    };
    let tolk = Tolk::start("video-rtcp", &config(&ports, ""), ports.admin);
    let (a, b) = (
        MediaPeer::bind(ports.caller_video),
        MediaPeer::bind(ports.callee_video),
    );
    let call = place_call(&tolk, &sipp, &ports, "caller_video.xml", "callee_video.xml");
    let (to_a, to_b) = call.relay_video_ports(&ports);

    // H.264 both ways, each leg in its own payload type.
    let (sent_a, sent_b) =
        video_both_ways((&a, to_a, A_PT, A_SSRC), (&b, to_b, B_PT, B_SSRC), PACKETS);
    assert_eq!(
        sent_a,
        vec![(B_PT, A_SSRC); PACKETS.into()],
        "the caller's video at the callee, payload type rewritten\n{}",
        tolk.sipp_errors()
    );
    assert_eq!(sent_b, vec![(A_PT, B_SSRC); PACKETS.into()], "and back");

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
    let ports = Ports {
        tolk: 29010,
        admin: 29101,
        caller: 29011,
        callee: 29012,
        relay: "50100-50199",
        caller_audio: 50540,
        callee_audio: 50560,
        caller_video: 50610,
        callee_video: 50710,
    };
    let tolk = Tolk::start(
        "video-info",
        &config(&ports, "keyframe = \"info\""),
        ports.admin,
    );
    let (a, b) = (
        MediaPeer::bind(ports.caller_video),
        MediaPeer::bind(ports.callee_video),
    );
    let call = place_call(
        &tolk,
        &sipp,
        &ports,
        "caller_video_quiet.xml",
        "callee_video_info.xml",
    );
    let (to_a, to_b) = call.relay_video_ports(&ports);
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

/// The relay's port in the SDP a sipp peer received for `kind` (not the
/// peer's own `ours`, nor 0), waiting up to 10 s for it.
fn relay_port(log: &Path, kind: &str, ours: u16) -> SocketAddr {
    let mut found = None;
    wait_for(Duration::from_secs(10), || {
        found = relay_addr(log, kind, &[ours]);
        found.is_some()
    });
    found.expect("the relay's port")
}

#[test]
fn a_callee_answering_without_the_video_line_gets_audio_only() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let ports = Ports {
        tolk: 29020,
        admin: 29102,
        caller: 29021,
        callee: 29022,
        relay: "50200-50299",
        caller_audio: 50800,
        callee_audio: 50820,
        caller_video: 50810,
        callee_video: 50830,
    };
    let tolk = Tolk::start("video-uas", &config(&ports, ""), ports.admin);
    let (audio, video) = (
        MediaPeer::bind(ports.caller_audio),
        MediaPeer::bind(ports.caller_video),
    );
    // sipp's built-in uas answers every offer with one PCMU m-line and
    // echoes the RTP it gets.
    let _callee = tolk.callee(&sipp, ports.callee, ports.callee_audio);
    std::thread::sleep(Duration::from_millis(300));
    let log = tolk.dir.join("caller.msg");
    let av = Scenario::file("caller_av.xml")
        .calling("room", ports.tolk)
        .calls(1)
        .port(ports.caller)
        .media_port(50850)
        .key("audio_port", ports.caller_audio)
        .key("video_port", ports.caller_video)
        .message_log(&log);
    let caller = tolk.sipp_thread(&sipp, av);
    let to_relay = relay_port(&log, "audio", ports.caller_audio);
    assert_eq!(
        sdp_ports(&log, "video"),
        [ports.caller_video, 0],
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
    assert!(video.receive_rtp(1, Duration::from_millis(200)).is_empty());
    // The video session made for the offer is freed with the answer
    // (the gauge is sampled each second).
    assert!(
        wait_for(Duration::from_secs(3), || tolk
            .metric("tolk_relay_sessions")
            == 1),
        "the audio session only: {}",
        tolk.metric("tolk_relay_sessions")
    );

    let status = caller.join().expect("caller thread");
    assert!(
        status.success(),
        "caller {status:?}\n{}",
        tolk.sipp_errors()
    );
    tolk.assert_idle();
}

#[test]
fn video_added_mid_call_flows_and_its_removal_frees_the_session() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let ports = Ports {
        tolk: 29030,
        admin: 29103,
        caller: 29031,
        callee: 29032,
        relay: "50300-50399",
        caller_audio: 50900,
        callee_audio: 50920,
        caller_video: 50940,
        callee_video: 50960,
    };
    let tolk = Tolk::start("video-added", &config(&ports, ""), ports.admin);
    let (a, b) = (
        MediaPeer::bind(ports.caller_video),
        MediaPeer::bind(ports.callee_video),
    );
    // An audio call; the caller re-INVITEs adding video, which the
    // gateway answers and re-offers to the callee.
    let call = place_call(
        &tolk,
        &sipp,
        &ports,
        "caller_adds_video.xml",
        "callee_takes_video.xml",
    );
    let (to_a, to_b) = call.relay_video_ports(&ports);
    let (sent_a, sent_b) =
        video_both_ways((&a, to_a, A_PT, A_SSRC), (&b, to_b, B_PT, B_SSRC), PACKETS);
    assert_eq!(
        sent_a,
        vec![(B_PT, A_SSRC); PACKETS.into()],
        "the added video at the callee\n{}",
        tolk.sipp_errors()
    );
    assert_eq!(sent_b, vec![(A_PT, B_SSRC); PACKETS.into()], "and back");
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
    let ports = Ports {
        tolk: 29040,
        admin: 29104,
        caller: 29041,
        callee: 29042,
        relay: "50400-50499",
        caller_audio: 51000,
        callee_audio: 51020,
        caller_video: 51040,
        callee_video: 51060,
    };
    let tolk = Tolk::start("video-refused", &config(&ports, ""), ports.admin);
    let call = place_call(
        &tolk,
        &sipp,
        &ports,
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
    assert_eq!(lines[0], ports.caller_video);
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
