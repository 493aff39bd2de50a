//! Receiving events (RFC 4733 section 2.5.2): one start and one end per
//! event however many updates, retransmissions or packed blocks arrive,
//! and an end even when every final packet was lost.

use std::collections::VecDeque;

use super::event::{TelephoneEvent, event_blocks};
use super::generator::MAX_SEGMENT;
use crate::Error;

/// What the detector reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectedEvent {
    /// An event began at `timestamp`.
    Started {
        /// Event code.
        code: u8,
        /// RTP timestamp of its start.
        timestamp: u32,
    },
    /// An event ended; `duration` is in timestamp units, over all segments.
    Ended {
        /// Event code.
        code: u8,
        /// RTP timestamp of its start.
        timestamp: u32,
        /// Total duration in timestamp units.
        duration: u32,
        /// False when the end was inferred (its final packets were lost).
        confirmed: bool,
    },
}

#[derive(Debug, Clone, Copy)]
struct Ongoing {
    code: u8,
    start: u32,
    /// Start of the current segment.
    segment: u32,
    /// Duration of the segments before the current one.
    earlier: u32,
    duration: u16,
}

impl Ongoing {
    fn total(&self) -> u32 {
        self.earlier.saturating_add(u32::from(self.duration))
    }
}

/// Turns received telephone-event packets into start/end notifications.
#[derive(Debug, Clone, Default)]
pub struct EventDetector {
    ongoing: Option<Ongoing>,
    /// Code, start and last segment of recently ended events, to drop
    /// late repeats.
    ended: VecDeque<(u8, u32, u32)>,
    events: VecDeque<DetectedEvent>,
}

const REMEMBERED_ENDS: usize = 8;

impl EventDetector {
    /// A detector with nothing in progress.
    pub fn new() -> Self {
        EventDetector::default()
    }

    /// Feeds the RTP timestamp and payload of one telephone-event packet.
    pub fn handle_packet(&mut self, timestamp: u32, payload: &[u8]) -> Result<(), Error> {
        let mut block_start = timestamp;
        for block in event_blocks(payload)? {
            self.handle_block(block_start, block);
            // A packed event starts where the one before it ended.
            block_start = block_start.wrapping_add(u32::from(block.duration));
        }
        Ok(())
    }

    /// The next notification, if any.
    pub fn poll_event(&mut self) -> Option<DetectedEvent> {
        self.events.pop_front()
    }

    /// Ends the event in progress, if any: call when the stream stops or
    /// no update arrived for a while (the sender's end packets were lost).
    pub fn finish(&mut self) {
        if let Some(o) = self.ongoing.take() {
            self.end(o, false);
        }
    }

    /// Audio stamped `timestamp` arrived on the events' stream: an event
    /// in progress whose latest update ends more than `after` timestamp
    /// units before it has ended, its final packets lost: the sender's
    /// audio replaces its events again.
    pub fn audio_at(&mut self, timestamp: u32, after: u32) {
        let Some(o) = self.ongoing else {
            return;
        };
        let latest = o.segment.wrapping_add(u32::from(o.duration));
        let past = timestamp.wrapping_sub(latest) as i32;
        if past > 0 && past.unsigned_abs() > after {
            self.finish();
        }
    }

    fn handle_block(&mut self, timestamp: u32, block: TelephoneEvent) {
        let of_ended = |&(code, start, segment): &(u8, u32, u32)| {
            code == block.code && in_segments(start, segment, timestamp)
        };
        if self.ended.iter().any(of_ended) {
            return; // A late or repeated packet of an event already reported.
        }
        match self.ongoing {
            Some(mut o) if o.code == block.code && o.segment == timestamp => {
                o.duration = o.duration.max(block.duration);
                self.ongoing = Some(o);
            }
            Some(o) if o.code == block.code && in_segments(o.start, o.segment, timestamp) => {
                return; // A late update of an earlier segment, counted whole.
            }
            Some(mut o)
                if o.code == block.code && timestamp == o.segment.wrapping_add(MAX_SEGMENT) =>
            {
                // The next segment of a long event.
                o.earlier = o.earlier.saturating_add(MAX_SEGMENT);
                o.segment = timestamp;
                o.duration = block.duration;
                self.ongoing = Some(o);
            }
            Some(o) => {
                // A different event began: the old one's end was lost.
                self.end(o, false);
                self.begin(timestamp, block);
            }
            None => self.begin(timestamp, block),
        }
        if block.end {
            if let Some(o) = self.ongoing.take() {
                self.end(o, true);
            }
        }
    }

    fn begin(&mut self, timestamp: u32, block: TelephoneEvent) {
        self.events.push_back(DetectedEvent::Started {
            code: block.code,
            timestamp,
        });
        self.ongoing = Some(Ongoing {
            code: block.code,
            start: timestamp,
            segment: timestamp,
            earlier: 0,
            duration: block.duration,
        });
    }

    fn end(&mut self, o: Ongoing, confirmed: bool) {
        self.events.push_back(DetectedEvent::Ended {
            code: o.code,
            timestamp: o.start,
            duration: o.total(),
            confirmed,
        });
        if self.ended.len() == REMEMBERED_ENDS {
            self.ended.pop_front();
        }
        self.ended.push_back((o.code, o.start, o.segment));
    }
}

/// Whether `timestamp` starts one of the segments of an event from
/// `start` to its segment at `last` (RFC 4733 section 2.5.1.3: each one
/// [`MAX_SEGMENT`] after the one before).
fn in_segments(start: u32, last: u32, timestamp: u32) -> bool {
    let offset = timestamp.wrapping_sub(start);
    offset <= last.wrapping_sub(start) && offset % MAX_SEGMENT == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtmf::EventGenerator;
    use proptest::prelude::*;

    fn drain(d: &mut EventDetector) -> Vec<DetectedEvent> {
        std::iter::from_fn(|| d.poll_event()).collect()
    }

    #[test]
    fn one_start_and_one_end_despite_repeats() {
        let mut d = EventDetector::new();
        for p in EventGenerator::new(8000, 20).packets(3, 10, 100, 800) {
            d.handle_packet(p.timestamp, &p.event.to_bytes()).unwrap();
        }
        assert_eq!(
            drain(&mut d),
            [
                DetectedEvent::Started {
                    code: 3,
                    timestamp: 100
                },
                DetectedEvent::Ended {
                    code: 3,
                    timestamp: 100,
                    duration: 800,
                    confirmed: true
                },
            ]
        );
    }

    #[test]
    fn lost_end_is_inferred_from_the_next_event() {
        let mut d = EventDetector::new();
        let update = TelephoneEvent {
            code: 1,
            end: false,
            volume: 0,
            duration: 320,
        };
        d.handle_packet(0, &update.to_bytes()).unwrap();
        let next = TelephoneEvent { code: 2, ..update };
        d.handle_packet(2000, &next.to_bytes()).unwrap();
        d.finish();
        assert_eq!(
            drain(&mut d),
            [
                DetectedEvent::Started {
                    code: 1,
                    timestamp: 0
                },
                DetectedEvent::Ended {
                    code: 1,
                    timestamp: 0,
                    duration: 320,
                    confirmed: false
                },
                DetectedEvent::Started {
                    code: 2,
                    timestamp: 2000
                },
                DetectedEvent::Ended {
                    code: 2,
                    timestamp: 2000,
                    duration: 320,
                    confirmed: false
                },
            ]
        );
    }

    #[test]
    fn audio_well_past_an_event_without_end_ends_it() {
        let mut d = EventDetector::new();
        let update = TelephoneEvent {
            code: 6,
            end: false,
            volume: 0,
            duration: 480,
        };
        d.handle_packet(1000, &update.to_bytes()).unwrap();
        // Audio alongside the event, or just after it: still going.
        d.audio_at(1000 + 480 + 1600, 1600);
        assert_eq!(drain(&mut d).len(), 1, "started only");
        d.audio_at(1000 + 480 + 1601, 1600);
        assert_eq!(
            drain(&mut d),
            [DetectedEvent::Ended {
                code: 6,
                timestamp: 1000,
                duration: 480,
                confirmed: false
            }]
        );
        // Audio from before the event (late) ends nothing.
        d.handle_packet(9000, &update.to_bytes()).unwrap();
        d.audio_at(5000, 1600);
        assert_eq!(drain(&mut d).len(), 1, "started only");
    }

    #[test]
    fn packed_blocks_are_consecutive_events() {
        let mut d = EventDetector::new();
        let first = TelephoneEvent {
            code: 1,
            end: true,
            volume: 0,
            duration: 400,
        };
        let second = TelephoneEvent {
            code: 2,
            end: true,
            volume: 0,
            duration: 400,
        };
        let payload = [first.to_bytes(), second.to_bytes()].concat();
        d.handle_packet(1000, &payload).unwrap();
        // The same packet again (redundant copy) changes nothing.
        d.handle_packet(1000, &payload).unwrap();
        let got = drain(&mut d);
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[2],
            DetectedEvent::Started {
                code: 2,
                timestamp: 1400
            }
        );
    }

    #[test]
    fn segments_add_up() {
        let mut d = EventDetector::new();
        for p in EventGenerator::new(48000, 20).packets(11, 0, 7, 96_000) {
            d.handle_packet(p.timestamp, &p.event.to_bytes()).unwrap();
        }
        let got = drain(&mut d);
        assert_eq!(
            got,
            [
                DetectedEvent::Started {
                    code: 11,
                    timestamp: 7
                },
                DetectedEvent::Ended {
                    code: 11,
                    timestamp: 7,
                    duration: 96_000,
                    confirmed: true
                },
            ]
        );
    }

    #[test]
    fn a_segment_boundary_crossed_out_of_order_is_still_one_event() {
        let mut packets = EventGenerator::new(48000, 20).packets(11, 0, 7, 96_000);
        // The update closing the first segment at 0xFFFF and the first of
        // the second segment arrive swapped, then a late first-segment
        // update arrives after the event ended.
        let boundary = packets
            .iter()
            .position(|p| p.timestamp != 7)
            .expect("two segments");
        packets.swap(boundary - 1, boundary);
        let late = packets[boundary - 2];
        packets.push(late);
        let mut d = EventDetector::new();
        for p in &packets {
            d.handle_packet(p.timestamp, &p.event.to_bytes()).unwrap();
        }
        d.finish();
        assert_eq!(
            drain(&mut d),
            [
                DetectedEvent::Started {
                    code: 11,
                    timestamp: 7
                },
                DetectedEvent::Ended {
                    code: 11,
                    timestamp: 7,
                    duration: 96_000,
                    confirmed: true
                },
            ]
        );
    }

    proptest! {
        /// Whatever subset of packets survives (the first included), the
        /// detector reports the event once, never longer than it was.
        #[test]
        fn loss_never_duplicates_or_lengthens(
            code in 0u8..16, duration in 1u32..200_000, keep in prop::collection::vec(any::<bool>(), 0..400),
            rate in prop::sample::select(vec![8000u32, 16000, 48000]),
        ) {
            let packets = EventGenerator::new(rate, 20).packets(code, 10, 12345, duration);
            let mut d = EventDetector::new();
            for (i, p) in packets.iter().enumerate() {
                if i == 0 || keep.get(i).copied().unwrap_or(true) {
                    d.handle_packet(p.timestamp, &p.event.to_bytes()).unwrap();
                }
            }
            d.finish();
            let got = drain(&mut d);
            let starts = got.iter().filter(|e| matches!(e, DetectedEvent::Started { .. })).count();
            prop_assert!(starts >= 1);
            let mut total = 0;
            for e in &got {
                if let DetectedEvent::Ended { duration: dur, .. } = e { total += dur; }
            }
            prop_assert!(total <= duration);
            if keep.len() >= packets.len() && keep.iter().all(|k| *k) {
                prop_assert_eq!(starts, 1);
                prop_assert_eq!(total, duration);
            }
        }
    }
}
