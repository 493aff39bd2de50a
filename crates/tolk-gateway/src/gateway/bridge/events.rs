//! A leg's call-model events carried across the call to the other leg.

use std::time::Instant;
use tolk_interwork::{Cause, LegCommand, LegEvent, LegId};

use tolk_relay::Side;

use super::super::dtmf::DtmfReport;
use super::super::media::MediaError;
use super::Bridge;
use super::call::{Call, Media};
use crate::admin::AdminBackend;
use crate::config::DtmfMode;

impl Bridge {
    /// A call-model event on a leg of an existing call.
    pub(crate) async fn leg_event(&mut self, leg: LegId, event: LegEvent) {
        let ending = self.sip.take_ending(leg);
        let Some(id) = self.by_leg.get(&leg).cloned() else {
            return;
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let side = call.side_of(leg);
        let other = call.leg(side.other());
        let caller = call.a;
        let video_before = call.media.video_sessions();
        match event {
            LegEvent::Progress { early_media } if side == Side::B => {
                let early_media = match (early_media, &mut call.media) {
                    (Some(sdp), Media::Bridged(media)) => {
                        match media.b_answered(&self.relay, &sdp).await {
                            Ok(answer) => Some(answer),
                            Err(error) => return self.fail_media(&id, error).await,
                        }
                    }
                    _ => None,
                };
                // A late-offer caller takes our offer in the 2xx only.
                let early_media = early_media.filter(|_| match &call.media {
                    Media::Bridged(media) => !media.awaits_caller_answer(),
                    Media::Echo(_) => true,
                });
                self.describe_legs(&id);
                self.sip
                    .command(caller, LegCommand::Progress { early_media })
                    .await;
            }
            LegEvent::Answered { .. }
                if side == Side::B && (!call.a_alive || call.ending_since.is_some()) =>
            {
                // The caller went first (its CANCEL, an admin hang-up or
                // a drain) and this 2xx came before our hang-up reached
                // the user agent, which has ACKed it: the hang-up BYEs the
                // callee (RFC 3261 section 9.1). A 2xx crossing our CANCEL
                // never gets here: the user agent ACKs and BYEs it itself
                // and the leg ends with a local BYE.
                tracing::info!(call = %id, "the callee answered after the caller left");
                self.sip
                    .command(
                        leg,
                        LegCommand::Hangup {
                            cause: Cause::NORMAL_CALL_CLEARING,
                            warning: None,
                        },
                    )
                    .await;
            }
            LegEvent::Answered { answer } if side == Side::B => {
                let result = match &mut call.media {
                    Media::Bridged(media) => media.b_answered(&self.relay, &answer).await,
                    Media::Echo(_) => return,
                };
                match result {
                    Ok(answer) => {
                        call.answered = true;
                        if let Media::Bridged(media) = &mut call.media {
                            media.b_confirmed();
                        }
                        call.count_transcoding(self.node.metrics());
                        self.metrics().call_started();
                        self.node
                            .update_call(&id, |r| r.answered = Some(Instant::now()));
                        self.describe_legs(&id);
                        tracing::info!(call = %id, "answered");
                        self.sip
                            .command(caller, LegCommand::Answer { answer })
                            .await;
                    }
                    Err(error) => self.fail_media(&id, error).await,
                }
            }
            LegEvent::Updated { .. } if other.is_some_and(|o| self.sip.reoffering(o)) => {
                // One renegotiation at a time per call: the one relayed to
                // the other leg finishes first (491, RFC 3261 section
                // 14.2). On this leg's own dialog the user agent already
                // answers 491 to a re-INVITE crossing ours.
                tracing::info!(call = %id, "re-offer while another is under way: 491");
                self.sip.request_pending(leg).await;
            }
            LegEvent::Updated { offer } => {
                let Media::Bridged(media) = &mut call.media else {
                    // The echo answers a re-offer with the media it has.
                    let cause = Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED;
                    return self
                        .sip
                        .command(
                            leg,
                            LegCommand::RejectUpdate {
                                cause,
                                warning: None,
                            },
                        )
                        .await;
                };
                match media.reoffered(&self.relay, side, &offer).await {
                    Ok((answer, reoffer)) => {
                        // A re-offer may start or stop transcoding.
                        call.count_transcoding(self.node.metrics());
                        self.sip
                            .command(leg, LegCommand::AnswerUpdate { answer })
                            .await;
                        if let (Some(offer), Some(other)) = (reoffer, other) {
                            self.sip.command(other, LegCommand::Reoffer { offer }).await;
                        }
                        self.describe_legs(&id);
                    }
                    Err(error) => {
                        let warning = match error {
                            MediaError::NotAcceptable(warning) => Some(warning),
                            MediaError::Resources(_) => None,
                        };
                        let cause = Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED;
                        self.sip
                            .command(leg, LegCommand::RejectUpdate { cause, warning })
                            .await;
                    }
                }
            }
            LegEvent::UpdateAnswered { answer } => {
                if let Media::Echo(echo) = &mut call.media {
                    // A late-offer caller's answer to the echo's offer.
                    if let Err(error) = echo.answered(&self.relay, &answer).await {
                        return self.fail_media(&id, error).await;
                    }
                    let (codecs, crypto) = echo.describe();
                    self.node.update_call(&id, |record| {
                        if let Some(leg) = record.legs.first_mut() {
                            leg.streams = vec![("audio".to_owned(), codecs.clone())];
                            leg.codecs = codecs;
                            leg.crypto = crypto;
                        }
                    });
                }
                let mut reoffer = None;
                if let Media::Bridged(media) = &mut call.media {
                    let first_answer = side == Side::A && media.awaits_caller_answer();
                    match media.reoffer_answered(&self.relay, side, &answer).await {
                        Ok(offer) => reoffer = offer,
                        Err(error) if first_answer => {
                            // The late-offer caller's ACK answered nothing usable.
                            return self.fail_media(&id, error).await;
                        }
                        Err(error) => {
                            tracing::warn!(call = %id, ?error, "re-offer answer not usable")
                        }
                    }
                }
                call.count_transcoding(self.node.metrics());
                self.describe_legs(&id);
                if let (Some(offer), Some(other)) = (reoffer, other) {
                    // Video this leg refused is taken back from the other.
                    self.sip.command(other, LegCommand::Reoffer { offer }).await;
                }
            }
            LegEvent::Dtmf(event) => {
                let Some(other) = other else { return };
                let queued = match &mut call.media {
                    Media::Bridged(media) => media.queue_dtmf(&self.relay, side.other(), event),
                    Media::Echo(_) => false,
                };
                if call.policy(side.other()).dtmf == DtmfMode::Info {
                    self.sip.command(other, LegCommand::Dtmf(event)).await;
                } else if !queued {
                    tracing::info!(call = %id, digit = %event.digit, "INFO key press not relayed: the other leg takes RFC 4733 only, and has no telephone-event stream or too many presses waiting");
                }
            }
            LegEvent::KeyframeRequested(asked) => self.info_keyframe(&id, side, asked).await,
            LegEvent::Ended { cause, warning } => {
                self.leg_ended(&id, side, cause, warning, ending).await
            }
            _ => {}
        }
        self.video_renegotiated(&id, video_before);
    }

    /// A key press the relay took out of a leg's telephone-events goes to
    /// the other leg as SIP INFO; to an RFC 4733 leg (the relay reports
    /// them only while it has no media address) it waits for that leg's
    /// address.
    pub(crate) async fn dtmf_report(&mut self, report: DtmfReport) {
        let Some(id) = self.by_session.get(&report.session) else {
            return;
        };
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let side = report.from.other();
        if call.policy(side).dtmf == DtmfMode::Rfc4733 {
            if let Media::Bridged(media) = &mut call.media
                && !media.queue_dtmf(&self.relay, side, report.event)
            {
                tracing::info!(call = %id, digit = %report.event.digit, "RFC 4733 key press not relayed");
            }
            return;
        }
        let Some(to) = call.leg(side) else {
            return;
        };
        tracing::info!(call = %id, digit = %report.event.digit, "RFC 4733 -> INFO");
        self.sip.command(to, LegCommand::Dtmf(report.event)).await;
    }

    /// The legs' codecs and crypto into the call table.
    fn describe_legs(&self, id: &str) {
        let Some(Call {
            media: Media::Bridged(media),
            ..
        }) = self.calls.get(id)
        else {
            return;
        };
        let described = [media.describe(Side::A), media.describe(Side::B)];
        self.node.update_call(id, |record| {
            for (leg, described) in record.legs.iter_mut().zip(described) {
                leg.codecs = described.codecs;
                leg.crypto = described.crypto;
                leg.streams = described.streams;
            }
        });
    }
}
