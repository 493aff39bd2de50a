//! Sequence numbers for a passed-through stream some of whose packets are
//! taken out (telephone-events sent on as INFO), so that the leg sees no
//! gap: each packet moves back by the packets taken out before it in the
//! stream's own order, whatever order they arrive in.
//!
//! Only a packet taken out at the head of the stream closes up. One that
//! arrives late or twice leaves its gap: closing it would give two packets
//! one number, a duplicate to the receiver and a reused index to SRTP.
//!
//! The numbers of a stream of our own ([`Renumber::owned`], see
//! [`OwnStream`](super::own_stream)) are ours from the first: each source
//! joining it, or restarting its numbers, continues after the last one
//! sent instead of keeping its own.

/// Packets taken out that are remembered for late packets to count.
const REMEMBERED: usize = 32;

/// How far behind the newest packet one may arrive and be late rather
/// than a new start of the sequence (RFC 3550 appendix A.1's misorder).
const MAX_MISORDER: u16 = 100;

/// The sequence numbers of one direction's passed-through packets.
#[derive(Debug, Clone, Default)]
pub(super) struct Renumber {
    /// The stream numbered; a new one starts again from nothing taken.
    ssrc: Option<u32>,
    /// The newest sequence number seen.
    newest: u16,
    /// Packets taken out of the stream so far (wrapping).
    taken: u16,
    /// The latest packets taken out, a ring.
    recent: [u16; REMEMBERED],
    recent_len: usize,
    recent_next: usize,
    /// Packets of our own follow this one: late packets from before it
    /// would take their numbers.
    sealed: Option<u16>,
    /// The stream is ours: sources join it after its last number.
    owned: bool,
}

impl Renumber {
    /// The numbers of a stream of our own whose first packet is `first`.
    pub(super) fn owned(first: u16) -> Self {
        Renumber {
            newest: first.wrapping_sub(1),
            owned: true,
            ..Renumber::default()
        }
    }

    /// The number for passed-through packet `seq` of stream `ssrc`;
    /// `None` for a late packet from before packets we inserted (its
    /// number is theirs: reused, it would be a different packet under
    /// one SRTP index).
    pub(super) fn pass(&mut self, ssrc: u32, seq: u16) -> Option<u16> {
        if !self.late(ssrc, seq) {
            return Some(seq.wrapping_sub(self.taken));
        }
        if self.sealed.is_some_and(|sealed| !newer(seq, sealed)) {
            return None;
        }
        // Back only by the packets taken out before it.
        let newest = self.newest;
        let after_it = self.recent[..self.recent_len]
            .iter()
            .filter(|&&taken| newer(taken, seq) && !newer(taken, newest))
            .count();
        Some(seq.wrapping_sub(self.taken).wrapping_add(after_it as u16))
    }

    /// The number for a packet of our own inserted after the newest one
    /// (a key press sent while no audio arrives); the packets after it
    /// move up by one. `None` before the stream's first packet.
    pub(super) fn insert(&mut self) -> Option<u16> {
        if self.ssrc.is_none() && !self.owned {
            return None;
        }
        let number = self.next_number();
        self.taken = self.taken.wrapping_sub(1);
        self.sealed = Some(self.newest);
        Some(number)
    }

    /// Packet `seq` of stream `ssrc` is taken out.
    pub(super) fn take(&mut self, ssrc: u32, seq: u16) {
        if self.late(ssrc, seq) {
            return;
        }
        self.taken = self.taken.wrapping_add(1);
        self.recent[self.recent_next] = seq;
        self.recent_next = (self.recent_next + 1) % REMEMBERED;
        self.recent_len = (self.recent_len + 1).min(REMEMBERED);
    }

    /// Whether `seq` is behind (or equal to) the newest packet; if not, it
    /// becomes the newest. A new stream or a jump back beyond
    /// [`MAX_MISORDER`] starts again.
    fn late(&mut self, ssrc: u32, seq: u16) -> bool {
        if self.owned && self.ssrc != Some(ssrc) {
            self.join(ssrc, seq);
            return false;
        }
        if self.ssrc != Some(ssrc) {
            *self = Renumber {
                ssrc: Some(ssrc),
                newest: seq,
                ..Renumber::default()
            };
            return false;
        }
        let behind = self.newest.wrapping_sub(seq);
        if newer(seq, self.newest) {
            self.newest = seq;
            false
        } else if behind <= MAX_MISORDER {
            true
        } else if self.owned {
            self.join(ssrc, seq);
            false
        } else {
            // A new start on the same stream: keep the offset, forget
            // the packets taken out around the old position.
            self.newest = seq;
            self.recent_len = 0;
            self.sealed = None;
            false
        }
    }
}

impl Renumber {
    /// The number after the last one sent.
    fn next_number(&self) -> u16 {
        self.newest.wrapping_sub(self.taken).wrapping_add(1)
    }

    /// Source `ssrc` continues our stream from its packet `seq` on; its
    /// packets from before are late ones whose numbers are taken.
    fn join(&mut self, ssrc: u32, seq: u16) {
        let next = self.next_number();
        *self = Renumber {
            ssrc: Some(ssrc),
            newest: seq,
            taken: seq.wrapping_sub(next),
            sealed: Some(seq.wrapping_sub(1)),
            owned: true,
            ..Renumber::default()
        };
    }
}

/// Whether sequence number `a` comes after `b` (RFC 1982 arithmetic).
fn newer(a: u16, b: u16) -> bool {
    (a.wrapping_sub(b) as i16) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_packets_close_up_over_the_ones_taken() {
        let mut r = Renumber::default();
        assert_eq!(r.pass(1, 65_534), Some(65_534));
        r.take(1, 65_535);
        r.take(1, 0);
        assert_eq!(r.pass(1, 1), Some(65_535), "across the wrap");
        assert_eq!(r.pass(1, 2), Some(0));
    }

    #[test]
    fn a_late_packet_takes_the_number_it_would_have_had() {
        let mut r = Renumber::default();
        assert_eq!(r.pass(1, 9), Some(9));
        assert_eq!(r.pass(1, 11), Some(11));
        r.take(1, 12);
        assert_eq!(r.pass(1, 13), Some(12));
        assert_eq!(r.pass(1, 10), Some(10), "before the packet taken out");
        assert_eq!(r.pass(1, 13), Some(12), "a duplicate stays a duplicate");
    }

    #[test]
    fn packets_taken_late_or_twice_leave_their_gap() {
        let mut r = Renumber::default();
        assert_eq!(r.pass(1, 100), Some(100));
        r.take(1, 101);
        r.take(1, 101);
        assert_eq!(r.pass(1, 103), Some(102));
        r.take(1, 102);
        assert_eq!(r.pass(1, 104), Some(103));
    }

    #[test]
    fn inserted_packets_push_the_stream_up_and_late_ones_from_before_go() {
        let mut r = Renumber::default();
        assert_eq!(r.insert(), None, "no stream yet");
        assert_eq!(r.pass(1, 10), Some(10));
        assert_eq!(r.pass(1, 11), Some(11));
        assert_eq!(r.insert(), Some(12));
        assert_eq!(r.insert(), Some(13));
        assert_eq!(r.pass(1, 12), Some(14));
        assert_eq!(
            r.pass(1, 11),
            None,
            "a duplicate from before: its number is taken"
        );
        assert_eq!(r.pass(1, 9), None, "late from before");
        assert_eq!(r.pass(1, 14), Some(16));
        assert_eq!(r.pass(1, 13), Some(15), "late from after: its own number");
    }

    #[test]
    fn sources_joining_a_stream_of_our_own_continue_its_numbers() {
        let mut r = Renumber::owned(65_534);
        assert_eq!(r.insert(), Some(65_534), "before any source");
        assert_eq!(r.insert(), Some(65_535));
        assert_eq!(r.pass(1, 1000), Some(0), "the first source joins");
        assert_eq!(r.pass(1, 1001), Some(1));
        assert_eq!(r.pass(1, 999), None, "late from before it joined");
        r.take(1, 1002);
        assert_eq!(r.pass(1, 1003), Some(2));
        assert_eq!(r.insert(), Some(3));
        // A new source, and a jump back on it: both continue.
        assert_eq!(r.pass(2, 7), Some(4));
        assert_eq!(r.pass(2, 8), Some(5));
        assert_eq!(r.pass(2, 40_000), Some(6));
        assert_eq!(r.pass(2, 40_001), Some(7));
    }

    #[test]
    fn a_new_stream_or_a_jump_starts_again() {
        let mut r = Renumber::default();
        r.pass(1, 500);
        r.take(1, 501);
        assert_eq!(r.pass(2, 7), Some(7), "a new SSRC keeps its numbers");
        r.take(2, 8);
        assert_eq!(r.pass(2, 9), Some(8));
        // Far back: not late, a restart that keeps the offset.
        assert_eq!(r.pass(2, 40_000), Some(39_999));
        assert_eq!(r.pass(2, 40_001), Some(40_000));
    }
}
