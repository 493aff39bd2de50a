//! Binding an endpoint's local sockets from the port range.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};

use socket2::{Domain, Socket, Type};

use super::RtcpMux;
use crate::error::Result;
use crate::ports::PortAllocator;

/// Kernel receive buffer per socket: absorbs bursts between worker wakeups.
const RECV_BUFFER: usize = 1 << 20;

/// An endpoint's bound sockets: RTP (or muxed), and RTCP unless muxed.
#[derive(Debug)]
pub struct BoundEndpoint {
    /// The RTP port (RTCP's is the next one when separate).
    pub port: u16,
    /// The RTP (or RTP+RTCP) socket.
    pub rtp: UdpSocket,
    /// The RTCP socket, on RTP port + 1, when separate.
    pub rtcp: Option<UdpSocket>,
}

/// A nonblocking UDP socket bound to `ip`:`port`.
pub fn bind(ip: IpAddr, port: u16) -> io::Result<UdpSocket> {
    let addr = SocketAddr::new(ip, port);
    // Nonblocking from the start: no fcntl round trips per socket.
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM.nonblocking(), None)?;
    if ip.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    // Best effort: the kernel caps it at net.core.rmem_max.
    let _ = socket.set_recv_buffer_size(RECV_BUFFER);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Allocates a port (a pair unless muxed) and binds it on `ip`, skipping
/// ports the OS refuses; an offered mux reserves the RTCP port unbound.
pub fn bind_endpoint(
    ports: &mut PortAllocator,
    ip: IpAddr,
    rtcp_mux: RtcpMux,
) -> Result<BoundEndpoint> {
    let mut bound = None;
    ports.allocate(rtcp_mux != RtcpMux::Muxed, |port| {
        let rtp = match bind(ip, port) {
            Ok(s) => s,
            Err(_) => return false,
        };
        let rtcp = match rtcp_mux {
            RtcpMux::Separate => match port.checked_add(1).map(|p| bind(ip, p)) {
                Some(Ok(s)) => Some(s),
                _ => return false,
            },
            RtcpMux::Muxed | RtcpMux::Offered => None,
        };
        bound = Some(BoundEndpoint { port, rtp, rtcp });
        true
    })?;
    bound.ok_or_else(|| io::Error::other("port allocator accepted an unbound port").into())
}
