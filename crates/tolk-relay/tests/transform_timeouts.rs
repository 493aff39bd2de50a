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
use tolk_relay::{DropReason, IoMode, LegUpdate, Relay, SessionInfo, Side};

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

/// A relay on the `io` path with one call whose media toward B goes
/// through `transform`, and B's end of it: SRTP, the relay sending under
/// `key(keys + 1)`, B under `key(keys)`.
struct TransformedToB {
    relay: Relay,
    call: SessionInfo,
    b: UdpSocket,
    srtp: WebrtcSrtp,
}

impl TransformedToB {
    fn start(
        io: IoMode,
        ports: (u16, u16),
        transform: impl TransformFactory + 'static,
        keys: u8,
    ) -> Self {
        let relay = one_worker(ports, io);
        let call = relay.create_session(MUXED, MUXED).unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        let relay_sends_b = key(keys + 1);
        let update = LegUpdate {
            plan: Some(EgressPlan {
                transcode: Some(Transcode::new(transform)),
                ..Default::default()
            }),
            ..srtp_leg(&b, (&key(keys), &relay_sends_b))
        };
        relay.update(call.id, Side::B, update).unwrap();
        let srtp = WebrtcSrtp::new(&relay_sends_b).unwrap();
        TransformedToB {
            relay,
            call,
            b,
            srtp,
        }
    }

    /// The next packet B receives within `wait`, unprotected: its payload
    /// type, sequence number and SSRC.
    fn next(&mut self, wait: Duration) -> Option<(u8, u16, u32)> {
        self.b.set_read_timeout(Some(wait)).unwrap();
        let mut buf = [0u8; 2048];
        let n = self.b.recv(&mut buf).ok()?;
        let n = self
            .srtp
            .unprotect_rtp(&mut buf, n)
            .expect("protected for B");
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        Some((p.payload_type(), p.sequence_number(), p.ssrc()))
    }

    fn end(self) {
        self.relay.delete(self.call.id).unwrap();
    }
}

/// One packet from A, then the ticker's packets at B (SRTP), with their
/// arrival times.
fn ticks_through(io: IoMode, ports: (u16, u16)) {
    let mut call = TransformedToB::start(io, ports, Ticker::default(), 0xb0);
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    point_at(&call.relay, call.call.id, Side::A, &a);
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
    a.send_to(&buf[..n], call.call.a.rtp).unwrap();
    let mut got = Vec::new();
    while got.len() < usize::from(1 + TICKS) {
        let (pt, seq, _) = call.next(Duration::from_secs(2)).expect("a packet at B");
        got.push((sent_at.elapsed(), pt, seq));
    }
    let kinds: Vec<(u8, u16)> = got.iter().map(|&(_, pt, seq)| (pt, seq)).collect();
    assert_eq!(
        kinds,
        [(0, 40), (TICK_PT, 41), (TICK_PT, 42), (TICK_PT, 43)],
        "{io:?}"
    );
    // Each tick no earlier than asked for (the last at 60 ms).
    assert!(got[3].0 >= STEP * u32::from(TICKS), "{io:?}: {got:?}");
    assert_eq!(
        call.next(Duration::from_millis(200)),
        None,
        "{io:?}: no more once it stops asking"
    );
    call.end();
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
    let armed = Arc::new(AtomicBool::new(false));
    let transform = Armed {
        armed: Arc::clone(&armed),
        since: Instant::now(),
        sent: false,
    };
    let mut call = TransformedToB::start(io, ports, transform, 0xc0);
    assert_eq!(
        call.next(Duration::from_millis(200)),
        None,
        "{io:?}: nothing before it is armed"
    );
    armed.store(true, Ordering::Release);
    call.relay.poll_transforms(call.call.id).unwrap();
    let (_, seq, ssrc) = (call.next(Duration::from_secs(2))).expect("the transform's packet at B");
    assert_eq!((ssrc, seq), (0x0e1, 7), "{io:?}");
    call.end();
}

#[test]
fn a_polled_transform_sends_before_any_media_on_the_epoll_path() {
    polled_without_media(IoMode::Epoll, (26300, 26309));
}

#[test]
fn a_polled_transform_sends_before_any_media_on_the_io_uring_path() {
    polled_without_media(IoMode::Uring, (26310, 26319));
}
