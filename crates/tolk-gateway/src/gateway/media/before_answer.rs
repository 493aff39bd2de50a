//! Key presses the callee sends as RFC 4733 telephone-events before a
//! late-offer caller has answered our offer: the caller has no media
//! address yet, so the relay has nowhere to send them and no plan for
//! the call (it is planned from both legs' negotiations). Until the
//! caller answers, the relay takes the callee's audio in (its address,
//! keys and latch, as the answer gave them) and reports its key presses
//! instead; the bridge holds them for the caller (or sends them as INFO
//! to an INFO caller), and the caller's answer plans the call as usual.

use tolk_relay::pipeline::EgressPlan;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::transform::Transcode;
use tolk_relay::{LegUpdate, Relay, Side};

use super::super::dtmf::{AudioPath, DtmfConversion};
use super::super::relay_watch::Verdicts;
use super::super::rtcp_mux;
use super::CallMedia;
use crate::config::DtmfMode;

impl CallMedia {
    /// After the callee's answer, while a late-offer caller has not
    /// answered: the callee's telephone-events reported (see the module
    /// docs). Best effort: a relay that refuses leaves them lost, as
    /// before, and the call goes on.
    pub(super) fn detect_before_caller_answer(&mut self, relay: &Relay) {
        if self.b.dtmf != DtmfMode::Rfc4733 || self.a.has_media_address() {
            return;
        }
        let (Some(detect), Some(negotiation)) =
            (self.detect_from_other(Side::A), &self.b.negotiation)
        else {
            return;
        };
        let callee = match self.applied_leg(Side::B, negotiation, PayloadTypeMap::identity(), None)
        {
            Ok(callee) => callee,
            Err(error) => {
                tracing::debug!(
                    ?error,
                    "the callee's key presses not taken before the caller's answer"
                );
                return;
            }
        };
        let toward_caller = LegUpdate {
            plan: Some(EgressPlan {
                transcode: Some(Transcode::new(DtmfConversion {
                    audio: AudioPath::Rewrite(PayloadTypeMap::identity()),
                    detect: Some(detect),
                    inject: None,
                })),
                ..EgressPlan::default()
            }),
            ..LegUpdate::default()
        };
        let updates = [
            (Side::B, callee.update_from(self.b.applied.as_ref(), None)),
            (Side::A, toward_caller),
        ];
        match relay.send_legs_update(self.session.id, updates) {
            Ok(verdict) => {
                let mut verdicts = Verdicts::default();
                verdicts.push(self.session.id, verdict);
                verdicts.watch(&self.watch);
                rtcp_mux::settle(&mut self.b.ports[0], callee.rtcp_mux);
                self.b.applied = Some(callee);
            }
            Err(error) => {
                tracing::warn!(%error, "the callee's key presses not taken before the caller's answer");
            }
        }
    }
}
