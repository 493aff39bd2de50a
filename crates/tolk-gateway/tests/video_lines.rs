//! A caller offering two video m-lines (main video and an RFC 4796
//! `a=content:slides` presentation) through `tolk run` to a callee with
//! one: the main video is bridged, the slides line is answered with port
//! 0, and the call goes on. sipp carries the signalling; the video
//! m-lines point at sockets the test owns.

mod harness;

use std::time::Duration;

use harness::{NodeConfig, Scenario, Tolk, relay_addr, sdp_ports, wait_for};
use tolk_testkit::media_peer::MediaPeer;

/// SIP and admin ports 41430-41434, media 16500-16699.
const TOLK: u16 = 41430;
const ADMIN: u16 = 41431;
const CALLER: u16 = 41432;
const CALLEE: u16 = 41433;
const MAIN: u16 = 16600;
const SLIDES: u16 = 16610;
const CALLEE_VIDEO: u16 = 16620;
/// The payload types of H.264 on the caller's lines and the callee's.
const A_PT: u8 = 109;
const B_PT: u8 = 97;
const PACKETS: u16 = 20;

fn config() -> String {
    NodeConfig::new(TOLK, ADMIN, "16500-16549")
        .media_timeout(30)
        .plain_peer("room", CALLEE, "")
        .route("room", "peer:room")
        .to_string()
}

#[test]
fn a_second_video_line_is_refused_while_the_main_video_flows() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let tolk = Tolk::start("video-lines", &config(), ADMIN);
    let (main, slides, b) = (
        MediaPeer::bind(MAIN),
        MediaPeer::bind(SLIDES),
        MediaPeer::bind(CALLEE_VIDEO),
    );
    let callee = Scenario::file("callee_video.xml")
        .port(CALLEE)
        .media_port(16630)
        .calls(1)
        .key("video_port", CALLEE_VIDEO);
    let caller = Scenario::file("caller_main_and_slides.xml")
        .calling("room", TOLK)
        .port(CALLER)
        .media_port(16640)
        .calls(1)
        .key("video_port", MAIN)
        .key("slides_port", SLIDES)
        .args(&["-d", "4000"]);
    let call = tolk.logged_call(&sipp, callee, caller);

    let mut relay = (None, None);
    wait_for(Duration::from_secs(10), || {
        relay = (
            relay_addr(&call.caller_log, "video", &[MAIN, SLIDES]),
            relay_addr(&call.callee_log, "video", &[CALLEE_VIDEO]),
        );
        relay.0.is_some() && relay.1.is_some() && tolk.calls().to_string().contains("H264")
    });
    let (Some(to_a), Some(to_b)) = relay else {
        panic!("no video port for both legs\n{}", tolk.sipp_errors());
    };
    assert_eq!(
        sdp_ports(&call.callee_log, "video").len(),
        2,
        "the callee is offered one video line (and answers it)"
    );

    tolk.assert_video_both_ways(
        (&main, to_a, A_PT, 0xa0),
        (&b, to_b, B_PT, 0xb0),
        PACKETS,
        "the main video at the callee",
    );
    assert!(
        slides.receive_rtp(1, Duration::from_millis(300)).is_empty(),
        "nothing is sent to the refused slides line"
    );

    call.finish(&tolk);
}
