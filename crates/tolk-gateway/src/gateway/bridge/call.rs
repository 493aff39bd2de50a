//! One call: its two legs, their policies and the media between them.

use std::time::Instant;

use tolk_interwork::LegId;
use tolk_relay::{SessionId, Side};

use super::super::echo::EchoMedia;
use super::super::media::CallMedia;
use crate::config::MediaPolicy;
use crate::metrics::{Metrics, TranscodedShare};

/// What a call's relay session serves.
#[derive(Debug)]
pub(super) enum Media {
    Bridged(Box<CallMedia>),
    Echo(EchoMedia),
}

impl Media {
    pub(super) fn session(&self) -> SessionId {
        match self {
            Media::Bridged(media) => media.session(),
            Media::Echo(echo) => echo.session(),
        }
    }

    /// The relay sessions of the video streams the call bridges.
    pub(super) fn video_sessions(&self) -> Vec<SessionId> {
        match self {
            Media::Bridged(media) => media.video_sessions(),
            Media::Echo(_) => Vec::new(),
        }
    }
}

/// One call: the caller's leg A, the callee's leg B (none for echo).
#[derive(Debug)]
pub(super) struct Call {
    pub(super) id: String,
    pub(super) a: LegId,
    pub(super) b: Option<LegId>,
    pub(super) b_policy: MediaPolicy,
    pub(super) a_policy: MediaPolicy,
    pub(super) media: Media,
    pub(super) a_alive: bool,
    pub(super) b_alive: bool,
    pub(super) answered: bool,
    /// The final status the caller got, when the call failed.
    pub(super) failure: Option<u16>,
    pub(super) ending_since: Option<Instant>,
    /// When the outgoing INVITE left: the ring timer counts from here.
    pub(super) dialled: Instant,
    /// Why the call ends: how its first leg ended or why we ended it.
    pub(super) ended_by: Option<&'static str>,
    /// Its share of the transcoded-streams gauge.
    pub(super) transcoded: TranscodedShare,
}

impl Call {
    pub(super) fn side_of(&self, leg: LegId) -> Side {
        if leg == self.a { Side::A } else { Side::B }
    }

    pub(super) fn leg(&self, side: Side) -> Option<LegId> {
        match side {
            Side::A => self.a_alive.then_some(self.a),
            Side::B => self.b.filter(|_| self.b_alive),
        }
    }

    /// Counts the streams the call transcodes now (none until answered).
    pub(super) fn count_transcoding(&mut self, metrics: &Metrics) {
        let streams = match &self.media {
            Media::Bridged(media) if self.answered && media.is_transcoding() => 2,
            _ => 0,
        };
        self.transcoded.set(metrics, streams);
    }

    /// Notes why the call ends, unless an earlier reason is known.
    pub(super) fn ends_by(&mut self, reason: &'static str) {
        self.ended_by.get_or_insert(reason);
    }

    pub(super) fn policy(&self, side: Side) -> &MediaPolicy {
        match side {
            Side::A => &self.a_policy,
            Side::B => &self.b_policy,
        }
    }
}
