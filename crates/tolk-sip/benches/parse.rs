//! Messages parsed per second: tolk-sip beside rsip 0.4 on the same
//! typical INVITE with SDP, in the same run. `parse` is the parse alone;
//! `parse_and_read_keys` also reads what a transaction layer needs first
//! (top Via branch, Call-ID, CSeq, From tag).

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rsip::prelude::*;
use tolk_sip::Message;

const INVITE: &[u8] = include_bytes!("../tests/vectors/invite-sdp.sip");

fn parse(c: &mut Criterion) {
    let datagram = Bytes::from(INVITE.to_vec());
    let mut group = c.benchmark_group("parse_invite_sdp");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tolk-sip", |b| {
        b.iter(|| Message::parse(black_box(datagram.clone())).is_ok())
    });
    group.bench_function("rsip", |b| {
        b.iter(|| rsip::SipMessage::try_from(black_box(INVITE)).is_ok())
    });
    group.finish();

    let mut group = c.benchmark_group("parse_and_read_keys");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tolk-sip", |b| {
        b.iter(|| {
            let m = Message::parse(black_box(datagram.clone())).ok()?;
            let h = m.headers();
            let branch_len = h.top_via().ok()?.branch()?.len();
            let call_id_len = h.call_id().ok()?.len();
            let seq = h.cseq().ok()?.seq;
            let tag_len = h.from().ok()?.tag()?.len();
            Some(branch_len + call_id_len + seq as usize + tag_len)
        })
    });
    group.bench_function("rsip", |b| {
        b.iter(|| {
            let m = rsip::SipMessage::try_from(black_box(INVITE)).ok()?;
            let branch_len = m
                .via_header()
                .ok()?
                .typed()
                .ok()?
                .branch()?
                .to_string()
                .len();
            let call_id_len = m.call_id_header().ok()?.value().len();
            let seq = m.cseq_header().ok()?.typed().ok()?.seq;
            let tag_len = m.from_header().ok()?.tag().ok()??.value().len();
            Some(branch_len + call_id_len + seq as usize + tag_len)
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
