//! A late-offer caller (INVITE without SDP) gets video: the callee is
//! offered what the caller's policy allows, on one video line or, when
//! the callee's policy has `late_offer_video_lines = 2`, a main video
//! line and a slides line, and our offer to the caller in the 200
//! carries every video line the callee took, each on its own stream. sipp
//! carries the signalling; the video m-lines point at sockets the test
//! owns, and H.264 crosses the relay both ways on each.

mod harness;

use std::net::SocketAddr;
use std::time::Duration;

use harness::{NodeConfig, Scenario, Tolk, await_relay_lines, sdp_ports, wait_for};
use tolk_testkit::media_peer::MediaPeer;

/// SIP and admin ports 41420-41424, media 16300-16499.
const TOLK: u16 = 41420;
const ADMIN: u16 = 41421;
const CALLER: u16 = 41422;
const CALLEE: u16 = 41423;
const CALLER_VIDEO: u16 = 16400;
const CALLEE_VIDEO: u16 = 16410;
/// The callee's H.264 payload type (callee_video.xml).
const B_PT: u8 = 97;
const PACKETS: u16 = 20;

fn config() -> NodeConfig {
    NodeConfig::new(TOLK, ADMIN, "16300-16349")
        .media_timeout(30)
        .callee("room", CALLEE, "")
}

/// The relay's main video address: the first `m=video` port in `log`
/// that is neither the peer's own nor 0.
fn relay_video(log: &std::path::Path, own: u16) -> Option<SocketAddr> {
    let port = sdp_ports(log, "video")
        .into_iter()
        .find(|port| *port != own && *port != 0)?;
    Some(SocketAddr::from(([127, 0, 0, 1], port)))
}

/// The payload type of the first `m=video` line with a nonzero port
/// the caller (whose own video port is `CALLER_VIDEO`) received: our
/// offer in the 200.
fn offered_video_pt(log: &std::path::Path) -> Option<u8> {
    offered_pt(log, &[CALLER_VIDEO])
}

/// The payload type of the first `m=video` line in `log` with a port
/// neither 0 nor one of `own`.
fn offered_pt(log: &std::path::Path, own: &[u16]) -> Option<u8> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("m=video ")?;
        let mut words = rest.split(' ');
        let port: u16 = words.next()?.parse().ok()?;
        (port != 0 && !own.contains(&port))
            .then(|| words.nth(1)?.parse().ok())
            .flatten()
    })
}

#[test]
fn a_late_offer_caller_is_offered_the_video_the_callee_took() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let tolk = Tolk::run("late-offer-video", &config());
    let (a, b) = (MediaPeer::bind(CALLER_VIDEO), MediaPeer::bind(CALLEE_VIDEO));
    let callee = Scenario::once("callee_video.xml", CALLEE, 16420).key("video_port", CALLEE_VIDEO);
    let caller = Scenario::once("late_caller_video.xml", CALLER, 16430)
        .calling("room", TOLK)
        .key("video_port", CALLER_VIDEO)
        .args(&["-d", "4000"]);
    let call = tolk.logged_call(&sipp, callee, caller);

    let mut relay = (None, None);
    wait_for(Duration::from_secs(10), || {
        relay = (
            relay_video(&call.caller_log, CALLER_VIDEO),
            relay_video(&call.callee_log, CALLEE_VIDEO),
        );
        relay.0.is_some() && relay.1.is_some() && tolk.calls().to_string().contains("H264")
    });
    let (Some(to_a), Some(to_b)) = relay else {
        panic!("no video port for both legs\n{}", tolk.sipp_errors());
    };
    let a_pt = offered_video_pt(&call.caller_log).expect("video in our offer to the caller");
    let to_callee = sdp_ports(&call.callee_log, "video");
    assert_eq!(
        to_callee.iter().filter(|p| **p != CALLEE_VIDEO).count(),
        1,
        "by default the callee is offered one video line {to_callee:?}"
    );
    let offered = sdp_ports(&call.caller_log, "video");
    assert_eq!(
        offered.iter().filter(|p| **p != CALLER_VIDEO).count(),
        1,
        "one video line offered to the caller {offered:?}"
    );

    tolk.assert_video_both_ways(
        (&a, to_a, a_pt, 0xa0),
        (&b, to_b, B_PT, 0xb0),
        PACKETS,
        "the caller's video at the callee",
    );

    call.finish(&tolk);
}

#[test]
fn a_late_offer_caller_gets_the_main_video_and_the_slides_the_callee_took() {
    /// SIP and admin ports 42410-42414, relay 26150-26164, the peers'
    /// media 26180-26191.
    const TOLK: u16 = 42410;
    const ADMIN: u16 = 42411;
    const CALLER: u16 = 42412;
    const CALLEE: u16 = 42413;
    const A_MAIN: u16 = 26180;
    const A_SLIDES: u16 = 26182;
    const B_MAIN: u16 = 26184;
    const B_SLIDES: u16 = 26186;
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(TOLK, ADMIN, "26150-26164")
        .media_timeout(30)
        .callee("room", CALLEE, "late_offer_video_lines = 2");
    let tolk = Tolk::run("late-offer-slides", &config);
    let [a_main, a_slides, b_main, b_slides] =
        [A_MAIN, A_SLIDES, B_MAIN, B_SLIDES].map(MediaPeer::bind);
    let callee = Scenario::once("callee_slides_feedback.xml", CALLEE, 26189)
        .key("video_port", B_MAIN)
        .key("slides_port", B_SLIDES);
    let caller = Scenario::once("late_caller_slides.xml", CALLER, 26188)
        .calling("room", TOLK)
        .key("video_port", A_MAIN)
        .key("slides_port", A_SLIDES)
        .args(&["-d", "4000"]);
    let call = tolk.logged_call(&sipp, callee, caller);
    let to_a = await_relay_lines(&call.caller_log, "video", &[A_MAIN, A_SLIDES], 2);
    let to_b = await_relay_lines(&call.callee_log, "video", &[B_MAIN, B_SLIDES], 2);
    assert_ne!(to_a[0], to_a[1], "each video line on its own port");
    let a_pt = offered_pt(&call.caller_log, &[A_MAIN, A_SLIDES]).expect("video offered");
    // The caller's ACK answered: both legs list both video streams.
    let bridged = wait_for(Duration::from_secs(10), || {
        tolk.calls()
            .to_string()
            .matches("\"kind\":\"video\"")
            .count()
            == 4
    });
    assert!(bridged, "both lines on both legs: {}", tolk.calls());
    let sessions = wait_for(Duration::from_secs(5), || {
        tolk.metric("tolk_relay_sessions") == 3
    });
    assert!(sessions, "audio, main video and slides on relay sessions");

    tolk.assert_video_both_ways(
        (&a_main, to_a[0], a_pt, 0xa0),
        (&b_main, to_b[0], B_PT, 0xb0),
        PACKETS,
        "the main video at the callee",
    );
    tolk.assert_video_both_ways(
        (&a_slides, to_a[1], a_pt, 0xa1),
        (&b_slides, to_b[1], B_PT, 0xb1),
        PACKETS,
        "the slides at the callee",
    );

    call.finish(&tolk);
}

#[test]
fn slides_a_late_offer_caller_refuses_are_freed_and_taken_back_from_the_callee() {
    /// SIP and admin ports 42420-42424, relay 26165-26179, the peers'
    /// media 26192-26199.
    const TOLK: u16 = 42420;
    const ADMIN: u16 = 42421;
    const CALLER: u16 = 42422;
    const CALLEE: u16 = 42423;
    const A_MAIN: u16 = 26192;
    const B_MAIN: u16 = 26194;
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(TOLK, ADMIN, "26165-26179")
        .media_timeout(30)
        .callee("room", CALLEE, "late_offer_video_lines = 2");
    let tolk = Tolk::run("late-offer-no-slides", &config);
    let (a_main, b_main) = (MediaPeer::bind(A_MAIN), MediaPeer::bind(B_MAIN));
    // The callee takes both lines, then answers the re-INVITE ending
    // the slides (its scenario fails without it).
    let callee = Scenario::once("callee_main_and_slides.xml", CALLEE, 26197)
        .key("video_port", B_MAIN)
        .key("slides_port", 26198);
    let caller = Scenario::once("late_caller_refuses_slides.xml", CALLER, 26196)
        .calling("room", TOLK)
        .key("video_port", A_MAIN)
        .args(&["-d", "4000"]);
    let call = tolk.logged_call(&sipp, callee, caller);
    let to_a = await_relay_lines(&call.caller_log, "video", &[A_MAIN], 2);
    let to_b = await_relay_lines(&call.callee_log, "video", &[B_MAIN, 26198], 2);
    let a_pt = offered_pt(&call.caller_log, &[A_MAIN]).expect("video offered");
    let freed = wait_for(Duration::from_secs(10), || {
        tolk.metric("tolk_relay_sessions") == 2
    });
    assert!(
        freed,
        "the refused slides' relay session freed\n{}",
        tolk.sipp_errors()
    );
    tolk.assert_video_both_ways(
        (&a_main, to_a[0], a_pt, 0xa0),
        (&b_main, to_b[0], B_PT, 0xb0),
        PACKETS,
        "the main video at the callee",
    );
    call.finish(&tolk);
}
