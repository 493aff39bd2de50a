//! RTP/RTCP packets, RFC 4733 telephone-events, codec registry and
//! transcoding hooks for Tolk.
//!
//! Everything here is a pure function of bytes and state: no sockets, no
//! clocks. A relay's per-packet loop looks like this:
//!
//! ```
//! use tolk_media::demux::{classify, PacketKind};
//! use tolk_media::rtp::{RtpBuilder, RtpHeaderMut, RtpPacket};
//!
//! # let mut datagram = vec![0u8; 200];
//! # let len = RtpBuilder { payload_type: 111, payload: &[1; 100], ..Default::default() }
//! #     .write_to(&mut datagram)?;
//! # datagram.truncate(len);
//! match classify(&datagram) {
//!     PacketKind::Rtp => {
//!         let packet = RtpPacket::parse(&datagram)?;
//!         let outgoing_pt = if packet.payload_type() == 111 { 96 } else { packet.payload_type() };
//!         let mut header = RtpHeaderMut::new(&mut datagram)?;
//!         header.set_payload_type(outgoing_pt);
//!     }
//!     PacketKind::Rtcp => { /* tolk_media::rtcp::parse_compound(&datagram) */ }
//!     _ => { /* STUN, DTLS or junk: not media */ }
//! }
//! # Ok::<(), tolk_media::Error>(())
//! ```
//!
//! Modules, in the order a packet meets them:
//!
//! - [`demux`]: STUN/DTLS/RTP/RTCP on one port (RFC 7983, RFC 5761)
//! - [`rtp`]: packet view, in-place rewrite, builder, RFC 8285 extensions
//! - [`rtcp`]: compound packets, feedback, keyframe requests (RFC 3550, 4585, 5104, 5506)
//! - [`dtmf`]: RFC 4733 telephone-events
//! - [`stats`]: RFC 3550 appendix A reception statistics and SR/RR generation
//! - [`codec`]: the transcoding hooks, registry and built-in codecs
//! - [`transcode`]: the per-leg pipeline and resampler
//! - [`clock`]: timestamp mapping between legs' RTP clocks

pub mod clock;
pub mod codec;
pub mod demux;
pub mod dtmf;
mod error;
pub mod rtcp;
pub mod rtp;
pub mod stats;
pub mod transcode;
mod wire;

pub use error::Error;
