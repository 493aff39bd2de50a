//! RTP data packets (RFC 3550 section 5): a zero-copy view, in-place
//! header rewriting and a builder, plus RFC 8285 header extensions.
//!
//! ```
//! use tolk_media::rtp::{RtpBuilder, RtpHeaderMut, RtpPacket};
//!
//! let mut buf = [0u8; 1500];
//! let len = RtpBuilder { payload_type: 0, sequence_number: 7, payload: &[0xff; 160], ..Default::default() }
//!     .write_to(&mut buf)?;
//! let packet = &mut buf[..len];
//!
//! // The relay's hot path: rewrite the header in place.
//! let mut header = RtpHeaderMut::new(packet)?;
//! header.set_payload_type(8);
//! header.set_ssrc(0x1234_5678);
//!
//! let view = RtpPacket::parse(packet)?;
//! assert_eq!((view.payload_type(), view.ssrc(), view.payload().len()), (8, 0x1234_5678, 160));
//! # Ok::<(), tolk_media::Error>(())
//! ```

mod builder;
mod extension;
mod packet;
mod rewrite;

pub use builder::RtpBuilder;
pub use extension::{
    Elements, ExtensionElement, ExtensionForm, HeaderExtension, ONE_BYTE_PROFILE, TWO_BYTE_PROFILE,
    form_for,
};
pub use packet::{FIXED_HEADER_LEN, RtpPacket};
pub use rewrite::RtpHeaderMut;
