//! Interop with sipp (Debian `sip-tester`) on loopback, 1,000 calls per
//! direction and transport, zero failures:
//!
//! - sipp UAC -> the `uas` example (its code, run in-process), UDP and TCP;
//! - Tolk UAC -> sipp UAS, UDP and TCP;
//! - sipp REGISTER with Digest (MD5: sipp 3.6 has no SHA-256) -> the
//!   example's registrar, 100 registrations.
//!
//! Skips with a notice when sipp is not installed. Ports 27100-27199.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

#[path = "../examples/uas.rs"]
#[allow(dead_code)]
mod uas;

mod sipp_run;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use sipp_run::{call_and_hang_up, run_sipp, sipp, transport_flag};
use tolk_sip::transport::{Driver, DriverConfig, Target, Transport};
use tolk_sip::ua::{Invite, UaConfig, UserAgent};

const CALLS: u32 = 1000;

async fn sipp_uac_to_example_uas(transport: Transport, sipp_port: u16) {
    let Some(sipp) = sipp() else { return };
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (udp, tcp) = match transport {
        Transport::Udp => (Some(any), None),
        _ => (None, Some(any)),
    };
    let (handle, events) = uas::start(udp, tcp).await.unwrap();
    let server = handle.local_addr(transport).unwrap();
    let served = tokio::spawn(uas::serve(
        handle,
        events,
        false,
        Some(u64::from(CALLS)),
        None,
    ));
    let args: Vec<String> = [
        "-sn",
        "uac",
        &server.to_string(),
        "-i",
        "127.0.0.1",
        "-p",
        &sipp_port.to_string(),
        "-t",
        transport_flag(transport),
        "-m",
        &CALLS.to_string(),
        "-r",
        "200",
        "-l",
        "100",
        "-d",
        "0",
        "-nostdin",
        "-timeout",
        "100",
        "-timeout_error",
        "-max_socket",
        "100",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let code = run_sipp(&sipp, &args, 110).await;
    assert_eq!(
        code, 0,
        "sipp UAC over {transport}: every call must succeed (exit 0)"
    );
    let stats = tokio::time::timeout(Duration::from_secs(10), served)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stats.answered, stats.ended),
        (u64::from(CALLS), u64::from(CALLS)),
        "{transport}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_to_tolk_uas_over_udp() {
    sipp_uac_to_example_uas(Transport::Udp, 27101).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_to_tolk_uas_over_tcp() {
    sipp_uac_to_example_uas(Transport::Tcp, 27102).await;
}

const OFFER: &str = "v=0\r\no=tolk 1 1 IN IP4 127.0.0.1\r\ns=tolk\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";

async fn tolk_uac_to_sipp_uas(transport: Transport, sipp_port: u16) {
    let Some(sipp) = sipp() else { return };
    let args: Vec<String> = [
        "-sn",
        "uas",
        "-i",
        "127.0.0.1",
        "-p",
        &sipp_port.to_string(),
        "-t",
        transport_flag(transport),
        "-m",
        &CALLS.to_string(),
        "-nostdin",
        "-timeout",
        "100",
        "-timeout_error",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let sipp_run = tokio::spawn(async move { run_sipp(&sipp, &args, 110).await });
    tokio::time::sleep(Duration::from_millis(500)).await; // sipp binds its port

    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let config = match transport {
        Transport::Udp => DriverConfig {
            udp: Some(any),
            ..DriverConfig::default()
        },
        _ => DriverConfig {
            tcp: Some(any),
            ..DriverConfig::default()
        },
    };
    let (ua, mut events) = Driver::spawn(UserAgent::new(UaConfig::default()), config)
        .await
        .unwrap();
    let target = Target {
        transport,
        addr: SocketAddr::from(([127, 0, 0, 1], sipp_port)),
    };
    let invite = || Invite {
        from: "<sip:tolk@127.0.0.1>".into(),
        to: "<sip:service@127.0.0.1>".into(),
        request_uri: format!("sip:service@127.0.0.1:{sipp_port}"),
        target,
        sdp: Bytes::from_static(OFFER.as_bytes()),
        headers: vec![],
        credentials: None,
    };
    let limit = Duration::from_secs(100);
    let ended = call_and_hang_up(&ua, &mut events, invite, (CALLS, 50), limit, |_| {}).await;
    let (ok, failed) = (ended.by_bye, ended.otherwise);
    assert!(
        ended.in_time,
        "calls finished in time ({ok} ok, {failed} failed)"
    );
    assert_eq!(
        (ok, failed),
        (CALLS, 0),
        "Tolk UAC -> sipp UAS over {transport}"
    );
    assert_eq!(
        sipp_run.await.unwrap(),
        0,
        "sipp UAS over {transport} saw every call succeed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolk_uac_to_sipp_uas_over_udp() {
    tolk_uac_to_sipp_uas(Transport::Udp, 27111).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolk_uac_to_sipp_uas_over_tcp() {
    tolk_uac_to_sipp_uas(Transport::Tcp, 27112).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_register_with_digest_to_tolk_registrar() {
    let Some(sipp) = sipp() else { return };
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (handle, events) = uas::start(Some(any), None).await.unwrap();
    let server = handle.local_addr(Transport::Udp).unwrap();
    let registration = uas::Registration::new("alice", "wonderland");
    let served = tokio::spawn(uas::serve(
        handle,
        events,
        false,
        Some(100),
        Some(registration),
    ));
    let scenario = sipp_run::scenario("register_digest.xml");
    let args: Vec<String> = [
        &server.to_string(),
        "-sf",
        &scenario,
        "-i",
        "127.0.0.1",
        "-p",
        "27121",
        "-m",
        "100",
        "-r",
        "100",
        "-nostdin",
        "-timeout",
        "60",
        "-timeout_error",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        run_sipp(&sipp, &args, 70).await,
        0,
        "every REGISTER got its challenge and then 200"
    );
    let stats = tokio::time::timeout(Duration::from_secs(10), served)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stats.registered, 100);
}
