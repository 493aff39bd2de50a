//! Both legs' negotiations planned into the relay's settings: remotes,
//! SRTP keys, payload-type rewrites and the audio transform.

use tolk_interwork::MediaWarning;
use tolk_media::codec::CodecRegistry;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::{LegUpdate, Relay, Side};
use tolk_sdp::model::MediaKind;
use tolk_sdp::negotiate::Negotiation;
use tolk_sdp::plan::{CodecPlan, EventPlan};

use super::super::relay_watch::Verdicts;
use super::super::rtcp_mux;

use super::egress::codec_format;
use super::lines::{first_of, leg_remote_and_keys};
use super::{AppliedLeg, CallMedia, MediaError};

impl CallMedia {
    /// Plans the bridge and hands both legs' remotes, keys and payload
    /// types to the relay; the relay's verdicts are for the caller to
    /// await or watch.
    pub(super) fn apply(&mut self, relay: &Relay) -> Result<Verdicts, MediaError> {
        let mut verdicts = Verdicts::default();
        let (Some(a), Some(b)) = (&self.a.negotiation, &self.b.negotiation) else {
            return Ok(verdicts);
        };
        let registry = CodecRegistry::with_builtins();
        let plan = tolk_sdp::plan::plan(a, b, |a, b| {
            self.may_transcode
                && registry.supports_audio(&codec_format(a))
                && registry.supports_audio(&codec_format(b))
        });
        let audio = plan.lines.iter().find(|l| l.kind == MediaKind::Audio);
        let passes = audio.is_some_and(|line| {
            line.codecs
                .iter()
                .any(|c| matches!(c, CodecPlan::Passthrough { .. }))
        });
        let transcode = audio.and_then(|line| {
            line.codecs.iter().find_map(|c| match c {
                CodecPlan::Transcode { a, b } => Some((a.clone(), b.clone())),
                _ => None,
            })
        });
        let transcodes = match (passes, transcode) {
            (true, _) => None,
            (false, Some(pair)) => Some(pair),
            (false, None) => {
                return Err(MediaError::NotAcceptable(MediaWarning {
                    code: 305,
                    text: "the two legs share no audio codec".into(),
                }));
            }
        };
        let (mut to_a, mut to_b) = (PayloadTypeMap::identity(), PayloadTypeMap::identity());
        if let Some(line) = audio {
            for codec in &line.codecs {
                if let CodecPlan::Passthrough { a_to_b, b_to_a, .. } = codec {
                    to_b.set(a_to_b.from.0, a_to_b.to.0);
                    to_a.set(b_to_a.from.0, b_to_a.to.0);
                }
            }
            if let EventPlan::Passthrough { a_to_b, b_to_a, .. } = &line.telephone_event {
                to_b.set(a_to_b.from.0, a_to_b.to.0);
                to_a.set(b_to_a.from.0, b_to_a.to.0);
            }
        }
        self.transcoding = transcodes.is_some();
        // The media toward each leg: from the other leg's codec to its own.
        let (a_pair, b_pair) = match &transcodes {
            Some((a_codec, b_codec)) => (Some((b_codec, a_codec)), Some((a_codec, b_codec))),
            None => (None, None),
        };
        let a_inject = self.dtmf_inject(Side::A, a_pair.map(|(_, into)| into));
        let b_inject = self.dtmf_inject(Side::B, b_pair.map(|(_, into)| into));
        self.a.injects = a_inject.is_some();
        self.b.injects = b_inject.is_some();
        let a_transcode = self.egress(Side::A, &to_a, a_pair, a_inject, &registry);
        let b_transcode = self.egress(Side::B, &to_b, b_pair, b_inject, &registry);
        let (Some(a), Some(b)) = (&self.a.negotiation, &self.b.negotiation) else {
            return Ok(verdicts);
        };
        let mut applied = Vec::with_capacity(2);
        for (side, negotiation, payload_types, transcode) in [
            (Side::A, a, to_a, a_transcode),
            (Side::B, b, to_b, b_transcode),
        ] {
            let (transform, transcode) = transcode.unzip();
            let next = self.applied_leg(side, negotiation, payload_types, transform)?;
            applied.push((side, next, transcode));
        }
        // Both legs in one command to the relay worker.
        let updates: Vec<(Side, LegUpdate)> = applied
            .iter_mut()
            .map(|(side, next, transcode)| {
                let previous = self.leg(*side).applied.as_ref();
                (*side, next.update_from(previous, transcode.take()))
            })
            .collect();
        let updated = relay
            .send_legs_update(self.session.id, updates)
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        verdicts.push(self.session.id, updated);
        for (side, next, _) in applied {
            let leg = self.leg_mut(side);
            rtcp_mux::settle(&mut leg.ports[0], next.rtcp_mux);
            leg.applied = Some(next);
            self.release_held_dtmf(relay, side);
        }
        let (Some(a), Some(b)) = (&self.a.negotiation, &self.b.negotiation) else {
            return Ok(verdicts);
        };
        let descriptions = [self.a.descriptions(), self.b.descriptions()];
        let mut settled = Vec::new();
        for video in &mut self.video {
            video.apply(relay, &mut verdicts, &plan, [a, b], descriptions)?;
            // The relay settled an offered mux with the video it applied.
            for (side, negotiation) in [(Side::A, a), (Side::B, b)] {
                if let Some(index) = video.index(side) {
                    settled.push((side, rtcp_mux::muxed(negotiation, index)));
                }
            }
        }
        let at = rtcp_mux::slot(&MediaKind::Video);
        for (side, muxed) in settled {
            rtcp_mux::settle(&mut self.leg_mut(side).ports[at], muxed);
        }
        Ok(verdicts)
    }

    /// What the relay is told about leg `side`'s audio under its
    /// `negotiation`: its address and keys from it, with `payload_types`
    /// and the transform described by `transform` toward it.
    pub(super) fn applied_leg(
        &self,
        side: Side,
        negotiation: &Negotiation,
        payload_types: PayloadTypeMap,
        transform: Option<String>,
    ) -> Result<AppliedLeg, MediaError> {
        let audio_index = first_of(negotiation, &MediaKind::Audio).map_or(0, |(i, _)| i);
        let (remote, keys) = leg_remote_and_keys(negotiation, audio_index)?;
        let peer = self.leg(side).peer.as_deref();
        Ok(AppliedLeg {
            remote,
            remote_rtcp: rtcp_mux::remote_rtcp(peer, audio_index, remote),
            keys,
            payload_types,
            transform,
            rtcp_mux: rtcp_mux::muxed(negotiation, audio_index),
        })
    }
}
