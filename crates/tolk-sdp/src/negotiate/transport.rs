//! Transport profile rules: which profiles are acceptable, how SRTP is
//! keyed (SDES strongest common suite, or DTLS with the setup role by
//! policy), and the local transport lines we write.

use base64::Engine as _;

use super::capabilities::{Capabilities, LocalMedia, SrtpPolicy};
use super::{Keying, Reason};
use crate::model::{
    Address, Candidate, Crypto, CryptoSuite, MediaDescription, SessionDescription, Setup, Text,
    TransportProtocol,
};

/// Chooses how to key an offered m-line, or says why its transport is not
/// acceptable. Writes nothing; the caller adds our lines.
pub(crate) fn answer_keying(
    offer: &SessionDescription,
    media: &MediaDescription,
    caps: &Capabilities,
    local: &mut dyn LocalMedia,
) -> Result<Keying, Reason> {
    let protocol = &media.protocol;
    let reject = |why: &str| Err(Reason::Transport(format!("{protocol}: {why}")));
    if !protocol.is_rtp() {
        return reject("not an RTP profile we relay");
    }
    if protocol.has_feedback() && !caps.rtcp_feedback {
        return reject("RTCP feedback profiles are not enabled");
    }
    let policy = &caps.security;
    if !protocol.is_secure() {
        return match policy.srtp {
            SrtpPolicy::Required => reject("plain RTP offered but SRTP is required"),
            SrtpPolicy::Optional | SrtpPolicy::Disabled => Ok(Keying::Plain),
        };
    }
    if policy.srtp == SrtpPolicy::Disabled {
        return reject("SRTP is disabled");
    }
    let fingerprints = if media.fingerprints.is_empty() {
        &offer.fingerprints
    } else {
        &media.fingerprints
    };
    if policy.dtls && !fingerprints.is_empty() {
        let role = match media.setup.or(offer.setup).unwrap_or(Setup::ActPass) {
            Setup::ActPass => policy.dtls_role,
            Setup::Active => Setup::Passive,
            Setup::Passive => Setup::Active,
            Setup::HoldConn => return reject("DTLS setup holdconn"),
        };
        return Ok(Keying::Dtls {
            role,
            remote_fingerprints: fingerprints.clone(),
        });
    }
    if protocol.requires_dtls() {
        return if policy.dtls {
            reject("DTLS profile without a fingerprint")
        } else {
            reject("DTLS-SRTP is not enabled")
        };
    }
    let chosen = media
        .crypto
        .iter()
        .filter(|crypto| crypto.session_params.is_empty() && crypto.inline_key().is_some())
        .filter(|crypto| policy.sdes_suites.contains(&crypto.suite))
        .max_by_key(|crypto| crypto.suite.strength());
    match chosen {
        Some(remote) => Ok(Keying::Sdes {
            suite: remote.suite.clone(),
            local: sdes_line(remote.tag, &remote.suite, local),
            remote: remote.clone(),
        }),
        None if media.crypto.is_empty() && fingerprints.is_empty() => {
            reject("SRTP profile without crypto or fingerprint")
        }
        None if policy.sdes_suites.is_empty() => reject(if media.crypto.is_empty() {
            "DTLS-SRTP is not enabled"
        } else {
            "SDES-SRTP is not enabled"
        }),
        None => reject(&format!(
            "no acceptable SDES suite: offered {}",
            suites(&media.crypto)
        )),
    }
}

fn suites(crypto: &[Crypto]) -> String {
    let names: Vec<&str> = crypto.iter().map(|c| c.suite.as_str()).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Our `a=crypto` line with fresh key material.
pub(crate) fn sdes_line(tag: u32, suite: &CryptoSuite, local: &mut dyn LocalMedia) -> Crypto {
    let len = suite.key_and_salt_len().unwrap_or(30);
    let key = base64::engine::general_purpose::STANDARD.encode(local.srtp_key_material(len));
    Crypto {
        tag,
        suite: suite.clone(),
        keys: vec![format!("inline:{key}").into()],
        session_params: Vec::new(),
    }
}

/// The profile we offer under `caps`.
pub(crate) fn offer_protocol(caps: &Capabilities) -> TransportProtocol {
    let feedback = caps.rtcp_feedback;
    match (caps.security.srtp, caps.security.dtls, feedback) {
        (SrtpPolicy::Required, true, true) => TransportProtocol::UdpTlsRtpSavpf,
        (SrtpPolicy::Required, true, false) => TransportProtocol::UdpTlsRtpSavp,
        (SrtpPolicy::Required, false, true) => TransportProtocol::RtpSavpf,
        (SrtpPolicy::Required, false, false) => TransportProtocol::RtpSavp,
        (_, _, true) => TransportProtocol::RtpAvpf,
        (_, _, false) => TransportProtocol::RtpAvp,
    }
}

/// Our host candidate (ICE-lite has only host candidates).
pub(crate) fn host_candidate(address: &Address, port: u16) -> Candidate {
    Candidate {
        foundation: Text::from_static("1"),
        component: 1,
        transport: Text::from_static("udp"),
        priority: 2_130_706_431,
        address: address.address.clone(),
        port,
        kind: Text::from_static("host"),
        extensions: Vec::new(),
    }
}

/// Whether we can send to the offered address from our address family.
pub(crate) fn check_address(
    offered: Option<&Address>,
    ours: &Address,
    ice: bool,
) -> Result<(), Reason> {
    let Some(offered) = offered else {
        return Ok(());
    };
    if ice || offered.is_unspecified() {
        return Ok(());
    }
    if offered.address_type != ours.address_type {
        return Err(Reason::AddressFormat(format!(
            "offered IN {} {}, local {}",
            offered.address_type.as_str(),
            offered.address,
            ours.address_type.as_str()
        )));
    }
    Ok(())
}

/// The unspecified address of `ours`'s family, for RFC 2543 hold.
pub(crate) fn unspecified_like(ours: &Address) -> std::net::IpAddr {
    match ours.to_ip() {
        Some(std::net::IpAddr::V6(_)) => std::net::Ipv6Addr::UNSPECIFIED.into(),
        _ => std::net::Ipv4Addr::UNSPECIFIED.into(),
    }
}
