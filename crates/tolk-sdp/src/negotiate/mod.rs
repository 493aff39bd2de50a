//! RFC 3264 offer/answer against local capabilities.
//!
//! - [`answer`]: answer a peer's offer; per m-line accept or reject.
//! - [`offer`] and [`process_answer`]: the offerer's side.
//! - [`profiles`]: built-in capability sets (`webrtc`, `sip-video`,
//!   `sip-audio`).
//!
//! Both sides produce a [`Negotiation`], which [`crate::plan`] turns into a
//! media plan when two legs are bridged.

mod answer;
mod capabilities;
mod codecs;
mod error;
mod extensions;
mod offer;
pub mod profiles;
mod result;
mod transport;

pub use answer::{Answer, answer, rejected_line};
pub use capabilities::{Capabilities, CodecCapability, LocalMedia, SecurityPolicy, SrtpPolicy};
pub use error::{NegotiationError, Reason, Rejection, WarningCode};
pub use offer::{offer, process_answer};
pub use result::{
    AcceptedMedia, Keying, MediaState, NegotiatedCodec, NegotiatedMedia, Negotiation,
    RtxPayloadTypes,
};
