//! RFC 3261 section 17.2.2: the non-INVITE server transaction (Trying,
//! Proceeding, Completed, Terminated).

use std::time::Instant;

use super::timer::{Schedule, Timer, TimerConfig};
use super::{Effect, RequestAction};
use crate::Error;

/// States of the non-INVITE server transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonInviteServerState {
    /// The request was passed to the TU; nothing sent yet.
    Trying,
    /// A provisional response was sent.
    Proceeding,
    /// A final response was sent; answering retransmissions with it.
    Completed,
    /// Done; the transaction is removed.
    Terminated,
}

/// The non-INVITE server transaction's state machine.
#[derive(Debug, Clone)]
pub(crate) struct NonInviteServer {
    state: NonInviteServerState,
    reliable: bool,
    config: TimerConfig,
    schedule: Schedule,
}

impl NonInviteServer {
    /// Starts in Trying; the caller passes the request to the TU.
    pub(crate) fn new(reliable: bool, config: TimerConfig) -> Self {
        NonInviteServer {
            state: NonInviteServerState::Trying,
            reliable,
            config,
            schedule: Schedule::default(),
        }
    }

    pub(crate) fn state(&self) -> NonInviteServerState {
        self.state
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.schedule.next()
    }

    /// A retransmission of the request arrived.
    pub(crate) fn on_request_retransmission(&mut self) -> RequestAction {
        match self.state {
            NonInviteServerState::Proceeding | NonInviteServerState::Completed => {
                RequestAction::ResendResponse
            }
            _ => RequestAction::Absorb,
        }
    }

    /// The TU sends a response with status `code`.
    pub(crate) fn on_send(&mut self, now: Instant, code: u16) -> Result<(), Error> {
        use NonInviteServerState::*;
        match (self.state, code) {
            (Trying | Proceeding, 100..=199) => self.state = Proceeding,
            (Trying | Proceeding, 200..=699) => {
                self.state = Completed;
                let after = self.config.initial(Timer::J, self.reliable);
                self.schedule.wait(Timer::J, now, after);
            }
            _ => {
                return Err(Error::InvalidState(
                    "response not allowed in this non-INVITE server state",
                ));
            }
        }
        Ok(())
    }

    /// Runs the timers due at `now`; call until it returns `None`.
    pub(crate) fn on_timeout(&mut self, now: Instant) -> Option<Effect> {
        let (timer, _) = self.schedule.pop_due(now)?;
        Some(match timer {
            Timer::J => {
                self.state = NonInviteServerState::Terminated;
                self.schedule.clear();
                Effect::Terminated
            }
            _ => Effect::Nothing,
        })
    }

    /// The transport reported a failure sending a response.
    pub(crate) fn on_transport_error(&mut self) {
        self.state = NonInviteServerState::Terminated;
        self.schedule.clear();
    }
}
