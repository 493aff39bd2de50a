//! The callee's answer read and the caller's answer (or, to a late-offer
//! caller, our offer) written from it.

use tolk_interwork::MediaWarning;
use tolk_relay::{Relay, Side};
use tolk_sdp::model::{MediaKind, RtpMap};
use tolk_sdp::negotiate::{AcceptedMedia, rejected_line};
use tolk_sdp::{Capabilities, SessionDescription};

use super::super::policy::RelayPorts;
use super::super::{rtcp_mux, video};

use super::lines::{same_codec, video_of};
use super::{CallMedia, MediaError, video_lines};

impl CallMedia {
    /// The callee answered (in a 183 or the 2xx): reads its answer, sets
    /// the relay and returns the caller's answer (the same one every time
    /// once written, as the caller's dialog has one answer).
    pub async fn b_answered(
        &mut self,
        relay: &Relay,
        answer: &SessionDescription,
    ) -> Result<SessionDescription, MediaError> {
        if let Some(offer) = &self.b.pending_offer {
            note_short_answer(offer, answer);
            let negotiation = tolk_sdp::process_answer(offer, answer)
                .map_err(|e| MediaError::from_negotiation(&e))?;
            self.b.negotiation = Some(negotiation);
            self.b.peer = Some(Box::new(answer.clone()));
        }
        if let Some(local) = &self.a.local {
            let local = SessionDescription::clone(local);
            self.apply(relay)?.watch(&self.watch);
            return Ok(local);
        }
        let chosen = self.b.codecs(MediaKind::Audio);
        let chosen_video = self.b.video_codecs_agreed();
        let only_chosen_video = |caps: &mut Capabilities| {
            caps.codecs.retain(|cap| {
                cap.kind != MediaKind::Video
                    || chosen_video.iter().any(|e| same_codec(e, &cap.encoding))
            });
        };
        let mut caps = Capabilities::clone(&self.a.caps);
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video || chosen.iter().any(|e| same_codec(e, &cap.encoding))
        });
        only_chosen_video(&mut caps);
        // Until the caller has its answer, its agreed description is the
        // INVITE's offer.
        let Some(a_offer) = &self.a.peer else {
            let offer = self.late_offer_to_a(caps)?;
            self.detect_before_caller_answer(relay);
            return Ok(offer);
        };
        let mut ports = self.ports_for(Side::A, a_offer);
        // A video line stays when the callee took the same line in a
        // codec the caller's line has.
        let b_negotiation = self.b.negotiation.as_ref();
        let keep = |ordinal: usize, accepted: &AcceptedMedia| {
            let callee = b_negotiation.and_then(|n| video_of(n, ordinal));
            self.stream(ordinal).is_some()
                && callee.is_some_and(|(_, callee)| {
                    (callee.codecs.iter()).any(|c| {
                        accepted
                            .codecs
                            .iter()
                            .any(|a| same_codec(&a.encoding, &c.encoding))
                    })
                })
        };
        let answer = match video_lines::answer(a_offer, &caps, &mut ports, keep) {
            Ok(answer) => answer,
            // Nothing the callee chose suits the caller: transcode to the
            // caller's own preference.
            Err(_) if self.may_transcode => {
                let mut caps = Capabilities::clone(&self.a.caps);
                only_chosen_video(&mut caps);
                video_lines::answer(a_offer, &caps, &mut ports, keep)
                    .map_err(|e| MediaError::from_negotiation(&e))?
            }
            Err(e) => return Err(MediaError::from_negotiation(&e)),
        };
        let mut description = answer.description;
        video_lines::label_video_lines(&mut description);
        rtcp_mux::name_rtcp_ports(&self.a.ports, &mut description, false);
        self.a.negotiation = Some(answer.negotiation);
        self.a.local = Some(Box::new(description.clone()));
        self.apply(relay)?.watch(&self.watch);
        Ok(description)
    }

    /// Our offer to a late-offer caller, with `caps` narrowed to what the
    /// callee chose (or the caller's whole list when the relay may
    /// transcode) and every video line the callee took; its answer comes
    /// through [`CallMedia::reoffer_answered`], which takes back from the
    /// callee a line the caller refuses.
    pub(super) fn late_offer_to_a(
        &mut self,
        mut caps: Capabilities,
    ) -> Result<SessionDescription, MediaError> {
        if !caps.handles(&MediaKind::Audio) && self.may_transcode {
            let video: Vec<_> = caps.codecs_of(&MediaKind::Video).cloned().collect();
            caps = Capabilities::clone(&self.a.caps);
            caps.codecs.retain(|c| c.kind != MediaKind::Video);
            caps.codecs.extend(video);
        }
        if !caps.handles(&MediaKind::Audio) {
            return Err(MediaError::NotAcceptable(MediaWarning {
                code: 305,
                text: "the callee chose no codec the caller's policy allows".into(),
            }));
        }
        // Each video line the callee took, on its stream's port and in
        // the codecs the callee took on it (video is never transcoded);
        // a line it refused before the last one it took keeps its place
        // with port 0, so that the k-th lines of both legs pair up.
        let b_negotiation = self.b.negotiation.as_ref();
        let taken: Vec<(usize, u16, Vec<RtpMap>)> = (self.video.iter())
            .filter(|_| caps.handles(&MediaKind::Video))
            .filter_map(|stream| {
                let (_, accepted) = video_of(b_negotiation?, stream.ordinal)?;
                let codecs = accepted.codecs.iter().map(|c| c.encoding.clone());
                Some((
                    stream.ordinal,
                    stream.session.a.rtp.port(),
                    codecs.collect(),
                ))
            })
            .collect();
        let lines = taken.iter().map(|(k, ..)| k + 1).max().unwrap_or(0);
        let mut kinds = vec![MediaKind::Audio];
        kinds.extend(std::iter::repeat_n(MediaKind::Video, lines));
        let mut ports = RelayPorts::new(self.ip, self.local_port(Side::A));
        for (ordinal, port, _) in &taken {
            ports = ports.with_video(1 + ordinal, *port);
        }
        let mut offer = tolk_sdp::offer(&caps, &kinds, &mut ports);
        let video_lines = offer
            .media
            .iter_mut()
            .filter(|m| m.kind == MediaKind::Video);
        for (ordinal, line) in video_lines.enumerate() {
            match taken.iter().find(|(k, ..)| *k == ordinal) {
                Some((_, _, codecs)) => line.formats.retain(|format| {
                    (format.encoding()).is_some_and(|e| codecs.iter().any(|c| same_codec(c, &e)))
                }),
                None => *line = rejected_line(line),
            }
        }
        // The callee's naming of each line, else ours in its offer.
        let named = [self.b.peer.as_deref(), self.b.local.as_deref()];
        video_lines::carry_naming(&named.into_iter().flatten().collect::<Vec<_>>(), &mut offer);
        video_lines::label_video_lines(&mut offer);
        video::offer_feedback(&mut offer, &caps);
        rtcp_mux::name_rtcp_ports(&self.a.ports, &mut offer, true);
        self.a.local = Some(Box::new(offer.clone()));
        self.a.pending_offer = Some(Box::new(offer.clone()));
        Ok(offer)
    }

    /// True while a late-offer caller has not answered our offer yet: it
    /// can take no SDP in a provisional response, and a bad answer in its
    /// ACK ends the call.
    pub fn awaits_caller_answer(&self) -> bool {
        self.late_offer && self.a.negotiation.is_none()
    }

    /// The callee's 2xx carried the final answer: the initial offer is
    /// settled, so a later answer can only answer a later re-offer.
    pub fn b_confirmed(&mut self) {
        self.b.pending_offer = None;
    }
}

/// Logs an answer that left out our trailing m-lines (an older phone or
/// a fixed-SDP answerer dropping video): `tolk-sdp` reads them as rejected.
pub(super) fn note_short_answer(offer: &SessionDescription, answer: &SessionDescription) {
    if answer.media.len() < offer.media.len() {
        tracing::info!(
            offered = offer.media.len(),
            answered = answer.media.len(),
            "answer without our trailing m-lines: read as rejected"
        );
    }
}
