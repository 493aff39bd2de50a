//! The call's video streams as the bridge sees them: their relay
//! sessions, freed with the call or once a leg has no line for one, the
//! ports each leg's video lines get, and the keyframe requests routed to
//! a stream.

use tolk_relay::{Relay, SessionId, SessionStats, Side};
use tolk_sdp::SessionDescription;

use super::super::policy::RelayPorts;
use super::super::video::{KeyframeRoute, VideoStream};

use super::CallMedia;
use super::lines::video_line;
use super::video_lines::{label_of, labelled};

impl CallMedia {
    /// Frees the relay sessions; the audio session's final counters.
    pub async fn release(&self, relay: &Relay) -> Option<SessionStats> {
        for stream in &self.video {
            let _ = relay.delete_async(stream.session.id).await;
        }
        relay.delete_async(self.session.id).await.ok()
    }

    /// Takes out each video stream that a leg has no line for and no
    /// offer is adding (rejected at setup, removed with port 0, or
    /// refused when added mid-call): their relay sessions, for the
    /// caller to delete.
    pub fn release_unused_video(&mut self) -> Vec<SessionId> {
        let (a, b) = (&self.a, &self.b);
        let (unused, kept): (Vec<VideoStream>, _) = std::mem::take(&mut self.video)
            .into_iter()
            .partition(|v| a.without_video(v.ordinal) || b.without_video(v.ordinal));
        self.video = kept;
        unused.into_iter().map(|v| v.session.id).collect()
    }

    /// The relay sessions of the call's video streams.
    pub fn video_sessions(&self) -> Vec<SessionId> {
        self.video.iter().map(|v| v.session.id).collect()
    }

    /// The main video stream (the first video line bridged): its ordinal.
    pub fn main_video(&self) -> Option<usize> {
        self.video.iter().map(|v| v.ordinal).min()
    }

    /// The video stream on relay session `session`: its ordinal.
    pub fn video_stream_of(&self, session: SessionId) -> Option<usize> {
        let stream = self.video.iter().find(|v| v.session.id == session)?;
        Some(stream.ordinal)
    }

    /// How a keyframe request for video stream `ordinal` reaches leg `to`
    /// (`None`: one went there moments ago, or there is no such stream).
    pub fn keyframe_route(
        &mut self,
        ordinal: usize,
        to: Side,
        prefers_info: bool,
        now: std::time::Instant,
    ) -> Option<KeyframeRoute> {
        let stream = self.video.iter_mut().find(|v| v.ordinal == ordinal)?;
        stream.route(to, prefers_info, now)
    }

    /// Whether leg `to` takes keyframe requests for video stream
    /// `ordinal` in RTCP.
    pub fn takes_rtcp_keyframes(&self, ordinal: usize, to: Side, prefers_info: bool) -> bool {
        self.stream(ordinal)
            .is_some_and(|v| v.takes_rtcp(to, prefers_info))
    }

    /// The m-line index of video stream `ordinal` on `side`'s SDP.
    pub fn video_index(&self, ordinal: usize, side: Side) -> Option<usize> {
        self.stream(ordinal)?.index(side)
    }

    /// The video stream whose m-line on `side` carries the RFC 4574
    /// label `label` in the peer's description or ours: its ordinal.
    pub fn video_labelled(&self, side: Side, label: &str) -> Option<usize> {
        let index = self
            .descriptions_of(side)
            .find_map(|d| labelled(d, label))?;
        let stream = self.video.iter().find(|v| v.index(side) == Some(index))?;
        Some(stream.ordinal)
    }

    /// The label naming video stream `ordinal` to leg `side`: the one
    /// the peer gave its m-line, else the one we gave it.
    pub fn video_label(&self, ordinal: usize, side: Side) -> Option<&str> {
        let index = self.video_index(ordinal, side)?;
        self.descriptions_of(side).find_map(|d| label_of(d, index))
    }

    /// The peer's agreed description on `side`, then ours.
    fn descriptions_of(&self, side: Side) -> impl Iterator<Item = &SessionDescription> {
        let leg = self.leg(side);
        [leg.peer.as_deref(), leg.local.as_deref()]
            .into_iter()
            .flatten()
    }

    /// The `ordinal`-th video stream, if the call bridges it.
    pub(super) fn stream(&self, ordinal: usize) -> Option<&VideoStream> {
        self.video.iter().find(|v| v.ordinal == ordinal)
    }

    /// Our ports for `side`'s m-lines laid out as in `layout`: each video
    /// line on its stream's relay session, every other on the audio one.
    pub(super) fn ports_for(&self, side: Side, layout: &SessionDescription) -> RelayPorts {
        let mut ports = RelayPorts::new(self.ip, self.local_port(side));
        for stream in &self.video {
            if let Some((index, _)) = video_line(layout, stream.ordinal) {
                let local = match side {
                    Side::A => stream.session.a,
                    Side::B => stream.session.b,
                };
                ports = ports.with_video(index, local.rtp.port());
            }
        }
        ports
    }
}
