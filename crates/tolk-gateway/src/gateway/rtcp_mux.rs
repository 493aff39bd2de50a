//! rtcp-mux (RFC 5761) on a bridged leg: how each stream's relay
//! endpoint holds its RTCP port, so that a leg that muxes costs one
//! socket per stream instead of two.
//!
//! - A caller that offers `a=rtcp-mux` (and whose policy allows it) gets
//!   it in the answer and a one-port endpoint ([`RtcpMux::Muxed`]).
//! - Our offers (to the callee, to a late-offer caller) propose it; the
//!   endpoint binds one socket and holds the next port in reserve
//!   ([`RtcpMux::Offered`]) until the answer says whether the peer muxes
//!   (RFC 5761 section 5.1.1): the relay then frees the port or binds it.
//! - Mid-call, our offers keep what a leg agreed at setup: a leg that did
//!   not mux is not offered it again, a muxed leg keeps offering it. A
//!   muxed peer that re-offers without it (RFC 8035: then our answer
//!   cannot carry it) is told with `a=rtcp` (RFC 3605) that our RTCP
//!   port is our RTP port, while the relay sends our RTCP to the peer's
//!   own RTCP port. A peer that did not mux and re-offers with it gets
//!   it in the answer where its policy allows (RFC 5761 section 5.1.3):
//!   its RTCP moves onto the RTP port and the relay closes the stream's
//!   RTCP socket.

use std::net::SocketAddr;

use tolk_relay::RtcpMux;
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{MediaKind, Rtcp};
use tolk_sdp::negotiate::Negotiation;

use super::media::first_active;
use crate::config::MediaPolicy;

/// The relay endpoints of one leg's streams: `[audio, video]`.
pub(super) type StreamPorts = [RtcpMux; 2];

/// The slot of `kind` in [`StreamPorts`].
pub(super) fn slot(kind: &MediaKind) -> usize {
    usize::from(*kind == MediaKind::Video)
}

/// The endpoint for a caller's stream of `kind`: muxed when its offer's
/// first active line of that kind muxes, offered when we write the offer
/// (a late-offer caller), separate when its policy says no.
pub(super) fn caller_ports(
    policy: &MediaPolicy,
    offer: Option<&SessionDescription>,
    kind: MediaKind,
) -> RtcpMux {
    if !policy.rtcp_mux {
        return RtcpMux::Separate;
    }
    match offer {
        None => RtcpMux::Offered,
        Some(offer) => RtcpMux::from(first_active(offer, &kind).is_some_and(|m| m.rtcp_mux)),
    }
}

/// The endpoint for a stream we offer to a peer under `policy`.
pub(super) fn offered_ports(policy: &MediaPolicy) -> RtcpMux {
    if policy.rtcp_mux {
        RtcpMux::Offered
    } else {
        RtcpMux::Separate
    }
}

/// Whether the accepted m-line `index` of `negotiation` muxes.
pub(super) fn muxed(negotiation: &Negotiation, index: usize) -> bool {
    negotiation
        .accepted()
        .any(|(i, media)| i == index && media.rtcp_mux)
}

/// An endpoint after an answer that says whether its peer muxes: an
/// offered mux settled, a port pair whose peer starts muxing down to one
/// port (the relay closed its RTCP socket); a one-port endpoint stays.
pub(super) fn settle(ports: &mut RtcpMux, muxed: bool) {
    match *ports {
        RtcpMux::Offered => *ports = RtcpMux::from(muxed),
        RtcpMux::Separate if muxed => *ports = RtcpMux::Muxed,
        _ => {}
    }
}

/// Whether a mid-call offer or answer to a leg may carry rtcp-mux: only
/// when its audio endpoint was not given a separate RTCP port.
pub(super) fn may_mux_mid_call(policy_allows: bool, ports: &StreamPorts) -> bool {
    policy_allows && ports[0] != RtcpMux::Separate
}

/// Where the peer behind line `index` of its `description` takes RTCP
/// when it does not mux: its `a=rtcp` port (RFC 3605) at the address
/// given there or its RTP address; `None` without the attribute (the
/// relay then uses the RTP port + 1).
pub(super) fn remote_rtcp(
    description: Option<&SessionDescription>,
    index: usize,
    remote: Option<SocketAddr>,
) -> Option<SocketAddr> {
    let rtcp = description?.media.get(index)?.rtcp.as_ref()?;
    let ip = match &rtcp.address {
        Some(address) => address.to_ip()?,
        None => remote?.ip(),
    };
    Some(SocketAddr::new(ip, rtcp.port)).filter(|addr| addr.port() != 0)
}

/// Adds `a=rtcp:<RTP port>` to each active line of `description` whose
/// endpoint has one port, unless it is an answer line that muxes: so a
/// peer that does not (or no longer) mux sends its RTCP to that port.
pub(super) fn name_rtcp_ports(
    ports: &StreamPorts,
    description: &mut SessionDescription,
    offer: bool,
) {
    for line in &mut description.media {
        let single = ports[slot(&line.kind)] == RtcpMux::Muxed;
        if single && line.port != 0 && (offer || !line.rtcp_mux) {
            line.rtcp = Some(Rtcp {
                port: line.port,
                address: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description(media: &str) -> SessionDescription {
        let text = format!("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n{media}");
        tolk_sdp::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn a_caller_gets_the_endpoint_its_offer_asks_for() {
        let policy = MediaPolicy::default();
        let muxing =
            description("m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\nm=video 4002 RTP/AVP 96\r\n");
        let audio = caller_ports(&policy, Some(&muxing), MediaKind::Audio);
        let video = caller_ports(&policy, Some(&muxing), MediaKind::Video);
        assert_eq!((audio, video), (RtcpMux::Muxed, RtcpMux::Separate));
        assert_eq!(
            caller_ports(&policy, None, MediaKind::Audio),
            RtcpMux::Offered
        );
        let off = MediaPolicy {
            rtcp_mux: false,
            ..MediaPolicy::default()
        };
        assert_eq!(
            caller_ports(&off, Some(&muxing), MediaKind::Audio),
            RtcpMux::Separate
        );
        assert_eq!(offered_ports(&off), RtcpMux::Separate);
    }

    #[test]
    fn an_offered_mux_settles_and_a_pair_goes_down_to_one_port_for_good() {
        let mut ports = RtcpMux::Offered;
        settle(&mut ports, false);
        assert_eq!(ports, RtcpMux::Separate);
        assert!(!may_mux_mid_call(true, &[ports, RtcpMux::Muxed]));
        assert!(may_mux_mid_call(true, &[RtcpMux::Muxed, RtcpMux::Separate]));
        // The peer re-offers with rtcp-mux and the answer takes it.
        settle(&mut ports, true);
        assert_eq!(ports, RtcpMux::Muxed);
        // It stops muxing again (RFC 8035): the one port stays.
        settle(&mut ports, false);
        assert_eq!(ports, RtcpMux::Muxed, "the RTCP socket is gone");
    }

    #[test]
    fn a_peers_rtcp_attribute_names_where_its_rtcp_goes() {
        let rtp: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let plain = description("m=audio 4000 RTP/AVP 0\r\n");
        assert_eq!(remote_rtcp(Some(&plain), 0, Some(rtp)), None);
        let port = description("m=audio 4000 RTP/AVP 0\r\na=rtcp:4005\r\n");
        assert_eq!(
            remote_rtcp(Some(&port), 0, Some(rtp)),
            Some("127.0.0.1:4005".parse().unwrap())
        );
        let elsewhere = description("m=audio 4000 RTP/AVP 0\r\na=rtcp:53020 IN IP4 10.0.0.7\r\n");
        assert_eq!(
            remote_rtcp(Some(&elsewhere), 0, None),
            Some("10.0.0.7:53020".parse().unwrap())
        );
    }

    #[test]
    fn a_one_port_line_that_does_not_mux_names_its_rtcp_port() {
        let ports = [RtcpMux::Muxed, RtcpMux::Separate];
        let mut answer = description("m=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\n");
        name_rtcp_ports(&ports, &mut answer, false);
        assert_eq!(answer.media[0].rtcp.as_ref().map(|r| r.port), Some(4000));
        assert!(answer.media[1].rtcp.is_none(), "video has its RTCP port");

        let mut muxed_answer = description("m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n");
        name_rtcp_ports(&ports, &mut muxed_answer, false);
        assert!(muxed_answer.media[0].rtcp.is_none());
        name_rtcp_ports(&ports, &mut muxed_answer, true);
        assert_eq!(
            muxed_answer.media[0].rtcp.as_ref().map(|r| r.port),
            Some(4000)
        );
    }
}
