//! Messages the transaction layer builds itself: the ACK for a 300-699
//! response (RFC 3261 section 17.1.1.3), the CANCEL (section 9.1) and
//! the 100 Trying of an INVITE server transaction (17.2.1).

use crate::Error;
use crate::message::{Method, Request, Response, names, response_fields};

/// RFC 3261 17.1.1.3: Request-URI, Call-ID, From, CSeq number and the
/// top Via (same branch) of the INVITE, the response's To (with its
/// tag), and the INVITE's Route headers.
pub(crate) fn ack_for_non_2xx(invite: &Request, response: &Response) -> Result<Request, Error> {
    let to = response
        .headers()
        .get_one(names::TO)?
        .ok_or(Error::MissingHeader(names::TO))?
        .clone();
    copy_of(invite, Method::Ack, Some(to))
}

/// RFC 3261 9.1: the CANCEL matches the INVITE's Request-URI, Call-ID,
/// From, To, CSeq number, top Via and Route headers.
pub(crate) fn cancel_for(invite: &Request) -> Result<Request, Error> {
    copy_of(invite, Method::Cancel, None)
}

/// RFC 3261 8.2.6: the 100 Trying, its fields copied as received (no
/// To tag). Built without a print-and-parse round trip: every field
/// comes from a request that already parsed.
pub(crate) fn trying(invite: &Request) -> Result<Response, Error> {
    let mut headers = response_fields(invite);
    headers.append(names::CONTENT_LENGTH, "0")?;
    Response::unchecked(100, "Trying", headers)
}

fn copy_of(
    invite: &Request,
    method: Method,
    to: Option<crate::message::HeaderField>,
) -> Result<Request, Error> {
    let headers = invite.headers();
    let via = headers.top_via()?.to_string();
    let seq = headers.cseq()?.seq;
    let mut builder = Request::builder(method.clone(), invite.uri_str()).header(names::VIA, via);
    for field in headers.iter() {
        if field.is(names::ROUTE) || field.is(names::FROM) || field.is(names::CALL_ID) {
            builder = builder.field(field.clone());
        } else if field.is(names::TO) {
            builder = builder.field(to.clone().unwrap_or_else(|| field.clone()));
        }
    }
    builder
        .header(names::CSEQ, format!("{seq} {method}"))
        .header(names::MAX_FORWARDS, 70)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use bytes::Bytes;

    fn parse(text: &str) -> Message {
        Message::parse(Bytes::from(text.replace('\n', "\r\n"))).unwrap()
    }

    const INVITE: &str = "INVITE sip:bob@192.0.2.2 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport
Route: <sip:proxy.example;lr>
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: call-1
CSeq: 4 INVITE
Content-Type: application/sdp
Content-Length: 4

v=0
";

    #[test]
    fn ack_copies_invite_and_response_to_tag() {
        let Message::Request(invite) = parse(INVITE) else {
            panic!()
        };
        let Message::Response(busy) = parse(
            "SIP/2.0 486 Busy Here
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport=5060
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>;tag=b9
Call-ID: call-1
CSeq: 4 INVITE
Content-Length: 0

",
        ) else {
            panic!()
        };
        let ack = ack_for_non_2xx(&invite, &busy).unwrap();
        let h = ack.headers();
        assert_eq!(ack.uri_str(), "sip:bob@192.0.2.2");
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKabc"));
        assert_eq!(h.to().unwrap().tag(), Some("b9"));
        assert_eq!(h.cseq().unwrap().seq, 4);
        assert_eq!(h.cseq().unwrap().method, "ACK");
        assert_eq!(h.routes().count(), 1);
        assert!(ack.body().is_empty());
    }

    #[test]
    fn trying_parses_and_matches_the_builder() {
        let Message::Request(invite) = parse(INVITE) else {
            panic!()
        };
        let fast = trying(&invite).unwrap().to_bytes();
        let built = Response::for_request(&invite, 100)
            .build()
            .unwrap()
            .to_bytes();
        assert_eq!(fast, built);
        assert!(Message::parse(fast).is_ok());
    }

    #[test]
    fn cancel_keeps_to_without_tag_and_branch() {
        let Message::Request(invite) = parse(INVITE) else {
            panic!()
        };
        let cancel = cancel_for(&invite).unwrap();
        let h = cancel.headers();
        assert_eq!(cancel.method(), &Method::Cancel);
        assert_eq!(h.to().unwrap().tag(), None);
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKabc"));
        assert_eq!(h.cseq().unwrap().method, "CANCEL");
        assert_eq!(h.call_id().unwrap(), "call-1");
    }
}
