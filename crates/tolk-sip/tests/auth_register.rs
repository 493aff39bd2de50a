//! REGISTER with Digest (SHA-256) between two user agents over the
//! simulated lossy network: client, challenge, registrar, expiry.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

mod sim;

use std::net::SocketAddr;
use std::time::Duration;

use sim::Net;
use tolk_sip::Method;
use tolk_sip::auth::{AuthOutcome, Credentials, DigestServer};
use tolk_sip::dialog::DialogId;
use tolk_sip::registrar::{RegisterClient, RegisterOutcome, Registrar};
use tolk_sip::transaction::LayerConfig;
use tolk_sip::transport::{Target, Transport};
use tolk_sip::ua::{UaConfig, UaEvent, UserAgent};

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn ua(local: &str, seed: u64) -> UserAgent {
    let mut ua = UserAgent::new(UaConfig {
        layer: LayerConfig {
            seed,
            ..LayerConfig::default()
        },
        ..UaConfig::default()
    });
    ua.set_local_addr(Transport::Udp, addr(local));
    ua
}

/// Alice calls Bob over a trunk that asks for Digest, on a network
/// seeded `seed` losing `loss`: the network, both user agents, Bob's
/// Digest server and Alice's call.
fn trunk_call(seed: u64, loss: f64) -> (Net, UserAgent, UserAgent, DigestServer, DialogId) {
    let (alice_addr, bob_addr) = ("192.0.2.10:5060", "192.0.2.1:5060");
    let net = Net::new(seed, loss, vec![addr(alice_addr), addr(bob_addr)]);
    let (mut alice, bob) = (ua(alice_addr, 1), ua(bob_addr, 2));
    let digest = DigestServer::new("trunk.example", net.now, 3);
    let invite = tolk_sip::ua::Invite {
        from: "<sip:alice@trunk.example>".into(),
        to: "<sip:bob@trunk.example>".into(),
        request_uri: "sip:bob@192.0.2.1".into(),
        target: Target {
            transport: Transport::Udp,
            addr: addr(bob_addr),
        },
        sdp: bytes::Bytes::from_static(b"v=0\r\n"),
        headers: vec![],
        credentials: Some(Credentials {
            username: "alice".into(),
            password: "trunkpw".into(),
        }),
    };
    let call = alice.invite(net.now, invite).unwrap();
    (net, alice, bob, digest, call)
}

#[test]
fn register_with_digest_at_20_percent_loss() {
    for seed in 0..30 {
        let (phone, server_addr) = ("192.0.2.10:5060", "192.0.2.1:5060");
        let mut net = Net::new(seed, 0.2, vec![addr(phone), addr(server_addr)]);
        let (mut client_ua, mut server_ua) = (ua(phone, seed), ua(server_addr, seed + 99));
        let digest = DigestServer::new("tolk.example", net.now, seed);
        let mut registrar = Registrar::new();
        let creds = Credentials {
            username: "alice".into(),
            password: "wonderland".into(),
        };
        let mut client = RegisterClient::new(
            "sip:tolk.example",
            "<sip:alice@tolk.example>",
            "sip:alice@192.0.2.10:5060",
            600,
            Some(creds),
            "reg-call",
            "reg-tag",
        );
        let target = Target {
            transport: Transport::Udp,
            addr: addr(server_addr),
        };
        client_ua
            .send_request(net.now, client.request().unwrap(), target)
            .unwrap();
        let mut registered = None;
        let mut challenges = 0;
        while registered.is_none() && net.elapsed() < Duration::from_secs(120) {
            if !net.step(&mut [&mut client_ua, &mut server_ua]) {
                break;
            }
            while let Some(event) = server_ua.poll_event() {
                if let UaEvent::Request { id, request, .. } = event {
                    assert_eq!(request.method(), &Method::Register);
                    let tag = server_ua.token();
                    let lookup = |user: &str| (user == "alice").then(|| "wonderland".to_owned());
                    let response = match digest.verify(net.now, &request, &tag, lookup).unwrap() {
                        AuthOutcome::Authorized { .. } => {
                            registrar.register(net.now, &request, &tag).unwrap()
                        }
                        AuthOutcome::Challenge(challenge) => {
                            challenges += 1;
                            challenge
                        }
                        AuthOutcome::Forbidden(refused) => refused,
                    };
                    server_ua.respond_with(net.now, id, response).unwrap();
                }
            }
            while let Some(event) = client_ua.poll_event() {
                match event {
                    UaEvent::Response { response, .. } => match client
                        .on_response(net.now, &response, "c1")
                    {
                        RegisterOutcome::Retry(retry) => {
                            client_ua.send_request(net.now, retry, target).unwrap();
                        }
                        RegisterOutcome::Registered { expires, .. } => registered = Some(expires),
                        RegisterOutcome::Pending => {}
                        RegisterOutcome::Failed(code) => panic!("seed {seed}: failed with {code}"),
                    },
                    UaEvent::TimedOut { .. } => panic!("seed {seed}: timed out"),
                    _ => {}
                }
            }
        }
        assert_eq!(registered, Some(600), "seed {seed}");
        assert_eq!(challenges, 1, "seed {seed}: one challenge, then success");
        let bound = registrar.lookup(net.now, "sip:alice@tolk.example");
        assert_eq!(bound.len(), 1);
        assert_eq!(bound[0].contact, "sip:alice@192.0.2.10:5060");
        assert!(
            registrar
                .lookup(net.now + Duration::from_secs(601), "sip:alice@tolk.example")
                .is_empty()
        );
    }
}

#[test]
fn invite_challenged_by_digest_is_resent_with_credentials() {
    let (mut net, mut alice, mut bob, digest, call) = trunk_call(9, 0.2);
    let (mut challenged, mut answered) = (0, None);
    while answered.is_none() && net.elapsed() < Duration::from_secs(60) {
        if !net.step(&mut [&mut alice, &mut bob]) {
            break;
        }
        while let Some(event) = bob.poll_event() {
            if let UaEvent::IncomingCall {
                dialog, request, ..
            } = event
            {
                let tag = bob.token();
                let lookup = |user: &str| (user == "alice").then(|| "trunkpw".to_owned());
                match digest.verify(net.now, &request, &tag, lookup).unwrap() {
                    AuthOutcome::Authorized { .. } => bob
                        .answer(net.now, dialog, 200, request.body().clone())
                        .unwrap(),
                    AuthOutcome::Challenge(challenge) => {
                        challenged += 1;
                        bob.reject_with(net.now, dialog, challenge).unwrap();
                    }
                    AuthOutcome::Forbidden(refused) => {
                        bob.reject_with(net.now, dialog, refused).unwrap();
                    }
                }
            }
        }
        while let Some(event) = alice.poll_event() {
            match event {
                UaEvent::Answered { dialog, .. } => answered = Some(dialog),
                UaEvent::Terminated { reason, .. } => panic!("call ended: {reason:?}"),
                _ => {}
            }
        }
    }
    assert_eq!(challenged, 1);
    assert_eq!(
        answered,
        Some(call),
        "the same dialog id survives the challenge"
    );
    assert_eq!(
        alice.dialog(call).unwrap().local_tag(),
        alice.dialog(call).unwrap().local_tag()
    );
}

#[test]
fn a_challenge_that_crosses_our_cancel_ends_the_call_without_a_retry() {
    let (mut net, mut alice, mut bob, digest, call) = trunk_call(4, 0.0);
    let (mut invites, mut pending, mut ended) = (0, None, None);
    while ended.is_none() && net.elapsed() < Duration::from_secs(60) {
        if !net.step(&mut [&mut alice, &mut bob]) {
            break;
        }
        while let Some(event) = bob.poll_event() {
            if let UaEvent::IncomingCall {
                dialog, request, ..
            } = event
            {
                invites += 1;
                bob.answer(net.now, dialog, 180, bytes::Bytes::new())
                    .unwrap();
                pending = Some((dialog, request));
            }
        }
        while let Some(event) = alice.poll_event() {
            match event {
                UaEvent::Progress { .. } => {
                    // Alice gives up while Bob, not yet told, challenges.
                    alice.hangup(net.now, call).unwrap();
                    let (dialog, request) = pending.take().unwrap();
                    let tag = bob.token();
                    let lookup = |_: &str| Some("trunkpw".to_owned());
                    let AuthOutcome::Challenge(challenge) =
                        digest.verify(net.now, &request, &tag, lookup).unwrap()
                    else {
                        panic!("an INVITE without credentials is challenged");
                    };
                    bob.reject_with(net.now, dialog, challenge).unwrap();
                }
                UaEvent::Answered { .. } => panic!("a cancelled call was answered"),
                UaEvent::Terminated { reason, .. } => ended = Some(reason),
                _ => {}
            }
        }
    }
    assert_eq!(ended, Some(tolk_sip::ua::EndReason::Rejected(401)));
    // Let every retransmission and the CANCEL play out: no second INVITE.
    while net.elapsed() < Duration::from_secs(40) && net.step(&mut [&mut alice, &mut bob]) {
        while let Some(event) = bob.poll_event() {
            if matches!(event, UaEvent::IncomingCall { .. }) {
                invites += 1;
            }
        }
    }
    assert_eq!(invites, 1, "the challenge after our CANCEL is not answered");
}
