//! The adapter that runs `tolk-media`'s [`AudioPipeline`] as a relay
//! transform: decode, resample, re-frame and encode one direction's audio.

use tolk_media::codec::CodecRegistry;
use tolk_media::rtp::RtpPacket;
use tolk_media::transcode::{AudioPipeline, PipelineConfig};

use super::{MediaTransform, Outbox, TransformFactory};
use crate::drop::DropReason;
use crate::error::Result;

/// The recipe: codecs come from `registry`, formats and output stream from `config`.
#[derive(Debug, Clone)]
pub struct AudioTranscode {
    /// Where the decoder and encoder come from (built-ins plus a vendor's own).
    pub registry: CodecRegistry,
    /// Input and output formats, packet time, the output stream's identity.
    pub config: PipelineConfig,
}

impl TransformFactory for AudioTranscode {
    fn build(&self) -> Result<Box<dyn super::MediaTransform>> {
        let pipeline = AudioPipeline::new(&self.registry, self.config.clone())?;
        Ok(Box::new(AudioTranscoder::new(pipeline, self.config.ssrc)))
    }
}

/// One stream's audio pipeline.
#[derive(Debug)]
pub struct AudioTranscoder {
    pipeline: AudioPipeline,
    ssrc: u32,
}

impl AudioTranscoder {
    /// Wraps a pipeline built elsewhere, whose output stream has SSRC `ssrc`.
    pub fn new(pipeline: AudioPipeline, ssrc: u32) -> Self {
        Self { pipeline, ssrc }
    }

    /// The pipeline, e.g. to insert telephone-events from signalling.
    pub fn pipeline_mut(&mut self) -> &mut AudioPipeline {
        &mut self.pipeline
    }
}

impl MediaTransform for AudioTranscoder {
    fn process(&mut self, rtp: &RtpPacket<'_>, out: &mut Outbox) -> Result<(), DropReason> {
        let pushed = self.pipeline.push_rtp(rtp);
        let before = out.len();
        while let Some(packet) = self.pipeline.poll_packet() {
            let pushed = out.push(&packet);
            // Handed back, so a steady stream allocates no packet buffers.
            self.pipeline.recycle(packet);
            pushed?;
        }
        match pushed {
            Ok(()) => Ok(()),
            // An undecodable payload was concealed: what came out still goes.
            Err(_) if out.len() > before => Ok(()),
            Err(_) => Err(DropReason::Transcode),
        }
    }

    fn output_ssrc(&self) -> Option<u32> {
        Some(self.ssrc)
    }
}
