//! One sub-band's adaptive predictor and scale factor (G.722 blocks
//! LOGSCL/LOGSCH, SCALEL/SCALEH, RECONS, PARREC, UPPOL1/2, UPZERO, DELAYA,
//! FILTEP, FILTEZ, PREDIC).

use super::tables::ILB;

pub(super) fn saturate(v: i32) -> i32 {
    v.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

/// Which sub-band: they differ only in scale factor constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Band {
    Lower,
    Higher,
}

/// State of one sub-band's ADPCM.
#[derive(Debug, Clone)]
pub(super) struct BandState {
    band: Band,
    /// Signal estimate (predictor output).
    pub(super) s: i32,
    sp: i32,
    sz: i32,
    r: [i32; 3],
    a: [i32; 3],
    ap: [i32; 3],
    p: [i32; 3],
    d: [i32; 7],
    b: [i32; 7],
    bp: [i32; 7],
    /// Log scale factor.
    nb: i32,
    /// Quantiser scale factor.
    pub(super) det: i32,
}

impl BandState {
    pub(super) fn new(band: Band) -> Self {
        BandState {
            band,
            s: 0,
            sp: 0,
            sz: 0,
            r: [0; 3],
            a: [0; 3],
            ap: [0; 3],
            p: [0; 3],
            d: [0; 7],
            b: [0; 7],
            bp: [0; 7],
            nb: 0,
            det: match band {
                Band::Lower => 32,
                Band::Higher => 8,
            },
        }
    }

    /// LOGSCL/LOGSCH then SCALEL/SCALEH: adapt the step to the last code's
    /// magnitude multiplier `w`.
    pub(super) fn adapt_scale(&mut self, w: i32) {
        let (limit, shift_base) = match self.band {
            Band::Lower => (18432, 8),
            Band::Higher => (22528, 10),
        };
        self.nb = (((self.nb * 127) >> 7) + w).clamp(0, limit);
        let mantissa = ILB[((self.nb >> 6) & 31) as usize];
        let shift = shift_base - (self.nb >> 11);
        let scaled = if shift < 0 {
            mantissa << -shift
        } else {
            mantissa >> shift
        };
        self.det = scaled << 2;
    }

    /// Updates the predictor with the quantised difference `d` and computes
    /// the next signal estimate.
    pub(super) fn update_predictor(&mut self, d: i32) {
        // RECONS and PARREC.
        self.d[0] = d;
        self.r[0] = saturate(self.s + d);
        self.p[0] = saturate(self.sz + d);
        let sign = |v: i32| v >> 15;

        // UPPOL2: second pole coefficient.
        let sg0 = sign(self.p[0]);
        let sg1 = sign(self.p[1]);
        let sg2 = sign(self.p[2]);
        let wd1 = saturate(self.a[1] << 2);
        let wd2 = if sg0 == sg1 { -wd1 } else { wd1 }.min(32767);
        let mut wd3 = if sg0 == sg2 { 128 } else { -128 };
        wd3 += wd2 >> 7;
        wd3 += (self.a[2] * 32512) >> 15;
        self.ap[2] = wd3.clamp(-12288, 12288);

        // UPPOL1: first pole coefficient, bounded by the second.
        let wd1 = if sg0 == sg1 { 192 } else { -192 };
        let wd2 = (self.a[1] * 32640) >> 15;
        let bound = saturate(15360 - self.ap[2]);
        self.ap[1] = saturate(wd1 + wd2).clamp(-bound, bound);

        // UPZERO: the six zero coefficients.
        let step = if d == 0 { 0 } else { 128 };
        let sgd = sign(d);
        for i in 1..7 {
            let toward = if sign(self.d[i]) == sgd { step } else { -step };
            let leak = (self.b[i] * 32640) >> 15;
            self.bp[i] = saturate(toward + leak);
        }

        // DELAYA: shift the histories.
        for i in (1..7).rev() {
            self.d[i] = self.d[i - 1];
            self.b[i] = self.bp[i];
        }
        for i in (1..3).rev() {
            self.r[i] = self.r[i - 1];
            self.p[i] = self.p[i - 1];
            self.a[i] = self.ap[i];
        }

        // FILTEP: pole section.
        let pole = |a: i32, r: i32| (a * saturate(r + r)) >> 15;
        self.sp = saturate(pole(self.a[1], self.r[1]) + pole(self.a[2], self.r[2]));

        // FILTEZ: zero section.
        let zero: i32 = (1..7)
            .rev()
            .map(|i| (self.b[i] * saturate(self.d[i] + self.d[i])) >> 15)
            .sum();
        self.sz = saturate(zero);

        // PREDIC.
        self.s = saturate(self.sp + self.sz);
    }
}
