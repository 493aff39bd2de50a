//! `tolk relay`: the media relay on its own, controlled over rtpengine's
//! ng protocol (bencode over UDP), so that Kamailio's rtpengine module can
//! use it in place of rtpengine.
//!
//! The control socket runs on a single-threaded tokio runtime; media runs
//! on the relay's own worker threads and never waits for control.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use clap::Args;
use tokio::net::UdpSocket;
use tolk_relay::ng::{NgConfig, NgServer};
use tolk_relay::{IoMode, Relay, RelayConfig, SessionPolicy};

/// `tolk relay` options.
#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// ng control address to listen on (UDP), e.g. 127.0.0.1:2223.
    #[arg(long, value_name = "ADDR:PORT")]
    ng: SocketAddr,
    /// Media port range, inclusive.
    #[arg(long, value_name = "LO-HI", default_value = "30000-39999", value_parser = parse_ports)]
    ports: (u16, u16),
    /// Media address: bound for media and written into rewritten SDPs
    /// (default: the ng address, when it is not a wildcard).
    #[arg(long, value_name = "ADDR")]
    interface: Option<IpAddr>,
    /// Media worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    workers: usize,
    /// Seconds of media silence after which a call is deleted (a call
    /// whose media the relay does not carry: seconds after its last command).
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Media sections one offer may carry.
    #[arg(long, default_value_t = tolk_relay::ng::DEFAULT_MAX_MEDIA)]
    max_media: usize,
    /// Media I/O: auto (io_uring where the kernel allows it, else epoll),
    /// uring or epoll.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = parse_io)]
    io: IoMode,
}

fn parse_io(s: &str) -> Result<IoMode, String> {
    s.parse().map_err(|e: tolk_relay::Error| e.to_string())
}

fn parse_ports(s: &str) -> Result<(u16, u16), String> {
    let (lo, hi) = s
        .split_once('-')
        .ok_or("expected LO-HI, e.g. 30000-39999")?;
    let port = |p: &str| p.trim().parse::<u16>().map_err(|e| format!("{p:?}: {e}"));
    let (lo, hi) = (port(lo)?, port(hi)?);
    if lo == 0 || lo > hi {
        return Err(format!("{lo}-{hi} is not a range of ports"));
    }
    Ok((lo, hi))
}

pub(crate) fn run(args: RelayArgs) -> ExitCode {
    // The relay's workers log why io_uring fell back and receive errors.
    super::log_to_stderr();
    let interface = match args.interface {
        Some(ip) => ip,
        None if !args.ng.ip().is_unspecified() => args.ng.ip(),
        None => {
            eprintln!("tolk relay: --interface is needed when --ng listens on a wildcard address");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tolk relay: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args, interface)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tolk relay: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: RelayArgs, interface: IpAddr) -> std::io::Result<()> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let relay = Relay::start(RelayConfig {
        ports: args.ports,
        workers: args.workers,
        policy: SessionPolicy {
            timeout,
            ..Default::default()
        },
        io: args.io,
        ..RelayConfig::default()
    })
    .map_err(std::io::Error::other)?;
    let events = relay.take_events();
    let relay_io = relay.io();
    let socket = UdpSocket::bind(args.ng).await?;
    let config = NgConfig {
        interface,
        max_media: args.max_media,
        idle_call_timeout: timeout,
        ..Default::default()
    };
    let mut ng = NgServer::new(Arc::new(relay), config);
    eprintln!(
        "tolk relay: ng on {}, media on {interface} ports {}-{} ({:?} I/O)",
        socket.local_addr()?,
        args.ports.0,
        args.ports.1,
        relay_io,
    );
    let mut buf = vec![0u8; 65_536];
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let (n, from) = match received {
                    Ok(r) => r,
                    // ICMP errors from earlier replies surface here; keep serving.
                    Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => continue,
                    Err(err) => return Err(err),
                };
                let request = buf.get(..n).unwrap_or_default();
                if let Some(reply) = ng.handle(Instant::now(), SystemTime::now(), request) {
                    if let Err(err) = socket.send_to(&reply, from).await {
                        eprintln!("tolk relay: reply to {from}: {err}");
                    }
                }
            }
            _ = tick.tick() => {
                // Timed-out calls are deleted; other events are informational here.
                if let Some(events) = &events {
                    while let Ok(event) = events.try_recv() {
                        ng.on_event(&event);
                    }
                }
                ng.expire_idle(SystemTime::now());
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("tolk relay: stopping ({} calls)", ng.call_count());
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ports;

    #[test]
    fn port_ranges() {
        assert_eq!(parse_ports("30000-30999"), Ok((30000, 30999)));
        for bad in ["30000", "2-1", "0-10", "a-b", "1-70000"] {
            assert!(parse_ports(bad).is_err(), "{bad}");
        }
    }
}
