//! Cost per 20 ms frame of transcoding, each direction, through the same
//! pipeline a call uses (decode, resample, encode, RTP in and out), beside
//! two baselines: a copy of the frame and the PCMU -> PCMA table lookup.
// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tolk_media::codec::g711::mulaw_to_alaw;
use tolk_media::codec::quality::tone;
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::rtp::{RtpBuilder, RtpHeaderMut, RtpPacket};
use tolk_media::transcode::{AudioPipeline, LegFormat, PipelineConfig};

fn pipeline(from: LegFormat, to: LegFormat) -> AudioPipeline {
    AudioPipeline::new(
        &CodecRegistry::with_builtins(),
        PipelineConfig::new(from, to),
    )
    .expect("pipeline")
}

/// Speech-band test signal: two tones, as 20 ms PCM at `rate`.
fn frame(rate: u32) -> Vec<i16> {
    let n = rate as usize / 50;
    let a = tone(440.0, rate, n, 6000.0);
    let b = tone(1330.0, rate, n, 3000.0);
    a.iter().zip(&b).map(|(x, y)| x + y).collect()
}

/// One RTP packet of `format` carrying a 20 ms frame, encoded by Tolk.
fn encoded_packet(format: &CodecFormat, payload_type: u8) -> Vec<u8> {
    let registry = CodecRegistry::with_builtins();
    let mut enc = registry.audio_encoder(format).expect("encoder");
    let pcm = frame(enc.sample_rate());
    let mut payload = Vec::new();
    // Warm the encoder so the frame is a steady-state one.
    for _ in 0..5 {
        payload.clear();
        enc.encode(&pcm, &mut payload).expect("encode");
    }
    let b = RtpBuilder {
        payload_type,
        payload: &payload,
        ..Default::default()
    };
    let mut buf = vec![0; b.encoded_len().expect("len")];
    b.write_to(&mut buf).expect("build");
    buf
}

/// Benchmarks one direction: push a packet (timestamp advanced each
/// time), drain what comes out.
fn direction(c: &mut Criterion, name: &str, from: LegFormat, to: LegFormat) {
    let mut packet = encoded_packet(&from.codec, from.payload_type);
    let ticks = from.codec.clock_rate / 50;
    let mut p = pipeline(from, to);
    let mut n = 0u32;
    c.bench_function(name, |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let mut h = RtpHeaderMut::new(&mut packet).expect("header");
            h.set_sequence_number(n as u16);
            h.set_timestamp(n.wrapping_mul(ticks));
            p.push_rtp(&RtpPacket::parse(&packet).expect("parse"))
                .expect("push");
            while let Some(out) = p.poll_packet() {
                black_box(out);
            }
        })
    });
}

fn benches(c: &mut Criterion) {
    let pcmu = || LegFormat::new(CodecFormat::pcmu(), 0);
    let opus = || LegFormat::new(CodecFormat::opus(), 111);
    let g722 = || LegFormat::new(CodecFormat::g722(), 9);

    let frame8k: Vec<u8> = vec![0x55; 160];
    c.bench_function("frame/baseline_memcpy_160", |b| {
        let mut out = vec![0u8; 160];
        b.iter(|| {
            out.copy_from_slice(black_box(&frame8k));
            black_box(&out);
        })
    });
    c.bench_function("frame/baseline_pcmu_to_pcma_table", |b| {
        let mut buf = frame8k.clone();
        b.iter(|| {
            mulaw_to_alaw(black_box(&mut buf));
            black_box(&buf);
        })
    });
    direction(c, "frame/opus_to_pcmu", opus(), pcmu());
    direction(c, "frame/pcmu_to_opus", pcmu(), opus());
    direction(c, "frame/g722_to_pcmu", g722(), pcmu());
    direction(c, "frame/pcmu_to_g722", pcmu(), g722());
}

criterion_group!(transcode, benches);
criterion_main!(transcode);
