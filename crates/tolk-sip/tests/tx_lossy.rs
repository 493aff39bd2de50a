//! Transactions over a simulated lossy network with simulated time.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

mod sim;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use sim::Net;
use tolk_sip::transaction::{LayerConfig, TransactionEvent, TransactionLayer};
use tolk_sip::transport::{Target, Transport};
use tolk_sip::{Message, Method, Request, Response, names};

const ALICE: &str = "192.0.2.1:5060";
const BOB: &str = "192.0.2.2:5060";

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn layer(local: &str, seed: u64) -> TransactionLayer {
    let mut l = TransactionLayer::new(LayerConfig {
        seed,
        ..LayerConfig::default()
    });
    l.set_local_addr(Transport::Udp, addr(local));
    l
}

fn request(method: Method, call: &str) -> Request {
    Request::builder(method.clone(), "sip:bob@192.0.2.2")
        .header(names::MAX_FORWARDS, 70)
        .header(names::FROM, "<sip:alice@example.com>;tag=a1")
        .header(names::TO, "<sip:bob@example.com>")
        .header(names::CALL_ID, call)
        .header(names::CSEQ, format!("1 {method}"))
        .build()
        .unwrap()
}

fn to_bob() -> Target {
    Target {
        transport: Transport::Udp,
        addr: addr(BOB),
    }
}

/// Runs the network; Bob's user answers each new request with `code`
/// (and a CANCELled INVITE with 487). Returns Alice's events.
fn run(
    net: &mut Net,
    alice: &mut TransactionLayer,
    bob: &mut TransactionLayer,
    code: u16,
) -> Vec<TransactionEvent> {
    let mut seen = vec![];
    while net.elapsed() < Duration::from_secs(120) {
        let more = net.step(&mut [alice, bob]);
        while let Some(e) = bob.poll_event() {
            match e {
                TransactionEvent::Request { id, request, .. } => {
                    let r = Response::for_request(&request, code)
                        .to_tag("b1")
                        .build()
                        .unwrap();
                    bob.send_response(net.now, id, r).unwrap();
                }
                TransactionEvent::Cancelled { id } => {
                    let invite = bob.request(id).unwrap().clone();
                    let r = Response::for_request(&invite, 487)
                        .to_tag("b1")
                        .build()
                        .unwrap();
                    bob.send_response(net.now, id, r).unwrap();
                }
                _ => {}
            }
        }
        while let Some(e) = alice.poll_event() {
            seen.push(e);
        }
        if !more {
            break;
        }
    }
    seen
}

fn finals(events: &[TransactionEvent]) -> Vec<u16> {
    events
        .iter()
        .filter_map(|e| match e {
            TransactionEvent::Response { response, .. } if response.code() >= 200 => {
                Some(response.code())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn non_invite_completes_at_20_percent_loss_for_200_seeds() {
    let mut dropped = 0;
    for seed in 0..200 {
        let mut net = Net::new(seed, 0.2, vec![addr(ALICE), addr(BOB)]);
        let (mut alice, mut bob) = (layer(ALICE, seed), layer(BOB, seed + 1000));
        alice
            .send_request(net.now, request(Method::Options, "o1"), to_bob())
            .unwrap();
        let events = run(&mut net, &mut alice, &mut bob, 200);
        assert_eq!(
            finals(&events),
            [200],
            "seed {seed}: exactly one final response"
        );
        assert!(
            alice.is_empty() && bob.is_empty(),
            "seed {seed}: Timers K and J ended both"
        );
        dropped += net.dropped;
    }
    assert!(dropped > 100, "the network did lose datagrams ({dropped})");
}

#[test]
fn invite_rejected_is_acked_at_20_percent_loss() {
    for seed in 0..200 {
        let mut net = Net::new(seed, 0.2, vec![addr(ALICE), addr(BOB)]);
        let (mut alice, mut bob) = (layer(ALICE, seed), layer(BOB, seed + 1000));
        alice
            .send_request(net.now, request(Method::Invite, "i1"), to_bob())
            .unwrap();
        let events = run(&mut net, &mut alice, &mut bob, 486);
        assert_eq!(finals(&events), [486], "seed {seed}");
        assert!(
            alice.is_empty() && bob.is_empty(),
            "seed {seed}: Timers D and I ended both"
        );
    }
}

#[test]
fn cancel_waits_for_the_provisional_then_ends_the_invite_with_487() {
    let mut net = Net::new(7, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (layer(ALICE, 1), layer(BOB, 2));
    let invite = alice
        .send_request(net.now, request(Method::Invite, "c1"), to_bob())
        .unwrap();
    alice.cancel(net.now, invite).unwrap();
    assert_eq!(alice.len(), 1, "no CANCEL before a provisional response");
    // Bob's user never answers the INVITE itself: only the CANCEL ends it.
    let mut codes = vec![];
    while net.step(&mut [&mut alice, &mut bob]) {
        while let Some(e) = bob.poll_event() {
            if let TransactionEvent::Cancelled { id } = e {
                let invite = bob.request(id).unwrap().clone();
                let r = Response::for_request(&invite, 487)
                    .to_tag("b1")
                    .build()
                    .unwrap();
                bob.send_response(net.now, id, r).unwrap();
            }
        }
        while let Some(e) = alice.poll_event() {
            if let TransactionEvent::Response { response, .. } = e {
                codes.push((
                    response.code(),
                    response.headers().cseq().unwrap().method.to_owned(),
                ));
            }
        }
    }
    assert!(codes.contains(&(100, "INVITE".into())));
    assert!(codes.contains(&(200, "CANCEL".into())));
    assert!(codes.contains(&(487, "INVITE".into())));
    assert!(alice.is_empty() && bob.is_empty());
}

#[test]
fn timer_f_reports_a_timeout_when_nobody_answers() {
    let mut net = Net::new(1, 0.0, vec![addr(ALICE)]);
    let mut alice = layer(ALICE, 1);
    let id = alice
        .send_request(net.now, request(Method::Options, "t1"), to_bob())
        .unwrap();
    let mut events = vec![];
    while net.step(&mut [&mut alice]) {
        events.extend(std::iter::from_fn(|| alice.poll_event()));
    }
    assert_eq!(events, [TransactionEvent::TimedOut { id }]);
    assert_eq!(net.elapsed(), Duration::from_secs(32));
    assert_eq!(net.sent, 11, "the request and 10 retransmissions (Timer E)");
}

fn bytes_of(method: &str, branch: &str, via_host: &str) -> Bytes {
    Bytes::from(format!(
        "{method} sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP {via_host};branch={branch};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n\
         Call-ID: r1\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    ))
}

#[test]
fn invite_retransmissions_are_absorbed_and_answered_with_the_last_response() {
    let mut net = Net::new(1, 0.0, vec![]);
    let mut bob = layer(BOB, 1);
    let nat = addr("198.51.100.9:40001");
    let invite = bytes_of("INVITE", "z9hG4bKr1", "10.0.0.5:5060");
    bob.handle_input(net.now, Transport::Udp, nat, invite.clone());
    let Some(TransactionEvent::Request { id, request, .. }) = bob.poll_event() else {
        panic!()
    };
    let via = request.headers().top_via().unwrap();
    assert_eq!(
        (via.received(), via.rport()),
        (Some("198.51.100.9"), Some(Some(40001)))
    );
    let trying = bob.poll_transmit().unwrap();
    assert_eq!(
        trying.target.addr, nat,
        "rport: responses go back to the source"
    );
    assert!(trying.bytes.starts_with(b"SIP/2.0 100 "));

    net.now += Duration::from_millis(500);
    bob.handle_input(net.now, Transport::Udp, nat, invite.clone());
    assert_eq!(
        bob.poll_event(),
        None,
        "a retransmission is not a new request"
    );
    assert_eq!(bob.poll_transmit().unwrap().bytes, trying.bytes);

    let ringing = Response::for_request(&request, 180)
        .to_tag("b")
        .build()
        .unwrap();
    bob.send_response(net.now, id, ringing.clone()).unwrap();
    bob.poll_transmit().unwrap();
    bob.handle_input(net.now, Transport::Udp, nat, invite);
    assert_eq!(bob.poll_transmit().unwrap().bytes, ringing.to_bytes());
    assert_eq!(bob.len(), 1);
}

#[test]
fn unparsable_requests_get_stateless_400_and_505() {
    let now = Net::new(1, 0.0, vec![]).now;
    let mut bob = layer(BOB, 1);
    let src = addr("192.0.2.1:5060");
    let bad = bytes_of("OPTIONS", "z9hG4bKb1", "192.0.2.1")
        .slice(..)
        .to_vec();
    let bad = String::from_utf8(bad)
        .unwrap()
        .replace("CSeq: 1 OPTIONS", "CSeq: x OPTIONS");
    bob.handle_input(now, Transport::Udp, src, Bytes::from(bad));
    let t = bob.poll_transmit().unwrap();
    // The 400 copies the broken CSeq as received (RFC 3261 8.2.6.2), so
    // it is read here as text.
    let text = String::from_utf8(t.bytes.to_vec()).unwrap();
    assert!(text.starts_with("SIP/2.0 400 Bad Request: "), "{text}");
    assert!(text.contains("line 7"), "the reason names the line: {text}");
    assert_eq!(t.target.addr, src);

    let v3 = String::from_utf8(bytes_of("OPTIONS", "z9hG4bKb2", "192.0.2.1").to_vec())
        .unwrap()
        .replace("SIP/2.0\r\nVia", "SIP/3.0\r\nVia");
    bob.handle_input(now, Transport::Udp, src, Bytes::from(v3));
    let Ok(Message::Response(r)) = Message::parse(bob.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    assert_eq!(r.code(), 505);
    assert!(
        bob.is_empty() && bob.poll_event().is_none(),
        "nothing entered a transaction"
    );

    bob.handle_input(now, Transport::Udp, src, Bytes::from_static(b"\r\n\r\n"));
    bob.handle_input(
        now,
        Transport::Udp,
        src,
        Bytes::from_static(b"SIP/2.0 200 OK\r\n\r\n"),
    );
    assert!(
        bob.poll_transmit().is_none(),
        "keep-alives and broken responses are dropped"
    );
}

#[test]
fn misuse_is_an_error() {
    let now = Net::new(1, 0.0, vec![]).now;
    let mut alice = layer(ALICE, 1);
    assert!(
        alice
            .send_request(now, request(Method::Ack, "m1"), to_bob())
            .is_err()
    );
    let id = alice
        .send_request(now, request(Method::Options, "m1"), to_bob())
        .unwrap();
    let r = Response::for_request(&request(Method::Options, "m1"), 200)
        .build()
        .unwrap();
    assert!(
        alice.send_response(now, id, r).is_err(),
        "no responses in a client transaction"
    );
    assert!(alice.cancel(now, id).is_err(), "only INVITEs are cancelled");
    let mut no_addr = TransactionLayer::new(LayerConfig::default());
    assert!(
        no_addr
            .send_request(now, request(Method::Options, "m2"), to_bob())
            .is_err()
    );
}
