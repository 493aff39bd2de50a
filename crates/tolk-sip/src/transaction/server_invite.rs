//! RFC 3261 section 17.2.1 with RFC 6026 section 7.1: the INVITE server
//! transaction (Proceeding, Completed, Confirmed, Accepted, Terminated).

use std::time::Instant;

use super::timer::{Schedule, Timer, TimerConfig};
use super::{Effect, RequestAction};
use crate::Error;

/// States of the INVITE server transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteServerState {
    /// The INVITE was passed to the TU; provisional responses may go out.
    Proceeding,
    /// A 300-699 was sent; waiting for the ACK.
    Completed,
    /// The ACK arrived; absorbing its retransmissions.
    Confirmed,
    /// A 2xx was sent (RFC 6026); the TU retransmits it until the ACK.
    Accepted,
    /// Done; the transaction is removed.
    Terminated,
}

/// The INVITE server transaction's state machine.
#[derive(Debug, Clone)]
pub(crate) struct InviteServer {
    state: InviteServerState,
    reliable: bool,
    config: TimerConfig,
    schedule: Schedule,
}

impl InviteServer {
    /// Starts in Proceeding; the caller passes the INVITE to the TU.
    pub(crate) fn new(reliable: bool, config: TimerConfig) -> Self {
        InviteServer {
            state: InviteServerState::Proceeding,
            reliable,
            config,
            schedule: Schedule::default(),
        }
    }

    pub(crate) fn state(&self) -> InviteServerState {
        self.state
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.schedule.next()
    }

    /// A retransmission of the INVITE arrived.
    pub(crate) fn on_request_retransmission(&mut self) -> RequestAction {
        match self.state {
            InviteServerState::Proceeding | InviteServerState::Completed => {
                RequestAction::ResendResponse
            }
            _ => RequestAction::Absorb,
        }
    }

    /// An ACK matched this transaction.
    pub(crate) fn on_ack(&mut self, now: Instant) -> RequestAction {
        match self.state {
            InviteServerState::Completed => {
                self.schedule.stop_retransmit_and_timeout();
                self.state = InviteServerState::Confirmed;
                let after = self.config.initial(Timer::I, self.reliable);
                self.schedule.wait(Timer::I, now, after);
                RequestAction::Absorb
            }
            // RFC 6026 8.7: an ACK matching an Accepted transaction goes
            // to the TU (a peer that reused the INVITE's branch).
            InviteServerState::Accepted => RequestAction::Deliver,
            _ => RequestAction::Absorb,
        }
    }

    /// The TU sends a response with status `code`.
    pub(crate) fn on_send(&mut self, now: Instant, code: u16) -> Result<(), Error> {
        use InviteServerState::*;
        match (self.state, code) {
            (Proceeding, 100..=199) => {}
            (Proceeding | Accepted, 200..=299) => {
                if self.state == Proceeding {
                    self.state = Accepted;
                    let after = self.config.initial(Timer::L, self.reliable);
                    self.schedule.wait(Timer::L, now, after);
                }
            }
            (Proceeding, 300..=699) => {
                self.state = Completed;
                if !self.reliable {
                    let first = self.config.initial(Timer::G, false);
                    self.schedule.retransmit(Timer::G, now, first);
                }
                self.schedule
                    .timeout(Timer::H, now, self.config.initial(Timer::H, self.reliable));
            }
            _ => {
                return Err(Error::InvalidState(
                    "response not allowed in this INVITE server state",
                ));
            }
        }
        Ok(())
    }

    /// Runs the timers due at `now`; call until it returns `None`.
    pub(crate) fn on_timeout(&mut self, now: Instant) -> Option<Effect> {
        let (timer, interval) = self.schedule.pop_due(now)?;
        Some(match (timer, self.state) {
            (Timer::G, InviteServerState::Completed) => {
                let next = self.config.next_interval(Timer::G, interval);
                self.schedule.retransmit(Timer::G, now, next);
                Effect::Retransmit
            }
            (Timer::H, InviteServerState::Completed) => {
                self.state = InviteServerState::Terminated;
                self.schedule.clear();
                Effect::TimedOut
            }
            (Timer::I | Timer::L, _) => {
                self.state = InviteServerState::Terminated;
                self.schedule.clear();
                Effect::Terminated
            }
            _ => Effect::Nothing,
        })
    }

    /// The transport reported a failure sending a response.
    pub(crate) fn on_transport_error(&mut self) {
        self.state = InviteServerState::Terminated;
        self.schedule.clear();
    }
}
