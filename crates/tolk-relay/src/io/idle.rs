//! The bookkeeping of idle sockets, apart from the sockets themselves:
//! which entry may serve a new endpoint, which are too old to keep, and
//! the cap. Generic over the socket so that its rules are tested alone.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long a socket rests between two sessions. Late packets of an old
/// call (a peer that keeps sending until a lost BYE is retransmitted, at
/// 0.5 s and 1.5 s with SIP's T1, or media still in flight) must not
/// reach a new one; what the kernel queued meanwhile is drained at reuse.
pub const QUARANTINE: Duration = Duration::from_secs(2);

/// What an idle entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// One socket (muxed RTP and RTCP), on any port.
    Single,
    /// RTP on an even port and RTCP on the next.
    Pair,
}

/// Sockets one endpoint left behind.
#[derive(Debug)]
pub struct IdleEntry<S> {
    /// The RTP (or only) socket's port.
    pub port: u16,
    /// The RTP (or only) socket.
    pub rtp: S,
    /// The RTCP socket, on `port + 1`, for a [`Shape::Pair`].
    pub rtcp: Option<S>,
    /// When its last session let it go.
    pub since: Instant,
}

impl<S> IdleEntry<S> {
    fn shape(&self) -> Shape {
        if self.rtcp.is_some() {
            Shape::Pair
        } else {
            Shape::Single
        }
    }

    fn sockets(&self) -> usize {
        1 + usize::from(self.rtcp.is_some())
    }
}

/// Idle entries per local address and shape, oldest first, with at
/// most `cap` sockets in all.
#[derive(Debug)]
pub struct Idle<S> {
    queues: HashMap<(IpAddr, Shape), VecDeque<IdleEntry<S>>>,
    sockets: usize,
    cap: usize,
}

impl<S> Idle<S> {
    /// An empty pool of at most `cap` sockets (0: every entry is refused).
    pub fn new(cap: usize) -> Self {
        Self {
            queues: HashMap::new(),
            sockets: 0,
            cap,
        }
    }

    /// Sockets it may hold at most.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Sockets held.
    pub fn sockets(&self) -> usize {
        self.sockets
    }

    /// Keeps `entry`, bound to `ip`, or hands it back when the pool is
    /// full: the newcomer goes rather than an older entry, which is
    /// closer to the end of its quarantine (evicting the oldest would,
    /// under a churn the cap cannot hold, close every socket before it
    /// could serve again). Entries must come in the order of `since`.
    pub fn put(&mut self, ip: IpAddr, entry: IdleEntry<S>) -> Result<(), IdleEntry<S>> {
        if self.sockets + entry.sockets() > self.cap {
            return Err(entry);
        }
        self.sockets += entry.sockets();
        self.queues
            .entry((ip, entry.shape()))
            .or_default()
            .push_back(entry);
        Ok(())
    }

    /// The oldest entry of `shape` bound to `ip`, if its quarantine has
    /// passed at `now` and `fits` accepts it.
    pub fn take(
        &mut self,
        ip: IpAddr,
        shape: Shape,
        now: Instant,
        fits: impl FnOnce(&IdleEntry<S>) -> bool,
    ) -> Option<IdleEntry<S>> {
        let queue = self.queues.get_mut(&(ip, shape))?;
        let front = queue.front()?;
        if now.saturating_duration_since(front.since) < QUARANTINE || !fits(front) {
            return None;
        }
        let entry = queue.pop_front()?;
        self.sockets -= entry.sockets();
        Some(entry)
    }

    /// Removes the entries idle for longer than `keep` at `now`, with
    /// the address each was bound to.
    pub fn expire(&mut self, now: Instant, keep: Duration) -> Vec<(IpAddr, IdleEntry<S>)> {
        let mut expired = Vec::new();
        for (&(ip, _), queue) in &mut self.queues {
            while queue
                .front()
                .is_some_and(|e| now.saturating_duration_since(e.since) > keep)
            {
                if let Some(entry) = queue.pop_front() {
                    self.sockets -= entry.sockets();
                    expired.push((ip, entry));
                }
            }
        }
        expired
    }

    /// Removes every entry, with the address each was bound to.
    pub fn drain(&mut self) -> Vec<(IpAddr, IdleEntry<S>)> {
        self.sockets = 0;
        self.queues
            .drain()
            .flat_map(|((ip, _), queue)| queue.into_iter().map(move |e| (ip, e)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;

    use super::*;

    fn entry(port: u16, pair: bool, since: Instant) -> IdleEntry<u16> {
        IdleEntry {
            port,
            rtp: port,
            rtcp: pair.then_some(port + 1),
            since,
        }
    }

    const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

    #[test]
    fn an_entry_serves_after_its_quarantine_its_address_and_shape_only() {
        let t0 = Instant::now();
        let mut idle = Idle::new(10);
        idle.put(V4, entry(20000, true, t0)).unwrap();
        let later = t0 + QUARANTINE;
        assert!(idle.take(V4, Shape::Pair, t0, |_| true).is_none());
        assert!(idle.take(V6, Shape::Pair, later, |_| true).is_none());
        assert!(idle.take(V4, Shape::Single, later, |_| true).is_none());
        assert!(idle.take(V4, Shape::Pair, later, |_| false).is_none());
        let got = idle.take(V4, Shape::Pair, later, |_| true).unwrap();
        assert_eq!((got.port, got.rtcp), (20000, Some(20001)));
        assert_eq!(idle.sockets(), 0);
    }

    #[test]
    fn a_full_pool_refuses_the_newcomer() {
        let t0 = Instant::now();
        let mut idle = Idle::new(3);
        idle.put(V4, entry(20000, true, t0)).unwrap();
        assert_eq!(
            idle.put(V4, entry(20002, true, t0)).unwrap_err().port,
            20002
        );
        idle.put(V4, entry(20004, false, t0)).unwrap();
        assert_eq!(idle.sockets(), 3);
        assert!(Idle::new(0).put(V4, entry(1, false, t0)).is_err());
    }

    proptest! {
        #[test]
        fn takes_and_expiry_keep_every_rule(
            ops in proptest::collection::vec((0u8..4, any::<bool>(), any::<bool>(), 0u64..1500), 1..200),
            cap in 0usize..12,
        ) {
            let keep = Duration::from_secs(5);
            let t0 = Instant::now();
            let mut now = t0;
            let mut idle = Idle::new(cap);
            let mut held: Vec<(IpAddr, u16, bool, Instant)> = Vec::new();
            let mut next_port = 1000u16;
            for (op, v6, pair, step) in ops {
                now += Duration::from_millis(step);
                let ip = if v6 { V6 } else { V4 };
                match op {
                    0 | 1 => {
                        let room = idle.sockets() + 1 + usize::from(pair) <= cap;
                        let kept = idle.put(ip, entry(next_port, pair, now)).is_ok();
                        prop_assert_eq!(kept, room);
                        if kept { held.push((ip, next_port, pair, now)); }
                        next_port += 2;
                    }
                    2 => {
                        let shape = if pair { Shape::Pair } else { Shape::Single };
                        if let Some(got) = idle.take(ip, shape, now, |_| true) {
                            prop_assert!(now.duration_since(got.since) >= QUARANTINE);
                            prop_assert_eq!(got.rtcp.is_some(), pair);
                            let i = held.iter().position(|h| h.1 == got.port).unwrap();
                            let h = held.remove(i);
                            prop_assert_eq!((h.0, h.2), (ip, pair));
                            // The oldest of its kind.
                            prop_assert!(held.iter().all(|o| (o.0, o.2) != (ip, pair) || o.3 >= h.3));
                        } else {
                            prop_assert!(held.iter().all(|h| (h.0, h.2) != (ip, pair) || now.duration_since(h.3) < QUARANTINE));
                        }
                    }
                    _ => {
                        for (ip, e) in idle.expire(now, keep) {
                            prop_assert!(now.duration_since(e.since) > keep);
                            let i = held.iter().position(|h| h.1 == e.port).unwrap();
                            prop_assert_eq!(held.remove(i).0, ip);
                        }
                        prop_assert!(held.iter().all(|h| now.duration_since(h.3) <= keep));
                    }
                }
                prop_assert!(idle.sockets() <= cap);
                prop_assert_eq!(idle.sockets(), held.iter().map(|h| 1 + usize::from(h.2)).sum::<usize>());
            }
        }
    }
}
