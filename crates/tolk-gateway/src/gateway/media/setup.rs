//! The call's media set up from the caller's INVITE: its offer checked,
//! the relay sessions allocated and the callee's offer written.

use std::net::IpAddr;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tolk_interwork::MediaWarning;
use tolk_media::codec::CodecRegistry;
use tolk_relay::{EndpointSpec, Relay};
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{MediaKind, RtpMap};
use tolk_sdp::negotiate::{AcceptedMedia, CodecCapability, rejected_line};

use super::super::dtmf::DtmfReport;
use super::super::policy::RelayPorts;
use super::super::relay_watch::RelayWatch;
use super::super::video::{MAX_VIDEO_LINES, VideoStream};
use super::super::{rtcp_mux, video};
use crate::config::MediaPolicy;

use super::egress::codec_format;
use super::leg::LegMedia;
use super::lines::{first_of, same_codec, video_of};
use super::video_lines;
use super::{CallMedia, MediaError};

impl CallMedia {
    /// Checks the caller's offer (None: a late offer) against
    /// `a_policy`, allocates the relay session and prepares the callee's
    /// offer under `b_policy`.
    pub(crate) async fn new(
        relay: &Relay,
        ip: IpAddr,
        a_policy: &MediaPolicy,
        b_policy: &MediaPolicy,
        a_offer: Option<SessionDescription>,
        watch: &RelayWatch,
    ) -> Result<Self, MediaError> {
        let mut a = LegMedia::new(a_policy);
        let mut b = LegMedia::new(b_policy);
        // The audio codecs the caller can take, and those of each video
        // line it offers that a stream may carry (by ordinal).
        let (acceptable, caller_video): (Vec<RtpMap>, Vec<(usize, Vec<RtpMap>)>) = match &a_offer {
            Some(offer) => {
                let precheck = tolk_sdp::answer(offer, &a.caps, &mut RelayPorts::new(ip, 9))
                    .map_err(|e| MediaError::from_negotiation(&e))?;
                let codecs =
                    |m: &AcceptedMedia| m.codecs.iter().map(|c| c.encoding.clone()).collect();
                let audio = first_of(&precheck.negotiation, &MediaKind::Audio)
                    .map(|(_, m)| codecs(m))
                    .unwrap_or_default();
                let video = (0..MAX_VIDEO_LINES)
                    .filter_map(|k| Some((k, codecs(video_of(&precheck.negotiation, k)?.1))))
                    .collect();
                (audio, video)
            }
            // A late offer: the callee is offered what the caller's
            // policy allows, on the video lines the callee's policy
            // asks for (one, or a main video line and a slides line);
            // the caller is offered the video lines the callee took (a
            // callee answering fewer m-lines has the missing ones read
            // as rejected).
            None => {
                let codecs = |kind: MediaKind| -> Vec<RtpMap> {
                    a.caps
                        .codecs_of(&kind)
                        .map(|c| c.encoding.clone())
                        .collect()
                };
                let video = (0..video_lines::late_offer_lines(b_policy))
                    .map(|k| (k, codecs(MediaKind::Video)))
                    .collect();
                (codecs(MediaKind::Audio), video)
            }
        };
        let acceptable_video: Vec<&RtpMap> = caller_video.iter().flat_map(|(_, c)| c).collect();
        let before: Vec<String> = b
            .caps
            .codecs_of(&MediaKind::Audio)
            .map(|c| c.encoding.to_string())
            .collect();
        let may_transcode = a_policy.transcoding && b_policy.transcoding;
        // The callee is offered what the caller can take: audio maybe
        // transcoded below, video never.
        let b_caps = Arc::make_mut(&mut b.caps);
        b_caps.codecs.retain(|cap| match cap.kind {
            MediaKind::Video => acceptable_video
                .iter()
                .any(|e| same_codec(e, &cap.encoding)),
            _ => acceptable.iter().any(|e| same_codec(e, &cap.encoding)),
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
        let (session, handover) = relay
            .start_session(spec(&a, MediaKind::Audio), spec(&b, MediaKind::Audio))
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        watch.watch(session.id, handover);
        // A stream per video line the callee may take too, each on its
        // own relay session.
        let video_specs = (spec(&a, MediaKind::Video), spec(&b, MediaKind::Video));
        let mut video = Vec::new();
        for (ordinal, codecs) in &caller_video {
            let takes = |cap: &CodecCapability| codecs.iter().any(|e| same_codec(e, &cap.encoding));
            if !b.caps.codecs_of(&MediaKind::Video).any(takes) {
                continue;
            }
            match relay.start_session(video_specs.0, video_specs.1) {
                Ok((info, handover)) => {
                    watch.watch(info.id, handover);
                    video.push(VideoStream::new(info, *ordinal));
                }
                Err(e) => {
                    for stream in video.iter().map(|v| v.session.id).chain([session.id]) {
                        let _ = relay.delete_async(stream).await;
                    }
                    return Err(MediaError::Resources(e.to_string()));
                }
            }
        }
        // The callee's k-th video line is the caller's k-th: lines before
        // the last stream that have none are offered with port 0.
        let lines = video.iter().map(|v| v.ordinal + 1).max().unwrap_or(0);
        let mut kinds = vec![MediaKind::Audio];
        kinds.extend(std::iter::repeat_n(MediaKind::Video, lines));
        let mut ports = RelayPorts::new(ip, session.b.rtp.port());
        for stream in &video {
            ports = ports.with_video(1 + stream.ordinal, stream.session.b.rtp.port());
        }
        let mut offer = tolk_sdp::offer(&b.caps, &kinds, &mut ports);
        // Each video line offers only the codecs of the caller's line.
        let lines = offer
            .media
            .iter_mut()
            .filter(|m| m.kind == MediaKind::Video);
        for (ordinal, line) in lines.enumerate() {
            let codecs = caller_video.iter().find(|(k, _)| *k == ordinal);
            match codecs.filter(|_| video.iter().any(|v| v.ordinal == ordinal)) {
                Some((_, codecs)) => line.formats.retain(|format| {
                    (format.encoding()).is_some_and(|e| codecs.iter().any(|c| same_codec(c, &e)))
                }),
                None => *line = rejected_line(line),
            }
        }
        match a.peer.as_deref() {
            Some(a_offer) => video_lines::carry_naming(&[a_offer], &mut offer),
            None if video_lines::late_offer_lines(b_policy) > 1 => {
                video_lines::name_late_offer_lines(&mut offer);
            }
            None => {}
        }
        video_lines::label_video_lines(&mut offer);
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
            watch: watch.clone(),
        })
    }

    /// Converts DTMF between an RFC 4733 leg and an INFO leg, reporting
    /// key presses for the INFO leg to `reports`.
    pub fn with_dtmf_reports(mut self, reports: UnboundedSender<DtmfReport>) -> Self {
        self.dtmf_reports = Some(reports);
        self
    }
}
