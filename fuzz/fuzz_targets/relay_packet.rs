//! The relay's packet path: arbitrary datagrams from arbitrary sources into
//! a session whose legs are plain or SRTP. Nothing may panic, and with SRTP
//! ingress nothing the fuzzer forges may be forwarded unless it was
//! protected with the leg's key first (the "pre-authenticate" mode).
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::rewrite::{PayloadTypeMap, StreamRewrite};
use tolk_relay::srtp::{SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};
use tolk_relay::{LegKeys, LegUpdate, Session, SessionId, SessionPolicy, Side, Verdict};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let profile = SrtpProfile::ALL[usize::from(mode >> 6) % 3];
    let key = |b: u8| SrtpKey::new(profile, &[b; 16], &vec![b; profile.salt_len()]).unwrap();
    let srtp_in = mode & 1 != 0;
    let srtp_out = mode & 2 != 0;
    let pre_authenticate = mode & 4 != 0;
    let t0 = Instant::now();
    let mut s = Session::new(SessionId(1), t0, [mode & 8 != 0, mode & 16 != 0], SessionPolicy::default());
    let addr = |p: u8| SocketAddr::from(([127, 0, 0, 1], 5000 + u16::from(p % 4)));
    s.update(Side::A, LegUpdate {
        remote: Some(addr(0)),
        keys: Some(LegKeys { rx: srtp_in.then(|| key(1)), tx: None }),
        // B's stream renamed toward A: RTCP from A about it is renamed back.
        plan: (mode & 32 != 0).then(|| EgressPlan {
            rewrite: Some(StreamRewrite { ssrc: Some(9) }),
            ..Default::default()
        }),
        ..Default::default()
    })
    .unwrap();
    s.update(Side::B, LegUpdate {
        remote: Some(addr(1)),
        keys: Some(LegKeys { rx: None, tx: srtp_out.then(|| key(2)) }),
        plan: Some(EgressPlan {
            payload_types: PayloadTypeMap::from_pairs([(0, 8), (96, 111)]),
            rewrite: (mode & 32 != 0).then_some(StreamRewrite { ssrc: Some(7) }),
            ..Default::default()
        }),
        ..Default::default()
    })
    .unwrap();
    let mut peer = WebrtcSrtp::new(&key(1)).unwrap();
    // Datagrams separated by 0xfe; each starts with a side/socket/source/time byte.
    for (i, chunk) in rest.split(|&b| b == 0xfe).enumerate() {
        let Some((&meta, packet)) = chunk.split_first() else { continue };
        let mut buf = [0u8; 2048];
        let len = packet.len().min(1500);
        buf[..len].copy_from_slice(&packet[..len]);
        let mut len = len;
        let mut genuine = false;
        if srtp_in && pre_authenticate {
            let protect = if meta & 0x40 != 0 { peer.protect_rtcp(&mut buf, len) } else { peer.protect_rtp(&mut buf, len) };
            if let Ok(n) = protect {
                len = n;
                genuine = true;
            }
        }
        let now = t0 + Duration::from_millis(u64::from(meta & 0x3f) * 100 * i as u64);
        let v = s.handle_packet(now, if meta & 0x80 != 0 { Side::B } else { Side::A }, meta & 0x20 != 0, addr(meta), &mut buf, len);
        if srtp_in && meta & 0x80 == 0 && !genuine {
            assert!(!matches!(v, Verdict::Forward { .. }), "forged SRTP was forwarded");
        }
        if let Verdict::Forward { len, .. } = v {
            assert!(len <= buf.len());
        }
        s.handle_timeout(now);
        while s.poll_event().is_some() {}
    }
});
