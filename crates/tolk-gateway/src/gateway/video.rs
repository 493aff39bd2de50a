//! A bridged call's video streams: each video m-line pair (the k-th
//! video line of one leg with the k-th of the other, such as a room
//! system's main video and its RFC 4796 `a=content:slides`) on a relay
//! session of its own. Video is never transcoded, so a video m-line
//! without a codec both legs share is rejected while audio proceeds.
//! Each stream has its payload-type rewrite from the media plan and its
//! way for each leg to take keyframe requests: RTCP PLI/FIR when it
//! negotiated `a=rtcp-fb` for them (RFC 4585, RFC 5104), SIP INFO
//! picture_fast_update (RFC 5168) otherwise or when its policy says so.

use std::time::{Duration, Instant};

use tolk_relay::keyframe::KeyframeKind;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::{Relay, SessionId, SessionInfo, Side};

use super::relay_watch::Verdicts;
use tolk_sdp::Capabilities;
use tolk_sdp::model::{MediaDescription, MediaKind, SessionDescription};
use tolk_sdp::negotiate::Negotiation;
use tolk_sdp::plan::{CodecPlan, MediaPlan, RtxPlan};

use super::media::{AppliedLeg, MediaError, leg_remote_and_keys, video_of};

/// Least time between two keyframe requests the gateway sends one leg
/// (INFO or relay-made RTCP): an encoder asked more often only sends
/// more intra pictures and congests the link further.
pub const KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);

/// The keyframe requests a leg's video negotiated in RTCP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Feedback {
    /// `a=rtcp-fb:... nack pli` on both sides.
    pub pli: bool,
    /// `a=rtcp-fb:... ccm fir` on both sides.
    pub fir: bool,
}

impl Feedback {
    /// What both descriptions of one video m-line list (ours and the
    /// peer's), per format or for all (`*`).
    pub fn agreed(ours: &MediaDescription, theirs: &MediaDescription) -> Feedback {
        let lists = |m: &MediaDescription, value: &str| {
            m.rtcp_fb_all
                .iter()
                .chain(m.formats.iter().flat_map(|f| &f.rtcp_fb))
                .any(|fb| fb.trim().eq_ignore_ascii_case(value))
        };
        let both = |value| lists(ours, value) && lists(theirs, value);
        Feedback {
            pli: both("nack pli"),
            fir: both("ccm fir"),
        }
    }

    /// The RTCP request to send this leg: PLI, or FIR when only that was
    /// negotiated; `None` when neither was.
    pub fn request(self) -> Option<KeyframeKind> {
        match (self.pli, self.fir) {
            (true, _) => Some(KeyframeKind::Pli),
            (false, true) => Some(KeyframeKind::Fir),
            (false, false) => None,
        }
    }
}

/// How a keyframe request reaches a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyframeRoute {
    /// The relay sends this RTCP request on the video session.
    Rtcp(SessionId, KeyframeKind),
    /// A SIP INFO picture_fast_update.
    Info,
}

/// Most video m-lines a call bridges (main video, slides and a few
/// more); further lines are answered with port 0.
pub const MAX_VIDEO_LINES: usize = 4;

/// One video stream of a bridged call.
#[derive(Debug)]
pub struct VideoStream {
    /// The relay session carrying it.
    pub session: SessionInfo,
    /// Which video m-line of each leg it bridges: the k-th one, rejected
    /// lines counted.
    pub ordinal: usize,
    applied: [Option<AppliedLeg>; 2],
    feedback: [Feedback; 2],
    /// The m-line index of video on each leg.
    index: [Option<usize>; 2],
    last_request: [Option<Instant>; 2],
}

impl VideoStream {
    /// The `ordinal`-th video stream, on a fresh relay session.
    pub fn new(session: SessionInfo, ordinal: usize) -> Self {
        VideoStream {
            session,
            ordinal,
            applied: [None, None],
            feedback: [Feedback::default(); 2],
            index: [None, None],
            last_request: [None, None],
        }
    }

    /// The m-line index of video on `side`'s SDP, once agreed.
    pub fn index(&self, side: Side) -> Option<usize> {
        self.index[slot(side)]
    }

    /// Sets the relay from the plan's line pairing this stream's m-lines;
    /// a plan without it (the line rejected on either leg) leaves the
    /// session idle.
    pub(crate) fn apply(
        &mut self,
        relay: &Relay,
        verdicts: &mut Verdicts,
        plan: &MediaPlan,
        negotiations: [&Negotiation; 2],
        descriptions: [Option<(&SessionDescription, &SessionDescription)>; 2],
    ) -> Result<(), MediaError> {
        let lines = negotiations.map(|n| video_of(n, self.ordinal).map(|(index, _)| index));
        let line = plan
            .lines
            .iter()
            .find(|l| l.kind == MediaKind::Video && [Some(l.a_index), Some(l.b_index)] == lines);
        let Some(line) = line else {
            self.index = [None, None];
            return Ok(());
        };
        let (mut to_a, mut to_b) = (PayloadTypeMap::identity(), PayloadTypeMap::identity());
        for codec in &line.codecs {
            if let CodecPlan::Passthrough { a_to_b, b_to_a, .. } = codec {
                to_b.set(a_to_b.from.0, a_to_b.to.0);
                to_a.set(b_to_a.from.0, b_to_a.to.0);
            }
        }
        for rtx in &line.rtx {
            if let RtxPlan::Passthrough { a_to_b, b_to_a } = rtx {
                to_b.set(a_to_b.from.0, a_to_b.to.0);
                to_a.set(b_to_a.from.0, b_to_a.to.0);
            }
        }
        self.index = [Some(line.a_index), Some(line.b_index)];
        for (side, index, payload_types) in
            [(Side::A, line.a_index, to_a), (Side::B, line.b_index, to_b)]
        {
            let s = slot(side);
            self.feedback[s] = descriptions[s]
                .and_then(|(ours, theirs)| {
                    Some(Feedback::agreed(
                        ours.media.get(index)?,
                        theirs.media.get(index)?,
                    ))
                })
                .unwrap_or_default();
            let (remote, keys) = leg_remote_and_keys(negotiations[s], index)?;
            let peer = descriptions[s].map(|(_, theirs)| theirs);
            let next = AppliedLeg {
                remote,
                remote_rtcp: super::rtcp_mux::remote_rtcp(peer, index, remote),
                keys,
                payload_types,
                transform: None,
                rtcp_mux: super::rtcp_mux::muxed(negotiations[s], index),
            };
            let update = next.update_from(self.applied[s].as_ref(), None);
            let updated = relay
                .send_legs_update(self.session.id, [(side, update)])
                .map_err(|e| MediaError::Resources(e.to_string()))?;
            verdicts.push(self.session.id, updated);
            self.applied[s] = Some(next);
        }
        Ok(())
    }

    /// How a keyframe request reaches leg `to` now, or `None` when one
    /// went to it less than [`KEYFRAME_INTERVAL`] ago. `prefers_info`
    /// is `to`'s policy; without negotiated feedback INFO is the fallback.
    pub fn route(&mut self, to: Side, prefers_info: bool, now: Instant) -> Option<KeyframeRoute> {
        let s = slot(to);
        if self.last_request[s]
            .is_some_and(|at| now.saturating_duration_since(at) < KEYFRAME_INTERVAL)
        {
            return None;
        }
        self.last_request[s] = Some(now);
        Some(match (prefers_info, self.feedback[s].request()) {
            (false, Some(kind)) => KeyframeRoute::Rtcp(self.session.id, kind),
            _ => KeyframeRoute::Info,
        })
    }

    /// Whether leg `to` takes keyframe requests inside RTCP (so one the
    /// relay forwarded from the other leg already reached it).
    pub fn takes_rtcp(&self, to: Side, prefers_info: bool) -> bool {
        !prefers_info && self.feedback[slot(to)].request().is_some()
    }
}

/// Adds our video codecs' `a=rtcp-fb` values to an offer written for a
/// plain RTP/AVP profile (the SDP engine lists them only with AVPF), as
/// SIP video endpoints do: peers that know RFC 4585 feedback answer with
/// what they take, others ignore the lines.
pub fn offer_feedback(offer: &mut SessionDescription, caps: &Capabilities) {
    for line in offer
        .media
        .iter_mut()
        .filter(|m| m.kind == MediaKind::Video && m.port != 0)
    {
        for format in &mut line.formats {
            let cap = caps
                .codecs_of(&MediaKind::Video)
                .find(|cap| cap.pt == format.pt);
            if let (Some(cap), true) = (cap, format.rtcp_fb.is_empty()) {
                format.rtcp_fb = cap.rtcp_fb.clone();
            }
        }
    }
}

fn slot(side: Side) -> usize {
    match side {
        Side::A => 0,
        Side::B => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video_line(sdp: &str) -> MediaDescription {
        let text = format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n{sdp}"
        );
        tolk_sdp::parse(text.as_bytes()).unwrap().media.remove(0)
    }

    #[test]
    fn feedback_is_what_both_sides_list() {
        let ours = video_line("a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n");
        let pli_only = video_line("a=rtcp-fb:* nack pli\r\n");
        let none = video_line("");
        let agreed = Feedback::agreed(&ours, &pli_only);
        assert_eq!(
            agreed,
            Feedback {
                pli: true,
                fir: false
            }
        );
        assert_eq!(agreed.request(), Some(KeyframeKind::Pli));
        let fir = Feedback::agreed(&ours, &video_line("a=rtcp-fb:96 ccm fir\r\n"));
        assert_eq!(fir.request(), Some(KeyframeKind::Fir));
        assert_eq!(Feedback::agreed(&ours, &none).request(), None);
    }

    #[test]
    fn requests_to_a_leg_are_rate_limited_and_fall_back_to_info() {
        let local = tolk_relay::LocalEndpoint {
            rtp: "127.0.0.1:1".parse().unwrap(),
            rtcp: "127.0.0.1:2".parse().unwrap(),
        };
        let session = SessionInfo {
            id: SessionId(1),
            a: local,
            b: local,
        };
        let mut stream = VideoStream::new(session, 0);
        stream.feedback[1] = Feedback {
            pli: false,
            fir: true,
        };
        let t = Instant::now();
        assert_eq!(
            stream.route(Side::B, false, t),
            Some(KeyframeRoute::Rtcp(SessionId(1), KeyframeKind::Fir))
        );
        assert_eq!(
            stream.route(Side::B, false, t + KEYFRAME_INTERVAL / 2),
            None
        );
        let later = t + KEYFRAME_INTERVAL;
        assert_eq!(
            stream.route(Side::B, true, later),
            Some(KeyframeRoute::Info)
        );
        assert_eq!(
            stream.route(Side::A, false, later),
            Some(KeyframeRoute::Info),
            "no feedback negotiated: INFO"
        );
    }
}

#[cfg(test)]
mod bridged_tests;
