//! A re-offer that glare held back (491, RFC 3261 section 14.1), sent
//! again once its wait is over: rebuilt from the call's media as agreed
//! then, since the peer may have re-offered in between, or dropped when
//! that already gave the call what it asked for.

use tolk_interwork::LegId;

use super::Bridge;
use super::call::Media;

impl Bridge {
    /// The glare wait of our re-offer to `leg` is over.
    pub(crate) async fn retry_reoffer(&mut self, leg: LegId) {
        if !self.sip.retry_due(leg) {
            return;
        }
        let call = self.by_leg.get(&leg).and_then(|id| self.calls.get_mut(id));
        let offer = call.and_then(|call| {
            let side = call.side_of(leg);
            match &mut call.media {
                Media::Bridged(media) => media.offer_again(side),
                Media::Echo(_) => None,
            }
        });
        match offer {
            Some(offer) => self.sip.retry_reoffer(leg, offer).await,
            None => {
                tracing::info!(?leg, "re-offer after glare no longer needed");
                self.sip.drop_reoffer(leg);
            }
        }
    }
}
