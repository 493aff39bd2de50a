//! Pipeline behaviour: framing, timestamps, markers, events, bad input.

use super::*;
use crate::codec::{CodecFormat, CodecRegistry};
use crate::dtmf::{DetectedEvent, EventDetector, EventGenerator};
use crate::rtp::{RtpBuilder, RtpPacket};
use proptest::prelude::*;

fn leg(codec: CodecFormat, payload_type: u8) -> LegFormat {
    LegFormat {
        codec,
        payload_type,
        telephone_event: Some(101),
    }
}

fn pipeline(input: LegFormat, output: LegFormat, packet_ms: u32) -> AudioPipeline {
    let config = PipelineConfig {
        input,
        output,
        packet_ms,
        ssrc: 7,
        first_sequence: 65530,
        first_timestamp: u32::MAX - 1000,
    };
    AudioPipeline::new(&CodecRegistry::with_builtins(), config).unwrap()
}

fn push(
    p: &mut AudioPipeline,
    pt: u8,
    seq: u16,
    ts: u32,
    marker: bool,
    payload: &[u8],
) -> Result<(), crate::Error> {
    push_from(p, 0, pt, seq, ts, marker, payload)
}

fn push_from(
    p: &mut AudioPipeline,
    ssrc: u32,
    pt: u8,
    seq: u16,
    ts: u32,
    marker: bool,
    payload: &[u8],
) -> Result<(), crate::Error> {
    let mut buf = vec![0; 12 + payload.len()];
    RtpBuilder {
        marker,
        payload_type: pt,
        sequence_number: seq,
        timestamp: ts,
        ssrc,
        payload,
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    p.push_rtp(&RtpPacket::parse(&buf).unwrap())
}

fn drain(p: &mut AudioPipeline) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| p.poll_packet()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the input packet times and small losses, output frames are
    /// back to back: sequence +1, timestamp + one frame, and as many frames
    /// as the input (gaps included) fills.
    #[test]
    fn reframing_keeps_counts_and_timestamps(
        sizes in prop::collection::vec(prop::sample::select(vec![10u32, 20, 30, 40]), 1..40),
        lost in prop::collection::vec(any::<bool>(), 40),
        out_ms in prop::sample::select(vec![10u32, 20, 30, 40]),
        out_rate in prop::sample::select(vec![8000u32, 16000, 48000]),
    ) {
        let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::l16(out_rate), 96), out_ms);
        let mut ts = 1000u32;
        let mut sent_ms = 0;
        for (i, ms) in sizes.iter().enumerate() {
            // Lose at most one packet in a row, never the first or last.
            let drop = i > 0 && i + 1 < sizes.len() && lost[i] && !lost[i - 1];
            if !drop {
                push(&mut p, 0, i as u16, ts, false, &vec![0x55; (8 * ms) as usize]).unwrap();
            }
            ts = ts.wrapping_add(8 * ms);
            sent_ms += ms;
        }
        let out = drain(&mut p);
        prop_assert_eq!(out.len() as u32, sent_ms / out_ms);
        let frame_ticks = out_rate * out_ms / 1000;
        for (i, bytes) in out.iter().enumerate() {
            let pkt = RtpPacket::parse(bytes).unwrap();
            prop_assert_eq!(pkt.sequence_number(), 65530u16.wrapping_add(i as u16));
            prop_assert_eq!(pkt.timestamp(), (u32::MAX - 1000).wrapping_add(frame_ticks * i as u32));
            prop_assert_eq!(pkt.payload().len() as u32, 2 * frame_ticks);
            prop_assert_eq!(pkt.marker(), i == 0);
            prop_assert_eq!(pkt.ssrc(), 7);
        }
    }
}

#[test]
fn a_long_gap_restarts_with_a_marker_and_a_mapped_timestamp() {
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    push(&mut p, 0, 1, 0, true, &[0xff; 160]).unwrap();
    push(&mut p, 0, 2, 160, false, &[0xff; 80]).unwrap();
    // One second of silence suppression, then a new talkspurt.
    push(&mut p, 0, 3, 8240, true, &[0xff; 160]).unwrap();
    let out: Vec<_> = drain(&mut p);
    let parsed: Vec<_> = out.iter().map(|b| RtpPacket::parse(b).unwrap()).collect();
    let base = u32::MAX - 1000;
    let summary: Vec<(bool, u32)> = parsed
        .iter()
        .map(|p| (p.marker(), p.timestamp().wrapping_sub(base)))
        .collect();
    // The half frame before the gap is flushed padded with silence.
    assert_eq!(summary, [(true, 0), (false, 160), (true, 8240)]);
}

/// (marker, output timestamp relative to the first) of every packet.
fn timeline(out: &[Vec<u8>]) -> Vec<(bool, u32)> {
    out.iter()
        .map(|b| RtpPacket::parse(b).unwrap())
        .map(|p| (p.marker(), p.timestamp().wrapping_sub(u32::MAX - 1000)))
        .collect()
}

#[test]
fn a_source_whose_clock_jumps_back_is_followed_not_dropped() {
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    push(&mut p, 0, 1, 1_000_000, true, &[0xff; 160]).unwrap();
    push(&mut p, 0, 2, 1_000_160, false, &[0xff; 160]).unwrap();
    // A reordered packet just behind is dropped...
    push(&mut p, 0, 0, 999_840, false, &[0xff; 160]).unwrap();
    // ...but a new timeline far behind is a restart, not a late packet.
    push(&mut p, 0, 3, 5_000, false, &[0xff; 160]).unwrap();
    push(&mut p, 0, 4, 5_160, false, &[0xff; 160]).unwrap();
    let summary = timeline(&drain(&mut p));
    assert_eq!(
        summary,
        [(true, 0), (false, 160), (true, 320), (false, 480)]
    );
}

#[test]
fn a_new_ssrc_restarts_on_the_output_timeline() {
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    push_from(&mut p, 1, 0, 1, 40_000, true, &[0xff; 160]).unwrap();
    // Early media ends, the answering device sends from a new SSRC whose
    // timestamps happen to be just behind.
    push_from(&mut p, 2, 0, 9, 39_900, false, &[0xff; 160]).unwrap();
    push_from(&mut p, 2, 0, 10, 40_060, false, &[0xff; 160]).unwrap();
    let summary = timeline(&drain(&mut p));
    assert_eq!(summary, [(true, 0), (true, 160), (false, 320)]);
}

#[test]
fn comfort_noise_is_skipped_not_malformed() {
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    push(&mut p, 0, 1, 0, true, &[0xff; 160]).unwrap();
    assert!(push(&mut p, 13, 2, 160, false, &[0x40]).is_ok());
    assert_eq!(drain(&mut p).len(), 1);
}

#[test]
fn back_to_back_digits_get_their_own_timestamps() {
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    p.insert_event(1, 60, 10);
    p.insert_event(2, 60, 10);
    for i in 0..12u16 {
        push(&mut p, 0, i, 160 * u32::from(i), false, &[0xff; 160]).unwrap();
    }
    let mut starts: Vec<(u8, u32)> = drain(&mut p)
        .iter()
        .map(|b| RtpPacket::parse(b).unwrap())
        .filter(|p| p.payload_type() == 101)
        .map(|p| (p.payload()[0], p.timestamp().wrapping_sub(u32::MAX - 1000)))
        .collect();
    starts.dedup();
    // Three 20 ms updates and two more end packets, a frame each, per
    // 60 ms digit: the second starts five frames (800 ticks) on.
    assert_eq!(starts, [(1, 0), (2, 800)]);
}

#[test]
fn steady_output_reuses_recycled_buffers() {
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    push(&mut p, 0, 1, 0, true, &[0xff; 160]).unwrap();
    let first = p.poll_packet().unwrap();
    let address = first.as_ptr();
    p.recycle(first);
    push(&mut p, 0, 2, 160, false, &[0xff; 160]).unwrap();
    let second = p.poll_packet().unwrap();
    assert_eq!(second.as_ptr(), address);
}

#[test]
fn inserted_digits_replace_audio_and_end_three_times() {
    let mut p = pipeline(
        leg(CodecFormat::pcmu(), 0),
        leg(CodecFormat::opus(), 111),
        20,
    );
    p.insert_event(5, 100, 10);
    for i in 0..10u16 {
        push(&mut p, 0, i, 160 * u32::from(i), false, &[0xff; 160]).unwrap();
    }
    let out = drain(&mut p);
    let parsed: Vec<_> = out.iter().map(|b| RtpPacket::parse(b).unwrap()).collect();
    let events: Vec<_> = parsed.iter().filter(|p| p.payload_type() == 101).collect();
    assert_eq!(events.len(), 7); // 5 updates, the last as end, plus 2 repeats
    let mut detector = EventDetector::new();
    for e in &events {
        assert_eq!(e.timestamp(), u32::MAX - 1000);
        detector.handle_packet(e.timestamp(), e.payload()).unwrap();
    }
    assert_eq!(
        detector.poll_event(),
        Some(DetectedEvent::Started {
            code: 5,
            timestamp: u32::MAX - 1000
        })
    );
    assert!(matches!(
        detector.poll_event(),
        Some(DetectedEvent::Ended {
            duration: 4800,
            confirmed: true,
            ..
        })
    ));
    // Audio resumes after the event, one frame later per update.
    let audio: Vec<_> = parsed.iter().filter(|p| p.payload_type() == 111).collect();
    let summary: Vec<_> = parsed
        .iter()
        .map(|p| {
            (
                p.payload_type(),
                p.timestamp().wrapping_sub(u32::MAX - 1000),
                p.marker(),
            )
        })
        .collect();
    // The end repeats each take a frame of their own (RFC 4733 section
    // 2.5.1.4: spaced by the packet time, not back to back), so the
    // audio resumes seven frames in.
    let kinds: Vec<u8> = parsed.iter().map(|p| p.payload_type()).collect();
    assert_eq!(kinds, [101, 101, 101, 101, 101, 101, 101, 111, 111, 111]);
    assert_eq!(audio.len(), 3, "{summary:?}");
    assert_eq!(audio[0].timestamp().wrapping_sub(u32::MAX - 1000), 7 * 960);
    let seqs: Vec<u16> = parsed.iter().map(|p| p.sequence_number()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
}

#[test]
fn inserted_digits_go_out_through_silence_one_frame_at_a_time() {
    use std::time::Duration;
    // PCMU to PCMA: 160 ticks per 20 ms frame on both sides.
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    assert!(!p.idle_frame(Duration::from_millis(200)), "nothing to send");
    for i in 0..3u16 {
        push(&mut p, 0, i, 160 * u32::from(i), false, &[0xff; 160]).unwrap();
    }
    assert_eq!(drain(&mut p).len(), 3);
    assert!(!p.idle_frame(Duration::from_millis(200)), "nothing to send");
    p.insert_event(5, 100, 10);
    // The caller falls silent; ticks come every 20 ms from 120 ms on, one
    // of them twice (a worker woken early): one packet per frame reached.
    let ticks = [120u64, 140, 140, 160, 180, 200, 220, 240, 260, 280];
    let sent: Vec<bool> = ticks
        .iter()
        .map(|&ms| p.idle_frame(Duration::from_millis(ms)))
        .collect();
    let mut expected = [true; 10];
    (expected[2], expected[8], expected[9]) = (false, false, false);
    assert_eq!(sent, expected);
    let events = drain(&mut p);
    let origin = u32::MAX - 1000;
    // On the stream's timeline: 3 frames of audio, then 120 ms of silence.
    let start = origin.wrapping_add(3 * 160 + 6 * 160);
    // 5 updates, the last as end, 2 more ends.
    let parsed = events_at(&events, start, &[160, 320, 480, 640, 800, 800, 800]);
    let ends = parsed.iter().filter(|e| e.payload()[1] & 0x80 != 0).count();
    assert_eq!(ends, 3);
    // The audio returns after a long silence: its timeline is past the
    // event's frames, never back over them.
    push(&mut p, 0, 3, 160 * 3 + 8000, false, &[0xff; 160]).unwrap();
    let audio = drain(&mut p);
    audio_after(&parsed, &audio, start.wrapping_add(7 * 160));
}

#[test]
fn inserted_digits_open_the_output_stream_before_any_audio() {
    use std::time::Duration;
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    p.insert_event(7, 60, 10);
    // A tick every 20 ms from the first: 3 updates (the third final),
    // 2 more ends, then nothing.
    let sent: Vec<bool> = (0..7u64)
        .map(|n| p.idle_frame(Duration::from_millis(20 * n)))
        .collect();
    assert_eq!(sent, [true, true, true, true, true, false, false]);
    let events = drain(&mut p);
    // On the output's own first timestamp.
    let origin = u32::MAX - 1000;
    let parsed = events_at(&events, origin, &[160, 320, 480, 480, 480]);
    assert!(parsed[0].marker() && parsed[1..].iter().all(|e| !e.marker()));
    // The first audio continues the stream after the event's frames.
    push(&mut p, 0, 9000, 123_456, false, &[0xff; 160]).unwrap();
    let audio = drain(&mut p);
    audio_after(&parsed, &audio, origin.wrapping_add(5 * 160));
}

/// `events` parsed, after checking that they are telephone-events (PT
/// 101) of one event at `timestamp` whose updates carry `durations`.
fn events_at<'a>(events: &'a [Vec<u8>], timestamp: u32, durations: &[u16]) -> Vec<RtpPacket<'a>> {
    let parsed: Vec<_> = events
        .iter()
        .map(|b| RtpPacket::parse(b).unwrap())
        .collect();
    assert!(
        parsed
            .iter()
            .all(|e| e.payload_type() == 101 && e.timestamp() == timestamp),
        "one event at {timestamp}"
    );
    let got: Vec<u16> = parsed
        .iter()
        .map(|e| u16::from_be_bytes([e.payload()[2], e.payload()[3]]))
        .collect();
    assert_eq!(got, durations);
    parsed
}

/// Checks that the first packet of `audio` is PCMA continuing the
/// stream of `events`: no earlier than `events_end` on its timeline and
/// next in sequence.
fn audio_after(events: &[RtpPacket<'_>], audio: &[Vec<u8>], events_end: u32) {
    let first = RtpPacket::parse(&audio[0]).unwrap();
    assert_eq!(first.payload_type(), 8);
    let after = first.timestamp().wrapping_sub(events_end) as i32;
    assert!(after >= 0, "audio at {after} ticks from the event's end");
    let seqs: Vec<u16> = events
        .iter()
        .chain([&first])
        .map(|p| p.sequence_number())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)),
        "{seqs:?}"
    );
}

#[test]
fn the_first_audio_after_digits_sent_before_it_follows_the_clock() {
    use std::time::Duration;
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    p.insert_event(7, 60, 10);
    let sent = (0..5u64)
        .filter(|n| p.idle_frame(Duration::from_millis(20 * n)))
        .count();
    assert_eq!(sent, 5);
    drain(&mut p);
    // The first audio comes 20 s after the press began.
    p.silence_lasted(Duration::from_secs(20));
    push(&mut p, 0, 9000, 123_456, false, &[0xff; 160]).unwrap();
    let audio = drain(&mut p);
    let first = RtpPacket::parse(&audio[0]).unwrap();
    let origin = u32::MAX - 1000;
    assert_eq!(
        first.timestamp().wrapping_sub(origin),
        20 * 8000,
        "where the timeline is 20 s on, not right after the event"
    );
    assert!(first.marker(), "a new talkspurt");
    // Told less time than the frames sent took: never back over them.
    let mut p = pipeline(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::pcma(), 8), 20);
    p.insert_event(7, 60, 10);
    for n in 0..5u64 {
        p.idle_frame(Duration::from_millis(20 * n));
    }
    drain(&mut p);
    p.silence_lasted(Duration::from_millis(10));
    push(&mut p, 0, 9000, 123_456, false, &[0xff; 160]).unwrap();
    let first = RtpPacket::parse(&drain(&mut p)[0]).unwrap().timestamp();
    assert_eq!(
        first.wrapping_sub(origin),
        5 * 160,
        "after the event's frames"
    );
}

#[test]
fn received_events_cross_from_8_to_48_khz() {
    let mut p = pipeline(
        leg(CodecFormat::pcmu(), 0),
        leg(CodecFormat::opus(), 111),
        20,
    );
    push(&mut p, 0, 1, 8000, false, &[0xff; 160]).unwrap();
    let events = EventGenerator::new(8000, 20).packets(9, 10, 8160, 800);
    for (seq, e) in (2..).zip(events) {
        push(&mut p, 101, seq, e.timestamp, e.marker, &e.event.to_bytes()).unwrap();
    }
    let mut detector = EventDetector::new();
    for bytes in drain(&mut p) {
        let pkt = RtpPacket::parse(&bytes).unwrap();
        if pkt.payload_type() == 101 {
            detector
                .handle_packet(pkt.timestamp(), pkt.payload())
                .unwrap();
        }
    }
    let start = (u32::MAX - 1000).wrapping_add(960);
    assert_eq!(
        detector.poll_event(),
        Some(DetectedEvent::Started {
            code: 9,
            timestamp: start
        })
    );
    assert!(matches!(
        detector.poll_event(),
        Some(DetectedEvent::Ended { duration: 4800, .. })
    ));
}

#[test]
fn garbage_and_loss_into_opus_give_concealment_not_a_crash() {
    let mut p = pipeline(
        leg(CodecFormat::opus(), 111),
        leg(CodecFormat::pcmu(), 0),
        20,
    );
    let mut ts = 0u32;
    for i in 0..50u16 {
        let junk: Vec<u8> = (0..(i * 7 % 60))
            .map(|b| (b as u8).wrapping_mul(31).wrapping_add(i as u8))
            .collect();
        let _ = push(&mut p, 111, i, ts, false, &junk);
        ts = ts.wrapping_add(if i % 5 == 0 { 1920 } else { 960 });
    }
    let out = drain(&mut p);
    assert!(!out.is_empty());
    for bytes in out {
        assert_eq!(RtpPacket::parse(&bytes).unwrap().payload().len(), 160);
    }
    assert!(push(&mut p, 99, 60, ts, false, &[1]).is_err());
}

#[test]
fn unsupported_packet_times_are_refused() {
    let config = PipelineConfig {
        packet_ms: 30,
        ..PipelineConfig::new(leg(CodecFormat::pcmu(), 0), leg(CodecFormat::opus(), 111))
    };
    assert!(AudioPipeline::new(&CodecRegistry::with_builtins(), config).is_err());
}
