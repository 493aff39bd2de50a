//! Registering the codecs Tolk ships.

use super::format::CodecFormat;
use super::g711::{G711, Law};
use super::g722::{G722Decoder, G722Encoder};
use super::l16::L16;
use super::opus::{OpusDecoder, OpusEncoder};
use super::registry::CodecRegistry;
use super::traits::{AudioDecoder, AudioEncoder};

/// Adds PCMU, PCMA, G.722, L16 at 8, 16 and 48 kHz, and Opus.
pub(crate) fn register(r: &mut CodecRegistry) {
    r.register_audio_fn(
        CodecFormat::pcmu(),
        |_| Ok(Box::new(G711(Law::Mu)) as Box<dyn AudioDecoder>),
        |_| Ok(Box::new(G711(Law::Mu)) as Box<dyn AudioEncoder>),
    );
    r.register_audio_fn(
        CodecFormat::pcma(),
        |_| Ok(Box::new(G711(Law::A)) as Box<dyn AudioDecoder>),
        |_| Ok(Box::new(G711(Law::A)) as Box<dyn AudioEncoder>),
    );
    r.register_audio_fn(
        CodecFormat::g722(),
        |_| Ok(Box::new(G722Decoder::new()) as Box<dyn AudioDecoder>),
        |_| Ok(Box::new(G722Encoder::new()) as Box<dyn AudioEncoder>),
    );
    for rate in [8000, 16000, 48000] {
        r.register_audio_fn(
            CodecFormat::l16(rate),
            move |_| Ok(Box::new(L16 { rate }) as Box<dyn AudioDecoder>),
            move |_| Ok(Box::new(L16 { rate }) as Box<dyn AudioEncoder>),
        );
    }
    r.register_audio_fn(
        CodecFormat::opus(),
        |_| Ok(Box::new(OpusDecoder::new()?) as Box<dyn AudioDecoder>),
        |f| Ok(Box::new(OpusEncoder::new(f)?) as Box<dyn AudioEncoder>),
    );
}
