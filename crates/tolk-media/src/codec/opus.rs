//! Opus (RFC 6716, RTP format RFC 7587) through libopus. Tolk runs it mono
//! (SDP always says `opus/48000/2`; a mono decoder mixes stereo down), at
//! 48 kHz unless the pipeline asks for 8, 12, 16 or 24 kHz PCM, which
//! libopus produces and takes natively. The RTP clock stays 48 kHz.

use super::format::CodecFormat;
use super::traits::{AudioDecoder, AudioEncoder};
use crate::Error;

const RATE: u32 = 48000;
/// PCM rates libopus works at.
const RATES: [u32; 5] = [8000, 12000, 16000, 24000, 48000];
/// The longest packet Opus allows: 120 ms at 48 kHz.
const MAX_FRAME: usize = 5760;
/// Payload room for one frame; libopus needs far less at voice bitrates.
const MAX_PAYLOAD: usize = 1500;
/// Default target bitrate for voice.
pub const DEFAULT_BITRATE: i32 = 32_000;
/// Default encoder complexity (0-10). libopus defaults to 9; 0 keeps a
/// transcoded Opus <-> PCMU call near 0.3% of a core here at a small cost
/// in fidelity (BENCHMARKS.md: tone SNR through Opus -> G.711 -> Opus is
/// 26.2 dB at 0, 28.6 dB at 2, 29.8 dB at 9). Change it per encoder with
/// [`OpusEncoder::set_complexity`].
pub const COMPLEXITY: i32 = 0;

fn codec_error(e: opus::Error) -> Error {
    Error::Codec {
        codec: "opus".into(),
        reason: e.to_string(),
    }
}

/// A libopus decoder.
pub struct OpusDecoder {
    inner: opus::Decoder,
    rate: u32,
    scratch: Vec<i16>,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpusDecoder")
    }
}

impl OpusDecoder {
    /// A mono 48 kHz decoder.
    pub fn new() -> Result<Self, Error> {
        Ok(OpusDecoder {
            inner: opus::Decoder::new(RATE, opus::Channels::Mono).map_err(codec_error)?,
            rate: RATE,
            scratch: vec![0; MAX_FRAME],
        })
    }
}

impl AudioDecoder for OpusDecoder {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn prefer_sample_rate(&mut self, rate: u32) -> bool {
        if !RATES.contains(&rate) {
            return false;
        }
        match opus::Decoder::new(rate, opus::Channels::Mono) {
            Ok(inner) => {
                self.inner = inner;
                self.rate = rate;
                true
            }
            Err(_) => false,
        }
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
        if payload.is_empty() {
            return Err(Error::malformed("Opus payload", "at least one byte"));
        }
        let n = self
            .inner
            .decode(payload, &mut self.scratch, false)
            .map_err(codec_error)?;
        out.extend_from_slice(self.scratch.get(..n).unwrap_or_default());
        Ok(())
    }

    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        // libopus conceals in multiples of 2.5 ms; pad the rest with silence.
        let quantum = self.rate as usize / 400;
        let mut remaining = samples;
        while remaining >= quantum {
            let chunk = remaining.min(MAX_FRAME) / quantum * quantum;
            let Some(buf) = self.scratch.get_mut(..chunk) else {
                break;
            };
            match self.inner.decode(&[], buf, false) {
                Ok(n) if n > 0 => {
                    out.extend_from_slice(self.scratch.get(..n).unwrap_or_default());
                    remaining = remaining.saturating_sub(n);
                }
                _ => break,
            }
        }
        out.resize(out.len() + remaining, 0);
    }
}

/// A libopus encoder for voice.
pub struct OpusEncoder {
    inner: opus::Encoder,
    rate: u32,
    bitrate: i32,
    complexity: i32,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpusEncoder")
    }
}

impl OpusEncoder {
    /// A mono 48 kHz VoIP encoder; `maxaveragebitrate` in the format's
    /// fmtp (RFC 7587 section 6.1) caps the bitrate.
    pub fn new(format: &CodecFormat) -> Result<Self, Error> {
        let bitrate = format
            .fmtp_param("maxaveragebitrate")
            .and_then(|v| v.parse::<i32>().ok())
            .map_or(DEFAULT_BITRATE, |cap| cap.clamp(6000, 510_000));
        Ok(OpusEncoder {
            inner: Self::libopus(RATE, bitrate, COMPLEXITY)?,
            rate: RATE,
            bitrate,
            complexity: COMPLEXITY,
            scratch: vec![0; MAX_PAYLOAD],
        })
    }

    /// Sets the encoder complexity (0-10; higher is better and slower).
    pub fn set_complexity(&mut self, complexity: i32) -> Result<(), Error> {
        self.inner
            .set_complexity(complexity.clamp(0, 10))
            .map_err(codec_error)?;
        self.complexity = complexity.clamp(0, 10);
        Ok(())
    }

    fn libopus(rate: u32, bitrate: i32, complexity: i32) -> Result<opus::Encoder, Error> {
        let mut inner = opus::Encoder::new(rate, opus::Channels::Mono, opus::Application::Voip)
            .map_err(codec_error)?;
        inner
            .set_bitrate(opus::Bitrate::Bits(bitrate))
            .map_err(codec_error)?;
        inner.set_complexity(complexity).map_err(codec_error)?;
        Ok(inner)
    }
}

impl AudioEncoder for OpusEncoder {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn prefer_sample_rate(&mut self, rate: u32) -> bool {
        if !RATES.contains(&rate) {
            return false;
        }
        match Self::libopus(rate, self.bitrate, self.complexity) {
            Ok(inner) => {
                self.inner = inner;
                self.rate = rate;
                true
            }
            Err(_) => false,
        }
    }

    fn supports_frame(&self, samples: usize) -> bool {
        // 2.5, 5, 10, 20, 40 and 60 ms, counted in 2.5 ms quanta.
        let quantum = self.rate as usize / 400;
        samples % quantum == 0 && matches!(samples / quantum, 1 | 2 | 4 | 8 | 16 | 24)
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error> {
        let n = self
            .inner
            .encode(pcm, &mut self.scratch)
            .map_err(codec_error)?;
        out.extend_from_slice(self.scratch.get(..n).unwrap_or_default());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_decodes_and_conceals() {
        let mut enc = OpusEncoder::new(&CodecFormat::opus()).unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        assert!(!enc.supports_frame(800));
        enc.set_complexity(9).unwrap();
        let tone: Vec<i16> = (0..960)
            .map(|i| (8000.0 * (i as f64 * 2.0 * std::f64::consts::PI / 48.0).sin()) as i16)
            .collect();
        let mut payload = Vec::new();
        enc.encode(&tone, &mut payload).unwrap();
        let mut pcm = Vec::new();
        dec.decode(&payload, &mut pcm).unwrap();
        assert_eq!(pcm.len(), 960);
        dec.conceal(960, &mut pcm);
        assert_eq!(pcm.len(), 1920);
        dec.conceal(100, &mut pcm);
        assert_eq!(pcm.len(), 2020);
    }

    #[test]
    fn runs_at_8_khz_when_asked() {
        let mut enc = OpusEncoder::new(&CodecFormat::opus()).unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        assert!(enc.prefer_sample_rate(8000) && dec.prefer_sample_rate(8000));
        assert!(!enc.prefer_sample_rate(44100));
        assert!(enc.supports_frame(160) && !enc.supports_frame(960));
        let mut payload = Vec::new();
        enc.encode(&[0; 160], &mut payload).unwrap();
        let mut pcm = Vec::new();
        dec.decode(&payload, &mut pcm).unwrap();
        assert_eq!(pcm.len(), 160);
        dec.conceal(160, &mut pcm);
        assert_eq!(pcm.len(), 320);
    }

    #[test]
    fn garbage_is_an_error_not_a_crash() {
        let mut dec = OpusDecoder::new().unwrap();
        let mut pcm = Vec::new();
        assert!(dec.decode(&[], &mut pcm).is_err());
        for garbage in [
            &[0xffu8, 0xff, 0xff][..],
            &[0x03],
            &[0x0b, 0x00, 0x00, 0x00],
        ] {
            let _ = dec.decode(garbage, &mut pcm);
        }
        assert!(pcm.len() <= 3 * MAX_FRAME);
    }
}
