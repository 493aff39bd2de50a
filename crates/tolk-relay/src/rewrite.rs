//! RTP header rewrites from the media plan: payload-type map and optional
//! SSRC rename, in place through `tolk-media`'s
//! [`tolk_media::rtp::RtpHeaderMut`]; the matching SSRC renames inside
//! RTCP in [`rtcp`].

pub mod rtcp;

use tolk_media::rtp::RtpHeaderMut;

/// Payload-type rewrite: incoming PT -> outgoing PT; unmapped types pass unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadTypeMap([u8; 128]);

impl Default for PayloadTypeMap {
    fn default() -> Self {
        let mut map = [0u8; 128];
        for (pt, slot) in (0u8..).zip(map.iter_mut()) {
            *slot = pt;
        }
        Self(map)
    }
}

impl PayloadTypeMap {
    /// The identity map.
    pub fn identity() -> Self {
        Self::default()
    }

    /// A map from `(incoming, outgoing)` pairs; types above 127 are ignored.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (u8, u8)>) -> Self {
        let mut map = Self::default();
        for (from, to) in pairs {
            map.set(from, to);
        }
        map
    }

    /// Maps `from` to `to` (7-bit values; larger ones are ignored).
    pub fn set(&mut self, from: u8, to: u8) {
        if let Some(slot) = self.0.get_mut(usize::from(from)) {
            if to < 128 {
                *slot = to;
            }
        }
    }

    /// The outgoing type for `pt`.
    pub fn map(&self, pt: u8) -> u8 {
        self.0.get(usize::from(pt)).copied().unwrap_or(pt)
    }

    /// True when no type changes.
    pub fn is_identity(&self) -> bool {
        *self == Self::default()
    }
}

/// Renames a stream toward one leg; RTCP follows the rename both ways
/// ([`rtcp`]).
///
/// Only the SSRC: sequence numbers and timestamps also appear in RTCP
/// (SR timestamps, report blocks' highest sequence, NACK lists), so an
/// offset on them would have to be carried there too, and nothing needs
/// one: a stream continued across a source change is a transform's job
/// (a [`MediaTransform`](crate::transform::MediaTransform) keeps its own
/// timeline and maps the source's SRs onto it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamRewrite {
    /// Replacement SSRC, if any.
    pub ssrc: Option<u32>,
}

/// Applies the payload-type map and an optional stream rename to one header.
pub fn apply(header: &mut RtpHeaderMut<'_>, map: &PayloadTypeMap, rewrite: Option<&StreamRewrite>) {
    let pt = header.payload_type();
    let mapped = map.map(pt);
    if mapped != pt {
        header.set_payload_type(mapped);
    }
    if let Some(ssrc) = rewrite.and_then(|r| r.ssrc) {
        header.set_ssrc(ssrc);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tolk_media::rtp::{RtpBuilder, RtpPacket};

    use super::*;

    fn packet(pt: u8, seq: u16, ts: u32, ssrc: u32, marker: bool) -> Vec<u8> {
        let mut buf = vec![0u8; 64];
        let n = RtpBuilder {
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc,
            marker,
            payload: &[1, 2, 3],
            ..Default::default()
        }
        .write_to(&mut buf)
        .unwrap();
        buf.truncate(n);
        buf
    }

    proptest! {
        #[test]
        fn rewrite_touches_only_what_it_says(
            pt in 0u8..128, to in 0u8..128, seq: u16, ts: u32, ssrc: u32, marker: bool,
            new_ssrc: Option<u32>,
        ) {
            let mut buf = packet(pt, seq, ts, ssrc, marker);
            let map = PayloadTypeMap::from_pairs([(pt, to)]);
            let rw = StreamRewrite { ssrc: new_ssrc };
            apply(&mut RtpHeaderMut::new(&mut buf).unwrap(), &map, Some(&rw));
            let p = RtpPacket::parse(&buf).unwrap();
            prop_assert_eq!(p.payload_type(), to);
            prop_assert_eq!(p.marker(), marker);
            prop_assert_eq!(p.sequence_number(), seq);
            prop_assert_eq!(p.timestamp(), ts);
            prop_assert_eq!(p.ssrc(), new_ssrc.unwrap_or(ssrc));
            prop_assert_eq!(p.payload(), &[1, 2, 3]);
        }

        #[test]
        fn identity_map_changes_nothing(pt in 0u8..128, seq: u16, ts: u32, ssrc: u32) {
            let original = packet(pt, seq, ts, ssrc, false);
            let mut buf = original.clone();
            apply(&mut RtpHeaderMut::new(&mut buf).unwrap(), &PayloadTypeMap::identity(), None);
            prop_assert_eq!(buf, original);
        }
    }

    #[test]
    fn out_of_range_types_are_ignored() {
        let mut m = PayloadTypeMap::identity();
        m.set(200, 1);
        m.set(1, 200);
        assert!(m.is_identity());
        m.set(0, 8);
        assert_eq!(m.map(0), 8);
        assert_eq!(m.map(200), 200);
    }
}
