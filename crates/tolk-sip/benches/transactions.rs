//! INVITE server transactions per second through the sans-IO core, and
//! the parse-only cost of the same INVITE as the baseline.
//!
//! One transaction: the INVITE datagram in (parse, match, create, 100
//! Trying out, event), the user's 200 built and sent (Accepted state),
//! and its share of the Timer L expiry that removes it.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tolk_sip::transaction::{LayerConfig, TransactionEvent, TransactionLayer};
use tolk_sip::transport::Transport;
use tolk_sip::{Message, Response};

const BATCH: usize = 1000;

fn invite(n: usize) -> Bytes {
    Bytes::from(format!(
        "INVITE sip:bob@192.0.2.2 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-bench-{n}\r\n\
         Max-Forwards: 70\r\n\
         From: \"Alice\" <sip:alice@example.com>;tag=a-{n}\r\n\
         To: <sip:bob@example.com>\r\n\
         Call-ID: bench-{n}@192.0.2.1\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:alice@192.0.2.1:5060>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: 129\r\n\r\n\
         v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
         m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
    ))
}

fn bench(c: &mut Criterion) {
    let datagrams: Vec<Bytes> = (0..BATCH).map(invite).collect();
    let source: SocketAddr = "192.0.2.1:5060"
        .parse()
        .unwrap_or(SocketAddr::from(([0; 4], 0)));
    let mut group = c.benchmark_group("sip_transactions");
    group.throughput(Throughput::Elements(1));

    group.bench_function("parse_invite_baseline", |b| {
        let mut n = 0;
        b.iter(|| {
            n = (n + 1) % BATCH;
            black_box(Message::parse(datagrams[n].clone()).is_ok())
        });
    });

    group.bench_function("invite_server_transaction", |b| {
        let mut layer = TransactionLayer::new(LayerConfig::default());
        layer.set_local_addr(Transport::Udp, "192.0.2.2:5060".parse().unwrap_or(source));
        #[allow(clippy::disallowed_methods)] // the bench needs a start time
        let mut now = Instant::now();
        let mut n = 0;
        b.iter(|| {
            layer.handle_input(now, Transport::Udp, source, datagrams[n].clone());
            if let Some(TransactionEvent::Request { id, request, .. }) = layer.poll_event() {
                if let Ok(ok) = Response::for_request(&request, 200).to_tag("b0b").build() {
                    let _ = layer.send_response(now, id, ok);
                }
            }
            while let Some(t) = layer.poll_transmit() {
                black_box(t);
            }
            n += 1;
            if n == BATCH {
                // Timer L ends the whole batch before the branches recur.
                n = 0;
                now += Duration::from_secs(33);
                layer.handle_timeout(now);
                assert!(layer.is_empty());
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
