//! Answering an offer (RFC 3264 §6): one answer m-line per offered one,
//! in order; each accepted with the shared codecs under the offerer's
//! payload types, or rejected with port 0 and a reason.

use super::capabilities::{Capabilities, LocalMedia};
use super::codecs::{self, Selection};
use super::extensions;
use super::transport::{self, answer_keying};
use super::{
    AcceptedMedia, Keying, MediaState, NegotiatedMedia, Negotiation, NegotiationError, Reason,
};
use crate::model::{
    Address, Direction, Format, Group, MediaDescription, Origin, SessionDescription, Text,
};

/// An answer and what it agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer to send.
    pub description: SessionDescription,
    /// What was agreed, per m-line.
    pub negotiation: Negotiation,
}

/// Answers `offer` under `caps`. Fails (SIP 488) when no m-line can be
/// accepted; otherwise rejected lines are in the answer with port 0.
pub fn answer(
    offer: &SessionDescription,
    caps: &Capabilities,
    local: &mut dyn LocalMedia,
) -> Result<Answer, NegotiationError> {
    let ours = Address::ip(local.address());
    let mut description = SessionDescription::new(Origin {
        username: Text::from_static("tolk"),
        session_id: local.session_id().to_string().into(),
        session_version: 1,
        address: ours.clone(),
    });
    description.connection = Some(ours.clone());
    let offered_ice =
        offer.ice.ufrag.is_some() || offer.media.iter().any(|m| m.ice.ufrag.is_some());
    let ice = caps.ice && offered_ice;
    if ice {
        let (ufrag, pwd) = local.ice_credentials();
        description.ice_lite = true;
        description.ice.ufrag = Some(ufrag.into());
        description.ice.pwd = Some(pwd.into());
    }
    let offered_bundle: &[Text] = if caps.bundle {
        offer.bundle().unwrap_or_default()
    } else {
        &[]
    };
    // Sized to the offer's m-lines: a call keeps its answer and
    // negotiation, and spare media sections are large.
    description.media = Vec::with_capacity(offer.media.len());
    let mut negotiation = Negotiation {
        media: Vec::with_capacity(offer.media.len()),
        bundle: Vec::new(),
    };
    let mut bundle_port = None;
    for (index, media) in offer.media.iter().enumerate() {
        let bundled = media
            .mid
            .as_ref()
            .is_some_and(|mid| offered_bundle.contains(mid));
        let outcome = accept(offer, index, media, caps, local, &ours, ice);
        let (line, state) = match outcome {
            Ok((selection, keying, direction)) => {
                let port = match (bundled, bundle_port) {
                    (true, Some(port)) => port,
                    _ => local.port(index, &media.kind),
                };
                if bundled {
                    bundle_port = Some(port);
                    negotiation.bundle.extend(media.mid.clone());
                }
                let remote = offer
                    .connection_for(index)
                    .map(|address| (address.clone(), media.port));
                let rtcp_mux = media.rtcp_mux && caps.rtcp_mux;
                let mut line =
                    MediaDescription::new(media.kind.clone(), port, media.protocol.clone());
                line.formats = selection.formats;
                line.rtcp_fb_all = selection.rtcp_fb_all;
                line.direction = Some(direction);
                line.rtcp_mux = rtcp_mux;
                line.rtcp_rsize = media.rtcp_rsize && media.protocol.has_feedback();
                line.extmaps = extensions::answer(&media.extmaps, &caps.header_extensions);
                if caps.legacy_hold && !direction.receives() {
                    line.connection = Some(Address::ip(transport::unspecified_like(&ours)));
                }
                if ice {
                    line.candidates.push(transport::host_candidate(&ours, port));
                    line.end_of_candidates = true;
                }
                write_keying(&mut line, &keying, local);
                let accepted = AcceptedMedia {
                    protocol: media.protocol.clone(),
                    direction,
                    codecs: selection.codecs,
                    telephone_events: selection.telephone_events,
                    keying,
                    rtcp_mux,
                    remote,
                };
                (line, MediaState::Accepted(Box::new(accepted)))
            }
            Err(reason) => (rejected_line(media), MediaState::Rejected(reason)),
        };
        let mut line = line;
        line.mid = media.mid.clone();
        description.media.push(line);
        negotiation.media.push(NegotiatedMedia {
            index,
            kind: media.kind.clone(),
            mid: media.mid.clone(),
            state,
        });
    }
    if !negotiation.bundle.is_empty() {
        description.groups.push(Group {
            semantics: Text::from_static("BUNDLE"),
            mids: negotiation.bundle.clone(),
        });
    }
    if negotiation.accepted().next().is_none() {
        return Err(NegotiationError::nothing_accepted(negotiation));
    }
    description.extmaps = extensions::answer(&offer.extmaps, &caps.header_extensions);
    Ok(Answer {
        description,
        negotiation,
    })
}

/// Decides one m-line: codecs, keying and direction, or why not.
fn accept(
    offer: &SessionDescription,
    index: usize,
    media: &MediaDescription,
    caps: &Capabilities,
    local: &mut dyn LocalMedia,
    ours: &Address,
    ice: bool,
) -> Result<(Selection, Keying, Direction), Reason> {
    if media.is_rejected() {
        return Err(Reason::DisabledByOfferer);
    }
    if !caps.handles(&media.kind) {
        return Err(Reason::MediaTypeNotAvailable);
    }
    let mux_only = media
        .other
        .iter()
        .any(|a| a.name.eq_ignore_ascii_case("rtcp-mux-only"));
    if mux_only && !caps.rtcp_mux {
        return Err(Reason::Transport(
            "rtcp-mux-only offered, rtcp-mux disabled".to_owned(),
        ));
    }
    let connection = offer.connection_for(index);
    transport::check_address(connection, ours, ice)?;
    // Transport before codecs: a wrong profile is the more basic failure.
    if !media.protocol.is_rtp() {
        return Err(Reason::Transport(format!(
            "{}: not an RTP profile we relay",
            media.protocol
        )));
    }
    let selection = codecs::select(media, caps)?;
    let keying = answer_keying(offer, media, caps, local)?;
    let mut offered = media
        .direction
        .or(offer.direction)
        .unwrap_or(Direction::SendRecv);
    if connection.is_some_and(Address::is_unspecified) {
        // RFC 3264 §8.4: c=0.0.0.0 is the old hold: the offerer does not
        // want media.
        offered = Direction::from_flags(offered.sends(), false);
    }
    Ok((
        selection,
        keying,
        offered.reversed().intersect(caps.direction),
    ))
}

/// A rejected answer line (RFC 3264 section 6): port 0, the offered
/// formats and the offered `a=mid` (so BUNDLE groups still name it),
/// nothing else.
pub fn rejected_line(offered: &MediaDescription) -> MediaDescription {
    let mut line = MediaDescription::new(offered.kind.clone(), 0, offered.protocol.clone());
    line.formats = offered
        .formats
        .iter()
        .map(|format| Format {
            pt: format.pt,
            rtpmap: None,
            fmtp: None,
            rtcp_fb: Vec::new(),
        })
        .collect();
    line.other_formats = offered.other_formats.clone();
    line.mid = offered.mid.clone();
    line
}

/// Writes our keying lines.
pub(crate) fn write_keying(
    line: &mut MediaDescription,
    keying: &Keying,
    local: &mut dyn LocalMedia,
) {
    match keying {
        Keying::Plain => {}
        Keying::Sdes { local: crypto, .. } => line.crypto.push(crypto.clone()),
        Keying::Dtls { role, .. } => {
            line.fingerprints.extend(local.fingerprint());
            line.setup = Some(*role);
        }
    }
}
