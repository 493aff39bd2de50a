//! Allocations per packet through the gateway's DTMF transform in steady
//! state, counted with dhat's global allocator: passed-through audio with
//! key presses injected, telephone-events detected for an INFO leg, and
//! telephone-events carried across a transcoded call.

use std::time::{Duration, Instant};

use tolk_gateway::gateway::dtmf::{AudioPath, Detect, DtmfConversion, DtmfQueue, Inject};
use tolk_interwork::{Digit, DtmfEvent};
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::dtmf::TelephoneEvent;
use tolk_media::rtp::{RtpBuilder, RtpPacket};
use tolk_media::transcode::{LegFormat, PipelineConfig};
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::transform::{AudioTranscode, MediaTransform, Outbox, TransformFactory};
use tolk_relay::{SessionId, Side};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const PACKETS: u16 = 400;

/// A 20 ms PCMU stream with a 100 ms key press (telephone-event 101)
/// every 40 packets, as a real sender puts it in place of the audio.
fn stream() -> Vec<Vec<u8>> {
    (0..PACKETS)
        .map(|seq| {
            let in_press = seq % 40;
            let (payload_type, timestamp, payload) = match in_press {
                10..17 => {
                    let updates = (in_press - 9).min(5);
                    let event = TelephoneEvent {
                        code: 1,
                        end: in_press >= 14,
                        volume: 10,
                        duration: 160 * updates,
                    };
                    (
                        101,
                        160 * u32::from(seq - in_press + 10),
                        event.to_bytes().to_vec(),
                    )
                }
                _ => (0, 160 * u32::from(seq), vec![0xd5; 160]),
            };
            let mut buf = vec![0; 200];
            let len = RtpBuilder {
                marker: in_press == 10,
                payload_type,
                sequence_number: seq,
                timestamp,
                ssrc: 7,
                payload: &payload,
                ..RtpBuilder::default()
            }
            .write_to(&mut buf)
            .expect("packet");
            buf.truncate(len);
            buf
        })
        .collect()
}

/// Blocks allocated per packet over the second half of `packets` (the
/// first half warms up the transform's buffers).
fn per_packet(
    recipe: &DtmfConversion,
    packets: &[Vec<u8>],
    before_measuring: impl FnOnce(),
) -> f64 {
    let mut transform = recipe.build().expect("transform");
    let mut out = Outbox::default();
    let mut run = |packets: &[Vec<u8>], transform: &mut Box<dyn MediaTransform>| {
        for bytes in packets {
            out.clear();
            let rtp = RtpPacket::parse(bytes).expect("rtp");
            transform
                .process(std::time::Instant::now(), &rtp, &mut out)
                .expect("processed");
        }
    };
    let (warm, measured) = packets.split_at(packets.len() / 2);
    run(warm, &mut transform);
    before_measuring();
    let before = dhat::HeapStats::get().total_blocks;
    run(measured, &mut transform);
    let blocks = dhat::HeapStats::get().total_blocks - before;
    blocks as f64 / measured.len() as f64
}

#[test]
fn the_dtmf_transform_allocates_nothing_per_packet() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let packets = stream();
    let audio: Vec<Vec<u8>> = packets
        .iter()
        .filter(|p| RtpPacket::parse(p).is_ok_and(|r| r.payload_type() == 0))
        .cloned()
        .collect();

    // Passed through toward an RFC 4733 leg, with INFO presses to send.
    let queue = DtmfQueue::default();
    let inject = DtmfConversion {
        audio: AudioPath::Rewrite(PayloadTypeMap::from_pairs([(0, 0)])),
        detect: None,
        inject: Some(Inject {
            payload_type: 101,
            clock_rate: 8000,
            queue: queue.clone(),
        }),
    };
    let press = DtmfEvent {
        digit: Digit::from_char('7').expect("digit"),
        duration: Duration::from_millis(100),
    };
    let injecting = per_packet(&inject, &audio, || {
        for _ in 0..5 {
            // The queue's buffer grew in the warm-up, so no push allocates.
            assert!(queue.push(press, Instant::now()));
        }
    });
    assert!(queue.pop().is_none(), "every press was sent");

    // Toward an INFO leg: the events are taken out and reported (a
    // handful of reports fit the channel's first block).
    let (reports, mut received) = tokio::sync::mpsc::unbounded_channel();
    let detect = DtmfConversion {
        audio: AudioPath::Rewrite(PayloadTypeMap::identity()),
        detect: Some(Detect {
            payload_type: 101,
            clock_rate: 8000,
            reports,
            session: SessionId(1),
            from: Side::A,
        }),
        inject: None,
    };
    let detecting = per_packet(&detect, &packets, || {});
    assert_eq!(
        std::iter::from_fn(|| received.try_recv().ok()).count(),
        usize::from(PACKETS / 40)
    );

    // Transcoded PCMU -> PCMA with telephone-events on both legs.
    let transcode = DtmfConversion {
        audio: AudioPath::Transcode(AudioTranscode {
            registry: CodecRegistry::with_builtins(),
            config: PipelineConfig::new(
                LegFormat {
                    telephone_event: Some(101),
                    ..LegFormat::new(CodecFormat::pcmu(), 0)
                },
                LegFormat {
                    telephone_event: Some(96),
                    ..LegFormat::new(CodecFormat::pcma(), 8)
                },
            ),
        }),
        detect: None,
        inject: None,
    };
    let carrying = per_packet(&transcode, &packets, || {});

    println!(
        "allocations per packet: injecting {injecting}, detecting {detecting}, transcoded events {carrying}"
    );
    assert_eq!(injecting, 0.0, "injecting presses must not allocate");
    assert_eq!(detecting, 0.0, "detecting events must not allocate");
    assert_eq!(
        carrying, 0.0,
        "carrying events across transcoding must not allocate"
    );
}
