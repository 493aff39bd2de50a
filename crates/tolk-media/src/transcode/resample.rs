//! Sample-rate conversion between 8, 16 and 48 kHz (any pair where one
//! rate divides the other): a windowed-sinc low-pass filter run as a
//! polyphase interpolator or a decimator, streaming across calls.

use std::f64::consts::PI;

use crate::Error;

/// Filter taps per unit of the conversion ratio.
const TAPS_PER_RATIO: usize = 24;

/// Converts mono PCM from one rate to another.
#[derive(Debug, Clone)]
pub struct Resampler {
    mode: Mode,
    /// Filter coefficients at the higher rate.
    taps: Vec<f32>,
    /// Recent input samples, newest last; the filter reads the last
    /// `window` of them. Grows to twice the window, then slides back once,
    /// so each sample is copied O(1) times.
    history: Vec<f32>,
    window: usize,
    /// Input samples seen modulo the decimation factor.
    phase: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Same,
    Up(usize),
    Down(usize),
}

impl Resampler {
    /// A converter from `from` Hz to `to` Hz.
    pub fn new(from: u32, to: u32) -> Result<Self, Error> {
        let unsupported = || Error::Codec {
            codec: "resampler".into(),
            reason: format!("{from} Hz to {to} Hz is not an integer ratio"),
        };
        if from == 0 || to == 0 {
            return Err(unsupported());
        }
        let mode = if from == to {
            Mode::Same
        } else if to % from == 0 {
            Mode::Up((to / from) as usize)
        } else if from % to == 0 {
            Mode::Down((from / to) as usize)
        } else {
            return Err(unsupported());
        };
        let ratio = match mode {
            Mode::Same => 1,
            Mode::Up(r) | Mode::Down(r) => r,
        };
        let taps = if ratio == 1 {
            vec![1.0]
        } else {
            low_pass(ratio)
        };
        let window = match mode {
            Mode::Up(l) => taps.len().div_ceil(l),
            _ => taps.len(),
        };
        let mut history = Vec::with_capacity(2 * window);
        history.resize(window, 0.0);
        Ok(Resampler {
            mode,
            taps,
            history,
            window,
            phase: 0,
        })
    }

    /// Output samples produced per input sample (as a fraction num/den).
    pub fn ratio(&self) -> (usize, usize) {
        match self.mode {
            Mode::Same => (1, 1),
            Mode::Up(l) => (l, 1),
            Mode::Down(m) => (1, m),
        }
    }

    /// Converts `input`, appending the output to `out`. Exactly
    /// `input.len() * num / den` samples come out over a stream.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        match self.mode {
            Mode::Same => out.extend_from_slice(input),
            Mode::Up(l) => {
                for &x in input {
                    self.push(x);
                    for phase in 0..l {
                        // Taps phase, phase + l, ... meet the newest inputs.
                        let acc: f32 = self
                            .taps
                            .iter()
                            .skip(phase)
                            .step_by(l)
                            .zip(self.recent().iter().rev())
                            .map(|(h, x)| h * x)
                            .sum();
                        out.push(to_i16(acc * l as f32));
                    }
                }
            }
            Mode::Down(m) => {
                for &x in input {
                    self.push(x);
                    self.phase += 1;
                    if self.phase == m {
                        self.phase = 0;
                        let acc: f32 = self
                            .taps
                            .iter()
                            .zip(self.recent().iter().rev())
                            .map(|(h, x)| h * x)
                            .sum();
                        out.push(to_i16(acc));
                    }
                }
            }
        }
    }

    fn push(&mut self, x: i16) {
        if self.history.len() == 2 * self.window {
            self.history.copy_within(self.window.., 0);
            self.history.truncate(self.window);
        }
        self.history.push(f32::from(x));
    }

    /// The last `window` input samples, oldest first.
    fn recent(&self) -> &[f32] {
        let start = self.history.len().saturating_sub(self.window);
        self.history.get(start..).unwrap_or_default()
    }
}

fn to_i16(v: f32) -> i16 {
    v.round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

/// A Blackman-windowed sinc with cutoff just under half the lower rate,
/// normalised to unity gain at DC.
fn low_pass(ratio: usize) -> Vec<f32> {
    let n = TAPS_PER_RATIO * ratio + 1;
    let cutoff = 0.9 / (2.0 * ratio as f64);
    let centre = (n - 1) as f64 / 2.0;
    let raw: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 - centre;
            let sinc = if t == 0.0 {
                2.0 * cutoff
            } else {
                (2.0 * PI * cutoff * t).sin() / (PI * t)
            };
            let w = 0.42 - 0.5 * (2.0 * PI * i as f64 / (n - 1) as f64).cos()
                + 0.08 * (4.0 * PI * i as f64 / (n - 1) as f64).cos();
            sinc * w
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|v| (v / sum) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::quality::{fit_tone, tone};
    use proptest::prelude::*;

    #[test]
    fn a_tone_keeps_its_level_through_every_supported_pair() {
        for (from, to) in [
            (8000, 48000),
            (48000, 8000),
            (16000, 8000),
            (8000, 16000),
            (16000, 48000),
            (48000, 16000),
        ] {
            let mut r = Resampler::new(from, to).unwrap();
            let input = tone(1000.0, from, from as usize, 10000.0);
            let mut out = Vec::new();
            r.process(&input, &mut out);
            assert_eq!(out.len(), to as usize);
            let fit = fit_tone(&out, 1000.0, to);
            assert!(fit.snr_db > 40.0, "{from}->{to}: {:.1} dB", fit.snr_db);
            assert!(
                (fit.amplitude - 10000.0).abs() < 200.0,
                "{from}->{to}: {}",
                fit.amplitude
            );
        }
        assert!(Resampler::new(8000, 44100).is_err());
        assert!(Resampler::new(0, 8000).is_err());
    }

    #[test]
    fn downsampling_removes_what_the_lower_rate_cannot_carry() {
        // 6 kHz at 48 kHz would alias to 2 kHz at 8 kHz.
        let input = tone(6000.0, 48000, 48000, 10000.0);
        let mut out = Vec::new();
        Resampler::new(48000, 8000)
            .unwrap()
            .process(&input, &mut out);
        let fit = fit_tone(&out, 2000.0, 8000);
        assert!(fit.amplitude < 100.0, "alias at {}", fit.amplitude);
    }

    proptest! {
        /// Chunking never changes the output or its length.
        #[test]
        fn sample_counts_follow_the_ratio(
            chunks in prop::collection::vec(1usize..500, 1..10),
            pair in prop::sample::select(vec![(8000u32, 48000u32), (48000, 8000), (16000, 48000), (48000, 16000), (8000, 16000), (16000, 8000)]),
        ) {
            let (from, to) = pair;
            let total: usize = chunks.iter().sum();
            let input = tone(440.0, from, total, 5000.0);
            let mut whole = Vec::new();
            Resampler::new(from, to).unwrap().process(&input, &mut whole);
            let mut r = Resampler::new(from, to).unwrap();
            let mut pieces = Vec::new();
            let mut at = 0;
            for c in chunks {
                r.process(&input[at..at + c], &mut pieces);
                at += c;
            }
            prop_assert_eq!(&pieces, &whole);
            let (num, den) = r.ratio();
            prop_assert_eq!(whole.len(), total * num / den);
        }
    }
}
