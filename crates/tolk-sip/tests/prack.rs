//! RFC 3262 reliable provisional responses through the user agent core,
//! both sides, with simulated time: PRACK, RSeq order, retransmission
//! until the PRACK, offer/answer in the 1xx and the PRACK, 481 and 500.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

mod sim;

use std::time::Duration;

use bytes::Bytes;
use sim::Net;
use sim::calls::*;
use tolk_sip::message::{Request, Response};
use tolk_sip::transport::Transport;
use tolk_sip::ua::{EndReason, UaEvent, UserAgent};
use tolk_sip::{Method, names};

const EARLY: &[u8] = b"v=0\r\no=- 2 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 5002 RTP/AVP 0\r\n";

fn count(events: &[UaEvent], what: fn(&UaEvent) -> bool) -> usize {
    events.iter().filter(|e| what(e)).count()
}

/// Bob answers 183 with early media reliably, then 200 at once: the 200
/// must wait for the PRACK of a 1xx that carried SDP.
fn early_media_then_answer(bob: &mut UserAgent, now: std::time::Instant, e: &UaEvent) {
    if let UaEvent::IncomingCall { dialog, .. } = e {
        bob.answer_reliably(now, *dialog, 183, Bytes::from_static(EARLY))
            .unwrap();
        bob.answer(now, *dialog, 200, Bytes::from_static(ANSWER))
            .unwrap();
    }
}

#[test]
fn reliable_183_is_pracked_once_before_the_200_at_20_percent_loss() {
    for seed in 0..60 {
        let mut net = Net::new(seed, 0.2, vec![addr(ALICE), addr(BOB)]);
        let (mut alice, mut bob) = (ua(ALICE, seed), ua(BOB, seed + 500));
        call_bob(&net, &mut alice);
        let (a, b) = run(
            &mut net,
            &mut alice,
            &mut bob,
            early_media_then_answer,
            |a, b| {
                a.iter().any(|e| matches!(e, UaEvent::Answered { .. }))
                    && b.iter().any(|e| matches!(e, UaEvent::Confirmed { .. }))
            },
        );
        let progress: Vec<&Response> = a
            .iter()
            .filter_map(|e| match e {
                UaEvent::Progress { response, .. } => Some(response),
                _ => None,
            })
            .collect();
        assert!(
            progress.len() <= 1,
            "seed {seed}: retransmissions discarded"
        );
        if let Some(p) = progress.first() {
            assert!(p.headers().rseq().unwrap().is_some());
            assert_eq!(&p.body()[..], EARLY, "seed {seed}");
        }
        assert_eq!(
            count(&b, |e| matches!(e, UaEvent::Prack { .. })),
            1,
            "seed {seed}"
        );
        let prack_then_confirm: Vec<bool> = b
            .iter()
            .filter_map(|e| match e {
                UaEvent::Prack { .. } => Some(true),
                UaEvent::Confirmed { .. } => Some(false),
                _ => None,
            })
            .collect();
        assert_eq!(prack_then_confirm, [true, false], "seed {seed}");
        assert!(
            a.iter().any(|e| matches!(e, UaEvent::Answered { response, .. } if &response.body()[..] == ANSWER)),
            "seed {seed}: {a:?}"
        );
    }
}

/// A hand-written INVITE from 192.0.2.1 with `extra` header lines.
fn raw_invite(extra: &str, body: &str) -> Bytes {
    let typed = if body.is_empty() {
        String::new()
    } else {
        "Content-Type: application/sdp\r\n".into()
    };
    Bytes::from(format!(
        "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=a1\r\nTo: <sip:bob@y>\r\nCall-ID: r1\r\n\
         CSeq: 7 INVITE\r\nContact: <sip:a@192.0.2.1>\r\n{extra}{typed}Content-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

fn sent_responses(ua: &mut UserAgent) -> Vec<Response> {
    std::iter::from_fn(|| ua.poll_transmit())
        .filter_map(|t| parse_transmit(&t.bytes).as_response().cloned())
        .collect()
}

fn incoming(bob: &mut UserAgent) -> tolk_sip::dialog::DialogId {
    std::iter::from_fn(|| bob.poll_event())
        .find_map(|e| match e {
            UaEvent::IncomingCall { dialog, .. } => Some(dialog),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_required_100rel_is_served_and_resent_until_the_invite_fails_with_500() {
    let net = Net::new(1, 0.0, vec![]);
    let mut bob = ua(BOB, 2);
    let invite = raw_invite("Require: 100rel\r\n", "");
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), invite);
    let d = incoming(&mut bob);
    bob.answer(net.now, d, 180, Bytes::new()).unwrap();
    let first = sent_responses(&mut bob);
    assert_eq!(
        first.iter().map(Response::code).collect::<Vec<_>>(),
        [100, 180]
    );
    let ringing = &first[1];
    let require: Vec<&str> = ringing.headers().require().map(Result::unwrap).collect();
    assert_eq!(require, ["100rel"]);
    let rseq = ringing.headers().rseq().unwrap().unwrap();
    assert!((1..1 << 31).contains(&rseq));

    // No PRACK: resent at T1, 2*T1, 4*T1 ... until 64*T1, then 500.
    let mut resent = vec![];
    while let Some(now) = bob
        .poll_timeout()
        .filter(|at| *at - net.now <= Duration::from_secs(40))
    {
        bob.handle_timeout(now);
        for r in sent_responses(&mut bob) {
            resent.push((r.code(), (now - net.now).as_millis()));
        }
    }
    let times: Vec<u128> = resent
        .iter()
        .filter(|(c, _)| *c == 180)
        .map(|(_, t)| t)
        .copied()
        .collect();
    assert_eq!(times, [500, 1500, 3500, 7500, 15500, 31500]);
    let failed = resent.iter().find(|(code, _)| *code >= 200);
    assert_eq!(failed, Some(&(500, 32_000)));
    let ended = std::iter::from_fn(|| bob.poll_event()).find_map(|e| match e {
        UaEvent::Terminated { reason, .. } => Some(reason),
        _ => None,
    });
    assert_eq!(ended, Some(EndReason::NoPrack));
}

/// The caller's PRACK number `seq` (its CSeq and branch) with `rack`.
fn prack_for(ringing: &Response, seq: u32, rack: &str) -> Bytes {
    let to = ringing
        .headers()
        .get(names::TO)
        .unwrap()
        .value_str()
        .unwrap();
    Bytes::from(format!(
        "PRACK sip:tolk@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKp{seq}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=a1\r\nTo: {to}\r\nCall-ID: r1\r\n\
         CSeq: {seq} PRACK\r\nRAck: {rack}\r\nContent-Length: 0\r\n\r\n"
    ))
}

#[test]
fn a_prack_matching_nothing_gets_481_and_the_right_one_200() {
    let net = Net::new(1, 0.0, vec![]);
    let mut bob = ua(BOB, 2);
    let invite = raw_invite("Supported: 100rel\r\n", "");
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), invite);
    let d = incoming(&mut bob);
    bob.answer_reliably(net.now, d, 180, Bytes::new()).unwrap();
    let ringing = sent_responses(&mut bob).pop().unwrap();
    let rseq = ringing.headers().rseq().unwrap().unwrap();

    for (seq, wrong) in [
        (8, format!("{} 7 INVITE", rseq + 1)),
        (9, format!("{rseq} 6 INVITE")),
    ] {
        let prack = prack_for(&ringing, seq, &wrong);
        bob.handle_input(net.now, Transport::Udp, addr(ALICE), prack);
        let codes: Vec<u16> = sent_responses(&mut bob)
            .iter()
            .map(Response::code)
            .collect();
        assert_eq!(codes, [481], "RAck {wrong}");
    }
    // A second reliable 1xx waits for the PRACK of the first.
    bob.answer_reliably(net.now, d, 183, Bytes::new()).unwrap();
    assert!(sent_responses(&mut bob).is_empty());
    let right = format!("{rseq} 7 INVITE");
    let prack = prack_for(&ringing, 10, &right);
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), prack);
    let sent = sent_responses(&mut bob);
    let codes: Vec<u16> = sent.iter().map(Response::code).collect();
    assert_eq!(codes, [200, 183]);
    assert_eq!(sent[1].headers().rseq().unwrap(), Some(rseq + 1));
    assert!(matches!(bob.poll_event(), Some(UaEvent::Prack { .. })));
}

#[test]
fn a_caller_without_100rel_gets_plain_provisionals() {
    let net = Net::new(1, 0.0, vec![]);
    let mut bob = ua(BOB, 2);
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), raw_invite("", ""));
    let d = incoming(&mut bob);
    assert!(bob.answer_reliably(net.now, d, 180, Bytes::new()).is_err());
    bob.answer(net.now, d, 180, Bytes::new()).unwrap();
    let ringing = sent_responses(&mut bob).pop().unwrap();
    assert_eq!(ringing.headers().rseq().unwrap(), None);
    assert!(
        bob.poll_timeout()
            .is_none_or(|at| at - net.now >= Duration::from_secs(30))
    );
}

#[test]
fn late_offer_in_a_reliable_183_is_answered_in_the_prack() {
    let mut net = Net::new(6, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, 1), ua(BOB, 2));
    let d = alice.invite(net.now, invite_bob(b"")).unwrap();
    let offer_early = |bob: &mut UserAgent, now, e: &UaEvent| match e {
        UaEvent::IncomingCall { dialog, .. } => bob
            .answer_reliably(now, *dialog, 183, Bytes::from_static(OFFER))
            .unwrap(),
        UaEvent::Prack { dialog, .. } => bob.answer(now, *dialog, 200, Bytes::new()).unwrap(),
        _ => {}
    };
    let (a, _) = run(&mut net, &mut alice, &mut bob, offer_early, |a, _| {
        a.iter().any(|e| matches!(e, UaEvent::Progress { .. }))
    });
    assert!(
        a.iter().any(
            |e| matches!(e, UaEvent::Progress { response, .. } if &response.body()[..] == OFFER)
        )
    );
    alice.prack(net.now, d, Bytes::from_static(ANSWER)).unwrap();
    let (a, b) = run(&mut net, &mut alice, &mut bob, offer_early, |a, b| {
        a.iter().any(|e| matches!(e, UaEvent::Answered { .. }))
            && b.iter().any(|e| matches!(e, UaEvent::Confirmed { .. }))
    });
    let prack_body = b.iter().find_map(|e| match e {
        UaEvent::Prack { request, .. } => Some(request.body().clone()),
        _ => None,
    });
    assert_eq!(prack_body.as_deref(), Some(ANSWER));
    assert!(a.iter().any(|e| matches!(e, UaEvent::Answered { .. })));
    assert!(
        b.iter().any(|e| matches!(e, UaEvent::Confirmed { .. })),
        "the core sent the ACK: offer and answer were done"
    );
}

#[test]
fn the_caller_pracks_in_rseq_order_and_discards_the_rest() {
    let net = Net::new(1, 0.0, vec![]);
    let mut alice = ua(ALICE, 1);
    call_bob(&net, &mut alice);
    let invite = parse_transmit(&alice.poll_transmit().unwrap().bytes);
    let invite: &Request = invite.as_request().unwrap();
    let supported: Vec<&str> = invite.headers().supported().map(Result::unwrap).collect();
    assert!(supported.contains(&"100rel"));
    let reliable = |rseq: u32| {
        Response::for_request(invite, 183)
            .to_tag("b1")
            .header(names::CONTACT, "<sip:bob@192.0.2.2>")
            .header(names::REQUIRE, "100rel")
            .header(names::RSEQ, rseq)
            .build()
            .unwrap()
            .to_bytes()
    };
    let mut pracks = vec![];
    for rseq in [5, 5, 7, 6, 6, 7] {
        alice.handle_input(net.now, Transport::Udp, addr(BOB), reliable(rseq));
        while let Some(t) = alice.poll_transmit() {
            let m = parse_transmit(&t.bytes);
            let r = m.as_request().unwrap();
            assert_eq!(r.method(), &Method::Prack);
            let rack = r.headers().rack().unwrap().unwrap();
            assert_eq!((rack.cseq, rack.method), (1, "INVITE"));
            pracks.push(rack.rseq);
        }
    }
    assert_eq!(pracks, [5, 6, 7]);
    let progress = std::iter::from_fn(|| alice.poll_event())
        .filter(|e| matches!(e, UaEvent::Progress { .. }))
        .count();
    assert_eq!(progress, 3);
}
