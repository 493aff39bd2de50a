//! A key press sent as telephone-events in place of passed-through audio,
//! paced like a real RTP sender (RFC 4733 section 2.5.1): one packet per
//! audio packet it replaces, all stamped with the event's start, the
//! marker on the first, the duration growing with the audio's clock, and
//! the final packet (E bit) sent three times.
//!
//! The relay runs transforms per arriving packet, so riding on the audio
//! gives the leg's own packet time between event packets with no timer;
//! replacing each audio packet in place keeps its sequence number, so the
//! stream stays contiguous. While the audio stops (silence suppression,
//! hold), or before any audio came (on a stream of our own), the
//! transform's timeout calls it instead, with the timestamp the stream's
//! timeline has reached by the relay's clock.

use tolk_media::dtmf::{END_REPEATS, EventPacket, MAX_SEGMENT, TelephoneEvent};

/// The power level of generated key presses, in -dBm0.
pub(super) const VOLUME: u8 = 10;

/// Sends key presses on one stream's audio timeline.
#[derive(Debug, Clone)]
pub(super) struct Pacer {
    /// Timestamp units per packet until the audio shows its own.
    default_step: u32,
    /// How far before a press's start a packet may be and still be late
    /// audio rather than a new timeline (one second).
    late_window: u32,
    /// The SSRC of the audio stream the pacer rides on.
    ssrc: Option<u32>,
    /// The audio timestamp before this one, to measure the packet time.
    last_audio: Option<u32>,
    playing: Option<Playing>,
}

#[derive(Debug, Clone, Copy)]
struct Playing {
    code: u8,
    /// The RTP timestamp of the event's start.
    start: u32,
    /// Its whole duration in timestamp units.
    total: u64,
    /// The duration sent so far.
    elapsed: u64,
    /// Final packets sent so far.
    ends: usize,
}

impl Pacer {
    /// A pacer for a `clock_rate` Hz stream whose packet time is
    /// `packet_ms` until its timestamps show otherwise.
    pub(super) fn new(clock_rate: u32, packet_ms: u32) -> Self {
        let step = u64::from(clock_rate) * u64::from(packet_ms) / 1000;
        Pacer {
            default_step: step.clamp(1, u64::from(MAX_SEGMENT)) as u32,
            late_window: clock_rate.max(1),
            ssrc: None,
            last_audio: None,
            playing: None,
        }
    }

    /// Whether a key press is being sent.
    pub(super) fn is_playing(&self) -> bool {
        self.playing.is_some()
    }

    /// Starts sending event `code` for `ticks` timestamp units with the
    /// next audio packet.
    pub(super) fn play(&mut self, code: u8, ticks: u64) {
        self.playing = Some(Playing {
            code,
            start: 0,
            total: ticks.max(1),
            elapsed: 0,
            ends: 0,
        });
    }

    /// The event packet to send in place of the audio packet of stream
    /// `ssrc` stamped `timestamp`, if a key press is being sent. Called
    /// for every audio packet, so that the packet time is known when a
    /// press starts.
    pub(super) fn next(&mut self, ssrc: u32, timestamp: u32) -> Option<EventPacket> {
        if self.ssrc.replace(ssrc).is_some_and(|old| old != ssrc) {
            // A new source (a transfer, a restarted sender): its packets
            // cannot carry the rest of an event begun on the old one.
            self.last_audio = None;
            self.playing = self.playing.filter(|p| p.elapsed == 0);
        }
        let step = self
            .last_audio
            .map(|last| timestamp.wrapping_sub(last))
            .filter(|&step| step > 0 && step <= 4 * self.default_step)
            .unwrap_or(self.default_step);
        self.last_audio = Some(timestamp);
        let playing = self.playing.as_mut()?;
        let first = playing.elapsed == 0;
        if first {
            playing.start = timestamp;
        }
        let ahead = timestamp.wrapping_sub(playing.start) as i32;
        if playing.ends == 0 && ahead < 0 && ahead.unsigned_abs() > self.late_window {
            // Not late audio but a new timeline (back, or forward by more
            // than half the range): the press ends with what was sent,
            // rather than replacing the audio until the timeline is back.
            playing.total = playing.elapsed.max(1);
        }
        if playing.ends == 0 {
            // The audio packet covers [timestamp, timestamp + step).
            let real = u64::from(ahead.max(0).unsigned_abs()) + u64::from(step);
            // A segment closes at exactly 0xFFFF before the next one opens
            // (RFC 4733 section 2.5.1.3).
            let boundary = (playing.elapsed / u64::from(MAX_SEGMENT) + 1) * u64::from(MAX_SEGMENT);
            playing.elapsed = real.min(boundary).min(playing.total).max(playing.elapsed);
        }
        let end = playing.elapsed >= playing.total;
        if end {
            playing.ends += 1;
        }
        let segment_start = (playing.elapsed - 1) / u64::from(MAX_SEGMENT) * u64::from(MAX_SEGMENT);
        let packet = EventPacket {
            marker: first,
            timestamp: playing.start.wrapping_add(segment_start as u32),
            event: TelephoneEvent {
                code: playing.code,
                end,
                volume: VOLUME,
                duration: (playing.elapsed - segment_start) as u16,
            },
        };
        if playing.ends >= END_REPEATS {
            self.playing = None;
        }
        Some(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tolk_media::dtmf::{DetectedEvent, EventDetector};

    const SSRC: u32 = 7;

    /// What the pacer sends over `packets` audio packets 20 ms apart at 8 kHz.
    fn run(pacer: &mut Pacer, first: u32, packets: u32) -> Vec<Option<EventPacket>> {
        (0..packets)
            .map(|n| pacer.next(SSRC, first.wrapping_add(160 * n)))
            .collect()
    }

    #[test]
    fn one_update_per_audio_packet_then_three_ends() {
        let mut pacer = Pacer::new(8000, 20);
        assert_eq!(pacer.next(SSRC, 1000), None, "idle: the audio passes");
        pacer.play(5, 800);
        let sent = run(&mut pacer, 1160, 9);
        let events: Vec<EventPacket> = sent.iter().flatten().copied().collect();
        assert_eq!(events.len(), 7, "{sent:?}");
        assert!(sent[7..].iter().all(Option::is_none), "then audio again");
        let durations: Vec<u16> = events.iter().map(|p| p.event.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        assert!(
            events
                .iter()
                .all(|p| p.timestamp == 1160 && p.event.code == 5)
        );
        assert!(events[0].marker && events[1..].iter().all(|p| !p.marker));
        assert_eq!(events.iter().filter(|p| p.event.end).count(), END_REPEATS);
        assert!(!pacer.is_playing());
    }

    #[test]
    fn the_audio_packet_time_sets_the_pace() {
        // 30 ms audio: each update covers 240 ticks.
        let mut pacer = Pacer::new(8000, 20);
        pacer.next(SSRC, 0);
        pacer.play(1, 480);
        let durations: Vec<u16> = (1..6)
            .filter_map(|n| pacer.next(SSRC, 240 * n))
            .map(|p| p.event.duration)
            .collect();
        assert_eq!(durations, [240, 480, 480, 480]);
    }

    #[test]
    fn a_long_press_at_48_khz_is_segmented_and_detected_whole() {
        // 2 s at 48 kHz is 96,000 ticks: past one segment's 0xFFFF.
        let mut pacer = Pacer::new(48000, 20);
        pacer.play(11, 96_000);
        let mut detector = EventDetector::new();
        let mut n = 0u32;
        while let Some(packet) = pacer.next(SSRC, (u32::MAX - 5000).wrapping_add(960 * n)) {
            detector
                .handle_packet(packet.timestamp, &packet.event.to_bytes())
                .expect("event");
            n += 1;
            assert!(n < 200, "the press never ended");
        }
        let ended = std::iter::from_fn(|| detector.poll_event()).last();
        assert!(
            matches!(
                ended,
                Some(DetectedEvent::Ended {
                    code: 11,
                    duration: 96_000,
                    confirmed: true,
                    ..
                })
            ),
            "{ended:?}"
        );
    }

    #[test]
    fn a_timestamp_jump_ends_the_press_instead_of_stretching_it() {
        let mut pacer = Pacer::new(8000, 20);
        pacer.play(2, 800);
        pacer.next(SSRC, 0);
        let after_jump = pacer.next(SSRC, 1_000_000).expect("an update");
        assert!(after_jump.event.end && after_jump.event.duration == 800);
        // A packet from just before the press (reordered): no progress,
        // the duration never shrinks.
        let mut pacer = Pacer::new(8000, 20);
        pacer.play(2, 800);
        pacer.next(SSRC, 5000);
        let back = pacer.next(SSRC, 4840).expect("an update");
        assert_eq!((back.event.duration, back.event.end), (160, false));
    }

    #[test]
    fn a_timeline_jumping_back_ends_the_press_with_what_was_sent() {
        // Back by far, or forward by more than half the timestamp range
        // (which reads as back): a new timeline, not late audio. The
        // press must end instead of replacing the audio until the new
        // timeline catches up with its start (days).
        for jump in [-16_000i64, 1 << 31, (1 << 31) + 160] {
            let mut pacer = Pacer::new(8000, 20);
            pacer.play(2, 800);
            pacer.next(SSRC, 5000);
            pacer.next(SSRC, 5160);
            let after = 5320u32.wrapping_add(jump as u32);
            let sent: Vec<EventPacket> = run(&mut pacer, after, 6).into_iter().flatten().collect();
            assert_eq!(sent.len(), END_REPEATS, "jump {jump}: {sent:?}");
            assert!(
                sent.iter()
                    .all(|p| p.event.end && p.event.duration == 320 && p.timestamp == 5000),
                "jump {jump}: {sent:?}"
            );
            assert!(!pacer.is_playing());
        }
    }

    #[test]
    fn a_new_stream_drops_the_press_it_interrupts_and_starts_the_next_on_it() {
        let mut pacer = Pacer::new(8000, 20);
        pacer.play(2, 800);
        assert!(pacer.next(1, 5000).is_some());
        // The source changed (a transfer, a new SSRC): its packets are
        // its own audio, not the rest of an event it never began.
        assert_eq!(pacer.next(2, 90_000), None);
        assert!(!pacer.is_playing());
        // A press that had not started yet starts on the new stream.
        pacer.play(3, 320);
        let first = pacer.next(2, 90_160).expect("starts");
        assert!(first.marker && first.timestamp == 90_160);
        pacer.next(2, 90_320);
        pacer.next(2, 90_480);
        pacer.next(2, 90_480);
        assert!(!pacer.is_playing());
        pacer.play(4, 320);
        assert!(pacer.next(3, 7).is_some(), "not begun: kept");
    }
}
