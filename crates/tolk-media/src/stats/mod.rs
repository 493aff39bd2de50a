//! Per-stream bookkeeping (RFC 3550 appendix A): extended sequence
//! numbers, loss, jitter, and SR/RR generation for a leg whose RTCP Tolk
//! terminates. Time comes in as `Instant`s; nothing here reads a clock.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use tolk_media::stats::{ReceiveStats, SendStats, compound_report};
//!
//! let t0 = Instant::now(); // the caller's clock
//! let mut rx = ReceiveStats::new(0xbeef, 8000, 0);
//! for seq in [0u16, 1, 3] {
//!     rx.on_rtp(t0 + Duration::from_millis(20 * seq as u64), seq, 160 * seq as u32);
//! }
//! let block = rx.report_block(t0 + Duration::from_secs(5));
//! assert_eq!(block.cumulative_lost, 1);
//! let report = compound_report(&SendStats::new(1), false, 0, 0, vec![block], b"tolk");
//! assert_eq!(report.len(), 2); // RR + SDES
//! ```

mod receiver;
mod sender;
mod sequence;

pub use receiver::ReceiveStats;
pub use sender::{SendStats, compound_report, ntp_time};
pub use sequence::{MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL, SequenceTracker, SequenceVerdict};
