//! MESSAGE inside a call (RFC 3428 section 4 allows it in a dialog):
//! relayed as a request in the other leg's dialog, early or confirmed
//! (RFC 3261 section 12: a ringing call's early dialog carries requests
//! too), and the final response that leg gives relayed back (481 when
//! there is no other dialog any more, 408 when it does not answer).
//!
//! While the callee rings without a dialog of its own (a 1xx with no To
//! tag), the caller's early dialog with us exists but nothing on the far
//! side could match a request: the answer is 480 Temporarily Unavailable
//! (RFC 3261 section 21.4.18: the callee was reached but cannot take it
//! now; the caller may send it again once the callee answers), never 481,
//! which would tell the caller its own dialog is gone.

use tolk_interwork::LegId;
use tolk_sip::Request;
use tolk_sip::message::names;
use tolk_sip::transaction::TransactionId;

use super::Bridge;
use super::call::Media;

impl Bridge {
    /// A MESSAGE in the dialog of leg `leg`, server transaction `id`.
    pub(crate) async fn dialog_message(&mut self, leg: LegId, id: TransactionId, request: Request) {
        let call = self.by_leg.get(&leg).and_then(|c| self.calls.get(c));
        if let Some(Media::Echo(_)) = call.map(|c| &c.media) {
            // The echo has no one to read it: accepted and dropped.
            return self.answer_message(id, &request, 200, None).await;
        }
        let Some(other) = call.and_then(|c| c.leg(c.side_of(leg).other())) else {
            return self.answer_message(id, &request, 481, None).await;
        };
        let content_type = request
            .headers()
            .get(names::CONTENT_TYPE)
            .and_then(|f| f.value_str())
            .unwrap_or("text/plain")
            .to_owned();
        let body = request.body().clone();
        match self.sip.message(other, content_type, body).await {
            Ok(out) => {
                self.messages.insert(out, (id, request));
            }
            Err(tolk_sip::Error::NoDialogYet) => {
                tracing::info!("in-call MESSAGE before the callee's dialog: 480");
                self.answer_message(id, &request, 480, None).await;
            }
            Err(error) => {
                tracing::info!(%error, "in-call MESSAGE not relayed: 481");
                self.answer_message(id, &request, 481, None).await;
            }
        }
    }
}
