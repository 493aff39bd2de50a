//! What the relay's socket tests share: a one-worker relay, a loopback
//! endpoint spec, a peer socket, SDES
//! keys, RTP packets to send, reading a datagram with its source, and
//! pointing a leg at a test's socket.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use tolk_media::rtp::RtpBuilder;
use tolk_relay::srtp::{SrtpKey, SrtpProfile};
use tolk_relay::{
    EndpointSpec, IoMode, LegKeys, LegUpdate, Relay, RelayConfig, RtcpMux, SessionId, Side,
};

/// A loopback endpoint with `rtcp_mux`.
pub fn loopback(rtcp_mux: RtcpMux) -> EndpointSpec {
    EndpointSpec {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        rtcp_mux,
    }
}

/// A peer's socket on loopback; a read gives up after 1 s.
pub fn peer() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .unwrap();
    s
}

/// A relay with one worker on the `io` path, its media on `ports`.
pub fn one_worker(ports: (u16, u16), io: IoMode) -> Relay {
    Relay::start(RelayConfig {
        ports,
        workers: 1,
        io,
        ..RelayConfig::default()
    })
    .unwrap()
}

/// An endpoint on 127.0.0.1 with RTP and RTCP on one port.
pub const MUXED: EndpointSpec = EndpointSpec {
    ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
    rtcp_mux: RtcpMux::Muxed,
};

/// An AES_CM_128_HMAC_SHA1_80 key whose key and salt are `byte` repeated.
pub fn key(byte: u8) -> SrtpKey {
    SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[byte; 16], &[byte; 14]).unwrap()
}

/// An RTP packet with sequence number `seq`, `ssrc` and `payload`, in a
/// buffer with its length.
pub fn rtp(seq: u16, ssrc: u32, payload: &[u8]) -> ([u8; 1500], usize) {
    let mut buf = [0u8; 1500];
    let n = RtpBuilder {
        sequence_number: seq,
        ssrc,
        payload,
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    (buf, n)
}

/// The next datagram `socket` receives within its read timeout, with
/// its source.
pub fn recv(socket: &UdpSocket) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 2048];
    socket
        .recv_from(&mut buf)
        .ok()
        .map(|(n, from)| (buf[..n].to_vec(), from))
}

/// Leg `side` of session `id` sends to `peer`'s address.
pub fn point_at(relay: &Relay, id: SessionId, side: Side, peer: &UdpSocket) {
    let update = LegUpdate {
        remote: Some(peer.local_addr().unwrap()),
        ..Default::default()
    };
    relay.update(id, side, update).unwrap();
}

/// A leg update sending to `peer` under SDES: the peer sends under `rx`,
/// the relay under `tx`.
pub fn srtp_leg(peer: &UdpSocket, (rx, tx): (&SrtpKey, &SrtpKey)) -> LegUpdate {
    LegUpdate {
        remote: Some(peer.local_addr().unwrap()),
        keys: Some(LegKeys {
            rx: Some(rx.clone()),
            tx: Some(tx.clone()),
        }),
        ..Default::default()
    }
}
