//! baresip, a real softphone, calls through `tolk run`: the `echo` target
//! (plain RTP, and SDES-SRTP offered as optional, i.e. RTP/AVP with
//! `a=crypto`, which the echo target answers with plain RTP), another
//! baresip registered at Tolk's registrar, and a plain-RTP sipp peer
//! called with mandatory SDES-SRTP (re-keyed in the relay). The gateway and the phones run
//! in one private network namespace; tshark on its loopback counts the RTP
//! packets of every flow.

mod harness;

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::process::Stdio;
use std::time::Duration;

use harness::{NodeConfig, Running, Scene, wait_for};
use tolk_testkit::baresip::BaresipAccount;
use tolk_testkit::capture::{self, packets_between as packets};

/// A call lasts this long; at 50 packets/s each way that is 250.
const CALL_SECS: u32 = 5;
/// Packets each way that prove the media flowed for most of the call.
const MIN_PACKETS: u64 = 150;

/// The gateway's ports in one scenario; phones use the next tens of SIP
/// ports (baresip takes its SIP port for UDP and TCP and the next for TLS)
/// and the next hundreds of media ports.
struct Ports {
    sip: u16,
    admin: u16,
    media: u16,
}

impl Ports {
    fn phone(&self, index: u16, user: &str, mediaenc: Option<&str>) -> BaresipAccount {
        let media = self.media + 100 * (index + 1);
        BaresipAccount {
            user: user.into(),
            sip: ([127, 0, 0, 1], self.sip + 10 * (index + 1)).into(),
            rtp_ports: (media, media + 99),
            mediaenc: mediaenc.map(str::to_owned),
            registrar: None,
            password: None,
            auto_answer: false,
        }
    }
}

/// The gateway of a scenario: the echo, the plain-RTP peer `plain` (a
/// sipp callee 50 SIP ports up) and the registrar.
fn gateway_config(ports: &Ports) -> NodeConfig {
    let media = format!("{}-{}", ports.media, ports.media + 99);
    NodeConfig::new(ports.sip, ports.admin, &media)
        // The default: these calls are never silent.
        .media_timeout(60)
        .plain_peer("plain", ports.sip + 50, "")
        .route("^echo$", "echo")
        .route("^plain$", "peer:plain")
        .route(".+", "registrar")
}

fn rtp_range(account: &BaresipAccount) -> RangeInclusive<u16> {
    account.rtp_ports.0..=account.rtp_ports.1
}

fn echo_call(name: &str, mediaenc: Option<&str>, ports: Ports) {
    let Some(scene) = Scene::start(name, &gateway_config(&ports)) else {
        return;
    };
    let alice = ports.phone(0, "alice", mediaenc);
    let phone = scene.phone(&alice);
    let capture = scene.capture();
    let dial = format!("/dial sip:echo@127.0.0.1:{}", ports.sip);
    let status = phone.run(&scene.netns, &[&dial], CALL_SECS);
    let pcap = capture.finish();
    let log = phone.log();
    assert!(status.success(), "baresip failed ({status}):\n{log}");
    assert!(log.contains("Call established"), "no call:\n{log}");

    let offer = capture::fields(&pcap, "sip.Method == \"INVITE\"", &["sdp.media_attr"]);
    let offered_crypto = offer
        .iter()
        .flatten()
        .any(|attrs| attrs.contains("crypto:"));
    assert_eq!(offered_crypto, mediaenc.is_some(), "offer: {offer:?}");
    // baresip offers rtcp-mux (RFC 5761); the echo accepts it.
    let answer = capture::fields(&pcap, "sip.Status-Code == 200 && sdp", &["sdp.media_attr"]);
    assert!(
        answer
            .iter()
            .flatten()
            .any(|attrs| attrs.contains("rtcp-mux")),
        "answer: {answer:?}"
    );

    let flows = capture::rtp_flows(&pcap);
    let gateway = ports.media..=ports.media + 99;
    let sent = packets(&flows, &rtp_range(&alice), &gateway);
    let received = packets(&flows, &gateway, &rtp_range(&alice));
    assert!(
        sent >= MIN_PACKETS && received >= MIN_PACKETS,
        "RTP sent {sent}, echoed back {received}; flows {flows:?}\n{log}"
    );
}

#[test]
fn baresip_plain_rtp_hears_its_echo() {
    let ports = Ports {
        sip: 28010,
        admin: 28210,
        media: 35000,
    };
    echo_call("baresip-rtp", None, ports);
}

#[test]
fn baresip_optional_sdes_hears_its_echo() {
    let ports = Ports {
        sip: 28040,
        admin: 28220,
        media: 35400,
    };
    echo_call("baresip-sdes", Some("srtp"), ports);
}

#[test]
fn baresip_calls_a_registered_baresip_through_the_relay() {
    let ports = Ports {
        sip: 28070,
        admin: 28230,
        media: 35800,
    };
    let Some(scene) = Scene::start("baresip-registrar", &gateway_config(&ports)) else {
        return;
    };
    let registrar: SocketAddr = ([127, 0, 0, 1], ports.sip).into();
    let bob_account = BaresipAccount {
        registrar: Some(registrar),
        auto_answer: true,
        ..ports.phone(0, "bob", None)
    };
    let alice_account = ports.phone(1, "alice", None);
    let (bob, alice) = (scene.phone(&bob_account), scene.phone(&alice_account));

    let _callee = bob.spawn(&scene.netns, &[], CALL_SECS + 8);
    let registered = wait_for(Duration::from_secs(5), || bob.log().contains("200 OK"));
    assert!(registered, "bob did not register:\n{}", bob.log());
    let capture = scene.capture();
    let dial = format!("/dial sip:bob@127.0.0.1:{}", ports.sip);
    let status = alice.run(&scene.netns, &[&dial], CALL_SECS);
    let pcap = capture.finish();
    let (alice_log, bob_log) = (alice.log(), bob.log());
    assert!(status.success(), "alice failed ({status}):\n{alice_log}");
    assert!(
        alice_log.contains("Call established") && bob_log.contains("Call established"),
        "no call:\nalice:\n{alice_log}\nbob:\n{bob_log}"
    );

    let flows = capture::rtp_flows(&pcap);
    let gateway = ports.media..=ports.media + 99;
    let (alice_rtp, bob_rtp) = (rtp_range(&alice_account), rtp_range(&bob_account));
    let counts = [
        packets(&flows, &alice_rtp, &gateway),
        packets(&flows, &gateway, &bob_rtp),
        packets(&flows, &bob_rtp, &gateway),
        packets(&flows, &gateway, &alice_rtp),
    ];
    assert!(
        counts.iter().all(|&n| n >= MIN_PACKETS),
        "RTP alice->tolk, tolk->bob, bob->tolk, tolk->alice: {counts:?}; flows {flows:?}"
    );
    // The relay forwards without direct phone-to-phone media.
    assert_eq!(packets(&flows, &alice_rtp, &bob_rtp), 0);
}

#[test]
fn baresip_with_mandatory_sdes_reaches_a_plain_rtp_sipp() {
    let ports = Ports {
        sip: 28100,
        admin: 28240,
        media: 36200,
    };
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let Some(scene) = Scene::start("baresip-sdes-plain", &gateway_config(&ports)) else {
        return;
    };
    // The plain-RTP callee: sipp answering RTP/AVP and echoing the media.
    let sipp_media = ports.media + 500;
    let _callee = Running::spawn(
        scene
            .netns
            .command("timeout")
            .arg("30")
            .arg(sipp)
            .args([
                "-sn",
                "uas",
                "-i",
                "127.0.0.1",
                "-mi",
                "127.0.0.1",
                "-rtp_echo",
            ])
            .args(["-p", &(ports.sip + 50).to_string()])
            .args(["-mp", &sipp_media.to_string(), "-nostdin", "-m", "1"])
            .current_dir(&scene.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    // RTP/SAVP: baresip ends the call unless the answer carries SDES keys.
    let alice = ports.phone(0, "alice", Some("srtp-mand"));
    let phone = scene.phone(&alice);
    let capture = scene.capture();
    let dial = format!("/dial sip:plain@127.0.0.1:{}", ports.sip);
    let status = phone.run(&scene.netns, &[&dial], CALL_SECS);
    let pcap = capture.finish();
    let log = phone.log();
    assert!(status.success(), "baresip failed ({status}):\n{log}");
    assert!(log.contains("Call established"), "no call:\n{log}");

    // SRTP with SDES keys on baresip's leg, plain RTP on sipp's.
    let answers = capture::fields(
        &pcap,
        "sip.Status-Code == 200 && sdp",
        &["udp.dstport", "sdp.media.proto", "sdp.media_attr"],
    );
    let to_baresip = answers
        .iter()
        .find(|row| row[0] == alice.sip.port().to_string())
        .unwrap_or_else(|| panic!("no 200 with SDP to baresip: {answers:?}"));
    assert!(
        to_baresip[1].contains("RTP/SAVP") && to_baresip[2].contains("crypto:"),
        "{to_baresip:?}"
    );
    let offers = capture::fields(
        &pcap,
        "sip.Method == \"INVITE\"",
        &["udp.dstport", "sdp.media.proto"],
    );
    let to_sipp = offers
        .iter()
        .find(|row| row[0] == (ports.sip + 50).to_string())
        .unwrap_or_else(|| panic!("no INVITE to sipp: {offers:?}"));
    assert!(to_sipp[1].ends_with("RTP/AVP"), "{to_sipp:?}");

    let flows = capture::rtp_flows(&pcap);
    let gateway = ports.media..=ports.media + 99;
    let sipp_rtp = sipp_media..=sipp_media + 1;
    let counts = [
        packets(&flows, &rtp_range(&alice), &gateway),
        packets(&flows, &gateway, &sipp_rtp),
        packets(&flows, &sipp_rtp, &gateway),
        packets(&flows, &gateway, &rtp_range(&alice)),
    ];
    assert!(
        counts.iter().all(|&n| n >= MIN_PACKETS),
        "RTP baresip->tolk, tolk->sipp, sipp->tolk, tolk->baresip: {counts:?}; flows {flows:?}"
    );
    // baresip decrypted what came back: both of its bitrates (sent and
    // received) in its last status line are above zero.
    let last_status = log.rsplit("audio=").next().unwrap_or_default();
    assert!(
        !last_status.starts_with("0/") && !last_status.contains("/0 (bit/s)"),
        "baresip received no audio it could decrypt: {last_status}"
    );
}

#[test]
fn baresip_registers_by_answering_the_digest_challenge() {
    let ports = Ports {
        sip: 29280,
        admin: 29310,
        media: 53500,
    };
    // baresip 1.0 (libre) fails on a SHA-256 challenge instead of taking
    // the MD5 one after it: offer MD5 alone.
    let users = r#"users = [{ user = "bob", password = "builder" }, { user = "eve", password = "right" }]
digest_algorithms = ["MD5"]"#;
    let config = gateway_config(&ports).registrar(&format!("domains = [\"127.0.0.1\"]\n{users}\n"));
    let Some(scene) = Scene::start("baresip-digest", &config) else {
        return;
    };
    let registrar: SocketAddr = ([127, 0, 0, 1], ports.sip).into();
    let bob_account = BaresipAccount {
        registrar: Some(registrar),
        password: Some("builder".into()),
        ..ports.phone(0, "bob", None)
    };
    let eve_account = BaresipAccount {
        registrar: Some(registrar),
        password: Some("wrong".into()),
        ..ports.phone(1, "eve", None)
    };
    let (bob, eve) = (scene.phone(&bob_account), scene.phone(&eve_account));
    let _bob = bob.spawn(&scene.netns, &[], 8);
    let _eve = eve.spawn(&scene.netns, &[], 8);
    let registered = wait_for(Duration::from_secs(6), || bob.log().contains("200 OK"));
    assert!(registered, "bob did not register:\n{}", bob.log());
    let refused = wait_for(Duration::from_secs(6), || eve.log().contains("403"));
    assert!(
        refused,
        "eve's wrong password was not refused:\n{}",
        eve.log()
    );
    assert!(!eve.log().contains("200 OK"), "{}", eve.log());
}
