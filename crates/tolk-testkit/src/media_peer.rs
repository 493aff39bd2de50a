//! A media endpoint a test owns: an RTP socket and its RTCP socket (the
//! next port, no rtcp-mux) on loopback, to send crafted RTP/RTCP into
//! the gateway and count or read what comes out, where sipp has no media
//! of its own (video).

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// RTP and RTCP sockets on `127.0.0.1:port` and `port + 1`.
#[derive(Debug)]
pub struct MediaPeer {
    /// The RTP socket.
    pub rtp: UdpSocket,
    /// The RTCP socket.
    pub rtcp: UdpSocket,
}

impl MediaPeer {
    /// Binds both sockets.
    pub fn bind(port: u16) -> MediaPeer {
        let bind = |port: u16| {
            let socket = UdpSocket::bind(("127.0.0.1", port)).expect("bind media peer");
            socket
                .set_read_timeout(Some(Duration::from_millis(100)))
                .expect("timeout");
            socket
        };
        MediaPeer {
            rtp: bind(port),
            rtcp: bind(port + 1),
        }
    }

    /// Sends `count` RTP packets of `payload_type` from `ssrc` to `to`,
    /// 10 ms apart, each carrying a small H.264 single NAL unit (RFC 6184
    /// section 5.6; an IDR slice header byte, then filler).
    pub fn send_video(&self, to: SocketAddr, payload_type: u8, ssrc: u32, count: u16) {
        for n in 0..count {
            let packet = rtp(
                payload_type,
                ssrc,
                n,
                u32::from(n) * 3000,
                &[0x65, 0x88, 0x84, 0x00, 0x33],
            );
            self.rtp.send_to(&packet, to).expect("send RTP");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The RTP packets that arrive within `limit` (stops early after
    /// `expected` of them): their payload types and SSRCs.
    pub fn receive_rtp(&self, expected: usize, limit: Duration) -> Vec<(u8, u32)> {
        let mut got = Vec::new();
        let start = Instant::now();
        let mut buf = [0u8; 2048];
        while got.len() < expected && start.elapsed() < limit {
            if let Ok(n) = self.rtp.recv(&mut buf) {
                if n >= 12 && buf[0] >> 6 == 2 {
                    let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
                    got.push((buf[1] & 0x7f, ssrc));
                }
            }
        }
        got
    }

    /// The first RTCP datagram that arrives within `limit`, with its source.
    pub fn receive_rtcp(&self, limit: Duration) -> Option<(Vec<u8>, SocketAddr)> {
        let start = Instant::now();
        let mut buf = [0u8; 2048];
        while start.elapsed() < limit {
            if let Ok((n, from)) = self.rtcp.recv_from(&mut buf) {
                return Some((buf[..n].to_vec(), from));
            }
        }
        None
    }
}

/// An RTP packet (RFC 3550 section 5.1, no CSRCs or extension).
pub fn rtp(payload_type: u8, ssrc: u32, sequence: u16, timestamp: u32, payload: &[u8]) -> Vec<u8> {
    let mut packet = vec![0x80, payload_type & 0x7f];
    packet.extend_from_slice(&sequence.to_be_bytes());
    packet.extend_from_slice(&timestamp.to_be_bytes());
    packet.extend_from_slice(&ssrc.to_be_bytes());
    packet.extend_from_slice(payload);
    packet
}

/// An empty receiver report from `sender` and a PLI (RFC 4585 section
/// 6.3.1) asking `media` for a keyframe: the compound a video receiver
/// sends after a loss.
pub fn rr_and_pli(sender: u32, media: u32) -> Vec<u8> {
    let mut packet = vec![0x80, 201, 0, 1];
    packet.extend_from_slice(&sender.to_be_bytes());
    packet.extend_from_slice(&[0x81, 206, 0, 2]);
    packet.extend_from_slice(&sender.to_be_bytes());
    packet.extend_from_slice(&media.to_be_bytes());
    packet
}
