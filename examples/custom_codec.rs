//! A vendor plugs its own audio codec into Tolk's transcoding hooks.
//!
//! The codec here is L8 (RFC 3551 section 4.5.10: 8-bit linear PCM, offset
//! binary), standing in for a licensed or hardware codec: implement
//! `AudioDecoder` and `AudioEncoder`, register them for the SDP format,
//! and every pipeline the gateway builds can use them.
//!
//! Run: `cargo run --example custom_codec`. Prints one line per packet a
//! PCMU -> L8 -> PCMU round trip produces, then the tone's SNR; exits 0.

use tolk::media::Error;
use tolk::media::codec::quality::{fit_tone, tone};
use tolk::media::codec::{AudioDecoder, AudioEncoder, CodecFormat, CodecRegistry};
use tolk::media::rtp::{RtpBuilder, RtpPacket};
use tolk::media::transcode::{AudioPipeline, LegFormat, PipelineConfig};

/// The vendor's codec: 8-bit samples, 0x80 is silence.
struct L8;

impl AudioDecoder for L8 {
    fn sample_rate(&self) -> u32 {
        8000
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
        out.extend(payload.iter().map(|&b| (i16::from(b) - 128) << 8));
        Ok(())
    }
}

impl AudioEncoder for L8 {
    fn sample_rate(&self) -> u32 {
        8000
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend(pcm.iter().map(|&s| ((s >> 8) + 128) as u8));
        Ok(())
    }
}

fn pipeline(
    registry: &CodecRegistry,
    from: LegFormat,
    to: LegFormat,
) -> Result<AudioPipeline, Error> {
    let config = PipelineConfig {
        input: from,
        output: to,
        packet_ms: 20,
        ssrc: 0x0ac3_0001,
        first_sequence: 1,
        first_timestamp: 0,
    };
    AudioPipeline::new(registry, config)
}

fn main() -> Result<(), Error> {
    // The few lines a vendor writes: one format, two constructors.
    let mut registry = CodecRegistry::with_builtins();
    let l8 = CodecFormat::new("L8", 8000, 1);
    registry.register_audio_fn(
        l8.clone(),
        |_| Ok(Box::new(L8) as Box<dyn AudioDecoder>),
        |_| Ok(Box::new(L8) as Box<dyn AudioEncoder>),
    );

    // A phone's PCMU goes to the vendor's endpoint as L8, and back.
    let pcmu = LegFormat {
        codec: CodecFormat::pcmu(),
        payload_type: 0,
        telephone_event: None,
    };
    let vendor = LegFormat {
        codec: l8,
        payload_type: 98,
        telephone_event: None,
    };
    let mut to_vendor = pipeline(&registry, pcmu.clone(), vendor.clone())?;
    let mut to_phone = pipeline(&registry, vendor, pcmu)?;

    let mut encoder = registry.audio_encoder(&CodecFormat::pcmu())?;
    let pcm = tone(1000.0, 8000, 8000, 8000.0);
    let mut heard = Vec::new();
    let mut decoder = registry.audio_decoder(&CodecFormat::pcmu())?;
    for (i, frame) in pcm.chunks(160).enumerate() {
        let mut payload = Vec::new();
        encoder.encode(frame, &mut payload)?;
        let mut buf = [0u8; 12 + 160];
        let len = RtpBuilder {
            payload_type: 0,
            sequence_number: i as u16,
            timestamp: 160 * i as u32,
            payload: &payload,
            ..Default::default()
        }
        .write_to(&mut buf)?;
        to_vendor.push_rtp(&RtpPacket::parse(&buf[..len])?)?;
        while let Some(l8_packet) = to_vendor.poll_packet() {
            to_phone.push_rtp(&RtpPacket::parse(&l8_packet)?)?;
        }
        while let Some(back) = to_phone.poll_packet() {
            let p = RtpPacket::parse(&back)?;
            println!(
                "packet seq={} ts={} pt={} bytes={}",
                p.sequence_number(),
                p.timestamp(),
                p.payload_type(),
                p.payload().len()
            );
            decoder.decode(p.payload(), &mut heard)?;
        }
    }
    let fit = fit_tone(&heard, 1000.0, 8000);
    println!(
        "1 kHz tone through PCMU -> L8 -> PCMU: SNR {:.1} dB",
        fit.snr_db
    );
    Ok(())
}
