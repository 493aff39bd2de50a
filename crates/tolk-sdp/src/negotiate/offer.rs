//! The offerer's side: building an offer from local capabilities
//! (RFC 3264 §5) and reading the answer to it (§7).

use super::answer::write_keying;
use super::capabilities::{Capabilities, LocalMedia, SrtpPolicy};
use super::extensions;
use super::transport::{self, offer_protocol};
use super::{
    AcceptedMedia, Keying, MediaState, NegotiatedCodec, NegotiatedMedia, Negotiation,
    NegotiationError, Reason, Rejection, RtxPayloadTypes,
};
use crate::codec::{self, Special};
use crate::model::{
    Address, Direction, Fmtp, Format, Group, MediaDescription, MediaKind, Origin, RtpMap,
    SessionDescription, Setup, Text,
};

/// Builds an offer with one m-line per entry of `kinds` that `caps` has
/// codecs for, in that order.
pub fn offer(
    caps: &Capabilities,
    kinds: &[MediaKind],
    local: &mut dyn LocalMedia,
) -> SessionDescription {
    let ours = Address::ip(local.address());
    let mut description = SessionDescription::new(Origin {
        username: Text::from_static("tolk"),
        session_id: local.session_id().to_string().into(),
        session_version: 1,
        address: ours.clone(),
    });
    description.connection = Some(ours.clone());
    if caps.ice {
        let (ufrag, pwd) = local.ice_credentials();
        description.ice_lite = true;
        description.ice.ufrag = Some(ufrag.into());
        description.ice.pwd = Some(pwd.into());
    }
    let protocol = offer_protocol(caps);
    // Sized to the m-lines: a call keeps its offer, and spare media
    // sections are large.
    description.media = Vec::with_capacity(kinds.len());
    let mut bundle_port = None;
    for kind in kinds.iter().filter(|kind| caps.handles(kind)) {
        let index = description.media.len();
        let port = match bundle_port {
            Some(port) => port,
            None => local.port(index, kind),
        };
        if caps.bundle {
            bundle_port = Some(port);
        }
        let mut line = MediaDescription::new(kind.clone(), port, protocol.clone());
        line.formats = offered_formats(caps, kind);
        line.direction = Some(caps.direction);
        if caps.legacy_hold && !caps.direction.receives() {
            line.connection = Some(Address::ip(transport::unspecified_like(&ours)));
        }
        if caps.bundle || caps.ice {
            line.mid = Some(index.to_string().into());
        }
        line.rtcp_mux = caps.rtcp_mux;
        line.rtcp_rsize = protocol.has_feedback();
        line.extmaps = extensions::offer(&caps.header_extensions);
        if caps.ice {
            line.candidates.push(transport::host_candidate(&ours, port));
            line.end_of_candidates = true;
        }
        let keying = if protocol.requires_dtls() {
            Keying::Dtls {
                role: Setup::ActPass,
                remote_fingerprints: Vec::new(),
            }
        } else {
            Keying::Plain
        };
        write_keying(&mut line, &keying, local);
        if caps.security.srtp == SrtpPolicy::Required && !protocol.requires_dtls() {
            for (tag, suite) in (1..).zip(&caps.security.sdes_suites) {
                line.crypto.push(transport::sdes_line(tag, suite, local));
            }
        }
        description.media.push(line);
    }
    if caps.bundle && !description.media.is_empty() {
        description.groups.push(Group {
            semantics: Text::from_static("BUNDLE"),
            mids: description
                .media
                .iter()
                .filter_map(|m| m.mid.clone())
                .collect(),
        });
    }
    description
}

/// Our codecs of `kind` as offered formats, with rtx and telephone-event.
fn offered_formats(caps: &Capabilities, kind: &MediaKind) -> Vec<Format> {
    let mut formats = Vec::new();
    for cap in caps.codecs_of(kind) {
        formats.push(Format {
            pt: cap.pt,
            rtpmap: Some(cap.encoding.clone()),
            fmtp: cap.fmtp.clone(),
            rtcp_fb: if caps.rtcp_feedback {
                cap.rtcp_fb.clone()
            } else {
                Vec::new()
            },
        });
        if let Some(rtx) = cap.rtx_pt {
            formats.push(Format {
                pt: rtx,
                rtpmap: Some(RtpMap::new("rtx", cap.encoding.clock_rate)),
                fmtp: Some(Fmtp(format!("apt={}", cap.pt).into())),
                rtcp_fb: Vec::new(),
            });
        }
    }
    if *kind == MediaKind::Audio {
        for &(rate, pt) in &caps.telephone_events {
            if caps
                .codecs_of(kind)
                .any(|cap| cap.encoding.clock_rate == rate)
            {
                let mut format = Format::new(pt, RtpMap::new("telephone-event", rate));
                format.fmtp = Some(Fmtp(Text::from_static("0-15")));
                formats.push(format);
            }
        }
    }
    formats
}

/// Reads the answer to our `offer`: what was agreed per m-line. Fails when
/// the answer does not fit the offer or accepts nothing.
///
/// An answer with fewer m-lines than offered, whose lines match the
/// offer's kinds in order, is read as the peer rejecting the missing
/// trailing lines: older phones and fixed-SDP answerers drop a video line
/// they do not know instead of answering it with port 0 (RFC 3264 section
/// 6 asks for port 0). More lines, or kinds out of order, do not fit.
pub fn process_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<Negotiation, NegotiationError> {
    if !lines_fit(offer, answer) {
        return Err(NegotiationError {
            rejections: vec![Rejection {
                index: 0,
                kind: offer
                    .media
                    .first()
                    .map_or(MediaKind::Audio, |m| m.kind.clone()),
                reason: Reason::BadAnswer(format!(
                    "{} m-lines answered, {} offered",
                    answer.media.len(),
                    offer.media.len()
                )),
            }],
        });
    }
    let mut negotiation = Negotiation {
        media: Vec::with_capacity(offer.media.len()),
        bundle: answer.bundle().map(<[Text]>::to_vec).unwrap_or_default(),
    };
    for (index, ours) in offer.media.iter().enumerate() {
        let state = match answer.media.get(index) {
            Some(theirs) => match agreed(offer, answer, index, ours, theirs) {
                Ok(accepted) => MediaState::Accepted(Box::new(accepted)),
                Err(reason) => MediaState::Rejected(reason),
            },
            None => MediaState::Rejected(Reason::RejectedByPeer),
        };
        negotiation.media.push(NegotiatedMedia {
            index,
            kind: ours.kind.clone(),
            mid: ours.mid.clone(),
            state,
        });
    }
    if negotiation.accepted().next().is_none() {
        return Err(NegotiationError::nothing_accepted(negotiation));
    }
    Ok(negotiation)
}

/// As many m-lines as offered, or fewer whose kinds follow the offer's.
fn lines_fit(offer: &SessionDescription, answer: &SessionDescription) -> bool {
    match answer.media.len().cmp(&offer.media.len()) {
        std::cmp::Ordering::Equal => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Less => offer
            .media
            .iter()
            .zip(&answer.media)
            .all(|(ours, theirs)| ours.kind == theirs.kind),
    }
}

fn agreed(
    offer: &SessionDescription,
    answer: &SessionDescription,
    index: usize,
    ours: &MediaDescription,
    theirs: &MediaDescription,
) -> Result<AcceptedMedia, Reason> {
    if ours.is_rejected() {
        return Err(Reason::DisabledByOfferer);
    }
    if theirs.is_rejected() {
        return Err(Reason::RejectedByPeer);
    }
    if theirs.kind != ours.kind || theirs.protocol != ours.protocol {
        return Err(Reason::BadAnswer(format!(
            "answered {} {} to {} {}",
            theirs.kind, theirs.protocol, ours.kind, ours.protocol
        )));
    }
    let (codecs, telephone_events) = matched_codecs(ours, theirs);
    if codecs.is_empty() {
        return Err(Reason::BadAnswer(
            "no offered codec in the answer".to_owned(),
        ));
    }
    let keying = answered_keying(offer, answer, ours, theirs)?;
    let connection = answer.connection_for(index);
    let mut their_direction = theirs
        .direction
        .or(answer.direction)
        .unwrap_or(Direction::SendRecv);
    if connection.is_some_and(Address::is_unspecified) {
        their_direction = Direction::from_flags(their_direction.sends(), false);
    }
    let our_direction = ours
        .direction
        .or(offer.direction)
        .unwrap_or(Direction::SendRecv);
    Ok(AcceptedMedia {
        protocol: ours.protocol.clone(),
        direction: our_direction.intersect(their_direction.reversed()),
        codecs,
        telephone_events,
        keying,
        rtcp_mux: ours.rtcp_mux && theirs.rtcp_mux,
        remote: connection.map(|address| (address.clone(), theirs.port)),
    })
}

/// Pairs each answered format with the offered one it accepts: we send
/// with the answer's payload type and receive with ours.
fn matched_codecs(
    ours: &MediaDescription,
    theirs: &MediaDescription,
) -> (Vec<NegotiatedCodec>, Vec<NegotiatedCodec>) {
    let mut codecs: Vec<NegotiatedCodec> = Vec::new();
    let mut events = Vec::new();
    let find = |encoding: &RtpMap, fmtp: Option<&Fmtp>, kind: Special| {
        ours.formats.iter().find(|offered| {
            offered.encoding().is_some_and(|ours| {
                codec::special(&ours) == kind
                    && codec::same_codec(&ours, offered.fmtp.as_ref(), encoding, fmtp)
            })
        })
    };
    for format in &theirs.formats {
        let Some(encoding) = format.encoding() else {
            continue;
        };
        let kind = codec::special(&encoding);
        if kind == Special::Rtx {
            continue;
        }
        let Some(offered) = find(&encoding, format.fmtp.as_ref(), kind) else {
            continue;
        };
        let codec = NegotiatedCodec {
            encoding,
            fmtp: format.fmtp.clone(),
            send_pt: format.pt,
            recv_pt: offered.pt,
            rtx: None,
        };
        match kind {
            Special::TelephoneEvent => events.push(codec),
            _ => codecs.push(codec),
        }
    }
    for format in &theirs.formats {
        let Some(apt) = codec::rtx_apt(format) else {
            continue;
        };
        let Some(codec) = codecs.iter_mut().find(|codec| codec.send_pt == apt) else {
            continue;
        };
        let our_rtx = ours
            .formats
            .iter()
            .find(|offered| codec::rtx_apt(offered) == Some(codec.recv_pt));
        if let Some(our_rtx) = our_rtx {
            codec.rtx = Some(RtxPayloadTypes {
                send_pt: format.pt,
                recv_pt: our_rtx.pt,
            });
        }
    }
    (codecs, events)
}

fn answered_keying(
    offer: &SessionDescription,
    answer: &SessionDescription,
    ours: &MediaDescription,
    theirs: &MediaDescription,
) -> Result<Keying, Reason> {
    if !ours.protocol.is_secure() {
        return Ok(Keying::Plain);
    }
    let fingerprints = if theirs.fingerprints.is_empty() {
        &answer.fingerprints
    } else {
        &theirs.fingerprints
    };
    let offered_dtls = !ours.fingerprints.is_empty() || !offer.fingerprints.is_empty();
    if offered_dtls && !fingerprints.is_empty() {
        let role = match theirs.setup.or(answer.setup) {
            Some(Setup::Active) => Setup::Passive,
            // RFC 4145: an answer without setup means active... but
            // RFC 5763 §5 requires it; passive is the only other valid
            // answer to actpass.
            None => Setup::Passive,
            Some(Setup::Passive) => Setup::Active,
            Some(other) => {
                return Err(Reason::BadAnswer(format!(
                    "DTLS setup {other} in an answer"
                )));
            }
        };
        return Ok(Keying::Dtls {
            role,
            remote_fingerprints: fingerprints.clone(),
        });
    }
    let remote = theirs.crypto.first().ok_or_else(|| {
        Reason::Transport(format!(
            "{}: answer has no crypto or fingerprint",
            ours.protocol
        ))
    })?;
    let local = ours
        .crypto
        .iter()
        .find(|offered| offered.tag == remote.tag && offered.suite == remote.suite)
        .ok_or_else(|| Reason::BadAnswer(format!("crypto tag {} was not offered", remote.tag)))?;
    Ok(Keying::Sdes {
        suite: remote.suite.clone(),
        local: local.clone(),
        remote: remote.clone(),
    })
}
