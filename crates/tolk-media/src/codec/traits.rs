//! The transcoding hooks: what a codec implementation provides.

use bytes::Bytes;

use crate::Error;

/// Turns RTP payloads into mono 16-bit PCM.
pub trait AudioDecoder: Send {
    /// Sample rate of the PCM this decoder produces.
    fn sample_rate(&self) -> u32;

    /// Asks the decoder to produce PCM at `rate` instead, before the first
    /// packet, so that a pipeline can skip resampling; returns whether it
    /// did. Decoders with one output rate keep the default.
    fn prefer_sample_rate(&mut self, rate: u32) -> bool {
        rate == self.sample_rate()
    }

    /// Decodes one RTP payload, appending its samples to `out`.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error>;

    /// Appends `samples` samples standing in for lost packets: the codec's
    /// concealment where it has one, silence otherwise.
    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        out.resize(out.len() + samples, 0);
    }
}

/// Turns mono 16-bit PCM frames into RTP payloads.
pub trait AudioEncoder: Send {
    /// Sample rate of the PCM this encoder takes.
    fn sample_rate(&self) -> u32;

    /// Asks the encoder to take PCM at `rate` instead, before the first
    /// frame; returns whether it did (see [`AudioDecoder::prefer_sample_rate`]).
    fn prefer_sample_rate(&mut self, rate: u32) -> bool {
        rate == self.sample_rate()
    }

    /// True when one payload can carry a frame of `samples` samples.
    fn supports_frame(&self, samples: usize) -> bool {
        samples > 0
    }

    /// Encodes one frame, appending the payload to `out`.
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error>;
}

/// One encoded video frame (access unit), already depacketized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFrame {
    /// The frame's bitstream.
    pub data: Bytes,
    /// RTP timestamp (90 kHz for the usual video formats).
    pub rtp_timestamp: u32,
    /// True for a decoder refresh point.
    pub keyframe: bool,
}

/// A video transcoder: encoded frames in, encoded frames out. Tolk ships
/// none; vendors plug in hardware or licensed codecs here.
pub trait VideoTranscoder: Send {
    /// Feeds one frame from the source leg.
    fn push_frame(&mut self, frame: VideoFrame) -> Result<(), Error>;

    /// The next frame for the target leg, if one is ready.
    fn poll_frame(&mut self) -> Option<VideoFrame>;

    /// The target leg asked for a keyframe (PLI/FIR): produce one soon.
    fn request_keyframe(&mut self);
}
