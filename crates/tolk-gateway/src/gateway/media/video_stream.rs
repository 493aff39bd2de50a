//! The call's video stream as the bridge sees it: its relay session,
//! freed with the call or once a leg has no video, and the keyframe
//! requests routed to it.

use tolk_relay::{Relay, SessionId, Side};

use super::super::video::KeyframeRoute;

use super::CallMedia;

impl CallMedia {
    /// Frees the relay sessions; the audio session's final counters.
    pub async fn release(&self, relay: &Relay) -> Option<tolk_relay::SessionStats> {
        if let Some(video) = &self.video {
            let _ = relay.delete_async(video.session.id).await;
        }
        relay.delete_async(self.session.id).await.ok()
    }

    /// Frees the video stream's relay session once a leg has no video and
    /// no offer is adding it (rejected at setup, removed with port 0, or
    /// refused when added mid-call): its session id and final counters.
    pub fn release_unused_video(
        &mut self,
        relay: &Relay,
    ) -> Option<(SessionId, tolk_relay::SessionStats)> {
        if !self.a.without_video() && !self.b.without_video() {
            return None;
        }
        let video = self.video.take()?;
        let stats = relay.delete(video.session.id).ok()?;
        Some((video.session.id, stats))
    }

    /// The video stream's relay session, if the call has one.
    pub fn video_session(&self) -> Option<SessionId> {
        self.video.as_ref().map(|v| v.session.id)
    }

    /// How a keyframe request reaches leg `to` (`None`: one went there
    /// moments ago, or the call has no video).
    pub fn keyframe_route(
        &mut self,
        to: Side,
        prefers_info: bool,
        now: std::time::Instant,
    ) -> Option<KeyframeRoute> {
        self.video.as_mut()?.route(to, prefers_info, now)
    }

    /// Whether leg `to` takes keyframe requests in RTCP.
    pub fn takes_rtcp_keyframes(&self, to: Side, prefers_info: bool) -> bool {
        self.video
            .as_ref()
            .is_some_and(|v| v.takes_rtcp(to, prefers_info))
    }

    /// The m-line index of video on `side`'s SDP.
    pub fn video_index(&self, side: Side) -> Option<usize> {
        self.video.as_ref()?.index(side)
    }

    pub(super) fn video_port(&self, side: Side) -> Option<u16> {
        self.video.as_ref().map(|v| match side {
            Side::A => v.session.a.rtp.port(),
            Side::B => v.session.b.rtp.port(),
        })
    }
}
