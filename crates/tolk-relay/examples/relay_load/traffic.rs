//! One traffic thread: sends its share of the streams from its peer
//! sockets (pairs of leg A's and leg B's side), batched with `sendmmsg`,
//! paced or flat out, and receives what comes back on the same sockets
//! with `recvmmsg`, measuring loss and one-way latency (the send time
//! travels in the payload). Several socket pairs spread the receive load
//! over several kernel buffers, so a descheduled traffic thread does not
//! overflow one.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use mio::net::UdpSocket as MioSocket;
use mio::{Events, Interest, Poll, Token};
use tolk_relay::UdpBatch;
use tolk_relay::srtp::SrtpContext;

/// Time left for late packets after the sending stops.
const DRAIN: Duration = Duration::from_millis(300);
/// RTP header + the 8-byte send stamp.
const MIN_LEN: usize = 20;

/// One RTP stream: sent from peer socket `via` to `to`, received on its pair's other socket.
pub struct Stream {
    /// Where it is sent (a relay or bare-forwarder port).
    pub to: SocketAddr,
    /// Index of the sending socket in [`Share::sockets`].
    pub via: usize,
    /// Protects what is sent, when that leg speaks SRTP.
    pub tx: Option<Box<dyn SrtpContext>>,
    /// Unprotects what arrives, when the receiving leg speaks SRTP.
    pub rx: Option<Box<dyn SrtpContext>>,
}

/// A thread's share of the load.
pub struct Share {
    /// Its streams; stream `i` has SSRC `first_ssrc + i`.
    pub streams: Vec<Stream>,
    /// SSRC of `streams[0]`.
    pub first_ssrc: u32,
    /// Peer sockets: leg A's and leg B's side of each pair, interleaved.
    pub sockets: Vec<UdpSocket>,
    /// Packets per second for this share; 0 = flat out.
    pub rate: u64,
    /// RTP payload bytes.
    pub payload: usize,
}

/// What a thread saw.
#[derive(Default)]
pub struct Tally {
    /// Packets the kernel accepted.
    pub sent: u64,
    /// Packets received (and authenticated, for SRTP).
    pub received: u64,
    /// One-way latencies in microseconds.
    pub latencies_us: Vec<u32>,
}

/// Runs the share until `end`, then drains; times are relative to `epoch`.
pub fn run(share: Share, epoch: Instant, end: Instant) -> Tally {
    let Share {
        mut streams,
        first_ssrc,
        sockets,
        rate,
        payload,
    } = share;
    let mut poll = Poll::new().expect("poll");
    let mut sockets: Vec<MioSocket> = sockets
        .into_iter()
        .map(|s| {
            s.set_nonblocking(true).expect("nonblocking");
            MioSocket::from_std(s)
        })
        .collect();
    for (i, s) in sockets.iter_mut().enumerate() {
        poll.registry()
            .register(s, Token(i), Interest::READABLE)
            .expect("register");
    }
    let mut events = Events::with_capacity(64);
    let mut out: Vec<UdpBatch> = sockets.iter().map(|_| UdpBatch::default()).collect();
    let mut rx = UdpBatch::default();
    let mut tally = Tally {
        latencies_us: Vec::with_capacity(1 << 22),
        ..Default::default()
    };
    let n = streams.len() as u64;
    let start = Instant::now();
    // Paced: packet k of the share leaves at k / rate seconds.
    let due = |k: u64| (rate > 0).then(|| start + Duration::from_nanos(k * 1_000_000_000 / rate));
    let mut next = 0u64; // packets scheduled so far, round robin over the streams
    let len = 12 + payload.max(MIN_LEN - 12);
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        // Queue what is due (flat out: one batch per socket), then send.
        while out.iter().all(|b| b.queued() < UdpBatch::CAPACITY) {
            if due(next).is_some_and(|t| t > now) {
                break;
            }
            let stream = &mut streams[(next % n) as usize];
            let (ssrc, seq) = (first_ssrc + (next % n) as u32, (next / n) as u16);
            let stamp = epoch.elapsed().as_nanos() as u64;
            out[stream.via].push(stream.to, |buf| {
                write_rtp(buf, seq, ssrc, stamp, len);
                match stream.tx.as_mut() {
                    Some(ctx) => ctx.protect_rtp(buf, len).unwrap_or(0),
                    None => len,
                }
            });
            next += 1;
        }
        for (batch, socket) in out.iter_mut().zip(&sockets) {
            if batch.queued() > 0 {
                tally.sent += batch.send(socket).unwrap_or(0) as u64;
            }
        }
        // Wait for the next packet due (flat out: just look), reading what arrives.
        let wait = due(next).map_or(Duration::ZERO, |t| {
            t.saturating_duration_since(Instant::now())
        });
        let _ = poll.poll(&mut events, Some(wait.min(end - now)));
        for ev in &events {
            let socket = &sockets[ev.token().0];
            receive(&mut streams, first_ssrc, socket, &mut rx, epoch, &mut tally);
        }
    }
    let drained = Instant::now() + DRAIN;
    while Instant::now() < drained {
        let _ = poll.poll(&mut events, Some(Duration::from_millis(20)));
        for ev in &events {
            let socket = &sockets[ev.token().0];
            receive(&mut streams, first_ssrc, socket, &mut rx, epoch, &mut tally);
        }
    }
    tally
}

fn write_rtp(buf: &mut [u8], seq: u16, ssrc: u32, stamp: u64, len: usize) {
    buf[..12].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    buf[2..4].copy_from_slice(&seq.to_be_bytes());
    buf[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    buf[8..12].copy_from_slice(&ssrc.to_be_bytes());
    buf[12..20].copy_from_slice(&stamp.to_be_bytes());
    buf[20..len].fill(0xd5);
}

/// Reads everything queued on `socket` (the poll is edge-triggered).
fn receive(
    streams: &mut [Stream],
    first_ssrc: u32,
    socket: &MioSocket,
    rx: &mut UdpBatch,
    epoch: Instant,
    tally: &mut Tally,
) {
    while let Ok(n @ 1..) = rx.recv(socket) {
        let now = epoch.elapsed().as_nanos() as u64;
        for (buf, len, _) in rx.received() {
            let Some(ssrc) = buf.get(8..12).and_then(|w| w.try_into().ok()) else {
                continue;
            };
            let i = u32::from_be_bytes(ssrc).wrapping_sub(first_ssrc) as usize;
            let Some(stream) = streams.get_mut(i) else {
                continue;
            };
            let len = match stream.rx.as_mut() {
                Some(ctx) => match ctx.unprotect_rtp(buf, len) {
                    Ok(m) => m,
                    Err(_) => continue,
                },
                None => len,
            };
            if let Some(stamp) = buf.get(12..20).filter(|_| len >= MIN_LEN) {
                let sent = u64::from_be_bytes(stamp.try_into().unwrap_or_default());
                if tally.latencies_us.len() < tally.latencies_us.capacity() {
                    tally
                        .latencies_us
                        .push((now.saturating_sub(sent) / 1000) as u32);
                }
            }
            tally.received += 1;
        }
        if n < UdpBatch::CAPACITY {
            break;
        }
    }
}
