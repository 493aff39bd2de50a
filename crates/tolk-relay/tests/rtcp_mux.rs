//! rtcp-mux (RFC 5761) over real loopback sockets, on both I/O paths: an
//! offered mux holds its RTCP port in reserve until the answer settles
//! it, a muxed endpoint keeps working when its peer stops muxing, and a
//! separate one closes its RTCP socket when its peer starts.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::{SocketAddr, UdpSocket};

use support::{loopback, one_worker, peer, point_at, recv};
use tolk_media::rtp::RtpBuilder;
use tolk_relay::{IoMode, LegUpdate, Relay, RtcpMux, SessionInfo, Side};

/// A receiver report: RTCP by RFC 5761's payload-type rule.
const RR: [u8; 8] = [0x80, 201, 0, 1, 0, 0, 0, 9];

fn relays(lo: u16, hi: u16) -> [Relay; 2] {
    // Each I/O path on its own ports, so both can run at once.
    let width = hi - lo + 1;
    [(IoMode::Epoll, 0), (IoMode::Uring, width)]
        .map(|(io, shift)| one_worker((lo + shift, hi + shift), io))
}

fn rtp() -> Vec<u8> {
    let mut buf = [0u8; 64];
    let n = RtpBuilder {
        sequence_number: 1,
        ssrc: 7,
        payload: b"rtp",
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    buf[..n].to_vec()
}

fn set_remote(relay: &Relay, info: &SessionInfo, side: Side, update: LegUpdate) {
    relay.update(info.id, side, update).unwrap();
}

/// Points the session's A leg at `a` for RTP and at `a_rtcp` for its own
/// RTCP (A does not mux), and its B leg at `b`.
fn a_without_mux(
    relay: &Relay,
    info: &SessionInfo,
    (a, a_rtcp): (&UdpSocket, &UdpSocket),
    b: &UdpSocket,
) {
    let a_update = LegUpdate {
        remote: Some(a.local_addr().unwrap()),
        remote_rtcp: Some(a_rtcp.local_addr().unwrap()),
        rtcp_mux: Some(false),
        ..Default::default()
    };
    set_remote(relay, info, Side::A, a_update);
    point_at(relay, info.id, Side::B, b);
}

/// `packet`, sent from one socket to the relay's address, arrives
/// unchanged at the other socket, from the relay's address there.
fn crosses(
    packet: &[u8],
    (from, to): (&UdpSocket, SocketAddr),
    (at, source): (&UdpSocket, SocketAddr),
) {
    from.send_to(packet, to).unwrap();
    assert_eq!(recv(at), Some((packet.to_vec(), source)));
}

#[test]
fn an_accepted_offer_frees_the_reserved_rtcp_port() {
    for relay in relays(11500, 11503) {
        let info = relay
            .create_session(loopback(RtcpMux::Offered), loopback(RtcpMux::Muxed))
            .unwrap();
        assert_eq!(info.a.rtp.port() % 2, 0, "an offered mux holds a pair");
        assert_eq!(info.a.rtcp.port(), info.a.rtp.port() + 1);
        assert_eq!(info.b.rtcp, info.b.rtp);
        // Three of four ports held: a second call of two ports has no room.
        let muxed = loopback(RtcpMux::Muxed);
        assert!(relay.create_session(muxed, muxed).is_err());

        let update = LegUpdate {
            rtcp_mux: Some(true),
            ..Default::default()
        };
        set_remote(&relay, &info, Side::A, update);
        let second = relay.create_session(muxed, muxed).unwrap();
        assert!([second.a.rtp, second.b.rtp].contains(&info.a.rtcp));
        relay.delete(second.id).unwrap();
        relay.delete(info.id).unwrap();
    }
}

#[test]
fn a_declined_offer_binds_the_reserved_rtcp_port() {
    for relay in relays(11510, 11519) {
        let (a, a_rtcp, b) = (peer(), peer(), peer());
        let info = relay
            .create_session(loopback(RtcpMux::Offered), loopback(RtcpMux::Muxed))
            .unwrap();
        a_without_mux(&relay, &info, (&a, &a_rtcp), &b);

        // B's muxed RTCP leaves from A's RTCP port for A's RTCP address.
        crosses(&RR, (&b, info.b.rtp), (&a_rtcp, info.a.rtcp));
        // A's RTCP port takes A's RTCP; RTP still crosses on the RTP port.
        crosses(&RR, (&a_rtcp, info.a.rtcp), (&b, info.b.rtp));
        crosses(&rtp(), (&a, info.a.rtp), (&b, info.b.rtp));
        relay.delete(info.id).unwrap();
        // All four ports back: a fresh pair on each leg fits again.
        let separate = loopback(RtcpMux::Separate);
        relay.create_session(separate, separate).unwrap();
    }
}

#[test]
fn a_muxed_endpoint_serves_a_peer_that_stopped_muxing() {
    for relay in relays(11530, 11539) {
        let (a, a_rtcp, b) = (peer(), peer(), peer());
        let muxed = loopback(RtcpMux::Muxed);
        let info = relay.create_session(muxed, muxed).unwrap();
        // A re-offered without rtcp-mux: its RTCP comes from and goes to
        // its own RTCP port, while we keep our one port (a=rtcp names it).
        a_without_mux(&relay, &info, (&a, &a_rtcp), &b);

        crosses(&rtp(), (&a, info.a.rtp), (&b, info.b.rtp));
        crosses(&RR, (&a_rtcp, info.a.rtp), (&b, info.b.rtp));
        crosses(&RR, (&b, info.b.rtp), (&a_rtcp, info.a.rtp));
        let stats = relay.delete(info.id).unwrap();
        assert_eq!(stats.a.drops.total(), 0);
    }
}

#[test]
fn a_separate_endpoint_whose_peer_starts_muxing_closes_its_rtcp_socket() {
    // Ports 22700-22703 (epoll) and 22704-22707 (io_uring).
    for relay in relays(22700, 22703) {
        let (a, a_rtcp, b) = (peer(), peer(), peer());
        let separate = loopback(RtcpMux::Separate);
        let info = relay
            .create_session(separate, loopback(RtcpMux::Muxed))
            .unwrap();
        a_without_mux(&relay, &info, (&a, &a_rtcp), &b);
        crosses(&RR, (&a_rtcp, info.a.rtcp), (&b, info.b.rtp));
        assert!(
            UdpSocket::bind(info.a.rtcp).is_err(),
            "bound while A does not mux"
        );

        // A re-offers with rtcp-mux and we accept (RFC 5761 section 5.1.3).
        let update = LegUpdate {
            remote_rtcp: Some(a.local_addr().unwrap()),
            rtcp_mux: Some(true),
            ..Default::default()
        };
        set_remote(&relay, &info, Side::A, update);
        crosses(&RR, (&a, info.a.rtp), (&b, info.b.rtp));
        crosses(&RR, (&b, info.b.rtp), (&a, info.a.rtp));
        crosses(&rtp(), (&a, info.a.rtp), (&b, info.b.rtp));
        // The worker closes the socket with the update's reply.
        drop(UdpSocket::bind(info.a.rtcp).expect("the RTCP socket is closed"));
        let stats = relay.delete(info.id).unwrap();
        assert_eq!(stats.a.drops.total(), 0);
        // Every port back once the call ends.
        relay.create_session(separate, separate).unwrap();
    }
}
