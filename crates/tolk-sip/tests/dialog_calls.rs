//! The user agent core end to end over the simulated network: calls,
//! CANCEL, BYE, re-INVITE glare, in-dialog requests, route sets, forking.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

mod sim;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use sim::Net;
use sim::calls::*;
use tolk_sip::dialog::DialogId;
use tolk_sip::transport::{Target, Transport};
use tolk_sip::ua::{EndReason, Invite, UaEvent, UserAgent};
use tolk_sip::{Message, Method, names};

#[test]
fn calls_complete_at_20_percent_loss() {
    let mut lost = 0;
    for seed in 0..100 {
        let mut net = Net::new(seed, 0.2, vec![addr(ALICE), addr(BOB)]);
        let (mut alice, mut bob) = (ua(ALICE, seed), ua(BOB, seed + 500));
        let d = call_bob(&net, &mut alice);
        let (a, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |a, b| {
            a.iter().any(|e| matches!(e, UaEvent::Answered { .. }))
                && b.iter().any(|e| matches!(e, UaEvent::Confirmed { .. }))
        });
        let answer = a.iter().find_map(|e| match e {
            UaEvent::Answered { response, .. } => Some(response.body().clone()),
            _ => None,
        });
        assert_eq!(answer.as_deref(), Some(ANSWER), "seed {seed}: {a:?}");
        let offer = b.iter().find_map(|e| match e {
            UaEvent::IncomingCall { sdp, .. } => Some(sdp.clone()),
            _ => None,
        });
        assert_eq!(offer.as_deref(), Some(OFFER), "seed {seed}");
        assert!(
            b.iter().any(|e| matches!(e, UaEvent::Confirmed { .. })),
            "seed {seed}: ACK arrived"
        );

        alice.bye(net.now, d).unwrap();
        let (a, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |a, b| {
            terminated(a).is_some() && terminated(b).is_some()
        });
        assert_eq!(terminated(&a), Some(EndReason::LocalBye), "seed {seed}");
        assert_eq!(terminated(&b), Some(EndReason::RemoteBye), "seed {seed}");
        assert_eq!((alice.dialog_count(), bob.dialog_count()), (0, 0));
        // Let every transaction run out.
        run(&mut net, &mut alice, &mut bob, answer_calls, |_, _| false);
        assert!(
            alice.transactions().is_empty() && bob.transactions().is_empty(),
            "seed {seed}"
        );
        lost += net.dropped;
    }
    assert!(lost > 100, "datagrams were lost: {lost}");
}

#[test]
fn cancel_ends_both_sides() {
    let mut net = Net::new(3, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, 1), ua(BOB, 2));
    let d = call_bob(&net, &mut alice);
    let ring = |bob: &mut UserAgent, now, e: &UaEvent| {
        if let UaEvent::IncomingCall { dialog, .. } = e {
            bob.answer(now, *dialog, 180, Bytes::new()).unwrap();
        }
    };
    run(&mut net, &mut alice, &mut bob, ring, |a, _| {
        a.iter().any(|e| matches!(e, UaEvent::Progress { .. }))
    });
    alice.cancel(net.now, d).unwrap();
    let (a, b) = run(&mut net, &mut alice, &mut bob, ring, |a, b| {
        terminated(a).is_some() && terminated(b).is_some()
    });
    assert_eq!(terminated(&b), Some(EndReason::Cancelled));
    assert_eq!(terminated(&a), Some(EndReason::Rejected(487)));
}

#[test]
fn reinvite_glare_gets_491_on_both_sides_then_a_retry_succeeds() {
    let (mut net, mut alice, mut bob, d, b) = confirmed_call(4, (1, 2));
    let UaEvent::IncomingCall { dialog: bd, .. } = b[0] else {
        panic!()
    };
    alice
        .reinvite(net.now, d, Bytes::from_static(OFFER))
        .unwrap();
    bob.reinvite(net.now, bd, Bytes::from_static(ANSWER))
        .unwrap();
    // The two re-INVITEs cross on the wire.
    let (from_alice, from_bob) = (alice.poll_transmit().unwrap(), bob.poll_transmit().unwrap());
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), from_alice.bytes);
    alice.handle_input(net.now, Transport::Udp, addr(BOB), from_bob.bytes);
    let results = |events: &[UaEvent]| -> Vec<u16> {
        events
            .iter()
            .filter_map(|e| match e {
                UaEvent::ReinviteResult { response, .. } => Some(response.code()),
                _ => None,
            })
            .collect()
    };
    let (a, b) = run(
        &mut net,
        &mut alice,
        &mut bob,
        |_, _, _| {},
        |a, b| !results(a).is_empty() && !results(b).is_empty(),
    );
    assert_eq!(
        (results(&a), results(&b)),
        (vec![491], vec![491]),
        "{a:#?} {b:#?}"
    );
    // RFC 3261 14.1: the owner of the Call-ID retries after 2.1-4 s.
    net.now += Duration::from_millis(2500);
    alice
        .reinvite(net.now, d, Bytes::from_static(OFFER))
        .unwrap();
    let (a, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |a, _| {
        !results(a).is_empty()
    });
    assert_eq!(results(&a), [200]);
    assert!(b.iter().any(|e| matches!(e, UaEvent::Reinvite { .. })));
}

#[test]
fn info_update_message_and_options_inside_the_dialog() {
    let mut net = Net::new(5, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, 1), ua(BOB, 2));
    let d = call_bob(&net, &mut alice);
    run(&mut net, &mut alice, &mut bob, answer_calls, |a, _| {
        a.iter().any(|e| matches!(e, UaEvent::Answered { .. }))
    });
    let body = (
        "application/media_control+xml",
        Bytes::from_static(b"<media_control/>"),
    );
    for method in [
        Method::Info,
        Method::Update,
        Method::Message,
        Method::Options,
    ] {
        let tx = alice
            .request(net.now, d, method.clone(), Some(body.clone()))
            .unwrap();
        let (a, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |a, _| {
            a.iter().any(|e| matches!(e, UaEvent::Response { id, response, .. } if *id == tx && response.code() == 200))
        });
        assert!(
            a.iter().any(|e| matches!(e, UaEvent::Response { .. })),
            "{method}"
        );
        let seen = b.iter().any(|e| matches!(e, UaEvent::Request { dialog: Some(_), request, .. } if *request.method() == method));
        assert!(seen, "{method} reached Bob's user inside the dialog");
    }
}

#[test]
fn a_request_waits_for_the_early_dialog_and_then_reaches_it() {
    let mut net = Net::new(6, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, 1), ua(BOB, 2));
    let d = call_bob(&net, &mut alice);
    let body = ("text/plain", Bytes::from_static(b"while ringing"));
    // RFC 3261 12.1: no response with a To tag yet, so no dialog.
    let early = alice.request(net.now, d, Method::Message, Some(body.clone()));
    assert!(
        matches!(early, Err(tolk_sip::Error::NoDialogYet)),
        "{early:?}"
    );
    let ring = |bob: &mut UserAgent, now, e: &UaEvent| {
        if let UaEvent::IncomingCall { dialog, .. } = e {
            bob.answer(now, *dialog, 180, Bytes::new()).unwrap();
        }
    };
    run(&mut net, &mut alice, &mut bob, ring, |a, _| {
        a.iter().any(|e| matches!(e, UaEvent::Progress { .. }))
    });
    alice
        .request(net.now, d, Method::Message, Some(body))
        .unwrap();
    let (_, b) = run(
        &mut net,
        &mut alice,
        &mut bob,
        |_, _, _| {},
        |_, b| b.iter().any(|e| matches!(e, UaEvent::Request { .. })),
    );
    let seen = b.iter().any(|e| matches!(e, UaEvent::Request { dialog: Some(_), request, .. } if *request.method() == Method::Message));
    assert!(
        seen,
        "the MESSAGE reached Bob inside the early dialog: {b:#?}"
    );
}

#[test]
fn out_of_dialog_options_is_answered_by_the_core_and_stray_requests_get_481() {
    let now = Net::new(1, 0.0, vec![]).now;
    let mut bob = ua(BOB, 2);
    let options = "OPTIONS sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKo1\r\n\
        Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:bob@y>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\n\
        Content-Length: 0\r\n\r\n";
    bob.handle_input(now, Transport::Udp, addr(ALICE), Bytes::from(options));
    let Message::Response(ok) = parse_transmit(&bob.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    assert_eq!(ok.code(), 200);
    assert!(ok.headers().allow().any(|m| m.unwrap() == "INVITE"));
    assert!(bob.poll_event().is_none());

    let bye = options
        .replace("OPTIONS", "BYE")
        .replace("<sip:bob@y>", "<sip:bob@y>;tag=nope")
        .replace("z9hG4bKo1", "z9hG4bKo2");
    bob.handle_input(now, Transport::Udp, addr(ALICE), Bytes::from(bye));
    let Message::Response(r) = parse_transmit(&bob.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    assert_eq!(r.code(), 481);
}

#[test]
fn record_route_is_echoed_and_in_dialog_requests_loose_route() {
    let now = Net::new(1, 0.0, vec![]).now;
    let mut bob = ua(BOB, 2);
    let invite = format!(
        "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKp1\r\n\
         Record-Route: <sip:192.0.2.50;lr>\r\nMax-Forwards: 69\r\nFrom: <sip:a@x>;tag=a9\r\n\
         To: <sip:bob@y>\r\nCall-ID: rr1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@192.0.2.1>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n",
        OFFER.len()
    ) + std::str::from_utf8(OFFER).unwrap();
    bob.handle_input(
        now,
        Transport::Udp,
        addr("192.0.2.50:5060"),
        Bytes::from(invite),
    );
    bob.poll_transmit().unwrap(); // 100 Trying
    let Some(UaEvent::IncomingCall { dialog, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(now, dialog, 200, Bytes::from_static(ANSWER))
        .unwrap();
    let Message::Response(ok) = parse_transmit(&bob.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    assert_eq!(
        ok.headers().record_routes().count(),
        1,
        "Record-Route copied into the 2xx"
    );
    assert!(ok.headers().contacts().next().is_some());
    let tag = ok.headers().to().unwrap().tag().unwrap().to_owned();

    let ack = format!(
        "ACK sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKp2\r\n\
         Route: <sip:192.0.2.50;lr>\r\nMax-Forwards: 69\r\nFrom: <sip:a@x>;tag=a9\r\n\
         To: <sip:bob@y>;tag={tag}\r\nCall-ID: rr1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    );
    bob.handle_input(
        now,
        Transport::Udp,
        addr("192.0.2.50:5060"),
        Bytes::from(ack),
    );
    assert!(matches!(bob.poll_event(), Some(UaEvent::Confirmed { .. })));

    bob.bye(now, dialog).unwrap();
    let t = bob.poll_transmit().unwrap();
    assert_eq!(
        t.target.addr,
        addr("192.0.2.50:5060"),
        "sent to the first route"
    );
    let Message::Request(bye) = parse_transmit(&t.bytes) else {
        panic!()
    };
    assert_eq!(
        bye.uri_str(),
        "sip:a@192.0.2.1",
        "loose routing keeps the remote target"
    );
    assert_eq!(bye.headers().routes().count(), 1);
    assert_eq!(bye.headers().to().unwrap().tag(), Some("a9"));
}

#[test]
fn a_second_fork_is_acknowledged_and_ended_with_bye() {
    let mut net = Net::new(1, 0.0, vec![]);
    let mut alice = ua(ALICE, 1);
    let d = call_bob(&net, &mut alice);
    let Message::Request(invite) = parse_transmit(&alice.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    let ok = |tag: &str, contact: &str| {
        tolk_sip::Response::for_request(&invite, 200)
            .to_tag(tag)
            .header(names::CONTACT, contact)
            .body("application/sdp", Bytes::from_static(ANSWER))
            .build()
            .unwrap()
            .to_bytes()
    };
    net.now += Duration::from_millis(30);
    alice.handle_input(
        net.now,
        Transport::Udp,
        addr(BOB),
        ok("fork1", "<sip:b@192.0.2.2>"),
    );
    assert!(matches!(alice.poll_event(), Some(UaEvent::Answered { dialog, .. }) if dialog == d));
    let Message::Request(ack) = parse_transmit(&alice.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    assert_eq!(ack.method(), &Method::Ack);

    alice.handle_input(
        net.now,
        Transport::Udp,
        addr("192.0.2.3:5060"),
        ok("fork2", "<sip:b@192.0.2.3>"),
    );
    assert!(
        alice.poll_event().is_none(),
        "the second fork is handled by the core"
    );
    let sent: Vec<(SocketAddr, Message)> = std::iter::from_fn(|| alice.poll_transmit())
        .map(|t| (t.target.addr, parse_transmit(&t.bytes)))
        .collect();
    let methods: Vec<&str> = sent
        .iter()
        .filter_map(|(_, m)| m.as_request())
        .map(|r| r.method().as_str())
        .collect();
    assert_eq!(methods, ["ACK", "BYE"]);
    assert!(
        sent.iter().all(|(a, m)| *a == addr("192.0.2.3:5060")
            && m.headers().to().unwrap().tag() == Some("fork2"))
    );
    assert_eq!(alice.dialog(d).unwrap().remote_tag(), Some("fork1"));
}

#[test]
fn a_bye_ends_the_dialog_at_once_and_is_resent_until_timer_f() {
    let (mut net, mut alice, mut bob, d, _) = confirmed_call(4, (4, 5));
    // RFC 3261 section 15.1.1: the session is over once the BYE is
    // handed to its transaction, answered or not.
    alice.bye(net.now, d).unwrap();
    assert!(matches!(
        alice.poll_event(),
        Some(UaEvent::Terminated { dialog, reason: EndReason::LocalBye }) if dialog == d
    ));
    assert_eq!(alice.dialog_count(), 0);
    assert!(
        alice.hangup(net.now, d).is_err(),
        "hanging up again is refused, nothing is sent"
    );
    // Bob never hears it: the BYE is resent until Timer F, and its
    // timeout tells Alice nothing more.
    net.loss = 1.0;
    let (sent, started) = (net.sent, net.elapsed());
    let (a, _) = run(&mut net, &mut alice, &mut bob, |_, _, _| {}, |_, _| false);
    let byes = net.sent - sent;
    assert!(byes >= 2, "the BYE went out {byes} times");
    assert!(a.is_empty(), "no event after the dialog ended: {a:?}");
    assert!(alice.transactions().is_empty());
    assert!(net.elapsed() - started >= Duration::from_secs(32));
}

#[test]
fn the_invite_kept_for_2xx_retransmissions_is_forgotten_at_timer_m() {
    let (mut net, mut alice, mut bob, d, _) = confirmed_call(6, (6, 7));
    alice.bye(net.now, d).unwrap();
    // Past Timer M (64*T1) of the INVITE and Timer K of the BYE.
    run(&mut net, &mut alice, &mut bob, answer_calls, |_, _| false);
    assert!(alice.transactions().is_empty() && bob.transactions().is_empty());
    assert!(alice.is_idle(), "Alice still tracks a request: {alice:?}");
    assert!(bob.is_idle(), "Bob still tracks a request: {bob:?}");
}

#[test]
fn a_reinvite_pending_when_we_send_bye_gets_487_and_is_forgotten() {
    let (mut net, mut alice, mut bob, d, b) = confirmed_call(7, (8, 9));
    let UaEvent::IncomingCall { dialog: bd, .. } = b[0] else {
        panic!()
    };
    bob.reinvite(net.now, bd, Bytes::from_static(ANSWER))
        .unwrap();
    let (a, _) = run(
        &mut net,
        &mut alice,
        &mut bob,
        |_, _, _| {},
        |a, _| a.iter().any(|e| matches!(e, UaEvent::Reinvite { .. })),
    );
    assert!(a.iter().any(|e| matches!(e, UaEvent::Reinvite { .. })));
    // Alice hangs up instead of answering Bob's re-INVITE.
    alice.bye(net.now, d).unwrap();
    let (_, b) = run(&mut net, &mut alice, &mut bob, |_, _, _| {}, |_, _| false);
    assert_eq!(terminated(&b), Some(EndReason::RemoteBye));
    // Bob's INVITE transaction, past its 100 Trying, has no timer left:
    // only a final answer (the 487) ends it.
    assert!(alice.transactions().is_empty() && bob.transactions().is_empty());
    assert!(
        alice.is_idle(),
        "Alice still tracks the re-INVITE: {alice:?}"
    );
    assert!(bob.is_idle(), "Bob still tracks his re-INVITE: {bob:?}");
}

#[test]
fn a_2xx_without_ack_is_resent_then_the_call_is_ended() {
    let mut net = Net::new(1, 1.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, 1), ua(BOB, 2));
    call_bob(&net, &mut alice);
    // Deliver the INVITE by hand, then lose everything.
    let invite = alice.poll_transmit().unwrap();
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), invite.bytes);
    let (_, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |_, b| {
        terminated(b).is_some()
    });
    assert_eq!(terminated(&b), Some(EndReason::NoAck));
    assert!(net.elapsed() >= Duration::from_secs(32) && net.elapsed() < Duration::from_secs(33));
}

#[test]
fn extensions_the_core_does_not_implement_are_refused_with_420() {
    let now = Net::new(1, 0.0, vec![]).now;
    let mut bob = ua(BOB, 2);
    let invite = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKe1\r\n\
        Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:bob@y>\r\nCall-ID: e1\r\nCSeq: 1 INVITE\r\n\
        Require: 100rel, x-teleport\r\nContact: <sip:a@192.0.2.1>\r\nContent-Length: 0\r\n\r\n";
    bob.handle_input(now, Transport::Udp, addr(ALICE), Bytes::from(invite));
    let responses: Vec<_> = std::iter::from_fn(|| bob.poll_transmit())
        .filter_map(|t| parse_transmit(&t.bytes).as_response().cloned())
        .collect();
    let codes: Vec<u16> = responses.iter().map(|r| r.code()).collect();
    assert_eq!(codes, [100, 420]);
    let unsupported: Vec<&str> = responses[1]
        .headers()
        .unsupported()
        .map(Result::unwrap)
        .collect();
    assert_eq!(unsupported, ["x-teleport"], "100rel is supported now");
    assert!(bob.poll_event().is_none());
}

#[test]
fn late_offer_gets_its_answer_in_the_users_ack() {
    let mut net = Net::new(6, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, 1), ua(BOB, 2));
    let invite = Invite {
        from: "<sip:alice@example.com>".into(),
        to: "<sip:bob@example.com>".into(),
        request_uri: format!("sip:bob@{BOB}"),
        target: Target {
            transport: Transport::Udp,
            addr: addr(BOB),
        },
        sdp: Bytes::new(),
        headers: vec![],
        credentials: None,
    };
    let d = alice.invite(net.now, invite).unwrap();
    let offer_in_200 = |bob: &mut UserAgent, now, e: &UaEvent| {
        if let UaEvent::IncomingCall { dialog, sdp, .. } = e {
            assert!(sdp.is_empty(), "a late offer");
            bob.answer(now, *dialog, 200, Bytes::from_static(OFFER))
                .unwrap();
        }
    };
    let (a, _) = run(&mut net, &mut alice, &mut bob, offer_in_200, |a, _| {
        a.iter().any(|e| matches!(e, UaEvent::Answered { .. }))
    });
    let offer = a.iter().find_map(|e| match e {
        UaEvent::Answered { response, .. } => Some(response.body().clone()),
        _ => None,
    });
    assert_eq!(offer.as_deref(), Some(OFFER));
    alice.ack(net.now, d, Bytes::from_static(ANSWER)).unwrap();
    assert!(
        alice.ack(net.now, d, Bytes::new()).is_err(),
        "one ACK per 2xx"
    );
    let (_, b) = run(
        &mut net,
        &mut alice,
        &mut bob,
        |_, _, _| {},
        |_, b| b.iter().any(|e| matches!(e, UaEvent::Confirmed { .. })),
    );
    let ack_body = b.iter().find_map(|e| match e {
        UaEvent::Confirmed { ack, .. } => Some(ack.body().clone()),
        _ => None,
    });
    assert_eq!(ack_body.as_deref(), Some(ANSWER));
}

#[test]
fn a_call_placed_under_an_id_chosen_beforehand_runs_under_it() {
    let mut net = Net::new(7, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, 7), ua(BOB, 507));
    // Another task takes the id first; the user agent's own ids never clash with it.
    let ids = alice.dialog_ids();
    let chosen = ids.next();
    alice.place(net.now, chosen, invite_bob(OFFER));
    let own = alice.invite(net.now, invite_bob(OFFER)).unwrap();
    assert_ne!(own, chosen);
    let (a, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |a, _| {
        a.iter()
            .filter(|e| matches!(e, UaEvent::Answered { .. }))
            .count()
            == 2
    });
    assert!(
        a.iter()
            .any(|e| matches!(e, UaEvent::Answered { dialog, .. } if *dialog == chosen)),
        "{a:?}"
    );
    // Bob learns where each INVITE came from: Alice's transport address.
    let sources: Vec<Target> = b
        .iter()
        .filter_map(|e| match e {
            UaEvent::IncomingCall { source, .. } => Some(*source),
            _ => None,
        })
        .collect();
    let alice_udp = Target {
        transport: Transport::Udp,
        addr: addr(ALICE),
    };
    assert_eq!(sources, vec![alice_udp, alice_udp]);
}

#[test]
fn a_call_that_cannot_be_placed_ends_with_503_under_its_id() {
    let net = Net::new(8, 0.0, vec![addr(ALICE), addr(BOB)]);
    let mut alice = ua(ALICE, 8);
    let id = alice.dialog_ids().next();
    // No local address for TCP: the INVITE cannot be sent.
    let mut invite = invite_bob(OFFER);
    invite.target.transport = Transport::Tcp;
    alice.place(net.now, id, invite);
    assert_eq!(
        alice.poll_event(),
        Some(UaEvent::Terminated {
            dialog: id,
            reason: EndReason::Rejected(503),
        })
    );
    assert!(alice.dialog(id).is_none());
}

/// Alice calls Bob and both sides confirm, delivered by hand: Alice's
/// and Bob's dialog ids, and Bob's 2xx as sent.
/// Alice's call to Bob, answered and confirmed on a lossless network
/// seeded `net_seed`: the network, both user agents, Alice's dialog and
/// Bob's events so far.
fn confirmed_call(
    net_seed: u64,
    (alice_seed, bob_seed): (u64, u64),
) -> (Net, UserAgent, UserAgent, DialogId, Vec<UaEvent>) {
    let mut net = Net::new(net_seed, 0.0, vec![addr(ALICE), addr(BOB)]);
    let (mut alice, mut bob) = (ua(ALICE, alice_seed), ua(BOB, bob_seed));
    let d = call_bob(&net, &mut alice);
    let (_, b) = run(&mut net, &mut alice, &mut bob, answer_calls, |_, b| {
        b.iter().any(|e| matches!(e, UaEvent::Confirmed { .. }))
    });
    (net, alice, bob, d, b)
}

fn confirmed_by_hand(
    net: &Net,
    alice: &mut UserAgent,
    bob: &mut UserAgent,
) -> (DialogId, DialogId, Bytes) {
    let d = call_bob(net, alice);
    deliver(net, alice, ALICE, bob);
    let Some(UaEvent::IncomingCall { dialog: bd, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(net.now, bd, 200, Bytes::from_static(ANSWER))
        .unwrap();
    let ok = deliver(net, bob, BOB, alice).pop().unwrap();
    deliver(net, alice, ALICE, bob);
    assert!(matches!(alice.poll_event(), Some(UaEvent::Answered { .. })));
    assert!(matches!(bob.poll_event(), Some(UaEvent::Confirmed { .. })));
    (d, bd, ok)
}

/// Hands everything `from` sends to `to`; returns what was sent.
fn deliver(net: &Net, from: &mut UserAgent, source: &str, to: &mut UserAgent) -> Vec<Bytes> {
    let sent: Vec<Bytes> = std::iter::from_fn(|| from.poll_transmit())
        .map(|t| t.bytes)
        .collect();
    for bytes in &sent {
        to.handle_input(net.now, Transport::Udp, addr(source), bytes.clone());
    }
    sent
}

/// What `ua` sends (request method or status code with the CSeq
/// number), taken off its queue.
fn sent(ua: &mut UserAgent) -> Vec<String> {
    std::iter::from_fn(|| ua.poll_transmit())
        .map(|t| {
            let message = parse_transmit(&t.bytes);
            let seq = message.headers().cseq().unwrap().seq;
            match message {
                Message::Request(r) => format!("{} {seq}", r.method().as_str()),
                Message::Response(r) => format!("{} {seq}", r.code()),
            }
        })
        .collect()
}

#[test]
fn a_2xx_retransmitted_after_our_bye_gets_the_ack_again_and_no_second_bye() {
    let net = Net::new(8, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 10), ua(BOB, 11));
    let (d, _, ok) = confirmed_by_hand(&net, &mut alice, &mut bob);
    alice.bye(net.now, d).unwrap();
    assert_eq!(sent(&mut alice), ["BYE 2"]);
    for _ in 0..2 {
        alice.handle_input(net.now, Transport::Udp, addr(BOB), ok.clone());
        assert_eq!(sent(&mut alice), ["ACK 1"], "RFC 3261 13.2.2.4");
    }
}

#[test]
fn a_2xx_to_our_reinvite_crossing_our_bye_is_acked() {
    let net = Net::new(9, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 12), ua(BOB, 13));
    let (d, _, _) = confirmed_by_hand(&net, &mut alice, &mut bob);
    alice
        .reinvite(net.now, d, Bytes::from_static(OFFER))
        .unwrap();
    deliver(&net, &mut alice, ALICE, &mut bob);
    let Some(UaEvent::Reinvite { dialog: bd, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(net.now, bd, 200, Bytes::from_static(ANSWER))
        .unwrap();
    let answers: Vec<Bytes> = std::iter::from_fn(|| bob.poll_transmit())
        .map(|t| t.bytes)
        .collect();
    // Alice hangs up before Bob's 200 reaches her (RFC 5407 section 3.4).
    alice.bye(net.now, d).unwrap();
    assert_eq!(sent(&mut alice), ["BYE 3"]);
    for _ in 0..2 {
        for bytes in &answers {
            alice.handle_input(net.now, Transport::Udp, addr(BOB), bytes.clone());
        }
        assert_eq!(sent(&mut alice), ["ACK 2"], "every 2xx is ACKed");
    }
    let events: Vec<UaEvent> = std::iter::from_fn(|| alice.poll_event()).collect();
    assert!(
        matches!(
            events[..],
            [UaEvent::Terminated {
                reason: EndReason::LocalBye,
                ..
            }]
        ),
        "{events:?}"
    );
}

#[test]
fn crossing_byes_both_get_200_until_the_record_expires() {
    let mut net = Net::new(10, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 14), ua(BOB, 15));
    let (d, bd, _) = confirmed_by_hand(&net, &mut alice, &mut bob);
    alice.bye(net.now, d).unwrap();
    bob.bye(net.now, bd).unwrap();
    let (from_alice, from_bob) = (alice.poll_transmit().unwrap(), bob.poll_transmit().unwrap());
    // RFC 5407 section 3.1: each side answers the other's BYE with 200.
    alice.handle_input(net.now, Transport::Udp, addr(BOB), from_bob.bytes.clone());
    assert_eq!(sent(&mut alice), ["200 1"]);
    bob.handle_input(net.now, Transport::Udp, addr(ALICE), from_alice.bytes);
    assert_eq!(sent(&mut bob), ["200 2"]);
    // After 64*T1 the record is gone: a BYE then finds no dialog.
    for _ in 0..100 {
        let Some(at) = alice.poll_timeout() else {
            break;
        };
        net.now = at;
        alice.handle_timeout(net.now);
        alice.poll_transmit();
    }
    assert!(alice.is_idle(), "{alice:?}");
    assert!(net.elapsed() >= Duration::from_secs(32));
    let late = std::str::from_utf8(&from_bob.bytes)
        .unwrap()
        .replace("z9hG4bK", "z9hG4bKlate");
    alice.handle_input(net.now, Transport::Udp, addr(BOB), Bytes::from(late));
    assert_eq!(sent(&mut alice), ["481 1"]);
}

#[test]
fn as_callee_a_bye_waits_for_the_ack_of_our_2xx() {
    let net = Net::new(11, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 16), ua(BOB, 17));
    call_bob(&net, &mut alice);
    deliver(&net, &mut alice, ALICE, &mut bob);
    let Some(UaEvent::IncomingCall { dialog: bd, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(net.now, bd, 200, Bytes::from_static(ANSWER))
        .unwrap();
    bob.bye(net.now, bd).unwrap();
    assert!(matches!(
        bob.poll_event(),
        Some(UaEvent::Terminated {
            reason: EndReason::LocalBye,
            ..
        })
    ));
    let out = deliver(&net, &mut bob, BOB, &mut alice);
    assert!(
        out.iter().all(|b| parse_transmit(b).as_request().is_none()),
        "RFC 3261 section 15: no BYE before the ACK"
    );
    // Alice ACKs the 2xx; Bob's BYE follows.
    deliver(&net, &mut alice, ALICE, &mut bob);
    assert_eq!(sent(&mut bob), ["BYE 1"]);
}

#[test]
fn as_callee_a_bye_held_for_the_ack_is_dropped_when_the_peer_hangs_up_first() {
    let mut net = Net::new(13, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 20), ua(BOB, 21));
    let d = call_bob(&net, &mut alice);
    deliver(&net, &mut alice, ALICE, &mut bob);
    let Some(UaEvent::IncomingCall { dialog: bd, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(net.now, bd, 200, Bytes::from_static(ANSWER))
        .unwrap();
    bob.bye(net.now, bd).unwrap();
    deliver(&net, &mut bob, BOB, &mut alice);
    sent(&mut alice); // the ACK, lost
    alice.bye(net.now, d).unwrap();
    deliver(&net, &mut alice, ALICE, &mut bob);
    assert_eq!(sent(&mut bob), ["200 2"], "RFC 5407 section 3.1");
    for _ in 0..200 {
        let Some(at) = bob.poll_timeout() else { break };
        net.now = at;
        bob.handle_timeout(at);
        let out = sent(&mut bob);
        assert!(!out.contains(&"BYE 1".to_owned()), "{out:?}");
    }
    assert!(bob.is_idle(), "{bob:?}");
}

#[test]
fn as_callee_a_bye_held_for_an_ack_that_never_comes_leaves_after_64_t1() {
    let mut net = Net::new(12, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 18), ua(BOB, 19));
    call_bob(&net, &mut alice);
    deliver(&net, &mut alice, ALICE, &mut bob);
    let Some(UaEvent::IncomingCall { dialog: bd, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(net.now, bd, 200, Bytes::from_static(ANSWER))
        .unwrap();
    bob.bye(net.now, bd).unwrap();
    sent(&mut bob); // 100 Trying and the first 200 OK
    let (mut resent, mut bye_at) = (0, None);
    for _ in 0..200 {
        let Some(at) = bob.poll_timeout() else { break };
        net.now = at;
        bob.handle_timeout(at);
        for message in sent(&mut bob) {
            match message.as_str() {
                "200 1" if bye_at.is_none() => resent += 1,
                "BYE 1" if bye_at.is_none() => bye_at = Some(net.elapsed()),
                _ => {}
            }
        }
    }
    assert!(resent >= 5, "the 2xx was resent {resent} times");
    let bye_at = bye_at.unwrap();
    assert!(bye_at >= Duration::from_secs(32) && bye_at < Duration::from_secs(33));
    assert!(
        bob.poll_event()
            .is_some_and(|e| matches!(e, UaEvent::Terminated { .. }))
    );
    assert!(bob.poll_event().is_none(), "the user heard of the end once");
    assert!(bob.is_idle() && bob.transactions().is_empty(), "{bob:?}");
}

/// What `ua` sends, parsed, taken off its queue.
fn sent_messages(ua: &mut UserAgent) -> Vec<Message> {
    std::iter::from_fn(|| ua.poll_transmit())
        .map(|t| parse_transmit(&t.bytes))
        .collect()
}

/// The method and CSeq number of each message, as [`sent`] names them.
fn names_of(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            let seq = m.headers().cseq().unwrap().seq;
            match m {
                Message::Request(r) => format!("{} {seq}", r.method().as_str()),
                Message::Response(r) => format!("{} {seq}", r.code()),
            }
        })
        .collect()
}

#[test]
fn a_2xx_crossing_our_cancel_is_acked_and_ended_with_one_bye() {
    let net = Net::new(14, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 22), ua(BOB, 23));
    let d = call_bob(&net, &mut alice);
    deliver(&net, &mut alice, ALICE, &mut bob);
    let Some(UaEvent::IncomingCall { dialog: bd, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(net.now, bd, 180, Bytes::new()).unwrap();
    deliver(&net, &mut bob, BOB, &mut alice); // 100, 180
    assert!(matches!(alice.poll_event(), Some(UaEvent::Progress { .. })));
    alice.cancel(net.now, d).unwrap();
    assert_eq!(
        sent(&mut alice),
        ["CANCEL 1"],
        "crossing Bob's 200 on the wire"
    );
    bob.answer(net.now, bd, 200, Bytes::from_static(ANSWER))
        .unwrap();
    let ok = bob.poll_transmit().unwrap().bytes;
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok.clone());
    let out = sent_messages(&mut alice);
    assert_eq!(names_of(&out), ["ACK 1", "BYE 2"], "RFC 3261 section 15");
    assert_eq!(
        alice.poll_event(),
        Some(UaEvent::Terminated {
            dialog: d,
            reason: EndReason::LocalBye
        }),
        "never Answered"
    );
    // Retransmissions of the 2xx get the ACK again, and nothing else.
    for _ in 0..2 {
        alice.handle_input(net.now, Transport::Udp, addr(BOB), ok.clone());
        assert_eq!(sent(&mut alice), ["ACK 1"], "RFC 3261 13.2.2.4");
    }
    assert!(alice.poll_event().is_none());
    // Bob takes the ACK and the BYE: his call is up, then over.
    for message in out {
        bob.handle_input(net.now, Transport::Udp, addr(ALICE), message.to_bytes());
    }
    assert!(matches!(bob.poll_event(), Some(UaEvent::Confirmed { .. })));
    assert!(matches!(
        bob.poll_event(),
        Some(UaEvent::Terminated {
            reason: EndReason::RemoteBye,
            ..
        })
    ));
}

#[test]
fn a_forked_2xx_gets_one_bye_and_its_retransmissions_only_the_ack() {
    let mut net = Net::new(15, 0.0, vec![]);
    let mut alice = ua(ALICE, 24);
    let d = call_bob(&net, &mut alice);
    let Message::Request(invite) = parse_transmit(&alice.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    let ok = |tag: &str| {
        tolk_sip::Response::for_request(&invite, 200)
            .to_tag(tag)
            .header(names::CONTACT, format!("<sip:{tag}@192.0.2.2>"))
            .body("application/sdp", Bytes::from_static(ANSWER))
            .build()
            .unwrap()
            .to_bytes()
    };
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok("fork1"));
    assert!(matches!(alice.poll_event(), Some(UaEvent::Answered { .. })));
    assert_eq!(sent(&mut alice), ["ACK 1"]);
    // The second fork, while the first one's call is up, then after it
    // ended: each fork's first 2xx gets ACK and BYE, its retransmissions
    // the ACK again only.
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok("fork2"));
    assert_eq!(sent(&mut alice), ["ACK 1", "BYE 2"]);
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok("fork2"));
    assert_eq!(sent(&mut alice), ["ACK 1"]);
    alice.bye(net.now, d).unwrap();
    assert_eq!(sent(&mut alice), ["BYE 2"]);
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok("fork3"));
    assert_eq!(sent(&mut alice), ["ACK 1", "BYE 2"]);
    for fork in ["fork1", "fork2", "fork3"] {
        alice.handle_input(net.now, Transport::Udp, addr(BOB), ok(fork));
        assert_eq!(sent(&mut alice), ["ACK 1"], "{fork}");
    }
    // A fork's BYE crossing ours gets 200 (RFC 5407 section 3.1).
    let their_bye = format!(
        "BYE sip:alice@{ALICE} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKf3bye\r\n\
         Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=fork3\r\nTo: {};tag={}\r\n\
         Call-ID: {}\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n",
        "<sip:alice@example.com>",
        invite.headers().from().unwrap().tag().unwrap(),
        invite.headers().call_id().unwrap(),
    );
    alice.handle_input(net.now, Transport::Udp, addr(BOB), Bytes::from(their_bye));
    assert_eq!(sent(&mut alice), ["200 7"]);
    let events: Vec<UaEvent> = std::iter::from_fn(|| alice.poll_event()).collect();
    assert!(
        matches!(
            events[..],
            [UaEvent::Terminated {
                reason: EndReason::LocalBye,
                ..
            }]
        ),
        "{events:?}"
    );
    // Every record and BYE is gone after 64*T1.
    for _ in 0..200 {
        let Some(at) = alice.poll_timeout() else {
            break;
        };
        net.now = at;
        alice.handle_timeout(at);
        sent(&mut alice);
    }
    assert!(
        alice.is_idle() && alice.transactions().is_empty(),
        "{alice:?}"
    );
}

#[test]
fn hanging_up_a_late_offer_before_its_ack_sends_an_ack_declining_the_offer_then_bye() {
    let net = Net::new(16, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 26), ua(BOB, 27));
    let d = alice.invite(net.now, invite_bob(b"")).unwrap();
    deliver(&net, &mut alice, ALICE, &mut bob);
    let Some(UaEvent::IncomingCall { dialog: bd, .. }) = bob.poll_event() else {
        panic!()
    };
    bob.answer(net.now, bd, 200, Bytes::from_static(OFFER))
        .unwrap();
    let ok = deliver(&net, &mut bob, BOB, &mut alice).pop().unwrap();
    assert!(matches!(alice.poll_event(), Some(UaEvent::Answered { .. })));
    assert!(sent(&mut alice).is_empty(), "the ACK is the user's");
    alice.bye(net.now, d).unwrap();
    let out = sent_messages(&mut alice);
    assert_eq!(names_of(&out), ["ACK 1", "BYE 2"], "RFC 3261 13.2.2.4");
    let declined = b"m=audio 0 RTP/AVP 0\r\n";
    let ack = out[0].clone();
    assert!(ack.body().ends_with(declined), "{ack:?}");
    // The 2xx again: the same answer again.
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok);
    let again = sent_messages(&mut alice);
    assert_eq!(names_of(&again), ["ACK 1"]);
    assert_eq!(again[0].body(), ack.body());
    // Bob's call is confirmed by the answer, then ended.
    for message in out {
        bob.handle_input(net.now, Transport::Udp, addr(ALICE), message.to_bytes());
    }
    let Some(UaEvent::Confirmed { ack, .. }) = bob.poll_event() else {
        panic!()
    };
    assert!(ack.body().ends_with(declined));
    assert!(matches!(
        bob.poll_event(),
        Some(UaEvent::Terminated {
            reason: EndReason::RemoteBye,
            ..
        })
    ));
}

#[test]
fn a_2xx_retransmitted_for_our_reinvite_gets_its_ack_again() {
    let net = Net::new(17, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 28), ua(BOB, 29));
    let (d, _, _) = confirmed_by_hand(&net, &mut alice, &mut bob);
    let reinvite = |alice: &mut UserAgent, bob: &mut UserAgent| {
        let ok = reinvite_answered(&net, alice, bob, d);
        let events: Vec<UaEvent> = std::iter::from_fn(|| alice.poll_event()).collect();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, UaEvent::ReinviteResult { .. })),
            "{events:?}"
        );
        ok
    };
    let ok2 = reinvite(&mut alice, &mut bob);
    assert_eq!(sent(&mut alice), ["ACK 2"]);
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok2.clone());
    assert_eq!(sent(&mut alice), ["ACK 2"], "RFC 3261 13.2.2.4");
    // After a later re-INVITE, its 2xx still gets an ACK of its own.
    let ok3 = reinvite(&mut alice, &mut bob);
    assert_eq!(sent(&mut alice), ["ACK 3"]);
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok2);
    assert_eq!(sent(&mut alice), ["ACK 2"]);
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok3);
    assert_eq!(sent(&mut alice), ["ACK 3"]);
    assert!(alice.poll_event().is_none());
}

#[test]
fn a_late_offers_2xx_retransmitted_after_a_reinvite_gets_the_ack_with_its_answer() {
    let net = Net::new(18, 0.0, vec![]);
    let (mut alice, mut bob) = (ua(ALICE, 30), ua(BOB, 31));
    let d = alice.invite(net.now, invite_bob(b"")).unwrap(); // a late offer
    deliver(&net, &mut alice, ALICE, &mut bob);
    let Some(UaEvent::IncomingCall { dialog: bd, .. }) = bob.poll_event() else {
        panic!("Bob is called")
    };
    bob.answer(net.now, bd, 200, Bytes::from_static(OFFER))
        .unwrap();
    let ok1 = deliver(&net, &mut bob, BOB, &mut alice).pop().unwrap();
    assert!(matches!(alice.poll_event(), Some(UaEvent::Answered { .. })));
    alice.ack(net.now, d, Bytes::from_static(ANSWER)).unwrap();
    deliver(&net, &mut alice, ALICE, &mut bob);
    // A re-INVITE, answered and ACKed.
    reinvite_answered(&net, &mut alice, &mut bob, d);
    assert_eq!(sent(&mut alice), ["ACK 2"]);
    // The first 2xx again: its ACK still answers its offer.
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok1);
    let again = sent_messages(&mut alice);
    assert_eq!(names_of(&again), ["ACK 1"]);
    assert_eq!(again[0].body().as_ref(), ANSWER, "RFC 3261 13.2.2.4");
}

/// Alice re-INVITEs Bob in `d`, Bob answers, and Alice gets the 2xx
/// (returned as sent); her ACK waits in her queue.
fn reinvite_answered(net: &Net, alice: &mut UserAgent, bob: &mut UserAgent, d: DialogId) -> Bytes {
    alice
        .reinvite(net.now, d, Bytes::from_static(OFFER))
        .unwrap();
    deliver(net, alice, ALICE, bob);
    let bd = std::iter::from_fn(|| bob.poll_event())
        .find_map(|e| match e {
            UaEvent::Reinvite { dialog, .. } => Some(dialog),
            _ => None,
        })
        .unwrap();
    bob.answer(net.now, bd, 200, Bytes::from_static(ANSWER))
        .unwrap();
    deliver(net, bob, BOB, alice).pop().unwrap()
}

/// Runs `ua` alone (nothing it sends arrives) through its timers up to
/// `until` after the start of `net`; returns its events.
fn run_alone(net: &mut Net, ua: &mut UserAgent, until: Duration) -> Vec<UaEvent> {
    let mut events = vec![];
    for _ in 0..1000 {
        let Some(at) = ua.poll_timeout().filter(|at| *at - net.start <= until) else {
            break;
        };
        net.now = at;
        ua.handle_timeout(at);
        sent(ua);
        events.extend(std::iter::from_fn(|| ua.poll_event()));
    }
    events
}

/// Bob's 200 OK to `invite`, tagged `tag`, offering `sdp` when not empty.
fn ok_for(invite: &tolk_sip::Request, tag: &str, sdp: &'static [u8]) -> Bytes {
    let mut b = tolk_sip::Response::for_request(invite, 200)
        .to_tag(tag)
        .header(names::CONTACT, format!("<sip:{tag}@{BOB}>"));
    if !sdp.is_empty() {
        b = b.body("application/sdp", Bytes::from_static(sdp));
    }
    b.build().unwrap().to_bytes()
}

#[test]
fn a_2xx_after_timer_b_is_acked_and_ended_with_one_bye() {
    let mut net = Net::new(18, 0.0, vec![]);
    let mut alice = ua(ALICE, 30);
    let d = alice.invite(net.now, invite_bob(b"")).unwrap();
    let Message::Request(invite) = parse_transmit(&alice.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    // Nothing comes back within Timer B.
    let events = run_alone(&mut net, &mut alice, Duration::from_secs(40));
    assert_eq!(
        events,
        [UaEvent::Terminated {
            dialog: d,
            reason: EndReason::Timeout
        }]
    );
    // Then Bob's phone is picked up: his 2xx (with the offer, to our
    // late-offer INVITE) gets an ACK declining it and one BYE.
    let ok = ok_for(&invite, "late", OFFER);
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok.clone());
    let out = sent_messages(&mut alice);
    assert_eq!(names_of(&out), ["ACK 1", "BYE 2"], "RFC 3261 13.2.2.4");
    assert!(out[0].body().ends_with(b"m=audio 0 RTP/AVP 0\r\n"));
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ok);
    assert_eq!(sent(&mut alice), ["ACK 1"]);
    assert!(
        alice.poll_event().is_none(),
        "the user heard of the end once"
    );
    run_alone(&mut net, &mut alice, Duration::from_secs(300));
    assert!(
        alice.is_idle() && alice.transactions().is_empty(),
        "{alice:?}"
    );
}

#[test]
fn a_cancel_never_answered_ends_the_call_after_64_t1() {
    let mut net = Net::new(19, 0.0, vec![]);
    let mut alice = ua(ALICE, 32);
    let d = call_bob(&net, &mut alice);
    let Message::Request(invite) = parse_transmit(&alice.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    let ringing = tolk_sip::Response::for_request(&invite, 180)
        .to_tag("b1")
        .build()
        .unwrap()
        .to_bytes();
    alice.handle_input(net.now, Transport::Udp, addr(BOB), ringing);
    assert!(matches!(alice.poll_event(), Some(UaEvent::Progress { .. })));
    alice.cancel(net.now, d).unwrap();
    assert_eq!(sent(&mut alice), ["CANCEL 1"]);
    // Bob answers neither the CANCEL nor the INVITE (RFC 3261 9.1).
    let events = run_alone(&mut net, &mut alice, Duration::from_secs(40));
    assert_eq!(
        events,
        [UaEvent::Terminated {
            dialog: d,
            reason: EndReason::Timeout
        }]
    );
    assert!(net.elapsed() >= Duration::from_secs(32));
    alice.handle_input(
        net.now,
        Transport::Udp,
        addr(BOB),
        ok_for(&invite, "b1", ANSWER),
    );
    assert_eq!(sent(&mut alice), ["ACK 1", "BYE 2"]);
    run_alone(&mut net, &mut alice, Duration::from_secs(300));
    assert!(
        alice.is_idle() && alice.transactions().is_empty(),
        "{alice:?}"
    );
}
