//! The DTMF transform with packets in and out: passed-through and
//! transcoded audio, detection, injection riding on audio and through
//! silence.

use super::budget::REPORT_BURST;
use super::*;
use tokio::sync::mpsc::UnboundedReceiver;
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
            .process(
                Instant::now(),
                &RtpPacket::parse(bytes).expect("rtp"),
                &mut out,
            )
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

/// PCMA passed through with its payload type 8 renumbered 18.
fn pcma_renumbered() -> AudioPath {
    AudioPath::Rewrite(PayloadTypeMap::from_pairs([(8, 18)]))
}

/// A recipe sending the presses queued in `queue` as telephone-events.
fn injecting(
    audio: AudioPath,
    queue: &DtmfQueue,
    payload_type: u8,
    clock_rate: u32,
) -> DtmfConversion {
    DtmfConversion {
        audio,
        detect: None,
        inject: Some(Inject {
            payload_type,
            clock_rate,
            queue: queue.clone(),
        }),
    }
}

/// A recipe reporting the telephone-events on 101 at 8 kHz as `from` in
/// `session`; and where its reports go.
fn detecting(
    audio: AudioPath,
    session: SessionId,
    from: Side,
) -> (DtmfConversion, UnboundedReceiver<DtmfReport>) {
    let (reports, received) = tokio::sync::mpsc::unbounded_channel();
    let detect = Detect {
        payload_type: 101,
        clock_rate: 8000,
        reports,
        session,
        from,
    };
    let recipe = DtmfConversion {
        audio,
        detect: Some(detect),
        inject: None,
    };
    (recipe, received)
}

/// One telephone-event packet on 101 per `(end, duration)`, all of key
/// `code` at `ts`, numbered on from `first_seq`.
fn event_packets(first_seq: u16, ts: u32, code: u8, blocks: &[(bool, u16)]) -> Vec<Vec<u8>> {
    (first_seq..)
        .zip(blocks)
        .map(|(seq, &(end, duration))| packet(101, seq, ts, &event(code, end, duration)))
        .collect()
}

/// A transform reporting the telephone-events on passed-through audio as
/// side A of session 4; and where its reports go.
fn detecting_on_passed_through_audio() -> (Box<dyn MediaTransform>, UnboundedReceiver<DtmfReport>) {
    let (recipe, received) = detecting(
        AudioPath::Rewrite(PayloadTypeMap::identity()),
        SessionId(4),
        Side::A,
    );
    (recipe.build().expect("transform"), received)
}

/// The `(end, duration)` blocks of a 60 ms press at 8 kHz: two updates,
/// then the end sent twice.
const A_60_MS_PRESS: [(bool, u16); 4] = [(false, 160), (false, 320), (true, 480), (true, 480)];

fn sequences(packets: &[RtpPacket<'_>]) -> Vec<u16> {
    packets.iter().map(RtpPacket::sequence_number).collect()
}

fn assert_contiguous(packets: &[RtpPacket<'_>]) {
    let sequences = sequences(packets);
    assert!(
        sequences.windows(2).all(|w| w[1] == w[0].wrapping_add(1)),
        "{sequences:?}"
    );
}

/// `events` are one 100 ms press of key `code` on 101 at 8 kHz from
/// `ts`: marked once, 5 updates, 3 ends.
fn assert_one_press_at_8k(events: &[RtpPacket<'_>], code: u8, ts: u32) {
    assert!(events.iter().all(|p| p.timestamp() == ts && p.ssrc() == 7));
    assert_press_blocks(events, code);
}

/// `events` are 101 packets of one 100 ms press of key `code` at 8 kHz:
/// the first marked, durations growing to 800, the last 3 ends.
fn assert_press_blocks(events: &[RtpPacket<'_>], code: u8) {
    assert!(events.iter().all(|p| p.payload_type() == 101));
    assert!(events[0].marker() && events[1..].iter().all(|p| !p.marker()));
    let blocks: Vec<TelephoneEvent> = events
        .iter()
        .map(|p| TelephoneEvent::parse(p.payload()).expect("event"))
        .collect();
    let durations: Vec<u16> = blocks.iter().map(|b| b.duration).collect();
    assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
    assert!(blocks.iter().all(|b| b.code == code));
    assert_eq!(blocks.iter().filter(|b| b.end).count(), 3);
}

/// `events` (from [`events_at`]) are one event of key `code`: marked
/// once, all at one timestamp.
fn assert_one_event(events: &[(bool, u32, TelephoneEvent)], code: u8) {
    assert!(events[0].0 && events[1..].iter().all(|(marker, ..)| !marker));
    assert!(
        events
            .iter()
            .all(|(_, ts, b)| *ts == events[0].1 && b.code == code)
    );
}

#[test]
fn a_queued_key_press_replaces_the_audio_one_packet_at_a_time() {
    let queue = DtmfQueue::default();
    let recipe = injecting(pcma_renumbered(), &queue, 101, 8000);
    let mut transform = recipe.build().expect("transform");
    let input = audio(8, 100, 10);
    let mut sent = run(transform.as_mut(), &input[..1]);
    assert!(queue.push(press('5', 100), Instant::now()));
    sent.extend(run(transform.as_mut(), &input[1..]));
    let packets = parsed(&sent);
    assert_eq!(packets.len(), input.len(), "one packet out per packet in");
    assert_eq!(
        sequences(&packets),
        (100..110).collect::<Vec<u16>>(),
        "in place"
    );
    assert_one_press_at_8k(&packets[1..8], 5, 160 * 101);
    for audio in [&packets[0], &packets[8], &packets[9]] {
        assert_eq!((audio.payload_type(), audio.payload().len()), (18, 160));
    }
}

/// Feeds `audio` 20 ms apart from `start`, then runs the timeouts the
/// transform asks for up to `until` after the last packet, with a key
/// press queued after the audio; what came out of the timeouts.
fn through_silence(
    recipe: &DtmfConversion,
    queue: &DtmfQueue,
    audio: &[Vec<u8>],
    until: Duration,
) -> Vec<Vec<u8>> {
    let mut transform = recipe.build().expect("transform");
    let start = Instant::now();
    let mut out = Outbox::default();
    let mut at = start;
    for (n, bytes) in audio.iter().enumerate() {
        at = start + PACKET * n as u32;
        out.clear();
        let rtp = RtpPacket::parse(bytes).expect("rtp");
        transform.process(at, &rtp, &mut out).expect("processed");
    }
    assert!(queue.push(press('5', 100), Instant::now()));
    let last = at;
    let mut sent = Vec::new();
    for _ in 0..100 {
        let Some(due) = transform.poll_timeout() else {
            break;
        };
        assert!(due > at, "a timeout that never moves on");
        if due > last + until {
            break;
        }
        at = due;
        out.clear();
        transform.handle_timeout(at, &mut out).expect("timeout");
        sent.extend(out.iter().map(<[u8]>::to_vec));
    }
    sent
}

const PACKET: Duration = Duration::from_millis(20);

#[test]
fn a_press_goes_out_through_silence_on_passed_through_audio() {
    let queue = DtmfQueue::default();
    let recipe = injecting(pcma_renumbered(), &queue, 101, 8000);
    // Audio 100..110 stamped 160 * seq, then nothing for a second.
    let sent = through_silence(&recipe, &queue, &audio(8, 100, 10), Duration::from_secs(1));
    let packets = parsed(&sent);
    assert_eq!(packets.len(), 7, "5 updates, 3 ends in all");
    // The stream went quiet at 160 * 109; 120 ms later is 960 on.
    assert_one_press_at_8k(&packets, 5, 160 * 109 + 960);
    assert_eq!(
        sequences(&packets),
        (110..117).collect::<Vec<u16>>(),
        "after the audio's"
    );
}

#[test]
fn audio_after_a_press_sent_through_silence_keeps_its_numbers_apart() {
    let queue = DtmfQueue::default();
    let recipe = injecting(
        AudioPath::Rewrite(PayloadTypeMap::identity()),
        &queue,
        101,
        8000,
    );
    let mut transform = recipe.build().expect("transform");
    let start = Instant::now();
    let input = audio(0, 100, 12);
    run_at(transform.as_mut(), start, &input[..10]);
    assert!(queue.push(press('1', 40), Instant::now()));
    let mut out = Outbox::default();
    let mut events = 0;
    while let Some(due) = transform
        .poll_timeout()
        .filter(|d| *d < start + PACKET * 30)
    {
        out.clear();
        transform.handle_timeout(due, &mut out).expect("timeout");
        events += out.len();
    }
    assert_eq!(
        events, 4,
        "2 updates, 3 ends, the second update the first end"
    );
    // Audio again, and one from before the silence arriving late.
    let after = run_at(transform.as_mut(), start + PACKET * 40, &input[10..11]);
    assert_eq!(
        sequences(&parsed(&after)),
        [114],
        "moved up by the 4 inserted"
    );
    let late = RtpPacket::parse(&input[9]).expect("rtp");
    out.clear();
    assert_eq!(
        transform.process(start + PACKET * 41, &late, &mut out),
        Err(DropReason::LateBeforeInserted),
        "its number went to an inserted packet"
    );
}

/// Like [`run`], the packets arriving 20 ms apart from `start`.
fn run_at(transform: &mut dyn MediaTransform, start: Instant, input: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Outbox::default();
    let mut sent = Vec::new();
    for (n, bytes) in input.iter().enumerate() {
        out.clear();
        let rtp = RtpPacket::parse(bytes).expect("rtp");
        // A refused packet (late from before inserted ones) sends nothing.
        if transform
            .process(start + PACKET * n as u32, &rtp, &mut out)
            .is_ok()
        {
            sent.extend(out.iter().map(<[u8]>::to_vec));
        }
    }
    sent
}

#[test]
fn a_press_goes_out_through_silence_on_a_transcoded_call() {
    let queue = DtmfQueue::default();
    let recipe = injecting(pcmu_to_opus(None, Some(110)), &queue, 110, 48000);
    let sent = through_silence(&recipe, &queue, &audio(0, 0, 10), Duration::from_secs(1));
    let packets = parsed(&sent);
    let events = events_at(&packets, 110);
    assert_eq!(events.len(), packets.len(), "only events while silent");
    assert_eq!(events.len(), 7, "{events:?}");
    assert_one_event(&events, 5);
    let durations: Vec<u16> = events.iter().map(|e| e.2.duration).collect();
    assert_eq!(durations, [960, 1920, 2880, 3840, 4800, 4800, 4800]);
    assert_contiguous(&packets);
}

#[test]
fn no_timeouts_without_a_press_or_without_injection() {
    let queue = DtmfQueue::default();
    let injecting = injecting(
        AudioPath::Rewrite(PayloadTypeMap::identity()),
        &queue,
        101,
        8000,
    );
    let idle = injecting.build().expect("transform");
    assert_eq!(idle.poll_timeout(), None, "no audio, nothing queued");
    let queued_at = Instant::now();
    assert!(queue.push(press('1', 40), queued_at));
    assert_eq!(idle.poll_timeout(), Some(queued_at), "due when queued");
    queue.pop();
    let passing = DtmfConversion {
        inject: None,
        ..injecting
    };
    let mut transform = passing.build().expect("transform");
    run(transform.as_mut(), &audio(0, 0, 3));
    assert_eq!(transform.poll_timeout(), None);
}

#[test]
fn telephone_events_become_one_report_and_the_audio_stays_contiguous() {
    let (mut transform, mut received) = detecting_on_passed_through_audio();
    let mut input = audio(0, 0, 1);
    input.extend(event_packets(1, 160, 11, &A_60_MS_PRESS));
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
    let (mut transform, _received) = detecting_on_passed_through_audio();
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
    let sequences = sequences(&parsed(&sent));
    let mut unique = sequences.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), sequences.len(), "{sequences:?}");
    assert_eq!(sequences.len(), 6, "every audio packet out: {sequences:?}");
}

#[test]
fn a_press_whose_end_packets_were_lost_is_reported_once_the_audio_is_back() {
    let (mut transform, mut received) = detecting_on_passed_through_audio();
    let mut input = audio(0, 0, 1);
    input.extend(event_packets(1, 160, 4, &A_60_MS_PRESS[..3]));
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
    let (mut transform, mut received) = detecting_on_passed_through_audio();
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
    input.extend(event_packets(3, 480, 7, &A_60_MS_PRESS));
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
    assert_one_event(&events, 7);
    assert_eq!(events[0].1, opus_at_480);
    assert_eq!(events[3].2.duration, 480 * 6, "rescaled to 48 kHz");
    assert_contiguous(&packets);
}

#[test]
fn a_transcoded_call_detects_events_for_an_info_leg() {
    let (recipe, mut received) = detecting(pcmu_to_opus(Some(101), None), SessionId(1), Side::B);
    let mut transform = recipe.build().expect("transform");
    let mut input = audio(0, 0, 2);
    input.extend(event_packets(2, 320, 3, &[(true, 800)]));
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
    let recipe = injecting(pcmu_to_opus(None, Some(110)), &queue, 110, 48000);
    let mut transform = recipe.build().expect("transform");
    for _ in 0..5 {
        assert!(queue.push(press('9', 100), Instant::now()));
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
    let recipe = injecting(pcmu_to_opus(None, Some(110)), &queue, 110, 48000);
    let mut transform = recipe.build().expect("transform");
    let input = audio(0, 0, 12);
    let mut sent = run(transform.as_mut(), &input[..2]);
    assert!(queue.push(press('9', 100), Instant::now()));
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
    assert_one_event(&events, 9);
    let ends: Vec<u16> = events
        .iter()
        .filter(|e| e.2.end)
        .map(|e| e.2.duration)
        .collect();
    assert_eq!(ends, [4800; 3]);
    assert_contiguous(&packets);
}

/// Runs the timeouts `transform` asks for from `start` (at most 100, up
/// to `until` after it): when each ran and what it sent.
fn timeouts(
    transform: &mut dyn MediaTransform,
    start: Instant,
    until: Duration,
) -> Vec<(Instant, Vec<u8>)> {
    let mut out = Outbox::default();
    let mut sent = Vec::new();
    let mut at = start;
    for _ in 0..100 {
        let Some(due) = transform.poll_timeout() else {
            break;
        };
        if due > start + until {
            break;
        }
        at = due.max(at);
        out.clear();
        transform.handle_timeout(at, &mut out).expect("timeout");
        sent.extend(out.iter().map(|p| (at, p.to_vec())));
    }
    sent
}

/// A recipe passing PCMU through to a leg taking telephone-events on
/// 101 at 8 kHz, with its queue.
fn injecting_into_passed_through_audio() -> (DtmfConversion, DtmfQueue) {
    let queue = DtmfQueue::default();
    let recipe = injecting(
        AudioPath::Rewrite(PayloadTypeMap::identity()),
        &queue,
        101,
        8000,
    );
    (recipe, queue)
}

/// `events` are one 100 ms press of key `code` on 101 at 8 kHz in one
/// stream of its own: marked once, 5 updates, 3 ends, one timestamp,
/// consecutive sequence numbers.
fn assert_one_press_of_our_own(events: &[RtpPacket<'_>], code: u8) {
    let first = &events[0];
    assert!(
        events
            .iter()
            .all(|p| p.ssrc() == first.ssrc() && p.timestamp() == first.timestamp())
    );
    assert_press_blocks(events, code);
    assert_contiguous(events);
}

#[test]
fn a_press_before_any_audio_opens_a_stream_of_our_own() {
    let (recipe, queue) = injecting_into_passed_through_audio();
    let mut transform = recipe.build().expect("transform");
    let start = Instant::now();
    assert!(queue.push(press('7', 100), start));
    let sent = timeouts(transform.as_mut(), start, Duration::from_secs(1));
    let packets: Vec<RtpPacket<'_>> = sent
        .iter()
        .map(|(_, p)| RtpPacket::parse(p).expect("rtp"))
        .collect();
    assert_eq!(packets.len(), 7, "5 updates, 3 ends in all");
    assert_one_press_of_our_own(&packets, 7);
    // The first at once, then one per packet time (the ends too, RFC
    // 4733 section 2.5.1.4).
    let times: Vec<Duration> = sent.iter().map(|(at, _)| *at - start).collect();
    let expected: Vec<Duration> = (0..7).map(|n| PACKET * n).collect();
    assert_eq!(times, expected);
    assert_eq!(transform.output_ssrc(), Some(packets[0].ssrc()));
    assert_eq!(transform.poll_timeout(), None, "done: no more timeouts");
}

#[test]
fn audio_coming_later_joins_our_stream_after_the_press() {
    let (recipe, queue) = injecting_into_passed_through_audio();
    let mut transform = recipe.build().expect("transform");
    let start = Instant::now();
    assert!(queue.push(press('7', 100), start));
    let events = timeouts(transform.as_mut(), start, Duration::from_secs(1));
    let last = RtpPacket::parse(&events[6].1)
        .expect("rtp")
        .sequence_number();
    let (ssrc, ts) = {
        let first = RtpPacket::parse(&events[0].1).expect("rtp");
        (first.ssrc(), first.timestamp())
    };
    // The audio comes a second after the press began, numbered its own way.
    let input = audio(0, 5000, 3);
    let mut late = input[0].clone();
    late[3] = late[3].wrapping_sub(1);
    let sent = run_at(
        transform.as_mut(),
        start + Duration::from_secs(1),
        &[input[0].clone(), input[1].clone(), late, input[2].clone()],
    );
    let packets = parsed(&sent);
    assert_eq!(packets.len(), 3, "the one from before it joined is dropped");
    assert!(
        packets
            .iter()
            .all(|p| p.ssrc() == ssrc && p.payload_type() == 0)
    );
    assert_eq!(
        sequences(&packets),
        [
            last.wrapping_add(1),
            last.wrapping_add(2),
            last.wrapping_add(3)
        ]
    );
    let stamps: Vec<u32> = packets
        .iter()
        .map(|p| p.timestamp().wrapping_sub(ts))
        .collect();
    assert_eq!(stamps, [8000, 8160, 8320], "on our timeline, a second on");
    // A press now rides on the audio, in the same stream.
    assert!(queue.push(press('2', 100), start));
    let sent = run_at(
        transform.as_mut(),
        start + Duration::from_secs(2),
        &audio(0, 5003, 8),
    );
    let packets = parsed(&sent);
    assert!(packets.iter().all(|p| p.ssrc() == ssrc));
    assert_one_press_of_our_own(&packets[..7], 2);
    assert_eq!(packets[0].sequence_number(), last.wrapping_add(4));
    assert_contiguous(&packets);
}

#[test]
fn audio_coming_during_our_press_carries_the_rest_of_it() {
    let (recipe, queue) = injecting_into_passed_through_audio();
    let mut transform = recipe.build().expect("transform");
    let start = Instant::now();
    assert!(queue.push(press('9', 100), start));
    // Two updates paced by the clock (0 and 20 ms)...
    let mut sent: Vec<Vec<u8>> = timeouts(transform.as_mut(), start, PACKET)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(sent.len(), 2);
    // ...then the audio arrives from 40 ms on and the press rides on it.
    sent.extend(run_at(
        transform.as_mut(),
        start + PACKET * 2,
        &audio(0, 300, 7),
    ));
    let packets = parsed(&sent);
    assert_one_press_of_our_own(&packets[..7], 9);
    let ssrc = packets[0].ssrc();
    assert!(packets.iter().all(|p| p.ssrc() == ssrc));
    assert_eq!(
        (packets.len(), packets[7].payload_type()),
        (9, 0),
        "then audio"
    );
    assert_contiguous(&packets);
    assert_eq!(
        packets[7].timestamp().wrapping_sub(packets[0].timestamp()),
        160 * 7,
        "the audio where our timeline is"
    );
}

#[test]
fn a_press_before_any_audio_opens_the_transcoders_stream() {
    let queue = DtmfQueue::default();
    let recipe = injecting(pcmu_to_opus(None, Some(110)), &queue, 110, 48000);
    let mut transform = recipe.build().expect("transform");
    let start = Instant::now();
    assert!(queue.push(press('4', 100), start));
    let sent: Vec<Vec<u8>> = timeouts(transform.as_mut(), start, Duration::from_secs(1))
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let packets = parsed(&sent);
    let events = events_at(&packets, 110);
    assert_eq!(events.len(), 7, "{events:?}");
    assert_one_event(&events, 4);
    let durations: Vec<u16> = events.iter().map(|e| e.2.duration).collect();
    assert_eq!(durations, [960, 1920, 2880, 3840, 4800, 4800, 4800]);
    assert!(
        packets
            .iter()
            .all(|p| Some(p.ssrc()) == transform.output_ssrc())
    );
    assert_contiguous(&packets);
    // The audio joins 20 s after the press, in the same stream, where
    // the stream's timeline has got to by then.
    let mut all = sent.clone();
    all.extend(run_at(
        transform.as_mut(),
        start + Duration::from_secs(20),
        &audio(0, 0, 4),
    ));
    let packets = parsed(&all);
    assert!(packets.len() > 7 && packets[7..].iter().all(|p| p.payload_type() == 111));
    assert_contiguous(&packets);
    assert_eq!(
        packets[7].timestamp().wrapping_sub(packets[0].timestamp()),
        20 * 48_000,
        "20 s on at 48 kHz"
    );
}

mod sender_reports;
