//! The SDP answer that declines every stream of an offer (RFC 3264
//! section 6: port 0 in each m-line, same count and order). It goes in
//! the ACK of a 2xx that offered a session we will not keep (RFC 3261
//! 13.2.2.4: an offer in a 2xx needs its answer in the ACK, even when a
//! BYE follows at once).

use std::net::IpAddr;

use bytes::Bytes;

use crate::message::Response;

/// The Content-Type of an SDP body.
pub(super) const SDP: &str = "application/sdp";

/// The SDP offer a 2xx carries, when it carries one.
pub(super) fn offer_in(response: &Response) -> Option<Bytes> {
    let is_sdp = response
        .headers()
        .content_type()
        .ok()
        .flatten()
        .is_some_and(|t| {
            t.kind.eq_ignore_ascii_case("application") && t.subtype.eq_ignore_ascii_case("sdp")
        });
    (is_sdp && !response.body().is_empty()).then(|| response.body().clone())
}

/// The answer to `offer` that rejects each of its media streams, from
/// `local`; `None` when the offer is not readable SDP (no `v=` line, or
/// an m-line without port, protocol and format).
pub(super) fn declining_answer(offer: &[u8], local: IpAddr) -> Option<Bytes> {
    let text = std::str::from_utf8(offer).ok()?;
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    if lines.next()? != "v=0" {
        return None;
    }
    let family = if local.is_ipv4() { "IP4" } else { "IP6" };
    let mut answer =
        format!("v=0\r\no=- 0 0 IN {family} {local}\r\ns=-\r\nc=IN {family} {local}\r\nt=0 0\r\n");
    for line in lines {
        let Some(media) = line.strip_prefix("m=") else {
            continue;
        };
        // m=<media> <port>[/<count>] <proto> <fmt> ...: one format is
        // kept, since SDP needs one; a rejected stream's are ignored.
        let mut fields = media.split_ascii_whitespace();
        let (kind, _port, proto, format) = (
            fields.next()?,
            fields.next()?,
            fields.next()?,
            fields.next()?,
        );
        answer.push_str(&format!("m={kind} 0 {proto} {format}\r\n"));
    }
    Some(Bytes::from(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_stream_is_rejected_in_order() {
        let offer = b"v=0\r\no=- 7 7 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n\
            m=audio 5000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n\
            m=video 5002/2 RTP/SAVPF 96\r\nm=application 5004 UDP/BFCP *\r\n";
        let answer = declining_answer(offer, "192.0.2.1".parse().unwrap()).unwrap();
        let m_lines: Vec<&str> = std::str::from_utf8(&answer)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("m="))
            .collect();
        assert_eq!(
            m_lines,
            [
                "m=audio 0 RTP/AVP 0",
                "m=video 0 RTP/SAVPF 96",
                "m=application 0 UDP/BFCP *"
            ]
        );
        assert!(answer.starts_with(b"v=0\r\no=- 0 0 IN IP4 192.0.2.1\r\n"));
    }

    #[test]
    fn what_is_not_sdp_gets_no_answer() {
        let local = "2001:db8::1".parse().unwrap();
        assert!(declining_answer(b"hello", local).is_none());
        assert!(declining_answer(b"v=0\r\nm=audio 5000\r\n", local).is_none());
        let empty = declining_answer(b"v=0\r\ns=-\r\n", local).unwrap();
        assert!(empty.ends_with(b"c=IN IP6 2001:db8::1\r\nt=0 0\r\n"));
    }
}
