//! Mid-call offers: a leg's re-offer answered with the codecs in use,
//! ours to the other leg when a stream's direction changed, and the
//! answers to ours.

use tolk_relay::{EndpointSpec, Relay, RtcpMux, Side};
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{Direction, MediaDescription, MediaKind};
use tolk_sdp::negotiate::{AcceptedMedia, rejected_line};

use super::super::policy::RelayPorts;
use super::super::video::{MAX_VIDEO_LINES, VideoStream};
use super::super::{rtcp_mux, video};

use super::answer::note_short_answer;
use super::lines::{first_of, offers_video, same_codec, video_of};
use super::{CallMedia, MediaError, video_lines};

/// The direction of each stream as agreed or wanted: audio first, then
/// video stream k at `1 + k` (None: no such stream, or rejected).
pub(super) type Directions = [Option<Direction>; 1 + MAX_VIDEO_LINES];

impl CallMedia {
    /// A leg re-offers mid-call (hold, resume, new address, a video line
    /// added or removed). Answers it with the codecs in use and sets the
    /// relay; returns the answer and, when a stream's direction on that
    /// leg changed, the re-offer for the other leg.
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
        let mut other_video = self.leg(side.other()).video_codecs_agreed();
        if other_video.is_empty() {
            other_video = (self.leg(side.other()).video_codecs())
                .map(|cap| cap.encoding.clone())
                .collect();
        }
        let mut caps = self.leg(side).caps_with_video(&other_video);
        // Unlike our offers, the answer may take up rtcp-mux the leg did
        // not agree at setup (RFC 5761 section 5.1.3).
        caps.rtcp_mux = self.leg(side).policy_caps.rtcp_mux;
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video
                || other_codecs.iter().any(|e| same_codec(e, &cap.encoding))
        });
        let added = (0..MAX_VIDEO_LINES)
            .filter(|&k| offers_video(offer, k) && self.stream(k).is_none())
            .filter(|_| caps.handles(&MediaKind::Video));
        for ordinal in added.collect::<Vec<_>>() {
            // A port pair on both legs: whether each muxes video is only
            // known from the answers, and a pair serves either.
            let spec = EndpointSpec {
                ip: self.ip,
                rtcp_mux: RtcpMux::Separate,
            };
            let session = relay
                .create_session_async(spec, spec)
                .await
                .map_err(|e| MediaError::Resources(e.to_string()))?;
            tracing::info!(session = ?session.id, ordinal, "video added mid-call");
            self.video.push(VideoStream::new(session, ordinal));
            let video = rtcp_mux::slot(&MediaKind::Video);
            (self.a.ports[video], self.b.ports[video]) = (RtcpMux::Separate, RtcpMux::Separate);
        }
        let old_directions = self.directions(side);
        let mut ports = self.ports_for(side, offer);
        let keep = |ordinal: usize, _: &AcceptedMedia| self.stream(ordinal).is_some();
        let answer = video_lines::answer(offer, &caps, &mut ports, keep)
            .map_err(|e| MediaError::from_negotiation(&e))?;
        let leg = self.leg_mut(side);
        let mut description = leg.versioned(answer.description);
        video_lines::label_video_lines(&mut description);
        rtcp_mux::name_rtcp_ports(&leg.ports, &mut description, false);
        leg.local = Some(Box::new(description.clone()));
        leg.peer = Some(Box::new(offer.clone()));
        leg.negotiation = Some(answer.negotiation);
        let new_directions = self.directions(side);
        self.apply(relay)?
            .wait()
            .await
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        // A stream put on hold, resumed, added or removed on one leg is
        // re-offered to the other, each m-line with its own direction.
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

    /// The direction of `side`'s audio and of each video stream, as
    /// agreed.
    pub(super) fn directions(&self, side: Side) -> Directions {
        let negotiation = self.leg(side).negotiation.as_ref();
        let mut directions: Directions = Default::default();
        directions[0] = negotiation
            .and_then(|n| first_of(n, &MediaKind::Audio))
            .map(|(_, m)| m.direction);
        for (k, direction) in directions[1..].iter_mut().enumerate() {
            *direction = negotiation
                .and_then(|n| video_of(n, k))
                .map(|(_, m)| m.direction);
        }
        directions
    }

    /// Our re-offer to `side` with the codecs in use and each stream's
    /// direction; a video stream without one is offered with port 0.
    pub(super) fn reoffer(&mut self, side: Side, directions: Directions) -> SessionDescription {
        // Video this leg has not agreed yet is offered in the codecs the
        // other leg took (video passes through untranscoded).
        let mut video = self.leg(side).video_codecs_agreed();
        if video.is_empty() {
            video = self.leg(side.other()).video_codecs_agreed();
        }
        let leg = self.leg(side);
        let audio = leg.codecs(MediaKind::Audio);
        let mut caps = leg.caps_with_video(&video);
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video || audio.iter().any(|c| same_codec(c, &cap.encoding))
        });
        // Audio first, then video lines up to the last stream offered.
        let lines = (directions[1..].iter())
            .rposition(Option::is_some)
            .map_or(0, |k| k + 1);
        let mut kinds = Vec::new();
        if directions[0].is_some() {
            kinds.push(MediaKind::Audio);
        }
        let first_video = kinds.len();
        kinds.extend(std::iter::repeat_n(MediaKind::Video, lines));
        let mut ports = RelayPorts::new(self.ip, self.local_port(side));
        for stream in self.video.iter().filter(|v| v.ordinal < lines) {
            let local = match side {
                Side::A => stream.session.a,
                Side::B => stream.session.b,
            };
            ports = ports.with_video(first_video + stream.ordinal, local.rtp.port());
        }
        let mut offer = tolk_sdp::offer(&caps, &kinds, &mut ports);
        let mut ordinal = 0;
        for line in &mut offer.media {
            let at = match line.kind {
                MediaKind::Video => {
                    ordinal += 1;
                    ordinal
                }
                _ => 0,
            };
            match directions[at] {
                Some(direction) if at == 0 || self.stream(at - 1).is_some() => {
                    line.direction = Some(direction);
                }
                _ => *line = rejected_line(line),
            }
        }
        if let Some(other) = self.leg(side.other()).peer.as_deref() {
            video_lines::carry_naming(&[other], &mut offer);
        }
        video::offer_feedback(&mut offer, &caps);
        let leg = self.leg_mut(side);
        if let Some(previous) = &leg.local {
            offer.media = same_lines(&previous.media, offer.media);
        }
        video_lines::label_video_lines(&mut offer);
        rtcp_mux::name_rtcp_ports(&leg.ports, &mut offer, true);
        let offer = leg.versioned(offer);
        leg.local = Some(Box::new(offer.clone()));
        leg.pending_offer = Some(Box::new(offer.clone()));
        offer
    }

    /// The answer to our mid-call re-offer arrived, or to our current
    /// description offered again (in the 2xx to an offer-less re-INVITE).
    /// Returns a re-offer for the other leg when this one refused video
    /// lines that the other leg has (it is re-offered without them).
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
        let refused: Vec<usize> = (0..MAX_VIDEO_LINES)
            .filter(|&k| offers_video(&offer, k) && video_of(&negotiation, k).is_none())
            .collect();
        leg.negotiation = Some(negotiation);
        leg.peer = Some(Box::new(answer.clone()));
        self.apply(relay)?
            .wait()
            .await
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        let mut directions = self.directions(side.other());
        let mut taken_back = false;
        for k in refused {
            taken_back |= directions[1 + k].take().is_some();
        }
        if !taken_back {
            return Ok(None);
        }
        tracing::info!(
            ?side,
            "video refused: re-offered to the other leg without it"
        );
        Ok(Some(self.reoffer(side.other(), directions)))
    }
}

/// A re-offer's m-lines in the order of the `previous` description (RFC
/// 3264 section 8): the k-th line of a kind in `fresh` takes the place of
/// the k-th line of that kind before (so a stream added again reuses its
/// rejected line, and each video stream keeps its line), or goes at the
/// end (a new stream); a line left without one (a stream rejected or
/// removed), or offered with port 0 where one was, keeps the line before
/// with port 0.
pub(super) fn same_lines(
    previous: &[MediaDescription],
    fresh: Vec<MediaDescription>,
) -> Vec<MediaDescription> {
    let mut slots: Vec<Option<MediaDescription>> = vec![None; previous.len()];
    let mut added = Vec::new();
    let mut seen: Vec<(MediaKind, usize)> = Vec::new();
    for line in fresh {
        let ordinal = match seen.iter_mut().find(|(kind, _)| *kind == line.kind) {
            Some((_, count)) => {
                *count += 1;
                *count - 1
            }
            None => {
                seen.push((line.kind.clone(), 1));
                0
            }
        };
        let slot = (0..previous.len())
            .filter(|&i| previous[i].kind == line.kind)
            .nth(ordinal);
        match slot {
            Some(i) if line.port != 0 => slots[i] = Some(line),
            Some(_) => {}
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
