//! The relay's local sockets: the port range, and the idle sockets that
//! ended sessions left behind. A new endpoint takes idle sockets whose
//! quarantine has passed (drained of what the kernel queued meanwhile)
//! before it binds fresh ones, which saves `socket`, `setsockopt`, `bind`
//! and, at the end, `close` with the kernel's deferred freeing: at a
//! thousand calls a second, a visible share of the relay's CPU and of its
//! latency tail.
//!
//! The pool is bounded: by its configured cap, by half the port range and
//! by a quarter of the open-files limit (the other files are the live
//! calls' and the signalling's); entries idle past the configured time
//! are closed; and when the range runs out or a bind fails (EMFILE), the
//! idle sockets are closed before a session is refused.

use std::io;
use std::net::{IpAddr, UdpSocket};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::RtcpMux;
use super::idle::{Idle, IdleEntry, Shape};
use super::socket::{self, BoundEndpoint};
use super::sys::open_files_limit;
use crate::error::Result;
use crate::ports::PortAllocator;

/// Datagrams read off an idle socket at reuse at most: one that still
/// receives after that (someone keeps sending) is closed, not reused.
const DRAIN_LIMIT: usize = 64;

/// How often expired idle sockets are looked for.
const EXPIRY_CHECK: Duration = Duration::from_millis(250);

/// The ports one endpoint holds in the allocator.
#[derive(Debug)]
pub struct PortHold {
    /// The local address.
    pub ip: IpAddr,
    /// The RTP (or muxed) port.
    pub port: u16,
    /// The next port is held too (bound, or reserved for an offered mux).
    pub pair: bool,
    /// The next port is reserved for an offered mux, not settled yet.
    pub reserved: bool,
    /// An idle RTCP socket on the reserved port, kept until the answer.
    pub spare: Option<UdpSocket>,
}

impl PortHold {
    /// The hold of an endpoint with `port` and `mux`, and the reserved
    /// port's socket if it has one.
    pub fn new(ip: IpAddr, port: u16, mux: RtcpMux, spare: Option<UdpSocket>) -> Self {
        PortHold {
            ip,
            port,
            pair: mux != RtcpMux::Muxed,
            reserved: mux == RtcpMux::Offered,
            spare,
        }
    }
}

/// Binds endpoints from the port range or from idle sockets, and takes
/// them back when sessions end.
#[derive(Debug)]
pub struct SocketPool {
    ports: PortAllocator,
    idle: Idle<UdpSocket>,
    /// How long an idle socket is kept.
    keep: Duration,
}

impl SocketPool {
    /// A pool over ports `lo..=hi` keeping at most `cap` idle sockets
    /// (fewer if the range or the open-files limit is small) for `keep`.
    pub fn new(lo: u16, hi: u16, cap: usize, keep: Duration) -> Self {
        let span = usize::from(hi.abs_diff(lo)) + 1;
        let cap = cap.min(span / 2).min(open_files_limit() / 4);
        Self {
            ports: PortAllocator::new(lo, hi),
            idle: Idle::new(cap),
            keep,
        }
    }

    /// Whether any socket may ever rest here.
    pub fn enabled(&self) -> bool {
        self.idle.cap() > 0
    }

    /// An endpoint's sockets on `ip`, and for an offered mux the idle
    /// RTCP socket on its reserved port, if it got one.
    pub fn endpoint(
        &mut self,
        ip: IpAddr,
        mux: RtcpMux,
    ) -> Result<(BoundEndpoint, Option<UdpSocket>)> {
        let now = Instant::now();
        self.expire(now);
        if let Some(reused) = self.reuse(ip, mux, now) {
            return Ok(reused);
        }
        match socket::bind_endpoint(&mut self.ports, ip, mux) {
            Ok(bound) => Ok((bound, None)),
            Err(_) if self.idle.sockets() > 0 => {
                // The range ran out or binding failed (out of files):
                // idle sockets go before a session is refused.
                self.close_all();
                Ok((socket::bind_endpoint(&mut self.ports, ip, mux)?, None))
            }
            Err(e) => Err(e),
        }
    }

    /// An idle entry for an endpoint on `ip` with `mux`, drained. A pair
    /// serves a separate or an offered endpoint (which keeps the RTCP
    /// socket for the answer); a single socket serves a muxed endpoint,
    /// or an offered one when its port is even and the next one free.
    fn reuse(
        &mut self,
        ip: IpAddr,
        mux: RtcpMux,
        now: Instant,
    ) -> Option<(BoundEndpoint, Option<UdpSocket>)> {
        let Self { ports, idle, .. } = self;
        let (entry, claimed) = match mux {
            RtcpMux::Muxed => (idle.take(ip, Shape::Single, now, |_| true)?, false),
            RtcpMux::Separate => (idle.take(ip, Shape::Pair, now, |_| true)?, false),
            RtcpMux::Offered => match idle.take(ip, Shape::Pair, now, |_| true) {
                Some(pair) => (pair, false),
                None => {
                    let single = idle.take(ip, Shape::Single, now, |e| {
                        e.port % 2 == 0 && e.port.checked_add(1).is_some_and(|p| ports.claim(p))
                    })?;
                    (single, true)
                }
            },
        };
        let mut sockets = std::iter::once(&entry.rtp).chain(&entry.rtcp);
        if !sockets.all(drain) {
            if claimed {
                self.ports.release(entry.port.wrapping_add(1), false);
            }
            self.close(entry);
            return None;
        }
        let IdleEntry {
            port, rtp, rtcp, ..
        } = entry;
        Some(match mux {
            RtcpMux::Offered => (
                BoundEndpoint {
                    port,
                    rtp,
                    rtcp: None,
                },
                rtcp,
            ),
            RtcpMux::Separate | RtcpMux::Muxed => (BoundEndpoint { port, rtp, rtcp }, None),
        })
    }

    /// Takes an ended endpoint's sockets back (`[rtp, rtcp]` as its
    /// worker let them go): kept idle when there is room, closed
    /// otherwise; ports without a socket are freed.
    pub fn give_back(&mut self, hold: PortHold, sockets: [Option<UdpSocket>; 2]) {
        let now = Instant::now();
        let [rtp, rtcp] = sockets;
        let rtcp = rtcp.or(hold.spare).filter(|_| hold.pair);
        match rtp {
            Some(rtp) => {
                if hold.pair && rtcp.is_none() {
                    self.ports.release(hold.port.wrapping_add(1), false);
                }
                self.keep_idle(hold.ip, hold.port, rtp, rtcp, now);
            }
            None => {
                drop(rtcp);
                self.ports.release(hold.port, hold.pair);
            }
        }
        self.expire(now);
    }

    /// Settles the port an offered mux reserved: muxed frees it (its
    /// spare socket rests as a single one), not muxed gives the socket
    /// the RTCP of the endpoint is to use, the spare or a fresh one.
    pub fn settle_reserve(&mut self, hold: &mut PortHold, muxed: bool) -> Option<UdpSocket> {
        hold.reserved = false;
        let rtcp_port = hold.port.wrapping_add(1);
        let spare = hold.spare.take();
        if muxed {
            hold.pair = false;
            match spare {
                Some(socket) => self.keep_idle(hold.ip, rtcp_port, socket, None, Instant::now()),
                None => self.ports.release(rtcp_port, false),
            }
            return None;
        }
        if spare.is_some() {
            return spare;
        }
        let bound = socket::bind(hold.ip, rtcp_port).or_else(|error| {
            if self.idle.sockets() == 0 {
                return Err(error);
            }
            // Out of files, perhaps: idle sockets go first.
            self.close_all();
            socket::bind(hold.ip, rtcp_port)
        });
        match bound {
            Ok(socket) => Some(socket),
            Err(error) => {
                // Media still flows; only the peer's RTCP is lost.
                tracing::warn!(%error, port = rtcp_port, "reserved RTCP port cannot be bound");
                None
            }
        }
    }

    /// Frees the ports of an endpoint whose sockets are gone already.
    pub fn release(&mut self, hold: PortHold) {
        drop(hold.spare);
        self.ports.release(hold.port, hold.pair);
    }

    /// Idle sockets held now.
    pub fn idle_sockets(&self) -> usize {
        self.idle.sockets()
    }

    fn keep_idle(
        &mut self,
        ip: IpAddr,
        port: u16,
        rtp: UdpSocket,
        rtcp: Option<UdpSocket>,
        since: Instant,
    ) {
        let entry = IdleEntry {
            port,
            rtp,
            rtcp,
            since,
        };
        if let Err(refused) = self.idle.put(ip, entry) {
            self.close(refused);
        }
    }

    /// Closes what has been idle too long.
    pub fn expire(&mut self, now: Instant) {
        for (_, entry) in self.idle.expire(now, self.keep) {
            self.close(entry);
        }
    }

    fn close_all(&mut self) {
        for (_, entry) in self.idle.drain() {
            self.close(entry);
        }
    }

    /// Closes an entry's sockets, then frees their ports.
    fn close(&mut self, entry: IdleEntry<UdpSocket>) {
        let IdleEntry {
            port, rtp, rtcp, ..
        } = entry;
        let pair = rtcp.is_some();
        drop((rtp, rtcp));
        self.ports.release(port, pair);
    }
}

/// Reads off what the kernel queued on an idle socket: true once it is
/// empty, false if it still receives after [`DRAIN_LIMIT`] datagrams.
fn drain(socket: &UdpSocket) -> bool {
    // One byte is enough: the rest of a datagram is discarded with it.
    let mut byte = [0u8; 1];
    for _ in 0..DRAIN_LIMIT {
        match socket.recv(&mut byte) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            // A datagram, or a queued error (reported once, then cleared).
            Ok(_) | Err(_) => {}
        }
    }
    false
}

/// Closes `pool`'s expired idle sockets every [`EXPIRY_CHECK`] until the
/// returned sender is dropped, so that an idle relay lets them go too.
pub fn spawn_expiry(pool: Arc<Mutex<SocketPool>>) -> io::Result<(Sender<()>, JoinHandle<()>)> {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("tolk-relay-idle".into())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EXPIRY_CHECK) {
                super::lock(&pool).expire(Instant::now());
            }
        })?;
    Ok((stop, thread))
}
