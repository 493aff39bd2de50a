//! Allocations per forwarded packet in steady state, counted with dhat's
//! global allocator: the pure per-packet path, then the real worker loop
//! over loopback sockets (dhat counts every thread).
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::rtp::RtpBuilder;
use tolk_media::transcode::{LegFormat, PipelineConfig};
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::srtp::{SrtpKey, SrtpProfile, new_context};
use tolk_relay::transform::Transcode;
use tolk_relay::{IoMode, LegKeys, LegUpdate, Session, SessionId, SessionPolicy, Side, Verdict};

mod support;
use support::{MUXED, one_worker, point_at};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const PACKETS: u64 = 2000;

fn rtp(seq: u16) -> ([u8; 1500], usize) {
    let mut buf = [0u8; 1500];
    let n = RtpBuilder {
        sequence_number: seq,
        timestamp: u32::from(seq) * 160,
        ssrc: 9,
        payload: &[0x55; 160],
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    (buf, n)
}

fn blocks() -> u64 {
    dhat::HeapStats::get().total_blocks
}

/// Allocations per packet through `Session::handle_packet`, A -> B, with
/// `plan` for what B receives.
fn session_path(srtp_in: Option<&SrtpKey>, plan: EgressPlan) -> f64 {
    let now = Instant::now();
    let peer = |p| SocketAddr::from(([127, 0, 0, 1], p));
    let mut s = Session::new(SessionId(1), now, [true, true], SessionPolicy::default());
    s.update(
        Side::B,
        LegUpdate {
            remote: Some(peer(2)),
            plan: Some(plan),
            ..Default::default()
        },
    )
    .unwrap();
    let keys = LegKeys {
        rx: srtp_in.cloned(),
        tx: None,
    };
    s.update(
        Side::A,
        LegUpdate {
            keys: Some(keys),
            ..Default::default()
        },
    )
    .unwrap();
    let mut sender = srtp_in.map(|k| new_context(k).unwrap());
    // Pre-build the input so the sender's own allocations are not counted.
    let packets: Vec<([u8; 1500], usize)> = (0..2 * PACKETS as u16)
        .map(|seq| {
            let (mut buf, n) = rtp(seq);
            let n = sender
                .as_mut()
                .map_or(n, |c| c.protect_rtp(&mut buf, n).unwrap());
            (buf, n)
        })
        .collect();
    let mut it = packets.into_iter();
    let mut run = |count| {
        for (mut buf, n) in it.by_ref().take(count as usize) {
            let v = s.handle_packet(now, Side::A, false, peer(1), &mut buf, n);
            let forwarded = matches!(v, Verdict::Forward { .. } | Verdict::Transcoded { .. });
            assert!(forwarded, "{v:?}");
            if let Verdict::Transcoded { packets, .. } = v {
                assert_eq!(packets, 1, "one packet out per 20 ms packet in");
            }
        }
        while s.poll_event().is_some() {}
    };
    run(PACKETS); // warm-up: first packet, latching, per-SSRC state
    let before = blocks();
    run(PACKETS);
    (blocks() - before) as f64 / PACKETS as f64
}

/// Allocations per packet through a worker thread's loop on the `io` path.
fn worker_path(io: IoMode, ports: (u16, u16)) -> f64 {
    let relay = one_worker(ports, io);
    assert_eq!(relay.io(), io);
    let (a, b) = (
        UdpSocket::bind("127.0.0.1:0").unwrap(),
        UdpSocket::bind("127.0.0.1:0").unwrap(),
    );
    b.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let info = relay.create_session(MUXED, MUXED).unwrap();
    point_at(&relay, info.id, Side::B, &b);
    let mut sink = [0u8; 2048];
    let mut send = |from: u16, count: u64| {
        let mut received = 0;
        for seq in from..from + count as u16 {
            let (buf, n) = rtp(seq);
            a.send_to(&buf[..n], info.a.rtp).unwrap();
            // One in flight at a time: nothing is lost to a full buffer.
            if b.recv(&mut sink).is_ok() {
                received += 1;
            }
        }
        received
    };
    assert_eq!(send(0, 200), 200); // warm-up
    let before = blocks();
    let received = send(200, PACKETS);
    let allocs = blocks() - before;
    assert_eq!(received, PACKETS);
    allocs as f64 / PACKETS as f64
}

#[test]
fn allocations_per_forwarded_packet() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let plain = session_path(None, EgressPlan::default());
    // Both profiles get an in-place implementation.
    let cm = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[1; 16], &[2; 14]).unwrap();
    let gcm = SrtpKey::new(SrtpProfile::AeadAes128Gcm, &[1; 16], &[2; 12]).unwrap();
    let srtp_cm = session_path(Some(&cm), EgressPlan::default());
    let srtp_gcm = session_path(Some(&gcm), EgressPlan::default());
    let transcoded = |to: LegFormat| {
        let config = PipelineConfig::new(LegFormat::new(CodecFormat::pcmu(), 0), to);
        let transcode = Transcode::audio(CodecRegistry::with_builtins(), config);
        session_path(
            Some(&cm),
            EgressPlan {
                transcode: Some(transcode),
                ..Default::default()
            },
        )
    };
    let to_pcma = transcoded(LegFormat::new(CodecFormat::pcma(), 8));
    let to_opus = transcoded(LegFormat::new(CodecFormat::opus(), 111));
    let epoll = worker_path(IoMode::Epoll, (46900, 46999));
    let uring = worker_path(IoMode::Uring, (56900, 56999));
    println!(
        "allocations per packet: plain {plain:.3}, SRTP->RTP AES-CM (in place) {srtp_cm:.3}, \
         SRTP->RTP GCM (in place) {srtp_gcm:.3}, SRTP PCMU -> RTP PCMA {to_pcma:.3}, \
         SRTP PCMU -> RTP Opus {to_opus:.3}, worker loop (plain): epoll {epoll:.3}, \
         io_uring {uring:.3}"
    );
    assert_eq!(plain, 0.0, "plain forwarding must not allocate");
    assert_eq!(srtp_cm, 0.0, "in-place SRTP must not allocate");
    assert_eq!(srtp_gcm, 0.0, "in-place AES-GCM must not allocate");
    assert_eq!(epoll, 0.0, "the epoll worker must not allocate per packet");
    assert_eq!(
        uring, 0.0,
        "the io_uring worker must not allocate per packet"
    );
    // The hook's outbox and the pipeline's recycled packet buffers are reused.
    assert_eq!(to_pcma, 0.0, "G.711 transcoding must not allocate");
    assert_eq!(to_opus, 0.0, "Opus transcoding must not allocate");
}
