//! Interop with sipp for the call extensions, on loopback over UDP:
//!
//! - RFC 3262: a sipp caller requiring 100rel -> a Tolk UAS whose 183
//!   with early media is PRACKed before its 200 goes out; a Tolk caller
//!   -> a sipp callee ringing with a reliable 180, PRACKed by Tolk.
//! - RFC 4028: a sipp caller asking for a 4 s session refreshed by the
//!   callee -> a Tolk UAS that grants it and refreshes with UPDATE.
//!
//! The scenarios are in `tests/sipp/`. Skips with a notice when sipp is
//! not installed. Ports 27200-27299.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

mod sipp_run;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use sipp_run::{args, call_and_hang_up, run_sipp, scenario, sipp};
use tokio::sync::mpsc::UnboundedReceiver;
use tolk_sip::transport::{Driver, DriverConfig, DriverHandle, Target, Transport};
use tolk_sip::ua::{EndReason, Invite, UaConfig, UaEvent, UserAgent};

const CALLS: u32 = 100;
const SDP: &str = "v=0\r\no=tolk 1 1 IN IP4 127.0.0.1\r\ns=tolk\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";

async fn start(config: UaConfig) -> (DriverHandle<UserAgent>, UnboundedReceiver<UaEvent>) {
    let driver = DriverConfig {
        udp: Some("127.0.0.1:0".parse().unwrap()),
        ..DriverConfig::default()
    };
    Driver::spawn(UserAgent::new(config), driver).await.unwrap()
}

/// What a Tolk UAS saw over a run.
#[derive(Debug, Default, PartialEq, Eq)]
struct Seen {
    pracks: u32,
    ended_by_bye: u32,
    ended_otherwise: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_requiring_100rel_to_tolk_uas() {
    let Some(sipp) = sipp() else { return };
    let (ua, mut events) = start(UaConfig::default()).await;
    let server = ua.local_addr(Transport::Udp).unwrap();
    let served = tokio::spawn(async move {
        let mut seen = Seen::default();
        while seen.ended_by_bye + seen.ended_otherwise < CALLS {
            match events.recv().await.unwrap() {
                UaEvent::IncomingCall { dialog, .. } => {
                    ua.with(move |ua, now| {
                        // Early media, then the answer, which the core
                        // holds until the PRACK (the 183 carried SDP).
                        ua.answer(now, dialog, 183, Bytes::from_static(SDP.as_bytes()))?;
                        ua.answer(now, dialog, 200, Bytes::from_static(SDP.as_bytes()))
                    })
                    .await
                    .unwrap()
                    .unwrap();
                }
                UaEvent::Prack { .. } => seen.pracks += 1,
                UaEvent::Terminated {
                    reason: EndReason::RemoteBye,
                    ..
                } => seen.ended_by_bye += 1,
                UaEvent::Terminated { .. } => seen.ended_otherwise += 1,
                _ => {}
            }
        }
        seen
    });
    let code = run_sipp(
        &sipp,
        &args(&[
            &server.to_string(),
            "-sf",
            &scenario("uac_100rel.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            "27201",
            "-m",
            &CALLS.to_string(),
            "-r",
            "50",
            "-nostdin",
            "-timeout",
            "60",
            "-timeout_error",
        ]),
        70,
    )
    .await;
    assert_eq!(code, 0, "every sipp call got its reliable 183 and 200");
    let seen = tokio::time::timeout(Duration::from_secs(10), served)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        seen,
        Seen {
            pracks: CALLS,
            ended_by_bye: CALLS,
            ended_otherwise: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolk_uac_to_sipp_uas_ringing_reliably() {
    let Some(sipp) = sipp() else { return };
    const PORT: u16 = 27211;
    let sipp_args = args(&[
        "-sf",
        &scenario("uas_100rel.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        &PORT.to_string(),
        "-m",
        &CALLS.to_string(),
        "-nostdin",
        "-timeout",
        "60",
        "-timeout_error",
    ]);
    let sipp_run = tokio::spawn(async move { run_sipp(&sipp, &sipp_args, 70).await });
    tokio::time::sleep(Duration::from_millis(500)).await; // sipp binds its port

    let (ua, mut events) = start(UaConfig::default()).await;
    let target = Target {
        transport: Transport::Udp,
        addr: SocketAddr::from(([127, 0, 0, 1], PORT)),
    };
    let invite = || Invite {
        from: "<sip:tolk@127.0.0.1>".into(),
        to: "<sip:service@127.0.0.1>".into(),
        request_uri: format!("sip:service@127.0.0.1:{PORT}"),
        target,
        sdp: Bytes::from_static(SDP.as_bytes()),
        headers: vec![],
        credentials: None,
    };
    let mut reliable_rings = 0u32;
    let count_reliable_rings = |event: &UaEvent| {
        if let UaEvent::Progress { response, .. } = event
            && response.headers().rseq().unwrap() == Some(1)
        {
            reliable_rings += 1;
        }
    };
    let limit = Duration::from_secs(60);
    let ended = call_and_hang_up(
        &ua,
        &mut events,
        invite,
        (CALLS, 10),
        limit,
        count_reliable_rings,
    )
    .await;
    let (ok, failed) = (ended.by_bye, ended.otherwise);
    assert!(ended.in_time, "calls finished ({ok} ok, {failed} failed)");
    assert_eq!((ok, failed, reliable_rings), (CALLS, 0, CALLS));
    assert_eq!(sipp_run.await.unwrap(), 0, "sipp saw every PRACK and BYE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_with_session_timer_to_tolk_uas_refreshing() {
    let Some(sipp) = sipp() else { return };
    const TIMED_CALLS: u32 = 20;
    let config = UaConfig {
        min_se: 2, // below RFC 4028's 90 s floor, to see refreshes quickly
        ..UaConfig::default()
    };
    let (ua, mut events) = start(config).await;
    let server = ua.local_addr(Transport::Udp).unwrap();
    let served = tokio::spawn(async move {
        let (mut ours, mut ended) = (0u32, 0u32);
        while ended < TIMED_CALLS {
            match events.recv().await.unwrap() {
                UaEvent::IncomingCall { dialog, .. } => {
                    ua.with(move |ua, now| {
                        ua.answer(now, dialog, 200, Bytes::from_static(SDP.as_bytes()))
                    })
                    .await
                    .unwrap()
                    .unwrap();
                }
                UaEvent::SessionRefreshed {
                    interval,
                    we_refresh: true,
                    ..
                } if interval == Duration::from_secs(4) => ours += 1,
                UaEvent::Terminated { reason, .. } => {
                    assert_eq!(reason, EndReason::RemoteBye);
                    ended += 1;
                }
                _ => {}
            }
        }
        ours
    });
    let code = run_sipp(
        &sipp,
        &args(&[
            &server.to_string(),
            "-sf",
            &scenario("uac_session_timer.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            "27221",
            "-m",
            &TIMED_CALLS.to_string(),
            "-r",
            "10",
            "-nostdin",
            "-timeout",
            "60",
            "-timeout_error",
        ]),
        70,
    )
    .await;
    assert_eq!(
        code, 0,
        "every sipp call got the timer and an UPDATE refresh"
    );
    let ours = tokio::time::timeout(Duration::from_secs(10), served)
        .await
        .unwrap()
        .unwrap();
    // Per call: the 2xx to our UPDATE refreshed the timer we keep.
    assert_eq!(ours, TIMED_CALLS);
}
