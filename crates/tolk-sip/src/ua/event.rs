//! What the user agent tells its user: [`UaEvent`], and why a dialog
//! ended ([`EndReason`]).

use bytes::Bytes;

use crate::dialog::DialogId;
use crate::message::{Request, Response};
use crate::transaction::TransactionId;
use crate::transport::Target;

/// Why a dialog ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// The peer sent BYE.
    RemoteBye,
    /// We sent BYE: reported as it leaves, its answer not awaited (RFC
    /// 3261 section 15.1.1).
    LocalBye,
    /// The INVITE was rejected with this status (by us or the peer).
    Rejected(u16),
    /// The peer cancelled its INVITE (we answered 487).
    Cancelled,
    /// No ACK came for our 2xx within 64*T1 (we sent BYE).
    NoAck,
    /// Our INVITE got no final response (Timer B, or 64*T1 after our
    /// unanswered CANCEL) or the transport failed. A 2xx arriving later
    /// is ACKed and ended with BYE by the core.
    Timeout,
    /// No PRACK came for our reliable provisional response within 64*T1
    /// (we rejected the INVITE with 500, RFC 3262 section 3).
    NoPrack,
    /// The session timer ran out without a refresh (RFC 4028 section
    /// 10; we sent BYE).
    SessionExpired,
}

/// What the user agent tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UaEvent {
    /// A new INVITE: answer with [`UserAgent::answer`](super::UserAgent::answer).
    IncomingCall {
        /// The new dialog.
        dialog: DialogId,
        /// The INVITE.
        request: Request,
        /// Its body (the SDP offer; empty for a late offer).
        sdp: Bytes,
        /// Where it came from: the transport source, not the Via's
        /// (spoofable) sent-by.
        source: Target,
    },
    /// A provisional response to our INVITE (180, 183 ...). A reliable
    /// one (RFC 3262) has been PRACKed by the core, except when its SDP
    /// offers a session to our late-offer INVITE: then send the answer
    /// with [`UserAgent::prack`](super::UserAgent::prack).
    Progress {
        /// The dialog.
        dialog: DialogId,
        /// The response (its body may carry early media SDP).
        response: Response,
    },
    /// A PRACK acknowledged our reliable provisional response (RFC
    /// 3262); the core answered it with 200. When that response offered
    /// SDP, the PRACK's body is the answer. (A PRACK bringing a new offer
    /// comes as [`UaEvent::Request`] instead, for the user to answer.)
    Prack {
        /// The dialog.
        dialog: DialogId,
        /// The PRACK.
        request: Request,
    },
    /// A 2xx to a re-INVITE or UPDATE (ours or the peer's) refreshed the
    /// running session timer (RFC 4028). The timer the call started with
    /// is in the 2xx to its INVITE (Session-Expires). A refresh the core
    /// sent as re-INVITE also ends in [`UaEvent::ReinviteResult`].
    SessionRefreshed {
        /// The dialog.
        dialog: DialogId,
        /// The session interval.
        interval: std::time::Duration,
        /// True when we send the next refresh (at half the interval);
        /// false when the peer does and we end the session without it.
        we_refresh: bool,
    },
    /// A 2xx to our INVITE; the ACK has gone out, unless our INVITE was
    /// a late offer: then answer the 2xx's offer with
    /// [`UserAgent::ack`](super::UserAgent::ack).
    Answered {
        /// The dialog.
        dialog: DialogId,
        /// The 2xx (its body is the SDP answer).
        response: Response,
    },
    /// The ACK for our 2xx arrived: the call is up.
    Confirmed {
        /// The dialog.
        dialog: DialogId,
        /// The ACK (a body is the answer to a late offer).
        ack: Request,
    },
    /// A re-INVITE in a dialog: answer with [`UserAgent::answer`](super::UserAgent::answer).
    Reinvite {
        /// The dialog.
        dialog: DialogId,
        /// The re-INVITE.
        request: Request,
        /// Its body (new offer; empty asks us for an offer).
        sdp: Bytes,
    },
    /// The final response to our re-INVITE (a 2xx was acknowledged; 491
    /// means glare: try again later).
    ReinviteResult {
        /// The dialog.
        dialog: DialogId,
        /// The response.
        response: Response,
    },
    /// Any other request (UPDATE, INFO, MESSAGE, OPTIONS in a dialog,
    /// REGISTER, MESSAGE outside one): answer with [`UserAgent::respond`](super::UserAgent::respond).
    Request {
        /// The dialog it belongs to, if any.
        dialog: Option<DialogId>,
        /// The server transaction.
        id: TransactionId,
        /// The request.
        request: Request,
    },
    /// A response to a request sent with [`UserAgent::request`](super::UserAgent::request) or
    /// [`UserAgent::send_request`](super::UserAgent::send_request).
    Response {
        /// The dialog, if any.
        dialog: Option<DialogId>,
        /// The client transaction.
        id: TransactionId,
        /// The response.
        response: Response,
    },
    /// A request sent with [`UserAgent::request`](super::UserAgent::request) or
    /// [`UserAgent::send_request`](super::UserAgent::send_request) got no final response.
    TimedOut {
        /// The dialog, if any.
        dialog: Option<DialogId>,
        /// The client transaction.
        id: TransactionId,
    },
    /// The dialog is gone; its id is no longer valid.
    Terminated {
        /// The dialog.
        dialog: DialogId,
        /// Why.
        reason: EndReason,
    },
}
