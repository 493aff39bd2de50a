//! Per-SSRC packet index and replay state (RFC 3711 sections 3.3.1, 3.3.2).

/// Replay window in packets.
pub const WINDOW: u64 = 128;

/// The receive state of one SSRC: highest authenticated index and a bitmap
/// of the [`WINDOW`] indices below it (bit i = index `highest - i` seen).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplayWindow {
    highest: Option<u64>,
    seen: u128,
}

impl ReplayWindow {
    /// The highest index accepted so far.
    pub fn highest(&self) -> Option<u64> {
        self.highest
    }

    /// The 48-bit SRTP index of `seq` (RFC 3711 section 3.3.1: the ROC
    /// guess v is ROC-1, ROC or ROC+1, whichever puts `seq` closest to the
    /// highest sequence number seen). While the ROC is 0 there is no ROC-1:
    /// a jump of more than half the sequence space counts as forward, the
    /// way a sender keeping ROC 0 numbers it, instead of wrapping the ROC
    /// to 2^32-1 (which would end the stream for good).
    pub fn estimate_rtp_index(&self, seq: u16) -> u64 {
        let Some(highest) = self.highest else {
            return u64::from(seq);
        };
        let roc = highest >> 16;
        let s_l = (highest & 0xffff) as u16;
        let v = if s_l < 0x8000 {
            if seq > s_l && seq - s_l > 0x8000 {
                roc.saturating_sub(1)
            } else {
                roc
            }
        } else if s_l - 0x8000 > seq {
            roc + 1
        } else {
            roc
        };
        ((v & 0xffff_ffff) << 16) | u64::from(seq)
    }

    /// True when `index` is new (not seen, not older than the window).
    pub fn check(&self, index: u64) -> bool {
        match self.highest {
            None => true,
            Some(h) if index > h => true,
            Some(h) => {
                let age = h - index;
                age < WINDOW && self.seen & (1u128 << age) == 0
            }
        }
    }

    /// Records an authenticated `index`.
    pub fn accept(&mut self, index: u64) {
        match self.highest {
            Some(h) if index <= h => {
                let age = h - index;
                if age < WINDOW {
                    self.seen |= 1u128 << age;
                }
            }
            Some(h) => {
                let shift = index - h;
                self.seen = if shift >= WINDOW {
                    0
                } else {
                    self.seen << shift
                };
                self.seen |= 1;
                self.highest = Some(index);
            }
            None => {
                self.seen = 1;
                self.highest = Some(index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn rollover_both_ways() {
        let mut w = ReplayWindow::default();
        w.accept(0xfffe);
        assert_eq!(w.estimate_rtp_index(0xffff), 0xffff);
        assert_eq!(w.estimate_rtp_index(2), 0x1_0002);
        w.accept(0x1_0002);
        // A late packet from before the wrap belongs to ROC 0.
        assert_eq!(w.estimate_rtp_index(0xfff0), 0xfff0);
        assert!(w.check(0xffff));
        assert!(!w.check(0x1_0002));
        assert!(!w.check(0x1_0002 - WINDOW));
    }

    #[test]
    fn a_big_jump_while_the_roc_is_zero_stays_in_roc_zero() {
        let mut w = ReplayWindow::default();
        w.accept(100);
        // ROC-1 does not exist yet: forward, never ROC 2^32-1.
        assert_eq!(w.estimate_rtp_index(40_000), 40_000);
        assert!(w.check(40_000));
    }

    proptest! {
        /// Every index is accepted at most once, whatever the arrival order.
        #[test]
        fn each_index_once(order in proptest::collection::vec(0u64..400, 1..300)) {
            let mut w = ReplayWindow::default();
            let mut accepted = std::collections::HashSet::new();
            for i in order {
                if w.check(i) {
                    prop_assert!(accepted.insert(i), "index {} accepted twice", i);
                    w.accept(i);
                }
            }
        }

        /// In-order sequence numbers across many wraps map to consecutive indices.
        #[test]
        fn in_order_indices_are_consecutive(start: u16, steps in 1usize..200_000, stride in 1u16..100) {
            let mut w = ReplayWindow::default();
            let mut seq = start;
            let mut expected = u64::from(start);
            for _ in 0..steps / usize::from(stride) {
                let idx = w.estimate_rtp_index(seq);
                prop_assert_eq!(idx, expected);
                prop_assert!(w.check(idx));
                w.accept(idx);
                seq = seq.wrapping_add(stride);
                expected += u64::from(stride);
            }
        }
    }
}
