//! One direction of a transcoded call leg: RTP in one format, RTP out in
//! another, re-framed to the output packet time, resampled, with its own
//! sequence numbers and timestamps, and telephone-events carried across or
//! inserted.

use std::collections::VecDeque;
use std::time::Duration;

use crate::Error;
use crate::clock::{TimestampMapper, rescale};
use crate::codec::{AudioDecoder, AudioEncoder, CodecFormat, CodecRegistry};
use crate::dtmf::{EventGenerator, EventPacket, EventRateConverter};
use crate::rtp::{RtpBuilder, RtpPacket};

use super::resample::Resampler;

/// Longest gap (lost packets or silence suppression) filled by the
/// decoder's concealment; a longer one restarts the stream.
pub const MAX_CONCEAL_MS: u32 = 120;

/// The static comfort-noise payload type (RFC 3389, RFC 3551): silence
/// descriptors are not audio to transcode, so they are skipped.
const COMFORT_NOISE: u8 = 13;

/// Output buffers kept for reuse (see [`AudioPipeline::recycle`]).
const SPARE_BUFFERS: usize = 8;

/// One side of the pipeline as negotiated in SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegFormat {
    /// The audio codec.
    pub codec: CodecFormat,
    /// Its payload type.
    pub payload_type: u8,
    /// The telephone-event payload type, when negotiated; its clock rate
    /// must be the audio codec's clock rate.
    pub telephone_event: Option<u8>,
}

/// How to build a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineConfig {
    /// What arrives.
    pub input: LegFormat,
    /// What leaves.
    pub output: LegFormat,
    /// Output packet time in ms (10, 20, 30 or 40; the codec must accept it).
    pub packet_ms: u32,
    /// SSRC of the output stream.
    pub ssrc: u32,
    /// First output sequence number (random per RFC 3550).
    pub first_sequence: u16,
    /// First output timestamp (random per RFC 3550).
    pub first_timestamp: u32,
}

impl LegFormat {
    /// `codec` at `payload_type`, without telephone-events.
    pub fn new(codec: CodecFormat, payload_type: u8) -> Self {
        Self {
            codec,
            payload_type,
            telephone_event: None,
        }
    }
}

impl PipelineConfig {
    /// From `input` to `output` in 20 ms packets, the output stream
    /// starting at SSRC 1, sequence 0 and timestamp 0; set the fields for
    /// a real call (RFC 3550 wants them random).
    pub fn new(input: LegFormat, output: LegFormat) -> Self {
        Self {
            input,
            output,
            packet_ms: 20,
            ssrc: 1,
            first_sequence: 0,
            first_timestamp: 0,
        }
    }
}

/// Decode, resample, re-frame, encode; see the module docs.
pub struct AudioPipeline {
    config: PipelineConfig,
    decoder: Box<dyn AudioDecoder>,
    encoder: Box<dyn AudioEncoder>,
    resampler: Resampler,
    /// Encoder-rate samples per output frame.
    frame_samples: usize,
    /// Output RTP ticks per output frame.
    frame_ticks: u32,
    decoded: Vec<i16>,
    pending: Vec<i16>,
    /// The SSRC of the input stream, once started.
    input_ssrc: Option<u32>,
    /// Input timestamp expected next, once started.
    expected: Option<u32>,
    /// Input-to-output timestamp mapping, anchored by the first packet and
    /// again at every restart.
    mapper: Option<TimestampMapper>,
    events_in: Option<EventRateConverter>,
    /// Output timestamp of `pending[0]`.
    next_timestamp: u32,
    next_sequence: u16,
    mark_next: bool,
    /// Events from signalling not yet started: (code, ticks, volume).
    events_queued: VecDeque<(u8, u32, u8)>,
    /// Packets of the event being sent.
    events_out: VecDeque<EventPacket>,
    /// While no audio arrives: the output timestamp the silence began at
    /// (see [`AudioPipeline::idle_frame`]).
    idle_from: Option<u32>,
    /// While idle: the output timestamp the timeline has reached by the
    /// clock when audio comes back (see [`AudioPipeline::silence_lasted`]).
    idle_reached: Option<u32>,
    packets: VecDeque<Vec<u8>>,
    spare: Vec<Vec<u8>>,
    payload: Vec<u8>,
}

impl std::fmt::Debug for AudioPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioPipeline")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AudioPipeline {
    /// Builds the pipeline with codecs from `registry`.
    pub fn new(registry: &CodecRegistry, config: PipelineConfig) -> Result<Self, Error> {
        let mut decoder = registry.audio_decoder(&config.input.codec)?;
        let mut encoder = registry.audio_encoder(&config.output.codec)?;
        // Let a codec that can work at the other side's rate do so (Opus
        // at 8 kHz facing G.711): no resampling, less work for the codec.
        if !decoder.prefer_sample_rate(encoder.sample_rate()) {
            encoder.prefer_sample_rate(decoder.sample_rate());
        }
        let resampler = Resampler::new(decoder.sample_rate(), encoder.sample_rate())?;
        let frame_samples = (encoder.sample_rate() * config.packet_ms / 1000) as usize;
        if !matches!(config.packet_ms, 10 | 20 | 30 | 40) || !encoder.supports_frame(frame_samples)
        {
            return Err(Error::Codec {
                codec: config.output.codec.to_string(),
                reason: format!("{} ms packets are not supported", config.packet_ms),
            });
        }
        let frame_ticks = config.output.codec.clock_rate * config.packet_ms / 1000;
        Ok(AudioPipeline {
            next_timestamp: config.first_timestamp,
            next_sequence: config.first_sequence,
            config,
            decoder,
            encoder,
            resampler,
            frame_samples,
            frame_ticks,
            decoded: Vec::new(),
            pending: Vec::new(),
            input_ssrc: None,
            expected: None,
            mapper: None,
            events_in: None,
            mark_next: true,
            events_queued: VecDeque::new(),
            events_out: VecDeque::new(),
            idle_from: None,
            idle_reached: None,
            packets: VecDeque::new(),
            spare: Vec::new(),
            payload: Vec::new(),
        })
    }

    /// Feeds one received RTP packet. Late or duplicate packets are
    /// dropped; an undecodable payload is concealed and reported. A new
    /// SSRC or a timestamp jump beyond [`MAX_CONCEAL_MS`] either way
    /// restarts the stream (a new source: early media then the answer, a
    /// transfer), continuing the output's own timeline.
    pub fn push_rtp(&mut self, packet: &RtpPacket<'_>) -> Result<(), Error> {
        let ts = packet.timestamp();
        let was_idle = self.idle_from.take().is_some();
        let reached = self.idle_reached.take();
        if self.input_ssrc != Some(packet.ssrc()) {
            self.input_ssrc = Some(packet.ssrc());
            // After events sent through the silence: where the clock has
            // got to, never back over them.
            let at = reached
                .filter(|&r| (r.wrapping_sub(self.next_timestamp) as i32) > 0)
                .unwrap_or(self.next_timestamp);
            self.resync(ts, at);
        }
        let Some(mapper) = self.mapper else {
            return Ok(()); // resync always anchors the mapper
        };
        if Some(packet.payload_type()) == self.config.input.telephone_event {
            return self.forward_event(mapper, packet);
        }
        if packet.payload_type() == COMFORT_NOISE {
            return Ok(());
        }
        if packet.payload_type() != self.config.input.payload_type {
            return Err(Error::malformed(
                "RTP payload type",
                "one of the pipeline's input payload types",
            ));
        }
        let in_rate = self.config.input.codec.clock_rate;
        let dec_rate = self.decoder.sample_rate();
        self.decoded.clear();
        let window = in_rate * MAX_CONCEAL_MS / 1000;
        if let Some(expected) = self.expected {
            let gap = ts.wrapping_sub(expected) as i32;
            if gap < 0 && gap.unsigned_abs() <= window {
                return Ok(()); // Late or duplicate: no jitter buffer here.
            }
            if gap < 0 {
                // The source's clock jumped back: a new timeline.
                self.resync(ts, self.next_timestamp);
            } else if gap as u32 > window {
                // After events sent through the silence, never back over them.
                let mapped = mapper.map(ts);
                let behind = (mapped.wrapping_sub(self.next_timestamp) as i32) < 0;
                let at = if was_idle && behind {
                    self.next_timestamp
                } else {
                    mapped
                };
                self.resync(ts, at);
            } else if gap > 0 {
                let gap = gap as u32;
                let samples = rescale(u64::from(gap), in_rate, dec_rate) as usize;
                self.decoder.conceal(samples, &mut self.decoded);
            }
        }
        if packet.marker() {
            self.mark_next = true;
        }
        let before = self.decoded.len();
        let result = self.decoder.decode(packet.payload(), &mut self.decoded);
        if result.is_err() {
            // Stand in for the packet with what it most likely held.
            self.decoded.truncate(before);
            let samples =
                self.frame_samples * dec_rate as usize / self.encoder.sample_rate() as usize;
            self.decoder.conceal(samples, &mut self.decoded);
        }
        let produced = (self.decoded.len() - before) as u64;
        self.expected = Some(ts.wrapping_add(rescale(produced, dec_rate, in_rate) as u32));
        self.resampler.process(&self.decoded, &mut self.pending);
        self.emit_frames()?;
        result
    }

    /// Queues a telephone-event generated here (DTMF from signalling),
    /// sent in place of audio once the events queued before it are sent;
    /// each starts (and is stamped) at the frame where it begins, so that
    /// two digits never share an RTP timestamp (RFC 4733 2.5.1.2).
    pub fn insert_event(&mut self, code: u8, duration_ms: u32, volume: u8) {
        let rate = u64::from(self.config.output.codec.clock_rate);
        let ticks = (rate * u64::from(duration_ms) / 1000).min(u64::from(u32::MAX)) as u32;
        self.events_queued.push_back((code, ticks, volume));
    }

    /// Whether an event from [`insert_event`](Self::insert_event) waits
    /// for the one being sent to finish.
    pub fn events_waiting(&self) -> bool {
        !self.events_queued.is_empty()
    }

    /// While no audio arrives (silence suppression, a muted caller): sends
    /// the next packet of an event from [`insert_event`](Self::insert_event)
    /// on the output frame the stream's timeline has reached `silent` after
    /// the audio stopped, one frame a call, so that key presses go out
    /// paced by the caller's clock rather than waiting for audio. Before
    /// any audio, `silent` is the time since the first call, and the
    /// events open the output stream on its own first timestamp (the
    /// output's identity is ours, not the input's). False when there is
    /// no event to send or that frame is out already. When audio returns
    /// after more than [`MAX_CONCEAL_MS`], or arrives for the first time
    /// (told how long the silence lasted, [`silence_lasted`](Self::silence_lasted)),
    /// its timeline resumes where the clock has got to, never back over
    /// these frames.
    pub fn idle_frame(&mut self, silent: Duration) -> bool {
        if self.events_out.is_empty() && self.events_queued.is_empty() {
            return false;
        }
        let from = match self.idle_from {
            Some(from) => from,
            None => {
                // Less than a frame of the last audio: not sent.
                self.pending.clear();
                *self.idle_from.insert(self.next_timestamp)
            }
        };
        let ticks = self.output_ticks(silent);
        let due = from.wrapping_add(ticks / self.frame_ticks * self.frame_ticks);
        if (due.wrapping_sub(self.next_timestamp) as i32) < 0 {
            return false;
        }
        self.next_timestamp = due;
        let Some(event) = self.next_event() else {
            return false;
        };
        if self.send_event(event).is_err() {
            return false;
        }
        self.next_timestamp = self.next_timestamp.wrapping_add(self.frame_ticks);
        true
    }

    /// Audio is arriving `silent` after the silence began (measured like
    /// [`idle_frame`](Self::idle_frame)'s): call before
    /// [`push_rtp`](Self::push_rtp). When events went out through the
    /// silence, audio from a new source (the first one too) then starts
    /// where the output timeline has got to by the clock, as audio from
    /// the same source does by its own timestamps, rather than right after
    /// the last event frame, which would leave the stream behind real time
    /// by the whole silence.
    pub fn silence_lasted(&mut self, silent: Duration) {
        if let Some(from) = self.idle_from {
            self.idle_reached = Some(from.wrapping_add(self.output_ticks(silent)));
        }
    }

    /// `time` in output clock ticks, at most `u32::MAX`.
    fn output_ticks(&self, time: Duration) -> u32 {
        let rate = u128::from(self.config.output.codec.clock_rate);
        (time.as_millis() * rate / 1000).min(u128::from(u32::MAX)) as u32
    }

    /// The input stream's SSRC and how its timestamps map onto the
    /// output's, once it started (for its sender reports).
    pub fn input_timestamps(&self) -> Option<(u32, TimestampMapper)> {
        Some((self.input_ssrc?, self.mapper?))
    }

    /// The next output packet, if one is ready.
    pub fn poll_packet(&mut self) -> Option<Vec<u8>> {
        self.packets.pop_front()
    }

    /// Hands a buffer from [`poll_packet`](Self::poll_packet) back for
    /// reuse, so that a steady stream allocates nothing per packet.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        if self.spare.len() < SPARE_BUFFERS {
            self.spare.push(buffer);
        }
    }

    /// Starts a new input timeline: `input_timestamp` maps to
    /// `output_timestamp` from now on.
    fn resync(&mut self, input_timestamp: u32, output_timestamp: u32) {
        if self.mapper.is_some() {
            self.restart(output_timestamp);
        } else {
            self.next_timestamp = output_timestamp;
        }
        self.mapper = Some(TimestampMapper::new(
            self.config.input.codec.clock_rate,
            input_timestamp,
            self.config.output.codec.clock_rate,
            output_timestamp,
        ));
        self.expected = None;
        self.events_in = None;
    }

    fn restart(&mut self, output_timestamp: u32) {
        // Send what is buffered, padded with silence, then jump.
        if !self.pending.is_empty() {
            self.pending.resize(self.frame_samples, 0);
            let _ = self.emit_frames();
        }
        self.pending.clear();
        self.next_timestamp = output_timestamp;
        self.mark_next = true;
    }

    fn emit_frames(&mut self) -> Result<(), Error> {
        let pending = std::mem::take(&mut self.pending);
        let mut chunks = pending.chunks_exact(self.frame_samples);
        let result = chunks.try_for_each(|frame| self.emit_frame(frame));
        let consumed = pending.len() - chunks.remainder().len();
        self.pending = pending;
        self.pending.drain(..consumed);
        result
    }

    /// The packet of an inserted event for the frame at `next_timestamp`,
    /// starting the next queued event there when none is being sent.
    fn next_event(&mut self) -> Option<EventPacket> {
        if self.events_out.is_empty()
            && let Some((code, ticks, volume)) = self.events_queued.pop_front()
        {
            let rate = self.config.output.codec.clock_rate;
            let generator = EventGenerator::new(rate, self.config.packet_ms);
            let start = self.next_timestamp;
            self.events_out
                .extend(generator.packets(code, volume, start, ticks));
        }
        self.events_out.pop_front()
    }

    fn emit_frame(&mut self, frame: &[i16]) -> Result<(), Error> {
        if let Some(event) = self.next_event() {
            // RFC 4733: the event replaces the audio it overlaps, one
            // packet per frame; the end repeats too, one packet time
            // apart (section 2.5.1.4), so that a burst of loss cannot take
            // all three.
            self.send_event(event)?;
        } else {
            let mut payload = std::mem::take(&mut self.payload);
            payload.clear();
            let encoded = self.encoder.encode(frame, &mut payload);
            let sent = encoded.and_then(|()| {
                let marker = std::mem::take(&mut self.mark_next);
                self.send(
                    marker,
                    self.config.output.payload_type,
                    self.next_timestamp,
                    &payload,
                )
            });
            self.payload = payload;
            sent?;
        }
        self.next_timestamp = self.next_timestamp.wrapping_add(self.frame_ticks);
        Ok(())
    }

    fn forward_event(
        &mut self,
        mapper: TimestampMapper,
        packet: &RtpPacket<'_>,
    ) -> Result<(), Error> {
        let Some(out_pt) = self.config.output.telephone_event else {
            return Ok(()); // The other leg cannot take events: drop them.
        };
        let (from, to) = (
            self.config.input.codec.clock_rate,
            self.config.output.codec.clock_rate,
        );
        let converter = self
            .events_in
            .get_or_insert_with(|| EventRateConverter::new(from, to, mapper));
        let mut payload = [0u8; 4];
        // Packed events are rare; the first block carries the event in progress.
        let block = crate::dtmf::event_blocks(packet.payload())?
            .next()
            .ok_or(Error::malformed(
                "telephone-event payload",
                "one event block",
            ))?;
        let converted = converter.convert(&EventPacket {
            marker: packet.marker(),
            timestamp: packet.timestamp(),
            event: block,
        });
        for out in converted {
            payload.copy_from_slice(&out.event.to_bytes());
            self.send(out.marker, out_pt, out.timestamp, &payload)?;
        }
        Ok(())
    }

    fn send_event(&mut self, event: EventPacket) -> Result<(), Error> {
        let Some(pt) = self.config.output.telephone_event else {
            return Ok(());
        };
        self.send(event.marker, pt, event.timestamp, &event.event.to_bytes())
    }

    fn send(
        &mut self,
        marker: bool,
        payload_type: u8,
        timestamp: u32,
        payload: &[u8],
    ) -> Result<(), Error> {
        let builder = RtpBuilder {
            marker,
            payload_type,
            sequence_number: self.next_sequence,
            timestamp,
            ssrc: self.config.ssrc,
            payload,
            ..Default::default()
        };
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.resize(builder.encoded_len()?, 0);
        builder.write_to(&mut buf)?;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.packets.push_back(buf);
        Ok(())
    }
}
