//! RTP clocks: carrying timestamps from one leg's clock rate and base to
//! another's, without breaking at the 32-bit wrap.

/// Maps timestamps of one stream onto another stream's clock.
///
/// Both sides are anchored at a pair of timestamps that denote the same
/// instant; other timestamps are carried over as signed distances from the
/// anchor, scaled by the rate ratio, so wrap-around on either side is fine
/// as long as a timestamp is within 2^31 ticks of the anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampMapper {
    from_rate: u32,
    to_rate: u32,
    from_anchor: u32,
    to_anchor: u32,
}

impl TimestampMapper {
    /// A mapper that sends `from_anchor` (at `from_rate` Hz) to `to_anchor`
    /// (at `to_rate` Hz). Rates of 0 are treated as 1.
    pub fn new(from_rate: u32, from_anchor: u32, to_rate: u32, to_anchor: u32) -> Self {
        TimestampMapper {
            from_rate: from_rate.max(1),
            to_rate: to_rate.max(1),
            from_anchor,
            to_anchor,
        }
    }

    /// A mapper that moves timestamps by `offset` on one clock.
    pub fn shift(offset: u32) -> Self {
        TimestampMapper::new(1, 0, 1, offset)
    }

    /// The timestamp on the target clock for `timestamp` on the source clock.
    pub fn map(&self, timestamp: u32) -> u32 {
        let distance = i64::from(timestamp.wrapping_sub(self.from_anchor) as i32);
        let scaled = scale_signed(distance, self.from_rate, self.to_rate);
        self.to_anchor.wrapping_add(scaled as u32)
    }
}

fn scale_signed(value: i64, from_rate: u32, to_rate: u32) -> i64 {
    // Floor division keeps the mapping monotonic across the anchor.
    (value * i64::from(to_rate)).div_euclid(i64::from(from_rate))
}

/// Scales a duration in ticks from one clock rate to another, rounding to
/// the nearest tick.
pub fn rescale(ticks: u64, from_rate: u32, to_rate: u32) -> u64 {
    let from = u64::from(from_rate.max(1));
    (ticks * u64::from(to_rate) + from / 2) / from
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn eight_to_forty_eight_khz() {
        let m = TimestampMapper::new(8000, 1000, 48000, 0xffff_ff00);
        assert_eq!(m.map(1000), 0xffff_ff00);
        assert_eq!(m.map(1160), 0xffff_ff00u32.wrapping_add(960));
        assert_eq!(m.map(840), 0xffff_ff00 - 960);
        assert_eq!(rescale(160, 8000, 48000), 960);
        assert_eq!(rescale(960, 48000, 16000), 320);
        assert_eq!(TimestampMapper::shift(10).map(u32::MAX), 9);
    }

    proptest! {
        #[test]
        fn distances_scale_across_the_wrap(
            from_anchor: u32, to_anchor: u32, step in 0u32..100_000,
            rates in prop::sample::select(vec![(8000u32, 48000u32), (48000, 8000), (16000, 8000), (8000, 16000), (48000, 48000)]),
        ) {
            let (from, to) = rates;
            let m = TimestampMapper::new(from, from_anchor, to, to_anchor);
            let a = m.map(from_anchor.wrapping_add(step));
            let expected = (u64::from(step) * u64::from(to) / u64::from(from)) as u32;
            prop_assert_eq!(a.wrapping_sub(to_anchor), expected);
        }
    }
}
