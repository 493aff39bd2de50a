//! tolk-relay: the SRTP media relay.
//!
//! Every bridged call's media passes through here: SRTP from one leg is
//! authenticated and decrypted, rewritten, re-encrypted for the other leg,
//! and nothing unauthenticated is ever forwarded.
//!
//! The SRTP layer is a trait, [`srtp::SrtpContext`], that transforms packets
//! in place in the relay's receive buffer:
//!
//! ```
//! use tolk_relay::srtp::{new_context, SrtpKey, SrtpProfile};
//!
//! # fn main() -> tolk_relay::Result<()> {
//! let key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[7; 16], &[9; 14])?;
//! let (mut sender, mut receiver) = (new_context(&key)?, new_context(&key)?);
//!
//! let rtp = [0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 42, 0xde, 0xad];
//! let mut buf = [0u8; 1500];
//! buf[..rtp.len()].copy_from_slice(&rtp);
//! let srtp_len = sender.protect_rtp(&mut buf, rtp.len())?;
//! assert_eq!(srtp_len, rtp.len() + 10);
//! let rtp_len = receiver.unprotect_rtp(&mut buf, srtp_len)?;
//! assert_eq!(buf[..rtp_len], rtp);
//! // The same packet again is a replay.
//! assert!(receiver.unprotect_rtp(&mut buf, rtp_len).is_err());
//! # Ok(()) }
//! ```

mod drop;
mod endpoint;
mod error;
mod io;
pub mod latch;
pub mod pipeline;
mod ports;
pub mod rewrite;
mod session;
pub mod srtp;

pub use drop::{DropCounts, DropReason};
pub use endpoint::{Endpoint, EndpointStats, LegKeys, LegUpdate};
pub use error::{Error, Result};
pub use io::{BareForwarder, EndpointSpec, LocalEndpoint, Relay, RelayConfig, SessionInfo};
pub use ports::PortAllocator;
pub use session::{Event, Session, SessionId, SessionPolicy, SessionStats, Side, Verdict};
