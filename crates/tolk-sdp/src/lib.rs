//! SDP for the Tolk gateway: a typed model on top of `sdp-types`, RFC 3264
//! offer/answer against local capabilities, and media plans for bridging
//! two negotiated legs.
//!
//! # Usage
//!
//! ```
//! let offer = b"v=0\r\n\
//! o=- 1 1 IN IP4 192.0.2.10\r\n\
//! s=-\r\n\
//! c=IN IP4 192.0.2.10\r\n\
//! t=0 0\r\n\
//! m=audio 49170 RTP/AVP 0 8 101\r\n\
//! a=rtpmap:101 telephone-event/8000\r\n\
//! a=fmtp:101 0-15\r\n";
//!
//! let description = tolk_sdp::parse(offer)?;
//! assert_eq!(description.media.len(), 1);
//! assert_eq!(description.media[0].formats.len(), 3);
//! // Static payload types need no rtpmap.
//! let pcmu = description.media[0].formats[0].encoding();
//! assert!(pcmu.is_some_and(|encoding| encoding.is("PCMU")));
//! // Printing and parsing again gives the same model.
//! assert_eq!(tolk_sdp::parse(&description.to_bytes())?, description);
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

pub use body::SdpBody;
pub use error::{Error, ParseError};
pub use model::SessionDescription;
pub use negotiate::{
    Answer, Capabilities, LocalMedia, NegotiationError, answer, offer, process_answer,
};
pub use parse::parse;
