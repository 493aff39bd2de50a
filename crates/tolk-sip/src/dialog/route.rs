//! Route sets and remote targets (RFC 3261 sections 12.1, 12.2.1.1 and
//! 16.12): which Request-URI and Route headers an in-dialog request
//! carries, and where it is sent.

use std::net::SocketAddr;

use crate::header::NameAddr;
use crate::transport::{Target, Transport};
use crate::uri::Uri;

/// One entry of a route set: a Record-Route value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    /// The name-addr as it goes into a Route header.
    pub value: String,
    /// Its URI.
    pub uri: String,
    /// True for a loose router (`;lr`).
    pub lr: bool,
}

impl RouteEntry {
    /// The entry for one Record-Route (or Route) value.
    pub fn from_name_addr(addr: &NameAddr<'_>) -> Self {
        let lr = addr.uri.as_sip().is_some_and(|u| u.params.contains("lr"));
        RouteEntry {
            value: addr.to_string(),
            uri: addr.uri.as_str().to_owned(),
            lr,
        }
    }
}

/// What an in-dialog request needs from the route set (RFC 3261
/// 12.2.1.1): its Request-URI, its Route values, and the URI of the
/// next hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// The Request-URI.
    pub request_uri: String,
    /// Route header values, in order.
    pub routes: Vec<String>,
    /// The URI the request is sent to (first Route, else Request-URI).
    pub next_hop: String,
}

/// RFC 3261 12.2.1.1: with an empty route set or a loose first hop, the
/// remote target is the Request-URI and the route set the Route; with a
/// strict first hop, its URI is the Request-URI and the remote target
/// goes last in Route.
pub fn routing(route_set: &[RouteEntry], remote_target: &str) -> Routing {
    match route_set.first() {
        None => Routing {
            request_uri: remote_target.to_owned(),
            routes: Vec::new(),
            next_hop: remote_target.to_owned(),
        },
        Some(first) if first.lr => Routing {
            request_uri: remote_target.to_owned(),
            routes: route_set.iter().map(|r| r.value.clone()).collect(),
            next_hop: first.uri.clone(),
        },
        Some(first) => {
            let mut routes: Vec<String> =
                route_set.iter().skip(1).map(|r| r.value.clone()).collect();
            routes.push(format!("<{remote_target}>"));
            Routing {
                request_uri: first.uri.clone(),
                routes,
                next_hop: first.uri.clone(),
            }
        }
    }
}

/// The transport address a SIP URI names, when its host is an IP
/// address (the core does no DNS): `transport=` or `sips:` choose the
/// transport, else `default`.
pub fn uri_target(uri: &str, default: Transport) -> Option<Target> {
    let Ok(Uri::Sip(sip)) = Uri::parse(uri) else {
        return None;
    };
    let ip = sip.host.ip()?;
    let transport = match sip.params.value("transport").and_then(Transport::from_name) {
        Some(t) => t,
        None if sip.secure => Transport::Tls,
        None => default,
    };
    let port = sip.port.unwrap_or(transport.default_port());
    Some(Target {
        transport,
        addr: SocketAddr::new(ip, port),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(uri: &str, lr: bool) -> RouteEntry {
        RouteEntry {
            value: format!("<{uri}>"),
            uri: uri.to_owned(),
            lr,
        }
    }

    #[test]
    fn empty_route_set_targets_the_remote_target() {
        let r = routing(&[], "sip:bob@192.0.2.4");
        assert_eq!(r.request_uri, "sip:bob@192.0.2.4");
        assert!(r.routes.is_empty());
        assert_eq!(r.next_hop, "sip:bob@192.0.2.4");
    }

    #[test]
    fn loose_routing_keeps_the_request_uri() {
        let set = [
            entry("sip:p1.example;lr", true),
            entry("sip:p2.example;lr", true),
        ];
        let r = routing(&set, "sip:bob@192.0.2.4");
        assert_eq!(r.request_uri, "sip:bob@192.0.2.4");
        assert_eq!(r.routes, ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]);
        assert_eq!(r.next_hop, "sip:p1.example;lr");
    }

    #[test]
    fn strict_routing_moves_the_remote_target_to_the_end() {
        let set = [
            entry("sip:p1.example", false),
            entry("sip:p2.example;lr", true),
        ];
        let r = routing(&set, "sip:bob@192.0.2.4");
        assert_eq!(r.request_uri, "sip:p1.example");
        assert_eq!(r.routes, ["<sip:p2.example;lr>", "<sip:bob@192.0.2.4>"]);
    }

    #[test]
    fn targets_from_uris() {
        let t = uri_target("sip:bob@192.0.2.4:5070;transport=tcp", Transport::Udp).unwrap();
        assert_eq!(
            (t.transport, t.addr.to_string().as_str()),
            (Transport::Tcp, "192.0.2.4:5070")
        );
        let t = uri_target("sips:[2001:db8::1]", Transport::Udp).unwrap();
        assert_eq!((t.transport, t.addr.port()), (Transport::Tls, 5061));
        assert_eq!(uri_target("sip:bob@example.com", Transport::Udp), None);
        assert_eq!(uri_target("tel:+4512345678", Transport::Udp), None);
    }
}
