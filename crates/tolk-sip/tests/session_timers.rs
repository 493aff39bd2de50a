//! RFC 4028 session timers through the user agent core, with simulated
//! time: negotiation, refreshes at half the interval (UPDATE, or
//! re-INVITE when the peer does not allow UPDATE), BYE when no refresh
//! comes, and 422 with Min-SE.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

mod sim;

use std::time::{Duration, Instant};

use bytes::Bytes;
use sim::Net;
use sim::calls::*;
use tolk_sip::message::Response;
use tolk_sip::transport::Transport;
use tolk_sip::ua::{EndReason, UaConfig, UaEvent, UserAgent};
use tolk_sip::{Method, names};

fn config(session_expires: u32, min_se: u32) -> UaConfig {
    UaConfig {
        session_expires,
        min_se,
        ..UaConfig::default()
    }
}

/// (seconds since the start, interval, we refresh) of each refresh seen.
fn refreshes(net: &Net, at: &[(Instant, UaEvent)]) -> Vec<(u64, u64, bool)> {
    at.iter()
        .filter_map(|(t, e)| match e {
            UaEvent::SessionRefreshed {
                interval,
                we_refresh,
                ..
            } => Some(((*t - net.start).as_secs(), interval.as_secs(), *we_refresh)),
            _ => None,
        })
        .collect()
}

/// Runs both parties for `seconds` of simulated time, Bob answering
/// everything; returns their events stamped with the time.
#[allow(clippy::type_complexity)]
fn run_for(
    net: &mut Net,
    alice: &mut UserAgent,
    bob: &mut UserAgent,
    seconds: u64,
) -> (Vec<(Instant, UaEvent)>, Vec<(Instant, UaEvent)>) {
    let until = net.now + Duration::from_secs(seconds);
    let (mut a, mut b) = (vec![], vec![]);
    while net.now < until {
        if !net.step(&mut [alice, bob]) {
            break;
        }
        while let Some(e) = bob.poll_event() {
            answer_calls(bob, net.now, &e);
            b.push((net.now, e));
        }
        a.extend(std::iter::from_fn(|| alice.poll_event()).map(|e| (net.now, e)));
    }
    (a, b)
}

#[test]
fn the_caller_refreshes_with_update_at_half_the_interval_at_20_percent_loss() {
    for seed in 0..20 {
        let mut net = Net::new(seed, 0.2, vec![addr(ALICE), addr(BOB)]);
        let mut alice = ua_with(ALICE, seed, config(120, 90));
        let mut bob = ua(BOB, seed + 100);
        call_bob(&net, &mut alice);
        let (a, b) = run_for(&mut net, &mut alice, &mut bob, 400);
        assert!(
            a.iter()
                .chain(&b)
                .all(|(_, e)| !matches!(e, UaEvent::Terminated { .. })),
            "seed {seed}: the session lives on"
        );
        let (ra, rb) = (refreshes(&net, &a), refreshes(&net, &b));
        // An UPDATE every 60 s (lost ones are retransmitted within the
        // refresh's own transaction).
        assert!(ra.len() >= 5, "seed {seed}: {ra:?}");
        assert!((60..=70).contains(&ra[0].0), "seed {seed}: {ra:?}");
        assert!(ra.iter().all(|&(_, i, we)| i == 120 && we), "seed {seed}");
        assert!(rb.iter().all(|&(_, i, we)| i == 120 && !we), "seed {seed}");
        assert!(
            ra.windows(2)
                .all(|w| (60..=70).contains(&(w[1].0 - w[0].0))),
            "seed {seed}: {ra:?}"
        );
        let bob_saw_reinvite = b.iter().any(|(_, e)| matches!(e, UaEvent::Reinvite { .. }));
        assert!(!bob_saw_reinvite, "seed {seed}: refreshed with UPDATE");
    }
}

#[test]
fn a_peer_without_update_is_refreshed_with_a_reinvite_of_the_same_offer() {
    let mut net = Net::new(3, 0.0, vec![addr(ALICE), addr(BOB)]);
    let mut alice = ua_with(ALICE, 1, config(100, 90));
    let mut no_update = config(1800, 90);
    no_update.policy.allowed.retain(|m| *m != Method::Update);
    let mut bob = ua_with(BOB, 2, no_update);
    call_bob(&net, &mut alice);
    let (a, b) = run_for(&mut net, &mut alice, &mut bob, 120);
    let offers: Vec<&Bytes> = b
        .iter()
        .filter_map(|(_, e)| match e {
            UaEvent::Reinvite { sdp, .. } => Some(sdp),
            _ => None,
        })
        .collect();
    assert_eq!(offers.len(), 2, "at 50 s and 100 s");
    assert!(offers.iter().all(|sdp| &sdp[..] == OFFER));
    assert_eq!(refreshes(&net, &a).len(), 2);
}

#[test]
fn without_a_refresh_the_callee_ends_the_session_with_bye() {
    let net = Net::new(1, 0.0, vec![]);
    let mut bob = ua(BOB, 2);
    let invite = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKs1\r\n\
        Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=a1\r\nTo: <sip:bob@y>\r\nCall-ID: s1\r\nCSeq: 1 INVITE\r\n\
        Supported: timer\r\nSession-Expires: 90\r\nContact: <sip:a@192.0.2.1>\r\nContent-Length: 0\r\n\r\n";
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), Bytes::from(invite));
    let Some(UaEvent::IncomingCall { dialog, .. }) = bob.poll_event() else {
        panic!("an incoming call")
    };
    bob.answer(net.now, dialog, 200, Bytes::from_static(ANSWER))
        .unwrap();
    let ok = std::iter::from_fn(|| bob.poll_transmit())
        .filter_map(|t| parse_transmit(&t.bytes).as_response().cloned())
        .find(|r| r.code() == 200)
        .unwrap();
    let se = ok.headers().session_expires().unwrap().unwrap();
    assert_eq!((se.delta, se.refresher()), (90, Some("uac")));
    let require: Vec<&str> = ok.headers().require().map(Result::unwrap).collect();
    assert_eq!(require, ["timer"]);
    let to = ok.headers().get(names::TO).unwrap().value_str().unwrap();
    let ack = format!(
        "ACK sip:tolk@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKs2\r\n\
         Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=a1\r\nTo: {to}\r\nCall-ID: s1\r\nCSeq: 1 ACK\r\n\
         Content-Length: 0\r\n\r\n"
    );
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), Bytes::from(ack));
    // No refresh from the caller: BYE at 90 - min(32, 90/3) = 60 s.
    let mut bye_at = None;
    while let Some(at) = bob
        .poll_timeout()
        .filter(|at| *at - net.now <= Duration::from_secs(100))
    {
        bob.handle_timeout(at);
        for t in std::iter::from_fn(|| bob.poll_transmit()) {
            let m = parse_transmit(&t.bytes);
            if m.as_request().is_some_and(|r| *r.method() == Method::Bye) {
                bye_at.get_or_insert((at - net.now).as_secs());
            }
        }
    }
    assert_eq!(bye_at, Some(60));
    let ended = std::iter::from_fn(|| bob.poll_event()).find_map(|e| match e {
        UaEvent::Terminated { reason, .. } => Some(reason),
        _ => None,
    });
    assert_eq!(ended, Some(EndReason::SessionExpired));
}

#[test]
fn too_brief_an_interval_gets_422_and_the_caller_retries_with_min_se() {
    let mut net = Net::new(5, 0.0, vec![addr(ALICE), addr(BOB)]);
    let mut alice = ua_with(ALICE, 1, config(60, 60));
    let mut bob = ua_with(BOB, 2, config(1800, 150));
    call_bob(&net, &mut alice);
    let (a, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |a, _| {
        a.iter().any(|e| matches!(e, UaEvent::Answered { .. }))
    });
    let answered: Vec<&Response> = a
        .iter()
        .filter_map(|e| match e {
            UaEvent::Answered { response, .. } => Some(response),
            _ => None,
        })
        .collect();
    let se = answered[0].headers().session_expires().unwrap().unwrap();
    assert_eq!(se.delta, 150, "the retry asked for Bob's Min-SE");
    assert_eq!(answered[0].headers().cseq().unwrap().seq, 2);
    assert_eq!(
        b.iter()
            .filter(|e| matches!(e, UaEvent::IncomingCall { .. }))
            .count(),
        1,
        "the 422 reached no user"
    );
}
