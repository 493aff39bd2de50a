//! One leg's side of a session: where its peer is, how its media is
//! protected, what it expects to receive, and its counters.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::drop::DropCounts;
use crate::error::Result;
use crate::latch::{Latch, LatchPolicy};
use crate::pipeline::{Crypto, EgressPlan};
use crate::srtp::{SrtpKey, new_context};
use crate::transform::Transcoding;

/// The keys of one leg: `rx` unprotects what its peer sends, `tx` protects
/// what the relay sends to it. `None` means plain RTP in that direction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegKeys {
    /// The peer's sending key (from its offer or answer).
    pub rx: Option<SrtpKey>,
    /// The relay's sending key toward this peer (the relay chooses it).
    pub tx: Option<SrtpKey>,
}

/// A change to one leg as offer/answer proceeds; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct LegUpdate {
    /// The peer's RTP address from signalling. Clears latches.
    pub remote: Option<SocketAddr>,
    /// The peer's RTCP address when not muxed (default: RTP port + 1).
    pub remote_rtcp: Option<SocketAddr>,
    /// New keys (replaces both directions' contexts).
    pub keys: Option<LegKeys>,
    /// Plain-RTP latching policy.
    pub latch: Option<LatchPolicy>,
    /// Silence after which another source may take over a latch.
    pub relatch_after: Option<Duration>,
    /// Payload types, stream rewrite and transcoding for packets sent to
    /// this leg. Setting a plan that transcodes starts a fresh transform.
    pub plan: Option<EgressPlan>,
    /// Whether the peer multiplexes RTCP on its RTP port (RFC 5761), as
    /// its offer or answer says: RTCP to it goes to its RTP address when
    /// true, to its RTCP address otherwise.
    pub rtcp_mux: Option<bool>,
}

/// Counters of one endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Packets received on the endpoint's sockets.
    pub packets_in: u64,
    /// Bytes received.
    pub bytes_in: u64,
    /// Packets from this leg forwarded to the other leg.
    pub forwarded: u64,
    /// Bytes forwarded (after the transform).
    pub bytes_forwarded: u64,
    /// Packets received that were dropped, per reason.
    pub drops: DropCounts,
    /// Time of the first packet accepted from this leg.
    pub first_packet: Option<Instant>,
    /// Time of the latest packet accepted from this leg.
    pub last_packet: Option<Instant>,
    /// True when the media sent to this leg is transcoded.
    pub transcoding: bool,
}

/// One leg's endpoint state.
#[derive(Debug)]
pub struct Endpoint {
    pub(crate) rtcp_mux: bool,
    pub(crate) rtp_latch: Latch,
    pub(crate) rtcp_latch: Latch,
    pub(crate) rx: Crypto,
    pub(crate) tx: Crypto,
    /// The keys behind `rx` and `tx`.
    keys: LegKeys,
    pub(crate) plan: EgressPlan,
    pub(crate) transcoding: Option<Transcoding>,
    /// The SSRC of this leg's RTP as it arrived (before any rename).
    pub(crate) rtp_ssrc: Option<u32>,
    pub(crate) stats: EndpointStats,
    pub(crate) auth_failures: u64,
    /// The relay's own SSRC in the RTCP it originates toward this leg.
    pub(crate) feedback_ssrc: u32,
    /// The last FIR command sequence number sent to this leg.
    pub(crate) fir_seq: u8,
    /// When this leg's last keyframe request was reported.
    pub(crate) keyframe_reported: Option<Instant>,
}

impl Endpoint {
    /// A plain endpoint with no peer yet.
    pub fn new(rtcp_mux: bool) -> Self {
        Self {
            rtcp_mux,
            rtp_latch: Latch::new(LatchPolicy::default(), false),
            rtcp_latch: Latch::new(LatchPolicy::default(), false),
            rx: Crypto::Plain,
            tx: Crypto::Plain,
            keys: LegKeys::default(),
            plan: EgressPlan::default(),
            transcoding: None,
            rtp_ssrc: None,
            stats: EndpointStats::default(),
            auth_failures: 0,
            feedback_ssrc: rand::random(),
            fir_seq: 0,
            keyframe_reported: None,
        }
    }

    /// True when RTP and RTCP share one port.
    pub fn rtcp_mux(&self) -> bool {
        self.rtcp_mux
    }

    /// Applies a signalling update.
    pub fn update(&mut self, u: LegUpdate) -> Result<()> {
        // Everything that can fail comes first, so a failed update changes nothing.
        let transcoding = match u.plan.as_ref().map(|p| p.transcode.as_ref()) {
            Some(Some(t)) => Some(Some(t.build()?)),
            Some(None) => Some(None),
            None => None,
        };
        // A direction whose key is unchanged keeps its context: a fresh
        // one would restart the rollover counter and replay window, and
        // reuse packet indices under the same key (RFC 3711 section 9.1).
        let keys = match u.keys {
            Some(keys) => {
                let rx = (keys.rx != self.keys.rx)
                    .then(|| crypto(keys.rx.as_ref()))
                    .transpose()?;
                let tx = (keys.tx != self.keys.tx)
                    .then(|| crypto(keys.tx.as_ref()))
                    .transpose()?;
                Some((keys, rx, tx))
            }
            None => None,
        };
        if let Some((keys, rx, tx)) = keys {
            self.keys = keys;
            if let Some(rx) = rx {
                self.rx = rx;
            }
            if let Some(tx) = tx {
                self.tx = tx;
            }
            let authenticated = self.rx.is_srtp();
            self.rtp_latch.set_authenticated(authenticated);
            self.rtcp_latch.set_authenticated(authenticated);
        }
        if let Some(policy) = u.latch {
            let authenticated = self.rx.is_srtp();
            for l in [&mut self.rtp_latch, &mut self.rtcp_latch] {
                let mut fresh = Latch::new(policy, authenticated);
                fresh.set_signalled(l.destination());
                *l = fresh;
            }
        }
        if let Some(after) = u.relatch_after {
            self.rtp_latch.set_relatch_after(after);
            self.rtcp_latch.set_relatch_after(after);
        }
        if let Some(remote) = u.remote {
            self.rtp_latch.set_signalled(Some(remote));
            let rtcp = u.remote_rtcp.unwrap_or_else(|| {
                let mut a = remote;
                a.set_port(remote.port().wrapping_add(1));
                a
            });
            self.rtcp_latch.set_signalled(Some(rtcp));
        } else if let Some(rtcp) = u.remote_rtcp {
            self.rtcp_latch.set_signalled(Some(rtcp));
        }
        if let Some(plan) = u.plan {
            self.plan = plan;
        }
        if let Some(muxed) = u.rtcp_mux {
            self.rtcp_mux = muxed;
        }
        if let Some(transcoding) = transcoding {
            // The replaced transform's stream is sent no more: it leaves
            // the SRTP sender's SSRC budget (each re-offer may build one).
            let replaced = self.transcoding.as_ref().and_then(Transcoding::output_ssrc);
            let next = transcoding.as_ref().and_then(Transcoding::output_ssrc);
            if let (Some(old), Crypto::Srtp(tx)) = (replaced, &mut self.tx)
                && Some(old) != next
            {
                tx.retire_ssrc(old);
            }
            self.stats.transcoding = transcoding.is_some();
            self.transcoding = transcoding;
        }
        Ok(())
    }

    /// The latch for RTP or RTCP (sent to us on either socket).
    pub(crate) fn latch(&self, rtcp: bool) -> &Latch {
        if rtcp && !self.rtcp_mux {
            &self.rtcp_latch
        } else {
            &self.rtp_latch
        }
    }

    pub(crate) fn latch_mut(&mut self, rtcp: bool) -> &mut Latch {
        if rtcp && !self.rtcp_mux {
            &mut self.rtcp_latch
        } else {
            &mut self.rtp_latch
        }
    }

    /// The SSRC this leg's peer sees the other leg's media under, when the
    /// relay renames it: the transcoder's output stream, or the plan's rewrite.
    pub(crate) fn ssrc_seen_here(&self) -> Option<u32> {
        match &self.transcoding {
            Some(t) => t.output_ssrc(),
            None => self.plan.rewrite.and_then(|r| r.ssrc),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> EndpointStats {
        self.stats
    }

    /// The peer's latched RTP source, if any.
    pub fn latched(&self) -> Option<SocketAddr> {
        self.rtp_latch.latched()
    }
}

fn crypto(key: Option<&SrtpKey>) -> Result<Crypto> {
    Ok(match key {
        Some(k) => Crypto::Srtp(new_context(k)?),
        None => Crypto::Plain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srtp::SrtpProfile;

    fn key(byte: u8) -> SrtpKey {
        SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[byte; 16], &[byte; 14]).unwrap()
    }

    fn context(crypto: &Crypto) -> *const () {
        match crypto {
            Crypto::Srtp(context) => std::ptr::from_ref(context.as_ref()).cast(),
            Crypto::Plain => std::ptr::null(),
        }
    }

    fn keys(rx: u8, tx: u8) -> LegUpdate {
        LegUpdate {
            keys: Some(LegKeys {
                rx: Some(key(rx)),
                tx: Some(key(tx)),
            }),
            ..LegUpdate::default()
        }
    }

    #[test]
    fn a_direction_with_the_same_key_keeps_its_srtp_context() {
        let mut endpoint = Endpoint::new(false);
        endpoint.update(keys(1, 2)).unwrap();
        let (rx, tx) = (context(&endpoint.rx), context(&endpoint.tx));
        assert!(!rx.is_null() && !tx.is_null());

        endpoint.update(keys(1, 2)).unwrap();
        assert_eq!((context(&endpoint.rx), context(&endpoint.tx)), (rx, tx));

        endpoint.update(keys(1, 3)).unwrap();
        assert_eq!(context(&endpoint.rx), rx, "rx key unchanged");
        assert_ne!(context(&endpoint.tx), tx, "new tx key, new context");

        endpoint
            .update(LegUpdate {
                keys: Some(LegKeys::default()),
                ..LegUpdate::default()
            })
            .unwrap();
        assert!(!endpoint.rx.is_srtp() && !endpoint.tx.is_srtp());
    }
}
