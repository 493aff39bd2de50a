//! Keyframe requests for a room system's slides (RFC 4796
//! `a=content:slides`) through `tolk run`: an RFC 5168 INFO whose
//! `stream_id` names the caller's slides line (its RFC 4574 `a=label`)
//! reaches the callee as a PLI on the slides stream, not the main video;
//! a PLI the callee sends on the slides reaches the caller, which takes
//! keyframe requests as INFO only, as an INFO naming its slides line.
//! sipp carries the signalling (its scenarios check the INFO); the video
//! m-lines point at sockets the test owns.

mod harness;

use std::net::SocketAddr;
use std::time::Duration;

use harness::{NodeConfig, Scenario, Tolk, await_relay_lines};
use tolk_media::rtcp::keyframe::requests;
use tolk_media::rtcp::parse_compound;
use tolk_testkit::media_peer::{MediaPeer, rr_and_pli};

/// SIP and admin ports 42400-42404, relay 26100-26129, the peers'
/// media 26130-26149.
const TOLK: u16 = 42400;
const ADMIN: u16 = 42401;
const CALLER: u16 = 42402;
const CALLEE: u16 = 42403;
const A_MAIN: u16 = 26130;
const A_SLIDES: u16 = 26132;
const B_MAIN: u16 = 26134;
const B_SLIDES: u16 = 26136;
/// H.264's payload type on the caller's lines and on the callee's.
const A_PT: u8 = 109;
const B_PT: u8 = 97;
const A_SSRC: u32 = 0xa1a1_0012;
const B_SSRC: u32 = 0xb1b1_0012;

fn rtcp_port(rtp: SocketAddr) -> SocketAddr {
    SocketAddr::new(rtp.ip(), rtp.port() + 1)
}

#[test]
fn an_info_naming_the_slides_asks_the_slides_and_a_pli_on_them_comes_back_named() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(TOLK, ADMIN, "26100-26129")
        .media_timeout(30)
        .callee("room", CALLEE, "");
    let tolk = Tolk::run("slides-keyframes", &config);
    let [_a_main, a_slides, b_main, b_slides] =
        [A_MAIN, A_SLIDES, B_MAIN, B_SLIDES].map(MediaPeer::bind);
    let callee = Scenario::once("callee_slides_feedback.xml", CALLEE, 26144)
        .key("video_port", B_MAIN)
        .key("slides_port", B_SLIDES);
    // The caller's INFO goes 3 s after its ACK: the slides flow by then.
    let caller = Scenario::once("caller_slides_keyframes.xml", CALLER, 26140)
        .calling("room", TOLK)
        .key("video_port", A_MAIN)
        .key("slides_port", A_SLIDES)
        .args(&["-d", "3000"]);
    let call = tolk.logged_call(&sipp, callee, caller);
    let to_a = await_relay_lines(&call.caller_log, "video", &[A_MAIN, A_SLIDES], 2);
    let to_b = await_relay_lines(&call.callee_log, "video", &[B_MAIN, B_SLIDES], 2);
    let offered = std::fs::read_to_string(&call.callee_log).unwrap_or_default();
    assert!(
        offered.contains("a=label:12"),
        "the callee learns the slides' label"
    );

    // The slides flow, so the relay knows the SSRC each side sends.
    tolk.assert_video_both_ways(
        (&a_slides, to_a[1], A_PT, A_SSRC),
        (&b_slides, to_b[1], B_PT, B_SSRC),
        10,
        "the slides at the callee",
    );

    // The caller's INFO with stream_id 12: a PLI from the relay's slides
    // RTCP port to the callee's, naming the slides it sends.
    let (pli, from) = b_slides
        .receive_rtcp(Duration::from_secs(8))
        .unwrap_or_else(|| panic!("a PLI on the slides\n{}", tolk.sipp_errors()));
    let packets = parse_compound(&pli).expect("valid RTCP");
    let asked: Vec<u32> = requests(&packets).map(|r| r.media_ssrc()).collect();
    assert_eq!(asked, [B_SSRC], "{pli:?}");
    assert_eq!(from, rtcp_port(to_b[1]));
    assert!(
        b_main.receive_rtcp(Duration::from_millis(300)).is_none(),
        "nothing asked of the main video"
    );

    // The callee's PLI on the slides: the caller (no RTCP feedback)
    // gets an INFO with stream_id 12, which its scenario checks.
    b_slides
        .rtcp
        .send_to(&rr_and_pli(B_SSRC, A_SSRC), rtcp_port(to_b[1]))
        .expect("send PLI");
    call.finish(&tolk);
    assert_eq!(tolk.metric("tolk_keyframe_requests_total{via=\"rtcp\"}"), 1);
    assert_eq!(tolk.metric("tolk_keyframe_requests_total{via=\"info\"}"), 1);
}
