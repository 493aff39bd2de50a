//! Tolk: interoperability libraries for real-time video.
//!
//! This facade re-exports the workspace crates under short names so that a
//! vendor can depend on one crate:
//!
//! - [`sdp`]: SDP model and RFC 3264 offer/answer ([`tolk_sdp`])
//! - [`sip`]: the sans-IO SIP stack ([`tolk_sip`])
//! - [`media`]: RTP/RTCP, telephone-events and transcoding hooks ([`tolk_media`])
//! - [`relay`]: the SRTP media relay ([`tolk_relay`])
//! - [`interwork`]: the protocol-neutral call model and translation tables ([`tolk_interwork`])
//! - [`gateway`]: the composition that the `tolk` binary runs ([`tolk_gateway`])
//!
//! See `ARCHITECTURE.md` in the repository for the crate layout and the
//! sans-IO conventions every protocol core follows.

pub use tolk_gateway as gateway;
pub use tolk_interwork as interwork;
pub use tolk_media as media;
pub use tolk_relay as relay;
pub use tolk_sdp as sdp;
pub use tolk_sip as sip;
