//! RFC 3261 section 18.2.1 and RFC 3581: the server transport stamps the
//! top Via of a received request with `received` (when the sent-by host
//! is not the packet's source address) and fills an empty `rport`, so
//! that responses find their way back through NATs.

use std::net::{IpAddr, SocketAddr};

use crate::Error;
use crate::message::{HeaderField, Headers, Request, names};

/// `request` with its top Via stamped for a packet from `source`.
pub(crate) fn stamp_received(mut request: Request, source: SocketAddr) -> Result<Request, Error> {
    let (stamped, rest) = {
        let headers = request.headers();
        let via = headers.top_via()?;
        let wants_rport = via.rport().is_some();
        let host_is_source = via.host.ip() == Some(source.ip());
        if host_is_source && !wants_rport {
            return Ok(request); // nothing to add: the common case
        }
        let mut value = format!(
            "{}/{}/{} {}",
            via.protocol, via.version, via.transport, via.host
        );
        if let Some(port) = via.port {
            value.push_str(&format!(":{port}"));
        }
        for (name, param) in via.params.iter() {
            if name.eq_ignore_ascii_case("received") {
                continue;
            }
            if name.eq_ignore_ascii_case("rport") {
                value.push_str(&format!(";rport={}", source.port()));
                continue;
            }
            value.push(';');
            value.push_str(name);
            if let Some(param) = param {
                value.push('=');
                value.push_str(param);
            }
        }
        value.push_str(&format!(";received={}", received_text(source.ip())));
        (value, first_field_rest(headers)?)
    };
    let mut rebuilt = Headers::new();
    let mut replaced = false;
    for field in request.headers().iter() {
        if !replaced && field.is(names::VIA) {
            replaced = true;
            rebuilt.push(HeaderField::new(names::VIA, &stamped)?);
            for hop in &rest {
                rebuilt.push(HeaderField::new(names::VIA, hop)?);
            }
        } else {
            rebuilt.push(field.clone());
        }
    }
    *request.headers_mut() = rebuilt;
    Ok(request)
}

/// The Via values after the first in the first Via field (a field may
/// hold several comma-separated hops).
fn first_field_rest(headers: &Headers) -> Result<Vec<String>, Error> {
    let Some(first) = headers.get(names::VIA) else {
        return Ok(Vec::new());
    };
    let mut alone = Headers::new();
    alone.push(first.clone());
    alone
        .vias()
        .skip(1)
        .map(|v| v.map(|v| v.to_string()))
        .collect()
}

/// An IPv6 `received` value is written without brackets (RFC 3261's
/// grammar; RFC 5118 section 4.5 lets receivers accept both).
fn received_text(ip: IpAddr) -> String {
    ip.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use bytes::Bytes;

    fn request(via: &str) -> Request {
        let text = format!(
            "OPTIONS sip:a@example.com SIP/2.0\r\nVia: {via}\r\nVia: SIP/2.0/UDP far.example\r\n\
             From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: x\r\n\
             CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        );
        match Message::parse(Bytes::from(text)).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    #[test]
    fn rport_is_filled_and_received_added() {
        let r = request("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1");
        let src: SocketAddr = "192.0.2.7:41000".parse().unwrap();
        let r = stamp_received(r, src).unwrap();
        let via = r.headers().top_via().unwrap();
        assert_eq!(via.rport(), Some(Some(41000)));
        assert_eq!(via.received(), Some("192.0.2.7"));
        assert_eq!(via.branch(), Some("z9hG4bK1"));
        assert_eq!(r.headers().vias().count(), 2);
    }

    #[test]
    fn matching_host_without_rport_is_untouched() {
        let r = request("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1");
        let before = r.to_bytes();
        let r = stamp_received(r, "192.0.2.7:5060".parse().unwrap()).unwrap();
        assert_eq!(r.to_bytes(), before);
    }

    #[test]
    fn comma_joined_hops_are_kept_and_ipv6_received_is_bare() {
        let r = request(
            "SIP/2.0/UDP host.example;branch=z9hG4bK2, SIP/2.0/TCP mid.example;branch=z9hG4bK3",
        );
        let src: SocketAddr = "[2001:db8::5]:5062".parse().unwrap();
        let r = stamp_received(r, src).unwrap();
        let hops: Vec<String> = r.headers().vias().map(|v| v.unwrap().to_string()).collect();
        assert_eq!(
            hops,
            [
                "SIP/2.0/UDP host.example;branch=z9hG4bK2;received=2001:db8::5",
                "SIP/2.0/TCP mid.example;branch=z9hG4bK3",
                "SIP/2.0/UDP far.example",
            ]
        );
    }
}
