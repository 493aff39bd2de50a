//! baresip, a real softphone, calls `tolk run`'s `echo` target and gets
//! its own audio back: once offering plain RTP, once offering SDES-SRTP
//! as optional (RTP/AVP with `a=crypto`), which the echo target answers
//! with plain RTP. tshark on the namespace's loopback counts the RTP
//! packets both ways.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;

use tolk_testkit::baresip::{Baresip, BaresipAccount};
use tolk_testkit::capture::{self, Capture};
use tolk_testkit::netns::Netns;
use tolk_testkit::process::{Running, wait_for_line};

/// A call lasts this long; at 50 packets/s each way that is 250.
const CALL_SECS: u32 = 5;
/// Packets each way that prove the media flowed for most of the call.
const MIN_PACKETS: u64 = 150;

struct Ports {
    sip: u16,
    admin: u16,
    media: u16,
    phone_sip: u16,
    phone_media: u16,
}

fn gateway_config(ports: &Ports) -> String {
    format!(
        r#"
[[listen]]
transport = "udp"
address = "127.0.0.1:{sip}"

[admin]
address = "127.0.0.1:{admin}"

[media]
address = "127.0.0.1"
ports = "{media}-{media_end}"

[[route]]
user = "^echo$"
target = "echo"
"#,
        sip = ports.sip,
        admin = ports.admin,
        media = ports.media,
        media_end = ports.media + 99,
    )
}

/// Starts the gateway inside `netns` and waits until it is ready.
fn start_gateway(netns: &Netns, dir: &Path, ports: &Ports) -> Running {
    let config = dir.join("tolk.toml");
    std::fs::write(&config, gateway_config(ports)).expect("config");
    let mut tolk = Running::spawn(
        netns
            .command(env!("CARGO_BIN_EXE_tolk"))
            .args(["run", "--config"])
            .arg(&config)
            .stdout(Stdio::piped()),
    );
    let stdout = tolk.0.stdout.take().expect("stdout");
    assert!(
        wait_for_line(stdout, "tolk: ready", 20),
        "tolk run did not report ready"
    );
    tolk
}

fn echo_call(name: &str, mediaenc: Option<&str>, ports: Ports) {
    let Some(netns) = Netns::new() else { return };
    let dir = std::env::temp_dir().join(format!("tolk-{name}-{}", std::process::id()));
    let phone_sip: SocketAddr = ([127, 0, 0, 1], ports.phone_sip).into();
    let account = BaresipAccount {
        user: "alice".into(),
        sip: phone_sip,
        rtp_ports: (ports.phone_media, ports.phone_media + 99),
        mediaenc: mediaenc.map(str::to_owned),
        registrar: None,
        auto_answer: false,
    };
    let Some(phone) = Baresip::configure(&dir.join("alice"), &account) else {
        return;
    };
    let _tolk = start_gateway(&netns, &dir, &ports);
    let Some(capture) = Capture::start(&netns, &dir.join("call.pcapng")) else {
        return;
    };

    let dial = format!("/dial sip:echo@127.0.0.1:{}", ports.sip);
    let status = phone.run(&netns, &[&dial], CALL_SECS);
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

    let phone_rtp =
        |addr: &SocketAddr| (ports.phone_media..ports.phone_media + 100).contains(&addr.port());
    let flows = capture::rtp_flows(&pcap);
    let sent: u64 = flows
        .iter()
        .filter(|((src, dst), _)| phone_rtp(src) && !phone_rtp(dst))
        .map(|(_, n)| n)
        .sum();
    let received: u64 = flows
        .iter()
        .filter(|((src, dst), _)| !phone_rtp(src) && phone_rtp(dst))
        .map(|(_, n)| n)
        .sum();
    assert!(
        sent >= MIN_PACKETS && received >= MIN_PACKETS,
        "RTP sent {sent}, echoed back {received}; flows {flows:?}\n{log}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn baresip_plain_rtp_hears_its_echo() {
    echo_call(
        "baresip-rtp",
        None,
        Ports {
            sip: 28010,
            admin: 28210,
            media: 35000,
            phone_sip: 28011,
            phone_media: 35100,
        },
    );
}

#[test]
fn baresip_optional_sdes_hears_its_echo() {
    echo_call(
        "baresip-sdes",
        Some("srtp"),
        Ports {
            sip: 28020,
            admin: 28220,
            media: 35200,
            phone_sip: 28021,
            phone_media: 35300,
        },
    );
}
