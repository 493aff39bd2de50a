//! Local port allocation from a configured range: RTP+RTCP pairs (even RTP
//! port, RTCP on the next one) or single ports for rtcp-mux.

use std::collections::BTreeSet;

use crate::error::{Error, Result};

/// Hands out ports from `lo..=hi`, round-robin so a freed port is not
/// reused at once (late packets of an old call must not reach a new one).
#[derive(Debug, Clone)]
pub struct PortAllocator {
    lo: u16,
    hi: u16,
    next: u16,
    in_use: BTreeSet<u16>,
}

impl PortAllocator {
    /// An allocator for `lo..=hi`.
    pub fn new(lo: u16, hi: u16) -> Self {
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        Self {
            lo,
            hi,
            next: lo,
            in_use: BTreeSet::new(),
        }
    }

    /// Ports in use.
    pub fn in_use(&self) -> usize {
        self.in_use.len()
    }

    /// Reserves one port (`pair == false`) or an even/odd pair; returns the
    /// first port. `usable` lets the caller veto a candidate (e.g. bind failed).
    pub fn allocate(&mut self, pair: bool, mut usable: impl FnMut(u16) -> bool) -> Result<u16> {
        let span = u32::from(self.hi - self.lo) + 1;
        for _ in 0..span {
            let mut p = self.next;
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
            if (p..=last).any(|q| self.in_use.contains(&q)) || !usable(p) {
                continue;
            }
            self.in_use.extend(p..=last);
            return Ok(p);
        }
        Err(Error::PortsExhausted {
            lo: self.lo,
            hi: self.hi,
        })
    }

    /// Returns a port (and its RTCP partner if `pair`).
    pub fn release(&mut self, port: u16, pair: bool) {
        self.in_use.remove(&port);
        if pair {
            if let Some(p) = port.checked_add(1) {
                self.in_use.remove(&p);
            }
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
    fn vetoed_ports_are_skipped() {
        let mut a = PortAllocator::new(30000, 30010);
        assert_eq!(a.allocate(false, |p| p != 30000).unwrap(), 30001);
    }

    proptest! {
        #[test]
        fn never_hands_out_a_port_twice(
            lo in 1000u16..1100, width in 1u16..40,
            ops in proptest::collection::vec((any::<bool>(), any::<bool>()), 1..100)
        ) {
            let mut a = PortAllocator::new(lo, lo + width);
            let mut held: Vec<(u16, bool)> = Vec::new();
            for (alloc, pair) in ops {
                if alloc || held.is_empty() {
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
