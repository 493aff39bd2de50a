//! A transcoded SRTP leg whose plan is set again and again (each re-offer
//! that changes the codecs or telephone-events builds a fresh transform,
//! a new output stream with its own SSRC) keeps receiving media: the SRTP
//! sender's per-SSRC budget counts only the streams still sent.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::UdpSocket;
use std::time::Duration;

use support::{MUXED, key, one_worker, srtp_leg};
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::rtp::RtpBuilder;
use tolk_media::transcode::{LegFormat, PipelineConfig};
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::transform::Transcode;
use tolk_relay::{IoMode, LegUpdate, Side};

/// PCMU from A to PCMA toward B, as a stream with its own SSRC.
fn plan(ssrc: u32) -> EgressPlan {
    let config = PipelineConfig {
        ssrc,
        first_sequence: (ssrc.wrapping_mul(40_503) >> 3) as u16,
        ..PipelineConfig::new(
            LegFormat::new(CodecFormat::pcmu(), 0),
            LegFormat::new(CodecFormat::pcma(), 8),
        )
    };
    EgressPlan {
        transcode: Some(Transcode::audio(CodecRegistry::with_builtins(), config)),
        ..Default::default()
    }
}

#[test]
fn an_srtp_leg_hears_every_transform_a_long_call_builds() {
    let relay = one_worker((41540, 41549), IoMode::Auto);
    let call = relay.create_session(MUXED, MUXED).unwrap();
    let (a, b) = (
        UdpSocket::bind("127.0.0.1:0").unwrap(),
        UdpSocket::bind("127.0.0.1:0").unwrap(),
    );
    b.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let remote = |s: &UdpSocket| Some(s.local_addr().unwrap());
    let a_update = LegUpdate {
        remote: remote(&a),
        ..Default::default()
    };
    relay.update(call.id, Side::A, a_update).unwrap();
    let b_update = srtp_leg(&b, (&key(1), &key(2)));
    relay.update(call.id, Side::B, b_update).unwrap();
    let mut seq = 0u16;
    for rebuild in 0..40u32 {
        let update = LegUpdate {
            plan: Some(plan(0x7a11_0000 + rebuild)),
            ..Default::default()
        };
        relay.update(call.id, Side::B, update).unwrap();
        for _ in 0..3 {
            let mut buf = [0u8; 256];
            let n = RtpBuilder {
                sequence_number: seq,
                timestamp: 160 * u32::from(seq),
                ssrc: 5,
                payload: &[0xd5; 160],
                ..Default::default()
            }
            .write_to(&mut buf)
            .unwrap();
            seq += 1;
            a.send_to(&buf[..n], call.a.rtp).unwrap();
        }
        let mut buf = [0u8; 2048];
        let heard = (0..3).filter(|_| b.recv_from(&mut buf).is_ok()).count();
        assert_eq!(heard, 3, "transform {rebuild}");
    }
    relay.delete(call.id).unwrap();
}
