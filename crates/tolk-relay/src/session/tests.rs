use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tolk_media::rtp::{RtpBuilder, RtpPacket};

use super::*;
use crate::endpoint::LegKeys;
use crate::latch::LatchPolicy;
use crate::srtp::{SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};

const A_PEER: u16 = 6000;
const B_PEER: u16 = 7000;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 5], port))
}

fn rtp(seq: u16) -> ([u8; 1500], usize) {
    let mut buf = [0u8; 1500];
    let n = RtpBuilder {
        sequence_number: seq,
        ssrc: 77,
        payload: b"media",
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    (buf, n)
}

fn session(now: Instant) -> Session {
    let mut s = Session::new(SessionId(1), now, [true, true], SessionPolicy::default());
    for (side, port) in [(Side::A, A_PEER), (Side::B, B_PEER)] {
        s.update(
            side,
            LegUpdate {
                remote: Some(addr(port)),
                ..Default::default()
            },
        )
        .unwrap();
    }
    s
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

#[test]
fn plain_forwarding_both_ways_with_events() {
    let t = Instant::now();
    let mut s = session(t);
    let (mut buf, n) = rtp(1);
    let v = s.handle_packet(t, Side::A, false, addr(A_PEER), &mut buf, n);
    assert_eq!(
        v,
        Verdict::Forward {
            side: Side::B,
            rtcp_socket: false,
            to: addr(B_PEER),
            len: n
        }
    );
    assert_eq!(
        events(&mut s),
        vec![
            Event::Latched {
                session: SessionId(1),
                side: Side::A,
                to: addr(A_PEER)
            },
            Event::FirstPacket {
                session: SessionId(1),
                side: Side::A,
                from: addr(A_PEER)
            },
        ]
    );
    // B answers from a NATed port: latched, and A's media now goes there.
    let (mut buf, n) = rtp(1);
    let v = s.handle_packet(t, Side::B, false, addr(7777), &mut buf, n);
    assert_eq!(
        v,
        Verdict::Forward {
            side: Side::A,
            rtcp_socket: false,
            to: addr(A_PEER),
            len: n
        }
    );
    let (mut buf, n) = rtp(2);
    let v = s.handle_packet(t, Side::A, false, addr(A_PEER), &mut buf, n);
    assert!(matches!(v, Verdict::Forward { to, .. } if to == addr(7777)));
    let st = s.stats();
    assert_eq!((st.a.packets_in, st.a.forwarded, st.b.forwarded), (2, 2, 1));
}

#[test]
fn strict_policy_drops_foreign_sources() {
    let t = Instant::now();
    let mut s = session(t);
    s.update(
        Side::A,
        LegUpdate {
            latch: Some(LatchPolicy::Strict),
            ..Default::default()
        },
    )
    .unwrap();
    let (mut buf, n) = rtp(1);
    let v = s.handle_packet(t, Side::A, false, addr(1234), &mut buf, n);
    assert_eq!(v, Verdict::Drop(DropReason::SourceNotLatched));
    let (mut buf, n) = rtp(2);
    assert!(matches!(
        s.handle_packet(t, Side::A, false, addr(A_PEER), &mut buf, n),
        Verdict::Forward { .. }
    ));
    assert_eq!(s.stats().a.drops.get(DropReason::SourceNotLatched), 1);
}

#[test]
fn no_destination_until_the_answer() {
    let t = Instant::now();
    let mut s = Session::new(SessionId(2), t, [true, true], SessionPolicy::default());
    let (mut buf, n) = rtp(1);
    assert_eq!(
        s.handle_packet(t, Side::A, false, addr(A_PEER), &mut buf, n),
        Verdict::Drop(DropReason::NoDestination)
    );
}

#[test]
fn srtp_leg_latches_on_authentication_and_counts_failures() {
    let t = Instant::now();
    let mut s = session(t);
    s.update(
        Side::A,
        LegUpdate {
            remote: Some(addr(1)),
            ..Default::default()
        },
    )
    .unwrap();
    let key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[3; 16], &[4; 14]).unwrap();
    s.update(
        Side::A,
        LegUpdate {
            keys: Some(LegKeys {
                rx: Some(key.clone()),
                tx: None,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    let policy_threshold = SessionPolicy::default().auth_failure_threshold;
    // An attacker's unauthenticated packets latch nothing and are never forwarded.
    for seq in 0..policy_threshold as u16 {
        let (mut buf, n) = rtp(seq);
        let v = s.handle_packet(t, Side::A, false, addr(666), &mut buf, n + 10);
        assert_eq!(v, Verdict::Drop(DropReason::AuthFailed));
    }
    assert_eq!(s.endpoint(Side::A).latched(), None);
    assert_eq!(
        events(&mut s),
        vec![Event::AuthFailures {
            session: SessionId(1),
            side: Side::A,
            count: policy_threshold
        }]
    );
    // The genuine peer's packet authenticates, latches, and is forwarded decrypted.
    let mut peer = WebrtcSrtp::new(&key).unwrap();
    let (mut buf, n) = rtp(100);
    let n = peer.protect_rtp(&mut buf, n).unwrap();
    let v = s.handle_packet(t, Side::A, false, addr(6001), &mut buf, n);
    let Verdict::Forward { len, .. } = v else {
        panic!("{v:?}")
    };
    assert_eq!(RtpPacket::parse(&buf[..len]).unwrap().payload(), b"media");
    assert_eq!(s.endpoint(Side::A).latched(), Some(addr(6001)));
    // Replaying it is dropped.
    let (mut again, m) = rtp(100);
    let m = WebrtcSrtp::new(&key)
        .unwrap()
        .protect_rtp(&mut again, m)
        .unwrap();
    assert_eq!(
        s.handle_packet(t, Side::A, false, addr(6001), &mut again, m),
        Verdict::Drop(DropReason::Replayed)
    );
}

#[test]
fn rtcp_without_mux_uses_the_rtcp_sockets_and_port_plus_one() {
    let t = Instant::now();
    let mut s = Session::new(SessionId(3), t, [false, false], SessionPolicy::default());
    s.update(
        Side::B,
        LegUpdate {
            remote: Some(addr(B_PEER)),
            ..Default::default()
        },
    )
    .unwrap();
    let mut buf = [0u8; 1500];
    buf[..8].copy_from_slice(&[0x80, 201, 0, 1, 0, 0, 0, 77]);
    let v = s.handle_packet(t, Side::A, true, addr(A_PEER + 1), &mut buf, 8);
    assert_eq!(
        v,
        Verdict::Forward {
            side: Side::B,
            rtcp_socket: true,
            to: addr(B_PEER + 1),
            len: 8
        }
    );
}

#[test]
fn timeout_fires_once_per_silence() {
    let t = Instant::now();
    let mut s = session(t);
    let timeout = SessionPolicy::default().timeout;
    assert_eq!(s.poll_timeout(), t + timeout);
    s.handle_timeout(t + timeout - Duration::from_millis(1));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(t + timeout);
    s.handle_timeout(t + timeout * 2);
    assert_eq!(
        events(&mut s),
        vec![Event::Timeout {
            session: SessionId(1),
            silent_for: timeout
        }]
    );
    // Media resumes, then stops again: a second timeout.
    let t2 = t + timeout * 3;
    let (mut buf, n) = rtp(1);
    s.handle_packet(t2, Side::B, false, addr(B_PEER), &mut buf, n);
    events(&mut s);
    s.handle_timeout(t2 + timeout);
    assert!(matches!(events(&mut s)[..], [Event::Timeout { .. }]));
}

#[test]
fn a_restart_counts_silence_from_then_and_arms_another_timeout() {
    let t = Instant::now();
    let mut s = session(t);
    let timeout = SessionPolicy::default().timeout;
    s.handle_timeout(t + timeout);
    assert_eq!(events(&mut s).len(), 1);
    // A call answered after ringing silently: silence counts from now.
    let answered = t + timeout * 2;
    s.restart_silence(answered);
    assert_eq!(s.poll_timeout(), answered + timeout);
    s.handle_timeout(answered + timeout - Duration::from_millis(1));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(answered + timeout);
    assert_eq!(
        events(&mut s),
        vec![Event::Timeout {
            session: SessionId(1),
            silent_for: timeout
        }]
    );
}

/// Sends one packet of its own stream when its timeout comes, before any
/// media arrived (a key press toward a silent leg).
#[derive(Debug, Clone, Copy)]
struct Beacon {
    due: Instant,
}

impl crate::transform::MediaTransform for Beacon {
    fn process(
        &mut self,
        _now: Instant,
        _rtp: &RtpPacket<'_>,
        _out: &mut Outbox,
    ) -> Result<(), DropReason> {
        Ok(())
    }

    fn poll_timeout(&self) -> Option<Instant> {
        Some(self.due)
    }

    fn handle_timeout(&mut self, _now: Instant, out: &mut Outbox) -> Result<(), DropReason> {
        out.push_with(|slot| {
            RtpBuilder {
                sequence_number: 5,
                ssrc: 0x99,
                payload: b"beacon",
                ..Default::default()
            }
            .write_to(slot)
            .map_err(|e| DropReason::from(&e))
        })
    }
}

impl crate::transform::TransformFactory for Beacon {
    fn build(&self) -> crate::Result<Box<dyn crate::transform::MediaTransform>> {
        Ok(Box::new(*self))
    }
}

#[test]
fn a_transforms_own_packets_before_any_media_are_protected_for_an_srtp_leg() {
    let t = Instant::now();
    let mut s = session(t);
    let key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[5; 16], &[6; 14]).unwrap();
    s.update(
        Side::B,
        LegUpdate {
            keys: Some(LegKeys {
                rx: None,
                tx: Some(key.clone()),
            }),
            plan: Some(crate::pipeline::EgressPlan {
                transcode: Some(crate::transform::Transcode::new(Beacon { due: t })),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.poll_transform_timeout(), Some(t));
    assert_eq!(
        s.handle_transform_timeout(t, Side::B),
        Some((addr(B_PEER), 1)),
        "to the signalled address: nothing latched yet"
    );
    let mut packet = s.outbox(Side::B).unwrap().iter().next().unwrap().to_vec();
    let len = packet.len();
    let len = WebrtcSrtp::new(&key)
        .unwrap()
        .unprotect_rtp(&mut packet, len)
        .expect("protected with the leg's key");
    assert_eq!(
        RtpPacket::parse(&packet[..len]).unwrap().payload(),
        b"beacon"
    );
}
