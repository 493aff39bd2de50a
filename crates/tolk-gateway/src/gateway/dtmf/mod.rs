//! DTMF across the bridge in each leg's own form, as the relay transform
//! on the media toward a leg (one per direction, doing the transcoding
//! too when the call transcodes):
//!
//! - toward an INFO leg, telephone-events from the other leg are detected
//!   (one report per key press, at its end) and not forwarded; the gateway
//!   sends the INFO. Passed-through audio after them is renumbered, so the
//!   leg sees a contiguous sequence, not a loss;
//! - toward an RFC 4733 leg, key presses the gateway queued (from the
//!   other leg's INFO) go out as telephone-events in the leg's audio
//!   stream, paced like a real sender (RFC 4733 section 2.5.1: one
//!   update per packet time, one timestamp, the marker on the first, the
//!   final packet three times): in place of passed-through audio packets,
//!   riding on their arrival, or in place of the audio frames the
//!   transcoder encodes. While no audio arrives (silence suppression, a
//!   muted caller) for 120 ms, they go out paced by the relay worker's
//!   clock instead (the transform's timeout, `now` passed in), one packet
//!   per packet time, their timestamps where the stream's timeline has
//!   got to since its last audio packet. Before any audio has come for
//!   the leg, a key press opens a stream of our own (`own_stream`),
//!   which the audio joins when it comes. Before the leg has a media
//!   address at all, key presses wait for it (`held`, bounded in count
//!   and age);
//! - between two RFC 4733 legs on a transcoded call the transcoder
//!   carries the events over (`tolk-media`'s pipeline): payload type
//!   mapped, timestamps on the stream it emits, durations rescaled when
//!   the clock rates differ (8 kHz PCMU <-> 48 kHz Opus).
//!
//! Passed-through audio is copied once, into the relay's outbox, where its
//! payload type and sequence number are rewritten in place; nothing on the
//! per-packet path allocates.

mod budget;
mod held;
mod own_stream;
mod pacer;
mod queue;
mod renumber;

use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tolk_interwork::{Digit, DtmfEvent};
use tolk_media::clock::TimestampMapper;
use tolk_media::dtmf::{DetectedEvent, EventDetector, EventPacket};
use tolk_media::rtp::{RtpBuilder, RtpHeaderMut, RtpPacket};
use tolk_media::transcode::{AudioPipeline, MAX_CONCEAL_MS};
use tolk_relay::DropReason;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::transform::{
    AudioTranscode, AudioTranscoder, MediaTransform, Outbox, TransformFactory,
};
use tolk_relay::{SessionId, Side};

use budget::ReportBudget;
pub(crate) use held::HeldPresses;
use own_stream::OwnStream;
use pacer::{Pacer, VOLUME};
pub use queue::DtmfQueue;
use renumber::Renumber;

/// The packet time assumed for injected key presses until the audio
/// they replace shows its own (RFC 4733 section 2.5.1.2: the audio's).
const DEFAULT_PACKET_MS: u32 = 20;

/// How long no audio may arrive before injected key presses go out paced
/// by time: past the transcoder's concealment, so that audio returning
/// later starts a new timeline after them.
const QUIET: Duration = Duration::from_millis(MAX_CONCEAL_MS as u64);

/// How often key presses are sent while no audio arrives (and the queue
/// looked at): the packet time.
const IDLE_STEP: Duration = Duration::from_millis(DEFAULT_PACKET_MS as u64);

/// A key press the relay saw in a leg's media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfReport {
    /// The call's relay session.
    pub session: SessionId,
    /// The leg that sent it.
    pub from: Side,
    /// The key and its duration.
    pub event: DtmfEvent,
}

/// Telephone-events arriving on this payload type are reported, not
/// forwarded.
#[derive(Debug, Clone)]
pub struct Detect {
    /// The telephone-event payload type the source leg sends.
    pub payload_type: u8,
    /// Its clock rate (for durations).
    pub clock_rate: u32,
    /// Where reports go.
    pub reports: UnboundedSender<DtmfReport>,
    /// Which call and leg they are from.
    pub session: SessionId,
    /// The source leg.
    pub from: Side,
}

/// Queued key presses are sent on this payload type.
#[derive(Debug, Clone)]
pub struct Inject {
    /// The telephone-event payload type the destination leg receives.
    pub payload_type: u8,
    /// Its clock rate: the destination leg's audio clock (RFC 4733
    /// section 2.1), as events share the audio's timestamps.
    pub clock_rate: u32,
    /// The key presses to send.
    pub queue: DtmfQueue,
}

/// How the audio itself goes toward the leg.
#[derive(Debug, Clone)]
pub enum AudioPath {
    /// Passed through with its payload types rewritten.
    Rewrite(PayloadTypeMap),
    /// Transcoded; telephone-events the recipe names on both sides are
    /// carried across, and injected key presses are sent on its output
    /// telephone-event payload type (which must be [`Inject`]'s).
    Transcode(AudioTranscode),
}

/// The recipe for one direction's DTMF conversion.
#[derive(Debug, Clone)]
pub struct DtmfConversion {
    /// What happens to the audio.
    pub audio: AudioPath,
    /// Telephone-events to turn into reports.
    pub detect: Option<Detect>,
    /// Key presses to turn into telephone-events.
    pub inject: Option<Inject>,
}

impl TransformFactory for DtmfConversion {
    fn build(&self) -> tolk_relay::Result<Box<dyn MediaTransform>> {
        let egress = match &self.audio {
            AudioPath::Rewrite(payload_types) => Egress::Rewrite(Box::new(PassThrough {
                payload_types: payload_types.clone(),
                renumber: Renumber::default(),
                pacer: Pacer::new(
                    self.inject.as_ref().map_or(8000, |i| i.clock_rate),
                    DEFAULT_PACKET_MS,
                ),
                own: None,
            })),
            AudioPath::Transcode(recipe) => Egress::Transcode(Box::new(AudioTranscoder::new(
                AudioPipeline::new(&recipe.registry, recipe.config.clone())?,
                recipe.config.ssrc,
            ))),
        };
        Ok(Box::new(DtmfTransform {
            detect: self.detect.clone(),
            inject: self.inject.clone(),
            detector: EventDetector::new(),
            budget: ReportBudget::default(),
            egress,
            heard_audio: false,
            quiet_since: None,
            last_timeout: None,
            stream: None,
            sending: false,
        }))
    }
}

struct DtmfTransform {
    detect: Option<Detect>,
    inject: Option<Inject>,
    detector: EventDetector,
    /// Bounds the INFOs a peer's events can cause.
    budget: ReportBudget,
    egress: Egress,
    /// Whether any audio arrived.
    heard_audio: bool,
    /// When the last audio packet arrived, or before any, when a stream
    /// of our own opened.
    quiet_since: Option<Instant>,
    /// When the worker last ran the timeout.
    last_timeout: Option<Instant>,
    /// The SSRC and timestamp the leg saw at `quiet_since`.
    stream: Option<(u32, u32)>,
    /// A key press is under way before any audio: timeouts keep coming.
    sending: bool,
}

enum Egress {
    Rewrite(Box<PassThrough>),
    Transcode(Box<AudioTranscoder>),
}

/// Audio passed through, with key presses put in its stream.
struct PassThrough {
    payload_types: PayloadTypeMap,
    /// Sequence numbers closed up over the packets taken out.
    renumber: Renumber,
    pacer: Pacer,
    /// The stream opened for key presses before any audio, which the
    /// audio joins.
    own: Option<OwnStream>,
}

impl MediaTransform for DtmfTransform {
    fn process(
        &mut self,
        now: Instant,
        rtp: &RtpPacket<'_>,
        out: &mut Outbox,
    ) -> Result<(), DropReason> {
        if let Some(detect) = &self.detect
            && rtp.payload_type() == detect.payload_type
        {
            if self
                .detector
                .handle_packet(rtp.timestamp(), rtp.payload())
                .is_ok()
            {
                while let Some(event) = self.detector.poll_event() {
                    report(detect, event, &mut self.budget);
                }
            }
            if let Egress::Rewrite(passing) = &mut self.egress {
                passing.renumber.take(rtp.ssrc(), rtp.sequence_number());
            }
            return Ok(());
        }
        // Where our own stream's timeline has got to, for audio joining it.
        let timeline_now = self.timeline_at(now);
        let silent = self
            .quiet_since
            .map(|since| now.saturating_duration_since(since));
        self.heard_audio = true;
        self.quiet_since = Some(now);
        self.stream = Some((rtp.ssrc(), rtp.timestamp()));
        if let Some(detect) = &self.detect {
            // The audio is back well past an event that never ended.
            let after = detect.clock_rate / 5;
            self.detector.audio_at(rtp.timestamp(), after);
            while let Some(event) = self.detector.poll_event() {
                report(detect, event, &mut self.budget);
            }
        }
        match &mut self.egress {
            Egress::Transcode(transcoder) => {
                let pipeline = transcoder.pipeline_mut();
                // One press at a time leaves the bounded queue.
                if !pipeline.events_waiting()
                    && let Some(press) = self.inject.as_ref().and_then(|i| i.queue.pop())
                {
                    pipeline.insert_event(press.digit.event_code(), millis(press), VOLUME);
                }
                if let Some(silent) = silent {
                    pipeline.silence_lasted(silent);
                }
                transcoder.process(now, rtp, out)
            }
            Egress::Rewrite(passing) => {
                let PassThrough {
                    payload_types,
                    renumber,
                    pacer,
                    own,
                } = &mut **passing;
                let (ssrc, timestamp) = match own {
                    Some(own) => (
                        own.ssrc(),
                        own.timestamp(
                            rtp.ssrc(),
                            rtp.timestamp(),
                            timeline_now.unwrap_or(rtp.timestamp()),
                        ),
                    ),
                    None => (rtp.ssrc(), rtp.timestamp()),
                };
                self.stream = Some((ssrc, timestamp));
                let sequence = renumber
                    .pass(rtp.ssrc(), rtp.sequence_number())
                    .ok_or(DropReason::LateBeforeInserted)?;
                if let Some(inject) = &self.inject {
                    if !pacer.is_playing()
                        && let Some(press) = inject.queue.pop()
                    {
                        pacer.play(press.digit.event_code(), ticks(press, inject.clock_rate));
                    }
                    if let Some(event) = pacer.next(ssrc, timestamp) {
                        return out.push_with(|slot| {
                            write_event(slot, inject.payload_type, sequence, ssrc, event)
                        });
                    }
                }
                let bytes = rtp.as_bytes();
                let payload_type = payload_types.map(rtp.payload_type());
                out.push_with(|slot| {
                    let slot = slot.get_mut(..bytes.len()).ok_or(DropReason::Oversized)?;
                    slot.copy_from_slice(bytes);
                    let mut header = RtpHeaderMut::new(slot).map_err(|_| DropReason::Malformed)?;
                    header.set_payload_type(payload_type);
                    header.set_sequence_number(sequence);
                    header.set_ssrc(ssrc);
                    header.set_timestamp(timestamp);
                    Ok(bytes.len())
                })
            }
        }
    }

    /// While audio arrives, [`QUIET`] after the last packet; then every
    /// [`IDLE_STEP`], to send key presses through the silence. Before any
    /// audio, when a key press is queued, then every [`IDLE_STEP`] while
    /// it is sent. Never for a direction that injects nothing.
    fn poll_timeout(&self) -> Option<Instant> {
        let inject = self.inject.as_ref()?;
        let due = if self.heard_audio {
            self.quiet_since? + QUIET
        } else if self.sending {
            self.last_timeout? + IDLE_STEP
        } else {
            inject.queue.waiting_since()?
        };
        Some(self.last_timeout.map_or(due, |at| due.max(at + IDLE_STEP)))
    }

    fn handle_timeout(&mut self, now: Instant, out: &mut Outbox) -> Result<(), DropReason> {
        self.last_timeout = Some(now);
        let Some(inject) = &self.inject else {
            return Ok(());
        };
        if self.heard_audio
            && self
                .quiet_since
                .is_some_and(|since| now.saturating_duration_since(since) < QUIET)
        {
            return Ok(());
        }
        let before = out.len();
        let timeline_now = self.timeline_at(now);
        match &mut self.egress {
            Egress::Transcode(transcoder) => {
                let pipeline = transcoder.pipeline_mut();
                if !pipeline.events_waiting()
                    && let Some(press) = inject.queue.pop()
                {
                    pipeline.insert_event(press.digit.event_code(), millis(press), VOLUME);
                }
                // Before any audio, the transcoder's output stream is ours
                // already: the silence counts from the first press.
                let since = *self.quiet_since.get_or_insert(now);
                transcoder.idle_frame(now.saturating_duration_since(since), out)?;
            }
            Egress::Rewrite(passing) => {
                let PassThrough {
                    renumber,
                    pacer,
                    own,
                    ..
                } = &mut **passing;
                if !pacer.is_playing()
                    && let Some(press) = inject.queue.pop()
                {
                    pacer.play(press.digit.event_code(), ticks(press, inject.clock_rate));
                }
                if !pacer.is_playing() {
                    self.sending = false;
                    return Ok(());
                }
                let (ssrc, now_on_stream) = match (self.stream, timeline_now) {
                    (Some((ssrc, _)), Some(timestamp)) => (ssrc, timestamp),
                    _ => {
                        // No stream toward the leg to ride on: open ours.
                        let opened = OwnStream::new(rand::random());
                        let timestamp = rand::random();
                        *renumber = Renumber::owned(rand::random());
                        *own = Some(opened);
                        self.stream = Some((opened.ssrc(), timestamp));
                        self.quiet_since = Some(now);
                        (opened.ssrc(), timestamp)
                    }
                };
                if let Some(event) = pacer.next(ssrc, now_on_stream)
                    && let Some(sequence) = renumber.insert()
                {
                    out.push_with(|slot| {
                        write_event(slot, inject.payload_type, sequence, ssrc, event)
                    })?;
                }
            }
        }
        self.sending = !self.heard_audio && out.len() > before;
        Ok(())
    }

    fn output_ssrc(&self) -> Option<u32> {
        match &self.egress {
            Egress::Transcode(transcoder) => transcoder.output_ssrc(),
            Egress::Rewrite(passing) => passing.own.map(|own| own.ssrc()),
        }
    }

    /// On a stream of our own, the joined source's timestamps moved as
    /// its audio's are; otherwise the audio's own (the SR counts still
    /// move by the key presses put in and the events taken out).
    fn source_timestamps(&self) -> Option<(u32, TimestampMapper)> {
        match &self.egress {
            Egress::Transcode(transcoder) => transcoder.source_timestamps(),
            Egress::Rewrite(passing) => match passing.own {
                Some(own) => own
                    .joined()
                    .map(|(source, offset)| (source, TimestampMapper::shift(offset))),
                None => self
                    .stream
                    .map(|(ssrc, _)| (ssrc, TimestampMapper::shift(0))),
            },
        }
    }
}

impl DtmfTransform {
    /// The timestamp the stream toward the leg has reached at `now` by the
    /// clock, from where it was last known; none before any stream.
    fn timeline_at(&self, now: Instant) -> Option<u32> {
        let (Some((_, timestamp)), Some(since), Some(inject)) =
            (self.stream, self.quiet_since, &self.inject)
        else {
            return None;
        };
        let elapsed = now.saturating_duration_since(since).as_millis() as u64;
        let ticks = u64::from(inject.clock_rate) * elapsed / 1000;
        Some(timestamp.wrapping_add(ticks as u32))
    }
}

/// A key press's duration in milliseconds, at most `u32::MAX`.
fn millis(press: DtmfEvent) -> u32 {
    u32::try_from(press.duration.as_millis()).unwrap_or(u32::MAX)
}

/// A key press's duration in `clock_rate` timestamp units.
fn ticks(press: DtmfEvent, clock_rate: u32) -> u64 {
    u64::from(clock_rate) * u64::from(millis(press)) / 1000
}

/// Writes one telephone-event packet of the audio stream `ssrc` into `slot`.
fn write_event(
    slot: &mut [u8],
    payload_type: u8,
    sequence: u16,
    ssrc: u32,
    event: EventPacket,
) -> Result<usize, DropReason> {
    RtpBuilder {
        marker: event.marker,
        payload_type,
        sequence_number: sequence,
        timestamp: event.timestamp,
        ssrc,
        payload: &event.event.to_bytes(),
        ..RtpBuilder::default()
    }
    .write_to(slot)
    .map_err(|_| DropReason::Malformed)
}

fn report(detect: &Detect, event: DetectedEvent, budget: &mut ReportBudget) {
    let DetectedEvent::Ended { code, duration, .. } = event else {
        return;
    };
    let Some(digit) = Digit::from_event_code(code) else {
        return;
    };
    if !budget.take(Instant::now()) {
        return;
    }
    let millis = u64::from(duration) * 1000 / u64::from(detect.clock_rate.max(1));
    let _ = detect.reports.send(DtmfReport {
        session: detect.session,
        from: detect.from,
        event: DtmfEvent {
            digit,
            duration: Duration::from_millis(millis),
        },
    });
}

#[cfg(test)]
mod tests;
