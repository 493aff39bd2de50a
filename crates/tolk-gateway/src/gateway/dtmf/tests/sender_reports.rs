//! The SRs of the audio source toward a leg that gets key presses of
//! ours, as the relay forwards them: carried onto our own stream once
//! the audio joined it, with no wallclock before.

use tolk_relay::pipeline::{Crypto, EgressPlan, transcode_packet};
use tolk_relay::rewrite::rtcp::RtcpSsrcMap;
use tolk_relay::transform::{Transcode, Transcoding};

use super::*;

/// The audio's SSRC (see `packet`).
const SOURCE: u32 = 7;

/// An SR of `SOURCE` with NTP time 0xaaaa.0xbbbb and these RTP
/// timestamp and counts, forwarded as the relay forwards RTCP toward the
/// leg: the sender info words after it.
fn forward_sr(
    transcoding: &mut Transcoding,
    timestamp: u32,
    packets: u32,
    octets: u32,
) -> [u32; 6] {
    let mut buf = [0u8; 64];
    buf[..4].copy_from_slice(&[0x80, tolk_media::rtcp::SR, 0, 6]);
    let words = [SOURCE, 0xaaaa, 0xbbbb, timestamp, packets, octets];
    for (i, word) in words.iter().enumerate() {
        buf[4 + 4 * i..8 + 4 * i].copy_from_slice(&word.to_be_bytes());
    }
    // The session renames the reporter to the stream the leg receives.
    let map = RtcpSsrcMap {
        sender: transcoding.output_ssrc(),
        ..RtcpSsrcMap::default()
    };
    let plan = EgressPlan::default();
    let (rx, tx) = (&mut Crypto::Plain, &mut Crypto::Plain);
    transcode_packet(
        Instant::now(),
        rx,
        tx,
        &plan,
        &map,
        transcoding,
        &mut buf,
        28,
    )
    .expect("forwarded");
    std::array::from_fn(|i| u32::from_be_bytes(buf[4 + 4 * i..8 + 4 * i].try_into().expect("word")))
}

#[test]
fn sender_reports_follow_audio_joining_our_stream() {
    let (recipe, queue) = injecting_into_passed_through_audio();
    let mut transcoding = Transcode::new(recipe).build().expect("transform");
    let start = Instant::now();
    assert!(queue.push(press('7', 100), start));
    let mut events = 0;
    for _ in 0..20 {
        let Some(due) = transcoding.poll_timeout() else {
            break;
        };
        events += transcoding.handle_timeout(due).expect("timeout");
    }
    assert_eq!(events, 7);
    let ours = transcoding.output_ssrc().expect("a stream of our own");
    // Its SR before its audio came: not on our timeline yet, so no
    // wallclock to tie to it.
    let early = forward_sr(&mut transcoding, 160 * 4990, 0, 0);
    assert_eq!(early, [ours, 0, 0, 160 * 4990, 0, 0]);
    // The audio comes a second later and joins our stream.
    let mut sent = Vec::new();
    for (n, bytes) in audio(0, 5000, 3).iter().enumerate() {
        let rtp = RtpPacket::parse(bytes).expect("rtp");
        let at = start + Duration::from_secs(1) + PACKET * n as u32;
        assert_eq!(transcoding.process(at, &rtp), Ok(1));
        sent.extend(transcoding.outbox().iter().map(<[u8]>::to_vec));
    }
    let last = RtpPacket::parse(&sent[2]).expect("rtp");
    // Its SR as of its third packet: 3 packets, 480 octets.
    let word = forward_sr(&mut transcoding, 160 * 5002, 3, 480);
    assert_eq!(word[0], last.ssrc(), "our SSRC");
    assert_eq!((word[1], word[2]), (0xaaaa, 0xbbbb), "its NTP time");
    assert_eq!(word[3], last.timestamp(), "on our timeline, as its audio");
    assert_eq!(
        (word[4], word[5]),
        (3 + 7, 480 + 7 * 4),
        "with the 7 event packets of 4 octets we sent before"
    );
}
