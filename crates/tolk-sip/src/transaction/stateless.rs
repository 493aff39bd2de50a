//! Answers for what cannot enter a transaction (RFC 3261 sections 8.2
//! and 17.2.3): the UAS core's checks decide the status code, and the
//! response goes out statelessly.

use bytes::Bytes;

use crate::Error;
use crate::message::{Message, Response};
use crate::uas_checks::{self, NoDialogs, Policy, Verdict};

/// The stateless response to a message that failed to parse (400 naming
/// the fault, 505, 513), or to a request lacking what transaction
/// matching needs (400). `None` when the message must be dropped.
pub(crate) fn rejection(raw: &Bytes, error: &Error, parsed: Option<&Message>) -> Option<Response> {
    let verdict = match parsed.and_then(Message::as_request) {
        Some(request) => {
            uas_checks::check_request(request, &Policy::default(), &NoDialogs, "tolk-stateless")
        }
        None => uas_checks::reject_unparsable(raw, error),
    };
    match verdict {
        Verdict::Reject(response) => Some(response),
        Verdict::Accept | Verdict::Drop => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unparsable_requests_get_400_or_505_and_responses_nothing() {
        let bad = Bytes::from_static(
            b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
              From: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: one INVITE\r\n\r\n",
        );
        let err = Message::parse(bad.clone()).unwrap_err();
        assert_eq!(rejection(&bad, &err, None).map(|r| r.code()), Some(400));

        let v7 = Bytes::from_static(
            b"OPTIONS sip:a@b SIP/7.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
              From: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n",
        );
        let err = Message::parse(v7.clone()).unwrap_err();
        assert_eq!(rejection(&v7, &err, None).map(|r| r.code()), Some(505));

        let response = Bytes::from_static(b"SIP/2.0 200 OK\r\nVia: x\r\n");
        let err = Message::parse(response.clone()).unwrap_err();
        assert_eq!(rejection(&response, &err, None), None);
    }

    #[test]
    fn a_request_without_call_id_gets_400() {
        let raw = Bytes::from_static(
            b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
              From: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCSeq: 1 OPTIONS\r\n\r\n",
        );
        let message = Message::parse(raw.clone()).unwrap();
        let err = Error::MissingHeader("Call-ID");
        let response = rejection(&raw, &err, Some(&message)).unwrap();
        assert_eq!(response.code(), 400);
    }
}
