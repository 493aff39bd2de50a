//! Share of one core that a transcoded call costs, measured as on-CPU time
//! of this thread (from /proc/thread-self/schedstat), which a loaded shared
//! machine inflates far less than wall-clock time.
//!
//! A call is both directions: 50 frames per second each way. Run with
//! `cargo bench -p tolk-media --bench call_cpu`; prints a table.

use std::hint::black_box;

use tolk_media::codec::g711::mulaw_to_alaw;
use tolk_media::codec::quality::tone;
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::rtp::{RtpBuilder, RtpPacket};
use tolk_media::transcode::{AudioPipeline, LegFormat, PipelineConfig};

/// Seconds of call audio per measurement.
const CALL_SECONDS: usize = 60;
const FRAMES: usize = CALL_SECONDS * 50;

/// Nanoseconds this thread has spent on a CPU.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux with schedstats)")
}

fn pipeline(from: &LegFormat, to: &LegFormat) -> AudioPipeline {
    let config = PipelineConfig::new(from.clone(), to.clone());
    AudioPipeline::new(&CodecRegistry::with_builtins(), config).expect("pipeline")
}

/// `FRAMES` RTP packets of speech-band audio encoded as `leg`'s codec.
fn packets(leg: &LegFormat) -> Vec<Vec<u8>> {
    let registry = CodecRegistry::with_builtins();
    let mut enc = registry.audio_encoder(&leg.codec).expect("encoder");
    let rate = enc.sample_rate();
    let n = rate as usize / 50;
    let a = tone(440.0, rate, n * FRAMES, 6000.0);
    let b = tone(1330.0, rate, n * FRAMES, 3000.0);
    let pcm: Vec<i16> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    let ticks = leg.codec.clock_rate / 50;
    pcm.chunks(n)
        .enumerate()
        .map(|(i, frame)| {
            let mut payload = Vec::new();
            enc.encode(frame, &mut payload).expect("encode");
            let b = RtpBuilder {
                payload_type: leg.payload_type,
                sequence_number: i as u16,
                timestamp: ticks * i as u32,
                payload: &payload,
                ..Default::default()
            };
            let mut buf = vec![0; b.encoded_len().expect("len")];
            b.write_to(&mut buf).expect("build");
            buf
        })
        .collect()
}

/// On-CPU nanoseconds to run every packet through a fresh pipeline.
fn direction(from: &LegFormat, to: &LegFormat) -> u64 {
    let input = packets(from);
    let mut p = pipeline(from, to);
    let start = cpu_ns();
    for pkt in &input {
        p.push_rtp(&RtpPacket::parse(pkt).expect("parse"))
            .expect("push");
        while let Some(out) = p.poll_packet() {
            black_box(out);
        }
    }
    cpu_ns() - start
}

fn report(name: &str, ns_a: u64, ns_b: u64, baseline_ns: u64) {
    let per_frame = |ns: u64| ns as f64 / FRAMES as f64 / 1000.0;
    let call_share = (ns_a + ns_b) as f64 / (CALL_SECONDS as f64 * 1e9) * 100.0;
    println!(
        "| {name} | {:.1} µs | {:.1} µs | {:.3}% | {:.0}x |",
        per_frame(ns_a),
        per_frame(ns_b),
        call_share,
        (ns_a + ns_b) as f64 / baseline_ns.max(1) as f64
    );
}

fn main() {
    // Baseline in the same run: PCMU -> PCMA by table, both directions'
    // worth of frames, without RTP (what a non-transcoding gateway pays).
    // Repeated so that it runs long enough for the scheduler's accounting.
    const REPEAT: usize = 1000;
    let mut frame = vec![0x55u8; 160];
    let start = cpu_ns();
    for _ in 0..2 * FRAMES * REPEAT {
        mulaw_to_alaw(black_box(&mut frame));
        black_box(&frame);
    }
    let baseline = (cpu_ns() - start) / REPEAT as u64;
    println!(
        "baseline: PCMU->PCMA table, {:.3} µs per frame",
        baseline as f64 / (2 * FRAMES) as f64 / 1000.0
    );
    println!(
        "| call | A -> B per 20 ms frame | B -> A per 20 ms frame | one core per call | vs baseline |"
    );
    println!("| --- | --- | --- | --- | --- |");
    let pcmu = LegFormat::new(CodecFormat::pcmu(), 0);
    let opus = LegFormat::new(CodecFormat::opus(), 111);
    let g722 = LegFormat::new(CodecFormat::g722(), 9);
    report(
        "Opus <-> PCMU",
        direction(&opus, &pcmu),
        direction(&pcmu, &opus),
        baseline,
    );
    report(
        "G.722 <-> PCMU",
        direction(&g722, &pcmu),
        direction(&pcmu, &g722),
        baseline,
    );
}
