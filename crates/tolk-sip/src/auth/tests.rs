use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;
use crate::message::{Message, Method, Request, names};

#[allow(clippy::disallowed_methods)] // tests need some Instant to start from
fn t0() -> Instant {
    Instant::now()
}

fn register() -> Request {
    Request::builder(Method::Register, "sip:example.com")
        .header(names::VIA, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr1")
        .header(names::MAX_FORWARDS, 70)
        .header(names::FROM, "<sip:alice@example.com>;tag=a")
        .header(names::TO, "<sip:alice@example.com>")
        .header(names::CALL_ID, "reg1")
        .header(names::CSEQ, "1 REGISTER")
        .header(names::CONTACT, "<sip:alice@192.0.2.1>")
        .build()
        .unwrap()
}

fn alice() -> Credentials {
    Credentials {
        username: "alice".into(),
        password: "s3cret".into(),
    }
}

fn lookup(user: &str) -> Option<String> {
    (user == "alice").then(|| "s3cret".to_owned())
}

/// The client's retry, as it would arrive (with a Via again).
fn retry_of(
    request: &Request,
    challenge: &crate::message::Response,
    creds: &Credentials,
) -> Request {
    let retry = authorize(request, challenge, creds, "c0ffee").unwrap();
    let mut text = retry.to_bytes().to_vec();
    let line_end = text.iter().position(|&b| b == b'\n').unwrap() + 1;
    text.splice(
        line_end..line_end,
        b"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr2\r\n"
            .iter()
            .copied(),
    );
    match Message::parse(Bytes::from(text)).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

#[test]
fn sha256_challenge_then_success() {
    let now = t0();
    let server = DigestServer::new("example.com", now, 7);
    let AuthOutcome::Challenge(challenge) = server.verify(now, &register(), "t", lookup).unwrap()
    else {
        panic!("no credentials yet")
    };
    assert_eq!(challenge.code(), 401);
    assert_eq!(
        challenge.headers().www_authenticate().count(),
        2,
        "SHA-256 and MD5 offered"
    );
    let chosen = Challenge::from_response(&challenge).unwrap();
    assert_eq!(chosen.algorithm, Algorithm::Sha256);
    assert!(chosen.qop_auth && !chosen.stale);
    let retry = retry_of(&register(), &challenge, &alice());
    assert_eq!(retry.headers().cseq().unwrap().seq, 2);
    let outcome = server
        .verify(now + Duration::from_secs(1), &retry, "t", lookup)
        .unwrap();
    assert_eq!(
        outcome,
        AuthOutcome::Authorized {
            username: "alice".into()
        }
    );
}

#[test]
fn md5_only_servers_work_too() {
    let now = t0();
    let server = DigestServer::new("example.com", now, 7).with_algorithms(vec![Algorithm::Md5]);
    let AuthOutcome::Challenge(challenge) = server.verify(now, &register(), "t", lookup).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        Challenge::from_response(&challenge).unwrap().algorithm,
        Algorithm::Md5
    );
    let retry = retry_of(&register(), &challenge, &alice());
    assert!(matches!(
        server.verify(now, &retry, "t", lookup).unwrap(),
        AuthOutcome::Authorized { .. }
    ));
}

#[test]
fn wrong_password_is_forbidden_and_foreign_nonce_challenged_again() {
    let now = t0();
    let server = DigestServer::new("example.com", now, 7);
    let AuthOutcome::Challenge(challenge) = server.verify(now, &register(), "t", lookup).unwrap()
    else {
        panic!()
    };
    let wrong = Credentials {
        password: "guess".into(),
        ..alice()
    };
    let retry = retry_of(&register(), &challenge, &wrong);
    let AuthOutcome::Forbidden(refused) = server.verify(now, &retry, "t", lookup).unwrap() else {
        panic!()
    };
    assert_eq!(refused.code(), 403);

    let other = DigestServer::new("example.com", now, 8);
    let retry = retry_of(&register(), &challenge, &alice());
    assert!(matches!(
        other.verify(now, &retry, "t", lookup).unwrap(),
        AuthOutcome::Challenge(_)
    ));
}

#[test]
fn expired_nonce_with_right_credentials_is_stale() {
    let now = t0();
    let server =
        DigestServer::new("example.com", now, 7).with_nonce_lifetime(Duration::from_secs(30));
    let AuthOutcome::Challenge(challenge) = server.verify(now, &register(), "t", lookup).unwrap()
    else {
        panic!()
    };
    let retry = retry_of(&register(), &challenge, &alice());
    let later = now + Duration::from_secs(31);
    let AuthOutcome::Challenge(stale) = server.verify(later, &retry, "t", lookup).unwrap() else {
        panic!()
    };
    assert!(Challenge::from_response(&stale).unwrap().stale);
    let retry = retry_of(&register(), &stale, &alice());
    assert!(matches!(
        server.verify(later, &retry, "t", lookup).unwrap(),
        AuthOutcome::Authorized { .. }
    ));
}

#[test]
fn as_a_proxy_it_challenges_with_407_and_reads_proxy_authorization() {
    let now = t0();
    let server = DigestServer::new("example.com", now, 7).as_proxy();
    let AuthOutcome::Challenge(challenge) = server.verify(now, &register(), "t", lookup).unwrap()
    else {
        panic!()
    };
    assert_eq!(challenge.code(), 407);
    assert_eq!(challenge.headers().proxy_authenticate().count(), 2);
    assert_eq!(challenge.headers().www_authenticate().count(), 0);
    let retry = retry_of(&register(), &challenge, &alice());
    assert!(retry.headers().get(names::PROXY_AUTHORIZATION).is_some());
    assert!(matches!(
        server.verify(now, &retry, "t", lookup).unwrap(),
        AuthOutcome::Authorized { .. }
    ));
    let registrar = DigestServer::new("example.com", now, 7);
    assert!(
        matches!(
            registrar.verify(now, &retry, "t", lookup).unwrap(),
            AuthOutcome::Challenge(_)
        ),
        "a registrar reads Authorization, not Proxy-Authorization"
    );
}
