//! A test tone for sipp to stream (`rtp_stream="tone.ulaw,..."`).

/// One second of a 440 Hz tone in G.711 mu-law (ITU-T G.711 encoding).
pub fn tone() -> Vec<u8> {
    (0..8000)
        .map(|n| {
            let phase = 2.0 * std::f64::consts::PI * 440.0 * f64::from(n) / 8000.0;
            mu_law((phase.sin() * 8000.0) as i16)
        })
        .collect()
}

/// One linear sample in G.711 mu-law.
pub fn mu_law(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    let sign = if sample < 0 { 0x80 } else { 0 };
    let magnitude = (i32::from(sample).abs().min(32635) + BIAS) as u32;
    let exponent = (31 - magnitude.leading_zeros()).saturating_sub(7).min(7);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}
