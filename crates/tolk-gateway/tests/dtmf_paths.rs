//! DTMF across the bridge in each mode combination, end to end: sipp
//! carries the signalling (and the SIP INFO key presses), the audio
//! m-lines point at sockets the test owns, which send RTP (audio and RFC
//! 4733 telephone-events) into the relay and read what comes out. The
//! transcoded calls have a PCMU caller and an Opus callee (8 kHz and
//! 48 kHz telephone-events). A key press the caller sends by INFO while
//! the callee still rings reaches it once, in the form and at the time
//! its leg can take it: as telephone-events once its answer gives the
//! relay an address, as INFO in its early dialog, or after its answer
//! when it rang without a dialog. Each scenario counts the node's
//! resources back to zero.
//!
//! Ports: SIP and admin 41000-41099, 42120-42129 and 42500-42509, media
//! 10000-11499, 22300-23099 and 26320-26399.

mod harness;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use harness::{LoggedCall, NodeConfig, Ports, Scenario, Tolk};
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::dtmf::TelephoneEvent;
use tolk_media::rtp::RtpPacket;
use tolk_testkit::media_peer::{MediaPeer, rtp};

const PCMU: u8 = 0;
/// The caller's telephone-event (dtmf_caller.xml) and the one Tolk
/// offers a PCMU callee.
const PCMU_EVENTS: u8 = 101;
/// Tolk's Opus and 48 kHz telephone-event payload types (dtmf_callee.xml
/// answers them).
const OPUS: u8 = 111;
const OPUS_EVENTS: u8 = 110;
const PACKET_TIME: Duration = Duration::from_millis(20);

/// The first node's SIP port; scenario `n` takes ten from 41000 + 10 n.
const FIRST_SIP: u16 = 41000;

/// The ports of scenario `n` (0-9).
fn scenario_ports(n: u16, relay: &'static str) -> Ports {
    Ports::at(FIRST_SIP + 10 * n, relay, 10400 + 20 * n)
}

/// sipp's own media port in the scenario of `ports` (unused: the test
/// owns the audio): the callee's 600 above the caller's audio port, the
/// caller's 10 above that (see [`Scene::start`]).
fn sipp_media(ports: &Ports) -> u16 {
    ports.caller_audio + 600
}

/// The node: the callee `peer` with `callee_media` as its policy, and
/// the caller recognised by its address with `caller_media`.
fn config(ports: &Ports, caller_media: &str, callee_media: &str) -> String {
    NodeConfig::new(ports.tolk, ports.admin, ports.relay)
        .media_timeout(10)
        .plain_peer("phone", ports.caller, caller_media)
        .plain_peer("callee", ports.callee, callee_media)
        .route("dtmf", "peer:callee")
        .to_string()
}

/// A call placed through the node, with both legs' audio sockets and the
/// relay's ports toward each leg.
struct Scene {
    tolk: Tolk,
    call: LoggedCall,
    a: MediaPeer,
    b: MediaPeer,
    to_a: SocketAddr,
    to_b: SocketAddr,
}

impl Scene {
    /// Starts the node and places a call from `caller_xml` to
    /// `callee_xml`, the sipp peers' own media ports from `media` (see
    /// [`sipp_media`]); the caller hangs up after `hold_ms`.
    fn start(
        sipp: &Path,
        name: &str,
        (ports, media): (&Ports, u16),
        config: &str,
        (caller_xml, callee_xml): (&str, &str),
        hold_ms: u32,
    ) -> Scene {
        let tolk = Tolk::start(name, config, ports.admin);
        let (a, b) = ports.audio_peers();
        let callee =
            Scenario::once(callee_xml, ports.callee, media).key("audio_port", ports.callee_audio);
        let caller = Scenario::once(caller_xml, ports.caller, media + 10)
            .key("audio_port", ports.caller_audio)
            .calling("dtmf", ports.tolk)
            .args(&["-d", &hold_ms.to_string()]);
        let call = tolk.logged_call(sipp, callee, caller);
        let (to_a, to_b) = call.relay_addrs("audio", (ports.caller_audio, ports.callee_audio));
        Scene {
            tolk,
            call,
            a,
            b,
            to_a,
            to_b,
        }
    }

    /// Waits for both sipp peers and checks they succeeded and the node
    /// freed everything.
    fn finish(self) {
        self.call.finish(&self.tolk);
    }
}

/// A key press a test sender puts in its stream.
struct Press {
    /// The packet it replaces first.
    at: usize,
    code: u8,
    /// Its updates before the final packet (sent three times).
    updates: u16,
    payload_type: u8,
}

/// RTP packets 20 ms apart, one per audio payload, `step` timestamp
/// units each; a key press replaces the audio from its packet on, like a
/// real sender (RFC 4733 section 2.5.1): one update per packet time, all
/// stamped with its start, the marker on the first, the final packet
/// three times.
fn stream(audio_pt: u8, step: u32, payloads: &[Vec<u8>], press: Option<&Press>) -> Vec<Vec<u8>> {
    let ssrc = 0x5e5e_0000 | u32::from(audio_pt);
    let mut packets = Vec::with_capacity(payloads.len());
    for (n, payload) in payloads.iter().enumerate() {
        let seq = n as u16;
        let ts = step * n as u32;
        let event = press.and_then(|p| {
            let k = n.checked_sub(p.at)? as u16;
            let updates = p.updates;
            (k < updates + 2).then(|| {
                let done = (k + 1).min(updates);
                let block = TelephoneEvent {
                    code: p.code,
                    end: k + 1 >= updates,
                    volume: 10,
                    duration: (u32::from(done) * step) as u16,
                };
                let mut packet = rtp(
                    p.payload_type,
                    ssrc,
                    seq,
                    step * p.at as u32,
                    &block.to_bytes(),
                );
                if k == 0 {
                    packet[1] |= 0x80;
                }
                packet
            })
        });
        packets.push(event.unwrap_or_else(|| rtp(audio_pt, ssrc, seq, ts, payload)));
    }
    packets
}

/// `count` 20 ms frames of a 440 Hz tone in PCMU.
fn pcmu_frames(count: usize) -> Vec<Vec<u8>> {
    let tone = harness::tone();
    (0..count)
        .map(|n| tone[(n * 160) % 8000..][..160].to_vec())
        .collect()
}

/// `count` 20 ms frames of a 440 Hz tone in Opus.
fn opus_frames(count: usize) -> Vec<Vec<u8>> {
    let mut encoder = CodecRegistry::with_builtins()
        .audio_encoder(&CodecFormat::opus())
        .expect("an Opus encoder");
    let rate = encoder.sample_rate() as usize;
    (0..count)
        .map(|n| {
            let frame: Vec<i16> = (0..rate / 50)
                .map(|i| {
                    let t = (n * rate / 50 + i) as f64 / rate as f64;
                    ((2.0 * std::f64::consts::PI * 440.0 * t).sin() * 8000.0) as i16
                })
                .collect();
            let mut payload = Vec::new();
            encoder.encode(&frame, &mut payload).expect("encoded");
            payload
        })
        .collect()
}

/// Sends `packets` to `to`, one per packet time.
fn send(peer: &MediaPeer, to: SocketAddr, packets: &[Vec<u8>]) {
    for packet in packets {
        peer.rtp.send_to(packet, to).expect("send RTP");
        std::thread::sleep(PACKET_TIME);
    }
}

/// An RTP packet as it arrived.
struct Arrived {
    at: Instant,
    bytes: Vec<u8>,
}

impl Arrived {
    fn rtp(&self) -> RtpPacket<'_> {
        RtpPacket::parse(&self.bytes).expect("RTP from the relay")
    }
}

/// Every RTP packet arriving at `peer` within `limit`.
fn receive(peer: &MediaPeer, limit: Duration) -> Vec<Arrived> {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    while start.elapsed() < limit {
        if let Ok(n) = peer.rtp.recv(&mut buf) {
            got.push(Arrived {
                at: Instant::now(),
                bytes: buf[..n].to_vec(),
            });
        }
    }
    got
}

/// The telephone-events on `payload_type` among `arrived`.
fn events(arrived: &[Arrived], payload_type: u8) -> Vec<(&Arrived, TelephoneEvent)> {
    arrived
        .iter()
        .filter(|a| a.rtp().payload_type() == payload_type)
        .map(|a| {
            let block = TelephoneEvent::parse(a.rtp().payload()).expect("an event block");
            (a, block)
        })
        .collect()
}

/// Checks that `arrived` carries one key press `code` on `payload_type`
/// as a receiver wants it (RFC 4733 section 2.5.1): one RTP timestamp,
/// the marker on the first packet only, growing durations, the final
/// duration `duration` in three end packets; and that the stream's
/// sequence numbers run on without a gap. Returns the event packets.
fn assert_one_press(
    arrived: &[Arrived],
    payload_type: u8,
    code: u8,
    duration: u16,
) -> Vec<(&Arrived, TelephoneEvent)> {
    let events = events(arrived, payload_type);
    let summary: Vec<(bool, u32, TelephoneEvent)> = events
        .iter()
        .map(|(a, e)| (a.rtp().marker(), a.rtp().timestamp(), *e))
        .collect();
    assert!(events.len() >= 4, "{summary:?}");
    let start = events[0].0.rtp().timestamp();
    assert!(
        summary
            .iter()
            .all(|(_, ts, e)| *ts == start && e.code == code),
        "{summary:?}"
    );
    assert!(
        summary[0].0 && summary[1..].iter().all(|(marker, ..)| !marker),
        "the marker opens the event only: {summary:?}"
    );
    assert!(
        summary
            .windows(2)
            .all(|w| w[0].2.duration <= w[1].2.duration),
        "{summary:?}"
    );
    let ends: Vec<u16> = summary
        .iter()
        .filter(|(.., e)| e.end)
        .map(|(.., e)| e.duration)
        .collect();
    assert_eq!(ends, [duration; 3], "{summary:?}");
    assert!(summary.iter().rev().take(3).all(|(.., e)| e.end));
    let sequences: Vec<u16> = arrived.iter().map(|a| a.rtp().sequence_number()).collect();
    assert!(
        sequences.windows(2).all(|w| w[1] == w[0].wrapping_add(1)),
        "sequence numbers with a gap or a step back: {sequences:?}"
    );
    events
}

/// Checks that the updates of a press arrived spread over its duration,
/// one per packet time, not in a burst (bounds loose enough for a busy
/// machine).
fn assert_paced(events: &[(&Arrived, TelephoneEvent)], press: Duration) {
    let first = events[0].0.at;
    let first_end = events
        .iter()
        .find(|(_, e)| e.end)
        .map(|(a, _)| a.at)
        .expect("an end packet");
    let spread = first_end.duration_since(first);
    assert!(
        spread >= press / 2,
        "the updates of a {press:?} press arrived within {spread:?}"
    );
}

/// Checks that the three end packets of a press arrived spaced, one per
/// packet time (RFC 4733 section 2.5.1.4), not back to back: 40 ms from
/// the first to the last when on time, at least one packet time allowed
/// for a busy machine.
fn assert_ends_spaced(events: &[(&Arrived, TelephoneEvent)]) {
    let ends: Vec<Instant> = events
        .iter()
        .filter(|(_, e)| e.end)
        .map(|(a, _)| a.at)
        .collect();
    let spread = ends[ends.len() - 1].duration_since(ends[0]);
    assert!(
        spread >= PACKET_TIME,
        "the three end packets arrived within {spread:?}"
    );
}

#[test]
fn rfc4733_crosses_a_transcoded_call_both_ways() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let ports = scenario_ports(0, "10000-10049");
    let config = config(&ports, "", r#"codecs = ["opus", "telephone-event"]"#);
    let scene = Scene::start(
        &sipp,
        "dtmf-4733-transcoded",
        (&ports, sipp_media(&ports)),
        &config,
        ("dtmf_caller.xml", "dtmf_callee.xml"),
        4000,
    );
    // The caller presses 5 for 100 ms (5 updates of 160 ticks at 8 kHz).
    let press = Press {
        at: 10,
        code: 5,
        updates: 5,
        payload_type: PCMU_EVENTS,
    };
    let to_b = stream(PCMU, 160, &pcmu_frames(30), Some(&press));
    let at_b = std::thread::scope(|s| {
        let receiver = s.spawn(|| receive(&scene.b, Duration::from_millis(1200)));
        send(&scene.a, scene.to_a, &to_b);
        receiver.join().expect("receiver")
    });
    assert!(
        at_b.iter().any(|a| a.rtp().payload_type() == OPUS),
        "no Opus at the callee\n{}",
        scene.tolk.sipp_errors()
    );
    assert_one_press(&at_b, OPUS_EVENTS, 5, 800 * 6);

    // The callee presses 9 for 100 ms (5 updates of 960 ticks at 48 kHz).
    let press = Press {
        at: 10,
        code: 9,
        updates: 5,
        payload_type: OPUS_EVENTS,
    };
    let to_a = stream(OPUS, 960, &opus_frames(30), Some(&press));
    let at_a = std::thread::scope(|s| {
        let receiver = s.spawn(|| receive(&scene.a, Duration::from_millis(1200)));
        send(&scene.b, scene.to_b, &to_a);
        receiver.join().expect("receiver")
    });
    assert!(at_a.iter().any(|a| a.rtp().payload_type() == PCMU));
    assert_one_press(&at_a, PCMU_EVENTS, 9, 800);
    scene.finish();
}

#[test]
fn rfc4733_reaches_an_info_callee_on_a_transcoded_call() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let ports = scenario_ports(1, "10050-10099");
    let config = config(&ports, "", "codecs = [\"opus\"]\ndtmf = \"info\"");
    let scene = Scene::start(
        &sipp,
        "dtmf-4733-info-transcoded",
        (&ports, sipp_media(&ports)),
        &config,
        ("dtmf_caller.xml", "dtmf_callee_info.xml"),
        2500,
    );
    let press = Press {
        at: 10,
        code: 5,
        updates: 5,
        payload_type: PCMU_EVENTS,
    };
    let packets = stream(PCMU, 160, &pcmu_frames(30), Some(&press));
    let at_b = std::thread::scope(|s| {
        let receiver = s.spawn(|| receive(&scene.b, Duration::from_millis(1000)));
        send(&scene.a, scene.to_a, &packets);
        receiver.join().expect("receiver")
    });
    let types: Vec<u8> = at_b.iter().map(|a| a.rtp().payload_type()).collect();
    assert!(
        !types.is_empty() && types.iter().all(|pt| *pt == OPUS),
        "only Opus reaches the INFO callee: {types:?}"
    );
    // The callee's scenario fails unless its INFO pressed 5.
    scene.finish();
}

/// An INFO caller (PCMU) presses 5 for 200 ms toward `callee_xml`; what
/// the callee's audio socket received while the caller's audio flowed.
fn info_press(
    name: &str,
    n: u16,
    relay: &'static str,
    callee_xml: &str,
    callee_media: &str,
) -> (Vec<Arrived>, usize) {
    // 1.6 s of audio around the INFO sent 400 ms after the answer.
    info_press_over(name, scenario_ports(n, relay), 80, callee_xml, callee_media)
}

/// [`info_press`] on `ports`, the caller sending `audio` packets (20 ms
/// each) from the answer on.
fn info_press_over(
    name: &str,
    ports: Ports,
    audio: usize,
    callee_xml: &str,
    callee_media: &str,
) -> (Vec<Arrived>, usize) {
    let sipp = tolk_testkit::peer("sipp").expect("sipp");
    let config = config(&ports, "codecs = [\"pcmu\"]\ndtmf = \"info\"", callee_media);
    let scene = Scene::start(
        &sipp,
        name,
        (&ports, sipp_media(&ports)),
        &config,
        ("dtmf_caller_info.xml", callee_xml),
        3500,
    );
    let packets = stream(PCMU, 160, &pcmu_frames(audio), None);
    let at_b = std::thread::scope(|s| {
        let receiver = s.spawn(|| receive(&scene.b, Duration::from_millis(2500)));
        send(&scene.a, scene.to_a, &packets);
        receiver.join().expect("receiver")
    });
    let errors = scene.tolk.sipp_errors();
    assert!(!at_b.is_empty(), "no audio at the callee\n{errors}");
    scene.finish();
    (at_b, packets.len())
}

#[test]
fn an_info_press_reaches_an_rfc4733_callee_paced_on_a_transcoded_call() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    let (at_b, _) = info_press(
        "dtmf-info-4733-transcoded",
        2,
        "10100-10149",
        "dtmf_callee.xml",
        r#"codecs = ["opus", "telephone-event"]"#,
    );
    let events = assert_one_press(&at_b, OPUS_EVENTS, 5, 200 * 48);
    assert_paced(&events, Duration::from_millis(200));
    assert_ends_spaced(&events);
}

#[test]
fn an_info_press_replaces_passed_through_audio_one_packet_at_a_time() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    let (at_b, sent) = info_press(
        "dtmf-info-4733-passthrough",
        3,
        "10150-10199",
        "dtmf_callee_pcmu.xml",
        r#"codecs = ["pcmu", "telephone-event"]"#,
    );
    let events = assert_one_press(&at_b, PCMU_EVENTS, 5, 1600);
    assert_paced(&events, Duration::from_millis(200));
    assert_ends_spaced(&events);
    // In place of the audio: as many packets out as in, ten updates
    // (the tenth final) and two more final packets.
    assert_eq!(at_b.len(), sent, "packets added or lost");
    assert_eq!(events.len(), 12);
}

/// The caller's 60 ms of audio and then silence (silence suppression, a
/// muted phone) before its INFO: the press goes out paced by the relay's
/// clock, after the audio on its timeline, not when audio next arrives.
fn info_press_in_silence(name: &str, ports: Ports, callee_xml: &str, callee_media: &str) {
    let (at_b, sent) = info_press_over(name, ports, 3, callee_xml, callee_media);
    let audio: Vec<&Arrived> = at_b
        .iter()
        .filter(|a| ![PCMU_EVENTS, OPUS_EVENTS].contains(&a.rtp().payload_type()))
        .collect();
    assert_eq!(audio.len(), sent, "the audio, and nothing else but events");
    let (payload_type, duration) = match audio[0].rtp().payload_type() {
        PCMU => (PCMU_EVENTS, 1600),
        _ => (OPUS_EVENTS, 200 * 48),
    };
    let events = assert_one_press(&at_b, payload_type, 5, duration);
    assert_paced(&events, Duration::from_millis(200));
    assert_ends_spaced(&events);
    let quiet_from = audio[sent - 1];
    assert!(
        events[0].0.at.duration_since(quiet_from.at) >= Duration::from_millis(100),
        "the press went out before the silence it is sent through"
    );
    let after = events[0]
        .0
        .rtp()
        .timestamp()
        .wrapping_sub(quiet_from.rtp().timestamp()) as i32;
    assert!(
        after > 0,
        "the press starts {after} ticks after the last audio"
    );
}

#[test]
fn an_info_press_in_silence_reaches_an_rfc4733_callee_of_passed_through_audio() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    info_press_in_silence(
        "dtmf-info-silent-passthrough",
        Ports::at(42120, "22300-22349", 22400),
        "dtmf_callee_pcmu.xml",
        r#"codecs = ["pcmu", "telephone-event"]"#,
    );
}

#[test]
fn an_info_press_in_silence_reaches_an_rfc4733_callee_on_a_transcoded_call() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    info_press_in_silence(
        "dtmf-info-silent-transcoded",
        Ports::at(42124, "22350-22399", 22440),
        "dtmf_callee.xml",
        r#"codecs = ["opus", "telephone-event"]"#,
    );
}

/// An INFO caller presses 5 for 200 ms before any RTP flows either way
/// (an IVR silent until the first key, silence suppressed from the
/// start): the relay opens a stream of its own toward the RFC 4733
/// callee for it, paced by its clock.
fn info_press_before_any_audio(
    name: &str,
    (ports, sipp_media): (Ports, u16),
    callee_xml: &str,
    callee_media: &str,
) {
    let sipp = tolk_testkit::peer("sipp").expect("sipp");
    let config = config(&ports, "codecs = [\"pcmu\"]\ndtmf = \"info\"", callee_media);
    let scene = Scene::start(
        &sipp,
        name,
        (&ports, sipp_media),
        &config,
        ("dtmf_caller_info.xml", callee_xml),
        1500,
    );
    // Nothing is sent to the relay: the INFO comes 400 ms after the answer.
    let at_b = receive(&scene.b, Duration::from_millis(1500));
    let errors = scene.tolk.sipp_errors();
    assert!(!at_b.is_empty(), "nothing at the callee\n{errors}");
    let (payload_type, duration) = match at_b[0].rtp().payload_type() {
        PCMU_EVENTS => (PCMU_EVENTS, 1600),
        _ => (OPUS_EVENTS, 200 * 48),
    };
    let events = assert_one_press(&at_b, payload_type, 5, duration);
    assert_eq!(
        events.len(),
        at_b.len(),
        "only the press: no audio to carry"
    );
    assert!(
        at_b.iter().all(|a| a.rtp().ssrc() == at_b[0].rtp().ssrc()),
        "one stream"
    );
    assert_paced(&events, Duration::from_millis(200));
    assert_ends_spaced(&events);
    scene.finish();
}

#[test]
fn an_info_press_before_any_audio_reaches_an_rfc4733_callee_of_passed_through_audio() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    info_press_before_any_audio(
        "dtmf-info-before-audio-passthrough",
        (Ports::at(42500, "26320-26339", 26340), 26342),
        "dtmf_callee_pcmu.xml",
        r#"codecs = ["pcmu", "telephone-event"]"#,
    );
}

#[test]
fn an_info_press_before_any_audio_reaches_an_rfc4733_callee_on_a_transcoded_call() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    info_press_before_any_audio(
        "dtmf-info-before-audio-transcoded",
        (Ports::at(42505, "26360-26379", 26380), 26382),
        "dtmf_callee.xml",
        r#"codecs = ["opus", "telephone-event"]"#,
    );
}

/// An INFO caller (PCMU) presses 5 for 200 ms in the early dialog of the
/// 180 it hears, before `callee_xml` (under `callee_media`) answers,
/// which it does a second later, if at all; the caller hangs up
/// `hold_ms` after the answer. The scene once the caller has the answer
/// (the relay's address toward it is in that 200).
fn info_press_while_ringing(
    name: &str,
    n: u16,
    relay: &'static str,
    (callee_xml, callee_media): (&str, &str),
    hold_ms: u32,
) -> Scene {
    let sipp = tolk_testkit::peer("sipp").expect("sipp");
    let ports = scenario_ports(n, relay);
    let config = config(&ports, "codecs = [\"pcmu\"]\ndtmf = \"info\"", callee_media);
    Scene::start(
        &sipp,
        name,
        (&ports, sipp_media(&ports)),
        &config,
        ("dtmf_caller_info_ringing.xml", callee_xml),
        hold_ms,
    )
}

#[test]
fn an_info_press_while_the_callee_rings_reaches_it_as_rfc4733_once_it_answers() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    // The callee rings with no SDP: the relay has no address for it, so
    // the press waits (`HeldPresses`) until its answer gives one.
    let scene = info_press_while_ringing(
        "dtmf-info-ringing-4733",
        4,
        "10200-10249",
        (
            "dtmf_callee_rings_pcmu.xml",
            r#"codecs = ["pcmu", "telephone-event"]"#,
        ),
        2500,
    );
    // Neither side sends audio: what reaches the callee is the press,
    // released at the answer (the socket kept what came before this).
    let at_b = receive(&scene.b, Duration::from_millis(1500));
    let errors = scene.tolk.sipp_errors();
    assert!(!at_b.is_empty(), "nothing at the callee\n{errors}");
    // One press: one timestamp, one marker, three end packets.
    let events = assert_one_press(&at_b, PCMU_EVENTS, 5, 1600);
    assert_eq!(events.len(), at_b.len(), "only the press: no audio");
    // The callee's scenario fails on any INFO: it takes RFC 4733 only.
    scene.finish();
}

#[test]
fn an_info_press_while_the_callee_rings_without_a_dialog_reaches_it_as_info_once_it_answers() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    // The callee's 180 has no To tag: no dialog to carry an INFO until
    // its 2xx, so the press waits for that.
    let scene = info_press_while_ringing(
        "dtmf-info-ringing-untagged-info",
        5,
        "10250-10299",
        (
            "dtmf_callee_info_rings_without_tag.xml",
            "codecs = [\"pcmu\"]\ndtmf = \"info\"",
        ),
        1500,
    );
    // Nothing in the media: the INFO callee gets the press as INFO only.
    let at_b = receive(&scene.b, Duration::from_millis(500));
    assert!(at_b.is_empty(), "{} packets at the callee", at_b.len());
    // The callee's scenario fails unless it gets one INFO pressing 5
    // after its ACK, and no other.
    scene.finish();
}

#[test]
fn an_info_press_while_the_callee_rings_reaches_it_as_info_in_the_early_dialog() {
    if tolk_testkit::peer("sipp").is_none() {
        return;
    }
    // The callee's 180 has its tag: the early dialog carries the INFO at
    // once, before the answer.
    let scene = info_press_while_ringing(
        "dtmf-info-ringing-early-info",
        6,
        "10300-10349",
        (
            "dtmf_callee_info_rings.xml",
            "codecs = [\"pcmu\"]\ndtmf = \"info\"",
        ),
        1500,
    );
    let at_b = receive(&scene.b, Duration::from_millis(500));
    assert!(at_b.is_empty(), "{} packets at the callee", at_b.len());
    // The callee's scenario fails unless it gets one INFO pressing 5
    // while it rings, and no other.
    scene.finish();
}
