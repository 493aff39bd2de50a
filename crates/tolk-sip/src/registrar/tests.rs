use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;
use crate::message::{Message, Method};

#[allow(clippy::disallowed_methods)] // tests need some Instant to start from
fn t0() -> Instant {
    Instant::now()
}

fn register(contacts: &[&str], expires: Option<u32>, call_id: &str, cseq: u32) -> Request {
    let mut b = Request::builder(Method::Register, "sip:example.com")
        .header(names::VIA, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr1")
        .header(names::MAX_FORWARDS, 70)
        .header(names::FROM, "<sip:Alice@EXAMPLE.com>;tag=a")
        .header(names::TO, "<sip:Alice@EXAMPLE.com:5060;transport=udp>")
        .header(names::CALL_ID, call_id)
        .header(names::CSEQ, format!("{cseq} REGISTER"));
    for c in contacts {
        b = b.header(names::CONTACT, c);
    }
    if let Some(e) = expires {
        b = b.header(names::EXPIRES, e);
    }
    b.build().unwrap()
}

const AOR: &str = "sip:Alice@example.com";

#[test]
fn bindings_are_added_listed_refreshed_and_expire() {
    let now = t0();
    let mut r = Registrar::new();
    let ok = r
        .register(
            now,
            &register(
                &["<sip:a@192.0.2.1>", "<sip:a@192.0.2.9>;expires=120"],
                None,
                "c1",
                1,
            ),
            "t",
        )
        .unwrap();
    assert_eq!(ok.code(), 200);
    assert_eq!(ok.headers().contacts().count(), 2);
    assert_eq!(r.lookup(now, AOR).len(), 2);
    assert_eq!(r.next_expiry(), Some(now + Duration::from_secs(120)));
    assert_eq!(
        r.lookup(now + Duration::from_secs(121), AOR).len(),
        1,
        "the 120 s binding lapsed"
    );
    assert_eq!(r.lookup(now + Duration::from_secs(3601), AOR).len(), 0);
}

#[test]
fn too_brief_gets_423_and_out_of_order_gets_500() {
    let now = t0();
    let mut r = Registrar::new();
    let brief = r
        .register(
            now,
            &register(&["<sip:a@192.0.2.1>"], Some(10), "c1", 1),
            "t",
        )
        .unwrap();
    assert_eq!(brief.code(), 423);
    assert_eq!(brief.headers().min_expires().unwrap(), Some(60));
    assert_eq!(
        r.register(
            now,
            &register(&["<sip:a@192.0.2.1>"], Some(600), "c1", 5),
            "t"
        )
        .unwrap()
        .code(),
        200
    );
    assert_eq!(
        r.register(
            now,
            &register(&["<sip:a@192.0.2.1>"], Some(600), "c1", 4),
            "t"
        )
        .unwrap()
        .code(),
        500
    );
    assert_eq!(
        r.register(
            now,
            &register(&["<sip:a@192.0.2.1>"], Some(600), "c2", 1),
            "t"
        )
        .unwrap()
        .code(),
        200
    );
}

#[test]
fn wildcard_removes_everything_and_expires_zero_removes_one() {
    let now = t0();
    let mut r = Registrar::new();
    r.register(
        now,
        &register(&["<sip:a@192.0.2.1>", "<sip:a@192.0.2.2>"], None, "c1", 1),
        "t",
    )
    .unwrap();
    r.register(
        now,
        &register(&["<sip:a@192.0.2.1>;expires=0"], None, "c1", 2),
        "t",
    )
    .unwrap();
    assert_eq!(r.lookup(now, AOR).len(), 1);
    assert_eq!(
        r.register(now, &register(&["*"], None, "c1", 3), "t")
            .unwrap()
            .code(),
        400
    );
    assert_eq!(
        r.register(now, &register(&["*"], Some(0), "c1", 3), "t")
            .unwrap()
            .code(),
        200
    );
    assert!(r.lookup(now, AOR).is_empty());
}

#[test]
fn client_answers_the_challenge_and_schedules_a_refresh() {
    let now = t0();
    let creds = crate::auth::Credentials {
        username: "alice".into(),
        password: "pw".into(),
    };
    let mut client = RegisterClient::new(
        "sip:example.com",
        "<sip:alice@example.com>",
        "sip:alice@192.0.2.1",
        600,
        Some(creds),
        "call",
        "tag",
    );
    let first = client.request().unwrap();
    assert_eq!(first.headers().cseq().unwrap().seq, 1);
    let server = crate::auth::DigestServer::new("example.com", now, 1);
    let with_via = |r: &Request| {
        let text = String::from_utf8(r.to_bytes().to_vec()).unwrap().replacen(
            "\r\n",
            "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n",
            1,
        );
        match Message::parse(Bytes::from(text)).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    };
    let challenge = server
        .challenge(now, &with_via(&first), false, "t")
        .unwrap();
    let RegisterOutcome::Retry(second) = client.on_response(now, &challenge, "cn") else {
        panic!()
    };
    assert_eq!(second.headers().cseq().unwrap().seq, 2);
    let lookup = |u: &str| (u == "alice").then(|| "pw".to_owned());
    let verdict = server.verify(now, &with_via(&second), "t", lookup).unwrap();
    assert!(matches!(
        verdict,
        crate::auth::AuthOutcome::Authorized { .. }
    ));
    assert!(
        matches!(
            client.on_response(now, &challenge, "cn"),
            RegisterOutcome::Failed(401)
        ),
        "one try per nonce"
    );

    let mut registrar = Registrar::new();
    let ok = registrar.register(now, &with_via(&second), "t").unwrap();
    let outcome = client.on_response(now, &ok, "cn");
    assert_eq!(
        outcome,
        RegisterOutcome::Registered {
            expires: 600,
            refresh_at: now + Duration::from_secs(300)
        }
    );
}

#[test]
fn malformed_register_gets_400_naming_the_field() {
    let now = t0();
    let mut r = Registrar::new();
    let raw = "REGISTER sip:example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr1\r\n\
        From: <sip:alice@example.com>;tag=a\r\n\
        To: <sip:alice@example.com>\r\n\
        Call-ID: c1\r\n\
        CSeq: 1 REGISTER\r\n\
        Contact: <sip:a@192.0.2.1>\r\n\
        Content-Length: 0\r\n\r\n";
    let bad_expires = raw.replace("Content-Length", "Expires: never\r\nContent-Length");
    let Ok(Message::Request(request)) = Message::parse(Bytes::from(bad_expires)) else {
        panic!("the message parses; only its Expires is bad")
    };
    let expires = r.register(now, &request, "t").unwrap();
    assert_eq!(expires.code(), 400);
    assert!(
        expires.reason().starts_with("Bad Request: Expires:"),
        "{}",
        expires.reason()
    );
    assert!(r.lookup(now, AOR).is_empty());
}

#[test]
fn binding_caps_refuse_extra_contacts_and_new_aors() {
    let now = t0();
    let mut r = Registrar::new();
    r.max_contacts_per_aor = 2;
    r.max_aors = 1;
    let two = register(&["<sip:a@192.0.2.1>", "<sip:a@192.0.2.2>"], None, "c1", 1);
    assert_eq!(r.register(now, &two, "t").unwrap().code(), 200);
    let third = register(&["<sip:a@192.0.2.3>"], None, "c1", 2);
    let refused = r.register(now, &third, "t").unwrap();
    assert_eq!(refused.code(), 403);
    assert_eq!(r.lookup(now, AOR).len(), 2);
    let swap = register(
        &["<sip:a@192.0.2.1>;expires=0", "<sip:a@192.0.2.3>"],
        None,
        "c1",
        3,
    );
    assert_eq!(
        r.register(now, &swap, "t").unwrap().code(),
        200,
        "removing one makes room for another"
    );
    let other = Request::builder(Method::Register, "sip:example.com")
        .header(names::VIA, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr3")
        .header(names::FROM, "<sip:bob@example.com>;tag=b")
        .header(names::TO, "<sip:bob@example.com>")
        .header(names::CALL_ID, "c9")
        .header(names::CSEQ, "1 REGISTER")
        .header(names::CONTACT, "<sip:b@192.0.2.7>")
        .build()
        .unwrap();
    let full = r.register(now, &other, "t").unwrap();
    assert_eq!(full.code(), 503);
    assert!(full.headers().get(names::RETRY_AFTER).is_some());
}
