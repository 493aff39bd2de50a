//! Measuring what a codec chain does to a test tone: generate a sine, then
//! split an output into the best-fitting sine at that frequency and the
//! rest, whatever the chain's delay or gain.

use std::f64::consts::PI;

/// `samples` samples of a `freq` Hz sine at `rate` Hz with peak `amplitude`.
pub fn tone(freq: f64, rate: u32, samples: usize, amplitude: f64) -> Vec<i16> {
    (0..samples)
        .map(|n| (amplitude * (2.0 * PI * freq * n as f64 / f64::from(rate)).sin()).round() as i16)
        .collect()
}

/// Measurement of a tone after a codec chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneFit {
    /// Peak amplitude of the fitted sine.
    pub amplitude: f64,
    /// Power of the fitted sine over the power of everything else, in dB.
    pub snr_db: f64,
}

/// Fits a `freq` Hz sine (any phase) to `signal` sampled at `rate` Hz by
/// least squares, ignoring the first fifth (codec start-up), and reports
/// its amplitude and the signal-to-noise ratio of the remainder.
pub fn fit_tone(signal: &[i16], freq: f64, rate: u32) -> ToneFit {
    let settled = signal.get(signal.len() / 5..).unwrap_or_default();
    let w = 2.0 * PI * freq / f64::from(rate);
    let (mut ss, mut cc, mut sc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (n, &x) in settled.iter().enumerate() {
        let (s, c) = (w * n as f64).sin_cos();
        let x = f64::from(x);
        ss += s * s;
        cc += c * c;
        sc += s * c;
        xs += x * s;
        xc += x * c;
    }
    // Solve the 2x2 normal equations for the sine and cosine weights.
    let det = ss * cc - sc * sc;
    if det.abs() < f64::EPSILON {
        return ToneFit {
            amplitude: 0.0,
            snr_db: f64::NEG_INFINITY,
        };
    }
    let a = (xs * cc - xc * sc) / det;
    let b = (xc * ss - xs * sc) / det;
    let (mut signal_power, mut noise_power) = (0.0, 0.0);
    for (n, &x) in settled.iter().enumerate() {
        let (s, c) = (w * n as f64).sin_cos();
        let fitted = a * s + b * c;
        signal_power += fitted * fitted;
        noise_power += (f64::from(x) - fitted).powi(2);
    }
    let snr_db = 10.0 * (signal_power / noise_power.max(1e-9)).log10();
    ToneFit {
        amplitude: a.hypot(b),
        snr_db,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_tone_fits_exactly_and_noise_lowers_the_snr() {
        let clean = tone(1000.0, 8000, 8000, 10000.0);
        let fit = fit_tone(&clean, 1000.0, 8000);
        assert!((fit.amplitude - 10000.0).abs() < 1.0);
        assert!(fit.snr_db > 60.0);
        // Add a 100-unit square wave: SNR about 20*log10(10000/100/sqrt(2)) = 37 dB.
        let noisy: Vec<i16> = clean
            .iter()
            .enumerate()
            .map(|(i, s)| s + if i % 7 < 3 { 100 } else { -100 })
            .collect();
        let fit = fit_tone(&noisy, 1000.0, 8000);
        assert!((35.0..39.0).contains(&fit.snr_db), "{}", fit.snr_db);
        assert_eq!(fit_tone(&[0; 100], 1000.0, 8000).amplitude, 0.0);
    }
}
