//! Parse + answer of a browser-shaped audio+video offer (the in-repo
//! `webrtc-av-offer.sdp`), beside two baselines measured in the same run:
//! copying the offer's bytes, and `sdp-types` parsing the same text.
//!
//! Run: `cargo bench -p tolk-sdp --bench offer_answer -- --warm-up-time 1 --measurement-time 3`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

#[allow(dead_code)]
#[path = "../tests/support/local.rs"]
mod local;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use local::TestLocal;
use tolk_sdp::negotiate::profiles;

const OFFER: &[u8] = include_bytes!("../tests/vectors/webrtc-av-offer.sdp");

fn offer_answer(c: &mut Criterion) {
    let caps = profiles::webrtc();
    let mut group = c.benchmark_group("webrtc_av_offer");
    group.bench_function("baseline_copy_bytes", |b| {
        b.iter(|| black_box(OFFER).to_vec())
    });
    group.bench_function("baseline_sdp_types_parse", |b| {
        b.iter(|| sdp_types::Session::parse(black_box(OFFER)))
    });
    group.bench_function("parse", |b| b.iter(|| tolk_sdp::parse(black_box(OFFER))));
    group.bench_function("parse_answer", |b| {
        b.iter(|| {
            let offer = tolk_sdp::parse(black_box(OFFER)).ok()?;
            tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).ok()
        })
    });
    group.bench_function("parse_answer_print", |b| {
        b.iter(|| {
            let offer = tolk_sdp::parse(black_box(OFFER)).ok()?;
            let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).ok()?;
            Some(answer.description.to_bytes())
        })
    });
    group.finish();
}

criterion_group!(benches, offer_answer);
criterion_main!(benches);
