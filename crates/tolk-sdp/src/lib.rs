//! SDP for the Tolk gateway: a typed model with its own one-pass parser
//! and writer, RFC 3264 offer/answer against local capabilities, and media
//! plans for bridging two negotiated legs.
//!
//! # Why not `sdp-types` underneath
//!
//! The crate began on `sdp-types` for parsing and printing. Measured on a
//! browser's audio+video offer, that parse alone allocated 270 times and
//! spent most of its time in malloc/free and per-field UTF-8 checks,
//! before the typed model was built on top of it (see BENCHMARKS.md). The
//! parser here reads the lines borrowed from the input, checks UTF-8 once
//! and builds the typed model in the same pass, with the grammar and the
//! leniency of `sdp-types` (which stays, as a test-only oracle that our
//! parser and writer must agree with on every corpus offer and on
//! generated and mutated inputs).
//!
//! The model's strings are [`model::Text`]: the parser copies the input
//! once and every value is a shared slice of that copy, so parsing a
//! browser's offer allocates for its lists, not for each of its hundreds
//! of fields, and cloning values into an answer costs no allocation.
//! `Text` reads as a `&str` and is built from `&str` or `String` with
//! `into()`.
//!
//! # Usage
//!
//! Each leg of a call is one offer/answer exchange. The engine is sans-IO:
//! it reads and writes descriptions, and everything random or allocated
//! per call (address, ports, ICE credentials, DTLS fingerprint, SDES key
//! material) comes from the caller through [`LocalMedia`].
//!
//! 1. [`parse`] (or [`SdpBody::find`] for a whole SIP message) reads the
//!    peer's offer into a [`SessionDescription`]; errors carry line, byte
//!    offset and what was expected.
//! 2. [`answer`] answers it under [`Capabilities`] (e.g. a built-in
//!    [`negotiate::profiles`] entry): an [`Answer`] with the description
//!    to send and the [`negotiate::Negotiation`] per m-line, or a
//!    [`NegotiationError`] for SIP `488` with its Warning code.
//! 3. On the other leg, [`offer`] builds our offer and
//!    [`process_answer`] reads the peer's answer into a `Negotiation`.
//! 4. [`plan::plan`] turns the two negotiations into a
//!    [`plan::MediaPlan`]: per codec, passthrough with payload-type
//!    rewrites, transcode, or unsupported.
//!
//! ```
//! use tolk_sdp::model::{Fingerprint, MediaKind};
//! use tolk_sdp::negotiate::profiles;
//!
//! /// Per-call inputs; a real gateway allocates relay ports and draws
//! /// randomness here.
//! struct Local;
//! impl tolk_sdp::LocalMedia for Local {
//!     fn address(&self) -> std::net::IpAddr { [192, 0, 2, 1].into() }
//!     fn port(&mut self, index: usize, _: &MediaKind) -> u16 { 40000 + 2 * index as u16 }
//!     fn session_id(&mut self) -> u64 { 1 }
//!     fn ice_credentials(&mut self) -> (String, String) {
//!         ("ufrag123".into(), "password-password-pass".into())
//!     }
//!     fn fingerprint(&self) -> Option<Fingerprint> { None }
//!     fn srtp_key_material(&mut self, len: usize) -> Vec<u8> { vec![0x5a; len] }
//! }
//!
//! let offer = tolk_sdp::parse(b"v=0\r\n\
//! o=- 1 1 IN IP4 192.0.2.10\r\n\
//! s=-\r\n\
//! c=IN IP4 192.0.2.10\r\n\
//! t=0 0\r\n\
//! m=audio 49170 RTP/AVP 96 0 8 101\r\n\
//! a=rtpmap:96 opus/48000/2\r\n\
//! a=rtpmap:101 telephone-event/8000\r\n\
//! a=fmtp:101 0-15\r\n\
//! m=video 51372 RTP/AVP 31\r\n")?;
//!
//! let answer = tolk_sdp::answer(&offer, &profiles::sip_audio(), &mut Local)?;
//! let audio = &answer.description.media[0];
//! // The shared codecs under the offerer's payload types, in its order.
//! let pts: Vec<u8> = audio.formats.iter().map(|f| f.pt.0).collect();
//! assert_eq!(pts, [0, 8, 101]);
//! // The video line is rejected in place: port 0, m-line order kept.
//! assert_eq!(answer.description.media[1].port, 0);
//! println!("{}", answer.description);
//!
//! // Bridging this leg to itself: everything passes through unchanged.
//! let plan = tolk_sdp::plan::plan(&answer.negotiation, &answer.negotiation, |_, _| false);
//! assert!(matches!(plan.lines[0].codecs[0], tolk_sdp::plan::CodecPlan::Passthrough { .. }));
//! # Ok::<(), tolk_sdp::Error>(())
//! ```

mod body;
pub mod codec;
mod error;
pub mod model;
pub mod negotiate;
mod parse;
pub mod plan;
mod print;
#[cfg(test)]
mod print_oracle;
mod scan;

pub use body::SdpBody;
pub use error::{Error, ParseError};
pub use model::SessionDescription;
pub use negotiate::{
    Answer, Capabilities, LocalMedia, NegotiationError, answer, offer, process_answer,
};
pub use parse::parse;
