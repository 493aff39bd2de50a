// The relay over real loopback sockets: worker threads, batched syscalls,
// SRTP transforms, latching, rtcp-mux, timeouts and many sessions. Included
// once per I/O path by tests/loopback.rs, with `IO` and `PORT_SHIFT` set.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use tolk_media::rtp::RtpPacket;
use tolk_relay::srtp::{SrtpContext, WebrtcSrtp};
use tolk_relay::{
    DropReason, EndpointSpec, Event, LegKeys, LegUpdate, Relay, RelayConfig, SessionInfo,
    SessionPolicy, Side,
};

use super::{IO, PORT_SHIFT};
use crate::support::{key, peer, point_at, recv, rtp};

const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn relay(lo: u16, hi: u16) -> Relay {
    relay_pooling(lo, hi, RelayConfig::default().idle_sockets)
}

/// A relay that closes a deleted session's sockets at once.
fn relay_without_pool(lo: u16, hi: u16) -> Relay {
    relay_pooling(lo, hi, 0)
}

fn relay_pooling(lo: u16, hi: u16, idle_sockets: usize) -> Relay {
    let relay = Relay::start(RelayConfig {
        ports: (lo + PORT_SHIFT, hi + PORT_SHIFT),
        workers: 2,
        policy: SessionPolicy {
            timeout: Duration::from_millis(400),
            auth_failure_threshold: 10,
            ..SessionPolicy::default()
        },
        io: IO,
        idle_sockets,
        ..RelayConfig::default()
    })
    .unwrap();
    assert_eq!(relay.io(), IO);
    relay
}

fn spec(rtcp_mux: bool) -> EndpointSpec {
    EndpointSpec {
        ip: LOCALHOST,
        rtcp_mux: rtcp_mux.into(),
    }
}

fn session(relay: &Relay, a: &UdpSocket, b: &UdpSocket) -> SessionInfo {
    let info = relay.create_session(spec(true), spec(true)).unwrap();
    for (side, peer) in [(Side::A, a), (Side::B, b)] {
        point_at(relay, info.id, side, peer);
    }
    info
}


#[test]
fn srtp_in_rtp_out_and_back_with_independent_decrypt() {
    let relay = relay(46100, 46199);
    let (a, b) = (peer(), peer());
    let info = session(&relay, &a, &b);
    let (a_sends, relay_sends_a) = (key(1), key(2));
    relay
        .update(
            info.id,
            Side::A,
            LegUpdate {
                keys: Some(LegKeys {
                    rx: Some(a_sends.clone()),
                    tx: Some(relay_sends_a.clone()),
                }),
                ..Default::default()
            },
        )
        .unwrap();

    // A -> relay: SRTP; relay -> B: RTP with the same payload.
    let mut a_ctx = WebrtcSrtp::new(&a_sends).unwrap();
    for seq in 0..20u16 {
        let payload = [seq as u8; 160];
        let (mut buf, n) = rtp(seq, 0xA, &payload);
        let n = a_ctx.protect_rtp(&mut buf, n).unwrap();
        a.send_to(&buf[..n], info.a.rtp).unwrap();
        let (got, from) = recv(&b).expect("forwarded to B");
        assert_eq!(from, info.b.rtp);
        assert_eq!(RtpPacket::parse(&got).unwrap().payload(), payload);
    }

    // B -> relay: RTP; relay -> A: SRTP, decrypted by a separately created context.
    let mut a_rx = WebrtcSrtp::new(&relay_sends_a).unwrap();
    for seq in 0..20u16 {
        let (buf, n) = rtp(seq, 0xB, b"from b");
        b.send_to(&buf[..n], info.b.rtp).unwrap();
        let (mut got, from) = recv(&a).expect("forwarded to A");
        assert_eq!(from, info.a.rtp);
        let len = got.len();
        got.resize(1500, 0);
        let m = a_rx.unprotect_rtp(&mut got, len).unwrap();
        assert_eq!(RtpPacket::parse(&got[..m]).unwrap().payload(), b"from b");
    }
    let st = relay.stats(info.id).unwrap();
    assert_eq!((st.a.forwarded, st.b.forwarded), (20, 20));
}

#[test]
fn replayed_and_tampered_packets_are_dropped_and_counted() {
    let relay = relay(46200, 46299);
    let (a, b) = (peer(), peer());
    let info = session(&relay, &a, &b);
    let k = key(3);
    relay
        .update(
            info.id,
            Side::A,
            LegUpdate {
                keys: Some(LegKeys {
                    rx: Some(k.clone()),
                    tx: None,
                }),
                ..Default::default()
            },
        )
        .unwrap();
    let mut sender = WebrtcSrtp::new(&k).expect("context");
    let (mut buf, n) = rtp(1, 5, b"genuine");
    let n = sender.protect_rtp(&mut buf, n).expect("protect");
    a.send_to(&buf[..n], info.a.rtp).unwrap();
    assert!(recv(&b).is_some());
    a.send_to(&buf[..n], info.a.rtp).unwrap(); // replay
    let (mut next, m) = rtp(2, 5, b"genuine");
    let m = sender.protect_rtp(&mut next, m).expect("protect");
    next[15] ^= 0x40;
    a.send_to(&next[..m], info.a.rtp).unwrap(); // tampered
    a.send_to(&[0x80, 0, 1], info.a.rtp).unwrap(); // truncated
    a.send_to(&[0x16, 0xfe, 0xfd, 0, 0], info.a.rtp).unwrap(); // DTLS-looking
    b.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(recv(&b).is_none(), "nothing more may reach B");
    let d = relay.stats(info.id).unwrap().a.drops;
    assert_eq!(d.get(DropReason::Replayed), 1);
    assert_eq!(d.get(DropReason::AuthFailed), 1);
    assert_eq!(d.get(DropReason::Truncated), 1);
    assert_eq!(d.get(DropReason::NotRtp), 1);
}

#[test]
fn latching_symmetric_rtp_and_foreign_sources() {
    let relay = relay(46300, 46399);
    let (a, b, nat_a, intruder) = (peer(), peer(), peer(), peer());
    let info = session(&relay, &a, &b);
    // A's media really comes from another port (NAT): it latches there.
    let (buf, n) = rtp(1, 1, b"x");
    nat_a.send_to(&buf[..n], info.a.rtp).unwrap();
    assert!(recv(&b).is_some());
    // B's media to A goes to the latched address, not the signalled one.
    b.send_to(&buf[..n], info.b.rtp).unwrap();
    assert!(recv(&nat_a).is_some());
    // Someone else talking to A's port while A is active: dropped.
    intruder.send_to(&buf[..n], info.a.rtp).unwrap();
    b.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(recv(&b).is_none());
    let st = relay.stats(info.id).unwrap();
    assert_eq!(st.a.drops.get(DropReason::SourceNotLatched), 1);
    let events: Vec<Event> = relay.take_events().unwrap().try_iter().collect();
    assert!(events.iter().any(|e| matches!(e, Event::Latched { side: Side::A, to, .. } if *to == nat_a.local_addr().unwrap())));
}

#[test]
fn rtcp_pair_on_one_leg_mux_on_the_other() {
    let relay = relay(46400, 46499);
    let (a, a_rtcp, b) = (peer(), peer(), peer());
    let info = relay.create_session(spec(false), spec(true)).unwrap();
    assert_eq!(info.a.rtcp.port(), info.a.rtp.port() + 1);
    assert_eq!(info.a.rtp.port() % 2, 0);
    assert_eq!(info.b.rtcp, info.b.rtp);
    relay
        .update(
            info.id,
            Side::A,
            LegUpdate {
                remote: Some(a.local_addr().unwrap()),
                remote_rtcp: Some(a_rtcp.local_addr().unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    point_at(&relay, info.id, Side::B, &b);
    let rr = [0x80, 201, 0, 1, 0, 0, 0, 9];
    // A's RTCP port -> B's muxed port.
    a_rtcp.send_to(&rr, info.a.rtcp).unwrap();
    let (got, from) = recv(&b).unwrap();
    assert_eq!((got.as_slice(), from), (&rr[..], info.b.rtp));
    // B's muxed RTCP -> A's RTCP socket and A's RTCP address.
    b.send_to(&rr, info.b.rtp).unwrap();
    let (got, from) = recv(&a_rtcp).unwrap();
    assert_eq!((got.as_slice(), from), (&rr[..], info.a.rtcp));
    // B's RTP -> A's RTP.
    let (buf, n) = rtp(1, 1, b"rtp");
    b.send_to(&buf[..n], info.b.rtp).unwrap();
    assert_eq!(recv(&a).unwrap().1, info.a.rtp);
}

#[test]
fn silence_raises_a_timeout_event_and_delete_frees_ports() {
    let relay = relay(46500, 46503);
    let events = relay.take_events().unwrap();
    let (a, b) = (peer(), peer());
    let first = session(&relay, &a, &b);
    let second = session(&relay, &a, &b);
    // Range exhausted: 4 ports, 2 sessions x 2 muxed endpoints.
    assert!(relay.create_session(spec(true), spec(true)).is_err());
    // Generous bound: a loaded CI machine may run the worker late.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let timed_out = std::iter::from_fn(|| {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        events.recv_timeout(left).ok()
    })
    .any(|ev| matches!(ev, Event::Timeout { .. }));
    assert!(timed_out, "no timeout event within 15 s");
    relay.delete(first.id).unwrap();
    relay.delete(second.id).unwrap();
    assert!(relay.delete(first.id).is_err());
    assert_eq!(relay.session_count(), 0);
    assert!(relay.create_session(spec(true), spec(true)).is_ok());
}

#[test]
fn ipv6_endpoints() {
    let Ok(b) = UdpSocket::bind("[::1]:0") else {
        eprintln!("skip: no IPv6 loopback");
        return;
    };
    b.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let relay = relay(46550, 46599);
    let a = peer();
    let v6 = EndpointSpec {
        ip: "::1".parse().unwrap(),
        rtcp_mux: tolk_relay::RtcpMux::Muxed,
    };
    let info = relay.create_session(spec(true), v6).unwrap();
    assert!(info.b.rtp.is_ipv6());
    point_at(&relay, info.id, Side::B, &b);
    let (buf, n) = rtp(1, 1, b"v4 to v6");
    a.send_to(&buf[..n], info.a.rtp).unwrap();
    let (got, from) = recv(&b).unwrap();
    assert_eq!(from, info.b.rtp);
    assert_eq!(RtpPacket::parse(&got).unwrap().payload(), b"v4 to v6");
}

#[test]
fn a_thousand_concurrent_sessions() {
    let relay = relay(47000, 49999);
    let (a, b) = (peer(), peer());
    let sessions: Vec<SessionInfo> = (0..1000).map(|_| session(&relay, &a, &b)).collect();
    let mut expected = HashSet::new();
    for chunk in sessions.chunks(50) {
        for (i, s) in chunk.iter().enumerate() {
            let ssrc = s.id.0 as u32;
            let (buf, n) = rtp(i as u16, ssrc, b"many");
            a.send_to(&buf[..n], s.a.rtp).unwrap();
            expected.insert(ssrc);
        }
        for _ in chunk {
            let (got, _) = recv(&b).expect("every session forwards");
            assert!(expected.remove(&RtpPacket::parse(&got).unwrap().ssrc()));
        }
    }
    assert!(expected.is_empty());
    assert_eq!(relay.session_count(), 1000);
    for s in &sessions {
        assert_eq!(relay.delete(s.id).unwrap().a.forwarded, 1);
    }
}

#[test]
fn an_icmp_error_on_a_socket_does_not_stall_it() {
    let relay = relay(46600, 46699);
    let (a, b) = (peer(), peer());
    let closed = peer().local_addr().unwrap(); // the socket is dropped: nothing listens
    let info = session(&relay, &a, &b);
    relay
        .update(
            info.id,
            Side::B,
            LegUpdate {
                remote: Some(closed),
                ..Default::default()
            },
        )
        .unwrap();
    // A -> relay -> closed port (an ICMP unreachable comes back).
    let (buf, n) = rtp(1, 1, b"to nowhere");
    a.send_to(&buf[..n], info.a.rtp).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // B's peer (latching from its real address) sends one packet: it must still reach A.
    let (buf, n) = rtp(1, 2, b"still flows");
    b.send_to(&buf[..n], info.b.rtp).unwrap();
    let (got, _) = recv(&a).expect("B's socket keeps working after the error");
    assert_eq!(RtpPacket::parse(&got).unwrap().payload(), b"still flows");
}

#[test]
fn a_burst_past_the_buffers_does_not_stop_a_stream() {
    let relay = relay(46510, 46529);
    let (a, b) = (peer(), peer());
    let info = session(&relay, &a, &b);
    // More packets at once than the io_uring path has receive buffers
    // (2,048): its multishot receive may end for want of one and must be
    // re-armed; what the kernel dropped meanwhile is just lost.
    for seq in 0..4000u16 {
        let (buf, n) = rtp(seq, 7, b"burst");
        a.send_to(&buf[..n], info.a.rtp).unwrap();
    }
    let mut got = 0;
    while recv(&b).is_some_and(|(p, _)| RtpPacket::parse(&p).unwrap().payload() == b"burst") {
        got += 1;
        if got == 4000 {
            break;
        }
    }
    assert!(got > 0, "some of the burst is forwarded");
    let (buf, n) = rtp(4000, 7, b"after");
    a.send_to(&buf[..n], info.a.rtp).unwrap();
    let after = std::iter::from_fn(|| recv(&b)).find(|(p, _)| p.ends_with(b"after"));
    assert!(after.is_some(), "the stream goes on after the burst");
}

/// A relay on ports from `lo` (within 56000-59999) for either I/O path:
/// [`relay`] shifts by `PORT_SHIFT`, so the io_uring run lands 100 above.
fn relay_at(lo: u16, hi: u16) -> Relay {
    let (lo, hi) = at(lo, hi);
    relay(lo, hi)
}

/// The range to give [`relay`] for ports from `lo` (see [`relay_at`]).
fn at(lo: u16, hi: u16) -> (u16, u16) {
    let shift = PORT_SHIFT / 100;
    (lo + shift - PORT_SHIFT, hi + shift - PORT_SHIFT)
}

#[test]
fn a_send_the_kernel_refuses_is_counted() {
    let relay = relay_at(58000, 58019);
    let (a, b) = (peer(), peer());
    let info = session(&relay, &a, &b);
    // An IPv6 destination for leg B's IPv4 socket: every send is refused.
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 9));
    let update = LegUpdate {
        remote: Some(v6),
        ..Default::default()
    };
    relay.update(info.id, Side::B, update).unwrap();
    assert_eq!(relay.io_stats().send_failures, 0);
    for seq in 0..3 {
        let (buf, n) = rtp(seq, 5, b"refused");
        a.send_to(&buf[..n], info.a.rtp).unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while relay.io_stats().send_failures < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(relay.io_stats().send_failures, 3);
}

#[test]
fn a_deleted_sessions_ports_are_free_at_once() {
    // Without idle sockets kept: every socket closes with its session.
    let (lo, hi) = at(58020, 58039);
    let relay = relay_without_pool(lo, hi);
    let (a, b) = (peer(), peer());
    let info = session(&relay, &a, &b);
    // Media flowing: both receives are live when the session goes.
    let (buf, n) = rtp(1, 6, b"live");
    a.send_to(&buf[..n], info.a.rtp).unwrap();
    assert!(recv(&b).is_some());
    relay.delete(info.id).unwrap();
    for port in [info.a.rtp, info.b.rtp] {
        UdpSocket::bind(port).expect("the relay closed the socket");
    }
}

/// Polls `future` on this thread until it resolves (at most 5 s).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        assert!(std::time::Instant::now() < deadline, "the worker never answered");
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn a_session_started_without_waiting_takes_updates_sent_before_its_handover() {
    let relay = relay(46700, 46709);
    let (a, b) = (peer(), peer());
    let (info, handover) = relay.start_session(spec(true), spec(true)).unwrap();
    let remote = |peer: &UdpSocket| LegUpdate {
        remote: Some(peer.local_addr().unwrap()),
        ..Default::default()
    };
    // Sent before anyone waited for the worker: it reaches the worker after the session.
    let updated = relay
        .send_legs_update(info.id, [(Side::A, remote(&a)), (Side::B, remote(&b))])
        .unwrap();
    assert_eq!(relay.session_count(), 1);
    block_on(handover).unwrap();
    block_on(updated).unwrap();
    for (seq, (from, to, at)) in [(&a, &b, info.a.rtp), (&b, &a, info.b.rtp)]
        .into_iter()
        .enumerate()
    {
        let (buf, n) = rtp(seq as u16, 0xA + seq as u32, &[seq as u8; 160]);
        from.send_to(&buf[..n], at).unwrap();
        let (got, _) = recv(to).expect("forwarded");
        assert_eq!(&got[..], &buf[..n]);
    }
    let stats = relay.delete(info.id).unwrap();
    assert_eq!(stats.a.forwarded + stats.b.forwarded, 2);
    assert_eq!(relay.session_count(), 0);
    // The session's sockets came back from the worker: they rest idle.
    assert_eq!(relay.idle_sockets(), 2);
    for port in [info.a.rtp, info.b.rtp] {
        assert!(UdpSocket::bind(port).is_err(), "{port} still bound");
    }
}

#[test]
fn commands_sent_while_corked_run_after_uncork_or_on_the_workers_tick() {
    let relay = relay(46710, 46729);
    let (a, b) = (peer(), peer());
    let remote = |peer: &UdpSocket| LegUpdate {
        remote: Some(peer.local_addr().unwrap()),
        ..Default::default()
    };
    // Uncorked at the end: every command queued while corked runs.
    relay.cork();
    assert!(relay.is_corked());
    let (first, handover) = relay.start_session(spec(true), spec(true)).unwrap();
    let updated = relay
        .send_legs_update(first.id, [(Side::A, remote(&a)), (Side::B, remote(&b))])
        .unwrap();
    relay.uncork();
    assert!(!relay.is_corked());
    block_on(handover).unwrap();
    block_on(updated).unwrap();
    let (buf, n) = rtp(1, 0xC0, &[1; 160]);
    a.send_to(&buf[..n], first.a.rtp).unwrap();
    assert_eq!(recv(&b).expect("forwarded").0, buf[..n]);
    // Never uncorked: the worker still runs it on its housekeeping tick.
    relay.cork();
    let (second, handover) = relay.start_session(spec(true), spec(true)).unwrap();
    block_on(handover).unwrap();
    relay.uncork();
    for id in [first.id, second.id] {
        relay.delete(id).unwrap();
    }
    assert_eq!(relay.session_count(), 0);
}

#[test]
fn a_blocking_call_on_a_corked_relay_wakes_its_worker() {
    let relay = relay(46530, 46539);
    let info = relay.create_session(spec(true), spec(true)).unwrap();
    relay.cork();
    // Without a wake each answer would wait for the worker's 250 ms tick:
    // 20 of them at least ~2.5 s.
    let started = std::time::Instant::now();
    for _ in 0..20 {
        relay.stats(info.id).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    relay.uncork();
    relay.delete(info.id).unwrap();
}
