//! The per-leg transcoding pipeline and the resampler it uses.
//!
//! ```
//! use tolk_media::codec::{CodecFormat, CodecRegistry};
//! use tolk_media::rtp::{RtpBuilder, RtpPacket};
//! use tolk_media::transcode::{AudioPipeline, LegFormat, PipelineConfig};
//!
//! let registry = CodecRegistry::with_builtins();
//! let mut pipeline = AudioPipeline::new(&registry, PipelineConfig {
//!     input: LegFormat { codec: CodecFormat::pcmu(), payload_type: 0, telephone_event: Some(101) },
//!     output: LegFormat { codec: CodecFormat::opus(), payload_type: 111, telephone_event: Some(110) },
//!     packet_ms: 20,
//!     ssrc: 0x5eed,
//!     first_sequence: 1000,
//!     first_timestamp: 0,
//! })?;
//! let mut buf = [0u8; 200];
//! for i in 0..3u16 {
//!     let len = RtpBuilder { payload_type: 0, sequence_number: i, timestamp: 160 * u32::from(i),
//!                            payload: &[0xff; 160], ..Default::default() }.write_to(&mut buf)?;
//!     pipeline.push_rtp(&RtpPacket::parse(&buf[..len])?)?;
//! }
//! let first = pipeline.poll_packet().unwrap();
//! let first = RtpPacket::parse(&first)?;
//! assert_eq!((first.payload_type(), first.sequence_number(), first.marker()), (111, 1000, true));
//! # Ok::<(), tolk_media::Error>(())
//! ```

mod pipeline;
mod resample;

pub use pipeline::{AudioPipeline, LegFormat, MAX_CONCEAL_MS, PipelineConfig};
pub use resample::Resampler;

#[cfg(test)]
mod tests;
