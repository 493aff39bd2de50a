//! From a peer's [`MediaPolicy`] to the SDP engine's [`Capabilities`],
//! and the per-call inputs ([`RelayPorts`]) the engine asks for.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tolk_sdp::Capabilities;
use tolk_sdp::model::{CryptoSuite, Fingerprint, MediaKind};
use tolk_sdp::negotiate::{SrtpPolicy as SdpSrtp, profiles};

use crate::config::{MediaPolicy, SrtpPolicy};

/// What a leg under `policy` may negotiate: SIP audio (G.711, G.722,
/// telephone-event at 8 and 48 kHz; Opus when named) and video (H.264 packetization
/// modes 1 and 0, VP8, with PLI/FIR feedback) filtered and ordered by the
/// policy's codec list, the
/// SRTP requirement, SDES suites the relay implements, and rtcp-mux as
/// the policy says.
pub fn capabilities(policy: &MediaPolicy) -> Capabilities {
    let mut caps = profiles::sip_video();
    // telephone-event at 8 kHz for G.711/G.722 and at 48 kHz for Opus:
    // events share the audio's clock (each is offered only beside a codec
    // at its rate).
    caps.telephone_events = profiles::sip_audio().telephone_events;
    caps.telephone_events
        .push((48000, tolk_sdp::model::PayloadType(110)));
    caps.codecs.push(
        tolk_sdp::negotiate::CodecCapability::video(100, "VP8")
            .with_feedback(&["nack", "nack pli", "ccm fir"]),
    );
    caps.rtcp_mux = policy.rtcp_mux;
    caps.rtcp_feedback = false;
    caps.security.srtp = match policy.srtp {
        SrtpPolicy::Required => SdpSrtp::Required,
        SrtpPolicy::Optional => SdpSrtp::Optional,
        SrtpPolicy::Off => SdpSrtp::Disabled,
    };
    caps.security.sdes_suites = vec![
        CryptoSuite::AeadAes128Gcm,
        CryptoSuite::AesCm128HmacSha1_80,
        CryptoSuite::AesCm128HmacSha1_32,
    ];
    // A peer taking DTMF as SIP INFO is not offered telephone-events.
    if policy.dtmf == crate::config::DtmfMode::Info {
        caps.telephone_events.clear();
    }
    if !policy.codecs.is_empty() {
        // Opus is negotiated when a policy names it (SIP phones rarely do).
        if policy.codecs.iter().any(|c| c.eq_ignore_ascii_case("opus")) {
            caps.codecs
                .push(tolk_sdp::negotiate::CodecCapability::audio(
                    111,
                    "opus",
                    48000,
                    Some(2),
                ));
        }
        let rank = |name: &str| {
            policy
                .codecs
                .iter()
                .position(|wanted| wanted.eq_ignore_ascii_case(name))
        };
        caps.codecs.retain(|c| rank(&c.encoding.encoding).is_some());
        caps.codecs
            .sort_by_key(|c| rank(&c.encoding.encoding).unwrap_or(usize::MAX));
        if rank("telephone-event").is_none() {
            caps.telephone_events.clear();
        }
    }
    caps
}

/// [`capabilities`] of `policy`, built once and shared by every call
/// under an equal policy: a call keeps its own copy only where it narrows
/// them. The memo holds the configuration's few distinct policies; past
/// `SHARED_POLICIES` of them, capabilities are built per call.
pub fn shared_capabilities(policy: &MediaPolicy) -> Arc<Capabilities> {
    const SHARED_POLICIES: usize = 64;
    static MEMO: Mutex<Vec<(MediaPolicy, Arc<Capabilities>)>> = Mutex::new(Vec::new());
    let mut memo = MEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, caps)) = memo.iter().find(|(known, _)| known == policy) {
        return caps.clone();
    }
    let caps = Arc::new(capabilities(policy));
    if memo.len() < SHARED_POLICIES {
        memo.push((policy.clone(), caps.clone()));
    }
    caps
}

/// [`capabilities`] without video: for media that only loops audio back.
pub fn audio_capabilities(policy: &MediaPolicy) -> Capabilities {
    let mut caps = capabilities(policy);
    caps.codecs.retain(|c| c.kind == MediaKind::Audio);
    caps
}

/// The per-call inputs of one negotiation: our media address, the relay
/// ports of the leg (audio, each video line), and fresh randomness for
/// session ids and SDES keys.
#[derive(Debug, Clone)]
pub struct RelayPorts {
    ip: IpAddr,
    port: u16,
    /// Each video m-line's port (its stream's own relay session), by
    /// m-line index.
    video: Vec<(usize, u16)>,
}

impl RelayPorts {
    /// Media on `ip`:`port`.
    pub fn new(ip: IpAddr, port: u16) -> Self {
        RelayPorts {
            ip,
            port,
            video: Vec::new(),
        }
    }

    /// The video m-line at `index` on its own `port`.
    pub fn with_video(mut self, index: usize, port: u16) -> Self {
        self.video.push((index, port));
        self
    }
}

impl tolk_sdp::LocalMedia for RelayPorts {
    fn address(&self) -> IpAddr {
        self.ip
    }
    fn port(&mut self, index: usize, kind: &MediaKind) -> u16 {
        let video = self.video.iter().find(|(at, _)| *at == index);
        match (kind, video) {
            (MediaKind::Video, Some((_, port))) => *port,
            _ => self.port,
        }
    }
    fn session_id(&mut self) -> u64 {
        rand::random::<u32>().into()
    }
    fn ice_credentials(&mut self) -> (String, String) {
        (String::new(), String::new())
    }
    fn fingerprint(&self) -> Option<Fingerprint> {
        None
    }
    fn srtp_key_material(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| rand::random::<u8>()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_orders_and_filters_codecs_and_maps_srtp() {
        let policy = MediaPolicy {
            codecs: vec!["PCMA".into(), "pcmu".into()],
            srtp: SrtpPolicy::Required,
            ..MediaPolicy::default()
        };
        let caps = capabilities(&policy);
        let names: Vec<&str> = caps
            .codecs
            .iter()
            .map(|c| c.encoding.encoding.as_str())
            .collect();
        assert_eq!(names, ["PCMA", "PCMU"]);
        assert!(caps.telephone_events.is_empty());
        assert_eq!(caps.security.srtp, SdpSrtp::Required);
        let open = capabilities(&MediaPolicy::default());
        assert_eq!(open.codecs_of(&MediaKind::Audio).count(), 3);
        assert_eq!(open.codecs_of(&MediaKind::Video).count(), 3);
        assert!(
            open.codecs_of(&MediaKind::Video)
                .all(|c| c.rtcp_fb.iter().any(|fb| fb == "nack pli"))
        );
        assert_eq!(audio_capabilities(&MediaPolicy::default()).codecs.len(), 3);
        assert_eq!(open.telephone_events.len(), 2);
    }

    #[test]
    fn equal_policies_share_one_set_of_capabilities() {
        let policy = MediaPolicy {
            codecs: vec!["G722".into(), "PCMU".into()],
            ..MediaPolicy::default()
        };
        let first = shared_capabilities(&policy);
        assert!(Arc::ptr_eq(&first, &shared_capabilities(&policy.clone())));
        assert_eq!(*first, capabilities(&policy));
        let other = MediaPolicy {
            codecs: vec!["PCMA".into()],
            ..MediaPolicy::default()
        };
        assert_eq!(*shared_capabilities(&other), capabilities(&other));
    }
}
