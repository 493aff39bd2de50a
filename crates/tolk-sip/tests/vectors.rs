//! Tolk's own message vectors (`tests/vectors/`, listed in its
//! `manifest.tsv`): parse verdicts, UAS answers, typed values and byte-for-
//! byte printing.

use std::path::PathBuf;

use bytes::Bytes;
use tolk_sip::header::Contact;
use tolk_sip::host::Host;
use tolk_sip::uas_checks::{self, NoDialogs, Policy};
use tolk_sip::{Message, Uri, names};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn load(name: &str) -> Bytes {
    Bytes::from(std::fs::read(dir().join(name)).expect("vector file"))
}

fn parse(name: &str) -> Message {
    Message::parse(load(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn manifest_verdicts_and_answers() {
    let manifest = std::fs::read_to_string(dir().join("manifest.tsv")).expect("manifest");
    let policy = Policy::default();
    let mut checked = 0;
    for row in manifest.lines().skip(1) {
        let [file, verdict, answer] = row.split('\t').collect::<Vec<_>>()[..] else {
            panic!("bad manifest row {row:?}");
        };
        let bytes = load(file);
        let parsed = Message::parse(bytes.clone());
        assert_eq!(parsed.is_ok(), verdict == "valid", "{file}: {parsed:?}");
        let got = uas_checks::answer(&parsed, &bytes, &policy, &NoDialogs, "t0")
            .map_or("none".to_owned(), |r| r.code().to_string());
        assert_eq!(got, answer, "{file}");
        if let Ok(message) = &parsed {
            // Printing gives the message back (without trailing octets).
            let printed = message.to_bytes();
            assert_eq!(
                &bytes[..printed.len()],
                &printed[..],
                "{file} prints back byte for byte"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 24);
}

#[test]
fn folded_compact_forms_reach_every_value() {
    let m = parse("folded-compact.sip");
    let h = m.headers();
    let vias: Vec<_> = h.vias().collect::<Result<_, _>>().unwrap();
    assert_eq!(vias.len(), 2);
    assert_eq!(vias[0].transport, "TCP");
    assert_eq!(vias[1].port, Some(5070));
    assert_eq!(vias[1].received(), Some("192.0.2.7"));
    assert_eq!(h.cseq().unwrap().seq, 2);
    assert_eq!(h.from().unwrap().tag(), Some("f1"));
    assert_eq!(h.call_id().unwrap(), "folded@example.com");
    assert_eq!(
        h.supported().collect::<Result<Vec<_>, _>>().unwrap(),
        ["timer"]
    );
    let contacts: Vec<_> = h.contacts().collect::<Result<_, _>>().unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0].expires(), Some(60));
    let unknown = h.get("x-unknown-header").unwrap();
    assert_eq!(
        unknown.as_bytes(),
        b"X-Unknown-Header :  kept  as written  "
    );
    assert_eq!(unknown.value(), b"kept  as written");
}

#[test]
fn ipv6_hosts_per_rfc5118() {
    let m = parse("ipv6-invite.sip");
    let Message::Request(r) = &m else {
        panic!("request")
    };
    let Uri::Sip(uri) = r.uri() else {
        panic!("sip uri")
    };
    assert_eq!(uri.host, Host::Ipv6("2001:db8::1"));
    assert_eq!(uri.host.ip(), "2001:db8::1".parse().ok());
    let via = m.headers().top_via().unwrap();
    assert_eq!(
        (via.host, via.port),
        (Host::Ipv6("2001:db8::20"), Some(5060))
    );
    let contact = m.headers().contacts().next().unwrap().unwrap();
    let Contact::Address(addr) = contact else {
        panic!("address")
    };
    assert_eq!(
        addr.uri.as_sip().unwrap().params.value("transport"),
        Some("udp")
    );

    let received = parse("ipv6-via-received-bracketed.sip");
    let via = received.headers().top_via().unwrap();
    assert_eq!(via.received(), Some("2001:db8::21"));
    assert_eq!(via.rport(), Some(Some(5062)));
    let three = parse("ipv6-three-colons.sip");
    let Message::Request(r) = &three else {
        panic!("request")
    };
    assert_eq!(
        r.uri().as_sip().unwrap().host.ip(),
        "2001:db8::c000:201".parse().ok(),
        "the three-colon form reads as the two-colon one"
    );
}

#[test]
fn bodies_are_opaque_octets() {
    let m = parse("binary-body.sip");
    assert_eq!(
        &m.body()[..],
        b"\x00\x01\r\n\r\n\xff\xfeSIP/2.0 200 OK\r\n\x7f"
    );
    let m = parse("no-content-length-udp.sip");
    assert_eq!(&m.body()[..], b"hello room\r\n");
    let m = parse("trailing-octets.sip");
    assert!(m.body().is_empty());
}

#[test]
fn typed_extension_headers() {
    let m = parse("invite-sdp.sip");
    let h = m.headers();
    let se = h.session_expires().unwrap().unwrap();
    assert_eq!((se.delta, se.refresher()), (1800, Some("uac")));
    assert_eq!(
        h.content_type().unwrap().unwrap().to_string(),
        "application/sdp"
    );
    assert_eq!(h.max_forwards().unwrap(), Some(70));

    let m = parse("response-183.sip");
    assert_eq!(m.headers().rseq().unwrap(), Some(1));
    assert_eq!(m.headers().require().next().unwrap().unwrap(), "100rel");
    let m = parse("prack-outside-dialog.sip");
    let rack = m.headers().rack().unwrap().unwrap();
    assert_eq!((rack.rseq, rack.cseq, rack.method), (1, 1, "INVITE"));

    let m = parse("auth-digest.sip");
    let auth = m.headers().authorization().next().unwrap().unwrap();
    assert_eq!(auth.scheme, "Digest");
    assert_eq!(auth.param_text("nonce").unwrap(), "8a2f");
    assert_eq!(auth.param("algorithm"), Some("SHA-256"));
    assert_eq!(
        m.headers().contacts().next().unwrap().unwrap(),
        Contact::Wildcard
    );
    assert_eq!(m.headers().expires().unwrap(), Some(0));
    assert!(m.headers().get(names::AUTHORIZATION).is_some());

    let m = parse("tel-uri.sip");
    let Message::Request(r) = &m else {
        panic!("request")
    };
    let Uri::Tel(tel) = r.uri() else {
        panic!("tel uri")
    };
    assert_eq!(tel.number, "+47-2212-3456");
    assert_eq!(tel.params.value("phone-context"), Some("+47"));
}
