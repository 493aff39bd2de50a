//! Lookups in negotiations and descriptions: the first m-line of a kind,
//! a line's remote address and SRTP keys, codecs compared.

use std::net::SocketAddr;

use tolk_interwork::MediaWarning;
use tolk_relay::latch::LatchPolicy;
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::srtp::SrtpKey;
use tolk_relay::srtp::sdes::CryptoAttribute;
use tolk_relay::{LegKeys, LegUpdate};
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{MediaDescription, MediaKind, RtpMap};
use tolk_sdp::negotiate::{AcceptedMedia, Keying, Negotiation};

use super::super::rtcp_mux;

use super::MediaError;

/// The relay settings of one leg's audio from its negotiation.
pub(crate) fn leg_update(
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
pub(crate) fn leg_remote_and_keys(
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

pub(super) fn sdes_key(crypto_line: &str) -> Result<SrtpKey, MediaError> {
    CryptoAttribute::parse(crypto_line)
        .map(|attribute| attribute.key)
        .map_err(|e| {
            MediaError::NotAcceptable(MediaWarning {
                code: 302,
                text: format!("unusable SDES key: {e}"),
            })
        })
}

pub(super) fn first_audio(negotiation: &Negotiation) -> Option<&AcceptedMedia> {
    first_of(negotiation, &MediaKind::Audio).map(|(_, media)| media)
}

/// The first accepted m-line of `kind` and its index.
pub(super) fn first_of<'a>(
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

/// The `ordinal`-th video m-line of `negotiation` (rejected lines
/// counted) and its index, when accepted.
pub(crate) fn video_of(
    negotiation: &Negotiation,
    ordinal: usize,
) -> Option<(usize, &AcceptedMedia)> {
    let line = (negotiation.media.iter())
        .filter(|m| m.kind == MediaKind::Video)
        .nth(ordinal)?;
    negotiation
        .accepted()
        .find(|(index, _)| *index == line.index)
}

/// The `ordinal`-th video m-line of `description` (rejected lines
/// counted) and its index.
pub(super) fn video_line(
    description: &SessionDescription,
    ordinal: usize,
) -> Option<(usize, &MediaDescription)> {
    (description.media.iter().enumerate())
        .filter(|(_, m)| m.kind == MediaKind::Video)
        .nth(ordinal)
}

/// The first active (port not 0) m-line of `kind` in `description`.
pub(crate) fn first_active<'a>(
    description: &'a SessionDescription,
    kind: &MediaKind,
) -> Option<&'a MediaDescription> {
    description
        .media
        .iter()
        .find(|m| m.kind == *kind && m.port != 0)
}

/// Whether `offer`'s `ordinal`-th video m-line is active.
pub(super) fn offers_video(offer: &SessionDescription, ordinal: usize) -> bool {
    video_line(offer, ordinal).is_some_and(|(_, m)| m.port != 0)
}

/// Same encoding name (case-insensitive) and clock rate.
pub(super) fn same_codec(a: &RtpMap, b: &RtpMap) -> bool {
    a.encoding.eq_ignore_ascii_case(&b.encoding) && a.clock_rate == b.clock_rate
}
