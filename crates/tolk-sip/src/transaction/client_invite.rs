//! RFC 3261 section 17.1.1 with RFC 6026 section 7.2: the INVITE client
//! transaction (Calling, Proceeding, Completed, Accepted, Terminated),
//! and TimedOut: after Timer B, a late 2xx still reaches the TU for
//! 64*T1, so that it is ACKed and its dialog ended with BYE (RFC 3261
//! 13.2.2.4) rather than left to ring into silence. Timer B also runs
//! again from our CANCEL: a callee that never answers it leaves the
//! transaction after 64*T1 (RFC 3261 section 9.1).

use std::time::Instant;

use super::timer::{Schedule, Timer, TimerConfig};
use super::{Effect, ResponseAction};

/// States of the INVITE client transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteClientState {
    /// The INVITE was sent; no response yet.
    Calling,
    /// A provisional response arrived.
    Proceeding,
    /// A 300-699 arrived and was acknowledged; absorbing retransmissions.
    Completed,
    /// A 2xx arrived (RFC 6026); further 2xx (retransmissions, forks)
    /// still go to the TU.
    Accepted,
    /// Timer B fired and the TU was told; until Timer M (64*T1) a late
    /// 2xx still goes to the TU, as in Accepted.
    TimedOut,
    /// Done; the transaction is removed.
    Terminated,
}

/// The INVITE client transaction's state machine (no message content).
#[derive(Debug, Clone)]
pub(crate) struct InviteClient {
    state: InviteClientState,
    reliable: bool,
    config: TimerConfig,
    schedule: Schedule,
}

impl InviteClient {
    /// Starts in Calling; the caller sends the INVITE.
    pub(crate) fn new(now: Instant, reliable: bool, config: TimerConfig) -> Self {
        let mut schedule = Schedule::default();
        if !reliable {
            schedule.retransmit(Timer::A, now, config.initial(Timer::A, false));
        }
        schedule.timeout(Timer::B, now, config.initial(Timer::B, reliable));
        InviteClient {
            state: InviteClientState::Calling,
            reliable,
            config,
            schedule,
        }
    }

    pub(crate) fn state(&self) -> InviteClientState {
        self.state
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.schedule.next()
    }

    /// A response with status `code` matched this transaction.
    pub(crate) fn on_response(&mut self, now: Instant, code: u16) -> ResponseAction {
        use InviteClientState::*;
        match (self.state, code) {
            (Calling, 100..=199) => {
                // Timer B covers only Calling (RFC 3261 figure 5).
                self.schedule.stop_retransmit_and_timeout();
                self.state = Proceeding;
                ResponseAction::Deliver
            }
            (Proceeding, 100..=199) => ResponseAction::Deliver,
            (Calling | Proceeding, 200..=299) => {
                self.schedule.stop_retransmit_and_timeout();
                self.state = Accepted;
                self.schedule
                    .wait(Timer::M, now, self.config.initial(Timer::M, self.reliable));
                ResponseAction::Deliver
            }
            (Calling | Proceeding, _) => {
                self.schedule.stop_retransmit_and_timeout();
                self.state = Completed;
                self.enter_wait(now, Timer::D);
                ResponseAction::DeliverAndAck
            }
            (Completed, 300..=699) => ResponseAction::ResendAck,
            (Accepted | TimedOut, 200..=299) => ResponseAction::Deliver,
            _ => ResponseAction::Absorb,
        }
    }

    /// Runs the timers due at `now`; call until it returns `None`.
    pub(crate) fn on_timeout(&mut self, now: Instant) -> Option<Effect> {
        let (timer, interval) = self.schedule.pop_due(now)?;
        Some(match timer {
            Timer::A if self.state == InviteClientState::Calling => {
                let next = self.config.next_interval(Timer::A, interval);
                self.schedule.retransmit(Timer::A, now, next);
                Effect::Retransmit
            }
            Timer::B
                if matches!(
                    self.state,
                    InviteClientState::Calling | InviteClientState::Proceeding
                ) =>
            {
                self.state = InviteClientState::TimedOut;
                self.schedule.clear();
                self.enter_wait(now, Timer::M);
                Effect::TimedOut
            }
            Timer::D => {
                self.state = InviteClientState::Terminated;
                self.schedule.clear();
                Effect::Terminated
            }
            Timer::M => {
                self.state = InviteClientState::Terminated;
                self.schedule.clear();
                Effect::Closed
            }
            _ => Effect::Nothing,
        })
    }

    /// Our CANCEL went out (RFC 3261 section 9.1): without a final
    /// response 64*T1 from now (Timer B again), the INVITE times out.
    pub(crate) fn cancel_sent(&mut self, now: Instant) {
        if self.state == InviteClientState::Proceeding {
            self.schedule
                .timeout(Timer::B, now, self.config.initial(Timer::B, self.reliable));
        }
    }

    /// The transport reported a failure sending the request.
    pub(crate) fn on_transport_error(&mut self) {
        self.state = InviteClientState::Terminated;
        self.schedule.clear();
    }

    fn enter_wait(&mut self, now: Instant, timer: Timer) {
        let after = self.config.initial(timer, self.reliable);
        self.schedule.wait(timer, now, after);
    }
}
