//! DTMF across the bridge in each leg's own form, as the relay transform
//! on the media toward a leg (one per direction, doing the transcoding
//! too when the call transcodes):
//!
//! - toward an INFO leg, telephone-events from the other leg are detected
//!   (one report per key press, at its end) and not forwarded; the gateway
//!   sends the INFO. Passed-through audio after them is renumbered, so the
//!   leg sees a contiguous sequence, not a loss;
//! - toward an RFC 4733 leg, key presses the gateway queued (from the
//!   other leg's INFO) go out as telephone-events in the leg's audio
//!   stream, paced like a real sender (RFC 4733 section 2.5.1: one
//!   update per packet time, one timestamp, the marker on the first, the
//!   final packet three times): in place of passed-through audio packets,
//!   riding on their arrival so no timer is needed, or in place of the
//!   audio frames the transcoder encodes;
//! - between two RFC 4733 legs on a transcoded call the transcoder
//!   carries the events over (`tolk-media`'s pipeline): payload type
//!   mapped, timestamps on the stream it emits, durations rescaled when
//!   the clock rates differ (8 kHz PCMU <-> 48 kHz Opus).
//!
//! Passed-through audio is copied once, into the relay's outbox, where its
//! payload type and sequence number are rewritten in place; nothing on the
//! per-packet path allocates.

mod budget;
mod pacer;
mod queue;
mod renumber;

use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tolk_interwork::{Digit, DtmfEvent};
use tolk_media::dtmf::{DetectedEvent, EventDetector, EventPacket};
use tolk_media::rtp::{RtpBuilder, RtpHeaderMut, RtpPacket};
use tolk_media::transcode::AudioPipeline;
use tolk_relay::DropReason;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::transform::{
    AudioTranscode, AudioTranscoder, MediaTransform, Outbox, TransformFactory,
};
use tolk_relay::{SessionId, Side};

use budget::ReportBudget;
use pacer::{Pacer, VOLUME};
pub use queue::DtmfQueue;
use renumber::Renumber;

/// The packet time assumed for injected key presses until the audio
/// they replace shows its own (RFC 4733 section 2.5.1.2: the audio's).
const DEFAULT_PACKET_MS: u32 = 20;

/// A key press the relay saw in a leg's media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfReport {
    /// The call's relay session.
    pub session: SessionId,
    /// The leg that sent it.
    pub from: Side,
    /// The key and its duration.
    pub event: DtmfEvent,
}

/// Telephone-events arriving on this payload type are reported, not
/// forwarded.
#[derive(Debug, Clone)]
pub struct Detect {
    /// The telephone-event payload type the source leg sends.
    pub payload_type: u8,
    /// Its clock rate (for durations).
    pub clock_rate: u32,
    /// Where reports go.
    pub reports: UnboundedSender<DtmfReport>,
    /// Which call and leg they are from.
    pub session: SessionId,
    /// The source leg.
    pub from: Side,
}

/// Queued key presses are sent on this payload type.
#[derive(Debug, Clone)]
pub struct Inject {
    /// The telephone-event payload type the destination leg receives.
    pub payload_type: u8,
    /// Its clock rate: the destination leg's audio clock (RFC 4733
    /// section 2.1), as events share the audio's timestamps.
    pub clock_rate: u32,
    /// The key presses to send.
    pub queue: DtmfQueue,
}

/// How the audio itself goes toward the leg.
#[derive(Debug, Clone)]
pub enum AudioPath {
    /// Passed through with its payload types rewritten.
    Rewrite(PayloadTypeMap),
    /// Transcoded; telephone-events the recipe names on both sides are
    /// carried across, and injected key presses are sent on its output
    /// telephone-event payload type (which must be [`Inject`]'s).
    Transcode(AudioTranscode),
}

/// The recipe for one direction's DTMF conversion.
#[derive(Debug, Clone)]
pub struct DtmfConversion {
    /// What happens to the audio.
    pub audio: AudioPath,
    /// Telephone-events to turn into reports.
    pub detect: Option<Detect>,
    /// Key presses to turn into telephone-events.
    pub inject: Option<Inject>,
}

impl TransformFactory for DtmfConversion {
    fn build(&self) -> tolk_relay::Result<Box<dyn MediaTransform>> {
        let egress = match &self.audio {
            AudioPath::Rewrite(payload_types) => Egress::Rewrite {
                payload_types: payload_types.clone(),
                renumber: Box::default(),
                pacer: Pacer::new(
                    self.inject.as_ref().map_or(8000, |i| i.clock_rate),
                    DEFAULT_PACKET_MS,
                ),
            },
            AudioPath::Transcode(recipe) => Egress::Transcode(Box::new(AudioTranscoder::new(
                AudioPipeline::new(&recipe.registry, recipe.config.clone())?,
                recipe.config.ssrc,
            ))),
        };
        Ok(Box::new(DtmfTransform {
            detect: self.detect.clone(),
            inject: self.inject.clone(),
            detector: EventDetector::new(),
            budget: ReportBudget::default(),
            egress,
        }))
    }
}

struct DtmfTransform {
    detect: Option<Detect>,
    inject: Option<Inject>,
    detector: EventDetector,
    /// Bounds the INFOs a peer's events can cause.
    budget: ReportBudget,
    egress: Egress,
}

enum Egress {
    Rewrite {
        payload_types: PayloadTypeMap,
        /// Sequence numbers closed up over the packets taken out.
        renumber: Box<Renumber>,
        pacer: Pacer,
    },
    Transcode(Box<AudioTranscoder>),
}

impl MediaTransform for DtmfTransform {
    fn process(&mut self, rtp: &RtpPacket<'_>, out: &mut Outbox) -> Result<(), DropReason> {
        if let Some(detect) = &self.detect
            && rtp.payload_type() == detect.payload_type
        {
            if self
                .detector
                .handle_packet(rtp.timestamp(), rtp.payload())
                .is_ok()
            {
                while let Some(event) = self.detector.poll_event() {
                    report(detect, event, &mut self.budget);
                }
            }
            if let Egress::Rewrite { renumber, .. } = &mut self.egress {
                renumber.take(rtp.ssrc(), rtp.sequence_number());
            }
            return Ok(());
        }
        if let Some(detect) = &self.detect {
            // The audio is back well past an event that never ended.
            let after = detect.clock_rate / 5;
            self.detector.audio_at(rtp.timestamp(), after);
            while let Some(event) = self.detector.poll_event() {
                report(detect, event, &mut self.budget);
            }
        }
        match &mut self.egress {
            Egress::Transcode(transcoder) => {
                let pipeline = transcoder.pipeline_mut();
                // One press at a time leaves the bounded queue.
                if !pipeline.events_waiting()
                    && let Some(press) = self.inject.as_ref().and_then(|i| i.queue.pop())
                {
                    pipeline.insert_event(press.digit.event_code(), millis(press), VOLUME);
                }
                transcoder.process(rtp, out)
            }
            Egress::Rewrite {
                payload_types,
                renumber,
                pacer,
            } => {
                let ssrc = rtp.ssrc();
                let sequence = renumber.pass(ssrc, rtp.sequence_number());
                if let Some(inject) = &self.inject {
                    if !pacer.is_playing()
                        && let Some(press) = inject.queue.pop()
                    {
                        pacer.play(press.digit.event_code(), ticks(press, inject.clock_rate));
                    }
                    if let Some(event) = pacer.next(ssrc, rtp.timestamp()) {
                        return out.push_with(|slot| {
                            write_event(slot, inject.payload_type, sequence, ssrc, event)
                        });
                    }
                }
                let bytes = rtp.as_bytes();
                let payload_type = payload_types.map(rtp.payload_type());
                out.push_with(|slot| {
                    let slot = slot.get_mut(..bytes.len()).ok_or(DropReason::Oversized)?;
                    slot.copy_from_slice(bytes);
                    let mut header = RtpHeaderMut::new(slot).map_err(|_| DropReason::Malformed)?;
                    header.set_payload_type(payload_type);
                    header.set_sequence_number(sequence);
                    Ok(bytes.len())
                })
            }
        }
    }

    fn output_ssrc(&self) -> Option<u32> {
        match &self.egress {
            Egress::Transcode(transcoder) => transcoder.output_ssrc(),
            Egress::Rewrite { .. } => None,
        }
    }
}

/// A key press's duration in milliseconds, at most `u32::MAX`.
fn millis(press: DtmfEvent) -> u32 {
    u32::try_from(press.duration.as_millis()).unwrap_or(u32::MAX)
}

/// A key press's duration in `clock_rate` timestamp units.
fn ticks(press: DtmfEvent, clock_rate: u32) -> u64 {
    u64::from(clock_rate) * u64::from(millis(press)) / 1000
}

/// Writes one telephone-event packet of the audio stream `ssrc` into `slot`.
fn write_event(
    slot: &mut [u8],
    payload_type: u8,
    sequence: u16,
    ssrc: u32,
    event: EventPacket,
) -> Result<usize, DropReason> {
    RtpBuilder {
        marker: event.marker,
        payload_type,
        sequence_number: sequence,
        timestamp: event.timestamp,
        ssrc,
        payload: &event.event.to_bytes(),
        ..RtpBuilder::default()
    }
    .write_to(slot)
    .map_err(|_| DropReason::Malformed)
}

fn report(detect: &Detect, event: DetectedEvent, budget: &mut ReportBudget) {
    let DetectedEvent::Ended { code, duration, .. } = event else {
        return;
    };
    let Some(digit) = Digit::from_event_code(code) else {
        return;
    };
    if !budget.take(Instant::now()) {
        return;
    }
    let millis = u64::from(duration) * 1000 / u64::from(detect.clock_rate.max(1));
    let _ = detect.reports.send(DtmfReport {
        session: detect.session,
        from: detect.from,
        event: DtmfEvent {
            digit,
            duration: Duration::from_millis(millis),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::budget::REPORT_BURST;
    use super::*;
    use tolk_media::codec::{CodecFormat, CodecRegistry};
    use tolk_media::dtmf::TelephoneEvent;
    use tolk_media::transcode::{LegFormat, PipelineConfig};

    fn packet(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0; 1500];
        let len = RtpBuilder {
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc: 7,
            payload,
            ..RtpBuilder::default()
        }
        .write_to(&mut buf)
        .expect("packet");
        buf.truncate(len);
        buf
    }

    fn event(code: u8, end: bool, duration: u16) -> [u8; 4] {
        TelephoneEvent {
            code,
            end,
            volume: 10,
            duration,
        }
        .to_bytes()
    }

    fn press(key: char, millis: u64) -> DtmfEvent {
        DtmfEvent {
            digit: Digit::from_char(key).expect("digit"),
            duration: Duration::from_millis(millis),
        }
    }

    /// Runs `input` through `transform`; what came out, as owned packets.
    fn run(transform: &mut dyn MediaTransform, input: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut out = Outbox::default();
        let mut sent = Vec::new();
        for bytes in input {
            out.clear();
            transform
                .process(&RtpPacket::parse(bytes).expect("rtp"), &mut out)
                .expect("processed");
            sent.extend(out.iter().map(<[u8]>::to_vec));
        }
        sent
    }

    fn parsed(packets: &[Vec<u8>]) -> Vec<RtpPacket<'_>> {
        packets
            .iter()
            .map(|p| RtpPacket::parse(p).expect("rtp"))
            .collect()
    }

    fn audio(pt: u8, first_seq: u16, count: u16) -> Vec<Vec<u8>> {
        (0..count)
            .map(|n| {
                let seq = first_seq + n;
                packet(pt, seq, 160 * u32::from(seq), &[0xd5; 160])
            })
            .collect()
    }

    fn inject(queue: &DtmfQueue, payload_type: u8, clock_rate: u32) -> Option<Inject> {
        Some(Inject {
            payload_type,
            clock_rate,
            queue: queue.clone(),
        })
    }

    #[test]
    fn a_queued_key_press_replaces_the_audio_one_packet_at_a_time() {
        let queue = DtmfQueue::default();
        let recipe = DtmfConversion {
            audio: AudioPath::Rewrite(PayloadTypeMap::from_pairs([(8, 18)])),
            detect: None,
            inject: inject(&queue, 101, 8000),
        };
        let mut transform = recipe.build().expect("transform");
        let input = audio(8, 100, 10);
        let mut sent = run(transform.as_mut(), &input[..1]);
        assert!(queue.push(press('5', 100)));
        sent.extend(run(transform.as_mut(), &input[1..]));
        let packets = parsed(&sent);
        assert_eq!(packets.len(), input.len(), "one packet out per packet in");
        let sequences: Vec<u16> = packets.iter().map(RtpPacket::sequence_number).collect();
        assert_eq!(sequences, (100..110).collect::<Vec<u16>>(), "in place");
        let events = &packets[1..8];
        assert!(
            events
                .iter()
                .all(|p| p.payload_type() == 101 && p.timestamp() == 160 * 101 && p.ssrc() == 7)
        );
        assert!(events[0].marker() && events[1..].iter().all(|p| !p.marker()));
        let blocks: Vec<TelephoneEvent> = events
            .iter()
            .map(|p| TelephoneEvent::parse(p.payload()).expect("event"))
            .collect();
        let durations: Vec<u16> = blocks.iter().map(|b| b.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        assert!(blocks.iter().all(|b| b.code == 5));
        assert_eq!(blocks.iter().filter(|b| b.end).count(), 3);
        for audio in [&packets[0], &packets[8], &packets[9]] {
            assert_eq!((audio.payload_type(), audio.payload().len()), (18, 160));
        }
    }

    #[test]
    fn telephone_events_become_one_report_and_the_audio_stays_contiguous() {
        let (reports, mut received) = tokio::sync::mpsc::unbounded_channel();
        let recipe = DtmfConversion {
            audio: AudioPath::Rewrite(PayloadTypeMap::identity()),
            detect: Some(Detect {
                payload_type: 101,
                clock_rate: 8000,
                reports,
                session: SessionId(4),
                from: Side::A,
            }),
            inject: None,
        };
        let mut transform = recipe.build().expect("transform");
        let mut input = audio(0, 0, 1);
        for (seq, (end, duration)) in [(false, 160u16), (false, 320), (true, 480), (true, 480)]
            .into_iter()
            .enumerate()
        {
            input.push(packet(101, seq as u16 + 1, 160, &event(11, end, duration)));
        }
        input.extend(audio(0, 5, 2));
        let sent = run(transform.as_mut(), &input);
        let packets = parsed(&sent);
        let seen: Vec<(u8, u16)> = packets
            .iter()
            .map(|p| (p.payload_type(), p.sequence_number()))
            .collect();
        assert_eq!(seen, [(0, 0), (0, 1), (0, 2)], "events out, no gap");
        let report = received.try_recv().expect("one report");
        assert_eq!(report.event.digit.as_char(), '#');
        assert_eq!(report.event.duration, Duration::from_millis(60));
        assert_eq!((report.session, report.from), (SessionId(4), Side::A));
        assert!(received.try_recv().is_err());
    }

    #[test]
    fn reordered_or_repeated_packets_never_share_a_sequence_number() {
        let (reports, _received) = tokio::sync::mpsc::unbounded_channel();
        let recipe = DtmfConversion {
            audio: AudioPath::Rewrite(PayloadTypeMap::identity()),
            detect: Some(Detect {
                payload_type: 101,
                clock_rate: 8000,
                reports,
                session: SessionId(4),
                from: Side::A,
            }),
            inject: None,
        };
        let mut transform = recipe.build().expect("transform");
        let audio_at = |seq: u16| packet(0, seq, 160 * u32::from(seq), &[0xd5; 160]);
        let event_at = |seq: u16| packet(101, seq, 1600, &event(1, false, 160));
        let input = [
            audio_at(9),
            // 10 comes late, after an event packet was taken out.
            audio_at(11),
            event_at(12),
            audio_at(13),
            audio_at(10),
            // An event packet the network delivered twice, then one late.
            event_at(14),
            event_at(14),
            audio_at(16),
            event_at(15),
            audio_at(17),
        ];
        let sent = run(transform.as_mut(), &input);
        let sequences: Vec<u16> = parsed(&sent)
            .iter()
            .map(RtpPacket::sequence_number)
            .collect();
        let mut unique = sequences.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), sequences.len(), "{sequences:?}");
        assert_eq!(sequences.len(), 6, "every audio packet out: {sequences:?}");
    }

    #[test]
    fn a_press_whose_end_packets_were_lost_is_reported_once_the_audio_is_back() {
        let (reports, mut received) = tokio::sync::mpsc::unbounded_channel();
        let recipe = DtmfConversion {
            audio: AudioPath::Rewrite(PayloadTypeMap::identity()),
            detect: Some(Detect {
                payload_type: 101,
                clock_rate: 8000,
                reports,
                session: SessionId(4),
                from: Side::A,
            }),
            inject: None,
        };
        let mut transform = recipe.build().expect("transform");
        let mut input = audio(0, 0, 1);
        for (n, duration) in [160u16, 320, 480].into_iter().enumerate() {
            input.push(packet(101, n as u16 + 1, 160, &event(4, false, duration)));
        }
        // No final packet arrives; the audio goes on.
        input.extend(audio(0, 4, 20));
        run(transform.as_mut(), &input);
        let report = received.try_recv().expect("the press, its end inferred");
        assert_eq!(report.event.digit.as_char(), '4');
        assert_eq!(report.event.duration, Duration::from_millis(60));
        assert!(received.try_recv().is_err(), "once");
    }

    #[test]
    fn a_flood_of_events_becomes_a_bounded_number_of_reports() {
        let (reports, mut received) = tokio::sync::mpsc::unbounded_channel();
        let recipe = DtmfConversion {
            audio: AudioPath::Rewrite(PayloadTypeMap::identity()),
            detect: Some(Detect {
                payload_type: 101,
                clock_rate: 8000,
                reports,
                session: SessionId(4),
                from: Side::A,
            }),
            inject: None,
        };
        let mut transform = recipe.build().expect("transform");
        // Each packet a whole key press at its own timestamp, and one
        // packet packing 300 of them: 600 presses in no time at all.
        let packed: Vec<u8> = (0..300).flat_map(|_| event(1, true, 40)).collect();
        let mut input: Vec<Vec<u8>> = (0..300u16)
            .map(|n| packet(101, n, 1000 * u32::from(n), &event(2, true, 320)))
            .collect();
        input.push(packet(101, 300, 400_000, &packed));
        run(transform.as_mut(), &input);
        let sent = std::iter::from_fn(|| received.try_recv().ok()).count();
        assert!(sent > 0 && sent <= REPORT_BURST as usize, "{sent} INFOs");
    }

    /// PCMU (events on 101 at 8 kHz) in, Opus (events on 110 at 48 kHz) out.
    fn pcmu_to_opus(events_in: Option<u8>, events_out: Option<u8>) -> AudioPath {
        AudioPath::Transcode(AudioTranscode {
            registry: CodecRegistry::with_builtins(),
            config: PipelineConfig::new(
                LegFormat {
                    telephone_event: events_in,
                    ..LegFormat::new(CodecFormat::pcmu(), 0)
                },
                LegFormat {
                    telephone_event: events_out,
                    ..LegFormat::new(CodecFormat::opus(), 111)
                },
            ),
        })
    }

    fn events_at(packets: &[RtpPacket<'_>], pt: u8) -> Vec<(bool, u32, TelephoneEvent)> {
        packets
            .iter()
            .filter(|p| p.payload_type() == pt)
            .map(|p| {
                let block = TelephoneEvent::parse(p.payload()).expect("event");
                (p.marker(), p.timestamp(), block)
            })
            .collect()
    }

    #[test]
    fn a_transcoded_call_carries_events_at_the_other_clock_rate() {
        let recipe = DtmfConversion {
            audio: pcmu_to_opus(Some(101), Some(110)),
            detect: None,
            inject: None,
        };
        let mut transform = recipe.build().expect("transform");
        let mut input = audio(0, 0, 3);
        for (n, (end, duration)) in [(false, 160u16), (false, 320), (true, 480), (true, 480)]
            .into_iter()
            .enumerate()
        {
            input.push(packet(101, 3 + n as u16, 480, &event(7, end, duration)));
        }
        input.extend(audio(0, 7, 3));
        let sent = run(transform.as_mut(), &input);
        let packets = parsed(&sent);
        let events = events_at(&packets, 110);
        assert_eq!(events.len(), 4, "{events:?}");
        let opus_at_480 = packets
            .iter()
            .find(|p| p.payload_type() == 111)
            .map(|p| p.timestamp().wrapping_add(6 * 480))
            .expect("audio");
        assert!(
            events
                .iter()
                .all(|(_, ts, b)| *ts == opus_at_480 && b.code == 7)
        );
        assert_eq!(events[3].2.duration, 480 * 6, "rescaled to 48 kHz");
        assert!(events[0].0, "the marker opens the event");
        let sequences: Vec<u16> = packets.iter().map(RtpPacket::sequence_number).collect();
        assert!(sequences.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
    }

    #[test]
    fn a_transcoded_call_detects_events_for_an_info_leg() {
        let (reports, mut received) = tokio::sync::mpsc::unbounded_channel();
        let recipe = DtmfConversion {
            audio: pcmu_to_opus(Some(101), None),
            detect: Some(Detect {
                payload_type: 101,
                clock_rate: 8000,
                reports,
                session: SessionId(1),
                from: Side::B,
            }),
            inject: None,
        };
        let mut transform = recipe.build().expect("transform");
        let mut input = audio(0, 0, 2);
        input.push(packet(101, 2, 320, &event(3, true, 800)));
        let sent = run(transform.as_mut(), &input);
        assert!(parsed(&sent).iter().all(|p| p.payload_type() == 111));
        let report = received.try_recv().expect("a report");
        assert_eq!(report.event.digit.as_char(), '3');
        assert_eq!(report.event.duration, Duration::from_millis(100));
        assert!(transform.output_ssrc().is_some());
    }

    #[test]
    fn a_transcoded_call_takes_a_press_from_the_queue_only_when_it_can_start_it() {
        let queue = DtmfQueue::default();
        let recipe = DtmfConversion {
            audio: pcmu_to_opus(None, Some(110)),
            detect: None,
            inject: inject(&queue, 110, 48000),
        };
        let mut transform = recipe.build().expect("transform");
        for _ in 0..5 {
            assert!(queue.push(press('9', 100)));
        }
        run(transform.as_mut(), &audio(0, 0, 4));
        // One press playing and at most one waiting in the transcoder: the
        // rest stay in the bounded queue instead of an unbounded one.
        let left = std::iter::from_fn(|| queue.pop()).count();
        assert!(left >= 3, "{left} left in the queue");
    }

    #[test]
    fn a_transcoded_call_sends_queued_presses_in_place_of_audio_frames() {
        let queue = DtmfQueue::default();
        let recipe = DtmfConversion {
            audio: pcmu_to_opus(None, Some(110)),
            detect: None,
            inject: inject(&queue, 110, 48000),
        };
        let mut transform = recipe.build().expect("transform");
        let input = audio(0, 0, 12);
        let mut sent = run(transform.as_mut(), &input[..2]);
        assert!(queue.push(press('9', 100)));
        for packet in &input[2..] {
            let before = sent.len();
            sent.extend(run(transform.as_mut(), std::slice::from_ref(packet)));
            // One frame in, one packet out: the end packets too are a
            // packet time apart (RFC 4733 section 2.5.1.4).
            assert!(sent.len() - before <= 1, "a burst: {}", sent.len() - before);
        }
        let packets = parsed(&sent);
        let events = events_at(&packets, 110);
        assert!(events.len() >= 5, "{events:?}");
        assert!(events[0].0 && events[1..].iter().all(|(marker, ..)| !marker));
        assert!(
            events
                .iter()
                .all(|(_, ts, b)| *ts == events[0].1 && b.code == 9)
        );
        let ends: Vec<u16> = events
            .iter()
            .filter(|e| e.2.end)
            .map(|e| e.2.duration)
            .collect();
        assert_eq!(ends, [4800; 3]);
        let sequences: Vec<u16> = packets.iter().map(RtpPacket::sequence_number).collect();
        assert!(sequences.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
    }
}
