//! G.722 (ITU-T, 64 kbit/s mode): 16 kHz audio split by a quadrature
//! mirror filter into two 8 kHz sub-bands, each coded with ADPCM (6 bits
//! for the lower band, 2 for the higher). One octet per pair of samples;
//! RTP counts it at 8000 Hz (RFC 3551 section 4.5.2).

mod adpcm;
mod tables;

use adpcm::{Band, BandState, saturate};
use tables::{IHN, IHP, ILN, ILP, Q6, QM2, QM4, QM6, QMF, RH2, RL42, WH, WL};

use super::traits::{AudioDecoder, AudioEncoder};
use crate::Error;

/// The 24-sample QMF delay line shared by encoder and decoder.
#[derive(Debug, Clone, Default)]
struct Qmf {
    x: [i32; 24],
}

impl Qmf {
    /// Pushes two samples and returns the two filter sums (h at even taps
    /// against odd history, h at odd taps against even history).
    fn push(&mut self, first: i32, second: i32) -> (i32, i32) {
        self.x.copy_within(2.., 0);
        self.x[22] = first;
        self.x[23] = second;
        let mut even_taps = 0;
        let mut odd_taps = 0;
        for (i, h) in QMF.iter().enumerate() {
            even_taps += self.x[2 * i] * h;
            odd_taps += self.x[2 * i + 1] * QMF[11 - i];
        }
        (even_taps, odd_taps)
    }
}

/// A G.722 encoder (mode 1, 64 kbit/s).
#[derive(Debug, Clone)]
pub struct G722Encoder {
    qmf: Qmf,
    low: BandState,
    high: BandState,
}

impl Default for G722Encoder {
    fn default() -> Self {
        G722Encoder::new()
    }
}

impl G722Encoder {
    /// An encoder in its reset state.
    pub fn new() -> Self {
        G722Encoder {
            qmf: Qmf::default(),
            low: BandState::new(Band::Lower),
            high: BandState::new(Band::Higher),
        }
    }

    fn encode_pair(&mut self, first: i16, second: i16) -> u8 {
        let (a, b) = self.qmf.push(i32::from(first), i32::from(second));
        let xlow = (b + a) >> 14;
        let xhigh = (b - a) >> 14;

        // Lower band: 6-bit quantiser (QUANTL), 4-bit feedback (INVQAL).
        let el = saturate(xlow - self.low.s);
        let magnitude = if el >= 0 { el } else { -(el + 1) };
        let interval = (1..30)
            .find(|&i| magnitude < (Q6[i] * self.low.det) >> 12)
            .unwrap_or(30);
        let ilow = if el < 0 { ILN[interval] } else { ILP[interval] };
        let ril = usize::from(ilow >> 2);
        let dlow = (self.low.det * QM4[ril]) >> 15;
        self.low.adapt_scale(WL[RL42[ril]]);
        self.low.update_predictor(dlow);

        // Higher band: 2-bit quantiser (QUANTH, INVQAH).
        let eh = saturate(xhigh - self.high.s);
        let magnitude = if eh >= 0 { eh } else { -(eh + 1) };
        let large = usize::from(magnitude >= (564 * self.high.det) >> 12) + 1;
        let ihigh = if eh < 0 { IHN[large] } else { IHP[large] };
        let dhigh = (self.high.det * QM2[usize::from(ihigh)]) >> 15;
        self.high.adapt_scale(WH[RH2[usize::from(ihigh)]]);
        self.high.update_predictor(dhigh);

        (ihigh << 6) | ilow
    }
}

impl AudioEncoder for G722Encoder {
    fn sample_rate(&self) -> u32 {
        16000
    }

    fn supports_frame(&self, samples: usize) -> bool {
        samples > 0 && samples % 2 == 0
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error> {
        if pcm.len() % 2 != 0 {
            return Err(Error::Codec {
                codec: "G722".into(),
                reason: "frames hold an even number of samples".into(),
            });
        }
        out.extend(pcm.chunks_exact(2).map(|p| self.encode_pair(p[0], p[1])));
        Ok(())
    }
}

/// A G.722 decoder (mode 1, 64 kbit/s).
#[derive(Debug, Clone)]
pub struct G722Decoder {
    qmf: Qmf,
    low: BandState,
    high: BandState,
}

impl Default for G722Decoder {
    fn default() -> Self {
        G722Decoder::new()
    }
}

impl G722Decoder {
    /// A decoder in its reset state.
    pub fn new() -> Self {
        G722Decoder {
            qmf: Qmf::default(),
            low: BandState::new(Band::Lower),
            high: BandState::new(Band::Higher),
        }
    }

    fn decode_octet(&mut self, code: u8) -> [i16; 2] {
        let ilow = usize::from(code & 0x3f);
        let ihigh = usize::from(code >> 6);

        // Lower band: the full 6-bit level reconstructs the output (INVQBL),
        // the 4-bit one drives adaptation, as in the encoder.
        let rlow = (self.low.s + ((self.low.det * QM6[ilow]) >> 15)).clamp(-16384, 16383);
        let dlow = (self.low.det * QM4[ilow >> 2]) >> 15;
        self.low.adapt_scale(WL[RL42[ilow >> 2]]);
        self.low.update_predictor(dlow);

        let dhigh = (self.high.det * QM2[ihigh]) >> 15;
        let rhigh = (dhigh + self.high.s).clamp(-16384, 16383);
        self.high.adapt_scale(WH[RH2[ihigh]]);
        self.high.update_predictor(dhigh);

        let (even_taps, odd_taps) = self.qmf.push(rlow + rhigh, rlow - rhigh);
        [
            saturate(odd_taps >> 11) as i16,
            saturate(even_taps >> 11) as i16,
        ]
    }
}

impl AudioDecoder for G722Decoder {
    fn sample_rate(&self) -> u32 {
        16000
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
        out.reserve(payload.len() * 2);
        for &code in payload {
            out.extend_from_slice(&self.decode_octet(code));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::quality::{fit_tone, tone};

    #[test]
    fn a_tone_survives_encode_and_decode() {
        let input = tone(1000.0, 16000, 16000, 10000.0);
        let mut enc = G722Encoder::new();
        let mut dec = G722Decoder::new();
        let mut payload = Vec::new();
        enc.encode(&input, &mut payload).unwrap();
        assert_eq!(payload.len(), 8000);
        let mut output = Vec::new();
        dec.decode(&payload, &mut output).unwrap();
        let fit = fit_tone(&output, 1000.0, 16000);
        assert!(fit.snr_db > 30.0, "G.722 SNR {:.1} dB", fit.snr_db);
        assert!(
            (fit.amplitude - 10000.0).abs() < 1000.0,
            "gain {}",
            fit.amplitude
        );
    }

    #[test]
    fn odd_frames_are_refused_and_any_octet_decodes() {
        assert!(
            G722Encoder::new()
                .encode(&[1, 2, 3], &mut Vec::new())
                .is_err()
        );
        let garbage: Vec<u8> = (0..=255).collect();
        let mut out = Vec::new();
        G722Decoder::new().decode(&garbage, &mut out).unwrap();
        assert_eq!(out.len(), 512);
    }
}
