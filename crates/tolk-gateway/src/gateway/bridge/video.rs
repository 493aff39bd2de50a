//! A call's video streams added or removed by a renegotiation: the relay
//! session of a removed stream is freed at once (so nothing is sent to
//! the old address) and the bridge's index of video sessions follows.

use tolk_relay::SessionId;

use super::Bridge;
use super::call::Media;

impl Bridge {
    /// After an event on call `id` whose video sessions were `before`.
    pub(super) fn video_renegotiated(&mut self, id: &str, before: Vec<SessionId>) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let Media::Bridged(media) = &mut call.media else {
            return;
        };
        let unused = media.release_unused_video();
        if !unused.is_empty() {
            tracing::info!(call = %id, ?unused, "a video line gone on a leg: its relay session freed");
        }
        let after = media.video_sessions();
        for old in before.iter().filter(|s| !after.contains(s)) {
            self.by_video.remove(old);
        }
        for new in after.into_iter().filter(|s| !before.contains(s)) {
            self.by_video.insert(new, id.to_owned());
        }
        self.delete_sessions(unused);
    }
}
