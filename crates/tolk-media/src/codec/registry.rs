//! The codec registry: maps a negotiated format to the implementation
//! that decodes, encodes or transcodes it. Vendors add their own; the
//! newest registration for a format wins, so a built-in can be replaced.

use std::sync::Arc;

use super::format::CodecFormat;
use super::traits::{AudioDecoder, AudioEncoder, VideoTranscoder};
use crate::Error;

/// Makes decoders and encoders for the formats it accepts.
pub trait AudioCodecFactory: Send + Sync {
    /// True when this factory implements `format` (fmtp included).
    fn accepts(&self, format: &CodecFormat) -> bool;

    /// A decoder for `format`.
    fn decoder(&self, format: &CodecFormat) -> Result<Box<dyn AudioDecoder>, Error>;

    /// An encoder for `format`.
    fn encoder(&self, format: &CodecFormat) -> Result<Box<dyn AudioEncoder>, Error>;
}

/// Makes video transcoders between two formats.
pub trait VideoCodecFactory: Send + Sync {
    /// True when this factory transcodes `from` into `to`.
    fn accepts(&self, from: &CodecFormat, to: &CodecFormat) -> bool;

    /// A transcoder from `from` into `to`.
    fn transcoder(
        &self,
        from: &CodecFormat,
        to: &CodecFormat,
    ) -> Result<Box<dyn VideoTranscoder>, Error>;
}

type DecoderFn = dyn Fn(&CodecFormat) -> Result<Box<dyn AudioDecoder>, Error> + Send + Sync;
type EncoderFn = dyn Fn(&CodecFormat) -> Result<Box<dyn AudioEncoder>, Error> + Send + Sync;

/// A factory made of two closures, for formats matched by name, clock rate
/// and channels: what [`CodecRegistry::register_audio_fn`] builds.
struct FnFactory {
    format: CodecFormat,
    decoder: Box<DecoderFn>,
    encoder: Box<EncoderFn>,
}

impl AudioCodecFactory for FnFactory {
    fn accepts(&self, format: &CodecFormat) -> bool {
        self.format.same_codec(format)
    }

    fn decoder(&self, format: &CodecFormat) -> Result<Box<dyn AudioDecoder>, Error> {
        (self.decoder)(format)
    }

    fn encoder(&self, format: &CodecFormat) -> Result<Box<dyn AudioEncoder>, Error> {
        (self.encoder)(format)
    }
}

/// Every codec implementation a gateway knows.
#[derive(Clone, Default)]
pub struct CodecRegistry {
    audio: Vec<Arc<dyn AudioCodecFactory>>,
    video: Vec<Arc<dyn VideoCodecFactory>>,
}

impl std::fmt::Debug for CodecRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodecRegistry")
            .field("audio_factories", &self.audio.len())
            .field("video_factories", &self.video.len())
            .finish()
    }
}

impl CodecRegistry {
    /// A registry with nothing in it.
    pub fn empty() -> Self {
        CodecRegistry::default()
    }

    /// A registry with the built-in codecs: PCMU, PCMA, G.722, L16 (8, 16
    /// and 48 kHz) and Opus.
    pub fn with_builtins() -> Self {
        let mut r = CodecRegistry::empty();
        super::builtin::register(&mut r);
        r
    }

    /// Adds an audio factory; it takes precedence over earlier ones.
    pub fn register_audio(&mut self, factory: Arc<dyn AudioCodecFactory>) {
        self.audio.push(factory);
    }

    /// Adds an audio codec from two constructors, for `format` matched by
    /// name, clock rate and channels.
    pub fn register_audio_fn(
        &mut self,
        format: CodecFormat,
        decoder: impl Fn(&CodecFormat) -> Result<Box<dyn AudioDecoder>, Error> + Send + Sync + 'static,
        encoder: impl Fn(&CodecFormat) -> Result<Box<dyn AudioEncoder>, Error> + Send + Sync + 'static,
    ) {
        self.register_audio(Arc::new(FnFactory {
            format,
            decoder: Box::new(decoder),
            encoder: Box::new(encoder),
        }));
    }

    /// Adds a video factory; it takes precedence over earlier ones.
    pub fn register_video(&mut self, factory: Arc<dyn VideoCodecFactory>) {
        self.video.push(factory);
    }

    fn audio_factory(&self, format: &CodecFormat) -> Result<&Arc<dyn AudioCodecFactory>, Error> {
        self.audio
            .iter()
            .rev()
            .find(|f| f.accepts(format))
            .ok_or_else(|| Error::UnknownCodec(format.to_string()))
    }

    /// True when some factory implements `format`.
    pub fn supports_audio(&self, format: &CodecFormat) -> bool {
        self.audio_factory(format).is_ok()
    }

    /// A decoder for `format`.
    pub fn audio_decoder(&self, format: &CodecFormat) -> Result<Box<dyn AudioDecoder>, Error> {
        self.audio_factory(format)?.decoder(format)
    }

    /// An encoder for `format`.
    pub fn audio_encoder(&self, format: &CodecFormat) -> Result<Box<dyn AudioEncoder>, Error> {
        self.audio_factory(format)?.encoder(format)
    }

    /// A video transcoder from `from` into `to`.
    pub fn video_transcoder(
        &self,
        from: &CodecFormat,
        to: &CodecFormat,
    ) -> Result<Box<dyn VideoTranscoder>, Error> {
        self.video
            .iter()
            .rev()
            .find(|f| f.accepts(from, to))
            .ok_or_else(|| Error::UnknownCodec(format!("{from} -> {to}")))?
            .transcoder(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::VideoFrame;

    struct Silence;
    impl AudioDecoder for Silence {
        fn sample_rate(&self) -> u32 {
            8000
        }
        fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
            out.resize(out.len() + payload.len(), 0);
            Ok(())
        }
    }

    #[test]
    fn later_registrations_win_and_unknown_formats_are_errors() {
        let mut r = CodecRegistry::with_builtins();
        let mut pcm = Vec::new();
        r.audio_decoder(&CodecFormat::pcmu())
            .unwrap()
            .decode(&[0x00], &mut pcm)
            .unwrap();
        assert_eq!(pcm, [-32124]);
        r.register_audio_fn(
            CodecFormat::pcmu(),
            |_| Ok(Box::new(Silence)),
            |f| Err(Error::UnknownCodec(f.to_string())),
        );
        pcm.clear();
        r.audio_decoder(&CodecFormat::pcmu())
            .unwrap()
            .decode(&[0x00], &mut pcm)
            .unwrap();
        assert_eq!(pcm, [0]);
        assert!(r.audio_encoder(&CodecFormat::pcmu()).is_err());
        let vendor = CodecFormat::new("X-VENDOR", 8000, 1);
        assert!(matches!(
            r.audio_decoder(&vendor),
            Err(Error::UnknownCodec(_))
        ));
    }

    struct Passthrough(Vec<VideoFrame>, bool);
    impl VideoTranscoder for Passthrough {
        fn push_frame(&mut self, mut frame: VideoFrame) -> Result<(), Error> {
            frame.keyframe |= std::mem::take(&mut self.1);
            self.0.push(frame);
            Ok(())
        }
        fn poll_frame(&mut self) -> Option<VideoFrame> {
            self.0.pop()
        }
        fn request_keyframe(&mut self) {
            self.1 = true;
        }
    }

    struct PassthroughFactory;
    impl VideoCodecFactory for PassthroughFactory {
        fn accepts(&self, from: &CodecFormat, to: &CodecFormat) -> bool {
            from.same_codec(to)
        }
        fn transcoder(
            &self,
            _: &CodecFormat,
            _: &CodecFormat,
        ) -> Result<Box<dyn VideoTranscoder>, Error> {
            Ok(Box::new(Passthrough(Vec::new(), false)))
        }
    }

    #[test]
    fn video_transcoders_are_found_by_format_pair() {
        let mut r = CodecRegistry::empty();
        let h264 = CodecFormat::new("H264", 90000, 1);
        let vp8 = CodecFormat::new("VP8", 90000, 1);
        assert!(r.video_transcoder(&h264, &h264).is_err());
        r.register_video(Arc::new(PassthroughFactory));
        assert!(r.video_transcoder(&h264, &vp8).is_err());
        let mut t = r.video_transcoder(&h264, &h264).unwrap();
        t.request_keyframe();
        let frame = VideoFrame {
            data: bytes::Bytes::from_static(b"x"),
            rtp_timestamp: 9,
            keyframe: false,
        };
        t.push_frame(frame).unwrap();
        assert!(t.poll_frame().unwrap().keyframe);
    }
}
