//! One transaction's state machine, whichever of the four it is.

use std::time::Instant;

use super::{Effect, InviteClient, InviteServer, NonInviteClient, NonInviteServer};

/// The state machine of a transaction.
#[derive(Debug, Clone)]
pub(crate) enum Machine {
    InviteClient(InviteClient),
    NonInviteClient(NonInviteClient),
    InviteServer(InviteServer),
    NonInviteServer(NonInviteServer),
}

/// The state of any transaction, for inspection and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionState {
    /// An INVITE client transaction.
    InviteClient(super::InviteClientState),
    /// A non-INVITE client transaction.
    NonInviteClient(super::NonInviteClientState),
    /// An INVITE server transaction.
    InviteServer(super::InviteServerState),
    /// A non-INVITE server transaction.
    NonInviteServer(super::NonInviteServerState),
}

impl Machine {
    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        match self {
            Machine::InviteClient(m) => m.next_timeout(),
            Machine::NonInviteClient(m) => m.next_timeout(),
            Machine::InviteServer(m) => m.next_timeout(),
            Machine::NonInviteServer(m) => m.next_timeout(),
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant) -> Option<Effect> {
        match self {
            Machine::InviteClient(m) => m.on_timeout(now),
            Machine::NonInviteClient(m) => m.on_timeout(now),
            Machine::InviteServer(m) => m.on_timeout(now),
            Machine::NonInviteServer(m) => m.on_timeout(now),
        }
    }

    pub(crate) fn on_transport_error(&mut self) {
        match self {
            Machine::InviteClient(m) => m.on_transport_error(),
            Machine::NonInviteClient(m) => m.on_transport_error(),
            Machine::InviteServer(m) => m.on_transport_error(),
            Machine::NonInviteServer(m) => m.on_transport_error(),
        }
    }

    pub(crate) fn state(&self) -> TransactionState {
        match self {
            Machine::InviteClient(m) => TransactionState::InviteClient(m.state()),
            Machine::NonInviteClient(m) => TransactionState::NonInviteClient(m.state()),
            Machine::InviteServer(m) => TransactionState::InviteServer(m.state()),
            Machine::NonInviteServer(m) => TransactionState::NonInviteServer(m.state()),
        }
    }

    pub(crate) fn is_terminated(&self) -> bool {
        use super::{InviteClientState as Ic, InviteServerState as Is};
        use super::{NonInviteClientState as Nc, NonInviteServerState as Ns};
        matches!(
            self.state(),
            TransactionState::InviteClient(Ic::Terminated)
                | TransactionState::NonInviteClient(Nc::Terminated)
                | TransactionState::InviteServer(Is::Terminated)
                | TransactionState::NonInviteServer(Ns::Terminated)
        )
    }
}
