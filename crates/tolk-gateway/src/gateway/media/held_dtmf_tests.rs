//! A key press toward an RFC 4733 leg that has no media address yet
//! (a late-offer caller before its answer) waits, and reaches the leg
//! through the relay once its answer gives the address.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::time::Duration;

use tolk_interwork::{Digit, DtmfEvent};
use tolk_media::dtmf::TelephoneEvent;
use tolk_media::rtp::RtpPacket;
use tolk_relay::{Relay, RelayConfig, Side};
use tolk_sdp::SessionDescription;

use super::CallMedia;
use crate::config::{DtmfMode, MediaPolicy};
use crate::gateway::relay_watch::RelayWatch;

const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn sdp(audio_port: u16, extra: &str) -> SessionDescription {
    let text = format!(
        "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {audio_port} RTP/AVP 0{extra}\r\na=rtpmap:0 PCMU/8000\r\n"
    );
    tolk_sdp::parse(text.as_bytes()).expect("SDP")
}

fn press(key: char) -> DtmfEvent {
    DtmfEvent {
        digit: Digit::from_char(key).expect("digit"),
        duration: Duration::from_millis(100),
    }
}

#[tokio::test]
async fn a_press_toward_a_late_offer_caller_waits_for_its_answer() {
    let relay = Relay::start(RelayConfig {
        ports: (26920, 26939),
        workers: 1,
        ..RelayConfig::default()
    })
    .expect("relay");
    // The caller takes RFC 4733, the callee sends its keys as INFO.
    let caller = MediaPolicy::default();
    let callee = MediaPolicy {
        dtmf: DtmfMode::Info,
        ..MediaPolicy::default()
    };
    let mut media = CallMedia::new(&relay, IP, &caller, &callee, None, &RelayWatch::new().0)
        .await
        .expect("media");
    let offer = media
        .b_answered(&relay, &sdp(41000, ""))
        .await
        .expect("answered");
    media.b_confirmed();
    assert!(media.awaits_caller_answer());
    // The callee's INFO press comes before the caller's answer: held.
    assert!(media.queue_dtmf(&relay, Side::A, press('5')));
    let te = (offer.media[0].formats.iter())
        .find(|f| {
            f.encoding().is_some_and(|e| {
                e.encoding.eq_ignore_ascii_case("telephone-event") && e.clock_rate == 8000
            })
        })
        .map(|f| f.pt.0)
        .expect("telephone-event offered to the caller");

    // The caller's answer (in its ACK) names where its media goes.
    let caller_media = UdpSocket::bind("127.0.0.1:0").expect("socket");
    caller_media
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let port = caller_media.local_addr().expect("address").port();
    let answer = sdp(
        port,
        &format!(" {te}\r\na=rtpmap:{te} telephone-event/8000"),
    );
    media
        .reoffer_answered(&relay, Side::A, &answer)
        .await
        .expect("a usable answer");
    let mut buf = [0u8; 1500];
    let n = caller_media
        .recv(&mut buf)
        .expect("the press at the caller");
    let packet = RtpPacket::parse(&buf[..n]).expect("RTP");
    assert_eq!(packet.payload_type(), te);
    let event = TelephoneEvent::parse(packet.payload()).expect("a telephone-event");
    assert_eq!(event.code, 5);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}
