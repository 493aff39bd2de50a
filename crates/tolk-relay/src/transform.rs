//! The transcoding hook: when the egress plan says a stream must be
//! transcoded, the pipeline hands each authenticated, decrypted RTP packet
//! to the destination leg's [`MediaTransform`] and forwards what it returns,
//! protected for that leg, instead of the packet itself.
//!
//! A plan carries a [`Transcode`]: a shareable recipe (a [`TransformFactory`])
//! from which the endpoint builds its own per-stream transform state each
//! time the plan is set. A transform may also send packets of its own while
//! nothing arrives (key presses through silence): it names the time it
//! wants ([`MediaTransform::poll_timeout`]) and the relay's worker calls
//! [`MediaTransform::handle_timeout`] with its clock then, sending what it
//! returns like transcoded output, SRTP-protected for an SRTP leg. The
//! worker asks after each packet and each timeout; a transform given work
//! from outside while no media flows (a key press toward a silent leg) is
//! asked again through [`Relay::poll_transforms`](crate::Relay::poll_transforms). [`AudioTranscode`] is the recipe for `tolk-media`'s
//! [`AudioPipeline`](tolk_media::transcode::AudioPipeline) (G.711, G.722,
//! Opus and any registered codec).
//!
//! ```
//! use tolk_media::codec::{CodecFormat, CodecRegistry};
//! use tolk_media::transcode::{LegFormat, PipelineConfig};
//! use tolk_relay::pipeline::EgressPlan;
//! use tolk_relay::transform::Transcode;
//!
//! // Leg A speaks PCMU; what goes to leg B becomes Opus on payload type 111.
//! let config = PipelineConfig::new(
//!     LegFormat::new(CodecFormat::pcmu(), 0),
//!     LegFormat::new(CodecFormat::opus(), 111),
//! );
//! let to_b = EgressPlan {
//!     transcode: Some(Transcode::audio(CodecRegistry::with_builtins(), config)),
//!     ..Default::default()
//! };
//! assert!(to_b.transcode.is_some());
//! ```

mod audio;
mod counts;
mod outbox;

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use tolk_media::clock::TimestampMapper;
use tolk_media::rtp::RtpPacket;

pub use audio::{AudioTranscode, AudioTranscoder};
pub use outbox::{OUTBOX_PACKETS, Outbox, PACKET_MAX};

use crate::drop::DropReason;
use crate::error::Result;
use crate::rewrite::rtcp::SenderInfoMap;
use counts::StreamCount;

/// One direction's per-stream transform (a transcoder).
pub trait MediaTransform: Send {
    /// Takes one authenticated, decrypted and validated RTP packet from the
    /// source leg, arrived at `now`, and appends the RTP packets for the
    /// destination leg to `out` (none while it buffers, several when it
    /// re-frames). An `Err` drops the input packet under that reason and
    /// discards `out`.
    fn process(
        &mut self,
        now: Instant,
        rtp: &RtpPacket<'_>,
        out: &mut Outbox,
    ) -> Result<(), DropReason>;

    /// When the transform wants [`handle_timeout`](Self::handle_timeout)
    /// called, if at all: for packets it sends on its own while nothing
    /// arrives (key presses paced by time through silence). The relay's
    /// worker asks after each packet and each timeout.
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// The time from [`poll_timeout`](Self::poll_timeout) has come (`now`
    /// is the worker's clock): appends to `out` what the transform sends
    /// without input. An `Err` discards `out`.
    fn handle_timeout(&mut self, now: Instant, out: &mut Outbox) -> Result<(), DropReason> {
        let _ = (now, out);
        Ok(())
    }

    /// The SSRC of the stream it emits, if it has one of its own: RTCP
    /// between the legs is renamed to and from it.
    fn output_ssrc(&self) -> Option<u32> {
        None
    }

    /// The source whose media the stream it sends carries now, and how
    /// that source's RTP timestamps map onto the stream's: the source's
    /// SRs are mapped likewise (and their counts moved by what the
    /// transform put in or took out), so that their NTP/RTP pair fits the
    /// stream the leg receives. `None` leaves SRs as they are.
    fn source_timestamps(&self) -> Option<(u32, TimestampMapper)> {
        None
    }
}

/// Builds a fresh [`MediaTransform`] for one stream.
pub trait TransformFactory: Send + Sync + fmt::Debug {
    /// A new transform, with no stream state yet.
    fn build(&self) -> Result<Box<dyn MediaTransform>>;
}

/// A plan's transcoding recipe: cheap to clone, equal only to itself.
#[derive(Clone)]
pub struct Transcode(Arc<dyn TransformFactory>);

impl Transcode {
    /// A recipe from any factory (e.g. a vendor's own transcoder).
    pub fn new(factory: impl TransformFactory + 'static) -> Self {
        Self(Arc::new(factory))
    }

    /// Audio transcoding with `tolk-media`'s pipeline and codecs from `registry`.
    pub fn audio(
        registry: tolk_media::codec::CodecRegistry,
        config: tolk_media::transcode::PipelineConfig,
    ) -> Self {
        Self::new(AudioTranscode { registry, config })
    }

    /// Builds the per-stream state.
    pub fn build(&self) -> Result<Transcoding> {
        Ok(Transcoding {
            transform: self.0.build()?,
            outbox: Outbox::default(),
            taken: StreamCount::default(),
            sent: StreamCount::default(),
        })
    }
}

impl fmt::Debug for Transcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Transcode").field(&self.0).finish()
    }
}

impl PartialEq for Transcode {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Transcode {}

/// A live transform with the outbox its output waits in until sent.
pub struct Transcoding {
    transform: Box<dyn MediaTransform>,
    outbox: Outbox,
    /// What the source sent that reached the transform.
    taken: StreamCount,
    /// What the transform sent.
    sent: StreamCount,
}

impl Transcoding {
    /// Runs the transform on one packet arrived at `now`; the output is
    /// in [`Transcoding::outbox`].
    pub fn process(&mut self, now: Instant, rtp: &RtpPacket<'_>) -> Result<usize, DropReason> {
        self.outbox.clear();
        self.taken.add(rtp);
        let result = self.transform.process(now, rtp, &mut self.outbox);
        self.settle(result)
    }

    /// When the transform wants [`Transcoding::handle_timeout`], if at all.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.transform.poll_timeout()
    }

    /// Runs the transform's timeout at `now`; the output is in
    /// [`Transcoding::outbox`].
    pub fn handle_timeout(&mut self, now: Instant) -> Result<usize, DropReason> {
        self.outbox.clear();
        let result = self.transform.handle_timeout(now, &mut self.outbox);
        self.settle(result)
    }

    /// The outbox's packet count, or nothing in it after an error.
    fn settle(&mut self, result: Result<(), DropReason>) -> Result<usize, DropReason> {
        if result.is_err() {
            self.outbox.clear();
        }
        self.sent.add_all(self.outbox.iter());
        result.map(|()| self.outbox.len())
    }

    /// How the SRs of the source the transform's stream carries are
    /// carried onto that stream (see
    /// [`MediaTransform::source_timestamps`]), if the transform says.
    pub fn sender_info(&self) -> Option<SenderInfoMap> {
        let (source, timestamps) = self.transform.source_timestamps()?;
        let stream = self.transform.output_ssrc().unwrap_or(source);
        let (taken_packets, taken_octets) = self.taken.of(source);
        let (sent_packets, sent_octets) = self.sent.of(stream);
        Some(SenderInfoMap {
            source,
            timestamps,
            packets: sent_packets.wrapping_sub(taken_packets),
            octets: sent_octets.wrapping_sub(taken_octets),
        })
    }

    /// The transform's output SSRC, if any.
    pub fn output_ssrc(&self) -> Option<u32> {
        self.transform.output_ssrc()
    }

    /// The packets the last [`Transcoding::process`] produced.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub(crate) fn outbox_mut(&mut self) -> &mut Outbox {
        &mut self.outbox
    }
}

impl fmt::Debug for Transcoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transcoding")
            .field("queued", &self.outbox.len())
            .finish_non_exhaustive()
    }
}
