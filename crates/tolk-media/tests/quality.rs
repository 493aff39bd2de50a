//! Audio quality through real codec chains: a 1 kHz tone goes through the
//! transcoding pipelines hop by hop, and what comes out must still be that
//! tone, with noise and distortion below a stated level.

use tolk_media::codec::quality::{fit_tone, tone};
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::rtp::{RtpBuilder, RtpPacket};
use tolk_media::transcode::{AudioPipeline, LegFormat, PipelineConfig};

/// Opus -> G.711 -> Opus must keep the tone this far above the noise.
/// Opus (32 kbit/s, VoIP mode) is a perceptual codec, not a waveform one,
/// and runs twice here (at 8 kHz where it faces G.711, complexity 0);
/// measured 26.2 dB (29.8 dB at libopus's default complexity 9).
const OPUS_G711_OPUS_MIN_SNR_DB: f64 = 25.0;
/// G.722 -> G.711 must keep the tone this far above the noise; both are
/// waveform codecs; measured 42.6 dB.
const G722_G711_MIN_SNR_DB: f64 = 38.0;

const SECONDS: usize = 2;
const AMPLITUDE: f64 = 10_000.0;

fn hop(from: LegFormat, to: LegFormat) -> AudioPipeline {
    AudioPipeline::new(
        &CodecRegistry::with_builtins(),
        PipelineConfig::new(from, to),
    )
    .expect("pipeline")
}

/// Runs RTP packets through one pipeline and returns what it sends.
fn run(pipeline: &mut AudioPipeline, packets: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in packets {
        pipeline
            .push_rtp(&RtpPacket::parse(p).expect("rtp"))
            .expect("push");
        out.extend(std::iter::from_fn(|| pipeline.poll_packet()));
    }
    out
}

/// The tone as L16 packets of 20 ms.
fn l16_packets(rate: u32) -> Vec<Vec<u8>> {
    let pcm = tone(1000.0, rate, rate as usize * SECONDS, AMPLITUDE);
    let per_packet = rate as usize / 50;
    pcm.chunks(per_packet)
        .enumerate()
        .map(|(i, frame)| {
            let payload: Vec<u8> = frame.iter().flat_map(|s| s.to_be_bytes()).collect();
            let mut buf = vec![0; 12 + payload.len()];
            RtpBuilder {
                payload_type: 96,
                sequence_number: i as u16,
                timestamp: (i * per_packet) as u32,
                payload: &payload,
                ..Default::default()
            }
            .write_to(&mut buf)
            .expect("build");
            buf
        })
        .collect()
}

fn l16_samples(packets: &[Vec<u8>]) -> Vec<i16> {
    packets
        .iter()
        .flat_map(|p| {
            let payload = RtpPacket::parse(p).expect("rtp").payload().to_vec();
            payload
                .chunks_exact(2)
                .map(|c| i16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The L16 `packets` at `rate` must still carry the tone at its level, at
/// least `min_snr_db` above the noise.
fn assert_tone_kept(chain: &str, packets: &[Vec<u8>], rate: u32, min_snr_db: f64) {
    let fit = fit_tone(&l16_samples(packets), 1000.0, rate);
    println!(
        "{chain}: SNR {:.1} dB, amplitude {:.0}",
        fit.snr_db, fit.amplitude
    );
    assert!(fit.snr_db > min_snr_db, "{chain}: SNR {:.1} dB", fit.snr_db);
    assert!(
        (fit.amplitude / AMPLITUDE - 1.0).abs() < 0.2,
        "{chain}: gain {}",
        fit.amplitude
    );
}

#[test]
fn opus_to_g711_to_opus_keeps_a_tone() {
    let opus = || LegFormat::new(CodecFormat::opus(), 111);
    let pcmu = || LegFormat::new(CodecFormat::pcmu(), 0);
    let l16 = || LegFormat::new(CodecFormat::l16(48000), 96);
    let mut packets = l16_packets(48000);
    for (from, to) in [
        (l16(), opus()),
        (opus(), pcmu()),
        (pcmu(), opus()),
        (opus(), l16()),
    ] {
        packets = run(&mut hop(from, to), &packets);
    }
    assert_tone_kept(
        "Opus -> G.711 -> Opus",
        &packets,
        48000,
        OPUS_G711_OPUS_MIN_SNR_DB,
    );
}

#[test]
fn g722_to_g711_keeps_a_tone() {
    let g722 = LegFormat::new(CodecFormat::g722(), 9);
    let mut packets = run(
        &mut hop(LegFormat::new(CodecFormat::l16(16000), 96), g722.clone()),
        &l16_packets(16000),
    );
    packets = run(
        &mut hop(g722, LegFormat::new(CodecFormat::pcmu(), 0)),
        &packets,
    );
    packets = run(
        &mut hop(
            LegFormat::new(CodecFormat::pcmu(), 0),
            LegFormat::new(CodecFormat::l16(8000), 96),
        ),
        &packets,
    );
    assert_tone_kept("G.722 -> G.711", &packets, 8000, G722_G711_MIN_SNR_DB);
}
