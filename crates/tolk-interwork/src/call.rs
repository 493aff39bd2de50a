//! The call model: what every leg reports and what it can be told to do,
//! whatever protocol it speaks.
//!
//! A leg adapter (SIP dialog, H.323 call, WebRTC session) turns protocol
//! messages into [`LegEvent`]s and carries out [`LegCommand`]s. The bridge
//! between two legs only ever sees these types, so a SIP caller can reach
//! an H.323 room system or a browser without either adapter knowing the
//! other exists.

use tolk_sdp::SessionDescription;

use crate::{Cause, DtmfEvent, KeyframeRequest};

/// Identifies one leg within a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegId(pub u64);

/// The protocol a leg speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// A SIP dialog.
    Sip,
    /// An H.323 call.
    H323,
    /// A WebRTC session.
    WebRtc,
}

/// A calling or called party, in protocol-neutral terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Party {
    /// Display name, if the protocol carried one.
    pub display_name: Option<String>,
    /// User part (number or name), possibly empty.
    pub user: String,
    /// Host or domain the party is addressed at.
    pub host: String,
}

/// A media refusal that a SIP peer hears as 488 with a Warning header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaWarning {
    /// Warning code (RFC 3261 section 20.43), e.g. 305.
    pub code: u16,
    /// Human-readable explanation.
    pub text: String,
}

/// Something that happened on a leg.
#[derive(Debug, Clone, PartialEq)]
pub enum LegEvent {
    /// A new call arrived. `offer` is `None` for an offer-less INVITE (the
    /// offer then goes in the answer and comes back with the ACK).
    Incoming {
        /// The calling party.
        from: Party,
        /// The called party (the request-URI's target).
        to: Party,
        /// The caller's media offer.
        offer: Option<SessionDescription>,
    },
    /// The called party is being alerted (180) or sends early media (183).
    Progress {
        /// The early-media answer, if any.
        early_media: Option<SessionDescription>,
    },
    /// The called party answered.
    Answered {
        /// The media answer (or offer, for an offer-less call).
        answer: SessionDescription,
    },
    /// The peer renegotiates media mid-call (re-INVITE, UPDATE, H.245):
    /// hold, resume, a codec change or a new address all arrive this way.
    Updated {
        /// The new offer.
        offer: SessionDescription,
    },
    /// The peer answered a renegotiation this side started.
    UpdateAnswered {
        /// The answer.
        answer: SessionDescription,
    },
    /// The peer refused a renegotiation this side started; the previous
    /// media stays in force.
    UpdateRejected {
        /// Why.
        cause: Cause,
    },
    /// The peer pressed a key.
    Dtmf(DtmfEvent),
    /// The peer asks for a new intra picture (which of its streams, when known).
    KeyframeRequested(KeyframeRequest),
    /// The leg ended (hang-up, rejection, failure, media timeout).
    Ended {
        /// Why, as a Q.850 cause.
        cause: Cause,
        /// A media refusal's Warning, when the peer gave one.
        warning: Option<MediaWarning>,
    },
}

/// Something a leg is told to do.
#[derive(Debug, Clone, PartialEq)]
pub enum LegCommand {
    /// Start an outgoing call (only on a leg that has not started).
    Dial {
        /// The calling party to present.
        from: Party,
        /// Who to call.
        to: Party,
        /// The media offer.
        offer: SessionDescription,
    },
    /// Tell the caller the callee is alerted, with early media if any.
    Progress {
        /// The early-media answer, if any.
        early_media: Option<SessionDescription>,
    },
    /// Answer the incoming call.
    Answer {
        /// The media answer.
        answer: SessionDescription,
    },
    /// Offer new media mid-call (SIP: a re-INVITE; H.323: new logical
    /// channels).
    Reoffer {
        /// The new offer.
        offer: SessionDescription,
    },
    /// Answer the peer's mid-call offer.
    AnswerUpdate {
        /// The answer.
        answer: SessionDescription,
    },
    /// Refuse the peer's mid-call offer; the previous media stays.
    RejectUpdate {
        /// Why.
        cause: Cause,
        /// The media refusal's Warning, if any.
        warning: Option<MediaWarning>,
    },
    /// Send a key press.
    Dtmf(DtmfEvent),
    /// Ask the peer for a new intra picture (on this stream, when known).
    RequestKeyframe(KeyframeRequest),
    /// End the leg: rejects an unanswered incoming call, cancels an
    /// unanswered outgoing one, hangs up an answered one.
    Hangup {
        /// Why.
        cause: Cause,
        /// The media refusal's Warning, if the reason is media.
        warning: Option<MediaWarning>,
    },
}
