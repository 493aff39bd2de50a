//! Mid-call offers: a leg's re-offer answered with the codecs in use,
//! ours to the other leg when a stream's direction changed, and the
//! answers to ours.

use tolk_relay::{EndpointSpec, Relay, RtcpMux, Side};
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{Direction, MediaDescription, MediaKind};

use super::super::policy::RelayPorts;
use super::super::video::VideoStream;
use super::super::{rtcp_mux, video};

use super::answer::note_short_answer;
use super::lines::{first_of, offers_video, same_codec};
use super::{CallMedia, MediaError, extra_video};

impl CallMedia {
    /// A leg re-offers mid-call (hold, resume, new address). Answers it
    /// with the codecs in use and sets the relay; returns the answer and,
    /// when the leg's direction changed, the re-offer for the other leg.
    pub async fn reoffered(
        &mut self,
        relay: &Relay,
        side: Side,
        offer: &SessionDescription,
    ) -> Result<(SessionDescription, Option<SessionDescription>), MediaError> {
        // Keep what flows now: the other leg's codecs when passing
        // through, this leg's own when transcoding.
        let in_use = if self.transcoding { side } else { side.other() };
        let other_codecs = self.leg(in_use).codecs(MediaKind::Audio);
        // Video is never transcoded: it keeps what the other leg sends,
        // or, when the call has no video yet, what the other leg's policy
        // allows (the other leg is then offered what this one took).
        let mut other_video = self.leg(side.other()).codecs(MediaKind::Video);
        if other_video.is_empty() {
            other_video = (self.leg(side.other()).video_codecs())
                .map(|cap| cap.encoding.clone())
                .collect();
        }
        let mut caps = self.leg(side).caps_with_video(&other_video);
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video
                || other_codecs.iter().any(|e| same_codec(e, &cap.encoding))
        });
        if self.video.is_none() && offers_video(offer) && caps.handles(&MediaKind::Video) {
            // A port pair on both legs: whether each muxes video is only
            // known from the answers, and a pair serves either.
            let spec = EndpointSpec {
                ip: self.ip,
                rtcp_mux: RtcpMux::Separate,
            };
            let session = relay
                .create_session(spec, spec)
                .map_err(|e| MediaError::Resources(e.to_string()))?;
            tracing::info!(session = ?session.id, "video added mid-call");
            self.video = Some(Box::new(VideoStream::new(session)));
            let video = rtcp_mux::slot(&MediaKind::Video);
            (self.a.ports[video], self.b.ports[video]) = (RtcpMux::Separate, RtcpMux::Separate);
        }
        let old_directions = self.directions(side);
        let ports =
            RelayPorts::new(self.ip, self.local_port(side)).with_video(self.video_port(side));
        let leg = self.leg_mut(side);
        let answer = extra_video::answer(offer, &caps, &mut { ports })
            .map_err(|e| MediaError::from_negotiation(&e))?;
        let mut description = leg.versioned(answer.description);
        rtcp_mux::name_rtcp_ports(&leg.ports, &mut description, false);
        leg.local = Some(Box::new(description.clone()));
        leg.peer = Some(Box::new(offer.clone()));
        leg.negotiation = Some(answer.negotiation);
        let new_directions = self.directions(side);
        self.apply(relay).await?;
        // A stream put on hold or resumed on one leg is re-offered to the
        // other, each m-line with its own direction.
        let reoffer = (old_directions != new_directions
            && new_directions.iter().any(Option::is_some))
        .then(|| {
            self.reoffer(
                side.other(),
                new_directions.map(|d| d.map(Direction::reversed)),
            )
        });
        Ok((description, reoffer))
    }

    /// The direction of `side`'s audio and video, as agreed.
    pub(super) fn directions(&self, side: Side) -> [Option<Direction>; 2] {
        let negotiation = self.leg(side).negotiation.as_ref();
        [MediaKind::Audio, MediaKind::Video].map(|kind| {
            negotiation
                .and_then(|n| first_of(n, &kind))
                .map(|(_, m)| m.direction)
        })
    }

    /// Our re-offer to `side` with the codecs in use and each stream's
    /// direction (audio, video).
    pub(super) fn reoffer(
        &mut self,
        side: Side,
        directions: [Option<Direction>; 2],
    ) -> SessionDescription {
        let ports =
            RelayPorts::new(self.ip, self.local_port(side)).with_video(self.video_port(side));
        // Video this leg has not agreed yet is offered in the codecs the
        // other leg took (video passes through untranscoded).
        let mut video = self.leg(side).codecs(MediaKind::Video);
        if video.is_empty() {
            video = self.leg(side.other()).codecs(MediaKind::Video);
        }
        let leg = self.leg_mut(side);
        let audio = leg.codecs(MediaKind::Audio);
        let mut caps = leg.caps_with_video(&video);
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video || audio.iter().any(|c| same_codec(c, &cap.encoding))
        });
        let kinds: Vec<MediaKind> = [MediaKind::Audio, MediaKind::Video]
            .into_iter()
            .zip(directions)
            .filter(|(_, direction)| direction.is_some())
            .map(|(kind, _)| kind)
            .collect();
        let mut offer = tolk_sdp::offer(&caps, &kinds, &mut { ports });
        for line in &mut offer.media {
            let at = usize::from(line.kind == MediaKind::Video);
            if let Some(direction) = directions[at] {
                line.direction = Some(direction);
            }
        }
        video::offer_feedback(&mut offer, &caps);
        if let Some(previous) = &leg.local {
            offer.media = same_lines(&previous.media, offer.media);
        }
        rtcp_mux::name_rtcp_ports(&leg.ports, &mut offer, true);
        let offer = leg.versioned(offer);
        leg.local = Some(Box::new(offer.clone()));
        leg.pending_offer = Some(Box::new(offer.clone()));
        offer
    }

    /// The answer to our mid-call re-offer arrived, or to our current
    /// description offered again (in the 2xx to an offer-less re-INVITE).
    /// Returns a re-offer for the other leg when this one refused video
    /// that the other leg has (it is re-offered without it).
    pub async fn reoffer_answered(
        &mut self,
        relay: &Relay,
        side: Side,
        answer: &SessionDescription,
    ) -> Result<Option<SessionDescription>, MediaError> {
        let leg = self.leg_mut(side);
        let Some(offer) = leg.pending_offer.take().or_else(|| leg.local.clone()) else {
            return Ok(None);
        };
        note_short_answer(&offer, answer);
        let negotiation = tolk_sdp::process_answer(&offer, answer)
            .map_err(|e| MediaError::from_negotiation(&e))?;
        let refused_video =
            offers_video(&offer) && first_of(&negotiation, &MediaKind::Video).is_none();
        leg.negotiation = Some(negotiation);
        leg.peer = Some(Box::new(answer.clone()));
        self.apply(relay).await?;
        let [audio, video] = self.directions(side.other());
        if !refused_video || video.is_none() {
            return Ok(None);
        }
        tracing::info!(
            ?side,
            "video refused: re-offered to the other leg without it"
        );
        Ok(Some(self.reoffer(side.other(), [audio, None])))
    }
}

/// A re-offer's m-lines in the order of the `previous` description (RFC
/// 3264 section 8): each line from `fresh` takes the place of an active
/// line of its kind, else of a rejected one (a stream added again), else
/// goes at the end (a new stream); every line left without one (a stream
/// rejected or removed) is kept with port 0.
pub(super) fn same_lines(
    previous: &[MediaDescription],
    fresh: Vec<MediaDescription>,
) -> Vec<MediaDescription> {
    let mut slots: Vec<Option<MediaDescription>> = vec![None; previous.len()];
    let mut added = Vec::new();
    for line in fresh {
        let free = |active: bool| {
            (0..previous.len()).find(|&i| {
                slots[i].is_none()
                    && previous[i].kind == line.kind
                    && (previous[i].port != 0) == active
            })
        };
        match free(true).or_else(|| free(false)) {
            Some(i) => slots[i] = Some(line),
            None => added.push(line),
        }
    }
    let kept = slots.into_iter().zip(previous).map(|(line, old)| {
        line.unwrap_or_else(|| {
            let mut off = old.clone();
            off.port = 0;
            off
        })
    });
    kept.chain(added).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(media: &str) -> Vec<MediaDescription> {
        let text = format!("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n{media}");
        tolk_sdp::parse(text.as_bytes()).unwrap().media
    }

    fn kinds_and_ports(lines: &[MediaDescription]) -> Vec<(String, u16)> {
        lines.iter().map(|m| (m.kind.to_string(), m.port)).collect()
    }

    #[test]
    fn re_offered_lines_keep_their_places() {
        let audio = "m=audio 4000 RTP/AVP 0\r\n";
        let video = "m=video 4002 RTP/AVP 97\r\n";
        let pair = |a: &str, v: &str| kinds_and_ports(&lines(&format!("{a}{v}")));
        // Video added to an audio call goes at the end.
        let added = same_lines(&lines(audio), lines(&format!("{audio}{video}")));
        assert_eq!(kinds_and_ports(&added), pair(audio, video));
        // Video re-enabled takes the place of the line rejected before.
        let rejected = lines(&format!("{audio}m=video 0 RTP/AVP 97\r\n"));
        let again = same_lines(&rejected, lines(&format!("{audio}{video}")));
        assert_eq!(kinds_and_ports(&again), pair(audio, video));
        // Video removed keeps its line with port 0.
        let removed = same_lines(&lines(&format!("{audio}{video}")), lines(audio));
        assert_eq!(
            kinds_and_ports(&removed),
            [("audio".to_owned(), 4000), ("video".to_owned(), 0)]
        );
    }
}
