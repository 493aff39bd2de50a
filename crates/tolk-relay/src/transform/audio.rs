//! The adapter that runs `tolk-media`'s [`AudioPipeline`] as a relay
//! transform: decode, resample, re-frame and encode one direction's audio.

use std::time::{Duration, Instant};

use tolk_media::clock::TimestampMapper;
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

    /// While no audio arrives, `silent` after it stopped: the next packet
    /// of an inserted event onto `out` (see [`AudioPipeline::idle_frame`]);
    /// whether one was sent.
    pub fn idle_frame(&mut self, silent: Duration, out: &mut Outbox) -> Result<bool, DropReason> {
        let sent = self.pipeline.idle_frame(silent);
        self.drain(out)?;
        Ok(sent)
    }

    /// Moves the pipeline's output packets onto `out`.
    fn drain(&mut self, out: &mut Outbox) -> Result<(), DropReason> {
        while let Some(packet) = self.pipeline.poll_packet() {
            let pushed = out.push(&packet);
            // Handed back, so a steady stream allocates no packet buffers.
            self.pipeline.recycle(packet);
            pushed?;
        }
        Ok(())
    }
}

impl MediaTransform for AudioTranscoder {
    fn process(
        &mut self,
        _now: Instant,
        rtp: &RtpPacket<'_>,
        out: &mut Outbox,
    ) -> Result<(), DropReason> {
        let pushed = self.pipeline.push_rtp(rtp);
        let before = out.len();
        self.drain(out)?;
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

    /// The pipeline's input-to-output mapping, across the clock rates.
    fn source_timestamps(&self) -> Option<(u32, TimestampMapper)> {
        self.pipeline.input_timestamps()
    }
}
