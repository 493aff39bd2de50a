//! RFC 3711 Appendix B test vectors, and both implementations checked
//! against them and against each other.
//!
//! webrtc-srtp exposes neither its keystream nor its KDF, so the chain is:
//! Appendix B.2 and B.3 verify our naive reference transform
//! (`reference.rs`, written from the RFC's formulas); the reference then
//! predicts full SRTP packets, which [`WebrtcSrtp`] and [`InPlaceSrtp`] must
//! produce byte for byte (with the B.3 master key, so their KDFs are
//! exercised through their output). AES-GCM: [`InPlaceGcm`] reproduces
//! RFC 7714's section 16.1.1 packet and interoperates with [`WebrtcSrtp`]
//! both ways (which checks its KDF and SRTCP layout). The behaviour tests
//! run once per implementation and profile.

use super::reference::{kdf, keystream, protect_rtp};
use super::{InPlaceGcm, InPlaceSrtp, SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};
use crate::error::{Error, Result};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    hex(s).try_into().unwrap()
}

const MASTER_KEY: &str = "E1F97A0D3E018BE0D64FA32C06DE4139";
const MASTER_SALT: &str = "0EC675AD498AFEEBB6960B3AABE6";
/// A receiver report: V=2, RC=0, PT=201, length 1, sender SSRC 42.
const RR: [u8; 8] = [0x80, 201, 0, 1, 0, 0, 0, 42];

#[test]
fn b2_aes_cm_keystream() {
    let key = arr::<16>("2B7E151628AED2A6ABF7158809CF4F3C");
    let iv = arr::<16>("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
    let ks = keystream(&key, &iv, 0xFF02 * 16);
    for (block, expect) in [
        (0x0000, "E03EAD0935C95E80E166B16DD92B4EB4"),
        (0x0001, "D23513162B02D0F72A43A2FE4A5F97AB"),
        (0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0"),
        (0xFEFF, "EC8CDF7398607CB0F2D21675EA9EA1E4"),
        (0xFF00, "362B7C3C6773516318A077D7FC5073AE"),
        (0xFF01, "6A2CC3787889374FBEB4C81B17BA6C44"),
    ] {
        assert_eq!(ks[block * 16..block * 16 + 16], hex(expect), "{block:#x}");
    }
}

#[test]
fn b3_key_derivation() {
    let (mk, ms) = (arr::<16>(MASTER_KEY), arr::<14>(MASTER_SALT));
    assert_eq!(
        kdf(&mk, &ms, 0, 16),
        hex("C61E7A93744F39EE10734AFE3FF7A087")
    );
    assert_eq!(kdf(&mk, &ms, 2, 14), hex("30CBBC08863D8C85D49DB34A9AE1"));
    assert_eq!(
        kdf(&mk, &ms, 1, 94),
        hex(
            "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE
             E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25
             6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2"
        )
    );
}

fn rtp(seq: u16, ssrc: u32, payload_len: usize) -> Vec<u8> {
    let mut p = vec![0x80, 0x00];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..payload_len).map(|i| i as u8));
    p
}

/// RTP with two CSRCs and a one-byte header extension.
fn rich_rtp(seq: u16) -> Vec<u8> {
    let mut p = vec![0x92, 0x60];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 160, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2]);
    p.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0]);
    p.extend(std::iter::repeat_n(0x77, 33));
    p
}

fn b3_key(profile: SrtpProfile) -> SrtpKey {
    let salt = &hex(MASTER_SALT)[..profile.salt_len()];
    SrtpKey::new(profile, &hex(MASTER_KEY), salt).unwrap()
}

type Ctx = Box<dyn SrtpContext>;
type New = fn(&SrtpKey) -> Ctx;

fn webrtc(key: &SrtpKey) -> Box<dyn SrtpContext> {
    Box::new(WebrtcSrtp::new(key).unwrap())
}

/// The in-place implementation for the key's profile.
fn in_place(key: &SrtpKey) -> Box<dyn SrtpContext> {
    match key.profile() {
        SrtpProfile::AeadAes128Gcm => Box::new(InPlaceGcm::new(key).unwrap()),
        _ => Box::new(InPlaceSrtp::new(key).unwrap()),
    }
}

/// Every (implementation, profile) it supports, as a sender/receiver pair on the B.3 key.
fn pairs() -> Vec<(String, Ctx, Ctx)> {
    let mut all = Vec::new();
    for profile in SrtpProfile::ALL {
        let key = b3_key(profile);
        let news: [(&str, New); 2] = [("webrtc", webrtc), ("in-place", in_place)];
        for (name, new) in news {
            all.push((format!("{name} {profile}"), new(&key), new(&key)));
        }
    }
    all
}

/// Protects `plain` (RTP, or RTCP when `rtcp`) in a fresh buffer.
fn protect(ctx: &mut dyn SrtpContext, plain: &[u8], rtcp: bool) -> ([u8; 1500], Result<usize>) {
    let mut buf = [0u8; 1500];
    buf[..plain.len()].copy_from_slice(plain);
    let n = if rtcp {
        ctx.protect_rtcp(&mut buf, plain.len())
    } else {
        ctx.protect_rtp(&mut buf, plain.len())
    };
    (buf, n)
}

#[test]
fn both_implementations_match_the_reference_across_rollover() {
    let (mk, ms) = (arr::<16>(MASTER_KEY), arr::<14>(MASTER_SALT));
    for (profile, tag) in [
        (SrtpProfile::AesCm128HmacSha1_80, 10),
        (SrtpProfile::AesCm128HmacSha1_32, 4),
    ] {
        for new in [webrtc as New, in_place] {
            let mut ctx = new(&b3_key(profile));
            // Cross the 16-bit sequence wrap: ROC goes 0 -> 1.
            for (i, seq) in (65530u16..=65535).chain(0..5).enumerate() {
                let plain = rtp(seq, 0xCAFE_BABE, 160);
                let (buf, n) = protect(ctx.as_mut(), &plain, false);
                let expect = protect_rtp(&mk, &ms, u32::from(i >= 6), &plain, tag);
                assert_eq!(buf[..n.unwrap()], expect[..], "{profile} seq {seq}");
            }
        }
    }
}

#[test]
fn round_trip_rtp_and_rtcp() {
    for (name, mut tx, mut rx) in pairs() {
        let profile = tx.profile();
        for plain in [rtp(7, 42, 100), rich_rtp(8)] {
            let (mut buf, n) = protect(tx.as_mut(), &plain, false);
            let n = n.unwrap();
            assert_eq!(n, plain.len() + profile.rtp_overhead(), "{name}");
            let m = rx.unprotect_rtp(&mut buf, n).unwrap();
            assert_eq!(buf[..m], plain[..], "{name}");
        }
        let (mut buf, n) = protect(tx.as_mut(), &RR, true);
        let n = n.unwrap();
        assert_eq!(n, RR.len() + profile.rtcp_overhead(), "{name}");
        let m = rx.unprotect_rtcp(&mut buf, n).unwrap();
        assert_eq!(buf[..m], RR, "{name}");
    }
}

#[test]
fn implementations_interoperate_both_ways() {
    for profile in SrtpProfile::ALL {
        let key = b3_key(profile);
        for (mut tx, mut rx) in [
            (in_place(&key), webrtc(&key)),
            (webrtc(&key), in_place(&key)),
        ] {
            for seq in (65000u16..=65535).chain(0..600).step_by(7) {
                for plain in [rtp(seq, 0x1234, 100), rich_rtp(seq)] {
                    let (mut buf, n) = protect(tx.as_mut(), &plain, false);
                    let m = rx.unprotect_rtp(&mut buf, n.unwrap()).unwrap();
                    assert_eq!(buf[..m], plain[..], "{profile} seq {seq}");
                }
            }
            for i in 0..50u8 {
                let mut sr = [0u8; 28];
                sr[..8].copy_from_slice(&[0x80, 200, 0, 6, 0, 0, 0, 42]);
                sr[8..].iter_mut().zip(i..).for_each(|(b, v)| *b = v);
                let (mut buf, n) = protect(tx.as_mut(), &sr, true);
                let m = rx.unprotect_rtcp(&mut buf, n.unwrap()).unwrap();
                assert_eq!(buf[..m], sr, "{profile} rtcp {i}");
            }
        }
    }
}

#[test]
fn tampered_replayed_short_and_unencrypted_are_typed_errors() {
    for (name, mut tx, mut rx) in pairs() {
        let profile = tx.profile();
        let (sent, n) = protect(tx.as_mut(), &rtp(1, 9, 50), false);
        let n = n.unwrap();
        // Byte 2 moves the sequence number: a forged first packet far ahead.
        for byte in [2, 5, 20, n - 1] {
            let mut bad = sent;
            bad[byte] ^= 0x04;
            let r = rx.unprotect_rtp(&mut bad, n);
            assert!(
                matches!(r, Err(Error::AuthFailed)),
                "{name} byte {byte}: {r:?}"
            );
        }
        rx.unprotect_rtp(&mut sent.clone(), n).unwrap();
        let r = rx.unprotect_rtp(&mut sent.clone(), n);
        assert!(
            matches!(r, Err(Error::Replayed { ssrc: 9, .. })),
            "{name}: {r:?}"
        );
        for len in 0..12 + profile.rtp_overhead() {
            let r = rx.unprotect_rtp(&mut sent.clone(), len);
            assert!(
                matches!(r, Err(Error::Truncated { .. })),
                "{name} rtp {len}"
            );
        }
        for len in 0..8 + profile.rtcp_overhead() {
            let r = rx.unprotect_rtcp(&mut sent.clone(), len);
            assert!(
                matches!(r, Err(Error::Truncated { .. })),
                "{name} rtcp {len}"
            );
        }
        // Protecting needs room for the tag after the packet.
        let plain = rtp(2, 9, 20);
        let r = tx.protect_rtp(&mut plain.clone(), plain.len());
        assert!(matches!(r, Err(Error::Oversized { .. })), "{name}: {r:?}");

        let (sent, n) = protect(tx.as_mut(), &RR, true);
        let n = n.unwrap();
        // The E flag leads the index word: before the tag for AES-CM, last for GCM (RFC 7714 section 9.1).
        let gcm = profile == SrtpProfile::AeadAes128Gcm;
        let mut unencrypted = sent;
        unencrypted[if gcm {
            n - 4
        } else {
            n - profile.rtcp_overhead()
        }] &= 0x7f;
        let r = rx.unprotect_rtcp(&mut unencrypted, n);
        assert!(matches!(r, Err(Error::SrtcpUnencrypted)), "{name}: {r:?}");
        let mut tampered = sent;
        tampered[9] ^= 1;
        let r = rx.unprotect_rtcp(&mut tampered, n);
        assert!(matches!(r, Err(Error::AuthFailed)), "{name}: {r:?}");
        // The forged first packets above must not have set the replay window.
        let genuine = rx.unprotect_rtcp(&mut sent.clone(), n);
        assert_eq!(genuine.ok(), Some(RR.len()), "{name}");
        let r = rx.unprotect_rtcp(&mut sent.clone(), n);
        assert!(matches!(r, Err(Error::Replayed { .. })), "{name}: {r:?}");
    }
}

#[test]
fn tamper_after_replay_is_an_auth_failure() {
    for (name, mut tx, mut rx) in pairs() {
        let (one, n1) = protect(tx.as_mut(), &rtp(1, 5, 7), false);
        let (mut two, n2) = protect(tx.as_mut(), &rtp(2, 5, 7), false);
        let (n1, n2) = (n1.unwrap(), n2.unwrap());
        rx.unprotect_rtp(&mut one.clone(), n1).unwrap();
        let r = rx.unprotect_rtp(&mut one.clone(), n1);
        assert!(matches!(r, Err(Error::Replayed { .. })), "{name}");
        two[15] ^= 0x40;
        let r = rx.unprotect_rtp(&mut two, n2);
        assert!(matches!(r, Err(Error::AuthFailed)), "{name}: {r:?}");
    }
}

#[test]
fn unknown_ssrc_flood_is_bounded() {
    for (name, mut tx, mut rx) in pairs() {
        // Garbage from many SSRCs before anything authenticates: refused, state recycled.
        let junk = |rx: &mut Box<dyn SrtpContext>, ssrc: u32| {
            let mut buf = [0u8; 1500];
            buf[..40].copy_from_slice(&rtp(1, ssrc, 28));
            rx.unprotect_rtp(&mut buf, 40)
        };
        for ssrc in 0..1000u32 {
            assert!(
                matches!(junk(&mut rx, ssrc), Err(Error::AuthFailed)),
                "{name}"
            );
        }
        // A genuine stream authenticates, and stays unaffected by later floods.
        for seq in [5, 6] {
            let plain = rtp(seq, 7, 20);
            let (mut buf, n) = protect(tx.as_mut(), &plain, false);
            assert_eq!(rx.unprotect_rtp(&mut buf, n.unwrap()).unwrap(), plain.len());
            for ssrc in 100_000..101_000u32 {
                assert!(junk(&mut rx, ssrc).is_err(), "{name}");
            }
        }
    }
    // webrtc-srtp keeps state per SSRC: at most MAX_SSRCS ever get it once one authenticated.
    let key = b3_key(SrtpProfile::AesCm128HmacSha1_80);
    let (mut tx, mut rx) = (webrtc(&key), webrtc(&key));
    let (mut buf, n) = protect(tx.as_mut(), &rtp(5, 7, 20), false);
    rx.unprotect_rtp(&mut buf, n.unwrap()).unwrap();
    let refused = (100_000..101_000u32)
        .filter(|&ssrc| {
            let mut junk = [0u8; 1500];
            junk[..40].copy_from_slice(&rtp(1, ssrc, 28));
            matches!(rx.unprotect_rtp(&mut junk, 40), Err(Error::TooManySsrcs(_)))
        })
        .count();
    assert!(refused >= 1000 - super::webrtc::MAX_SSRCS, "{refused}");
    assert!(InPlaceSrtp::new(&b3_key(SrtpProfile::AeadAes128Gcm)).is_err());
    assert!(InPlaceGcm::new(&b3_key(SrtpProfile::AesCm128HmacSha1_80)).is_err());
}

/// RFC 7714 section 16.1.1: AEAD_AES_128_GCM on "Gallia est omnis divisa
/// in partes tres" (session key and salt given directly).
#[test]
fn rfc_7714_rtp_packet() {
    let plain = hex(
        "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973
                     20646976 69736120 696e2070 61727465 73207472 6573",
    );
    let protected = hex(
        "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca
                         be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833 899d7f27
                         beb16a91 52cf765e e4390cce",
    );
    let key = arr::<16>("000102030405060708090a0b0c0d0e0f");
    let salt = arr::<12>("517569642070726f2071756f");
    let mut tx = InPlaceGcm::from_session_keys(key, salt);
    let (mut buf, n) = protect(&mut tx, &plain, false);
    let n = n.unwrap();
    assert_eq!(buf[..n], protected[..]);
    let mut rx = InPlaceGcm::from_session_keys(key, salt);
    assert_eq!(rx.unprotect_rtp(&mut buf, n).unwrap(), plain.len());
    assert_eq!(buf[..plain.len()], plain[..]);
}

/// Found by the `srtp_unprotect` fuzz target: header extensions running
/// past the packet or the extension block made the `rtp` crate panic
/// inside webrtc-srtp; the wrapper refuses them as not RTP. (The in-place
/// implementation never parses extensions, so they cannot hurt it.)
#[test]
fn extension_element_past_the_end_is_refused_not_a_panic() {
    let head = [
        0x91, 0xff, 0xbd, 0xff, 0xff, 0xff, 0x00, 0x0a, 0x73, 0x3f, 0x00, 0x20, 0x6f, 0x00, 0x00,
        0xff, 0x10, 0x00, 0x00, 0x02, 0x01,
    ];
    let past_end = [&head[..], &[0x8b, 0x80, 0, 0, 0, 0, 0]].concat();
    let past_block = [&head[..], &[0x00, 0x80, 0, 0, 0x2e, 0, 0x40, 0]].concat();
    let mut overrun = vec![
        0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x1f, 0, 0, 0,
    ];
    let webrtc_pairs = || {
        pairs()
            .into_iter()
            .filter(|(name, ..)| name.starts_with("webrtc"))
    };
    for (name, mut tx, mut rx) in webrtc_pairs() {
        for packet in [&past_end, &past_block, &overrun] {
            let r = protect(tx.as_mut(), packet, false).1;
            assert!(matches!(r, Err(Error::NotRtp)), "{name}: {r:?}");
        }
        let mut buf = [0u8; 1500];
        buf[..past_end.len()].copy_from_slice(&past_end);
        let r = rx.unprotect_rtp(&mut buf, past_end.len());
        assert!(matches!(r, Err(Error::NotRtp)), "{name}: {r:?}");
        let r = tx.protect_rtp(&mut [0; 1500], 0);
        assert!(matches!(r, Err(Error::Truncated { .. })), "{name}");
    }
    overrun[16] = 0x10; // a 1-byte element that fits: accepted
    for (name, mut tx, _) in webrtc_pairs() {
        assert!(protect(tx.as_mut(), &overrun, false).1.is_ok(), "{name}");
    }
}

/// A sender never encrypts two packets under one index: the second would
/// reuse AES-CM keystream or, worse, a GCM nonce (which gives away the
/// authentication key). A plain leg repeating a sequence number is refused.
/// (webrtc-srtp, kept only as the oracle, encrypts repeats.)
#[test]
fn a_repeated_index_is_never_protected_twice() {
    let in_place = pairs()
        .into_iter()
        .filter(|(name, ..)| name.starts_with("in-place"));
    for (name, mut tx, _) in in_place {
        let (_, first) = protect(tx.as_mut(), &rtp(9, 3, 40), false);
        assert!(first.is_ok(), "{name}");
        let (_, again) = protect(tx.as_mut(), &rtp(9, 3, 44), false);
        assert!(
            matches!(again, Err(Error::Replayed { .. })),
            "{name}: {again:?}"
        );
        let (_, next) = protect(tx.as_mut(), &rtp(10, 3, 40), false);
        assert!(next.is_ok(), "{name}");
    }
}
