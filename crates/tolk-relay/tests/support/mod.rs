//! What the relay's socket tests share: RTP packets to send, reading a
//! datagram with its source, and pointing a leg at a test's socket.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};

use tolk_media::rtp::RtpBuilder;
use tolk_relay::{LegUpdate, Relay, SessionId, Side};

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
