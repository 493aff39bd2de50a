//! Packets a transform sends on its own (its timeout, e.g. key presses
//! paced through silence) leave through the relay on both I/O paths,
//! SRTP-protected for an SRTP leg, one per timeout at the times it asks;
//! and, with no media at all, once its owner has it polled
//! ([`Relay::poll_transforms`](tolk_relay::Relay::poll_transforms)).
#![allow(clippy::unwrap_used)]

mod support;

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::{MUXED, key, one_worker, point_at, srtp_leg};
use tolk_media::rtp::{RtpBuilder, RtpPacket};
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::srtp::{SrtpContext, WebrtcSrtp};
use tolk_relay::transform::{MediaTransform, Outbox, Transcode, TransformFactory};
use tolk_relay::{DropReason, IoMode, LegUpdate, Side};

/// Timeouts a [`Ticker`] sends after the audio stops.
const TICKS: u16 = 3;
const STEP: Duration = Duration::from_millis(20);
/// The payload type of the packets sent on timeouts.
const TICK_PT: u8 = 99;

/// Passes RTP through; from `STEP` after the last packet, sends
/// `TICKS` packets of its own, `STEP` apart, numbered after it.
#[derive(Debug, Default)]
struct Ticker {
    last: Option<(Instant, u16)>,
    sent: u16,
}

impl MediaTransform for Ticker {
    fn process(
        &mut self,
        now: Instant,
        rtp: &RtpPacket<'_>,
        out: &mut Outbox,
    ) -> Result<(), DropReason> {
        self.last = Some((now, rtp.sequence_number()));
        self.sent = 0;
        out.push(rtp.as_bytes())
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let (at, _) = self.last?;
        (self.sent < TICKS).then(|| at + STEP * (u32::from(self.sent) + 1))
    }

    fn handle_timeout(&mut self, now: Instant, out: &mut Outbox) -> Result<(), DropReason> {
        let (Some(due), Some((_, seq))) = (self.poll_timeout(), self.last) else {
            return Ok(());
        };
        assert!(now >= due, "a timeout run before its time");
        self.sent += 1;
        let mut buf = [0u8; 64];
        let n = RtpBuilder {
            payload_type: TICK_PT,
            sequence_number: seq.wrapping_add(self.sent),
            ssrc: 0x71c,
            payload: &[1, 2, 3, 4],
            ..Default::default()
        }
        .write_to(&mut buf)
        .map_err(|e| DropReason::from(&e))?;
        out.push(&buf[..n])
    }
}

impl TransformFactory for Ticker {
    fn build(&self) -> tolk_relay::Result<Box<dyn MediaTransform>> {
        Ok(Box::new(Ticker::default()))
    }
}

/// One packet from A, then the ticker's packets at B (SRTP), with their
/// arrival times.
fn ticks_through(io: IoMode, ports: (u16, u16)) {
    let relay = one_worker(ports, io);
    let call = relay.create_session(MUXED, MUXED).unwrap();
    let bind = || {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        s
    };
    let (a, b) = (bind(), bind());
    let relay_sends_b = key(0xb1);
    point_at(&relay, call.id, Side::A, &a);
    relay
        .update(
            call.id,
            Side::B,
            LegUpdate {
                plan: Some(EgressPlan {
                    transcode: Some(Transcode::new(Ticker::default())),
                    ..Default::default()
                }),
                ..srtp_leg(&b, (&key(0xb0), &relay_sends_b))
            },
        )
        .unwrap();
    let mut buf = [0u8; 64];
    let n = RtpBuilder {
        payload_type: 0,
        sequence_number: 40,
        ssrc: 0xa,
        payload: &[0xd5; 20],
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    let sent_at = Instant::now();
    a.send_to(&buf[..n], call.a.rtp).unwrap();
    let mut srtp = WebrtcSrtp::new(&relay_sends_b).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    while got.len() < usize::from(1 + TICKS) {
        let n = b.recv(&mut buf).expect("a packet at B");
        let n = srtp.unprotect_rtp(&mut buf, n).expect("protected for B");
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        got.push((sent_at.elapsed(), p.payload_type(), p.sequence_number()));
    }
    let kinds: Vec<(u8, u16)> = got.iter().map(|&(_, pt, seq)| (pt, seq)).collect();
    assert_eq!(
        kinds,
        [(0, 40), (TICK_PT, 41), (TICK_PT, 42), (TICK_PT, 43)],
        "{io:?}"
    );
    // Each tick no earlier than asked for (the last at 60 ms).
    assert!(got[3].0 >= STEP * u32::from(TICKS), "{io:?}: {got:?}");
    b.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    assert!(
        b.recv(&mut buf).is_err(),
        "{io:?}: no more once it stops asking"
    );
    relay.delete(call.id).unwrap();
}

#[test]
fn timeout_packets_leave_on_the_epoll_path() {
    ticks_through(IoMode::Epoll, (22900, 22949));
}

#[test]
fn timeout_packets_leave_on_the_io_uring_path() {
    ticks_through(IoMode::Uring, (22950, 22999));
}

/// Asks for nothing until its owner arms it (a key press queued), then
/// sends one packet of its own stream.
#[derive(Debug, Clone)]
struct Armed {
    armed: Arc<AtomicBool>,
    since: Instant,
    sent: bool,
}

impl MediaTransform for Armed {
    fn process(
        &mut self,
        _now: Instant,
        rtp: &RtpPacket<'_>,
        out: &mut Outbox,
    ) -> Result<(), DropReason> {
        out.push(rtp.as_bytes())
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (self.armed.load(Ordering::Acquire) && !self.sent).then_some(self.since)
    }

    fn handle_timeout(&mut self, _now: Instant, out: &mut Outbox) -> Result<(), DropReason> {
        self.sent = true;
        let mut buf = [0u8; 64];
        let n = RtpBuilder {
            payload_type: TICK_PT,
            sequence_number: 7,
            ssrc: 0x0e1,
            payload: &[9; 4],
            ..Default::default()
        }
        .write_to(&mut buf)
        .map_err(|e| DropReason::from(&e))?;
        out.push(&buf[..n])
    }
}

impl TransformFactory for Armed {
    fn build(&self) -> tolk_relay::Result<Box<dyn MediaTransform>> {
        Ok(Box::new(self.clone()))
    }
}

/// No media from either leg: the armed transform's packet reaches B
/// (SRTP) once the relay is asked to poll it, and not before.
fn polled_without_media(io: IoMode, ports: (u16, u16)) {
    let relay = one_worker(ports, io);
    let call = relay.create_session(MUXED, MUXED).unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    b.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let relay_sends_b = key(0xc1);
    let armed = Arc::new(AtomicBool::new(false));
    let transform = Armed {
        armed: Arc::clone(&armed),
        since: Instant::now(),
        sent: false,
    };
    relay
        .update(
            call.id,
            Side::B,
            LegUpdate {
                plan: Some(EgressPlan {
                    transcode: Some(Transcode::new(transform)),
                    ..Default::default()
                }),
                ..srtp_leg(&b, (&key(0xc0), &relay_sends_b))
            },
        )
        .unwrap();
    let mut buf = [0u8; 2048];
    assert!(
        b.recv(&mut buf).is_err(),
        "{io:?}: nothing before it is armed"
    );
    armed.store(true, Ordering::Release);
    relay.poll_transforms(call.id).unwrap();
    b.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let n = b.recv(&mut buf).expect("the transform's packet at B");
    let n = WebrtcSrtp::new(&relay_sends_b)
        .unwrap()
        .unprotect_rtp(&mut buf, n)
        .expect("protected for B");
    let p = RtpPacket::parse(&buf[..n]).unwrap();
    assert_eq!((p.ssrc(), p.sequence_number()), (0x0e1, 7), "{io:?}");
    relay.delete(call.id).unwrap();
}

#[test]
fn a_polled_transform_sends_before_any_media_on_the_epoll_path() {
    polled_without_media(IoMode::Epoll, (26300, 26309));
}

#[test]
fn a_polled_transform_sends_before_any_media_on_the_io_uring_path() {
    polled_without_media(IoMode::Uring, (26310, 26319));
}
