//! Sending an event (RFC 4733 section 2.5.1): a start packet with the
//! marker bit, updates every packet time, and the final packet three times.

use super::event::TelephoneEvent;

/// How many times the final (E bit) packet is sent (RFC 4733 2.5.1.4).
pub const END_REPEATS: usize = 3;

/// Longest duration one segment can express (RFC 4733 2.5.1.3).
pub const MAX_SEGMENT: u32 = 0xffff;

/// One telephone-event RTP packet to send: header fields plus the block.
/// Sequence numbers are the sender's business, one per packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// Set on the first packet of an event only.
    pub marker: bool,
    /// The RTP timestamp: the event's (or segment's) start.
    pub timestamp: u32,
    /// The event block.
    pub event: TelephoneEvent,
}

/// Produces the packet sequence for events at one clock rate and packet time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventGenerator {
    packet_ticks: u32,
}

impl EventGenerator {
    /// A generator sending one update every `packet_ms` at `clock_rate` Hz
    /// (at least one tick per packet).
    pub fn new(clock_rate: u32, packet_ms: u32) -> Self {
        let packet_ticks = (u64::from(clock_rate) * u64::from(packet_ms) / 1000) as u32;
        EventGenerator {
            packet_ticks: packet_ticks.clamp(1, MAX_SEGMENT),
        }
    }

    /// Timestamp units between two updates.
    pub fn packet_ticks(&self) -> u32 {
        self.packet_ticks
    }

    /// Every packet for an event of `duration` ticks starting at `start`,
    /// in send order, one packet time apart (the end repeats included,
    /// RFC 4733 section 2.5.1.4). Events longer than [`MAX_SEGMENT`] are
    /// split into segments with their own timestamps; each full segment
    /// ends with an update of duration 0xFFFF (RFC 4733 2.5.1.3).
    pub fn packets(&self, code: u8, volume: u8, start: u32, duration: u32) -> Vec<EventPacket> {
        let duration = u64::from(duration.max(1));
        let max = u64::from(MAX_SEGMENT);
        let mut out = Vec::new();
        let mut elapsed = 0u64;
        while elapsed < duration {
            // Never step over a segment boundary: stop on it first.
            let boundary = (elapsed / max + 1) * max;
            elapsed = (elapsed + u64::from(self.packet_ticks))
                .min(boundary)
                .min(duration);
            // Segment k covers (k * MAX, (k + 1) * MAX] of the event.
            let segment_start = (elapsed - 1) / max * max;
            let event = TelephoneEvent {
                code,
                end: false,
                volume: volume & 0x3f,
                duration: (elapsed - segment_start) as u16,
            };
            out.push(EventPacket {
                marker: out.is_empty(),
                timestamp: start.wrapping_add(segment_start as u32),
                event,
            });
        }
        if let Some(last) = out.last_mut() {
            last.event.end = true;
            let final_packet = *last;
            out.extend(std::iter::repeat_n(final_packet, END_REPEATS - 1));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_100_ms_digit_at_8khz_in_20_ms_packets() {
        let packets = EventGenerator::new(8000, 20).packets(1, 10, 5000, 800);
        let durations: Vec<u16> = packets.iter().map(|p| p.event.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        assert!(packets[0].marker);
        assert!(packets[1..].iter().all(|p| !p.marker));
        assert!(packets.iter().all(|p| p.timestamp == 5000));
        assert_eq!(packets.iter().filter(|p| p.event.end).count(), END_REPEATS);
        assert!(packets[..4].iter().all(|p| !p.event.end));
    }

    #[test]
    fn long_events_are_segmented() {
        // 2 s at 48 kHz = 96000 ticks: two segments.
        let packets = EventGenerator::new(48000, 20).packets(11, 0, u32::MAX - 10, 96_000);
        let first = packets.first().unwrap();
        let last = packets.last().unwrap();
        assert_eq!(first.timestamp, u32::MAX - 10);
        assert_eq!(last.timestamp, (u32::MAX - 10).wrapping_add(MAX_SEGMENT));
        assert_eq!(u32::from(last.event.duration), 96_000 - MAX_SEGMENT);
        // RFC 4733 2.5.1.3: the first segment closes at exactly 0xFFFF
        // even though 0xFFFF is not a multiple of 960.
        let closing = packets
            .iter()
            .filter(|p| p.timestamp == first.timestamp)
            .map(|p| p.event.duration)
            .max();
        assert_eq!(closing, Some(0xffff));
        assert!(packets.iter().all(|p| p.event.duration > 0));
    }
}
