//! What the relay was last told about one leg, so that a renegotiation
//! sends only what changed.

use std::net::SocketAddr;

use tolk_relay::latch::LatchPolicy;
use tolk_relay::pipeline::EgressPlan;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::transform::Transcode;
use tolk_relay::{LegKeys, LegUpdate};

/// The relay settings of one leg as last sent, so that a re-offer
/// changes only what its negotiation changed: replacing an SRTP context
/// under the same key would restart its rollover counter and reuse
/// packet indices (RFC 3711 section 9.1), and a fresh latch or
/// transcoder would drop the media flowing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppliedLeg {
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
    pub(crate) fn update_from(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::media::lines::sdes_key;

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
