//! A simulated network for deterministic multi-party tests: seeded loss
//! and delay, simulated time, any number of sans-IO nodes.

#![allow(dead_code)] // each test file uses part of the harness

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tolk_sip::transport::{Transmit, Transport};

pub mod calls;

/// A sans-IO core as the network sees it.
pub trait Node {
    /// Bytes arrived.
    fn input(&mut self, now: Instant, transport: Transport, source: SocketAddr, bytes: Bytes);
    /// Time passed.
    fn timeout(&mut self, now: Instant);
    /// Something to send.
    fn transmit(&mut self) -> Option<Transmit>;
    /// When `timeout` should next run.
    fn next_timeout(&mut self) -> Option<Instant>;
}

impl Node for tolk_sip::transaction::TransactionLayer {
    fn input(&mut self, now: Instant, transport: Transport, source: SocketAddr, bytes: Bytes) {
        self.handle_input(now, transport, source, bytes);
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn transmit(&mut self) -> Option<Transmit> {
        self.poll_transmit()
    }
    fn next_timeout(&mut self) -> Option<Instant> {
        self.poll_timeout()
    }
}

impl Node for tolk_sip::ua::UserAgent {
    fn input(&mut self, now: Instant, transport: Transport, source: SocketAddr, bytes: Bytes) {
        self.handle_input(now, transport, source, bytes);
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn transmit(&mut self) -> Option<Transmit> {
        self.poll_transmit()
    }
    fn next_timeout(&mut self) -> Option<Instant> {
        self.poll_timeout()
    }
}

struct InFlight {
    at: Instant,
    from: SocketAddr,
    transmit: Transmit,
}

/// The network: nodes are addressed by index into the slice passed to
/// [`Net::step`], and `addrs[i]` is node i's address.
pub struct Net {
    rng: StdRng,
    /// Probability that a datagram is lost.
    pub loss: f64,
    /// Current simulated time.
    pub now: Instant,
    /// Start of the simulation.
    pub start: Instant,
    addrs: Vec<SocketAddr>,
    flight: Vec<InFlight>,
    /// Datagrams sent and dropped so far.
    pub sent: usize,
    pub dropped: usize,
}

#[allow(clippy::disallowed_methods)] // the simulation needs an origin
fn origin() -> Instant {
    Instant::now()
}

impl Net {
    /// A network joining `addrs`, losing `loss` of the datagrams.
    pub fn new(seed: u64, loss: f64, addrs: Vec<SocketAddr>) -> Self {
        let start = origin();
        Net {
            rng: StdRng::seed_from_u64(seed),
            loss,
            now: start,
            start,
            addrs,
            flight: Vec::new(),
            sent: 0,
            dropped: 0,
        }
    }

    /// Seconds since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Collects what the nodes send, then advances time to the next
    /// delivery or timer and runs it. Returns false when nothing is left
    /// to happen.
    pub fn step(&mut self, nodes: &mut [&mut dyn Node]) -> bool {
        for (i, node) in nodes.iter_mut().enumerate() {
            while let Some(t) = node.transmit() {
                self.sent += 1;
                if self.rng.random_bool(self.loss) {
                    self.dropped += 1;
                    continue;
                }
                let delay = Duration::from_millis(self.rng.random_range(5..60));
                let from = self.addrs[i];
                self.flight.push(InFlight {
                    at: self.now + delay,
                    from,
                    transmit: t,
                });
            }
        }
        let next_delivery = self.flight.iter().map(|f| f.at).min();
        let next_timer = nodes.iter_mut().filter_map(|n| n.next_timeout()).min();
        let Some(next) = [next_delivery, next_timer].into_iter().flatten().min() else {
            return false;
        };
        self.now = self.now.max(next);
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.flight)
            .into_iter()
            .partition(|f| f.at <= now);
        self.flight = later;
        for f in due {
            if std::env::var_os("SIM_TRACE").is_some() {
                let text = String::from_utf8_lossy(&f.transmit.bytes);
                let cseq = text
                    .lines()
                    .find(|l| l.starts_with("CSeq"))
                    .unwrap_or_default();
                let first = text.lines().next().unwrap_or_default();
                eprintln!(
                    "{:?} {} -> {}: {first} [{cseq}]",
                    now - self.start,
                    f.from,
                    f.transmit.target.addr
                );
            }
            if let Some(i) = self.addrs.iter().position(|a| *a == f.transmit.target.addr) {
                nodes[i].input(now, f.transmit.target.transport, f.from, f.transmit.bytes);
            }
        }
        for node in nodes.iter_mut() {
            if node.next_timeout().is_some_and(|at| at <= now) {
                node.timeout(now);
            }
        }
        true
    }
}
