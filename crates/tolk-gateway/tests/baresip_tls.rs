//! baresip, a real softphone, calls `tolk run`'s echo target over SIP/TLS
//! (`sip:echo@127.0.0.1:PORT;transport=tls`) at the gateway's TLS listener
//! with the self-signed certificate it makes at start. The gateway and the
//! phone run in one private network namespace; tshark on its loopback sees
//! the TLS handshake and encrypted SIP both ways on the TLS port, and the
//! RTP of the call both ways; the admin API shows the call gone afterwards.

mod harness;

use std::ops::RangeInclusive;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use harness::{NodeConfig, Scene, wait_for};
use tolk_testkit::baresip::BaresipAccount;
use tolk_testkit::capture::{self, packets_between as packets};

/// Gateway SIP over UDP; its TLS listener is the next port.
const SIP_UDP: u16 = 28300;
const SIP_TLS: u16 = SIP_UDP + 1;
/// The phone's SIP port (UDP/TCP; baresip takes the next one for TLS).
const PHONE_SIP: u16 = 28310;
const ADMIN: u16 = 28400;
const MEDIA: RangeInclusive<u16> = 40000..=40099;
const PHONE_RTP: RangeInclusive<u16> = 40100..=40199;
/// A call lasts this long; at 50 packets/s each way that is 250.
const CALL_SECS: u32 = 5;
/// Packets each way that prove the media flowed for most of the call.
const MIN_PACKETS: u64 = 150;

fn gateway_config() -> NodeConfig {
    let media = format!("{}-{}", MEDIA.start(), MEDIA.end());
    NodeConfig::new(SIP_UDP, ADMIN, &media)
        // The default: this call is never silent.
        .media_timeout(60)
        .listen("tls", SIP_TLS, "")
        .route("^echo$", "echo")
}

/// TLS records of the capture on the gateway's TLS port, as (source port,
/// record content types) per packet, dissected as TLS on that port. TLS
/// 1.3 hides the real type of encrypted records behind the outer
/// ("opaque") type 23, so both fields are read.
fn tls_records(pcap: &Path) -> Vec<(u16, String)> {
    let output = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args([
            "-d",
            &format!("tcp.port=={SIP_TLS},tls"),
            "-Y",
            &format!("tcp.port=={SIP_TLS} && tls.record"),
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tls.record.content_type",
            "-e",
            "tls.record.opaque_type",
        ])
        .stderr(Stdio::null())
        .output()
        .expect("runs tshark");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (port, types) = line.split_once('\t')?;
            Some((port.parse().ok()?, types.replace('\t', ",")))
        })
        .collect()
}

#[test]
fn baresip_calls_the_echo_target_over_tls() {
    let (Some(_), Some(_)) = (tolk_testkit::peer("tshark"), tolk_testkit::peer("curl")) else {
        return;
    };
    let Some(scene) = Scene::start("baresip-tls", &gateway_config()) else {
        return;
    };

    let account = BaresipAccount {
        user: "alice".into(),
        sip: ([127, 0, 0, 1], PHONE_SIP).into(),
        rtp_ports: (*PHONE_RTP.start(), *PHONE_RTP.end()),
        mediaenc: None,
        registrar: None,
        password: None,
        auto_answer: false,
    };
    let phone = scene.phone(&account);
    let capture = scene.capture_filtered(&format!("udp or tcp port {SIP_TLS}"));
    let dial = format!("/dial sip:echo@127.0.0.1:{SIP_TLS};transport=tls");
    let status = phone.run(&scene.netns, &[&dial], CALL_SECS);
    let ended = wait_for(Duration::from_secs(5), || {
        scene
            .admin_get("/metrics")
            .contains("\ntolk_active_calls 0\n")
    });
    let pcap = capture.finish();
    let log = phone.log();
    assert!(status.success(), "baresip failed ({status}):\n{log}");
    assert!(log.contains("Call established"), "no call:\n{log}");

    // The signalling went over TLS: a handshake (content type 22) and
    // application data (23) in both directions, and no SIP in the clear.
    let records = tls_records(&pcap);
    let from_gateway = |port: u16| port == SIP_TLS;
    for (side, ours) in [("phone", false), ("gateway", true)] {
        let seen = |kind: &str| {
            records.iter().any(|(port, types)| {
                from_gateway(*port) == ours && types.split(',').any(|t| t == kind)
            })
        };
        assert!(
            seen("22") && seen("23"),
            "{side} sent no TLS handshake or application data: {records:?}"
        );
    }
    let clear_sip = capture::fields(&pcap, "sip", &["frame.number"]);
    assert!(clear_sip.is_empty(), "SIP in the clear: {clear_sip:?}");

    let flows = capture::rtp_flows(&pcap);
    let sent = packets(&flows, &PHONE_RTP, &MEDIA);
    let received = packets(&flows, &MEDIA, &PHONE_RTP);
    assert!(
        sent >= MIN_PACKETS && received >= MIN_PACKETS,
        "RTP sent {sent}, echoed back {received}; flows {flows:?}\n{log}"
    );

    let metrics = scene.admin_get("/metrics");
    assert!(ended, "call still active after baresip hung up:\n{metrics}");
    assert!(
        metrics.contains("\ntolk_call_setups_total 1\n"),
        "{metrics}"
    );
}
