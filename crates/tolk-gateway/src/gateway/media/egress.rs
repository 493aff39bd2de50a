//! The transform on the audio toward a leg: the transcoding recipe and
//! DTMF conversion (telephone-events detected for an INFO leg, key
//! presses injected for an RFC 4733 leg).

use std::time::Instant;

use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::transcode::{LegFormat, PipelineConfig};
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::transform::{AudioTranscode, Transcode};
use tolk_relay::{Relay, Side};
use tolk_sdp::model::RtpMap;
use tolk_sdp::plan::LegCodec;

use super::super::dtmf::{AudioPath, Detect, DtmfConversion, Inject};
use crate::config::DtmfMode;

use super::CallMedia;

impl CallMedia {
    /// Queues a key press for leg `to` as telephone-events, and has the
    /// relay look at it (no audio may come to carry it); false when that
    /// leg has no telephone-event stream to carry it or too many presses
    /// wait for it already. An RFC 4733 leg with no media address yet
    /// holds it until the relay is given one (bounded in count and age).
    pub fn queue_dtmf(
        &mut self,
        relay: &Relay,
        to: Side,
        event: tolk_interwork::DtmfEvent,
    ) -> bool {
        let session = self.session();
        let leg = self.leg_mut(to);
        if leg.dtmf == DtmfMode::Rfc4733 && !leg.has_media_address() {
            let held = leg.held_dtmf.hold(event, Instant::now());
            if !held {
                let dropped = leg.held_dtmf.dropped();
                tracing::info!(
                    ?session,
                    ?to,
                    dropped,
                    "key press dropped: too many wait for the leg's media address"
                );
            }
            return held;
        }
        if !leg.injects || !leg.dtmf_queue.push(event, Instant::now()) {
            return false;
        }
        poll_transforms(relay, session);
        true
    }

    /// The key presses held for leg `to` go to the relay once it has a
    /// media address: those still young enough, while the leg takes
    /// telephone-events and the relay's queue has room; the others are
    /// dropped, counted and logged.
    pub(super) fn release_held_dtmf(&mut self, relay: &Relay, to: Side) {
        let session = self.session();
        let leg = self.leg_mut(to);
        if leg.held_dtmf.is_empty() || !leg.has_media_address() {
            return;
        }
        let before = leg.held_dtmf.dropped();
        let (injects, queue) = (leg.injects, &leg.dtmf_queue);
        let sent = leg
            .held_dtmf
            .release(Instant::now(), |press, at| injects && queue.push(press, at));
        let dropped = leg.held_dtmf.dropped() - before;
        if dropped > 0 {
            let total = leg.held_dtmf.dropped();
            tracing::info!(
                ?session,
                ?to,
                dropped,
                total,
                "held key presses dropped: too old, or the leg takes no telephone-events"
            );
        }
        if sent > 0 {
            tracing::debug!(?session, ?to, sent, "held key presses sent");
            poll_transforms(relay, session);
        }
    }

    /// The transform on the media toward `to`, with what it does (None:
    /// the relay only rewrites payload types): transcoding from the
    /// codec pair `transcode` (the other leg's, this leg's) and DTMF
    /// conversion when the two legs' DTMF forms differ, in one pass.
    pub(super) fn egress(
        &self,
        to: Side,
        payload_types: &PayloadTypeMap,
        transcode: Option<(&LegCodec, &LegCodec)>,
        inject: Option<Inject>,
        registry: &CodecRegistry,
    ) -> Option<(String, Transcode)> {
        let detect = self.dtmf_detect(to);
        let (audio, what) = match transcode {
            Some((from, into)) => {
                let recipe = self.transcode_to(registry, to, from, into);
                // Events carried across are part of what a re-offer may change.
                let events = (
                    recipe.config.input.telephone_event,
                    recipe.config.output.telephone_event,
                );
                let what = format!("audio {from:?} to {into:?}, events {events:?}");
                (AudioPath::Transcode(recipe), what)
            }
            None if detect.is_none() && inject.is_none() => return None,
            None => (
                AudioPath::Rewrite(payload_types.clone()),
                "audio passed".to_owned(),
            ),
        };
        let what = format!(
            "{what}, dtmf detect {:?} inject {:?}",
            detect.as_ref().map(|d| (d.payload_type, d.clock_rate)),
            inject.as_ref().map(|i| (i.payload_type, i.clock_rate))
        );
        Some((
            what,
            Transcode::new(DtmfConversion {
                audio,
                detect,
                inject,
            }),
        ))
    }

    /// The relay's recipe for audio toward `to`, from codec `from` (what
    /// we receive on the other leg) to `into` (what we send on this one),
    /// as a fresh RTP stream (RFC 3550: random SSRC, sequence and
    /// timestamp). Telephone-events at each codec's clock rate are carried
    /// across when both legs have them.
    pub(super) fn transcode_to(
        &self,
        registry: &CodecRegistry,
        to: Side,
        from: &LegCodec,
        into: &LegCodec,
    ) -> AudioTranscode {
        let events = |side: Side, codec: &LegCodec| {
            self.leg(side).telephone_event(codec.encoding.clock_rate)
        };
        let config = PipelineConfig {
            ssrc: rand::random(),
            first_sequence: rand::random(),
            first_timestamp: rand::random(),
            ..PipelineConfig::new(
                LegFormat {
                    telephone_event: events(to.other(), from).map(|te| te.recv_pt.0),
                    ..LegFormat::new(codec_format(&from.encoding), from.recv_pt.0)
                },
                LegFormat {
                    telephone_event: events(to, into).map(|te| te.send_pt.0),
                    ..LegFormat::new(codec_format(&into.encoding), into.send_pt.0)
                },
            )
        };
        AudioTranscode {
            registry: registry.clone(),
            config,
        }
    }

    /// Telephone-events from the other leg become INFO toward `to`.
    pub(super) fn dtmf_detect(&self, to: Side) -> Option<Detect> {
        let (this, other) = (self.leg(to), self.leg(to.other()));
        if (this.dtmf, other.dtmf) != (DtmfMode::Info, DtmfMode::Rfc4733) {
            return None;
        }
        self.detect_from_other(to)
    }

    /// Reports of the telephone-events the other leg sends, on their way
    /// toward `to`.
    pub(super) fn detect_from_other(&self, to: Side) -> Option<Detect> {
        let other = self.leg(to.other());
        let reports = self.dtmf_reports.as_ref()?;
        let audio = other.audio()?;
        let rate = audio.codecs.first().map(|c| c.encoding.clock_rate);
        // Whatever rate the sender uses, every one it may send is caught.
        let te = rate
            .and_then(|rate| other.telephone_event(rate))
            .or_else(|| audio.telephone_events.first())?;
        Some(Detect {
            payload_type: te.recv_pt.0,
            clock_rate: te.encoding.clock_rate,
            reports: reports.clone(),
            session: self.session.id,
            from: to.other(),
        })
    }

    /// INFO key presses from the other leg go to `to` as telephone-events,
    /// at the clock rate of the audio they ride in: `transcoded_into`'s
    /// when the call transcodes, else the leg's own codec's. So do key
    /// presses held for `to` while it had no media address (whatever the
    /// other leg's form), until they are sent and the call is
    /// renegotiated.
    pub(super) fn dtmf_inject(
        &self,
        to: Side,
        transcoded_into: Option<&LegCodec>,
    ) -> Option<Inject> {
        let (this, other) = (self.leg(to), self.leg(to.other()));
        let held = this.dtmf == DtmfMode::Rfc4733 && !this.held_dtmf.is_empty();
        if (this.dtmf, other.dtmf) != (DtmfMode::Rfc4733, DtmfMode::Info) && !held {
            return None;
        }
        let rate = match transcoded_into {
            Some(codec) => codec.encoding.clock_rate,
            None => this.audio()?.codecs.first()?.encoding.clock_rate,
        };
        this.telephone_event(rate).map(|te| Inject {
            payload_type: te.send_pt.0,
            clock_rate: te.encoding.clock_rate,
            queue: this.dtmf_queue.clone(),
        })
    }
}

/// Has the relay ask session `session`'s transforms for their timeouts
/// again: key presses were queued while no media may flow to carry them.
fn poll_transforms(relay: &Relay, session: tolk_relay::SessionId) {
    if let Err(error) = relay.poll_transforms(session) {
        tracing::warn!(%error, "the relay was not told of a queued key press");
    }
}

/// `tolk-media`'s name for an SDP rtpmap.
pub(super) fn codec_format(encoding: &RtpMap) -> CodecFormat {
    let channels = encoding.channels.unwrap_or(1).min(u16::from(u8::MAX)) as u8;
    CodecFormat::new(&encoding.encoding, encoding.clock_rate, channels)
}
