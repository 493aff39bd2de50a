//! The end of a graceful drain: calls left at the deadline get one
//! round of hang-ups, then a few seconds to finish. A call whose legs
//! have all sent or received BYE is finished at once; at the stop, the
//! bridge finishes what is left (a CANCEL never answered) and waits,
//! bounded, for the relay deletes still running, so the metrics are
//! final when the node exits.

use std::time::{Duration, Instant};

/// What a draining node does on a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DrainStep {
    /// Calls may still end by themselves.
    Wait,
    /// The deadline passed: hang up what is left.
    HangUpAll,
    /// No call left, or the hang-ups had their grace: stop.
    Stop,
}

/// A drain's progress: the calls left get one round of hang-ups at the
/// deadline (the SIP layer retransmits them), then 5 s to finish.
#[derive(Debug)]
pub(super) struct Drain {
    deadline: Instant,
    hung_up: bool,
}

impl Drain {
    pub(super) fn new(deadline: Instant) -> Self {
        Drain {
            deadline,
            hung_up: false,
        }
    }

    pub(super) fn step(&mut self, now: Instant, calls: usize) -> DrainStep {
        if calls == 0 || now >= self.deadline + Duration::from_secs(5) {
            DrainStep::Stop
        } else if now >= self.deadline && !std::mem::replace(&mut self.hung_up, true) {
            DrainStep::HangUpAll
        } else {
            DrainStep::Wait
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drain_hangs_up_once_then_stops() {
        let start = Instant::now();
        let deadline = start + Duration::from_secs(10);
        let mut drain = Drain::new(deadline);
        assert_eq!(drain.step(start, 3), DrainStep::Wait);
        assert_eq!(drain.step(deadline, 3), DrainStep::HangUpAll);
        for s in 1..5 {
            let later = deadline + Duration::from_secs(s);
            assert_eq!(drain.step(later, 3), DrainStep::Wait, "hang-ups resent");
        }
        assert_eq!(
            drain.step(deadline + Duration::from_secs(5), 3),
            DrainStep::Stop
        );
        assert_eq!(Drain::new(deadline).step(start, 0), DrainStep::Stop);
    }
}
