//! SRTP/SRTCP unprotect on arbitrary bytes for every profile and both
//! implementations (in-place, webrtc-srtp), and the protect ->
//! unprotect round trip on arbitrary plaintext across implementations.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_relay::Error;
use tolk_relay::srtp::{InPlaceGcm, InPlaceSrtp, SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, packet)) = data.split_first() else { return };
    let profile = SrtpProfile::ALL[usize::from(mode) % 3];
    let key = SrtpKey::new(profile, &[3; 16], &vec![4; profile.salt_len()]).unwrap();
    let rtcp = mode & 0x80 != 0;
    let len = packet.len().min(1400);
    let mut buf = [0u8; 1500];
    buf[..len].copy_from_slice(&packet[..len]);

    let new = |in_place: bool| -> Box<dyn SrtpContext> {
        match (in_place, profile) {
            (false, _) => Box::new(WebrtcSrtp::new(&key).unwrap()),
            (true, SrtpProfile::AeadAes128Gcm) => Box::new(InPlaceGcm::new(&key).unwrap()),
            (true, _) => Box::new(InPlaceSrtp::new(&key).unwrap()),
        }
    };
    let (tx_in_place, rx_in_place) = (mode & 0x40 != 0, mode & 0x20 != 0);

    // Arbitrary bytes: must be refused without panicking (forging a tag is out of reach).
    let mut rx = new(rx_in_place);
    let mut junk = buf;
    let r = if rtcp { rx.unprotect_rtcp(&mut junk, len) } else { rx.unprotect_rtp(&mut junk, len) };
    assert!(r.is_err(), "arbitrary bytes authenticated");

    // Round trip: whatever protect accepts, unprotect restores byte for byte.
    let mut tx = new(tx_in_place);
    let mut rx = new(rx_in_place);
    let protected = if rtcp { tx.protect_rtcp(&mut buf, len) } else { tx.protect_rtp(&mut buf, len) };
    if let Ok(n) = protected {
        let back = if rtcp { rx.unprotect_rtcp(&mut buf, n) } else { rx.unprotect_rtp(&mut buf, n) };
        match back {
            Ok(m) => assert_eq!(&buf[..m], &packet[..len]),
            // The implementations differ in which malformed headers they accept.
            Err(Error::NotRtp | Error::Truncated { .. }) if tx_in_place != rx_in_place => {}
            Err(e) => panic!("own packet refused: {e}"),
        }
    }
});
