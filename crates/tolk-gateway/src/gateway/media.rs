//! A bridged call's media: each leg negotiated with `tolk-sdp` under its
//! own policy, one relay session anchoring both, and the media plan that
//! sets the relay's remotes, SRTP keys and payload-type rewrites.
//!
//! The caller's offer is checked against its policy first (488 at once if
//! nothing fits), the callee is offered only codecs the caller can take
//! (so media passes through without transcoding), and the caller's
//! answer is written once the callee has answered, restricted to what
//! the callee chose. When the two share no audio codec and both policies
//! allow it, the callee is offered its whole list instead and the relay
//! transcodes between the codecs each leg chose (`tolk-media`'s audio
//! pipeline behind the relay's transcoding hook).
//!
//! A caller whose INVITE has no offer (late offer, RFC 3261 section
//! 13.2.1) is treated as offering everything its policy allows: the
//! callee gets an ordinary offer (one video line, or a main line and a
//! slides line when the callee's policy has `late_offer_video_lines =
//! 2`), and once it has answered, the caller gets our offer (restricted
//! to what the callee chose, every video line it took included) in the
//! 2xx and answers in its ACK. Offering from the relay's own anchored
//! ports lets
//! each leg's transaction finish on its own: the callee's 2xx is ACKed
//! at once instead of waiting for the caller's ACK.
//!
//! One file per step: `setup` (the caller's offer, the callee's offer),
//! `answer` (the callee's answer, the caller's), `reoffer` (mid-call
//! offers both ways), `apply` (the plan handed to the relay) with
//! `egress` (the audio transform: transcoding and DTMF); the state in
//! `leg` and `applied`, the video streams' lines in `video_lines` and
//! their lifetime in `video_stream`.

use super::relay_watch::RelayWatch;
use std::net::IpAddr;

use tokio::sync::mpsc::UnboundedSender;
use tolk_interwork::MediaWarning;
use tolk_relay::{SessionId, SessionInfo, Side};
use tolk_sdp::{NegotiationError, SessionDescription};

mod answer;
mod applied;
mod apply;
mod before_answer;
mod describe;
mod egress;
mod glare;
#[cfg(test)]
mod held_dtmf_tests;
mod leg;
mod lines;
mod reoffer;
mod setup;
mod video_lines;
mod video_stream;

pub(super) use applied::AppliedLeg;
pub use describe::LegDescription;
pub(super) use describe::describe;
pub(super) use lines::{first_active, leg_remote_and_keys, leg_update, video_of};

use super::dtmf::DtmfReport;
use super::video::VideoStream;
use leg::LegMedia;

/// Why a call's media cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaError {
    /// Nothing acceptable: 488 with this Warning.
    NotAcceptable(MediaWarning),
    /// The relay has no room (ports exhausted): 503.
    Resources(String),
}

impl MediaError {
    fn from_negotiation(error: &NegotiationError) -> Self {
        MediaError::NotAcceptable(warning_for(error))
    }
}

/// The 488 Warning for a failed negotiation.
pub(super) fn warning_for(error: &NegotiationError) -> MediaWarning {
    MediaWarning {
        code: error.warning().code(),
        text: error.to_string(),
    }
}

/// The media of one bridged call (leg A the caller, leg B the callee).
#[derive(Debug)]
pub struct CallMedia {
    session: SessionInfo,
    ip: IpAddr,
    /// The caller's INVITE had no offer: we offer in the 2xx.
    late_offer: bool,
    a: LegMedia,
    b: LegMedia,
    /// Both policies allow transcoding.
    may_transcode: bool,
    /// The relay transcodes audio now.
    transcoding: bool,
    /// Where telephone-events bound for an INFO leg are reported.
    dtmf_reports: Option<UnboundedSender<DtmfReport>>,
    /// The video streams, one per video m-line pair that both legs may
    /// take, in no particular order (empty in most calls).
    video: Vec<VideoStream>,
    /// Where the relay's verdicts on this call's sessions are awaited.
    watch: RelayWatch,
}

impl CallMedia {
    /// The relay session.
    pub fn session(&self) -> SessionId {
        self.session.id
    }

    /// The offer for the callee.
    pub fn b_offer(&self) -> Option<&SessionDescription> {
        self.b.pending_offer.as_deref()
    }

    /// Whether the relay transcodes this call's audio.
    pub fn is_transcoding(&self) -> bool {
        self.transcoding
    }

    fn leg(&self, side: Side) -> &LegMedia {
        match side {
            Side::A => &self.a,
            Side::B => &self.b,
        }
    }

    fn leg_mut(&mut self, side: Side) -> &mut LegMedia {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    fn local_port(&self, side: Side) -> u16 {
        match side {
            Side::A => self.session.a.rtp.port(),
            Side::B => self.session.b.rtp.port(),
        }
    }
}
