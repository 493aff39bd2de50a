use super::*;
use crate::message::Message;

fn invite() -> Request {
    let text = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
        Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n\
        From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n\
        To: sip:bob@example.com\r\n\
        Call-ID: d1\r\nCSeq: 7 INVITE\r\n\
        Contact: <sip:alice@192.0.2.1:5062>\r\nContent-Length: 0\r\n\r\n";
    match Message::parse(Bytes::from(text)).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

fn peer() -> Target {
    Target {
        transport: Transport::Udp,
        addr: "192.0.2.1:5060".parse().unwrap(),
    }
}

#[test]
fn uas_dialog_follows_rfc_3261_12_1_1() {
    let d = Dialog::for_uas(&invite(), "b1".into(), peer()).unwrap();
    assert_eq!(d.remote_tag(), Some("a1"));
    assert_eq!(d.remote_target(), "sip:alice@192.0.2.1:5062");
    assert_eq!(d.route_set().len(), 2);
    assert_eq!(d.route_set()[0].uri, "sip:p1.example;lr");
    assert_eq!(d.remote_party, "\"Alice\" <sip:alice@example.com>");
    assert_eq!(d.local_party, "<sip:bob@example.com>");
    // p1.example is not an IP address: requests go where the peer was.
    assert_eq!(d.next_target(), peer());
}

#[test]
fn in_dialog_request_swaps_tags_and_routes() {
    let d = Dialog::for_uas(&invite(), "b1".into(), peer()).unwrap();
    let bye = d.request(Method::Bye, 1, None, None).unwrap();
    let h = bye.headers();
    assert_eq!(bye.uri_str(), "sip:alice@192.0.2.1:5062");
    assert_eq!(h.from().unwrap().tag(), Some("b1"));
    assert_eq!(h.to().unwrap().tag(), Some("a1"));
    let routes: Vec<String> = h
        .routes()
        .map(|r| r.unwrap().uri.as_str().to_owned())
        .collect();
    assert_eq!(routes, ["sip:p1.example;lr", "sip:p2.example;lr"]);
    assert_eq!(h.cseq().unwrap().seq, 1);
}

#[test]
fn uac_learns_reversed_route_set_and_target_from_2xx() {
    let mut d = Dialog::for_uac(
        "c".into(),
        "a1".into(),
        "<sip:a@x>".into(),
        "<sip:b@y>".into(),
        "sip:b@y".into(),
        peer(),
    );
    let ok = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
        Record-Route: <sip:192.0.2.8;lr>, <sip:192.0.2.9;lr>\r\n\
        From: <sip:a@x>;tag=a1\r\nTo: <sip:b@y>;tag=b7\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\
        Contact: <sip:b@192.0.2.5>\r\nContent-Length: 0\r\n\r\n";
    let Ok(Message::Response(ok)) = Message::parse(Bytes::from(ok)) else {
        panic!()
    };
    d.learn_from_response(&ok).unwrap();
    assert_eq!(d.remote_tag(), Some("b7"));
    assert_eq!(d.remote_target(), "sip:b@192.0.2.5");
    assert_eq!(d.route_set()[0].uri, "sip:192.0.2.9;lr");
    assert_eq!(d.next_target().addr, "192.0.2.9:5060".parse().unwrap());
}
