//! Keyframe requests seen in a leg's SRTCP (reported, rate-limited,
//! still forwarded) and sent by the relay itself to a leg's video sender.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tolk_media::rtcp::keyframe::{KeyframeRequest, requests};
use tolk_media::rtcp::parse_compound;
use tolk_media::rtp::RtpBuilder;

use super::*;
use crate::endpoint::LegKeys;
use crate::srtp::{SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};

const A_SSRC: u32 = 0xa1;
const B_SSRC: u32 = 0xb1;

fn key(byte: u8) -> SrtpKey {
    SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[byte; 16], &[byte; 14]).unwrap()
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 7], port))
}

fn rtcp(count: u8, kind: u8, words: &[u32]) -> Vec<u8> {
    let mut p = vec![0x80 | count, kind, 0, words.len() as u8];
    words
        .iter()
        .for_each(|w| p.extend_from_slice(&w.to_be_bytes()));
    p
}

fn video(ssrc: u32) -> Vec<u8> {
    let mut buf = [0u8; 64];
    let n = RtpBuilder {
        payload_type: 96,
        ssrc,
        sequence_number: 1,
        payload: &[0x65, 1, 2, 3],
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    buf[..n].to_vec()
}

/// Both legs SRTP (muxed): A sends with key 1 and hears key 2, B key 3 and 4.
struct Call {
    s: Session,
    a_send: WebrtcSrtp,
    a_hear: WebrtcSrtp,
    b_send: WebrtcSrtp,
    b_hear: WebrtcSrtp,
}

impl Call {
    fn new() -> Self {
        let mut s = Session::new(
            SessionId(3),
            Instant::now(),
            [true, true],
            SessionPolicy::default(),
        );
        for (side, port, rx, tx) in [(Side::A, 6200, 1, 2), (Side::B, 7200, 3, 4)] {
            let update = LegUpdate {
                remote: Some(addr(port)),
                keys: Some(LegKeys {
                    rx: Some(key(rx)),
                    tx: Some(key(tx)),
                }),
                ..Default::default()
            };
            s.update(side, update).unwrap();
        }
        Call {
            s,
            a_send: WebrtcSrtp::new(&key(1)).unwrap(),
            a_hear: WebrtcSrtp::new(&key(2)).unwrap(),
            b_send: WebrtcSrtp::new(&key(3)).unwrap(),
            b_hear: WebrtcSrtp::new(&key(4)).unwrap(),
        }
    }

    /// Sends `bytes` from `side` at `now`; returns what the other leg decrypts.
    fn send(&mut self, now: Instant, side: Side, bytes: &[u8], is_rtcp: bool) -> Vec<u8> {
        let (send, hear, from) = match side {
            Side::A => (&mut self.a_send, &mut self.b_hear, addr(6200)),
            Side::B => (&mut self.b_send, &mut self.a_hear, addr(7200)),
        };
        let mut buf = [0u8; 1500];
        buf[..bytes.len()].copy_from_slice(bytes);
        let n = if is_rtcp {
            send.protect_rtcp(&mut buf, bytes.len()).unwrap()
        } else {
            send.protect_rtp(&mut buf, bytes.len()).unwrap()
        };
        let Verdict::Forward { len, .. } =
            self.s.handle_packet(now, side, false, from, &mut buf, n)
        else {
            panic!("not forwarded");
        };
        let m = if is_rtcp {
            hear.unprotect_rtcp(&mut buf, len).unwrap()
        } else {
            hear.unprotect_rtp(&mut buf, len).unwrap()
        };
        buf[..m].to_vec()
    }

    fn keyframe_events(&mut self) -> Vec<(Side, KeyframeKind)> {
        std::iter::from_fn(|| self.s.poll_event())
            .filter_map(|e| match e {
                Event::KeyframeRequest { side, kind, .. } => Some((side, kind)),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn requests_in_srtcp_both_ways_are_reported_and_forwarded() {
    let mut call = Call::new();
    let t = Instant::now();
    // B reports and asks A for a keyframe in one compound.
    let mut from_b = rtcp(0, 201, &[B_SSRC]);
    from_b.extend(rtcp(1, 206, &[B_SSRC, A_SSRC]));
    let at_a = call.send(t, Side::B, &from_b, true);
    assert_eq!(at_a, from_b, "forwarded unchanged inside SRTCP");
    // A's sender report with a FIR for B's stream.
    let mut from_a = rtcp(0, 200, &[A_SSRC, 1, 2, 3, 4, 5]);
    from_a.extend(rtcp(4, 206, &[A_SSRC, 0, B_SSRC, 1 << 24]));
    call.send(t, Side::A, &from_a, true);
    assert_eq!(
        call.keyframe_events(),
        [(Side::B, KeyframeKind::Pli), (Side::A, KeyframeKind::Fir)]
    );
    // Plain reports raise nothing.
    call.send(t, Side::B, &rtcp(0, 201, &[B_SSRC]), true);
    assert!(call.keyframe_events().is_empty());
}

#[test]
fn a_flood_of_requests_is_reported_once_per_interval() {
    let mut call = Call::new();
    let t = Instant::now();
    let pli = rtcp(1, 206, &[B_SSRC, A_SSRC]);
    for ms in 0..50 {
        call.send(t + Duration::from_millis(ms), Side::B, &pli, true);
    }
    assert_eq!(call.keyframe_events().len(), 1, "50 PLIs within 50 ms");
    let later = t + SessionPolicy::default().keyframe_interval;
    call.send(later, Side::B, &pli, true);
    assert_eq!(call.keyframe_events(), [(Side::B, KeyframeKind::Pli)]);
}

#[test]
fn the_relay_asks_a_leg_for_a_keyframe_of_the_stream_it_sends() {
    let mut call = Call::new();
    let mut buf = [0u8; 128];
    assert_eq!(
        call.s
            .keyframe_request(Side::B, KeyframeKind::Pli, &mut buf)
            .unwrap(),
        None,
        "no RTP from B yet: no source to name"
    );
    call.send(Instant::now(), Side::B, &video(B_SSRC), false);
    for kind in [KeyframeKind::Pli, KeyframeKind::Fir] {
        let (rtcp_socket, to, len) = call
            .s
            .keyframe_request(Side::B, kind, &mut buf)
            .unwrap()
            .expect("B has sent RTP");
        assert_eq!((rtcp_socket, to), (false, addr(7200)), "muxed, to B");
        let n = call
            .b_hear
            .unprotect_rtcp(&mut buf, len)
            .expect("SRTCP for B");
        let packets = parse_compound(&buf[..n]).unwrap();
        let asked: Vec<_> = requests(&packets).map(|r| r.media_ssrc()).collect();
        assert_eq!(asked, [B_SSRC]);
        let relay_ssrc = call.s.endpoint(Side::B).feedback_ssrc;
        assert_eq!(buf[4..8], relay_ssrc.to_be_bytes(), "sender is the relay");
        assert_ne!(relay_ssrc, B_SSRC);
        if kind == KeyframeKind::Fir {
            assert!(matches!(
                requests(&packets).next(),
                Some(KeyframeRequest::Fir { sequence: 1, .. })
            ));
        }
    }
}
