//! Carrying telephone-events between legs with different clock rates
//! (8000 <-> 48000 Hz is the common case: a phone and a browser).

use super::generator::{EventPacket, MAX_SEGMENT};
use crate::clock::{TimestampMapper, rescale};

/// Rewrites event packets from one leg's clock onto another's, packet by
/// packet: durations are scaled, and segment boundaries are recomputed so
/// a duration that no longer fits 16 bits starts a new segment, after an
/// update closing the old one at 0xFFFF (RFC 4733 2.5.1.3).
#[derive(Debug, Clone)]
pub struct EventRateConverter {
    mapper: TimestampMapper,
    from_rate: u32,
    to_rate: u32,
    /// Source code, event start and current segment start.
    current: Option<(u8, u32, u32)>,
    /// The output segment the last packet of the current event went in.
    out_segment: u64,
}

impl EventRateConverter {
    /// A converter using `mapper` for timestamps (it carries the rates and
    /// the two legs' timestamp bases).
    pub fn new(from_rate: u32, to_rate: u32, mapper: TimestampMapper) -> Self {
        EventRateConverter {
            mapper,
            from_rate,
            to_rate,
            current: None,
            out_segment: 0,
        }
    }

    /// The packets to send on the target leg for `packet` from the source:
    /// one, or two when the scaled duration crosses into a new segment (the
    /// old one is closed at 0xFFFF first).
    pub fn convert(&mut self, packet: &EventPacket) -> impl Iterator<Item = EventPacket> + use<> {
        let code = packet.event.code;
        let ts = packet.timestamp;
        let start = match self.current {
            Some((c, start, segment)) if c == code && (segment == ts || start == ts) => start,
            Some((c, start, segment)) if c == code && ts == segment.wrapping_add(MAX_SEGMENT) => {
                start
            }
            _ => ts,
        };
        let is_first = self.current.is_none_or(|(c, s, _)| c != code || s != start);
        if is_first {
            self.out_segment = 0;
        }
        self.current = Some((code, start, ts));
        let elapsed = u64::from(ts.wrapping_sub(start)) + u64::from(packet.event.duration);
        let scaled = rescale(elapsed, self.from_rate, self.to_rate).max(1);
        let max = u64::from(MAX_SEGMENT);
        let segment = (scaled - 1) / max;
        let out_start = self.mapper.map(start);
        let closing = (segment > self.out_segment).then(|| {
            let mut event = packet.event;
            event.end = false;
            event.duration = MAX_SEGMENT as u16;
            EventPacket {
                marker: false,
                timestamp: out_start.wrapping_add((self.out_segment * max) as u32),
                event,
            }
        });
        self.out_segment = self.out_segment.max(segment);
        let segment_start = segment * max;
        let mut event = packet.event;
        event.duration = (scaled - segment_start) as u16;
        let converted = EventPacket {
            marker: packet.marker || (is_first && segment == 0),
            timestamp: out_start.wrapping_add(segment_start as u32),
            event,
        };
        closing.into_iter().chain(std::iter::once(converted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtmf::{DetectedEvent, EventDetector, EventGenerator};

    fn run(from: u32, to: u32, duration: u32) -> Vec<DetectedEvent> {
        let mapper = TimestampMapper::new(from, 1000, to, 90_000);
        let mut conv = EventRateConverter::new(from, to, mapper);
        let mut d = EventDetector::new();
        for p in EventGenerator::new(from, 20).packets(9, 10, 1000, duration) {
            for out in conv.convert(&p) {
                d.handle_packet(out.timestamp, &out.event.to_bytes())
                    .unwrap();
            }
        }
        std::iter::from_fn(|| d.poll_event()).collect()
    }

    #[test]
    fn eight_khz_digit_becomes_a_48_khz_digit() {
        assert_eq!(
            run(8000, 48000, 800),
            [
                DetectedEvent::Started {
                    code: 9,
                    timestamp: 90_000
                },
                DetectedEvent::Ended {
                    code: 9,
                    timestamp: 90_000,
                    duration: 4800,
                    confirmed: true
                },
            ]
        );
    }

    #[test]
    fn long_8khz_event_needs_segments_at_48khz() {
        // 2 s at 8 kHz fits one segment; at 48 kHz it needs two.
        let got = run(8000, 48000, 16_000);
        assert_eq!(got.len(), 2);
        assert!(matches!(
            got[1],
            DetectedEvent::Ended {
                duration: 96_000,
                confirmed: true,
                ..
            }
        ));
    }

    #[test]
    fn a_new_output_segment_is_opened_by_closing_the_old_one_at_0xffff() {
        let mapper = TimestampMapper::new(8000, 0, 48000, 0);
        let mut conv = EventRateConverter::new(8000, 48000, mapper);
        let out: Vec<EventPacket> = EventGenerator::new(8000, 20)
            .packets(9, 10, 0, 16_000)
            .iter()
            .flat_map(|p| conv.convert(p).collect::<Vec<_>>())
            .collect();
        let closing: Vec<&EventPacket> =
            out.iter().filter(|p| p.event.duration == 0xffff).collect();
        assert_eq!(closing.len(), 1);
        assert_eq!(closing[0].timestamp, 0);
        assert!(!closing[0].event.end && !closing[0].marker);
        assert!(out.iter().filter(|p| p.marker).count() == 1);
    }

    #[test]
    fn segmented_48khz_event_becomes_one_8khz_segment() {
        let got = run(48000, 8000, 96_000);
        assert!(matches!(
            got[1],
            DetectedEvent::Ended {
                duration: 16_000,
                timestamp: 90_000,
                confirmed: true,
                ..
            }
        ));
    }
}
