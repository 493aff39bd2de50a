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
//! callee gets an ordinary offer, and once it has answered, the caller
//! gets our offer (restricted to what the callee chose) in the 2xx and
//! answers in its ACK. Offering from the relay's own anchored ports lets
//! each leg's transaction finish on its own: the callee's 2xx is ACKed
//! at once instead of waiting for the caller's ACK.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tolk_interwork::MediaWarning;
use tolk_media::codec::{CodecFormat, CodecRegistry};
use tolk_media::transcode::{LegFormat, PipelineConfig};
use tolk_relay::latch::LatchPolicy;
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::srtp::SrtpKey;
use tolk_relay::srtp::sdes::CryptoAttribute;
use tolk_relay::transform::{AudioTranscode, Transcode};
use tolk_relay::{EndpointSpec, LegKeys, LegUpdate, Relay, RtcpMux, SessionId, SessionInfo, Side};
use tolk_sdp::model::{Direction, MediaDescription, MediaKind, RtpMap};
use tolk_sdp::negotiate::CodecCapability;
use tolk_sdp::negotiate::{AcceptedMedia, Keying, NegotiatedCodec, Negotiation};
use tolk_sdp::plan::{CodecPlan, EventPlan, LegCodec};
use tolk_sdp::{Capabilities, NegotiationError, SessionDescription};

mod extra_video;
mod glare;

use super::dtmf::{AudioPath, Detect, DtmfConversion, DtmfQueue, DtmfReport, Inject};
use super::policy::{RelayPorts, shared_capabilities};
use super::rtcp_mux::{self, StreamPorts};
use super::video::{self, KeyframeRoute, VideoStream};
use crate::config::{DtmfMode, MediaPolicy};

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

/// One leg's side of the negotiation.
#[derive(Debug)]
struct LegMedia {
    /// What this leg negotiates: the policy's capabilities (shared with
    /// every call under the same policy) or this call's narrowed copy.
    caps: Arc<Capabilities>,
    /// The policy's capabilities: `caps` may be narrowed to what the first
    /// offer carried, and video added mid-call starts from their video
    /// codecs.
    policy_caps: Arc<Capabilities>,
    dtmf: DtmfMode,
    /// Key presses to send to this leg as telephone-events.
    dtmf_queue: DtmfQueue,
    /// Whether the relay injects telephone-events toward this leg.
    injects: bool,
    /// Our last description sent to this leg (offer or answer). The
    /// descriptions are boxed: a call holds two and rarely a third.
    local: Option<Box<SessionDescription>>,
    /// Our offer awaiting this leg's answer.
    pending_offer: Option<Box<SessionDescription>>,
    /// The peer's last description (offer or answer) that was agreed.
    peer: Option<Box<SessionDescription>>,
    negotiation: Option<Negotiation>,
    /// What the relay was last told about this leg.
    applied: Option<AppliedLeg>,
    /// How this leg's relay endpoints hold their RTCP ports.
    ports: StreamPorts,
}

/// The relay settings of one leg as last sent, so that a re-offer
/// changes only what its negotiation changed: replacing an SRTP context
/// under the same key would restart its rollover counter and reuse
/// packet indices (RFC 3711 section 9.1), and a fresh latch or
/// transcoder would drop the media flowing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AppliedLeg {
    /// The peer's signalled RTP address.
    pub remote: Option<SocketAddr>,
    /// The peer's `a=rtcp` address (None: its RTP port + 1, or muxed).
    pub remote_rtcp: Option<SocketAddr>,
    /// Both directions' SRTP keys.
    pub keys: LegKeys,
    /// Payload-type rewrite toward this leg.
    pub payload_types: PayloadTypeMap,
    /// What the transform toward this leg does (None: no transform).
    pub transform: Option<String>,
    /// Whether the peer multiplexes RTCP on its RTP port.
    pub rtcp_mux: bool,
}

impl AppliedLeg {
    /// The relay update turning `previous` into `self`; `transcode` is
    /// the transform to start when it changed.
    pub(super) fn update_from(
        &self,
        previous: Option<&AppliedLeg>,
        transcode: Option<Transcode>,
    ) -> LegUpdate {
        let changed = |same: fn(&AppliedLeg, &AppliedLeg) -> bool| {
            previous.is_none_or(|previous| !same(previous, self))
        };
        let plan_changed =
            changed(|p, n| p.payload_types == n.payload_types && p.transform == n.transform);
        // The relay derives the RTCP address from the RTP one unless told.
        let moved = changed(|p, n| p.remote == n.remote && p.remote_rtcp == n.remote_rtcp);
        LegUpdate {
            remote: self.remote.filter(|_| moved),
            remote_rtcp: self.remote_rtcp.filter(|_| moved),
            keys: changed(|p, n| p.keys == n.keys).then(|| self.keys.clone()),
            latch: previous.is_none().then_some(LatchPolicy::LatchFirst),
            rtcp_mux: changed(|p, n| p.rtcp_mux == n.rtcp_mux).then_some(self.rtcp_mux),
            plan: plan_changed.then(|| EgressPlan {
                payload_types: self.payload_types.clone(),
                transcode,
                ..EgressPlan::default()
            }),
            ..LegUpdate::default()
        }
    }
}

impl LegMedia {
    fn new(policy: &MediaPolicy) -> Self {
        let caps = shared_capabilities(policy);
        LegMedia {
            policy_caps: caps.clone(),
            caps,
            dtmf: policy.dtmf,
            dtmf_queue: DtmfQueue::default(),
            injects: false,
            local: None,
            pending_offer: None,
            peer: None,
            negotiation: None,
            applied: None,
            ports: [RtcpMux::Separate; 2],
        }
    }

    fn audio(&self) -> Option<&AcceptedMedia> {
        first_audio(self.negotiation.as_ref()?)
    }

    /// The telephone-event this leg agreed at `clock_rate`.
    fn telephone_event(&self, clock_rate: u32) -> Option<&NegotiatedCodec> {
        self.audio()?
            .telephone_events
            .iter()
            .find(|te| te.encoding.clock_rate == clock_rate)
    }

    /// The codecs accepted on this leg's first m-line of `kind`.
    fn codecs(&self, kind: MediaKind) -> Vec<RtpMap> {
        self.negotiation
            .as_ref()
            .and_then(|n| first_of(n, &kind))
            .map(|(_, m)| m.codecs.iter().map(|c| c.encoding.clone()).collect())
            .unwrap_or_default()
    }

    /// `caps` for a mid-call offer or answer, with video from the
    /// policy's codecs, each kept when `video` lists it (audio as it is),
    /// and rtcp-mux only where it was agreed at setup.
    fn caps_with_video(&self, video: &[RtpMap]) -> Capabilities {
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
    fn video_codecs(&self) -> impl Iterator<Item = &CodecCapability> {
        self.policy_caps.codecs_of(&MediaKind::Video)
    }

    /// Whether this leg's agreed media has no video stream (rejected,
    /// removed or never offered) and no offer of ours is adding one.
    fn without_video(&self) -> bool {
        let agreed = self
            .negotiation
            .as_ref()
            .is_some_and(|n| first_of(n, &MediaKind::Video).is_none());
        let adding = self.pending_offer.as_deref().is_some_and(offers_video);
        agreed && !adding
    }

    /// Ours and the peer's agreed descriptions.
    fn descriptions(&self) -> Option<(&SessionDescription, &SessionDescription)> {
        self.local.as_deref().zip(self.peer.as_deref())
    }

    /// Keeps the o= line of our earlier descriptions with a new version
    /// (RFC 3264 section 8).
    fn versioned(&self, mut description: SessionDescription) -> SessionDescription {
        if let Some(previous) = &self.local {
            description.origin = previous.origin.clone();
            description.origin.session_version += 1;
        }
        description
    }
}

/// A leg's negotiated media, for the call table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegDescription {
    /// The audio codecs (`PCMU/8000`, `telephone-event/8000`).
    pub codecs: Vec<String>,
    /// The media protection (`RTP/AVP`, `SDES AES_CM_128_HMAC_SHA1_80`).
    pub crypto: String,
    /// Each accepted stream's kind and codecs (`("video", ["H264/90000"])`).
    pub streams: Vec<(String, Vec<String>)>,
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
    /// The video stream, when the caller offered video the callee may
    /// take (boxed: most calls have none).
    video: Option<Box<VideoStream>>,
}

impl CallMedia {
    /// Checks the caller's offer (None: a late offer) against
    /// `a_policy`, allocates the relay session and prepares the callee's
    /// offer under `b_policy`.
    pub async fn new(
        relay: &Relay,
        ip: IpAddr,
        a_policy: &MediaPolicy,
        b_policy: &MediaPolicy,
        a_offer: Option<SessionDescription>,
    ) -> Result<Self, MediaError> {
        let mut a = LegMedia::new(a_policy);
        let mut b = LegMedia::new(b_policy);
        let (acceptable, acceptable_video): (Vec<RtpMap>, Vec<RtpMap>) = match &a_offer {
            Some(offer) => {
                let precheck = tolk_sdp::answer(offer, &a.caps, &mut RelayPorts::new(ip, 9))
                    .map_err(|e| MediaError::from_negotiation(&e))?;
                let accepted = |kind: MediaKind| -> Vec<RtpMap> {
                    first_of(&precheck.negotiation, &kind)
                        .map(|(_, m)| m.codecs.iter().map(|c| c.encoding.clone()).collect())
                        .unwrap_or_default()
                };
                (accepted(MediaKind::Audio), accepted(MediaKind::Video))
            }
            // A late offer: the callee is offered what the caller's
            // policy allows, video included; the caller is offered video
            // once the callee took it (a callee answering fewer m-lines
            // has the missing ones read as rejected).
            None => {
                let codecs = |kind: MediaKind| -> Vec<RtpMap> {
                    a.caps
                        .codecs_of(&kind)
                        .map(|c| c.encoding.clone())
                        .collect()
                };
                (codecs(MediaKind::Audio), codecs(MediaKind::Video))
            }
        };
        let before: Vec<String> = b
            .caps
            .codecs_of(&MediaKind::Audio)
            .map(|c| c.encoding.to_string())
            .collect();
        let may_transcode = a_policy.transcoding && b_policy.transcoding;
        // The callee is offered what the caller can take: audio maybe
        // transcoded below, video never.
        let b_caps = Arc::make_mut(&mut b.caps);
        b_caps.codecs.retain(|cap| {
            let wanted = match cap.kind {
                MediaKind::Video => &acceptable_video,
                _ => &acceptable,
            };
            wanted.iter().any(|e| same_codec(e, &cap.encoding))
        });
        if !b_caps.handles(&MediaKind::Audio) && may_transcode {
            let registry = CodecRegistry::with_builtins();
            b_caps.codecs.extend(
                (b.policy_caps.codecs.iter())
                    .filter(|cap| {
                        cap.kind == MediaKind::Audio
                            && registry.supports_audio(&codec_format(&cap.encoding))
                    })
                    .cloned(),
            );
        }
        if !b.caps.handles(&MediaKind::Audio) {
            let offered: Vec<String> = acceptable.iter().map(ToString::to_string).collect();
            return Err(MediaError::NotAcceptable(MediaWarning {
                code: 305,
                text: format!(
                    "no common codec and transcoding {}: caller offers {}; callee allows {}",
                    if may_transcode { "impossible" } else { "off" },
                    offered.join(", "),
                    before.join(", ")
                ),
            }));
        }
        for kind in [MediaKind::Audio, MediaKind::Video] {
            let at = rtcp_mux::slot(&kind);
            a.ports[at] = rtcp_mux::caller_ports(a_policy, a_offer.as_ref(), kind);
            b.ports[at] = rtcp_mux::offered_ports(b_policy);
        }
        let spec = |leg: &LegMedia, kind: MediaKind| EndpointSpec {
            ip,
            rtcp_mux: leg.ports[rtcp_mux::slot(&kind)],
        };
        let late_offer = a_offer.is_none();
        a.peer = a_offer.map(Box::new);
        let session = relay
            .create_session_async(spec(&a, MediaKind::Audio), spec(&b, MediaKind::Audio))
            .await
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        let video_specs = (spec(&a, MediaKind::Video), spec(&b, MediaKind::Video));
        let video = match b.caps.handles(&MediaKind::Video) {
            true => match relay
                .create_session_async(video_specs.0, video_specs.1)
                .await
            {
                Ok(info) => Some(Box::new(VideoStream::new(info))),
                Err(e) => {
                    let _ = relay.delete_async(session.id).await;
                    return Err(MediaError::Resources(e.to_string()));
                }
            },
            false => None,
        };
        let video_port = |side: Side| {
            video.as_ref().map(|v| match side {
                Side::A => v.session.a.rtp.port(),
                Side::B => v.session.b.rtp.port(),
            })
        };
        let kinds: &[MediaKind] = match video {
            Some(_) => &[MediaKind::Audio, MediaKind::Video],
            None => &[MediaKind::Audio],
        };
        let mut offer = tolk_sdp::offer(
            &b.caps,
            kinds,
            &mut RelayPorts::new(ip, session.b.rtp.port()).with_video(video_port(Side::B)),
        );
        video::offer_feedback(&mut offer, &b.caps);
        b.local = Some(Box::new(offer.clone()));
        b.pending_offer = Some(Box::new(offer));
        Ok(CallMedia {
            session,
            ip,
            late_offer,
            a,
            b,
            may_transcode,
            transcoding: false,
            dtmf_reports: None,
            video,
        })
    }

    /// Converts DTMF between an RFC 4733 leg and an INFO leg, reporting
    /// key presses for the INFO leg to `reports`.
    pub fn with_dtmf_reports(mut self, reports: UnboundedSender<DtmfReport>) -> Self {
        self.dtmf_reports = Some(reports);
        self
    }

    /// Queues a key press for leg `to` as telephone-events; false when
    /// that leg has no telephone-event stream to carry it or too many
    /// presses wait for it already.
    pub fn queue_dtmf(&self, to: Side, event: tolk_interwork::DtmfEvent) -> bool {
        let leg = self.leg(to);
        if !leg.injects {
            return false;
        }
        leg.dtmf_queue.push(event)
    }

    /// The relay session.
    pub fn session(&self) -> SessionId {
        self.session.id
    }

    /// The offer for the callee.
    pub fn b_offer(&self) -> Option<&SessionDescription> {
        self.b.pending_offer.as_deref()
    }

    /// The callee answered (in a 183 or the 2xx): reads its answer, sets
    /// the relay and returns the caller's answer (the same one every time
    /// once written, as the caller's dialog has one answer).
    pub async fn b_answered(
        &mut self,
        relay: &Relay,
        answer: &SessionDescription,
    ) -> Result<SessionDescription, MediaError> {
        if let Some(offer) = &self.b.pending_offer {
            note_short_answer(offer, answer);
            let negotiation = tolk_sdp::process_answer(offer, answer)
                .map_err(|e| MediaError::from_negotiation(&e))?;
            self.b.negotiation = Some(negotiation);
            self.b.peer = Some(Box::new(answer.clone()));
        }
        if let Some(local) = &self.a.local {
            let local = SessionDescription::clone(local);
            self.apply(relay).await?;
            return Ok(local);
        }
        let chosen = self.b.codecs(MediaKind::Audio);
        let chosen_video = self.b.codecs(MediaKind::Video);
        let only_chosen_video = |caps: &mut Capabilities| {
            caps.codecs.retain(|cap| {
                cap.kind != MediaKind::Video
                    || chosen_video.iter().any(|e| same_codec(e, &cap.encoding))
            });
        };
        let mut caps = Capabilities::clone(&self.a.caps);
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video || chosen.iter().any(|e| same_codec(e, &cap.encoding))
        });
        only_chosen_video(&mut caps);
        let port = self.session.a.rtp.port();
        let mut ports = RelayPorts::new(self.ip, port).with_video(self.video_port(Side::A));
        // Until the caller has its answer, its agreed description is the
        // INVITE's offer.
        let Some(a_offer) = &self.a.peer else {
            return self.late_offer_to_a(caps, ports);
        };
        let answer = match extra_video::answer(a_offer, &caps, &mut ports) {
            Ok(answer) => answer,
            // Nothing the callee chose suits the caller: transcode to the
            // caller's own preference.
            Err(_) if self.may_transcode => {
                let mut caps = Capabilities::clone(&self.a.caps);
                only_chosen_video(&mut caps);
                extra_video::answer(a_offer, &caps, &mut ports)
                    .map_err(|e| MediaError::from_negotiation(&e))?
            }
            Err(e) => return Err(MediaError::from_negotiation(&e)),
        };
        let mut description = answer.description;
        rtcp_mux::name_rtcp_ports(&self.a.ports, &mut description, false);
        self.a.negotiation = Some(answer.negotiation);
        self.a.local = Some(Box::new(description.clone()));
        self.apply(relay).await?;
        Ok(description)
    }

    /// Our offer to a late-offer caller, with `caps` narrowed to what the
    /// callee chose (or the caller's whole list when the relay may
    /// transcode); its answer comes through [`CallMedia::reoffer_answered`].
    fn late_offer_to_a(
        &mut self,
        mut caps: Capabilities,
        mut ports: RelayPorts,
    ) -> Result<SessionDescription, MediaError> {
        if !caps.handles(&MediaKind::Audio) && self.may_transcode {
            let video: Vec<_> = caps.codecs_of(&MediaKind::Video).cloned().collect();
            caps = Capabilities::clone(&self.a.caps);
            caps.codecs.retain(|c| c.kind != MediaKind::Video);
            caps.codecs.extend(video);
        }
        if !caps.handles(&MediaKind::Audio) {
            return Err(MediaError::NotAcceptable(MediaWarning {
                code: 305,
                text: "the callee chose no codec the caller's policy allows".into(),
            }));
        }
        // Video only when the callee took it: video is never transcoded.
        let kinds: &[MediaKind] = match caps.handles(&MediaKind::Video) && self.video.is_some() {
            true => &[MediaKind::Audio, MediaKind::Video],
            false => &[MediaKind::Audio],
        };
        let mut offer = tolk_sdp::offer(&caps, kinds, &mut ports);
        video::offer_feedback(&mut offer, &caps);
        rtcp_mux::name_rtcp_ports(&self.a.ports, &mut offer, true);
        self.a.local = Some(Box::new(offer.clone()));
        self.a.pending_offer = Some(Box::new(offer.clone()));
        Ok(offer)
    }

    /// True while a late-offer caller has not answered our offer yet: it
    /// can take no SDP in a provisional response, and a bad answer in its
    /// ACK ends the call.
    pub fn awaits_caller_answer(&self) -> bool {
        self.late_offer && self.a.negotiation.is_none()
    }

    /// The callee's 2xx carried the final answer: the initial offer is
    /// settled, so a later answer can only answer a later re-offer.
    pub fn b_confirmed(&mut self) {
        self.b.pending_offer = None;
    }

    /// A leg re-offers mid-call (hold, resume, new address). Answers it
    /// with the codecs in use and sets the relay; returns the answer and,
    /// when the leg's direction changed, the re-offer for the other leg.
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
        let mut other_video = self.leg(side.other()).codecs(MediaKind::Video);
        if other_video.is_empty() {
            other_video = (self.leg(side.other()).video_codecs())
                .map(|cap| cap.encoding.clone())
                .collect();
        }
        let mut caps = self.leg(side).caps_with_video(&other_video);
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video
                || other_codecs.iter().any(|e| same_codec(e, &cap.encoding))
        });
        if self.video.is_none() && offers_video(offer) && caps.handles(&MediaKind::Video) {
            // A port pair on both legs: whether each muxes video is only
            // known from the answers, and a pair serves either.
            let spec = EndpointSpec {
                ip: self.ip,
                rtcp_mux: RtcpMux::Separate,
            };
            let session = relay
                .create_session(spec, spec)
                .map_err(|e| MediaError::Resources(e.to_string()))?;
            tracing::info!(session = ?session.id, "video added mid-call");
            self.video = Some(Box::new(VideoStream::new(session)));
            let video = rtcp_mux::slot(&MediaKind::Video);
            (self.a.ports[video], self.b.ports[video]) = (RtcpMux::Separate, RtcpMux::Separate);
        }
        let old_directions = self.directions(side);
        let ports =
            RelayPorts::new(self.ip, self.local_port(side)).with_video(self.video_port(side));
        let leg = self.leg_mut(side);
        let answer = extra_video::answer(offer, &caps, &mut { ports })
            .map_err(|e| MediaError::from_negotiation(&e))?;
        let mut description = leg.versioned(answer.description);
        rtcp_mux::name_rtcp_ports(&leg.ports, &mut description, false);
        leg.local = Some(Box::new(description.clone()));
        leg.peer = Some(Box::new(offer.clone()));
        leg.negotiation = Some(answer.negotiation);
        let new_directions = self.directions(side);
        self.apply(relay).await?;
        // A stream put on hold or resumed on one leg is re-offered to the
        // other, each m-line with its own direction.
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

    /// The direction of `side`'s audio and video, as agreed.
    fn directions(&self, side: Side) -> [Option<Direction>; 2] {
        let negotiation = self.leg(side).negotiation.as_ref();
        [MediaKind::Audio, MediaKind::Video].map(|kind| {
            negotiation
                .and_then(|n| first_of(n, &kind))
                .map(|(_, m)| m.direction)
        })
    }

    /// Our re-offer to `side` with the codecs in use and each stream's
    /// direction (audio, video).
    fn reoffer(&mut self, side: Side, directions: [Option<Direction>; 2]) -> SessionDescription {
        let ports =
            RelayPorts::new(self.ip, self.local_port(side)).with_video(self.video_port(side));
        // Video this leg has not agreed yet is offered in the codecs the
        // other leg took (video passes through untranscoded).
        let mut video = self.leg(side).codecs(MediaKind::Video);
        if video.is_empty() {
            video = self.leg(side.other()).codecs(MediaKind::Video);
        }
        let leg = self.leg_mut(side);
        let audio = leg.codecs(MediaKind::Audio);
        let mut caps = leg.caps_with_video(&video);
        caps.codecs.retain(|cap| {
            cap.kind == MediaKind::Video || audio.iter().any(|c| same_codec(c, &cap.encoding))
        });
        let kinds: Vec<MediaKind> = [MediaKind::Audio, MediaKind::Video]
            .into_iter()
            .zip(directions)
            .filter(|(_, direction)| direction.is_some())
            .map(|(kind, _)| kind)
            .collect();
        let mut offer = tolk_sdp::offer(&caps, &kinds, &mut { ports });
        for line in &mut offer.media {
            let at = usize::from(line.kind == MediaKind::Video);
            if let Some(direction) = directions[at] {
                line.direction = Some(direction);
            }
        }
        video::offer_feedback(&mut offer, &caps);
        if let Some(previous) = &leg.local {
            offer.media = same_lines(&previous.media, offer.media);
        }
        rtcp_mux::name_rtcp_ports(&leg.ports, &mut offer, true);
        let offer = leg.versioned(offer);
        leg.local = Some(Box::new(offer.clone()));
        leg.pending_offer = Some(Box::new(offer.clone()));
        offer
    }

    /// The answer to our mid-call re-offer arrived, or to our current
    /// description offered again (in the 2xx to an offer-less re-INVITE).
    /// Returns a re-offer for the other leg when this one refused video
    /// that the other leg has (it is re-offered without it).
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
        let refused_video =
            offers_video(&offer) && first_of(&negotiation, &MediaKind::Video).is_none();
        leg.negotiation = Some(negotiation);
        leg.peer = Some(Box::new(answer.clone()));
        self.apply(relay).await?;
        let [audio, video] = self.directions(side.other());
        if !refused_video || video.is_none() {
            return Ok(None);
        }
        tracing::info!(
            ?side,
            "video refused: re-offered to the other leg without it"
        );
        Ok(Some(self.reoffer(side.other(), [audio, None])))
    }

    /// Plans the bridge and hands both legs' remotes, keys and payload
    /// types to the relay.
    async fn apply(&mut self, relay: &Relay) -> Result<(), MediaError> {
        let (Some(a), Some(b)) = (&self.a.negotiation, &self.b.negotiation) else {
            return Ok(());
        };
        let registry = CodecRegistry::with_builtins();
        let plan = tolk_sdp::plan::plan(a, b, |a, b| {
            self.may_transcode
                && registry.supports_audio(&codec_format(a))
                && registry.supports_audio(&codec_format(b))
        });
        let audio = plan.lines.iter().find(|l| l.kind == MediaKind::Audio);
        let passes = audio.is_some_and(|line| {
            line.codecs
                .iter()
                .any(|c| matches!(c, CodecPlan::Passthrough { .. }))
        });
        let transcode = audio.and_then(|line| {
            line.codecs.iter().find_map(|c| match c {
                CodecPlan::Transcode { a, b } => Some((a.clone(), b.clone())),
                _ => None,
            })
        });
        let transcodes = match (passes, transcode) {
            (true, _) => None,
            (false, Some(pair)) => Some(pair),
            (false, None) => {
                return Err(MediaError::NotAcceptable(MediaWarning {
                    code: 305,
                    text: "the two legs share no audio codec".into(),
                }));
            }
        };
        let (mut to_a, mut to_b) = (PayloadTypeMap::identity(), PayloadTypeMap::identity());
        if let Some(line) = audio {
            for codec in &line.codecs {
                if let CodecPlan::Passthrough { a_to_b, b_to_a, .. } = codec {
                    to_b.set(a_to_b.from.0, a_to_b.to.0);
                    to_a.set(b_to_a.from.0, b_to_a.to.0);
                }
            }
            if let EventPlan::Passthrough { a_to_b, b_to_a, .. } = &line.telephone_event {
                to_b.set(a_to_b.from.0, a_to_b.to.0);
                to_a.set(b_to_a.from.0, b_to_a.to.0);
            }
        }
        self.transcoding = transcodes.is_some();
        // The media toward each leg: from the other leg's codec to its own.
        let (a_pair, b_pair) = match &transcodes {
            Some((a_codec, b_codec)) => (Some((b_codec, a_codec)), Some((a_codec, b_codec))),
            None => (None, None),
        };
        let a_inject = self.dtmf_inject(Side::A, a_pair.map(|(_, into)| into));
        let b_inject = self.dtmf_inject(Side::B, b_pair.map(|(_, into)| into));
        self.a.injects = a_inject.is_some();
        self.b.injects = b_inject.is_some();
        let a_transcode = self.egress(Side::A, &to_a, a_pair, a_inject, &registry);
        let b_transcode = self.egress(Side::B, &to_b, b_pair, b_inject, &registry);
        let (Some(a), Some(b)) = (&self.a.negotiation, &self.b.negotiation) else {
            return Ok(());
        };
        let mut applied = Vec::with_capacity(2);
        for (side, negotiation, payload_types, transcode) in [
            (Side::A, a, to_a, a_transcode),
            (Side::B, b, to_b, b_transcode),
        ] {
            let audio_index = first_of(negotiation, &MediaKind::Audio).map_or(0, |(i, _)| i);
            let (remote, keys) = leg_remote_and_keys(negotiation, audio_index)?;
            let peer = self.leg(side).peer.as_deref();
            let (transform, transcode) = transcode.unzip();
            applied.push((
                side,
                AppliedLeg {
                    remote,
                    remote_rtcp: rtcp_mux::remote_rtcp(peer, audio_index, remote),
                    keys,
                    payload_types,
                    transform,
                    rtcp_mux: rtcp_mux::muxed(negotiation, audio_index),
                },
                transcode,
            ));
        }
        // Both legs in one round trip to the relay worker.
        let updates: Vec<(Side, LegUpdate)> = applied
            .iter_mut()
            .map(|(side, next, transcode)| {
                let previous = self.leg(*side).applied.as_ref();
                (*side, next.update_from(previous, transcode.take()))
            })
            .collect();
        relay
            .update_legs_async(self.session.id, updates)
            .await
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        for (side, next, _) in applied {
            let leg = self.leg_mut(side);
            rtcp_mux::settle(&mut leg.ports[0], next.rtcp_mux);
            leg.applied = Some(next);
        }
        if let (Some(video), Some(a), Some(b)) =
            (&mut self.video, &self.a.negotiation, &self.b.negotiation)
        {
            video.apply(
                relay,
                &plan,
                [a, b],
                [self.a.descriptions(), self.b.descriptions()],
            )?;
            // The relay settled an offered mux with the video it applied.
            let settled = [(Side::A, a), (Side::B, b)].map(|(side, negotiation)| {
                let index = video.index(side);
                (side, index.map(|i| rtcp_mux::muxed(negotiation, i)))
            });
            let at = rtcp_mux::slot(&MediaKind::Video);
            for (side, muxed) in settled {
                if let Some(muxed) = muxed {
                    rtcp_mux::settle(&mut self.leg_mut(side).ports[at], muxed);
                }
            }
        }
        Ok(())
    }

    /// The transform on the media toward `to`, with what it does (None:
    /// the relay only rewrites payload types): transcoding from the
    /// codec pair `transcode` (the other leg's, this leg's) and DTMF
    /// conversion when the two legs' DTMF forms differ, in one pass.
    fn egress(
        &self,
        to: Side,
        payload_types: &PayloadTypeMap,
        transcode: Option<(&LegCodec, &LegCodec)>,
        inject: Option<Inject>,
        registry: &CodecRegistry,
    ) -> Option<(String, Transcode)> {
        let detect = self.dtmf_detect(to);
        let (audio, what) = match transcode {
            Some((from, into)) => {
                let recipe = self.transcode_to(registry, to, from, into);
                // Events carried across are part of what a re-offer may change.
                let events = (
                    recipe.config.input.telephone_event,
                    recipe.config.output.telephone_event,
                );
                let what = format!("audio {from:?} to {into:?}, events {events:?}");
                (AudioPath::Transcode(recipe), what)
            }
            None if detect.is_none() && inject.is_none() => return None,
            None => (
                AudioPath::Rewrite(payload_types.clone()),
                "audio passed".to_owned(),
            ),
        };
        let what = format!(
            "{what}, dtmf detect {:?} inject {:?}",
            detect.as_ref().map(|d| (d.payload_type, d.clock_rate)),
            inject.as_ref().map(|i| (i.payload_type, i.clock_rate))
        );
        Some((
            what,
            Transcode::new(DtmfConversion {
                audio,
                detect,
                inject,
            }),
        ))
    }

    /// The relay's recipe for audio toward `to`, from codec `from` (what
    /// we receive on the other leg) to `into` (what we send on this one),
    /// as a fresh RTP stream (RFC 3550: random SSRC, sequence and
    /// timestamp). Telephone-events at each codec's clock rate are carried
    /// across when both legs have them.
    fn transcode_to(
        &self,
        registry: &CodecRegistry,
        to: Side,
        from: &LegCodec,
        into: &LegCodec,
    ) -> AudioTranscode {
        let events = |side: Side, codec: &LegCodec| {
            self.leg(side).telephone_event(codec.encoding.clock_rate)
        };
        let config = PipelineConfig {
            ssrc: rand::random(),
            first_sequence: rand::random(),
            first_timestamp: rand::random(),
            ..PipelineConfig::new(
                LegFormat {
                    telephone_event: events(to.other(), from).map(|te| te.recv_pt.0),
                    ..LegFormat::new(codec_format(&from.encoding), from.recv_pt.0)
                },
                LegFormat {
                    telephone_event: events(to, into).map(|te| te.send_pt.0),
                    ..LegFormat::new(codec_format(&into.encoding), into.send_pt.0)
                },
            )
        };
        AudioTranscode {
            registry: registry.clone(),
            config,
        }
    }

    /// Telephone-events from the other leg become INFO toward `to`.
    fn dtmf_detect(&self, to: Side) -> Option<Detect> {
        let (this, other) = (self.leg(to), self.leg(to.other()));
        let reports = self.dtmf_reports.as_ref()?;
        if (this.dtmf, other.dtmf) != (DtmfMode::Info, DtmfMode::Rfc4733) {
            return None;
        }
        let audio = other.audio()?;
        let rate = audio.codecs.first().map(|c| c.encoding.clock_rate);
        // Whatever rate the sender uses, every one it may send is caught.
        let te = rate
            .and_then(|rate| other.telephone_event(rate))
            .or_else(|| audio.telephone_events.first())?;
        Some(Detect {
            payload_type: te.recv_pt.0,
            clock_rate: te.encoding.clock_rate,
            reports: reports.clone(),
            session: self.session.id,
            from: to.other(),
        })
    }

    /// INFO key presses from the other leg go to `to` as telephone-events,
    /// at the clock rate of the audio they ride in: `transcoded_into`'s
    /// when the call transcodes, else the leg's own codec's.
    fn dtmf_inject(&self, to: Side, transcoded_into: Option<&LegCodec>) -> Option<Inject> {
        let (this, other) = (self.leg(to), self.leg(to.other()));
        if (this.dtmf, other.dtmf) != (DtmfMode::Rfc4733, DtmfMode::Info) {
            return None;
        }
        let rate = match transcoded_into {
            Some(codec) => codec.encoding.clock_rate,
            None => this.audio()?.codecs.first()?.encoding.clock_rate,
        };
        this.telephone_event(rate).map(|te| Inject {
            payload_type: te.send_pt.0,
            clock_rate: te.encoding.clock_rate,
            queue: this.dtmf_queue.clone(),
        })
    }

    /// Whether the relay transcodes this call's audio.
    pub fn is_transcoding(&self) -> bool {
        self.transcoding
    }

    /// A leg's negotiated media as the call table shows it.
    pub fn describe(&self, side: Side) -> LegDescription {
        let Some(negotiation) = self.leg(side).negotiation.as_ref() else {
            return LegDescription::default();
        };
        let (codecs, crypto) = describe(negotiation);
        LegDescription {
            codecs,
            crypto,
            streams: describe_streams(negotiation),
        }
    }

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

    fn video_port(&self, side: Side) -> Option<u16> {
        self.video.as_ref().map(|v| match side {
            Side::A => v.session.a.rtp.port(),
            Side::B => v.session.b.rtp.port(),
        })
    }

    fn local_port(&self, side: Side) -> u16 {
        match side {
            Side::A => self.session.a.rtp.port(),
            Side::B => self.session.b.rtp.port(),
        }
    }
}

/// Logs an answer that left out our trailing m-lines (an older phone or
/// a fixed-SDP answerer dropping video): `tolk-sdp` reads them as rejected.
fn note_short_answer(offer: &SessionDescription, answer: &SessionDescription) {
    if answer.media.len() < offer.media.len() {
        tracing::info!(
            offered = offer.media.len(),
            answered = answer.media.len(),
            "answer without our trailing m-lines: read as rejected"
        );
    }
}

/// A negotiation's audio codecs (`PCMU/8000`) and media protection.
pub(super) fn describe(negotiation: &Negotiation) -> (Vec<String>, String) {
    let Some(audio) = first_audio(negotiation) else {
        return (Vec::new(), String::new());
    };
    let codecs = audio
        .codecs
        .iter()
        .chain(&audio.telephone_events)
        .map(|c| c.encoding.to_string())
        .collect();
    (codecs, keying_name(&audio.keying, audio.protocol.as_str()))
}

/// Each accepted stream's kind and codecs (`("video", ["H264/90000"])`).
pub(super) fn describe_streams(negotiation: &Negotiation) -> Vec<(String, Vec<String>)> {
    negotiation
        .media
        .iter()
        .filter_map(|m| {
            let (_, accepted) = negotiation.accepted().find(|(i, _)| *i == m.index)?;
            let codecs = accepted
                .codecs
                .iter()
                .chain(&accepted.telephone_events)
                .map(|c| c.encoding.to_string())
                .collect();
            Some((m.kind.to_string(), codecs))
        })
        .collect()
}

/// The relay settings of one leg's audio from its negotiation.
pub(super) fn leg_update(
    negotiation: &Negotiation,
    payload_types: PayloadTypeMap,
) -> Result<LegUpdate, MediaError> {
    let index = first_of(negotiation, &MediaKind::Audio).map_or(0, |(i, _)| i);
    let (remote, keys) = leg_remote_and_keys(negotiation, index)?;
    Ok(LegUpdate {
        remote,
        keys: Some(keys),
        rtcp_mux: Some(rtcp_mux::muxed(negotiation, index)),
        latch: Some(LatchPolicy::LatchFirst),
        plan: Some(EgressPlan {
            payload_types,
            ..EgressPlan::default()
        }),
        ..LegUpdate::default()
    })
}

/// A leg's signalled RTP address and SRTP keys for m-line `index`.
pub(super) fn leg_remote_and_keys(
    negotiation: &Negotiation,
    index: usize,
) -> Result<(Option<SocketAddr>, LegKeys), MediaError> {
    let audio = negotiation
        .accepted()
        .find(|(i, _)| *i == index)
        .map(|(_, m)| m);
    let remote = audio
        .and_then(|m| m.remote.as_ref())
        .and_then(|(address, port)| Some(SocketAddr::new(address.to_ip()?, *port)))
        .filter(|addr| !addr.ip().is_unspecified() && addr.port() != 0);
    let keys = match audio.map(|m| &m.keying) {
        Some(Keying::Sdes { local, remote, .. }) => LegKeys {
            rx: Some(sdes_key(&remote.to_string())?),
            tx: Some(sdes_key(&local.to_string())?),
        },
        _ => LegKeys::default(),
    };
    Ok((remote, keys))
}

/// `tolk-media`'s name for an SDP rtpmap.
fn codec_format(encoding: &RtpMap) -> CodecFormat {
    let channels = encoding.channels.unwrap_or(1).min(u16::from(u8::MAX)) as u8;
    CodecFormat::new(&encoding.encoding, encoding.clock_rate, channels)
}

fn sdes_key(crypto_line: &str) -> Result<SrtpKey, MediaError> {
    CryptoAttribute::parse(crypto_line)
        .map(|attribute| attribute.key)
        .map_err(|e| {
            MediaError::NotAcceptable(MediaWarning {
                code: 302,
                text: format!("unusable SDES key: {e}"),
            })
        })
}

fn first_audio(negotiation: &Negotiation) -> Option<&AcceptedMedia> {
    first_of(negotiation, &MediaKind::Audio).map(|(_, media)| media)
}

/// The first accepted m-line of `kind` and its index.
fn first_of<'a>(
    negotiation: &'a Negotiation,
    kind: &MediaKind,
) -> Option<(usize, &'a AcceptedMedia)> {
    negotiation.accepted().find(|(index, _)| {
        negotiation
            .media
            .iter()
            .any(|m| m.index == *index && m.kind == *kind)
    })
}

/// The first active (port not 0) m-line of `kind` in `description`.
pub(super) fn first_active<'a>(
    description: &'a SessionDescription,
    kind: &MediaKind,
) -> Option<&'a MediaDescription> {
    description
        .media
        .iter()
        .find(|m| m.kind == *kind && m.port != 0)
}

/// Whether `offer` has an active video m-line.
fn offers_video(offer: &SessionDescription) -> bool {
    first_active(offer, &MediaKind::Video).is_some()
}

/// A re-offer's m-lines in the order of the `previous` description (RFC
/// 3264 section 8): each line from `fresh` takes the place of an active
/// line of its kind, else of a rejected one (a stream added again), else
/// goes at the end (a new stream); every line left without one (a stream
/// rejected or removed) is kept with port 0.
fn same_lines(
    previous: &[MediaDescription],
    fresh: Vec<MediaDescription>,
) -> Vec<MediaDescription> {
    let mut slots: Vec<Option<MediaDescription>> = vec![None; previous.len()];
    let mut added = Vec::new();
    for line in fresh {
        let free = |active: bool| {
            (0..previous.len()).find(|&i| {
                slots[i].is_none()
                    && previous[i].kind == line.kind
                    && (previous[i].port != 0) == active
            })
        };
        match free(true).or_else(|| free(false)) {
            Some(i) => slots[i] = Some(line),
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

/// Same encoding name (case-insensitive) and clock rate.
fn same_codec(a: &RtpMap, b: &RtpMap) -> bool {
    a.encoding.eq_ignore_ascii_case(&b.encoding) && a.clock_rate == b.clock_rate
}

fn keying_name(keying: &Keying, protocol: &str) -> String {
    match keying {
        Keying::Plain => protocol.to_owned(),
        Keying::Sdes { suite, .. } => format!("SDES {suite}"),
        Keying::Dtls { .. } => "DTLS-SRTP".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srtp_leg() -> AppliedLeg {
        let key = "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";
        AppliedLeg {
            remote: Some("127.0.0.1:40000".parse().unwrap()),
            remote_rtcp: None,
            keys: LegKeys {
                rx: Some(sdes_key(key).unwrap()),
                tx: Some(sdes_key(key).unwrap()),
            },
            payload_types: PayloadTypeMap::identity(),
            transform: None,
            rtcp_mux: false,
        }
    }

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

    #[test]
    fn first_update_sets_everything() {
        let update = srtp_leg().update_from(None, None);
        assert!(
            update
                .keys
                .is_some_and(|k| k.rx.is_some() && k.tx.is_some())
        );
        assert!(update.remote.is_some());
        assert_eq!(update.latch, Some(LatchPolicy::LatchFirst));
        assert!(update.plan.is_some());
    }

    #[test]
    fn unchanged_leg_keeps_its_srtp_context_latch_and_transform() {
        let leg = srtp_leg();
        let update = leg.update_from(Some(&leg.clone()), None);
        assert!(
            update.keys.is_none(),
            "keys resent: the SRTP context would restart"
        );
        assert!(update.latch.is_none());
        assert!(update.remote.is_none());
        assert!(update.plan.is_none());
    }

    #[test]
    fn only_what_changed_is_sent() {
        let before = srtp_leg();
        let mut moved = before.clone();
        moved.remote = Some("127.0.0.1:40010".parse().unwrap());
        let update = moved.update_from(Some(&before), None);
        assert_eq!(update.remote, moved.remote);
        assert!(update.keys.is_none() && update.plan.is_none());

        let mut rekeyed = before.clone();
        rekeyed.keys.rx = None;
        let update = rekeyed.update_from(Some(&before), None);
        assert_eq!(update.keys, Some(rekeyed.keys.clone()));
        assert!(update.remote.is_none() && update.plan.is_none());

        let mut transcoded = before.clone();
        transcoded.transform = Some("audio PCMU to PCMA".into());
        let update = transcoded.update_from(Some(&before), None);
        assert!(update.plan.is_some() && update.keys.is_none());
    }
}
