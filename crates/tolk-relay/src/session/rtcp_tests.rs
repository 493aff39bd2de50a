//! SSRC renames kept consistent in RTCP both ways, through SRTCP on both legs.

use std::net::SocketAddr;
use std::time::Instant;

use tolk_media::rtp::{RtpBuilder, RtpPacket};

use super::*;
use crate::endpoint::LegKeys;
use crate::pipeline::EgressPlan;
use crate::rewrite::StreamRewrite;
use crate::srtp::{SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};
use crate::transform::{MediaTransform, Outbox, Transcode, TransformFactory};

const A_SSRC: u32 = 0xa;
const B_SSRC: u32 = 0xb;
/// What B sees A's stream as, and A sees B's.
const A_AT_B: u32 = 0xaa00;
const B_AT_A: u32 = 0xbb00;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 6], port))
}

fn key(byte: u8) -> SrtpKey {
    SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[byte; 16], &[byte; 14]).unwrap()
}

/// One peer: its sending context and the context for what the relay sends it.
struct Peer {
    side: Side,
    from: SocketAddr,
    send: WebrtcSrtp,
    receive: WebrtcSrtp,
}

impl Peer {
    /// Sends `bytes` (RTP or RTCP) through the session; returns what its peer receives.
    fn send(&mut self, s: &mut Session, other: &mut Peer, bytes: &[u8], rtcp: bool) -> Vec<u8> {
        let mut buf = [0u8; 1500];
        buf[..bytes.len()].copy_from_slice(bytes);
        let n = if rtcp {
            self.send.protect_rtcp(&mut buf, bytes.len()).unwrap()
        } else {
            self.send.protect_rtp(&mut buf, bytes.len()).unwrap()
        };
        let Verdict::Forward { len, side, .. } =
            s.handle_packet(Instant::now(), self.side, false, self.from, &mut buf, n)
        else {
            panic!("not forwarded");
        };
        assert_eq!(side, other.side);
        let m = if rtcp {
            other.receive.unprotect_rtcp(&mut buf, len).unwrap()
        } else {
            other.receive.unprotect_rtp(&mut buf, len).unwrap()
        };
        buf[..m].to_vec()
    }
}

fn rtp(ssrc: u32) -> Vec<u8> {
    let mut buf = [0u8; 64];
    let n = RtpBuilder {
        ssrc,
        payload: b"x",
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    buf[..n].to_vec()
}

fn word(p: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(p[at..at + 4].try_into().unwrap())
}

/// An RTCP packet of `kind` with `count` and these 32-bit words.
fn rtcp(count: u8, kind: u8, words: &[u32]) -> Vec<u8> {
    let mut p = vec![0x80 | count, kind, 0, words.len() as u8];
    words
        .iter()
        .for_each(|w| p.extend_from_slice(&w.to_be_bytes()));
    p
}

#[test]
fn reports_and_keyframe_requests_follow_the_renamed_streams() {
    let t = Instant::now();
    let mut s = Session::new(SessionId(9), t, [true, true], SessionPolicy::default());
    let mut a = Peer {
        side: Side::A,
        from: addr(6000),
        send: WebrtcSrtp::new(&key(1)).unwrap(),
        receive: WebrtcSrtp::new(&key(2)).unwrap(),
    };
    let mut b = Peer {
        side: Side::B,
        from: addr(7000),
        send: WebrtcSrtp::new(&key(3)).unwrap(),
        receive: WebrtcSrtp::new(&key(4)).unwrap(),
    };
    for (peer, rx, tx, renamed_to_it) in [(&a, 1, 2, B_AT_A), (&b, 3, 4, A_AT_B)] {
        let update = LegUpdate {
            remote: Some(peer.from),
            keys: Some(LegKeys {
                rx: Some(key(rx)),
                tx: Some(key(tx)),
            }),
            plan: Some(EgressPlan {
                rewrite: Some(StreamRewrite {
                    ssrc: Some(renamed_to_it),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        s.update(peer.side, update).unwrap();
    }
    // Media both ways: each leg sees the other's stream renamed.
    assert_eq!(
        word(&a.send(&mut s, &mut b, &rtp(A_SSRC), false), 8),
        A_AT_B
    );
    assert_eq!(
        word(&b.send(&mut s, &mut a, &rtp(B_SSRC), false), 8),
        B_AT_A
    );

    // B reports on A's stream as it saw it and asks it for a keyframe.
    let mut from_b = rtcp(1, 201, &[B_SSRC, A_AT_B, 0, 0, 0, 0, 0]);
    from_b.extend(rtcp(1, 206, &[B_SSRC, A_AT_B]));
    let at_a = b.send(&mut s, &mut a, &from_b, true);
    assert_eq!([word(&at_a, 4), word(&at_a, 8)], [B_AT_A, A_SSRC], "RR");
    assert_eq!([word(&at_a, 36), word(&at_a, 40)], [B_AT_A, A_SSRC], "PLI");

    // A's sender report and FIR about B's stream, the other way.
    let mut from_a = rtcp(1, 200, &[A_SSRC, 1, 2, 3, 4, 5, B_AT_A, 0, 0, 0, 0, 0]);
    from_a.extend(rtcp(4, 206, &[A_SSRC, 0, B_AT_A, 1 << 24]));
    let at_b = a.send(&mut s, &mut b, &from_a, true);
    assert_eq!([word(&at_b, 4), word(&at_b, 28)], [A_AT_B, B_SSRC], "SR");
    assert_eq!([word(&at_b, 56), word(&at_b, 64)], [A_AT_B, B_SSRC], "FIR");
}

/// Re-sends each packet as its own stream, SSRC [`Restream::SSRC`].
#[derive(Debug)]
struct Restream;

impl Restream {
    const SSRC: u32 = 0x7777;
}

impl MediaTransform for Restream {
    fn process(
        &mut self,
        _now: std::time::Instant,
        rtp: &RtpPacket<'_>,
        out: &mut Outbox,
    ) -> Result<(), DropReason> {
        let mut buf = [0u8; 256];
        let n = RtpBuilder {
            ssrc: Self::SSRC,
            sequence_number: rtp.sequence_number(),
            payload: rtp.payload(),
            ..Default::default()
        }
        .write_to(&mut buf)
        .map_err(|e| DropReason::from(&e))?;
        out.push(&buf[..n])
    }

    fn output_ssrc(&self) -> Option<u32> {
        Some(Self::SSRC)
    }
}

impl TransformFactory for Restream {
    fn build(&self) -> crate::Result<Box<dyn MediaTransform>> {
        Ok(Box::new(Restream))
    }
}

#[test]
fn rtcp_follows_a_transcoded_stream() {
    let t = Instant::now();
    let mut s = Session::new(SessionId(10), t, [true, true], SessionPolicy::default());
    let (a, b) = (addr(6100), addr(7100));
    s.update(
        Side::A,
        LegUpdate {
            remote: Some(a),
            ..Default::default()
        },
    )
    .unwrap();
    let to_b = EgressPlan {
        transcode: Some(Transcode::new(Restream)),
        ..Default::default()
    };
    s.update(
        Side::B,
        LegUpdate {
            remote: Some(b),
            plan: Some(to_b),
            ..Default::default()
        },
    )
    .unwrap();
    let mut send = |side, from, bytes: &[u8]| {
        let mut buf = [0u8; 1500];
        buf[..bytes.len()].copy_from_slice(bytes);
        let verdict = s.handle_packet(t, side, false, from, &mut buf, bytes.len());
        (verdict, buf)
    };
    // A's stream reaches B as the transform's.
    let (v, _) = send(Side::A, a, &rtp(A_SSRC));
    assert!(matches!(v, Verdict::Transcoded { packets: 1, .. }), "{v:?}");
    send(Side::B, b, &rtp(B_SSRC));

    // B's report on the transcoded stream reaches A about A's own stream.
    let (v, at_a) = send(
        Side::B,
        b,
        &rtcp(1, 201, &[B_SSRC, Restream::SSRC, 0, 0, 0, 0, 0]),
    );
    assert!(matches!(v, Verdict::Forward { .. }), "{v:?}");
    assert_eq!([word(&at_a, 4), word(&at_a, 8)], [B_SSRC, A_SSRC]);
    // A's sender report reaches B from the SSRC B hears A's media on.
    let (_, at_b) = send(Side::A, a, &rtcp(0, 200, &[A_SSRC, 1, 2, 3, 4, 5]));
    assert_eq!(word(&at_b, 4), Restream::SSRC);
}
