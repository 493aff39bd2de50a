//! Parse + answer of a browser-shaped audio+video offer (the in-repo
//! `webrtc-av-offer.sdp`), beside plain `sdp-types` parsing of the same
//! text as the baseline.
//!
//! Run: `cargo bench -p tolk-sdp --bench offer_answer -- --warm-up-time 1 --measurement-time 3`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tolk_sdp::model::{Fingerprint, MediaKind};
use tolk_sdp::negotiate::profiles;

const OFFER: &[u8] = include_bytes!("../tests/vectors/webrtc-av-offer.sdp");

struct Local;

impl tolk_sdp::LocalMedia for Local {
    fn address(&self) -> std::net::IpAddr {
        std::net::Ipv4Addr::new(192, 0, 2, 1).into()
    }
    fn port(&mut self, _index: usize, _kind: &MediaKind) -> u16 {
        40000
    }
    fn session_id(&mut self) -> u64 {
        1
    }
    fn ice_credentials(&mut self) -> (String, String) {
        (
            "benchufrag".to_owned(),
            "benchpasswordbenchpassw".to_owned(),
        )
    }
    fn fingerprint(&self) -> Option<Fingerprint> {
        Some(Fingerprint {
            hash: "sha-256".to_owned(),
            value: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89".to_owned(),
        })
    }
    fn srtp_key_material(&mut self, len: usize) -> Vec<u8> {
        vec![7; len]
    }
}

fn offer_answer(c: &mut Criterion) {
    let caps = profiles::webrtc();
    let mut group = c.benchmark_group("webrtc_av_offer");
    group.bench_function("baseline_sdp_types_parse", |b| {
        b.iter(|| sdp_types::Session::parse(black_box(OFFER)))
    });
    group.bench_function("parse", |b| b.iter(|| tolk_sdp::parse(black_box(OFFER))));
    group.bench_function("parse_answer", |b| {
        b.iter(|| {
            let offer = tolk_sdp::parse(black_box(OFFER)).ok()?;
            tolk_sdp::answer(&offer, &caps, &mut Local).ok()
        })
    });
    group.bench_function("parse_answer_print", |b| {
        b.iter(|| {
            let offer = tolk_sdp::parse(black_box(OFFER)).ok()?;
            let answer = tolk_sdp::answer(&offer, &caps, &mut Local).ok()?;
            Some(answer.description.to_bytes())
        })
    });
    group.finish();
}

criterion_group!(benches, offer_answer);
criterion_main!(benches);
