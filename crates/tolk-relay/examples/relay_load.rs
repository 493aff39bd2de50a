//! Load tool: drives N RTP streams through the relay and, in the same run,
//! through a bare recvmmsg/sendmmsg forwarder (the baseline), and reports
//! forwarded packets/s, CPU per packet of the forwarding thread, loss and
//! one-way latency percentiles, with every figure as a ratio to the baseline.
//!
//! ```text
//! cargo run --release -p tolk-relay --example relay_load -- \
//!     [--streams 200] [--mode plain|sdes|srtp] [--rate PPS | --paced] \
//!     [--seconds 5] [--payload 160]
//! ```
//! `--rate 0` (the default) sends flat out; `--paced` sends 50 packets/s
//! per stream, like 20 ms audio. `sdes` is SRTP from the caller to the relay
//! and RTP to the callee; `srtp` is SRTP on both legs with different keys.
//! Loopback only; bounded by `--seconds`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tolk_relay::srtp::{SrtpContext, SrtpKey, SrtpProfile, new_context};
use tolk_relay::{BareForwarder, EndpointSpec, LegKeys, LegUpdate, Relay, RelayConfig, Side};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    Sdes,
    Srtp,
}

struct Args {
    streams: usize,
    mode: Mode,
    rate: u64,
    seconds: u64,
    payload: usize,
}

fn args() -> Args {
    let mut a = Args {
        streams: 200,
        mode: Mode::Plain,
        rate: 0,
        seconds: 5,
        payload: 160,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().expect("flag needs a value");
        match flag.as_str() {
            "--streams" => a.streams = value().parse().expect("--streams N"),
            "--rate" => a.rate = value().parse().expect("--rate PPS"),
            "--paced" => a.rate = u64::MAX,
            "--seconds" => a.seconds = value().parse().expect("--seconds N"),
            "--payload" => a.payload = value().parse().expect("--payload BYTES"),
            "--mode" => {
                a.mode = match value().as_str() {
                    "plain" => Mode::Plain,
                    "sdes" => Mode::Sdes,
                    "srtp" => Mode::Srtp,
                    other => panic!("unknown mode {other}"),
                }
            }
            other => panic!("unknown flag {other}"),
        }
    }
    if a.rate == u64::MAX {
        a.rate = 50 * a.streams as u64;
    }
    a
}

/// CPU nanoseconds of this process's threads whose name starts with `prefix`.
fn thread_cpu_ns(prefix: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with(prefix))
        })
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

struct Report {
    sent: u64,
    received: u64,
    wall: Duration,
    cpu_ns: u64,
    latencies_us: Vec<u32>,
}

impl Report {
    fn pps(&self) -> f64 {
        self.received as f64 / self.wall.as_secs_f64()
    }
    fn cpu_per_packet_ns(&self) -> f64 {
        self.cpu_ns as f64 / self.received.max(1) as f64
    }
    fn percentile(&self, p: f64) -> f64 {
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let i = ((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1));
        v.get(i).copied().unwrap_or(0) as f64
    }
    fn print(&self, name: &str) {
        println!(
            "{name:<8} sent {:>9} recv {:>9} loss {:>6.2}% | {:>9.0} pkt/s | cpu {:>7.0} ns/pkt = {:>9.0} pkt/s/core | latency us p50 {:>6.0} p99 {:>6.0} p99.9 {:>6.0}",
            self.sent,
            self.received,
            100.0 * (self.sent.saturating_sub(self.received)) as f64 / self.sent.max(1) as f64,
            self.pps(),
            self.cpu_per_packet_ns(),
            1e9 / self.cpu_per_packet_ns().max(1.0),
            self.percentile(0.5),
            self.percentile(0.99),
            self.percentile(0.999),
        );
    }
}

/// Sends `seconds` of traffic to `targets` (paced or flat out) and collects it at `sink`.
fn drive(
    a: &Args,
    targets: &[SocketAddr],
    tx: &UdpSocket,
    sink: &UdpSocket,
    keys: Option<&SrtpKey>,
    rx_key: Option<&SrtpKey>,
    cpu_prefix: &str,
) -> Report {
    let epoch = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let received = Arc::new(AtomicU64::new(0));
    let sink = sink.try_clone().unwrap();
    let (done2, received2) = (done.clone(), received.clone());
    let rx_key = rx_key.cloned();
    let receiver = std::thread::spawn(move || {
        let mut latencies = Vec::with_capacity(1 << 20);
        let mut buf = [0u8; 2048];
        // One receive context per stream, as each stream is its own SRTP session.
        let mut rx_ctxs: std::collections::HashMap<u32, Box<dyn SrtpContext>> =
            std::collections::HashMap::new();
        sink.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        loop {
            match sink.recv(&mut buf) {
                Ok(mut n) => {
                    if let Some(k) = rx_key.as_ref() {
                        let ssrc = u32::from_be_bytes(buf[8..12].try_into().unwrap());
                        let ctx = rx_ctxs
                            .entry(ssrc)
                            .or_insert_with(|| new_context(k).unwrap());
                        match ctx.unprotect_rtp(&mut buf, n) {
                            Ok(m) => n = m,
                            Err(_) => continue,
                        }
                    }
                    if let Some(stamp) = buf.get(12..20).filter(|_| n >= 20) {
                        let sent = u64::from_be_bytes(stamp.try_into().unwrap());
                        let now = epoch.elapsed().as_nanos() as u64;
                        if latencies.len() < latencies.capacity() {
                            latencies.push((now.saturating_sub(sent) / 1000) as u32);
                        }
                    }
                    received2.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) if done2.load(Ordering::Relaxed) => return latencies,
                Err(_) => {}
            }
        }
    });

    let mut ctxs: Vec<Option<Box<dyn SrtpContext>>> = targets
        .iter()
        .map(|_| keys.map(|k| new_context(k).unwrap()))
        .collect();
    let mut buf = [0u8; 2048];
    let len = 12 + a.payload.max(8);
    let cpu_before = thread_cpu_ns(cpu_prefix);
    let start = Instant::now();
    let end = start + Duration::from_secs(a.seconds);
    let mut sent = 0u64;
    let mut seq = 0u16;
    'send: while Instant::now() < end {
        for (i, (to, ctx)) in targets.iter().zip(ctxs.iter_mut()).enumerate() {
            if let Some(nanos) = (sent * 1_000_000_000).checked_div(a.rate) {
                // Paced: packet k leaves at k / rate seconds.
                let due = start + Duration::from_nanos(nanos);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                if now >= end {
                    break 'send;
                }
            }
            buf[..12].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            buf[2..4].copy_from_slice(&seq.to_be_bytes());
            buf[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
            buf[8..12].copy_from_slice(&(i as u32 + 1).to_be_bytes());
            let stamp = epoch.elapsed().as_nanos() as u64;
            buf[12..20].copy_from_slice(&stamp.to_be_bytes());
            let n = match ctx {
                Some(c) => c.protect_rtp(&mut buf, len).unwrap(),
                None => len,
            };
            if tx.send_to(&buf[..n], to).is_ok() {
                sent += 1;
            }
        }
        seq = seq.wrapping_add(1);
    }
    let wall = start.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let cpu_ns = thread_cpu_ns(cpu_prefix) - cpu_before;
    done.store(true, Ordering::Relaxed);
    let latencies_us = receiver.join().unwrap();
    Report {
        sent,
        received: received.load(Ordering::Relaxed),
        wall,
        cpu_ns,
        latencies_us,
    }
}

fn socket() -> UdpSocket {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    let _ = s.set_recv_buffer_size(4 << 20);
    let _ = s.set_send_buffer_size(4 << 20);
    s.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    s.into()
}

fn main() {
    let a = args();
    let (tx, sink) = (socket(), socket());
    let sink_addr = sink.local_addr().unwrap();
    let mode = match a.mode {
        Mode::Plain => "plain RTP",
        Mode::Sdes => "SRTP -> RTP",
        Mode::Srtp => "SRTP -> SRTP re-keyed",
    };
    let rate = if a.rate == 0 {
        "flat out".to_owned()
    } else {
        format!("{} pkt/s", a.rate)
    };
    println!(
        "relay_load: {} streams, {mode}, {rate}, {} s, {}-byte payload",
        a.streams, a.seconds, a.payload
    );

    // Baseline: the bare forwarder, one thread.
    let pairs: Vec<(UdpSocket, SocketAddr)> =
        (0..a.streams).map(|_| (socket(), sink_addr)).collect();
    let targets: Vec<SocketAddr> = pairs.iter().map(|(s, _)| s.local_addr().unwrap()).collect();
    let bare = BareForwarder::spawn(pairs).unwrap();
    let base = drive(&a, &targets, &tx, &sink, None, None, "bare-fwd");
    drop(bare);
    base.print("bare");

    // The relay: one worker thread, so CPU per packet is per core.
    let relay = Relay::start(RelayConfig {
        ports: (47000, 59999),
        workers: 1,
        ..Default::default()
    })
    .unwrap();
    let in_key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[1; 16], &[2; 14]).unwrap();
    let out_key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[3; 16], &[4; 14]).unwrap();
    let spec = EndpointSpec {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        rtcp_mux: true,
    };
    let mut targets = Vec::with_capacity(a.streams);
    for _ in 0..a.streams {
        let info = relay.create_session(spec, spec).unwrap();
        let srtp_in = a.mode != Mode::Plain;
        relay
            .update(
                info.id,
                Side::A,
                LegUpdate {
                    remote: Some(tx.local_addr().unwrap()),
                    keys: Some(LegKeys {
                        rx: srtp_in.then(|| in_key.clone()),
                        tx: None,
                    }),
                    ..Default::default()
                },
            )
            .unwrap();
        relay
            .update(
                info.id,
                Side::B,
                LegUpdate {
                    remote: Some(sink_addr),
                    keys: Some(LegKeys {
                        rx: None,
                        tx: (a.mode == Mode::Srtp).then(|| out_key.clone()),
                    }),
                    ..Default::default()
                },
            )
            .unwrap();
        targets.push(info.a.rtp);
    }
    let srtp_in = (a.mode != Mode::Plain).then_some(&in_key);
    let srtp_out = (a.mode == Mode::Srtp).then_some(&out_key);
    let tolk = drive(&a, &targets, &tx, &sink, srtp_in, srtp_out, "tolk-relay");
    tolk.print("tolk");
    println!(
        "ratio tolk/bare: {:.2}x pkt/s per core, {:.2}x pkt/s wall",
        base.cpu_per_packet_ns() / tolk.cpu_per_packet_ns().max(1.0),
        tolk.pps() / base.pps().max(1.0),
    );
}
