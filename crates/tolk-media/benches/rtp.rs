//! Per-packet costs on the relay's hot path: parse, rewrite, demux, beside
//! a plain copy of the same packet as the baseline.
// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tolk_media::demux::classify;
use tolk_media::rtcp::{self, RtcpPacket, SourceDescription};
use tolk_media::rtp::{ExtensionElement, RtpBuilder, RtpHeaderMut, RtpPacket};

fn packet() -> Vec<u8> {
    // A 20 ms PCMU packet with an audio-level and a transport-cc extension.
    let payload = [0x55u8; 160];
    let ext = [
        ExtensionElement {
            id: 1,
            data: &[0x80],
        },
        ExtensionElement {
            id: 3,
            data: &[0x12, 0x34],
        },
    ];
    let b = RtpBuilder {
        payload_type: 0,
        sequence_number: 1,
        timestamp: 160,
        ssrc: 0x1234_5678,
        extensions: &ext,
        payload: &payload,
        ..Default::default()
    };
    let mut buf = vec![0; b.encoded_len().expect("len")];
    b.write_to(&mut buf).expect("build");
    buf
}

fn benches(c: &mut Criterion) {
    let pkt = packet();
    let mut g = c.benchmark_group("rtp");
    g.bench_function("baseline_memcpy_packet", |b| {
        let mut out = vec![0u8; pkt.len()];
        b.iter(|| {
            out.copy_from_slice(black_box(&pkt));
            black_box(&out);
        })
    });
    g.bench_function("parse", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&pkt)).expect("parse");
            black_box((
                p.payload_type(),
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
                p.payload().len(),
            ))
        })
    });
    g.bench_function("parse_and_read_extension", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&pkt)).expect("parse");
            black_box(p.extension().and_then(|e| e.get(3)))
        })
    });
    g.bench_function("demux_parse_rewrite", |b| {
        let mut buf = pkt.clone();
        let mut seq = 0u16;
        b.iter(|| {
            black_box(classify(&buf));
            let pt = RtpPacket::parse(&buf).expect("parse").payload_type();
            let mut h = RtpHeaderMut::new(&mut buf).expect("header");
            seq = seq.wrapping_add(1);
            h.set_payload_type(pt ^ 8);
            h.set_ssrc(0xdead_beef);
            h.set_sequence_number(seq);
            h.set_timestamp(u32::from(seq) * 160);
            black_box(&buf);
        })
    });
    g.finish();

    let compound = rtcp::encode_compound(&[
        RtcpPacket::ReceiverReport(rtcp::ReceiverReport {
            ssrc: 1,
            reports: vec![rtcp::ReportBlock::default()],
            extension: vec![],
        }),
        RtcpPacket::SourceDescription(SourceDescription::cname(1, b"tolk@example.org")),
        rtcp::keyframe::pli(1, 2),
    ])
    .expect("encode");
    let mut g = c.benchmark_group("rtcp");
    g.bench_function("raw_iterate_compound", |b| {
        b.iter(|| black_box(rtcp::raw_packets(black_box(&compound)).count()))
    });
    g.bench_function("parse_compound", |b| {
        b.iter(|| black_box(rtcp::parse_compound(black_box(&compound)).expect("parse")))
    });
    g.finish();
}

criterion_group!(rtp, benches);
criterion_main!(rtp);
