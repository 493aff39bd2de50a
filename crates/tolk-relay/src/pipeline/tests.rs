use proptest::prelude::*;
use tolk_media::rtp::{RtpBuilder, RtpPacket};

use super::*;
use crate::rewrite::StreamRewrite;
use crate::srtp::{SrtpKey, SrtpProfile, WebrtcSrtp};

const BUF: usize = 1500;

fn key(byte: u8, profile: SrtpProfile) -> SrtpKey {
    SrtpKey::new(profile, &[byte; 16], &vec![byte ^ 0x55; profile.salt_len()]).unwrap()
}

fn srtp(k: &SrtpKey) -> Crypto {
    Crypto::Srtp(Box::new(WebrtcSrtp::new(k).unwrap()))
}

fn rtp_packet(seq: u16, pt: u8, payload: &[u8]) -> ([u8; BUF], usize) {
    let mut buf = [0u8; BUF];
    let n = RtpBuilder {
        payload_type: pt,
        sequence_number: seq,
        timestamp: u32::from(seq) * 160,
        ssrc: 0x1234_5678,
        payload,
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    (buf, n)
}

/// Protects with a separately created context, as a peer would.
fn peer_protect(k: &SrtpKey, buf: &mut [u8], len: usize) -> usize {
    WebrtcSrtp::new(k).unwrap().protect_rtp(buf, len).unwrap()
}

#[test]
fn plain_passthrough_with_payload_type_map() {
    let (mut buf, n) = rtp_packet(1, 0, b"hello");
    let plan = EgressPlan {
        payload_types: PayloadTypeMap::from_pairs([(0, 8)]),
        ..Default::default()
    };
    let (m, class) = forward(&mut Crypto::Plain, &mut Crypto::Plain, &plan, &mut buf, n).unwrap();
    assert_eq!((m, class), (n, PacketClass::Rtp));
    let p = RtpPacket::parse(&buf[..m]).unwrap();
    assert_eq!((p.payload_type(), p.payload()), (8, &b"hello"[..]));
}

#[test]
fn every_direction_transform() {
    for profile in SrtpProfile::ALL {
        let (a, b) = (key(1, profile), key(2, profile));
        // SRTP -> RTP.
        let (mut buf, n) = rtp_packet(10, 0, b"voice");
        let s = peer_protect(&a, &mut buf, n);
        let (m, _) = forward(
            &mut srtp(&a),
            &mut Crypto::Plain,
            &EgressPlan::default(),
            &mut buf,
            s,
        )
        .unwrap();
        assert_eq!(RtpPacket::parse(&buf[..m]).unwrap().payload(), b"voice");

        // RTP -> SRTP, checked by an independent receiver context.
        let (mut buf, n) = rtp_packet(11, 0, b"voice");
        let (m, _) = forward(
            &mut Crypto::Plain,
            &mut srtp(&b),
            &EgressPlan::default(),
            &mut buf,
            n,
        )
        .unwrap();
        assert_eq!(m, n + profile.rtp_overhead());
        let r = WebrtcSrtp::new(&b)
            .unwrap()
            .unprotect_rtp(&mut buf, m)
            .unwrap();
        assert_eq!(RtpPacket::parse(&buf[..r]).unwrap().payload(), b"voice");

        // SRTP -> SRTP re-keyed: A's key in, B's key out.
        let (mut buf, n) = rtp_packet(12, 0, b"voice");
        let s = peer_protect(&a, &mut buf, n);
        let (m, _) = forward(
            &mut srtp(&a),
            &mut srtp(&b),
            &EgressPlan::default(),
            &mut buf,
            s,
        )
        .unwrap();
        let r = WebrtcSrtp::new(&b)
            .unwrap()
            .unprotect_rtp(&mut buf, m)
            .unwrap();
        assert_eq!(RtpPacket::parse(&buf[..r]).unwrap().payload(), b"voice");
    }
}

#[test]
fn srtcp_is_transformed_too() {
    let k = key(3, SrtpProfile::AesCm128HmacSha1_80);
    let mut buf = [0u8; BUF];
    buf[..8].copy_from_slice(&[0x80, 201, 0, 1, 0, 0, 0, 7]);
    let s = WebrtcSrtp::new(&k)
        .unwrap()
        .protect_rtcp(&mut buf, 8)
        .unwrap();
    let (m, class) = forward(
        &mut srtp(&k),
        &mut Crypto::Plain,
        &EgressPlan::default(),
        &mut buf,
        s,
    )
    .unwrap();
    assert_eq!((m, class), (8, PacketClass::Rtcp(None)));
    assert_eq!(buf[..8], [0x80, 201, 0, 1, 0, 0, 0, 7]);
}

#[test]
fn drop_reasons() {
    let k = key(4, SrtpProfile::AesCm128HmacSha1_80);
    let plan = EgressPlan::default();
    let plain = || Crypto::Plain;
    let cases: Vec<(Vec<u8>, Crypto, DropReason)> = vec![
        (vec![], plain(), DropReason::Truncated),
        (vec![0x80], plain(), DropReason::Truncated),
        (vec![0x00, 0x01, 0, 0], plain(), DropReason::NotRtp),
        (vec![22, 0xfe, 0xfd], plain(), DropReason::NotRtp),
        (vec![0x40, 0, 0, 0], plain(), DropReason::NotRtp),
        (
            vec![0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            plain(),
            DropReason::WrongVersion,
        ),
        (vec![0x80, 0, 0, 1], plain(), DropReason::Truncated),
        (
            vec![0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            plain(),
            DropReason::Truncated,
        ),
        (vec![0x80, 201, 0, 1], plain(), DropReason::Truncated),
        (
            rtp_packet(1, 0, b"x").0[..13].to_vec(),
            srtp(&k),
            DropReason::Truncated,
        ),
        (
            rtp_packet(1, 0, &[0; 40]).0[..52].to_vec(),
            srtp(&k),
            DropReason::AuthFailed,
        ),
    ];
    for (i, (bytes, mut rx, want)) in cases.into_iter().enumerate() {
        let mut buf = [0u8; BUF];
        buf[..bytes.len()].copy_from_slice(&bytes);
        let got = forward(&mut rx, &mut Crypto::Plain, &plan, &mut buf, bytes.len());
        assert_eq!(got, Err(want), "case {i}");
    }
}

#[test]
fn replayed_and_oversized() {
    let k = key(5, SrtpProfile::AesCm128HmacSha1_80);
    let (mut buf, n) = rtp_packet(1, 0, b"once");
    let s = peer_protect(&k, &mut buf, n);
    let copy = buf;
    let mut rx = srtp(&k);
    let plan = EgressPlan::default();
    forward(&mut rx, &mut Crypto::Plain, &plan, &mut buf, s).unwrap();
    let mut again = copy;
    assert_eq!(
        forward(&mut rx, &mut Crypto::Plain, &plan, &mut again, s),
        Err(DropReason::Replayed)
    );
    // A full buffer has no room for the egress tag.
    let mut big = [0u8; 200];
    let n = RtpBuilder {
        payload: &[7; 188],
        ..Default::default()
    }
    .write_to(&mut big)
    .unwrap();
    assert_eq!(n, 200);
    assert_eq!(
        forward(&mut Crypto::Plain, &mut srtp(&k), &plan, &mut big, n),
        Err(DropReason::Oversized)
    );
    assert_eq!(
        forward(&mut Crypto::Plain, &mut Crypto::Plain, &plan, &mut big, 201),
        Err(DropReason::Oversized)
    );
}

proptest! {
    /// Junk never panics, and with SRTP ingress nothing unauthenticated is ever forwarded.
    #[test]
    fn junk_is_never_forwarded_from_srtp(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let k = key(6, SrtpProfile::AesCm128HmacSha1_80);
        let mut buf = [0u8; BUF];
        buf[..bytes.len()].copy_from_slice(&bytes);
        let got = forward(&mut srtp(&k), &mut Crypto::Plain, &EgressPlan::default(), &mut buf, bytes.len());
        prop_assert!(got.is_err());
        let mut buf2 = [0u8; BUF];
        buf2[..bytes.len()].copy_from_slice(&bytes);
        let _ = forward(&mut Crypto::Plain, &mut srtp(&k), &EgressPlan::default(), &mut buf2, bytes.len());
    }

    /// SRTP in, RTP out: the payload survives for any payload and sequence.
    #[test]
    fn srtp_to_rtp_preserves_payload(seq: u16, payload in proptest::collection::vec(any::<u8>(), 0..1000)) {
        let k = key(7, SrtpProfile::AeadAes128Gcm);
        let (mut buf, n) = rtp_packet(seq, 96, &payload);
        let s = peer_protect(&k, &mut buf, n);
        let (m, _) = forward(&mut srtp(&k), &mut Crypto::Plain, &EgressPlan::default(), &mut buf, s).unwrap();
        let p = RtpPacket::parse(&buf[..m]).unwrap();
        prop_assert_eq!(p.payload(), &payload[..]);
        prop_assert_eq!(p.sequence_number(), seq);
    }
}

#[test]
fn rtcp_compound_is_validated_and_gets_the_new_sender_ssrc() {
    // RR (sender 7, one report block about SSRC 99) + SDES (chunk for 7, empty item list) + PLI.
    let mut compound = vec![0x81, 201, 0, 7, 0, 0, 0, 7, 0, 0, 0, 99];
    compound.extend_from_slice(&[0; 20]);
    compound.extend_from_slice(&[0x81, 202, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0]);
    compound.extend_from_slice(&[0x81, 206, 0, 2, 0, 0, 0, 7, 0, 0, 0, 99]);
    let plan = EgressPlan {
        payload_types: PayloadTypeMap::identity(),
        rewrite: Some(StreamRewrite { ssrc: Some(0xABCD) }),
        ..Default::default()
    };
    let mut buf = [0u8; BUF];
    buf[..compound.len()].copy_from_slice(&compound);
    let (n, class) = forward(
        &mut Crypto::Plain,
        &mut Crypto::Plain,
        &plan,
        &mut buf,
        compound.len(),
    )
    .unwrap();
    assert_eq!(
        (n, class),
        (compound.len(), PacketClass::Rtcp(Some(KeyframeKind::Pli)))
    );
    let new = 0xABCDu32.to_be_bytes();
    assert_eq!(buf[4..8], new, "RR sender");
    assert_eq!(buf[8..12], [0, 0, 0, 99], "report block source unchanged");
    assert_eq!(buf[36..40], new, "SDES chunk");
    assert_eq!(buf[48..52], new, "PLI sender");
    assert_eq!(buf[52..56], [0, 0, 0, 99], "PLI media source unchanged");

    // A length that runs past the datagram is dropped, not forwarded.
    let mut bad = [0u8; BUF];
    bad[..12].copy_from_slice(&[0x80, 201, 0, 9, 0, 0, 0, 7, 0, 0, 0, 0]);
    assert_eq!(
        forward(&mut Crypto::Plain, &mut Crypto::Plain, &plan, &mut bad, 12),
        Err(DropReason::Truncated)
    );
}
