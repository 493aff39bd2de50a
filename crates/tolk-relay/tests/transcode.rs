//! Transcoding through the relay over loopback: PCMU from a plain leg A
//! reaches SRTP leg B as Opus and decodes to the same tone, and Opus from
//! B reaches A as PCMU.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::UdpSocket;
use std::time::Duration;

use support::{MUXED, key, one_worker, srtp_leg};
use tolk_media::codec::quality::{fit_tone, tone};
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::rtp::{RtpBuilder, RtpPacket};
use tolk_media::transcode::{LegFormat, PipelineConfig};
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::srtp::{SrtpContext, WebrtcSrtp};
use tolk_relay::transform::Transcode;
use tolk_relay::{IoMode, LegUpdate, Side};

const PACKETS: usize = 50;
const TONE_HZ: f64 = 1000.0;
/// One G.711 <-> Opus pass keeps a clean tone well above this.
const MIN_SNR_DB: f64 = 20.0;

fn peer() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s
}

fn plan(from: LegFormat, to: LegFormat) -> EgressPlan {
    let config = PipelineConfig {
        ssrc: 0x7a11_0000 | u32::from(to.payload_type),
        ..PipelineConfig::new(from, to)
    };
    EgressPlan {
        transcode: Some(Transcode::audio(CodecRegistry::with_builtins(), config)),
        ..Default::default()
    }
}

/// Encodes a 1 kHz tone as `PACKETS` 20 ms RTP packets of `codec`.
fn tone_packets(codec: &CodecFormat, pt: u8) -> Vec<Vec<u8>> {
    let mut encoder = CodecRegistry::with_builtins().audio_encoder(codec).unwrap();
    let rate = encoder.sample_rate();
    let frame = rate as usize / 50;
    let ticks = codec.clock_rate / 50;
    let pcm = tone(TONE_HZ, rate, frame * PACKETS, 8000.0);
    pcm.chunks(frame)
        .enumerate()
        .map(|(i, samples)| {
            let mut payload = Vec::new();
            encoder.encode(samples, &mut payload).unwrap();
            let mut buf = vec![0; 1500];
            let n = RtpBuilder {
                payload_type: pt,
                sequence_number: i as u16,
                timestamp: ticks * i as u32,
                ssrc: 0xa11ce,
                payload: &payload,
                ..Default::default()
            }
            .write_to(&mut buf)
            .unwrap();
            buf.truncate(n);
            buf
        })
        .collect()
}

/// Receives RTP of `pt` until a pause, decodes it and fits the tone.
fn heard_snr(
    socket: &UdpSocket,
    srtp: Option<&mut dyn SrtpContext>,
    codec: &CodecFormat,
    pt: u8,
) -> (usize, f64) {
    let mut decoder = CodecRegistry::with_builtins().audio_decoder(codec).unwrap();
    let mut srtp = srtp;
    let (mut pcm, mut packets) = (Vec::new(), 0);
    let mut buf = [0u8; 2048];
    while let Ok(n) = socket.recv(&mut buf) {
        let n = match srtp.as_deref_mut() {
            Some(ctx) => ctx.unprotect_rtp(&mut buf, n).unwrap(),
            None => n,
        };
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert_eq!(p.payload_type(), pt);
        decoder.decode(p.payload(), &mut pcm).unwrap();
        packets += 1;
        if packets == PACKETS {
            break;
        }
    }
    (
        packets,
        fit_tone(&pcm, TONE_HZ, decoder.sample_rate()).snr_db,
    )
}

#[test]
fn pcmu_leg_and_srtp_opus_leg_hear_the_same_tone() {
    let relay = one_worker((46800, 46899), IoMode::Auto);
    let call = relay.create_session(MUXED, MUXED).unwrap();
    let (a, b) = (peer(), peer());
    let pcmu = LegFormat::new(CodecFormat::pcmu(), 0);
    let opus = LegFormat::new(CodecFormat::opus(), 111);
    let (b_sends, relay_sends_b) = (key(0xb0), key(0xb1));
    relay
        .update(
            call.id,
            Side::A,
            LegUpdate {
                remote: Some(a.local_addr().unwrap()),
                plan: Some(plan(opus.clone(), pcmu.clone())),
                ..Default::default()
            },
        )
        .unwrap();
    relay
        .update(
            call.id,
            Side::B,
            LegUpdate {
                plan: Some(plan(pcmu.clone(), opus.clone())),
                ..srtp_leg(&b, (&b_sends, &relay_sends_b))
            },
        )
        .unwrap();
    assert_eq!(relay.transcoded_streams(), 2);

    // A -> B: plain PCMU in, SRTP Opus out.
    for packet in tone_packets(&pcmu.codec, 0) {
        a.send_to(&packet, call.a.rtp).unwrap();
    }
    let mut b_rx = WebrtcSrtp::new(&relay_sends_b).unwrap();
    let (got, snr) = heard_snr(&b, Some(&mut b_rx), &opus.codec, 111);
    assert_eq!(got, PACKETS, "Opus packets at B");
    assert!(snr > MIN_SNR_DB, "PCMU -> Opus: SNR {snr:.1} dB");

    // B -> A: SRTP Opus in, plain PCMU out.
    let mut b_tx = WebrtcSrtp::new(&b_sends).unwrap();
    for packet in tone_packets(&opus.codec, 111) {
        let mut buf = [0u8; 2048];
        buf[..packet.len()].copy_from_slice(&packet);
        let n = b_tx.protect_rtp(&mut buf, packet.len()).unwrap();
        b.send_to(&buf[..n], call.b.rtp).unwrap();
    }
    let (got, snr) = heard_snr(&a, None, &pcmu.codec, 0);
    assert_eq!(got, PACKETS, "PCMU packets at A");
    assert!(snr > MIN_SNR_DB, "Opus -> PCMU: SNR {snr:.1} dB");

    let stats = relay.stats(call.id).unwrap();
    assert!(stats.a.transcoding && stats.b.transcoding);
    assert_eq!(
        (stats.a.forwarded, stats.b.forwarded),
        (PACKETS as u64, PACKETS as u64)
    );

    // A plan without transcoding stops it; deleting the session forgets the rest.
    relay
        .update(
            call.id,
            Side::A,
            LegUpdate {
                plan: Some(EgressPlan::default()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(relay.transcoded_streams(), 1);
    relay.delete(call.id).unwrap();
    assert_eq!(relay.transcoded_streams(), 0);
}
