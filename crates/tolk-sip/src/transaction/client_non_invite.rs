//! RFC 3261 section 17.1.2: the non-INVITE client transaction (Trying,
//! Proceeding, Completed, Terminated).

use std::time::Instant;

use super::timer::{Schedule, Timer, TimerConfig};
use super::{Effect, ResponseAction};

/// States of the non-INVITE client transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonInviteClientState {
    /// The request was sent; no response yet.
    Trying,
    /// A provisional response arrived.
    Proceeding,
    /// A final response arrived; absorbing retransmissions of it.
    Completed,
    /// Done; the transaction is removed.
    Terminated,
}

/// The non-INVITE client transaction's state machine.
#[derive(Debug, Clone)]
pub(crate) struct NonInviteClient {
    state: NonInviteClientState,
    reliable: bool,
    config: TimerConfig,
    schedule: Schedule,
}

impl NonInviteClient {
    /// Starts in Trying; the caller sends the request.
    pub(crate) fn new(now: Instant, reliable: bool, config: TimerConfig) -> Self {
        let mut schedule = Schedule::default();
        if !reliable {
            schedule.retransmit(Timer::E, now, config.initial(Timer::E, false));
        }
        schedule.timeout(Timer::F, now, config.initial(Timer::F, reliable));
        NonInviteClient {
            state: NonInviteClientState::Trying,
            reliable,
            config,
            schedule,
        }
    }

    pub(crate) fn state(&self) -> NonInviteClientState {
        self.state
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.schedule.next()
    }

    /// A response with status `code` matched this transaction.
    pub(crate) fn on_response(&mut self, now: Instant, code: u16) -> ResponseAction {
        use NonInviteClientState::*;
        match (self.state, code) {
            (Trying | Proceeding, 100..=199) => {
                self.state = Proceeding;
                ResponseAction::Deliver
            }
            (Trying | Proceeding, _) => {
                self.schedule.stop_retransmit_and_timeout();
                self.state = Completed;
                let after = self.config.initial(Timer::K, self.reliable);
                self.schedule.wait(Timer::K, now, after);
                ResponseAction::Deliver
            }
            _ => ResponseAction::Absorb,
        }
    }

    /// Runs the timers due at `now`; call until it returns `None`.
    pub(crate) fn on_timeout(&mut self, now: Instant) -> Option<Effect> {
        use NonInviteClientState::*;
        let (timer, interval) = self.schedule.pop_due(now)?;
        Some(match (timer, self.state) {
            (Timer::E, Trying | Proceeding) => {
                // In Proceeding the interval is T2 (RFC 3261 17.1.2.2).
                let next = if self.state == Proceeding {
                    self.config.proceeding_interval()
                } else {
                    self.config.next_interval(Timer::E, interval)
                };
                self.schedule.retransmit(Timer::E, now, next);
                Effect::Retransmit
            }
            (Timer::F, Trying | Proceeding) => {
                self.state = Terminated;
                self.schedule.clear();
                Effect::TimedOut
            }
            (Timer::K, _) => {
                self.state = Terminated;
                self.schedule.clear();
                Effect::Terminated
            }
            _ => Effect::Nothing,
        })
    }

    /// The transport reported a failure sending the request.
    pub(crate) fn on_transport_error(&mut self) {
        self.state = NonInviteClientState::Terminated;
        self.schedule.clear();
    }
}
