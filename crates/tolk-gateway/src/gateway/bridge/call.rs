//! One call: its two legs, their policies and the media between them.

use std::time::Instant;

use tolk_interwork::LegId;
use tolk_relay::{SessionId, Side};

use super::super::echo::EchoMedia;
use super::super::media::CallMedia;
use crate::config::MediaPolicy;

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

    pub(super) fn policy(&self, side: Side) -> &MediaPolicy {
        match side {
            Side::A => &self.a_policy,
            Side::B => &self.b_policy,
        }
    }
}
