//! What the transaction layer tells its user, and how it is set up.

use super::TimerConfig;
use crate::message::{Limits, Request, Response};
use crate::transport::Target;

/// Identifies a transaction for the transaction user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(pub(crate) u64);

/// What the transaction layer tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionEvent {
    /// A new request created server transaction `id` (for an INVITE a
    /// 100 Trying has gone out). Answer with
    /// [`TransactionLayer::send_response`](super::TransactionLayer::send_response).
    Request {
        /// The server transaction.
        id: TransactionId,
        /// The request, its top Via stamped with received/rport.
        request: Request,
        /// Where it came from.
        source: Target,
    },
    /// An ACK that belongs to no INVITE server transaction, or that
    /// matched one in the Accepted state: the ACK for a 2xx, which goes
    /// to the dialog.
    Ack {
        /// The ACK.
        request: Request,
        /// Where it came from.
        source: Target,
    },
    /// A response for client transaction `id`.
    Response {
        /// The client transaction.
        id: TransactionId,
        /// The response.
        response: Response,
    },
    /// A CANCEL matched INVITE server transaction `id`; the layer has
    /// answered the CANCEL with 200. The user should answer the INVITE
    /// with 487 unless it already sent a final response.
    Cancelled {
        /// The INVITE server transaction.
        id: TransactionId,
    },
    /// Timer B or F (client: no final response, treat as 408) or H
    /// (server: no ACK for a non-2xx final response) fired. An INVITE
    /// client transaction lingers after Timer B: a late 2xx still comes
    /// as a [`TransactionEvent::Response`] of it, until
    /// [`TransactionEvent::Closed`].
    TimedOut {
        /// The transaction.
        id: TransactionId,
    },
    /// Timer M ended INVITE client transaction `id`, which had a 2xx
    /// (RFC 6026 section 7.2) or timed out: no further 2xx arrives as a
    /// [`TransactionEvent::Response`] of it, so the user can forget it.
    Closed {
        /// The transaction.
        id: TransactionId,
    },
    /// The transport could not deliver the transaction's message.
    TransportError {
        /// The transaction.
        id: TransactionId,
    },
}

/// Settings of a [`TransactionLayer`](super::TransactionLayer).
#[derive(Debug, Clone)]
pub struct LayerConfig {
    /// T1, T2 and T4.
    pub timers: TimerConfig,
    /// Parser limits for received datagrams.
    pub limits: Limits,
    /// Seed of the generator for branches, tags and Call-IDs.
    pub seed: u64,
}

impl Default for LayerConfig {
    fn default() -> Self {
        LayerConfig {
            timers: TimerConfig::default(),
            limits: Limits::default(),
            seed: 0x746f_6c6b,
        }
    }
}
