//! The protocol-neutral call model and the translation tables between
//! SIP, H.323 and WebRTC.
//!
//! A call is two or more legs joined by a bridge; each leg speaks one
//! protocol with one peer and reports protocol-neutral events. This crate
//! holds the vocabulary those events use and the tables that translate
//! protocol values into it, kept as data and tested as data:
//!
//! - [`LegEvent`] / [`LegCommand`]: what a leg reports and is told,
//!   whatever protocol it speaks,
//! - [`Cause`]: Q.850 causes, with SIP status mapping per RFC 3398
//!   ([`status_for_cause`], [`rejection_status`], [`cause_for_status`]),
//! - [`Digit`] / [`DtmfEvent`]: DTMF between RFC 4733 codes, SIP INFO
//!   bodies and H.245 user input,
//! - [`KeyframeRequest`]: RFC 5168 INFO bodies <-> RTCP PLI/FIR <-> H.245
//!   videoFastUpdatePicture, with the [`StreamId`] an INFO names a video
//!   stream by (its RFC 4574 `a=label`).
//!
//! ```
//! use tolk_interwork::{cause_for_status, status_for_cause, Cause, DtmfEvent};
//!
//! // A SIP callee was busy: the H.323 caller hears cause 17, and back.
//! assert_eq!(cause_for_status(486, None), Some(Cause::USER_BUSY));
//! assert_eq!(status_for_cause(Cause::USER_BUSY), Some(486));
//!
//! // A SIP INFO key press becomes an RFC 4733 event code.
//! let info = DtmfEvent::from_info_body("application/dtmf-relay", b"Signal=#\r\nDuration=160\r\n")?;
//! assert_eq!(info.digit.event_code(), 11);
//! # Ok::<(), tolk_interwork::Error>(())
//! ```

mod call;
mod cause;
mod dtmf;
mod keyframe;
mod sip_cause;

pub use call::{LegCommand, LegEvent, LegId, MediaWarning, Party, Protocol};
pub use cause::{Cause, CauseClass};
pub use dtmf::{DEFAULT_DURATION, DTMF_CONTENT_TYPE, DTMF_RELAY_CONTENT_TYPE, Digit, DtmfEvent};
pub use keyframe::{
    KeyframeRequest, MAX_STREAM_ID_LEN, MEDIA_CONTROL_CONTENT_TYPE, PICTURE_FAST_UPDATE_BODY,
    StreamId,
};
pub use sip_cause::{
    CAUSE_TO_STATUS, STATUS_TO_CAUSE, cause_for_status, rejection_status, status_for_cause,
};

/// Errors translating protocol values into the call model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A SIP INFO DTMF body that carries no usable key press. The INFO
    /// is answered 400 (RFC 6086 section 4.2.1 leaves the body to the
    /// package; a body we cannot read is a bad request).
    #[error("DTMF INFO body: {0}")]
    DtmfBody(&'static str),
}
