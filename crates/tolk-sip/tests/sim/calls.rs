//! User agents on the simulated network: two parties, Alice calling
//! Bob, and a loop that runs them until a condition on their events.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tolk_sip::Message;
use tolk_sip::dialog::DialogId;
use tolk_sip::transaction::LayerConfig;
use tolk_sip::transport::{Target, Transport};
use tolk_sip::ua::{EndReason, Invite, UaConfig, UaEvent, UserAgent};

use super::Net;

pub const ALICE: &str = "192.0.2.1:5060";
pub const BOB: &str = "192.0.2.2:5060";
pub const OFFER: &[u8] = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
pub const ANSWER: &[u8] = b"v=0\r\no=- 2 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";

pub fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

pub fn ua(local: &str, seed: u64) -> UserAgent {
    ua_with(local, seed, UaConfig::default())
}

/// A user agent on `local` with `config` and a seeded layer.
pub fn ua_with(local: &str, seed: u64, config: UaConfig) -> UserAgent {
    let mut ua = UserAgent::new(UaConfig {
        layer: LayerConfig {
            seed,
            ..config.layer.clone()
        },
        ..config
    });
    ua.set_local_addr(Transport::Udp, addr(local));
    ua
}

pub fn call_bob(net: &Net, alice: &mut UserAgent) -> DialogId {
    alice.invite(net.now, invite_bob(OFFER)).unwrap()
}

/// Alice's INVITE to Bob offering `sdp` (empty: a late offer).
pub fn invite_bob(sdp: &'static [u8]) -> Invite {
    Invite {
        from: "<sip:alice@example.com>".into(),
        to: "<sip:bob@example.com>".into(),
        request_uri: format!("sip:bob@{BOB}"),
        target: Target {
            transport: Transport::Udp,
            addr: addr(BOB),
        },
        sdp: Bytes::from_static(sdp),
        headers: vec![],
        credentials: None,
    }
}

/// Steps the network until `done` holds or nothing is left to happen;
/// `bob_reacts` answers Bob's events. Returns Alice's and Bob's events.
pub fn run(
    net: &mut Net,
    alice: &mut UserAgent,
    bob: &mut UserAgent,
    mut bob_reacts: impl FnMut(&mut UserAgent, std::time::Instant, &UaEvent),
    mut done: impl FnMut(&[UaEvent], &[UaEvent]) -> bool,
) -> (Vec<UaEvent>, Vec<UaEvent>) {
    let (mut a, mut b) = (vec![], vec![]);
    while net.elapsed() < Duration::from_secs(300) && !done(&a, &b) {
        let more = net.step(&mut [alice, bob]);
        while let Some(e) = bob.poll_event() {
            bob_reacts(bob, net.now, &e);
            b.push(e);
        }
        a.extend(std::iter::from_fn(|| alice.poll_event()));
        if !more {
            break;
        }
    }
    (a, b)
}

pub fn answer_calls(bob: &mut UserAgent, now: std::time::Instant, e: &UaEvent) {
    match e {
        UaEvent::IncomingCall { dialog, .. } => {
            bob.answer(now, *dialog, 180, Bytes::new()).unwrap();
            bob.answer(now, *dialog, 200, Bytes::from_static(ANSWER))
                .unwrap();
        }
        UaEvent::Reinvite { dialog, .. } => bob
            .answer(now, *dialog, 200, Bytes::from_static(ANSWER))
            .unwrap(),
        UaEvent::Request { id, .. } => bob.respond(now, *id, 200, None).unwrap(),
        _ => {}
    }
}

pub fn terminated(events: &[UaEvent]) -> Option<EndReason> {
    events.iter().find_map(|e| match e {
        UaEvent::Terminated { reason, .. } => Some(*reason),
        _ => None,
    })
}

pub fn parse_transmit(bytes: &Bytes) -> Message {
    Message::parse(bytes.clone()).unwrap()
}
