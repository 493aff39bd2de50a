//! A key press toward an RFC 4733 leg that has no media address yet
//! (a late-offer caller before its answer), from the callee's INFO or
//! its telephone-events, waits, and reaches the leg through the relay
//! once its answer gives the address.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tolk_interwork::{Digit, DtmfEvent};
use tolk_media::dtmf::TelephoneEvent;
use tolk_media::rtp::{RtpBuilder, RtpPacket};
use tolk_relay::{Relay, RelayConfig, Side};
use tolk_sdp::SessionDescription;

use super::CallMedia;
use crate::config::{DtmfMode, MediaPolicy};
use crate::gateway::dtmf::DtmfReport;
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

fn relay(first_port: u16) -> Relay {
    Relay::start(RelayConfig {
        ports: (first_port, first_port + 19),
        workers: 1,
        ..RelayConfig::default()
    })
    .expect("relay")
}

/// A late-offer call whose callee (under `callee`) answered our offer
/// from `callee_port` with `callee_extra` on its audio line: the call,
/// our offer to the callee and our offer to the caller.
async fn answered_by_the_callee(
    relay: &Relay,
    callee: &MediaPolicy,
    callee_port: u16,
    callee_extra: impl Fn(&SessionDescription) -> String,
    reports: Option<UnboundedSender<DtmfReport>>,
) -> (CallMedia, SessionDescription, SessionDescription) {
    let caller = MediaPolicy::default();
    let mut media = CallMedia::new(relay, IP, &caller, callee, None, &RelayWatch::new().0)
        .await
        .expect("media");
    if let Some(reports) = reports {
        media = media.with_dtmf_reports(reports);
    }
    let b_offer = media.b_offer().expect("offer").clone();
    let extra = callee_extra(&b_offer);
    let offer = media
        .b_answered(relay, &sdp(callee_port, &extra))
        .await
        .expect("answered");
    media.b_confirmed();
    assert!(media.awaits_caller_answer());
    (media, b_offer, offer)
}

/// The 8 kHz telephone-event payload type of `description`'s audio.
fn telephone_event(description: &SessionDescription) -> u8 {
    (description.media[0].formats.iter())
        .find(|f| {
            f.encoding().is_some_and(|e| {
                e.encoding.eq_ignore_ascii_case("telephone-event") && e.clock_rate == 8000
            })
        })
        .map(|f| f.pt.0)
        .expect("telephone-event offered")
}

fn with_events(te: u8) -> String {
    format!(" {te}\r\na=rtpmap:{te} telephone-event/8000")
}

/// The caller answers from `caller_media`, taking telephone-events;
/// the key it receives then.
async fn caller_answers_and_hears(
    media: &mut CallMedia,
    relay: &Relay,
    offer: &SessionDescription,
    caller_media: &UdpSocket,
) -> u8 {
    let te = telephone_event(offer);
    let port = caller_media.local_addr().expect("address").port();
    media
        .reoffer_answered(relay, Side::A, &sdp(port, &with_events(te)))
        .await
        .expect("a usable answer");
    caller_media
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let mut buf = [0u8; 1500];
    let n = caller_media
        .recv(&mut buf)
        .expect("the press at the caller");
    let packet = RtpPacket::parse(&buf[..n]).expect("RTP");
    assert_eq!(packet.payload_type(), te);
    TelephoneEvent::parse(packet.payload())
        .expect("a telephone-event")
        .code
}

#[tokio::test]
async fn an_info_press_toward_a_late_offer_caller_waits_for_its_answer() {
    let relay = relay(26920);
    // The callee sends its keys as INFO.
    let callee = MediaPolicy {
        dtmf: DtmfMode::Info,
        ..MediaPolicy::default()
    };
    let (mut media, _, offer) =
        answered_by_the_callee(&relay, &callee, 41000, |_| String::new(), None).await;
    // Its INFO press comes before the caller's answer: held.
    assert!(media.queue_dtmf(&relay, Side::A, press('5')));
    let caller_media = UdpSocket::bind("127.0.0.1:0").expect("socket");
    let key = caller_answers_and_hears(&mut media, &relay, &offer, &caller_media).await;
    assert_eq!(key, 5);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

#[tokio::test]
async fn a_callees_rfc_4733_press_before_a_late_offer_callers_answer_waits_for_it() {
    let relay = relay(26940);
    let (reports, mut reported) = unbounded_channel();
    let callee_media = UdpSocket::bind("127.0.0.1:0").expect("socket");
    let callee_port = callee_media.local_addr().expect("address").port();
    let (mut media, b_offer, offer) = answered_by_the_callee(
        &relay,
        &MediaPolicy::default(),
        callee_port,
        |b_offer| with_events(telephone_event(b_offer)),
        Some(reports),
    )
    .await;
    // The callee presses 7 (three updates, three ends) before the caller
    // has answered: the relay reports it.
    let te = telephone_event(&b_offer);
    let relay_port = b_offer.media[0].port;
    for (n, (end, duration)) in [
        (false, 160u16),
        (false, 320),
        (false, 480),
        (true, 800),
        (true, 800),
        (true, 800),
    ]
    .into_iter()
    .enumerate()
    {
        let [high, low] = duration.to_be_bytes();
        let mut buf = [0u8; 64];
        let len = RtpBuilder {
            marker: n == 0,
            payload_type: te,
            sequence_number: 100 + n as u16,
            timestamp: 8000,
            ssrc: 0xb,
            payload: &[7, if end { 0x80 | 10 } else { 10 }, high, low],
            ..RtpBuilder::default()
        }
        .write_to(&mut buf)
        .expect("packet");
        callee_media
            .send_to(&buf[..len], (IP, relay_port))
            .expect("sent");
    }
    let report = tokio::time::timeout(Duration::from_secs(2), reported.recv())
        .await
        .expect("reported in time")
        .expect("a report");
    assert_eq!((report.from, report.event.digit.as_char()), (Side::B, '7'));
    // The bridge hands it to the caller's leg, which holds it.
    assert!(media.queue_dtmf(&relay, Side::A, report.event));
    let caller_media = UdpSocket::bind("127.0.0.1:0").expect("socket");
    let key = caller_answers_and_hears(&mut media, &relay, &offer, &caller_media).await;
    assert_eq!(key, 7);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}
