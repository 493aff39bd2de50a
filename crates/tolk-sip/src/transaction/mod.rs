//! RFC 3261 section 17: transactions.
//!
//! Four state machines ([`InviteClientState`], [`NonInviteClientState`],
//! [`InviteServerState`], [`NonInviteServerState`]) hold only states and
//! timers; the [`TransactionLayer`] keeps the messages, matches incoming
//! ones to transactions ([`TransactionKey`]) and turns each machine's
//! verdict into transmissions and events for the transaction user.

mod build;
mod client_invite;
mod client_non_invite;
mod event;
mod incoming;
mod key;
mod layer;
mod machine;
mod server_invite;
mod server_non_invite;
mod stateless;
mod timer;
mod via;

pub use client_invite::InviteClientState;
pub use client_non_invite::NonInviteClientState;
pub use event::{LayerConfig, TransactionEvent, TransactionId};
pub use key::{MAGIC_COOKIE, RequestParts, TransactionKey};
pub use layer::TransactionLayer;
pub use machine::TransactionState;
pub use server_invite::InviteServerState;
pub use server_non_invite::NonInviteServerState;
pub use timer::{Timer, TimerConfig};

pub(crate) use client_invite::InviteClient;
pub(crate) use client_non_invite::NonInviteClient;
pub(crate) use server_invite::InviteServer;
pub(crate) use server_non_invite::NonInviteServer;

/// What a state machine asks for when one of its timers fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Send the request (client) or the last response (server) again.
    Retransmit,
    /// Timer B, F or H: tell the TU, then drop the transaction.
    TimedOut,
    /// The transaction ended normally; drop it.
    Terminated,
    /// Timer M: an INVITE client transaction that got a 2xx, or timed
    /// out, ends; tell the TU (it may hold the transaction to ACK 2xx
    /// retransmissions), then drop it.
    Closed,
    /// A timer of a state already left fired; nothing to do.
    Nothing,
}

/// What a client transaction asks for when a response matches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseAction {
    /// Pass the response to the TU.
    Deliver,
    /// Pass the 300-699 response to the TU and send an ACK for it
    /// (RFC 3261 17.1.1.3).
    DeliverAndAck,
    /// A retransmitted 300-699: send the same ACK again.
    ResendAck,
    /// A retransmission: drop it.
    Absorb,
}

/// What a server transaction asks for when its request comes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestAction {
    /// Send the most recent response again (if any was sent).
    ResendResponse,
    /// Pass the request (an ACK in Accepted) to the TU.
    Deliver,
    /// Drop it.
    Absorb,
}

#[cfg(test)]
mod tests;
