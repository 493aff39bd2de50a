//! One leg's side of a bridged call's negotiation: its capabilities,
//! the descriptions exchanged, what the relay was last told and how its
//! endpoints hold their RTCP ports.

use std::sync::Arc;

use tolk_relay::RtcpMux;
use tolk_sdp::model::{MediaKind, RtpMap};
use tolk_sdp::negotiate::{AcceptedMedia, CodecCapability, NegotiatedCodec, Negotiation};
use tolk_sdp::{Capabilities, SessionDescription};

use super::super::dtmf::{DtmfQueue, HeldPresses};
use super::super::policy::shared_capabilities;
use super::super::rtcp_mux;
use super::super::rtcp_mux::StreamPorts;
use crate::config::{DtmfMode, MediaPolicy};

use super::super::video::MAX_VIDEO_LINES;
use super::AppliedLeg;
use super::lines::{first_audio, first_of, offers_video, same_codec, video_of};

/// One leg's side of the negotiation.
#[derive(Debug)]
pub(super) struct LegMedia {
    /// What this leg negotiates: the policy's capabilities (shared with
    /// every call under the same policy) or this call's narrowed copy.
    pub(super) caps: Arc<Capabilities>,
    /// The policy's capabilities: `caps` may be narrowed to what the first
    /// offer carried, and video added mid-call starts from their video
    /// codecs.
    pub(super) policy_caps: Arc<Capabilities>,
    pub(super) dtmf: DtmfMode,
    /// Key presses to send to this leg as telephone-events.
    pub(super) dtmf_queue: DtmfQueue,
    /// Whether the relay injects telephone-events toward this leg.
    pub(super) injects: bool,
    /// Key presses waiting for this leg to have a media address.
    pub(super) held_dtmf: HeldPresses,
    /// Our last description sent to this leg (offer or answer). The
    /// descriptions are boxed: a call holds two and rarely a third.
    pub(super) local: Option<Box<SessionDescription>>,
    /// Our offer awaiting this leg's answer.
    pub(super) pending_offer: Option<Box<SessionDescription>>,
    /// The peer's last description (offer or answer) that was agreed.
    pub(super) peer: Option<Box<SessionDescription>>,
    pub(super) negotiation: Option<Negotiation>,
    /// What the relay was last told about this leg.
    pub(super) applied: Option<AppliedLeg>,
    /// How this leg's relay endpoints hold their RTCP ports.
    pub(super) ports: StreamPorts,
}

impl LegMedia {
    pub(super) fn new(policy: &MediaPolicy) -> Self {
        let caps = shared_capabilities(policy);
        LegMedia {
            policy_caps: caps.clone(),
            caps,
            dtmf: policy.dtmf,
            dtmf_queue: DtmfQueue::default(),
            injects: false,
            held_dtmf: HeldPresses::default(),
            local: None,
            pending_offer: None,
            peer: None,
            negotiation: None,
            applied: None,
            ports: [RtcpMux::Separate; 2],
        }
    }

    /// Whether the relay was given an address to send this leg's audio to.
    pub(super) fn has_media_address(&self) -> bool {
        (self.applied.as_ref()).is_some_and(|applied| applied.remote.is_some())
    }

    pub(super) fn audio(&self) -> Option<&AcceptedMedia> {
        first_audio(self.negotiation.as_ref()?)
    }

    /// The telephone-event this leg agreed at `clock_rate`.
    pub(super) fn telephone_event(&self, clock_rate: u32) -> Option<&NegotiatedCodec> {
        self.audio()?
            .telephone_events
            .iter()
            .find(|te| te.encoding.clock_rate == clock_rate)
    }

    /// The codecs accepted on this leg's first m-line of `kind`.
    pub(super) fn codecs(&self, kind: MediaKind) -> Vec<RtpMap> {
        self.negotiation
            .as_ref()
            .and_then(|n| first_of(n, &kind))
            .map(|(_, m)| m.codecs.iter().map(|c| c.encoding.clone()).collect())
            .unwrap_or_default()
    }

    /// The codecs accepted on any of this leg's video m-lines.
    pub(super) fn video_codecs_agreed(&self) -> Vec<RtpMap> {
        let mut codecs: Vec<RtpMap> = Vec::new();
        let Some(negotiation) = &self.negotiation else {
            return codecs;
        };
        for (_, accepted) in (0..MAX_VIDEO_LINES).filter_map(|k| video_of(negotiation, k)) {
            for codec in &accepted.codecs {
                if !codecs.iter().any(|c| same_codec(c, &codec.encoding)) {
                    codecs.push(codec.encoding.clone());
                }
            }
        }
        codecs
    }

    /// `caps` for a mid-call offer or answer, with video from the
    /// policy's codecs, each kept when `video` lists it (audio as it is),
    /// and rtcp-mux only where it was agreed at setup.
    pub(super) fn caps_with_video(&self, video: &[RtpMap]) -> Capabilities {
        let mut caps = Capabilities::clone(&self.caps);
        caps.rtcp_mux = rtcp_mux::may_mux_mid_call(caps.rtcp_mux, &self.ports);
        caps.codecs.retain(|cap| cap.kind != MediaKind::Video);
        caps.codecs.extend(
            self.video_codecs()
                .filter(|cap| video.iter().any(|e| same_codec(e, &cap.encoding)))
                .cloned(),
        );
        caps
    }

    /// The policy's video codecs.
    pub(super) fn video_codecs(&self) -> impl Iterator<Item = &CodecCapability> {
        self.policy_caps.codecs_of(&MediaKind::Video)
    }

    /// Whether this leg's agreed media has no `ordinal`-th video line
    /// (rejected, removed or never offered) and no offer of ours is
    /// adding it.
    pub(super) fn without_video(&self, ordinal: usize) -> bool {
        let agreed = (self.negotiation.as_ref()).is_some_and(|n| video_of(n, ordinal).is_none());
        let adding = (self.pending_offer.as_deref()).is_some_and(|o| offers_video(o, ordinal));
        agreed && !adding
    }

    /// Ours and the peer's agreed descriptions.
    pub(super) fn descriptions(&self) -> Option<(&SessionDescription, &SessionDescription)> {
        self.local.as_deref().zip(self.peer.as_deref())
    }

    /// Keeps the o= line of our earlier descriptions with a new version
    /// (RFC 3264 section 8).
    pub(super) fn versioned(&self, mut description: SessionDescription) -> SessionDescription {
        if let Some(previous) = &self.local {
            description.origin = previous.origin.clone();
            description.origin.session_version += 1;
        }
        description
    }
}
