//! A bound on the key presses one direction reports for INFO: each
//! becomes a SIP transaction toward the other leg, and a peer's RTP can
//! claim a new press in every packet (or hundreds packed in one). A person,
//! or a machine dialling at the fastest DTMF cadence (40 ms of tone, 40 ms
//! of pause: 12.5 a second), stays within it.

use std::time::{Duration, Instant};

/// Presses that may be reported back to back.
pub(super) const REPORT_BURST: u32 = 32;

/// Presses a second once the burst is spent.
const REPORTS_PER_SECOND: u32 = 25;

/// A token bucket of presses to report.
#[derive(Debug, Clone)]
pub(super) struct ReportBudget {
    tokens: u32,
    /// When the tokens were last topped up.
    refilled: Option<Instant>,
    /// Whether the last press was refused (to log once per flood).
    refusing: bool,
}

impl Default for ReportBudget {
    fn default() -> Self {
        ReportBudget {
            tokens: REPORT_BURST,
            refilled: None,
            refusing: false,
        }
    }
}

impl ReportBudget {
    /// Whether one more press may be reported at `now`.
    pub(super) fn take(&mut self, now: Instant) -> bool {
        let refilled = *self.refilled.get_or_insert(now);
        let per_token = Duration::from_secs(1) / REPORTS_PER_SECOND;
        let earned = now.saturating_duration_since(refilled).as_nanos() / per_token.as_nanos();
        match u32::try_from(earned) {
            Ok(earned) if self.tokens + earned < REPORT_BURST => {
                self.tokens += earned;
                // The time toward the next token is kept.
                self.refilled = Some(refilled + per_token * earned);
            }
            _ => {
                self.tokens = REPORT_BURST;
                self.refilled = Some(now);
            }
        }
        let granted = self.tokens > 0;
        self.tokens = self.tokens.saturating_sub(1);
        if !granted && !self.refusing {
            tracing::warn!(
                "telephone-event flood: key presses beyond {REPORTS_PER_SECOND} a second are not sent as INFO"
            );
        }
        self.refusing = !granted;
        granted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_steady_rate() {
        let start = Instant::now();
        let mut budget = ReportBudget::default();
        let burst = (0..100).filter(|_| budget.take(start)).count();
        assert_eq!(burst, REPORT_BURST as usize);
        let later = start + Duration::from_secs(1);
        let refilled = (0..100).filter(|_| budget.take(later)).count();
        assert_eq!(refilled, REPORTS_PER_SECOND as usize);
        // A pause refills the burst, no more.
        let much_later = later + Duration::from_secs(3600);
        let burst = (0..100).filter(|_| budget.take(much_later)).count();
        assert_eq!(burst, REPORT_BURST as usize);
    }

    #[test]
    fn dialling_at_the_fastest_cadence_is_never_refused() {
        let start = Instant::now();
        let mut budget = ReportBudget::default();
        let cadence = Duration::from_millis(80);
        assert!((0..1000).all(|n| budget.take(start + cadence * n)));
    }
}
