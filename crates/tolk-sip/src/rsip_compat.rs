//! Conversion to and from `rsip::SipMessage` (the `rsip` feature), for
//! vendors whose stacks already speak rsip.
//!
//! Both directions go through the wire format, and a conversion that
//! would change the message is refused with [`Error::Unrepresentable`]:
//! rsip prints bodies as UTF-8 (lossily), and its tokenizer does not keep
//! every header as written (line folding, compact forms, some values).

use bytes::Bytes;

use crate::error::Error;
use crate::message::Message;

/// The rsip form of `message`, or an error naming what rsip would lose.
pub fn to_rsip(message: &Message) -> Result<rsip::SipMessage, Error> {
    if std::str::from_utf8(message.body()).is_err() {
        return Err(Error::Unrepresentable(
            "a body that is not UTF-8".to_owned(),
        ));
    }
    let wire = message.to_bytes();
    let converted = rsip::SipMessage::try_from(&wire[..])
        .map_err(|e| Error::Unrepresentable(format!("rsip does not parse it: {e}")))?;
    // What rsip would send must read back as the same message.
    let echoed = Message::parse(Bytes::from(converted.to_string()))
        .map_err(|e| Error::Unrepresentable(format!("rsip prints it differently: {e}")))?;
    same_message(message, &echoed)?;
    Ok(converted)
}

/// The tolk-sip form of an rsip message.
pub fn from_rsip(message: &rsip::SipMessage) -> Result<Message, Error> {
    if std::str::from_utf8(message.body()).is_err() {
        return Err(Error::Unrepresentable(
            "a body that is not UTF-8".to_owned(),
        ));
    }
    Message::parse(Bytes::from(message.to_string()))
}

/// Compares start line, fields (names by header, values as written) and body.
fn same_message(a: &Message, b: &Message) -> Result<(), Error> {
    let start = |m: &Message| match m {
        Message::Request(r) => format!("{} {}", r.method(), r.uri_str()),
        Message::Response(r) => format!("{} {}", r.code(), r.reason()),
    };
    if start(a) != start(b) {
        return Err(Error::Unrepresentable(format!(
            "start line becomes {:?}",
            start(b)
        )));
    }
    let (fa, fb) = (a.headers(), b.headers());
    if fa.len() != fb.len() {
        return Err(Error::Unrepresentable(format!(
            "{} header fields become {}",
            fa.len(),
            fb.len()
        )));
    }
    for (x, y) in fa.iter().zip(fb.iter()) {
        if !x.is(y.name()) || x.value() != y.value() {
            return Err(Error::Unrepresentable(format!(
                "header field {} changes",
                x.name()
            )));
        }
    }
    if a.body() != b.body() {
        return Err(Error::Unrepresentable("the body changes".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &[u8] = include_bytes!("../tests/vectors/invite-sdp.sip");

    #[test]
    fn round_trip_through_rsip() {
        let ours = Message::parse(Bytes::from_static(INVITE)).unwrap();
        let theirs = to_rsip(&ours).unwrap();
        assert!(theirs.is_request());
        let back = from_rsip(&theirs).unwrap();
        assert_eq!(
            back.headers().top_via().unwrap().branch(),
            Some("z9hG4bKv1")
        );
        assert_eq!(back.body(), ours.body());
    }

    #[test]
    fn refuses_what_rsip_would_change() {
        let binary = include_bytes!("../tests/vectors/binary-body.sip");
        let ours = Message::parse(Bytes::from_static(binary)).unwrap();
        assert!(matches!(to_rsip(&ours), Err(Error::Unrepresentable(_))));
        let folded = include_bytes!("../tests/vectors/folded-compact.sip");
        let ours = Message::parse(Bytes::from_static(folded)).unwrap();
        let refused = to_rsip(&ours);
        assert!(
            matches!(refused, Err(Error::Unrepresentable(_))),
            "{refused:?}"
        );
    }
}
