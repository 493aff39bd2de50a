//! A late-offer caller (INVITE without SDP) gets video: the callee is
//! offered what the caller's policy allows, video included, and once it
//! answers with video, our offer to the caller in the 200 carries it
//! too. sipp carries the signalling; the video m-lines point at sockets
//! the test owns, and H.264 crosses the relay both ways.

mod harness;

use std::net::SocketAddr;
use std::time::Duration;

use harness::{NodeConfig, Scenario, Tolk, sdp_ports, wait_for};
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

/// The relay's video address: the last `m=video` port in `log` that is
/// neither the peer's own nor 0.
fn relay_video(log: &std::path::Path, own: u16) -> Option<SocketAddr> {
    let port = sdp_ports(log, "video")
        .into_iter()
        .rfind(|port| *port != own && *port != 0)?;
    Some(SocketAddr::from(([127, 0, 0, 1], port)))
}

/// The payload type of the first `m=video` line with a nonzero port
/// the caller received (our offer in the 200).
fn offered_video_pt(log: &std::path::Path) -> Option<u8> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("m=video ")?;
        let mut words = rest.split(' ');
        let port: u16 = words.next()?.parse().ok()?;
        (port != 0 && port != CALLER_VIDEO)
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

    tolk.assert_video_both_ways(
        (&a, to_a, a_pt, 0xa0),
        (&b, to_b, B_PT, 0xb0),
        PACKETS,
        "the caller's video at the callee",
    );

    call.finish(&tolk);
}
