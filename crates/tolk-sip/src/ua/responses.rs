//! Responses to our INVITEs (RFC 3261 13.2.2): early and confirmed
//! dialogs, the ACK for a 2xx (again for each retransmission), forked
//! 2xx and 2xx crossing our CANCEL (ACK then BYE, `ended.rs`),
//! re-INVITE results and Digest challenges (22.2).

use std::time::Instant;

use super::{EndReason, Purpose, UaEvent, UserAgent};
use crate::dialog::{Dialog, DialogId, DialogState};
use crate::message::{Method, Request, Response};
use crate::transaction::TransactionId;
use crate::transport::Target;

impl UserAgent {
    /// RFC 3261 13.2.2: responses to our initial INVITE.
    pub(super) fn invite_response(
        &mut self,
        now: Instant,
        id: TransactionId,
        d: DialogId,
        response: Response,
    ) {
        let code = response.code();
        let to_tag = response
            .headers()
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned));
        // A challenge or a 422 that crossed our CANCEL ends the call: a
        // retry would ring a callee we gave up on.
        let retry = !self.calls.get(&d).is_some_and(|c| c.cancelled);
        if retry && matches!(code, 401 | 407) && self.retry_with_credentials(now, id, d, &response)
        {
            return;
        }
        if retry && code == 422 && self.retry_after_422(now, id, d, &response) {
            return;
        }
        let seq = response.headers().cseq().map(|c| c.seq).unwrap_or(0);
        let Some(call) = self.calls.get_mut(&d) else {
            if (200..300).contains(&code) && !self.ack_ended(d, seq, to_tag.as_deref()) {
                self.decline_2xx(now, id, &response); // answered after we gave up
            }
            return;
        };
        match code {
            100 => {}
            101..=199 => {
                if to_tag.is_some() && call.dialog.state == DialogState::Initial {
                    let _ = call.dialog.learn_from_response(&response);
                    call.dialog.state = DialogState::Early;
                }
                if !self.on_provisional(now, id, d, &response) {
                    return; // a retransmitted or out-of-order reliable 1xx
                }
                self.events.push_back(UaEvent::Progress {
                    dialog: d,
                    response,
                });
            }
            200..=299 if call.dialog.state == DialogState::Confirmed => {
                if to_tag.as_deref() == call.dialog.remote_tag() {
                    self.resend_ack(d, seq);
                } else {
                    self.decline_2xx(now, id, &response); // another fork answered
                }
            }
            200..=299 if call.cancelled => {
                // Our CANCEL crossed this 2xx (RFC 3261 section 9.1):
                // ACK and BYE it; for the user, the call is over.
                call.pending_out = None;
                self.decline_2xx(now, id, &response);
                self.end(d, EndReason::LocalBye);
            }
            200..=299 => {
                let _ = call.dialog.learn_from_response(&response);
                call.dialog.state = DialogState::Confirmed;
                let seq = call.pending_out.take().map_or(1, |(_, seq)| seq);
                // A late offer (our INVITE had no body): the 2xx carries
                // the offer and the user's ACK the answer (UserAgent::ack).
                // (Unless a reliable 1xx brought the offer and our PRACK
                // the answer, RFC 3262 section 5.)
                let late_offer = self.layer.request(id).is_some_and(|r| r.body().is_empty())
                    && !call.rel.offer_in;
                if late_offer {
                    call.late_ack = Some((seq, response.body().clone()));
                } else {
                    if let Ok(ack) = call.dialog.request(Method::Ack, seq, None, None) {
                        call.keep_ack(seq, ack);
                    }
                    self.resend_ack(d, seq);
                }
                self.on_refresh_answered(now, d, &response);
                self.events.push_back(UaEvent::Answered {
                    dialog: d,
                    response,
                });
            }
            _ => {
                call.pending_out = None;
                self.end(d, EndReason::Rejected(code));
            }
        }
    }

    /// RFC 3261 22.2: answers a challenge to our INVITE once (again only
    /// for `stale=true`), in a new transaction with the next CSeq.
    fn retry_with_credentials(
        &mut self,
        now: Instant,
        id: TransactionId,
        d: DialogId,
        response: &Response,
    ) -> bool {
        let stale = crate::auth::Challenge::from_response(response).is_some_and(|c| c.stale);
        let cnonce = self.layer.token();
        let Some(invite) = self.layer.request(id).cloned() else {
            return false;
        };
        let Some(call) = self.calls.get_mut(&d) else {
            return false;
        };
        let Some(credentials) = &call.credentials else {
            return false;
        };
        if call.answered_challenge && !stale {
            return false;
        }
        let Ok(retry) = crate::auth::authorize(&invite, response, credentials, &cnonce) else {
            return false;
        };
        let Ok(seq) = retry.headers().cseq().map(|c| c.seq) else {
            return false;
        };
        let target = call.dialog.peer;
        let Ok(tx) = self.layer.send_request(now, retry, target) else {
            return false;
        };
        call.dialog.local_seq = seq;
        call.pending_out = Some((tx, seq));
        call.answered_challenge = true;
        call.transactions.push(tx);
        self.client_txs.insert(tx, (Some(d), Purpose::Invite));
        true
    }

    pub(super) fn reinvite_response(&mut self, now: Instant, d: DialogId, response: Response) {
        let code = response.code();
        let seq = response.headers().cseq().map(|c| c.seq).unwrap_or(0);
        let Some(call) = self.calls.get_mut(&d) else {
            if (200..300).contains(&code) {
                let to = response.headers().to().ok();
                self.ack_ended(d, seq, to.as_ref().and_then(|t| t.tag())); // RFC 5407 section 3.4
            }
            return;
        };
        let pending = call.pending_out.is_some_and(|(_, s)| s == seq);
        match code {
            100..=199 => {}
            200..=299 if !pending => self.resend_ack(d, seq), // a retransmitted 2xx
            _ if !pending => {}
            _ => {
                call.pending_out = None;
                if (200..300).contains(&code) {
                    let _ = call.dialog.learn_from_response(&response);
                    if let Ok(ack) = call.dialog.request(Method::Ack, seq, None, None) {
                        call.keep_ack(seq, ack);
                    }
                    self.resend_ack(d, seq);
                    self.on_refresh_answered(now, d, &response);
                }
                self.events.push_back(UaEvent::ReinviteResult {
                    dialog: d,
                    response,
                });
            }
        }
    }

    /// RFC 3261 13.2.2.4: a 2xx with CSeq `seq` in `d` gets our ACK for
    /// it again. Any other INVITE's 2xx (an older one's ACK since
    /// replaced by a re-INVITE's, or a timed-out re-INVITE's) gets a new
    /// ACK of its own, unless its ACK is the user's to send.
    pub(super) fn resend_ack(&mut self, d: DialogId, seq: u32) {
        let Some(call) = self.calls.get(&d) else {
            return;
        };
        if call.late_ack.as_ref().is_some_and(|(s, _)| *s == seq) {
            return; // the user's ACK will answer the offer
        }
        let ack = match call.ack_for(seq) {
            Some(ack) => ack.clone(),
            None => match call.dialog.request(Method::Ack, seq, None, None) {
                Ok(ack) => ack,
                Err(_) => return,
            },
        };
        let _ = self.layer.send_ack(ack, call.dialog.next_target());
    }
}

/// A dialog for a response to `invite` that no call owns (another fork).
pub(super) fn stray_dialog(
    invite: &Request,
    response: &Response,
    peer: Option<Target>,
) -> Result<Dialog, crate::Error> {
    let h = invite.headers();
    let from = h.from()?;
    let to = h.to()?;
    let peer = peer.ok_or(crate::Error::NoSuchTransaction)?;
    let mut dialog = Dialog::for_uac(
        h.call_id()?.to_owned(),
        from.tag().unwrap_or_default().to_owned(),
        crate::dialog::without_tag(&from),
        crate::dialog::without_tag(&to),
        invite.uri_str().to_owned(),
        peer,
    );
    dialog.learn_from_response(response)?;
    Ok(dialog)
}
