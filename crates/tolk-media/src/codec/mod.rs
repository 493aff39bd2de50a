//! Transcoding hooks: decoder/encoder traits, a video transcoder trait, a
//! registry mapping negotiated formats to implementations, and the codecs
//! Tolk ships (G.711 mu-law and A-law, G.722, L16, Opus through libopus).
//!
//! ```
//! use tolk_media::codec::{CodecFormat, CodecRegistry};
//!
//! let registry = CodecRegistry::with_builtins();
//! let mut decoder = registry.audio_decoder(&CodecFormat::pcmu())?;
//! let mut encoder = registry.audio_encoder(&CodecFormat::pcma())?;
//! let mut pcm = Vec::new();
//! decoder.decode(&[0xff; 160], &mut pcm)?;
//! let mut payload = Vec::new();
//! encoder.encode(&pcm, &mut payload)?;
//! assert_eq!(payload, [0xd5; 160]); // mu-law zero is A-law's smallest positive level
//! # Ok::<(), tolk_media::Error>(())
//! ```

mod builtin;
mod format;
pub mod g711;
mod g722;
mod l16;
mod opus;
pub mod quality;
mod registry;
mod traits;

pub use format::CodecFormat;
pub use g711::{G711, Law};
pub use g722::{G722Decoder, G722Encoder};
pub use l16::L16;
pub use opus::{
    COMPLEXITY as OPUS_COMPLEXITY, DEFAULT_BITRATE as OPUS_DEFAULT_BITRATE, OpusDecoder,
    OpusEncoder,
};
pub use registry::{AudioCodecFactory, CodecRegistry, VideoCodecFactory};
pub use traits::{AudioDecoder, AudioEncoder, VideoFrame, VideoTranscoder};
