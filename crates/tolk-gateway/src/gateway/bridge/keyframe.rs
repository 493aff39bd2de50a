//! Keyframe requests across a call. A leg asks in RTCP (the relay spots
//! the PLI/FIR, forwards it and reports it) or in a SIP INFO
//! picture_fast_update; the other leg gets it the way it takes it: inside
//! RTCP when it negotiated PLI/FIR feedback and its policy allows, as an
//! INFO otherwise. At most one request per [`KEYFRAME_INTERVAL`] reaches
//! a leg on one video stream, whatever the other leg sends. A request in
//! RTCP belongs to the stream of the relay session it came on; an INFO
//! to the stream its RFC 5168 `stream_id` names (the RFC 4574 `a=label`
//! of one of that leg's video lines), or to the main video (the call's
//! first video stream) when it names none. An INFO sent for any other
//! stream than the main one names it by the label its line has on that
//! leg: the peer's, else ours (our SDP labels every video line toward a
//! leg that has two or more, so an unlabelled peer's lines are named
//! too).
//!
//! [`KEYFRAME_INTERVAL`]: super::super::video::KEYFRAME_INTERVAL

use std::time::Instant;

use tolk_interwork::{KeyframeRequest, LegCommand, StreamId};
use tolk_relay::{SessionId, Side};

use super::super::video::KeyframeRoute;
use super::Bridge;
use super::call::Media;
use crate::config::KeyframeMode;

impl Bridge {
    /// The relay saw leg `from` of video session `session` ask for a
    /// keyframe in RTCP.
    pub(crate) async fn relay_keyframe(&mut self, session: SessionId, from: Side) {
        let Some(id) = self.by_video.get(&session).cloned() else {
            return;
        };
        let stream = match self.calls.get(&id).map(|call| &call.media) {
            Some(Media::Bridged(media)) => media.video_stream_of(session),
            _ => None,
        };
        if stream.is_some() {
            self.keyframe(&id, from.other(), stream, true).await;
        }
    }

    /// Leg `from` of call `id` asked for a keyframe in an INFO: the
    /// stream its `stream_id` names, else the main video, is asked of
    /// the other leg.
    pub(super) async fn info_keyframe(&mut self, id: &str, from: Side, asked: KeyframeRequest) {
        let stream = match (self.calls.get(id).map(|call| &call.media), &asked.stream_id) {
            (Some(Media::Bridged(media)), Some(label)) => {
                let stream = media.video_labelled(from, label.as_str());
                if stream.is_none() {
                    // Lenient on purpose: room systems send ids that are
                    // no label of theirs (a fixed "1", an internal
                    // number); their request still means "the video I
                    // receive is broken", so the main video is asked.
                    tracing::debug!(call = %id, ?from, stream_id = %label, "INFO stream_id names no video line: the main video asked");
                }
                stream
            }
            _ => None,
        };
        self.keyframe(id, from.other(), stream, false).await;
    }

    /// Carries a keyframe request for video stream `stream` (its ordinal;
    /// None: the main video) to leg `to` of call `id`; `in_rtcp` when the
    /// request came in RTCP (and the relay already forwarded it).
    pub(super) async fn keyframe(
        &mut self,
        id: &str,
        to: Side,
        stream: Option<usize>,
        in_rtcp: bool,
    ) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let Some(leg) = call.leg(to) else { return };
        let prefers_info = call.policy(to).keyframe == KeyframeMode::Info;
        let Media::Bridged(media) = &mut call.media else {
            return;
        };
        let stream = stream.or_else(|| media.main_video());
        if in_rtcp && stream.is_some_and(|s| media.takes_rtcp_keyframes(s, to, prefers_info)) {
            return;
        }
        let line = stream.and_then(|s| media.video_index(s, to));
        // The main video is asked for with a bare INFO, which every
        // RFC 5168 peer reads as its video; another line by its label.
        let stream_id = stream
            .filter(|&s| Some(s) != media.main_video())
            .and_then(|s| media.video_label(s, to))
            .and_then(StreamId::new);
        let route = match stream {
            Some(stream) => media.keyframe_route(stream, to, prefers_info, Instant::now()),
            // No video bridged: an INFO passes on as it came.
            None if !in_rtcp => Some(KeyframeRoute::Info),
            None => None,
        };
        let sent_in_rtcp = match route {
            None => return,
            Some(KeyframeRoute::Rtcp(session, kind)) => {
                match self.relay.request_keyframe(session, to, kind) {
                    Ok(sent) => sent,
                    Err(error) => {
                        tracing::warn!(call = %id, %error, "keyframe request not sent in RTCP");
                        false
                    }
                }
            }
            Some(KeyframeRoute::Info) => false,
        };
        self.metrics().keyframe_requested(sent_in_rtcp);
        if sent_in_rtcp {
            tracing::debug!(call = %id, ?to, "keyframe request sent in RTCP");
        } else {
            tracing::debug!(call = %id, ?to, ?stream_id, "keyframe request sent in SIP INFO");
            let request = KeyframeRequest {
                stream: line,
                stream_id,
            };
            self.sip
                .command(leg, LegCommand::RequestKeyframe(request))
                .await;
        }
    }
}
