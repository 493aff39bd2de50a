//! Rewriting an SDP the way rtpengine does: the relay's address and ports
//! replace the peer's, ICE and DTLS attributes go (the relay is the only
//! media address the other side sees), and SDES `a=crypto` lines are the
//! relay's own. Codecs, `a=ptime`, direction attributes and unknown
//! attributes pass through untouched.

use std::net::{IpAddr, SocketAddr};

use rand::RngCore;
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{Address, Crypto, CryptoSuite, IceParams, MediaDescription, Rtcp};

use super::failure::Failure;
use super::request::Flags;
use crate::srtp::sdes::{format_inline, parse_inline};
use crate::srtp::{SrtpKey, SrtpProfile};

/// Suites the relay offers to a leg it keys itself, in preference order.
/// AES_CM_128_HMAC_SHA1_80 first: every SDES peer implements it.
pub const OFFERED_SUITES: [SrtpProfile; 3] = [
    SrtpProfile::AesCm128HmacSha1_80,
    SrtpProfile::AesCm128HmacSha1_32,
    SrtpProfile::AeadAes128Gcm,
];

/// Where the relay wants one leg to send a media section.
#[derive(Debug, Clone)]
pub struct Advertised {
    /// Relay address and RTP port.
    pub rtp: SocketAddr,
    /// Relay RTCP port (the RTP port when muxed).
    pub rtcp_port: u16,
    /// Whether to write `a=rtcp-mux`.
    pub rtcp_mux: bool,
    /// The m-line protocol.
    pub protocol: tolk_sdp::model::TransportProtocol,
    /// The `a=crypto` lines.
    pub crypto: Vec<Crypto>,
}

/// Session-level rewrite: `c=` always, `o=` when asked; ICE and DTLS go.
pub fn rewrite_session(desc: &mut SessionDescription, relay_ip: IpAddr, flags: &Flags) {
    if desc.connection.is_some() || desc.media.iter().any(|m| m.connection.is_none()) {
        desc.connection = Some(Address::ip(relay_ip));
    }
    if flags.replace_origin {
        desc.origin.address = Address::ip(relay_ip);
    }
    desc.ice = IceParams::default();
    desc.ice_lite = false;
    desc.fingerprints.clear();
    desc.setup = None;
}

/// Media-level rewrite toward one leg.
pub fn rewrite_media(m: &mut MediaDescription, to: &Advertised, flags: &Flags) {
    m.port = to.rtp.port();
    m.protocol = to.protocol.clone();
    if m.connection.is_some() {
        m.connection = Some(Address::ip(to.rtp.ip()));
    }
    m.rtcp = (!flags.no_rtcp_attribute).then_some(Rtcp {
        port: to.rtcp_port,
        address: None,
    });
    m.rtcp_mux = to.rtcp_mux;
    m.crypto.clone_from(&to.crypto);
    strip_ice_and_dtls(m);
}

/// A section the relay does not carry: disabled (port 0), nothing to dial.
pub fn disable_media(m: &mut MediaDescription) {
    m.port = 0;
    m.crypto.clear();
    m.rtcp = None;
    strip_ice_and_dtls(m);
}

fn strip_ice_and_dtls(m: &mut MediaDescription) {
    m.ice = IceParams::default();
    m.candidates.clear();
    m.end_of_candidates = false;
    m.fingerprints.clear();
    m.setup = None;
    m.other
        .retain(|a| !a.name.eq_ignore_ascii_case("remote-candidates"));
}

/// The peer's RTP and RTCP addresses for section `index`, after the
/// `media-address` / `SIP-source-address` flags; `None` while on hold
/// (`0.0.0.0`) or disabled.
pub fn remote_of(
    desc: &SessionDescription,
    index: usize,
    flags: &Flags,
) -> (Option<SocketAddr>, Option<SocketAddr>) {
    let Some(m) = desc.media.get(index) else {
        return (None, None);
    };
    let from_sdp = desc.connection_for(index).and_then(Address::to_ip);
    let ip = flags
        .media_address
        .or(flags.received_from.filter(|_| flags.sip_source_address))
        .or(from_sdp)
        .filter(|ip| !ip.is_unspecified());
    let Some(ip) = ip.filter(|_| m.port != 0) else {
        return (None, None);
    };
    let rtp = SocketAddr::new(ip, m.port);
    let rtcp = if m.rtcp_mux {
        Some(rtp)
    } else {
        m.rtcp.as_ref().map(|r| {
            let rtcp_ip = r.address.as_ref().and_then(Address::to_ip).unwrap_or(ip);
            SocketAddr::new(rtcp_ip, r.port)
        })
    };
    (Some(rtp), rtcp)
}

/// The first of the peer's `a=crypto` lines the relay implements, with its
/// decoded key. `Err` when it offered SRTP the relay cannot key.
pub fn peer_crypto(m: &MediaDescription) -> Result<(u32, SrtpKey), Failure> {
    if m.crypto.is_empty() {
        return Err(Failure::new(
            "DTLS-SRTP is not supported: no SDES a=crypto line",
        ));
    }
    m.crypto
        .iter()
        .find_map(|c| {
            let profile = SrtpProfile::from_sdes_name(c.suite.as_str()).ok()?;
            let key = parse_inline(profile, c.keys.first()?).ok()?;
            Some((c.tag, key))
        })
        .ok_or(Failure::new("No supported SDES crypto suite"))
}

/// The peer's key for the line tagged `tag` under `profile` (an answer
/// echoing one of the relay's offered lines).
pub fn answered_key(
    m: &MediaDescription,
    tag: u32,
    profile: SrtpProfile,
) -> Result<SrtpKey, Failure> {
    m.crypto
        .iter()
        .find(|c| c.tag == tag)
        .and_then(|c| c.keys.first())
        .and_then(|k| parse_inline(profile, k).ok())
        .ok_or(Failure::new("Invalid SDES key in answer"))
}

/// A fresh master key and salt for `profile`.
pub fn fresh_key(rng: &mut impl RngCore, profile: SrtpProfile) -> Result<SrtpKey, Failure> {
    let mut material = [0u8; 32];
    let (key_len, salt_len) = (profile.key_len(), profile.salt_len());
    let material = material
        .get_mut(..key_len + salt_len)
        .ok_or(Failure::new("SRTP key too long"))?;
    rng.fill_bytes(material);
    let (key, salt) = material.split_at(key_len);
    Ok(SrtpKey::new(profile, key, salt)?)
}

/// The `a=crypto` line for a key.
pub fn crypto_line(tag: u32, key: &SrtpKey) -> Crypto {
    Crypto {
        tag,
        suite: CryptoSuite::from_token(key.profile().sdes_name()),
        keys: vec![format_inline(key).into()],
        session_params: Vec::new(),
    }
}
