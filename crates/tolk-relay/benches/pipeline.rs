//! Per-packet cost of each direction transform, beside a baseline measured
//! in the same run: copying the packet into the buffer, which every
//! transform also does (criterion setup builds the input outside the timing).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tolk_media::rtp::RtpBuilder;
use tolk_relay::pipeline::{Crypto, EgressPlan, forward};
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::srtp::{SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};

fn key(b: u8) -> SrtpKey {
    SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[b; 16], &[b; 14]).unwrap()
}

fn srtp(k: &SrtpKey) -> Crypto {
    Crypto::Srtp(Box::new(WebrtcSrtp::new(k).unwrap()))
}

/// A 160-byte-payload RTP packet (20 ms of G.711), optionally SRTP-protected.
fn packets(protect: Option<&SrtpKey>) -> impl FnMut() -> ([u8; 2048], usize) {
    let mut ctx = protect.map(|k| WebrtcSrtp::new(k).unwrap());
    let mut seq = 0u16;
    move || {
        seq = seq.wrapping_add(1);
        let mut buf = [0u8; 2048];
        let n = RtpBuilder {
            sequence_number: seq,
            ssrc: 1,
            payload: &[0x55; 160],
            ..Default::default()
        }
        .write_to(&mut buf)
        .unwrap();
        let n = ctx
            .as_mut()
            .map_or(n, |c| c.protect_rtp(&mut buf, n).unwrap());
        (buf, n)
    }
}

fn bench(c: &mut Criterion) {
    let (a, b) = (key(1), key(2));
    let mut g = c.benchmark_group("relay_packet");
    let mut source = packets(None);
    let mut dst = [0u8; 2048];
    g.bench_function("baseline_copy", |bench| {
        bench.iter_batched(
            &mut source,
            |(buf, n)| {
                dst[..n].copy_from_slice(&buf[..n]);
                dst[0]
            },
            BatchSize::SmallInput,
        )
    });
    let plan = EgressPlan {
        payload_types: PayloadTypeMap::from_pairs([(0, 8)]),
        ..Default::default()
    };
    let cases: [(&str, Option<&SrtpKey>, Crypto, Crypto); 4] = [
        ("plain_pt_rewrite", None, Crypto::Plain, Crypto::Plain),
        ("srtp_to_rtp", Some(&a), srtp(&a), Crypto::Plain),
        ("rtp_to_srtp", None, Crypto::Plain, srtp(&b)),
        ("srtp_to_srtp_rekey", Some(&a), srtp(&a), srtp(&b)),
    ];
    for (name, input_key, mut rx, mut tx) in cases {
        let mut source = packets(input_key);
        g.bench_function(name, |bench| {
            bench.iter_batched(
                &mut source,
                |(mut buf, n)| forward(&mut rx, &mut tx, &plan, &mut buf, n).unwrap().0,
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
