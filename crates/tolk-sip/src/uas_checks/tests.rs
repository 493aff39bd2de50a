//! Unit tests of the UAS checks with a fake dialog state.

use super::*;

/// One dialog (call "c1", local tag "l1") with an INVITE pending, and
/// every request without a To tag counted as merged when `merged`.
struct OneDialog {
    merged: bool,
}

impl UasState for OneDialog {
    fn dialog_exists(&self, call_id: &str, local_tag: &str, _: Option<&str>) -> bool {
        call_id == "c1" && local_tag == "l1"
    }
    fn is_merged(&self, _: &Request) -> bool {
        self.merged
    }
    fn cancel_target_exists(&self, _: &Request) -> bool {
        true
    }
    fn invite_pending(&self, call_id: &str, local_tag: &str, _: Option<&str>) -> bool {
        self.dialog_exists(call_id, local_tag, None)
    }
}

fn request(method: &str, to_tag: Option<&str>, extra: &str) -> (Result<Message, Error>, Bytes) {
    let to = to_tag.map_or(String::new(), |t| format!(";tag={t}"));
    let text = format!(
        "{method} sip:tolk@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKu1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=r1\r\nTo: <sip:tolk@example.com>{to}\r\n\
         Call-ID: c1\r\nCSeq: 2 {method}\r\n{extra}Content-Length: 0\r\n\r\n"
    );
    let raw = Bytes::from(text);
    (Message::parse(raw.clone()), raw)
}

fn code(parsed: &(Result<Message, Error>, Bytes), state: &dyn UasState) -> Option<u16> {
    answer(&parsed.0, &parsed.1, &Policy::default(), state, "l9").map(|r| r.code())
}

#[test]
fn dialog_state_answers() {
    let quiet = OneDialog { merged: false };
    assert_eq!(code(&request("BYE", Some("l1"), ""), &quiet), Some(200));
    assert_eq!(code(&request("BYE", Some("other"), ""), &quiet), Some(481));
    assert_eq!(code(&request("INVITE", Some("l1"), ""), &quiet), Some(491));
    assert_eq!(code(&request("CANCEL", None, ""), &quiet), Some(200));
    assert_eq!(code(&request("CANCEL", None, ""), &NoDialogs), Some(481));
    assert_eq!(
        code(&request("INVITE", None, ""), &OneDialog { merged: true }),
        Some(482)
    );
    assert_eq!(
        code(&request("ACK", Some("other"), ""), &quiet),
        None,
        "ACK is never answered"
    );
}

#[test]
fn rejections_carry_their_headers() {
    let policy = Policy::default();
    let (parsed, raw) = request("SUBSCRIBE", None, "");
    let Verdict::Reject(r) = check(&parsed, &raw, &policy, &NoDialogs, "l9") else {
        panic!("SUBSCRIBE is refused");
    };
    assert_eq!(r.code(), 405);
    assert!(r.headers().allow().any(|m| m.ok() == Some("INVITE")));
    assert_eq!(r.headers().to().unwrap().tag(), Some("l9"));

    let (parsed, raw) = request("OPTIONS", None, "Require: 100rel, foo\r\n");
    let Verdict::Reject(r) = check(&parsed, &raw, &policy, &NoDialogs, "l9") else {
        panic!("unknown Require is refused");
    };
    let unsupported: Vec<_> = r.headers().unsupported().collect::<Result<_, _>>().unwrap();
    assert_eq!((r.code(), unsupported), (420, vec!["foo"]));

    let (parsed, raw) = request("OPTIONS", None, "");
    let answer = answer(&parsed, &raw, &policy, &NoDialogs, "l9").unwrap();
    assert!(answer.headers().contains(names::ALLOW) && answer.headers().contains(names::ACCEPT));
}

#[test]
fn unparsable_requests_are_answered_statelessly() {
    let raw = Bytes::from_static(
        b"INVITE sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
          CSeq: 99999999999 INVITE\r\nContent-Length: 0\r\n\r\n",
    );
    let parsed = Message::parse(raw.clone());
    let Verdict::Reject(r) = check(&parsed, &raw, &Policy::default(), &NoDialogs, "t") else {
        panic!("answered");
    };
    assert_eq!(r.code(), 400);
    assert!(r.reason().contains("CSeq number"), "{}", r.reason());
    assert_eq!(
        r.headers().len(),
        3,
        "Via and CSeq copied, Content-Length added"
    );
    let no_via = Bytes::from_static(b"INVITE sip:a@example.com SIP/2.0\r\nCSeq: x\r\n\r\n");
    assert_eq!(
        reject_unparsable(&no_via, &Message::parse(no_via.clone()).unwrap_err()),
        Verdict::Drop
    );
}
