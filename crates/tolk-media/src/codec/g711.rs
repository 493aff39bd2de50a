//! G.711 (ITU-T, 1988): 8-bit logarithmic PCM, mu-law (PCMU) and A-law
//! (PCMA), written from the definition: a sign bit, a 3-bit segment
//! (exponent) and a 4-bit step within the segment, with even bits of A-law
//! and all bits of mu-law inverted on the line.

use super::traits::{AudioDecoder, AudioEncoder};
use crate::Error;

/// mu-law bias: 33 in 14-bit units, shifted to 16-bit samples.
const MU_BIAS: i32 = 0x84;
/// Largest mu-law magnitude before biasing (16-bit scale).
const MU_CLIP: i32 = 32635;

/// Encodes one 16-bit sample as mu-law.
pub const fn mulaw_encode(sample: i16) -> u8 {
    let negative = sample < 0;
    let mut magnitude = if negative {
        -(sample as i32)
    } else {
        sample as i32
    };
    if magnitude > MU_CLIP {
        magnitude = MU_CLIP;
    }
    magnitude += MU_BIAS;
    // The segment is the position of the leading one above bit 7.
    let top = (magnitude >> 7) as u32;
    let segment = if top == 0 {
        0
    } else {
        31 - top.leading_zeros()
    };
    let segment = if segment > 7 { 7 } else { segment };
    let step = (magnitude >> (segment + 3)) & 0x0f;
    let code = ((segment as i32) << 4 | step) as u8;
    // Positive samples carry sign bit 1; the line inverts every bit.
    if negative { !(code | 0x80) } else { !code }
}

/// Decodes one mu-law octet to a 16-bit sample.
pub const fn mulaw_decode(code: u8) -> i16 {
    let c = !code;
    let segment = (c >> 4) & 0x07;
    let step = (c & 0x0f) as i32;
    let magnitude = (((step << 3) + MU_BIAS) << segment) - MU_BIAS;
    if c & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Encodes one 16-bit sample as A-law.
pub const fn alaw_encode(sample: i16) -> u8 {
    // A-law quantises 13-bit samples.
    let mut value = (sample >> 3) as i32;
    let sign_mask = if value >= 0 {
        0xd5
    } else {
        value = -value - 1;
        0x55
    };
    // Segment 0 and 1 share a step of 2 (13-bit units); each further
    // segment doubles it.
    let mut segment = 0;
    while segment < 8 && value > (0x20 << segment) - 1 {
        segment += 1;
    }
    let code = if segment >= 8 {
        0x7f
    } else if segment < 2 {
        (segment << 4) | ((value >> 1) & 0x0f)
    } else {
        (segment << 4) | ((value >> segment) & 0x0f)
    };
    (code as u8) ^ sign_mask
}

/// Decodes one A-law octet to a 16-bit sample.
pub const fn alaw_decode(code: u8) -> i16 {
    let a = code ^ 0x55;
    let step = ((a & 0x0f) as i32) << 4;
    let segment = ((a >> 4) & 0x07) as i32;
    let magnitude = match segment {
        0 => step + 8,
        1 => step + 0x108,
        s => (step + 0x108) << (s - 1),
    };
    if a & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

const fn mu_to_a_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_encode(mulaw_decode(i as u8));
        i += 1;
    }
    t
}

const fn a_to_mu_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = mulaw_encode(alaw_decode(i as u8));
        i += 1;
    }
    t
}

/// mu-law to A-law, one octet at a time (decode, then re-quantise).
pub static MULAW_TO_ALAW: [u8; 256] = mu_to_a_table();
/// A-law to mu-law, one octet at a time.
pub static ALAW_TO_MULAW: [u8; 256] = a_to_mu_table();

/// Converts a PCMU payload to PCMA in place.
pub fn mulaw_to_alaw(payload: &mut [u8]) {
    payload
        .iter_mut()
        .for_each(|b| *b = MULAW_TO_ALAW[usize::from(*b)]);
}

/// Converts a PCMA payload to PCMU in place.
pub fn alaw_to_mulaw(payload: &mut [u8]) {
    payload
        .iter_mut()
        .for_each(|b| *b = ALAW_TO_MULAW[usize::from(*b)]);
}

/// Which G.711 law a codec instance speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// mu-law (PCMU).
    Mu,
    /// A-law (PCMA).
    A,
}

/// A G.711 decoder or encoder: stateless, 8000 Hz, one octet per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct G711(pub Law);

impl AudioDecoder for G711 {
    fn sample_rate(&self) -> u32 {
        8000
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
        match self.0 {
            Law::Mu => out.extend(payload.iter().map(|&c| mulaw_decode(c))),
            Law::A => out.extend(payload.iter().map(|&c| alaw_decode(c))),
        }
        Ok(())
    }
}

impl AudioEncoder for G711 {
    fn sample_rate(&self) -> u32 {
        8000
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error> {
        match self.0 {
            Law::Mu => out.extend(pcm.iter().map(|&s| mulaw_encode(s))),
            Law::A => out.extend(pcm.iter().map(|&s| alaw_encode(s))),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decoded_values_match_the_g711_tables() {
        // Extremes and smallest steps of each law, in 16-bit units
        // (G.711 tables 1 and 2 scaled: mu-law by 4, A-law by 8).
        assert_eq!(mulaw_decode(0x80), 32124);
        assert_eq!(mulaw_decode(0x00), -32124);
        assert_eq!(mulaw_decode(0xff), 0);
        assert_eq!(mulaw_decode(0x7f), 0);
        assert_eq!(mulaw_decode(0xfe), 8);
        assert_eq!(mulaw_decode(0xef), 132);
        assert_eq!(alaw_decode(0xd5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xaa), 32256);
        assert_eq!(alaw_decode(0x2a), -32256);
        assert_eq!(alaw_decode(0xc5), 264);
        // mu-law levels follow ((2m + 33) << e) - 33 in 14-bit units.
        for code in 0x80u8..=0xff {
            let c = !code;
            let (e, m) = (i32::from((c >> 4) & 7), i32::from(c & 15));
            assert_eq!(
                i32::from(mulaw_decode(code)),
                4 * (((2 * m + 33) << e) - 33)
            );
        }
        // A-law levels: (2m + 1) in segment 0, (2m + 33) << (e - 1) above, 13-bit units.
        for code in 0x80u8..=0xff {
            let a = code ^ 0x55;
            let (e, m) = (i32::from((a >> 4) & 7), i32::from(a & 15));
            let level = if e == 0 {
                2 * m + 1
            } else {
                (2 * m + 33) << (e - 1)
            };
            assert_eq!(i32::from(alaw_decode(code)), 8 * level);
        }
    }

    #[test]
    fn every_code_survives_decode_then_encode() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code);
            let expected = if code == 0x7f { 0xff } else { code };
            assert_eq!(mulaw_encode(mulaw_decode(code)), expected);
        }
    }

    #[test]
    fn conversion_tables_keep_small_codes_and_signs() {
        assert_eq!(MULAW_TO_ALAW[0xff], 0xd5);
        for code in 0..=255u8 {
            let mu = mulaw_decode(code);
            let a = alaw_decode(MULAW_TO_ALAW[usize::from(code)]);
            assert!(mu == 0 || mu.signum() == a.signum());
        }
    }

    /// Half the width of the quantisation interval around a code's level:
    /// half the larger gap to a neighbouring level (the gaps differ only
    /// where segments meet, and the interval takes the wider one's step).
    fn half_step(decode: fn(u8) -> i16, code: u8) -> i32 {
        let level = i32::from(decode(code));
        let gap = |above: bool| {
            (0..=255u8)
                .map(|c| i32::from(decode(c)) - level)
                .filter(|d| if above { *d > 0 } else { *d < 0 })
                .map(i32::abs)
                .min()
                .unwrap_or(0)
        };
        gap(true).max(gap(false)) / 2 + 1
    }

    proptest! {
        /// Encoding picks the level nearest the sample (within half a step),
        /// except beyond the largest level, where it clips.
        #[test]
        fn quantisation_error_is_at_most_half_a_step(sample: i16) {
            let x = i32::from(sample);
            let mu = mulaw_encode(sample);
            let err = (i32::from(mulaw_decode(mu)) - x).abs();
            prop_assert!(err <= half_step(mulaw_decode, mu) || x.abs() > 32124, "mu {x} -> {err}");
            let a = alaw_encode(sample);
            let err = (i32::from(alaw_decode(a)) - x).abs();
            prop_assert!(err <= half_step(alaw_decode, a) || x.abs() > 32256, "A {x} -> {err}");
        }

        /// mu-law -> A-law -> mu-law moves a sample by at most one A-law step.
        #[test]
        fn conversion_round_trip_stays_within_a_step(code: u8) {
            let original = i32::from(mulaw_decode(code));
            let a = MULAW_TO_ALAW[usize::from(code)];
            let back = i32::from(mulaw_decode(ALAW_TO_MULAW[usize::from(a)]));
            prop_assert!((back - original).abs() <= 2 * half_step(alaw_decode, a));
        }
    }
}
