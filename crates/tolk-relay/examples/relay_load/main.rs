//! Load tool: drives N calls (two RTP streams each, one per direction)
//! through the relay and, in the same run, through a bare
//! recvmmsg/sendmmsg forwarder (the baseline), and reports forwarded
//! packets/s, forwarding CPU per packet, loss and one-way latency
//! percentiles, with the per-core figure as a ratio to the baseline.
//!
//! ```text
//! cargo build --release -p tolk-relay --example relay_load
//! target/release/examples/relay_load [--calls 500] [--mode plain|sdes|srtp] \
//!     [--paced | --rate PPS] [--seconds 5] [--payload 160] [--threads 1] \
//!     [--io auto|uring|epoll]
//! ```
//! Flat out by default; `--paced` sends 50 packets/s per stream (20 ms
//! audio) and reports calls per core (one core's forwarding rate at the
//! measured CPU cost per packet, over 100 packets/s per call);
//! `--rate` caps the total rate. `sdes`: leg A speaks SDES-SRTP, leg B
//! plain RTP; `srtp`: both legs SRTP with their own keys (re-keyed).
//! The relay and the bare forwarder each run one thread, so CPU per packet
//! is per core. `--threads` traffic threads each send with `sendmmsg` and
//! receive with `recvmmsg`. Loopback only, ports 46100-46999 (peers) and
//! 47000-49999 (forwarders), so at most 1,500 calls; bounded by `--seconds`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod report;
mod traffic;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use report::Report;
use tolk_relay::srtp::{SrtpKey, SrtpProfile, new_context};
use tolk_relay::{
    BareForwarder, EndpointSpec, IoMode, LegKeys, LegUpdate, Relay, RelayConfig, Side,
};
use traffic::{Share, Stream};

const PEER_PORTS: RangeInclusive<u16> = 46100..=46999;
/// Peer socket pairs per traffic thread (more kernel receive buffers).
const PAIRS_PER_THREAD: usize = 16;
const FORWARDER_PORTS: (u16, u16) = (47000, 49999);
/// Packets per second of one paced stream (20 ms audio).
const PACED_PPS: u64 = 50;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Plain,
    Sdes,
    Srtp,
}

struct Args {
    calls: usize,
    mode: Mode,
    paced: bool,
    rate: u64,
    seconds: u64,
    payload: usize,
    threads: usize,
    io: IoMode,
}

fn args() -> Args {
    let mut a = Args {
        calls: 500,
        mode: Mode::Plain,
        paced: false,
        rate: 0,
        seconds: 5,
        payload: 160,
        threads: 1,
        io: IoMode::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().expect("flag needs a value");
        match flag.as_str() {
            "--calls" => a.calls = value().parse().expect("--calls N"),
            "--rate" => a.rate = value().parse().expect("--rate PPS"),
            "--paced" => a.paced = true,
            "--seconds" => a.seconds = value().parse().expect("--seconds N"),
            "--payload" => a.payload = value().parse().expect("--payload BYTES"),
            "--threads" => a.threads = value().parse().expect("--threads N"),
            "--io" => a.io = value().parse().expect("--io auto|uring|epoll"),
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
    let max_calls = usize::from(FORWARDER_PORTS.1 - FORWARDER_PORTS.0 + 1) / 2;
    assert!(
        (1..=max_calls).contains(&a.calls),
        "--calls 1..={max_calls}"
    );
    a.threads = a.threads.clamp(1, a.calls);
    if a.paced {
        a.rate = 2 * a.calls as u64 * PACED_PPS;
    }
    a
}

/// Socket buffers of the peers; the bare forwarder's match the relay's (1 MiB).
const PEER_BUFFER: usize = 4 << 20;
const FORWARDER_BUFFER: usize = 1 << 20;

/// Binds a loopback UDP socket on the first free port of `ports` (advancing it).
fn bind(ports: &mut impl Iterator<Item = u16>, buffer: usize) -> UdpSocket {
    for port in ports {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
        let _ = s.set_recv_buffer_size(buffer);
        let _ = s.set_send_buffer_size(buffer);
        if s.bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())
            .is_ok()
        {
            return s.into();
        }
    }
    panic!("no free port left in the range");
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

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The leg keys (A, B) of a mode and, per stream direction, (send, receive) keys.
struct Keys {
    a: LegKeys,
    b: LegKeys,
}

impl Keys {
    fn new(mode: Mode) -> Self {
        let key =
            |b: u8| SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[b; 16], &[b; 14]).unwrap();
        let leg = |srtp: bool, rx: u8, tx: u8| LegKeys {
            rx: srtp.then(|| key(rx)),
            tx: srtp.then(|| key(tx)),
        };
        Keys {
            a: leg(mode != Mode::Plain, 1, 2),
            b: leg(mode == Mode::Srtp, 3, 4),
        }
    }

    /// Stream A -> B is protected with A's rx key and arrives under B's tx key; B -> A the reverse.
    fn stream(&self, to: SocketAddr, via: usize) -> Stream {
        let (from, into) = if via == 0 {
            (&self.a, &self.b)
        } else {
            (&self.b, &self.a)
        };
        Stream {
            to,
            via,
            tx: from.rx.as_ref().map(|k| new_context(k).unwrap()),
            rx: into.tx.as_ref().map(|k| new_context(k).unwrap()),
        }
    }
}

/// Runs every share on its own thread for the configured time.
fn drive(a: &Args, shares: Vec<Share>, name: &'static str, cpu_prefix: &str) -> Report {
    let epoch = Instant::now();
    let cpu_before = thread_cpu_ns(cpu_prefix);
    let end = epoch + Duration::from_secs(a.seconds);
    let threads: Vec<_> = shares
        .into_iter()
        .map(|s| std::thread::spawn(move || traffic::run(s, epoch, end)))
        .collect();
    let mut tally = traffic::Tally::default();
    for t in threads {
        let t = t.join().unwrap();
        tally.sent += t.sent;
        tally.received += t.received;
        tally.latencies_us.extend(t.latencies_us);
    }
    Report {
        name,
        tally,
        wall: Duration::from_secs(a.seconds),
        cpu_ns: thread_cpu_ns(cpu_prefix) - cpu_before,
    }
}

/// Discards what the baseline left queued at the peers, so it cannot count
/// toward the next run: reads until 200 ms pass without a packet.
fn quiesce(peers: &[Vec<UdpSocket>]) {
    let mut batch = tolk_relay::UdpBatch::default();
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_millis(200) {
        for s in peers.iter().flatten() {
            s.set_nonblocking(true).unwrap();
            while batch.recv(s).unwrap_or(0) > 0 {
                quiet_since = Instant::now();
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The traffic thread that carries call `c`: contiguous blocks of calls.
fn thread_of(a: &Args, c: usize) -> usize {
    (0..a.threads)
        .find(|&t| c < (t + 1) * a.calls / a.threads)
        .unwrap_or(0)
}

/// Index of call `c`'s leg-`side` socket (0 = A, 1 = B) in its thread's peer sockets.
fn socket_of(c: usize, side: usize) -> usize {
    2 * (c % PAIRS_PER_THREAD) + side
}

/// Splits the calls' streams over the traffic threads, each with its own peer sockets.
fn shares(
    a: &Args,
    peers: &[Vec<UdpSocket>],
    stream: impl Fn(usize, usize) -> Stream,
) -> Vec<Share> {
    let mut shares = Vec::with_capacity(a.threads);
    for (t, sockets) in peers.iter().enumerate() {
        let calls = (t * a.calls / a.threads)..((t + 1) * a.calls / a.threads);
        let streams: Vec<Stream> = calls
            .clone()
            .flat_map(|c| {
                let (mut a_to_b, mut b_to_a) = (stream(c, 0), stream(c, 1));
                a_to_b.via = socket_of(c, 0);
                b_to_a.via = socket_of(c, 1);
                [a_to_b, b_to_a]
            })
            .collect();
        shares.push(Share {
            first_ssrc: 2 * calls.start as u32 + 1,
            rate: a.rate * streams.len() as u64 / (2 * a.calls as u64),
            streams,
            sockets: sockets.iter().map(|s| s.try_clone().unwrap()).collect(),
            payload: a.payload,
        });
    }
    shares
}

fn main() {
    let a = args();
    let mut peer_ports = PEER_PORTS;
    let peers: Vec<Vec<UdpSocket>> = (0..a.threads)
        .map(|_| {
            (0..2 * PAIRS_PER_THREAD)
                .map(|_| bind(&mut peer_ports, PEER_BUFFER))
                .collect()
        })
        .collect();
    let peer_of = |c: usize, side: usize| {
        peers[thread_of(&a, c)][socket_of(c, side)]
            .local_addr()
            .unwrap()
    };
    let rate = match (a.paced, a.rate) {
        (true, _) => format!("paced {PACED_PPS} pkt/s per stream"),
        (false, 0) => "flat out".to_owned(),
        (false, r) => format!("{r} pkt/s"),
    };
    println!(
        "relay_load: {} calls ({} streams), {:?}, {rate}, {} s, {}-byte payload, {} traffic thread(s); load average {}",
        a.calls,
        2 * a.calls,
        a.mode,
        a.seconds,
        a.payload,
        a.threads,
        load_average(),
    );

    // Baseline: the bare forwarder, one thread, one socket per stream.
    let mut ports = FORWARDER_PORTS.0..=FORWARDER_PORTS.1;
    let mut pairs = Vec::with_capacity(2 * a.calls);
    let mut listen = Vec::with_capacity(2 * a.calls);
    for c in 0..a.calls {
        for side in 0..2 {
            let s = bind(&mut ports, FORWARDER_BUFFER);
            listen.push(s.local_addr().unwrap());
            pairs.push((s, peer_of(c, 1 - side)));
        }
    }
    let bare = BareForwarder::spawn(pairs).unwrap();
    let none = Keys::new(Mode::Plain);
    let load = shares(&a, &peers, |c, via| none.stream(listen[2 * c + via], via));
    let mut base = drive(&a, load, "bare", "bare-fwd");
    drop(bare);
    quiesce(&peers);
    base.print(a.paced);

    // The relay, one worker thread.
    let relay = Relay::start(RelayConfig {
        ports: FORWARDER_PORTS,
        workers: 1,
        io: a.io,
        ..Default::default()
    })
    .unwrap();
    println!("tolk I/O: {:?}", relay.io());
    let keys = Keys::new(a.mode);
    let spec = EndpointSpec {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        rtcp_mux: tolk_relay::RtcpMux::Muxed,
    };
    let mut legs = Vec::with_capacity(a.calls);
    for c in 0..a.calls {
        let info = relay.create_session(spec, spec).unwrap();
        for (side, leg_keys, peer) in [(Side::A, &keys.a, 0), (Side::B, &keys.b, 1)] {
            let update = LegUpdate {
                remote: Some(peer_of(c, peer)),
                keys: Some(leg_keys.clone()),
                ..Default::default()
            };
            relay.update(info.id, side, update).unwrap();
        }
        legs.push([info.a.rtp, info.b.rtp]);
    }
    let load = shares(&a, &peers, |c, via| keys.stream(legs[c][via], via));
    let mut tolk = drive(&a, load, "tolk", "tolk-relay");
    tolk.print(a.paced);
    println!(
        "ratio tolk/bare: {:.2}x pkt/s per core, {:.2}x pkt/s wall; load average {}",
        base.cpu_per_packet_ns() / tolk.cpu_per_packet_ns().max(1.0),
        tolk.pps() / base.pps().max(1.0),
        load_average(),
    );
}
