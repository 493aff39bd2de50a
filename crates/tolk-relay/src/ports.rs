//! Local port allocation from a configured range: RTP+RTCP pairs (even RTP
//! port, RTCP on the next one) or single ports for rtcp-mux.

use crate::error::{Error, Result};

/// Hands out ports from `lo..=hi`, round-robin so a freed port is not
/// reused at once (late packets of an old call must not reach a new one).
/// The relay's idle sockets (`io/pool.rs`) keep their ports held here
/// until they are closed, and have a quarantine of their own.
/// Ports in use are a bitmap, and a full word of it is skipped at once, so
/// a nearly full range costs a short scan rather than a lookup per port.
#[derive(Debug, Clone)]
pub struct PortAllocator {
    lo: u16,
    hi: u16,
    next: u16,
    /// Bit `p - lo` is set while port `p` is in use.
    used: Vec<u64>,
    in_use: usize,
}

impl PortAllocator {
    /// An allocator for `lo..=hi`.
    pub fn new(lo: u16, hi: u16) -> Self {
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        let span = usize::from(hi - lo) + 1;
        Self {
            lo,
            hi,
            next: lo,
            used: vec![0; span.div_ceil(64)],
            in_use: 0,
        }
    }

    /// Ports in use.
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    /// Reserves one port (`pair == false`) or an even/odd pair; returns the
    /// first port. `usable` lets the caller veto a candidate (e.g. bind failed).
    pub fn allocate(&mut self, pair: bool, mut usable: impl FnMut(u16) -> bool) -> Result<u16> {
        let span = u32::from(self.hi - self.lo) + 1;
        let mut scanned = 0;
        while scanned < span {
            let mut p = self.next;
            let word = usize::from(p - self.lo) / 64;
            if self.used[word] == u64::MAX && (p - self.lo) % 64 == 0 {
                // A whole word in use: move to the next one.
                let skip = 64.min(self.hi - p + 1);
                self.next = p
                    .checked_add(skip)
                    .filter(|&n| n <= self.hi)
                    .unwrap_or(self.lo);
                scanned += u32::from(skip);
                continue;
            }
            scanned += 1;
            if pair && p % 2 == 1 {
                p = p.wrapping_add(1);
            }
            let last = if pair { p.checked_add(1) } else { Some(p) };
            self.next = match last.and_then(|l| l.checked_add(1)) {
                Some(n) if n <= self.hi => n,
                _ => self.lo,
            };
            let Some(last) = last.filter(|&l| l <= self.hi && p >= self.lo) else {
                continue;
            };
            if (p..=last).any(|q| self.is_used(q)) || !usable(p) {
                continue;
            }
            (p..=last).for_each(|q| self.set(q, true));
            return Ok(p);
        }
        Err(Error::PortsExhausted {
            lo: self.lo,
            hi: self.hi,
        })
    }

    /// Reserves `port` itself if it is in the range and free.
    pub fn claim(&mut self, port: u16) -> bool {
        if !(self.lo..=self.hi).contains(&port) || self.is_used(port) {
            return false;
        }
        self.set(port, true);
        true
    }

    /// Returns a port (and its RTCP partner if `pair`).
    pub fn release(&mut self, port: u16, pair: bool) {
        self.set(port, false);
        if pair {
            if let Some(p) = port.checked_add(1) {
                self.set(p, false);
            }
        }
    }

    fn is_used(&self, port: u16) -> bool {
        let bit = usize::from(port - self.lo);
        self.used[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Marks `port` (ignored outside the range) and keeps the count.
    fn set(&mut self, port: u16, used: bool) {
        if !(self.lo..=self.hi).contains(&port) || self.is_used(port) == used {
            return;
        }
        let bit = usize::from(port - self.lo);
        self.used[bit / 64] ^= 1 << (bit % 64);
        if used {
            self.in_use += 1;
        } else {
            self.in_use -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn pairs_are_even_odd_and_exhaust() {
        let mut a = PortAllocator::new(20000, 20007);
        let got: Vec<u16> = (0..4)
            .map(|_| a.allocate(true, |_| true).unwrap())
            .collect();
        assert_eq!(got, [20000, 20002, 20004, 20006]);
        assert!(matches!(
            a.allocate(true, |_| true),
            Err(Error::PortsExhausted { .. })
        ));
        a.release(20002, true);
        assert_eq!(a.allocate(true, |_| true).unwrap(), 20002);
    }

    #[test]
    fn a_nearly_full_wide_range_finds_its_last_free_ports() {
        let mut a = PortAllocator::new(20000, 29999);
        for _ in 0..5000 {
            a.allocate(true, |_| true).unwrap();
        }
        assert_eq!(a.in_use(), 10_000);
        assert!(a.allocate(false, |_| true).is_err());
        a.release(27776, true);
        a.release(20064, false);
        assert_eq!(a.allocate(true, |_| true).unwrap(), 27776);
        assert!(
            a.allocate(true, |_| true).is_err(),
            "20064 alone is no pair"
        );
        assert_eq!(a.allocate(false, |_| true).unwrap(), 20064);
        assert_eq!(a.in_use(), 10_000);
    }

    #[test]
    fn a_claimed_port_is_held_until_released() {
        let mut a = PortAllocator::new(30000, 30001);
        assert!(a.claim(30001));
        assert!(!a.claim(30001), "held already");
        assert!(!a.claim(30002), "outside the range");
        assert_eq!(a.allocate(false, |_| true).unwrap(), 30000);
        assert!(a.allocate(false, |_| true).is_err());
        a.release(30001, false);
        assert_eq!(a.allocate(false, |_| true).unwrap(), 30001);
    }

    #[test]
    fn vetoed_ports_are_skipped() {
        let mut a = PortAllocator::new(30000, 30010);
        assert_eq!(a.allocate(false, |p| p != 30000).unwrap(), 30001);
    }

    proptest! {
        #[test]
        fn never_hands_out_a_port_twice(
            lo in 1000u16..1100, width in 1u16..200,
            ops in proptest::collection::vec((any::<u8>(), any::<bool>()), 1..300)
        ) {
            let mut a = PortAllocator::new(lo, lo + width);
            let mut held: Vec<(u16, bool)> = Vec::new();
            for (alloc, pair) in ops {
                // Mostly allocations, so that wide ranges fill up too.
                if alloc >= 64 || held.is_empty() {
                    if let Ok(p) = a.allocate(pair, |_| true) {
                        let last = if pair { p + 1 } else { p };
                        prop_assert!(p >= lo && last <= lo + width);
                        if pair { prop_assert_eq!(p % 2, 0); }
                        for &(q, qp) in &held {
                            let qlast = if qp { q + 1 } else { q };
                            prop_assert!(last < q || p > qlast);
                        }
                        held.push((p, pair));
                    }
                } else {
                    let (p, pair) = held.remove(0);
                    a.release(p, pair);
                }
                let used: usize = held.iter().map(|&(_, pr)| if pr { 2 } else { 1 }).sum();
                prop_assert_eq!(a.in_use(), used);
            }
        }
    }
}
