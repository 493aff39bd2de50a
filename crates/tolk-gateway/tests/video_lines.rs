//! A caller offering two video m-lines (main video and an RFC 4796
//! `a=content:slides` presentation) through `tolk run`. A callee taking
//! both gets each on its own relay stream, H.264 flowing both ways on
//! each with payload types rewritten, until the caller ends the slides
//! with a re-INVITE (its session freed, the main video going on); a
//! callee taking one gets the main video while the slides line is
//! answered with port 0 and the call goes on. sipp carries the
//! signalling; the video m-lines point at sockets the test owns.

mod harness;

use std::net::SocketAddr;
use std::path::Path;
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

/// The relay's video ports in a peer's message log, in m-line order:
/// those that are neither the peer's own (`own`) nor 0.
fn relay_video_ports(message_log: &Path, own: &[u16]) -> Vec<SocketAddr> {
    let ports = sdp_ports(message_log, "video").into_iter();
    ports
        .filter(|port| !own.contains(port) && *port != 0)
        .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
        .collect()
}

#[test]
fn main_video_and_slides_each_flow_on_their_own_stream_until_the_slides_end() {
    /// SIP and admin ports 42000-42004, media 20000-20199.
    const TOLK: u16 = 42000;
    const ADMIN: u16 = 42001;
    const CALLER: u16 = 42002;
    const CALLEE: u16 = 42003;
    const A_MAIN: u16 = 20100;
    const A_SLIDES: u16 = 20110;
    const B_MAIN: u16 = 20120;
    const B_SLIDES: u16 = 20130;
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(TOLK, ADMIN, "20000-20059")
        .media_timeout(30)
        .plain_peer("room", CALLEE, "")
        .route("room", "peer:room")
        .to_string();
    let tolk = Tolk::start("video-slides", &config, ADMIN);
    let [a_main, a_slides, b_main, b_slides] =
        [A_MAIN, A_SLIDES, B_MAIN, B_SLIDES].map(MediaPeer::bind);
    let callee = Scenario::file("callee_main_and_slides.xml")
        .port(CALLEE)
        .media_port(20140)
        .calls(1)
        .key("video_port", B_MAIN)
        .key("slides_port", B_SLIDES);
    let caller = Scenario::file("caller_slides_ended.xml")
        .calling("room", TOLK)
        .port(CALLER)
        .media_port(20150)
        .calls(1)
        .key("video_port", A_MAIN)
        .key("slides_port", A_SLIDES)
        .args(&["-d", "4000"]);
    let call = tolk.logged_call(&sipp, callee, caller);

    let (mut to_a, mut to_b) = (Vec::new(), Vec::new());
    wait_for(Duration::from_secs(10), || {
        to_a = relay_video_ports(&call.caller_log, &[A_MAIN, A_SLIDES]);
        to_b = relay_video_ports(&call.callee_log, &[B_MAIN, B_SLIDES]);
        to_a.len() >= 2 && to_b.len() >= 2 && tolk.metric("tolk_relay_sessions") == 3
    });
    assert!(
        to_a.len() >= 2 && to_b.len() >= 2,
        "two relay video ports toward each leg: {to_a:?} {to_b:?}\n{}",
        tolk.sipp_errors()
    );
    assert_eq!(
        tolk.metric("tolk_relay_sessions"),
        3,
        "audio, main video, slides"
    );
    assert_ne!(to_a[0], to_a[1], "each video line on its own port");
    let offered = std::fs::read_to_string(&call.callee_log).unwrap_or_default();
    assert!(
        offered.contains("a=content:main") && offered.contains("a=content:slides"),
        "the callee learns which line is the presentation"
    );
    tolk.assert_video_both_ways(
        (&a_main, to_a[0], A_PT, 0xa0),
        (&b_main, to_b[0], B_PT, 0xb0),
        PACKETS,
        "the main video at the callee",
    );
    tolk.assert_video_both_ways(
        (&a_slides, to_a[1], A_PT, 0xa1),
        (&b_slides, to_b[1], B_PT, 0xb1),
        PACKETS,
        "the slides at the callee",
    );

    // The caller ends the slides: their session goes, the main video stays.
    let ended = wait_for(Duration::from_secs(10), || {
        tolk.metric("tolk_relay_sessions") == 2
    });
    assert!(
        ended,
        "the slides' relay session freed\n{}",
        tolk.sipp_errors()
    );
    tolk.assert_video_both_ways(
        (&a_main, to_a[0], A_PT, 0xa2),
        (&b_main, to_b[0], B_PT, 0xb2),
        PACKETS,
        "the main video goes on",
    );
    a_slides.send_video(to_a[1], A_PT, 0xa3, 5);
    assert!(
        b_slides
            .receive_rtp(1, Duration::from_millis(300))
            .is_empty(),
        "nothing carried on the ended slides stream"
    );

    call.finish(&tolk);
}

fn config() -> String {
    NodeConfig::new(TOLK, ADMIN, "16500-16549")
        .media_timeout(30)
        .plain_peer("room", CALLEE, "")
        .route("room", "peer:room")
        .to_string()
}

#[test]
fn a_callee_taking_one_video_line_leaves_the_slides_refused() {
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
        3,
        "the callee is offered both video lines and answers one"
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
