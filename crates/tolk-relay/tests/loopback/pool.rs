// The idle socket pool over real loopback sockets: a deleted session's
// sockets serve a later one after their quarantine, drained; the cap and
// the idle timeout close them; a full range takes them back. Included
// once per I/O path by tests/loopback.rs, with `IO` and `PORT_SHIFT` set.
// Ports 46730-46799 (plus the shift).

use std::net::{Ipv4Addr, UdpSocket};
use std::time::{Duration, Instant};

use tolk_media::rtp::RtpPacket;
use tolk_relay::{LegUpdate, Relay, RelayConfig, RtcpMux, SessionInfo, Side};

use super::{IO, PORT_SHIFT};
use crate::support::{loopback, peer, point_at, recv, rtp};

/// The relay's quarantine (2 s) and some room for a loaded machine.
const QUARANTINE: Duration = Duration::from_millis(2200);

/// An RTCP receiver report.
const RR: [u8; 8] = [0x80, 201, 0, 1, 0, 0, 0, 9];

fn relay(lo: u16, hi: u16, idle_sockets: usize, idle_timeout: Duration) -> Relay {
    Relay::start(RelayConfig {
        ports: (lo + PORT_SHIFT, hi + PORT_SHIFT),
        workers: 2,
        io: IO,
        idle_sockets,
        idle_timeout,
        ..RelayConfig::default()
    })
    .unwrap()
}


/// The session's local ports, A's then B's, RTP then RTCP.
fn ports(info: &SessionInfo) -> [u16; 4] {
    [info.a.rtp, info.a.rtcp, info.b.rtp, info.b.rtcp].map(|a| a.port())
}

/// Whether every one of `ports` can be bound on 127.0.0.1 now.
fn bindable(ports: &[u16]) -> bool {
    ports
        .iter()
        .all(|&p| UdpSocket::bind((Ipv4Addr::LOCALHOST, p)).is_ok())
}

/// RTP from `a` reaches `b` through the session, and back.
fn media_flows(info: &SessionInfo, a: &UdpSocket, b: &UdpSocket) {
    for (from, to, at) in [(a, b, info.a.rtp), (b, a, info.b.rtp)] {
        let (buf, n) = rtp(1, 7, b"through");
        from.send_to(&buf[..n], at).unwrap();
        let (got, _) = recv(to).expect("forwarded");
        assert_eq!(RtpPacket::parse(&got).unwrap().payload(), b"through");
    }
}

#[test]
fn a_deleted_sessions_sockets_serve_a_new_session_after_the_quarantine() {
    let relay = relay(46730, 46749, 100, Duration::from_secs(30));
    let (a, b) = (peer(), peer());
    let separate = loopback(RtcpMux::Separate);
    let first = relay.create_session(separate, separate).unwrap();
    point_at(&relay, first.id, Side::A, &a);
    point_at(&relay, first.id, Side::B, &b);
    media_flows(&first, &a, &b);
    relay.delete(first.id).unwrap();
    assert_eq!(relay.idle_sockets(), 4);

    // Within the quarantine: fresh ports.
    let second = relay.create_session(separate, separate).unwrap();
    assert!(ports(&second).iter().all(|p| !ports(&first).contains(p)));

    // After it: the same ports, A's pair for A, B's for an offered mux
    // on B, which keeps the RTCP socket until the answer declines.
    std::thread::sleep(QUARANTINE);
    let third = relay
        .create_session(separate, loopback(RtcpMux::Offered))
        .unwrap();
    assert_eq!(ports(&third), ports(&first));
    assert_eq!(relay.idle_sockets(), 0);
    let (a_rtcp, b_rtcp) = (peer(), peer());
    for (side, rtp, rtcp) in [(Side::A, &a, &a_rtcp), (Side::B, &b, &b_rtcp)] {
        let update = LegUpdate {
            remote: Some(rtp.local_addr().unwrap()),
            remote_rtcp: Some(rtcp.local_addr().unwrap()),
            rtcp_mux: Some(false),
            ..Default::default()
        };
        relay.update(third.id, side, update).unwrap();
    }
    media_flows(&third, &a, &b);
    b_rtcp.send_to(&RR, third.b.rtcp).unwrap();
    assert_eq!(recv(&a_rtcp), Some((RR.to_vec(), third.a.rtcp)));
    for id in [second.id, third.id] {
        relay.delete(id).unwrap();
    }
}

#[test]
fn a_datagram_queued_on_an_idle_socket_never_reaches_the_new_session() {
    let relay = relay(46750, 46759, 100, Duration::from_secs(30));
    let muxed = loopback(RtcpMux::Muxed);
    let first = relay.create_session(muxed, muxed).unwrap();
    relay.delete(first.id).unwrap();
    // A's peer sends to the idle socket: the kernel queues it there.
    let (a, b) = (peer(), peer());
    let (stale, n) = rtp(1, 7, b"stale");
    a.send_to(&stale[..n], first.a.rtp).unwrap();

    std::thread::sleep(QUARANTINE);
    let second = relay.create_session(muxed, muxed).unwrap();
    assert_eq!(second.a.rtp, first.a.rtp);
    point_at(&relay, second.id, Side::A, &a);
    point_at(&relay, second.id, Side::B, &b);
    let (fresh, n) = rtp(2, 7, b"fresh");
    a.send_to(&fresh[..n], second.a.rtp).unwrap();
    let (got, _) = recv(&b).expect("forwarded");
    assert_eq!(RtpPacket::parse(&got).unwrap().payload(), b"fresh");
    b.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert_eq!(recv(&b), None, "nothing else reaches B");
    assert_eq!(relay.delete(second.id).unwrap().a.packets_in, 1);
}

#[test]
fn the_cap_and_the_idle_timeout_close_sockets() {
    let relay = relay(46760, 46779, 2, Duration::from_millis(600));
    let muxed = loopback(RtcpMux::Muxed);
    let first = relay.create_session(muxed, muxed).unwrap();
    let second = relay.create_session(muxed, muxed).unwrap();
    let (kept, capped) = ([first.a.rtp, first.b.rtp], [second.a.rtp, second.b.rtp]);
    relay.delete(first.id).unwrap();
    relay.delete(second.id).unwrap();
    // Two sockets kept idle at most: the second session's are closed.
    assert_eq!(relay.idle_sockets(), 2);
    assert!(bindable(&capped.map(|a| a.port())));
    assert!(kept.iter().all(|&a| UdpSocket::bind(a).is_err()));
    // The idle ones close once their timeout has passed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while relay.idle_sockets() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(relay.idle_sockets(), 0);
    assert!(bindable(&kept.map(|a| a.port())));
}

#[test]
fn a_full_port_range_takes_idle_sockets_back() {
    let relay = relay(46780, 46783, 100, Duration::from_secs(30));
    let muxed = loopback(RtcpMux::Muxed);
    let sessions = [(); 2].map(|()| relay.create_session(muxed, muxed).unwrap());
    assert!(relay.create_session(muxed, muxed).is_err(), "4 ports, all used");
    for s in &sessions {
        relay.delete(s.id).unwrap();
    }
    // Half the range rests idle at most; within their quarantine, new
    // sessions take the free half, then the idle sockets' ports.
    assert_eq!(relay.idle_sockets(), 2);
    let (a, b) = (peer(), peer());
    let again = [(); 2].map(|()| relay.create_session(muxed, muxed).unwrap());
    assert_eq!(relay.idle_sockets(), 0);
    point_at(&relay, again[1].id, Side::A, &a);
    point_at(&relay, again[1].id, Side::B, &b);
    media_flows(&again[1], &a, &b);
}

#[test]
fn a_single_idle_socket_serves_an_offered_mux_on_an_even_port() {
    let relay = relay(46790, 46799, 100, Duration::from_secs(30));
    let (offered, muxed) = (loopback(RtcpMux::Offered), loopback(RtcpMux::Muxed));
    let first = relay.create_session(offered, muxed).unwrap();
    // The answer accepts mux: A's reserved port is freed, one socket left.
    let accept = LegUpdate {
        rtcp_mux: Some(true),
        ..Default::default()
    };
    relay.update(first.id, Side::A, accept).unwrap();
    relay.delete(first.id).unwrap();
    assert_eq!(relay.idle_sockets(), 2);

    std::thread::sleep(QUARANTINE);
    let second = relay.create_session(offered, muxed).unwrap();
    assert_eq!((second.a.rtp, second.b.rtp), (first.a.rtp, first.b.rtp));
    assert_eq!(second.a.rtcp.port(), second.a.rtp.port() + 1);
    // This answer declines: the reserved port is bound for A's RTCP.
    let (a, a_rtcp, b) = (peer(), peer(), peer());
    let decline = LegUpdate {
        remote: Some(a.local_addr().unwrap()),
        remote_rtcp: Some(a_rtcp.local_addr().unwrap()),
        rtcp_mux: Some(false),
        ..Default::default()
    };
    relay.update(second.id, Side::A, decline).unwrap();
    point_at(&relay, second.id, Side::B, &b);
    media_flows(&second, &a, &b);
    a_rtcp.send_to(&RR, second.a.rtcp).unwrap();
    assert_eq!(recv(&b), Some((RR.to_vec(), second.b.rtp)));
    relay.delete(second.id).unwrap();
}
