//! Extended sequence numbers and source validation (RFC 3550 appendix A.1).

const SEQ_MOD: u32 = 1 << 16;
/// A forward jump larger than this is treated as a possible restart.
pub const MAX_DROPOUT: u16 = 3000;
/// A backward jump up to this is treated as reordering.
pub const MAX_MISORDER: u16 = 100;
/// Sequential packets needed before a new source counts (RFC 3550 A.1).
pub const MIN_SEQUENTIAL: u8 = 2;

/// What a packet's sequence number meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceVerdict {
    /// Counted; carries the packet's extended sequence number.
    Valid(u64),
    /// Still in probation, or a large jump waiting for confirmation.
    NotYetValid,
}

/// The RFC 3550 appendix A.1 sequence state for one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceTracker {
    max_seq: u16,
    cycles: u64,
    base_seq: u32,
    bad_seq: u32,
    probation: u8,
    received: u64,
    started: bool,
}

impl SequenceTracker {
    /// A tracker requiring `probation` in-order packets before counting
    /// ([`MIN_SEQUENTIAL`] per the RFC; 0 for a source already known from
    /// signalling).
    pub fn new(probation: u8) -> Self {
        SequenceTracker {
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: SEQ_MOD + 1,
            probation,
            received: 0,
            started: false,
        }
    }

    fn init(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
    }

    /// Feeds one packet's sequence number.
    pub fn update(&mut self, seq: u16) -> SequenceVerdict {
        if !self.started {
            self.started = true;
            self.init(seq);
            if self.probation == 0 {
                self.received = 1;
                return SequenceVerdict::Valid(u64::from(seq));
            }
            self.max_seq = seq.wrapping_sub(1);
        }
        let delta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init(seq);
                    self.received = 1;
                    return SequenceVerdict::Valid(self.extended_max());
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SequenceVerdict::NotYetValid;
        }
        if delta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += u64::from(SEQ_MOD);
            }
            self.max_seq = seq;
        } else if u32::from(delta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets after a jump: the source restarted.
                self.init(seq);
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return SequenceVerdict::NotYetValid;
            }
        } else {
            // A duplicate or reordered packet: counted, max unchanged.
            self.received += 1;
            let back = u64::from(self.max_seq.wrapping_sub(seq));
            return SequenceVerdict::Valid(self.extended_max().saturating_sub(back));
        }
        self.received += 1;
        SequenceVerdict::Valid(self.extended_max())
    }

    /// The extended highest sequence number received.
    pub fn extended_max(&self) -> u64 {
        self.cycles + u64::from(self.max_seq)
    }

    /// Packets expected since the base (RFC 3550 A.3).
    pub fn expected(&self) -> u64 {
        if self.received == 0 {
            return 0;
        }
        (self.extended_max() + 1).saturating_sub(u64::from(self.base_seq))
    }

    /// Packets counted as received (duplicates included, as in the RFC).
    pub fn received(&self) -> u64 {
        self.received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probation_then_counting_across_the_wrap() {
        let mut t = SequenceTracker::new(MIN_SEQUENTIAL);
        assert_eq!(t.update(65534), SequenceVerdict::NotYetValid);
        assert_eq!(t.update(65535), SequenceVerdict::Valid(65535));
        assert_eq!(t.update(0), SequenceVerdict::Valid(65536));
        assert_eq!(t.update(2), SequenceVerdict::Valid(65538));
        assert_eq!(t.expected(), 4);
        assert_eq!(t.received(), 3);
    }

    #[test]
    fn reordering_and_restart() {
        let mut t = SequenceTracker::new(0);
        assert_eq!(t.update(100), SequenceVerdict::Valid(100));
        assert_eq!(t.update(102), SequenceVerdict::Valid(102));
        assert_eq!(t.update(101), SequenceVerdict::Valid(101));
        // A big jump needs a second sequential packet to be believed.
        assert_eq!(t.update(30_000), SequenceVerdict::NotYetValid);
        assert_eq!(t.update(30_001), SequenceVerdict::Valid(30_001));
        assert_eq!(t.expected(), 1);
    }
}
