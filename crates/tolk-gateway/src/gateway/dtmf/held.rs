//! Key presses for an RFC 4733 leg that has no media address yet (a
//! late-offer caller before its answer, a callee before its answer or
//! early media): nothing can carry them there, so they wait here and go
//! to the relay, oldest first, once the leg has an address. The same
//! holds key presses for an INFO leg that has no dialog yet (a callee
//! ringing without a To tag) until its dialog exists (`sip_leg`).
//!
//! Two bounds keep a peer pressing keys toward a leg that never answers
//! from holding anything for long: [`MAX_HELD`] presses, and
//! [`MAX_AGE`] each. Presses past either are dropped and counted.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tolk_interwork::DtmfEvent;

/// Presses held at most: a whole dialled number fits (E.164 allows 15
/// digits) with the `#` that ends it. More than that before the leg
/// has media is a peer in a loop, not a person.
pub(crate) const MAX_HELD: usize = 16;

/// How long a press may wait. The address normally comes within a
/// round trip (the late-offer caller's ACK) or when the callee answers;
/// a press held longer would reach a far end that has stopped waiting
/// for it (an IVR gives up on input after a few seconds) and be taken
/// for the start of new input.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(5);

/// Presses waiting for a leg's media address, each with when it was
/// pressed.
#[derive(Debug, Default)]
pub(crate) struct HeldPresses {
    presses: VecDeque<(DtmfEvent, Instant)>,
    dropped: u64,
}

impl HeldPresses {
    /// Holds `press`, pressed at `now`, after dropping those older than
    /// [`MAX_AGE`] by then; false (and counted) when [`MAX_HELD`] wait
    /// already.
    pub(crate) fn hold(&mut self, press: DtmfEvent, now: Instant) -> bool {
        self.expire(now);
        if self.presses.len() >= MAX_HELD {
            self.dropped += 1;
            return false;
        }
        self.presses.push_back((press, now));
        true
    }

    /// Hands each press still young enough at `now` to `send`, oldest
    /// first, with when it was pressed; the rest and those `send`
    /// refuses are dropped and counted. Nothing is held afterwards.
    /// Returns how many `send` took.
    pub(crate) fn release(
        &mut self,
        now: Instant,
        mut send: impl FnMut(DtmfEvent, Instant) -> bool,
    ) -> usize {
        self.expire(now);
        let mut sent = 0;
        for (press, at) in self.presses.drain(..) {
            if send(press, at) {
                sent += 1;
            } else {
                self.dropped += 1;
            }
        }
        sent
    }

    /// Presses dropped so far: over the bound, too old, or refused.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether none is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.presses.is_empty()
    }

    fn expire(&mut self, now: Instant) {
        while let Some((_, at)) = self.presses.front() {
            if now.saturating_duration_since(*at) <= MAX_AGE {
                break;
            }
            self.presses.pop_front();
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use tolk_interwork::Digit;

    use super::*;

    fn press(key: char) -> DtmfEvent {
        DtmfEvent {
            digit: Digit::from_char(key).expect("digit"),
            duration: Duration::from_millis(100),
        }
    }

    fn released(held: &mut HeldPresses, now: Instant) -> Vec<(char, Instant)> {
        let mut out = Vec::new();
        held.release(now, |p, at| {
            out.push((p.digit.as_char(), at));
            true
        });
        out
    }

    #[test]
    fn presses_wait_in_order_and_leave_with_when_they_were_pressed() {
        let start = Instant::now();
        let mut held = HeldPresses::default();
        let later = start + Duration::from_secs(1);
        assert!(held.hold(press('1'), start));
        assert!(held.hold(press('#'), later));
        assert!(!held.is_empty());
        let got = released(&mut held, later);
        assert_eq!(got, [('1', start), ('#', later)]);
        assert!(held.is_empty());
        assert_eq!(held.dropped(), 0);
    }

    #[test]
    fn presses_past_the_count_are_dropped_and_counted() {
        let start = Instant::now();
        let mut held = HeldPresses::default();
        assert!((0..MAX_HELD).all(|_| held.hold(press('5'), start)));
        assert!(!held.hold(press('6'), start), "full: the newest refused");
        assert_eq!(held.dropped(), 1);
        let got = released(&mut held, start);
        assert_eq!(got.len(), MAX_HELD);
        assert!(got.iter().all(|(key, _)| *key == '5'));
    }

    #[test]
    fn presses_past_the_age_are_dropped_and_counted() {
        let start = Instant::now();
        let mut held = HeldPresses::default();
        held.hold(press('1'), start);
        held.hold(press('2'), start + Duration::from_secs(3));
        // At the bound a press still goes; past it, it does not.
        let at = start + MAX_AGE + Duration::from_millis(1);
        let got = released(&mut held, at);
        assert_eq!(got, [('2', start + Duration::from_secs(3))]);
        assert_eq!(held.dropped(), 1);
        // Old ones also make room for new ones.
        let start = at;
        assert!((0..MAX_HELD).all(|_| held.hold(press('3'), start)));
        assert!(
            held.hold(press('4'), start + MAX_AGE * 2),
            "the old ones gone"
        );
        assert_eq!(held.dropped(), 1 + MAX_HELD as u64);
    }

    #[test]
    fn presses_the_relay_refuses_are_dropped_and_counted() {
        let start = Instant::now();
        let mut held = HeldPresses::default();
        held.hold(press('1'), start);
        held.hold(press('2'), start);
        let sent = held.release(start, |p, _| p.digit.as_char() == '1');
        assert_eq!(sent, 1);
        assert_eq!(held.dropped(), 1);
        assert!(held.is_empty());
    }
}
