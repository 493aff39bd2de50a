//! The transcoding branch of the pipeline, with a toy transform.

use tolk_media::rtp::{RtpBuilder, RtpPacket};

use super::*;
use crate::rewrite::rtcp::RtcpSsrcMap;
use crate::srtp::{SrtpKey, SrtpProfile, WebrtcSrtp};
use crate::transform::{MediaTransform, Outbox, TransformFactory};

/// Splits every packet's payload into two packets of PT 99, and refuses PT 13.
#[derive(Debug)]
struct Halves;

impl MediaTransform for Halves {
    fn process(
        &mut self,
        _now: std::time::Instant,
        rtp: &RtpPacket<'_>,
        out: &mut Outbox,
    ) -> Result<(), DropReason> {
        if rtp.payload_type() == 13 {
            return Err(DropReason::Transcode);
        }
        let (first, second) = rtp.payload().split_at(rtp.payload().len() / 2);
        for (i, half) in [first, second].into_iter().enumerate() {
            let mut buf = [0u8; 256];
            let n = RtpBuilder {
                payload_type: 99,
                sequence_number: rtp.sequence_number().wrapping_mul(2).wrapping_add(i as u16),
                ssrc: 0x0dd,
                payload: half,
                ..Default::default()
            }
            .write_to(&mut buf)
            .map_err(|e| DropReason::from(&e))?;
            out.push(&buf[..n])?;
        }
        Ok(())
    }
}

impl TransformFactory for Halves {
    fn build(&self) -> crate::Result<Box<dyn MediaTransform>> {
        Ok(Box::new(Halves))
    }
}

fn key(byte: u8) -> SrtpKey {
    SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[byte; 16], &[byte; 14]).unwrap()
}

fn packet(seq: u16, pt: u8, payload: &[u8]) -> ([u8; 1500], usize) {
    let mut buf = [0u8; 1500];
    let n = RtpBuilder {
        payload_type: pt,
        sequence_number: seq,
        payload,
        ..Default::default()
    }
    .write_to(&mut buf)
    .unwrap();
    (buf, n)
}

#[test]
fn decrypted_rtp_goes_through_the_transform_and_out_protected() {
    let (a, b) = (key(1), key(2));
    let transcode = Transcode::new(Halves);
    let plan = EgressPlan {
        transcode: Some(transcode.clone()),
        ..Default::default()
    };
    let mut state = transcode.build().unwrap();
    let (mut rx, mut tx) = (
        Crypto::Srtp(Box::new(WebrtcSrtp::new(&a).unwrap())),
        Crypto::Srtp(Box::new(WebrtcSrtp::new(&b).unwrap())),
    );
    let (mut buf, n) = packet(1, 0, b"abcdef");
    let n = WebrtcSrtp::new(&a)
        .unwrap()
        .protect_rtp(&mut buf, n)
        .unwrap();
    let got = transcode_packet(
        std::time::Instant::now(),
        &mut rx,
        &mut tx,
        &plan,
        &RtcpSsrcMap::default(),
        &mut state,
        &mut buf,
        n,
    );
    assert_eq!(got, Ok(Forwarded::Transcoded(2)));

    let mut peer = WebrtcSrtp::new(&b).unwrap();
    let halves: Vec<Vec<u8>> = state.outbox().iter().map(<[u8]>::to_vec).collect();
    for (mut srtp, expect) in halves.into_iter().zip([&b"abc"[..], b"def"]) {
        let len = srtp.len();
        let m = peer.unprotect_rtp(&mut srtp, len).unwrap();
        let p = RtpPacket::parse(&srtp[..m]).unwrap();
        assert_eq!((p.payload_type(), p.payload()), (99, expect));
    }

    // A packet the transform refuses is dropped under its reason, outbox empty.
    let (mut buf, n) = packet(2, 13, b"cn");
    let n = WebrtcSrtp::new(&a)
        .unwrap()
        .protect_rtp(&mut buf, n)
        .unwrap();
    let got = transcode_packet(
        std::time::Instant::now(),
        &mut rx,
        &mut tx,
        &plan,
        &RtcpSsrcMap::default(),
        &mut state,
        &mut buf,
        n,
    );
    assert_eq!(got, Err(DropReason::Transcode));
    assert!(state.outbox().is_empty());

    // A tampered packet never reaches the transform.
    let (mut buf, n) = packet(3, 0, b"xy");
    let n = WebrtcSrtp::new(&a)
        .unwrap()
        .protect_rtp(&mut buf, n)
        .unwrap();
    buf[n - 1] ^= 1;
    let got = transcode_packet(
        std::time::Instant::now(),
        &mut rx,
        &mut tx,
        &plan,
        &RtcpSsrcMap::default(),
        &mut state,
        &mut buf,
        n,
    );
    assert_eq!(got, Err(DropReason::AuthFailed));
}

#[test]
fn rtcp_in_a_transcoded_direction_is_forwarded_in_place() {
    let transcode = Transcode::new(Halves);
    let plan = EgressPlan {
        transcode: Some(transcode.clone()),
        ..Default::default()
    };
    let mut state = transcode.build().unwrap();
    let rr = [0x80, 201, 0, 1, 0, 0, 0, 7];
    let mut buf = [0u8; 1500];
    buf[..rr.len()].copy_from_slice(&rr);
    let got = transcode_packet(
        std::time::Instant::now(),
        &mut Crypto::Plain,
        &mut Crypto::Plain,
        &plan,
        &RtcpSsrcMap::default(),
        &mut state,
        &mut buf,
        rr.len(),
    );
    assert_eq!(
        got,
        Ok(Forwarded::InPlace(rr.len(), PacketClass::Rtcp(None)))
    );
    assert_eq!(plan, plan.clone(), "a recipe equals its clones");
    assert_ne!(plan.transcode, Some(Transcode::new(Halves)));
}

#[test]
fn a_transcoded_streams_sender_reports_follow_it_across_clock_rates() {
    use tolk_media::codec::{CodecFormat, CodecRegistry};
    use tolk_media::transcode::{LegFormat, PipelineConfig};
    const SOURCE: u32 = 0x5eed;
    // PCMU at 8 kHz in, Opus at 48 kHz out from timestamp 1000.
    let mut config = PipelineConfig::new(
        LegFormat::new(CodecFormat::pcmu(), 0),
        LegFormat::new(CodecFormat::opus(), 111),
    );
    config.first_timestamp = 1000;
    let transcode = Transcode::audio(CodecRegistry::with_builtins(), config);
    let plan = EgressPlan {
        transcode: Some(transcode.clone()),
        ..Default::default()
    };
    let mut state = transcode.build().unwrap();
    let (mut rx, mut tx) = (Crypto::Plain, Crypto::Plain);
    let map = RtcpSsrcMap {
        sender: state.output_ssrc(),
        ..RtcpSsrcMap::default()
    };
    // An SR of the source before its media reached the transcoder: no
    // mapping onto the stream yet, so no wallclock either.
    let (got, early) = forward_sr(&mut state, &map, [SOURCE, 0xaaaa, 0xbbbb, 40_000, 0, 0]);
    assert_eq!(got, Ok(Forwarded::InPlace(28, PacketClass::Rtcp(None))));
    assert_eq!(Some(early[0]), state.output_ssrc(), "renamed");
    assert_eq!(early[1..], [0, 0, 40_000, 0, 0], "NTP time zeroed");
    let (mut sent_packets, mut sent_octets) = (0u32, 0u32);
    for seq in 0..3u16 {
        let mut buf = [0u8; 1500];
        let n = RtpBuilder {
            sequence_number: seq,
            timestamp: 50_000 + 160 * u32::from(seq),
            ssrc: SOURCE,
            payload: &[0xff; 160],
            ..Default::default()
        }
        .write_to(&mut buf)
        .unwrap();
        let now = std::time::Instant::now();
        transcode_packet(now, &mut rx, &mut tx, &plan, &map, &mut state, &mut buf, n).unwrap();
        for p in state.outbox().iter() {
            sent_packets += 1;
            sent_octets += RtpPacket::parse(p).unwrap().payload().len() as u32;
        }
    }
    assert!(sent_packets > 0);
    // The source's SR: NTP time, RTP timestamp a second after its first
    // packet, 100 packets and 16,000 octets sent.
    let (got, word) = forward_sr(
        &mut state,
        &map,
        [SOURCE, 0xaaaa, 0xbbbb, 58_000, 100, 16_000],
    );
    assert_eq!(got, Ok(Forwarded::InPlace(28, PacketClass::Rtcp(None))));
    assert_eq!(Some(word[0]), state.output_ssrc(), "renamed");
    assert_eq!((word[1], word[2]), (0xaaaa, 0xbbbb), "NTP time kept");
    assert_eq!(word[3], 1000 + 48_000, "a second on at 48 kHz");
    assert_eq!(word[4], 100 - 3 + sent_packets);
    assert_eq!(word[5], 16_000 - 480 + sent_octets);
}

/// An SR of sender info `words` (sender SSRC, NTP time, RTP timestamp,
/// packet and octet counts) forwarded through `state`'s direction under
/// `map`: what [`transcode_packet`] said, and the words it left.
fn forward_sr(
    state: &mut Transcoding,
    map: &RtcpSsrcMap,
    words: [u32; 6],
) -> (Result<Forwarded, DropReason>, [u32; 6]) {
    use tolk_media::rtcp::SR;
    let mut buf = [0u8; 1500];
    buf[..4].copy_from_slice(&[0x80, SR, 0, words.len() as u8]);
    for (i, w) in words.iter().enumerate() {
        buf[4 + 4 * i..8 + 4 * i].copy_from_slice(&w.to_be_bytes());
    }
    let len = 4 + 4 * words.len();
    let got = transcode_packet(
        std::time::Instant::now(),
        &mut Crypto::Plain,
        &mut Crypto::Plain,
        &EgressPlan::default(),
        map,
        state,
        &mut buf,
        len,
    );
    let word = |i: usize| u32::from_be_bytes(buf[4 + 4 * i..8 + 4 * i].try_into().unwrap());
    (got, std::array::from_fn(word))
}
