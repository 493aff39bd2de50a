//! Reception statistics for one source: loss (RFC 3550 A.3), interarrival
//! jitter (A.8) and the report block that carries them.

use std::time::{Duration, Instant};

use super::sequence::{SequenceTracker, SequenceVerdict};
use crate::rtcp::{CUMULATIVE_LOST_RANGE, ReportBlock};

/// Everything a receiver tracks about one remote source.
#[derive(Debug, Clone)]
pub struct ReceiveStats {
    ssrc: u32,
    clock_rate: u32,
    sequence: SequenceTracker,
    epoch: Option<Instant>,
    last_transit: Option<u32>,
    /// Jitter scaled by 16, as in RFC 3550 A.8.
    jitter_x16: u64,
    expected_prior: u64,
    received_prior: u64,
    /// Middle 32 bits of the last SR's NTP time, and when it arrived.
    last_sr: Option<(u32, Instant)>,
}

impl ReceiveStats {
    /// Statistics for `ssrc`, whose RTP clock runs at `clock_rate` Hz;
    /// `probation` as in [`SequenceTracker::new`].
    pub fn new(ssrc: u32, clock_rate: u32, probation: u8) -> Self {
        ReceiveStats {
            ssrc,
            clock_rate: clock_rate.max(1),
            sequence: SequenceTracker::new(probation),
            epoch: None,
            last_transit: None,
            jitter_x16: 0,
            expected_prior: 0,
            received_prior: 0,
            last_sr: None,
        }
    }

    /// Records an RTP packet that arrived at `now`.
    pub fn on_rtp(
        &mut self,
        now: Instant,
        sequence_number: u16,
        timestamp: u32,
    ) -> SequenceVerdict {
        let verdict = self.sequence.update(sequence_number);
        if let SequenceVerdict::Valid(_) = verdict {
            let epoch = *self.epoch.get_or_insert(now);
            let arrival = self.ticks(now.saturating_duration_since(epoch));
            let transit = arrival.wrapping_sub(timestamp);
            if let Some(last) = self.last_transit {
                let d = (transit.wrapping_sub(last) as i32).unsigned_abs();
                // J += (|D| - J) / 16, kept in fixed point (A.8).
                // 64 bits: 16 * |D| needs 36 for wild wire timestamps.
                self.jitter_x16 =
                    (self.jitter_x16 + u64::from(d)).saturating_sub((self.jitter_x16 + 8) >> 4);
            }
            self.last_transit = Some(transit);
        }
        verdict
    }

    /// Records a sender report from this source, for LSR/DLSR.
    pub fn on_sender_report(&mut self, now: Instant, ntp_time: u64) {
        self.last_sr = Some(((ntp_time >> 16) as u32, now));
    }

    fn ticks(&self, elapsed: Duration) -> u32 {
        (elapsed.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000) as u32
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        u32::try_from(self.jitter_x16 >> 4).unwrap_or(u32::MAX)
    }

    /// Cumulative packets lost (negative with duplicates).
    pub fn cumulative_lost(&self) -> i64 {
        self.sequence.expected() as i64 - self.sequence.received() as i64
    }

    /// The sequence state.
    pub fn sequence(&self) -> &SequenceTracker {
        &self.sequence
    }

    /// The report block for this source at `now`; starts a new interval
    /// for the fraction-lost field.
    pub fn report_block(&mut self, now: Instant) -> ReportBlock {
        let expected = self.sequence.expected();
        let received = self.sequence.received();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        let received_interval = received.saturating_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = received;
        let lost_interval = expected_interval.saturating_sub(received_interval);
        let fraction_lost = (lost_interval << 8)
            .checked_div(expected_interval)
            .map_or(0, |f| f.min(255) as u8);
        let lost = self.cumulative_lost().clamp(
            i64::from(*CUMULATIVE_LOST_RANGE.start()),
            i64::from(*CUMULATIVE_LOST_RANGE.end()),
        ) as i32;
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => {
                let delay = now.saturating_duration_since(at);
                let units = delay.as_nanos() * 65536 / 1_000_000_000;
                (lsr, u32::try_from(units).unwrap_or(u32::MAX))
            }
            None => (0, 0),
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: lost,
            highest_sequence: self.sequence.extended_max() as u32,
            jitter: self.jitter(),
            last_sender_report: lsr,
            delay_since_last_sender_report: dlsr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any origin will do: every time in a test is an offset from it.
    #[allow(clippy::disallowed_methods)]
    fn origin() -> Instant {
        Instant::now()
    }

    #[test]
    fn loss_fraction_and_cumulative() {
        let t0 = origin();
        let mut s = ReceiveStats::new(5, 8000, 0);
        // 10 packets sent, 2 lost (seq 3 and 7).
        for seq in (0u16..10).filter(|s| *s != 3 && *s != 7) {
            s.on_rtp(
                t0 + Duration::from_millis(20 * u64::from(seq)),
                seq,
                160 * u32::from(seq),
            );
        }
        let block = s.report_block(t0 + Duration::from_secs(1));
        assert_eq!(block.cumulative_lost, 2);
        assert_eq!(block.fraction_lost, (2 * 256 / 10) as u8);
        assert_eq!(block.highest_sequence, 9);
        // Perfectly paced packets: no jitter.
        assert_eq!(block.jitter, 0);
        // A new interval with no loss reports fraction 0.
        s.on_rtp(t0 + Duration::from_millis(200), 10, 1600);
        assert_eq!(s.report_block(t0 + Duration::from_secs(2)).fraction_lost, 0);
    }

    #[test]
    fn jitter_follows_the_rfc_estimator() {
        let t0 = origin();
        let mut s = ReceiveStats::new(5, 8000, 0);
        // Every other packet arrives 10 ms (80 ticks) late.
        for seq in 0u16..200 {
            let late = if seq % 2 == 1 { 10 } else { 0 };
            let at = t0 + Duration::from_millis(20 * u64::from(seq) + late);
            s.on_rtp(at, seq, 160 * u32::from(seq));
        }
        // |D| is 80 every packet, so J converges to 80.
        assert!((78..=80).contains(&s.jitter()), "{}", s.jitter());
    }

    #[test]
    fn lsr_and_dlsr() {
        let t0 = origin();
        let mut s = ReceiveStats::new(5, 8000, 0);
        s.on_sender_report(t0, 0x1234_5678_9abc_def0);
        let b = s.report_block(t0 + Duration::from_millis(500));
        assert_eq!(b.last_sender_report, 0x5678_9abc);
        assert_eq!(b.delay_since_last_sender_report, 32768);
    }
}
