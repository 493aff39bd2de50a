//! Dialogs we ended with BYE, remembered for 64*T1 so that the peer's
//! messages crossing our BYE still get their protocol answers (RFC 5407
//! sections 3.1 and 3.4): a 2xx to one of our INVITEs is ACKed (every
//! 2xx is, RFC 3261 13.2.2.4) and a BYE gets 200 instead of 481.
//!
//! A 2xx making a dialog we do not keep (another fork's, or one after we
//! gave up our INVITE) gets the same treatment: ACK, one BYE, and a
//! record under its own tags, so that its retransmissions get the same
//! ACK again and nothing else.

use std::cmp::Reverse;
use std::time::Instant;

use bytes::Bytes;

use super::{DialogId, Ended, Purpose, UserAgent, decline, responses};
use crate::Error;
use crate::dialog::{Dialog, DialogState};
use crate::message::{Method, Request, Response};
use crate::transaction::TransactionId;

/// A dialog's full identifier: Call-ID, local tag, remote tag.
type DialogKey = (String, String, String);

impl UserAgent {
    /// Ends confirmed `dialog` with BYE: the dialog moves to a record
    /// of [`Ended`] dialogs and the BYE goes out, or, while our 2xx
    /// awaits its ACK, goes out once the ACK arrives or the 2xx is given
    /// up (RFC 3261 section 15).
    pub(super) fn send_bye(&mut self, now: Instant, dialog: DialogId) -> Result<(), Error> {
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        if call.dialog.state != DialogState::Confirmed {
            return Err(Error::InvalidState("BYE needs a confirmed dialog"));
        }
        call.dialog.state = DialogState::Terminated;
        if let Some((seq, offer)) = call.late_ack.take() {
            // RFC 3261 13.2.2.4: the 2xx's offer gets its answer, one
            // declining every stream, in the ACK, and then the BYE.
            let local = self.layer.local_addr(call.dialog.transport());
            if let Ok(ack) = declining_ack(&call.dialog, seq, Some(&offer), local) {
                let _ = self.layer.send_ack(ack.clone(), call.dialog.next_target());
                call.keep_ack(seq, ack);
            }
        }
        let unacked = call.unacked.take();
        self.refuse_pending_invite(now, dialog);
        let call = self.calls.get(&dialog).ok_or(Error::NoSuchTransaction)?;
        let held = unacked.is_some();
        let record = Ended {
            dialog: call.dialog.clone(),
            ack: call.ack.clone(),
            unacked,
            until: now,
        };
        self.ended.insert(dialog, Box::new(record));
        if held {
            return Ok(()); // the 2xx is still resent under its own timer
        }
        let sent = self.send_ended_bye(now, dialog);
        self.pump(now);
        sent
    }

    /// Sends the BYE of ended `dialog` and keeps its record 64*T1 more.
    pub(super) fn send_ended_bye(&mut self, now: Instant, dialog: DialogId) -> Result<(), Error> {
        let until = now + self.config.layer.timers.timeout();
        let record = self
            .ended
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        record.until = until;
        self.timers.push(Reverse((until, dialog)));
        let seq = record.dialog.next_seq();
        let bye = record.dialog.request(Method::Bye, seq, None, None)?;
        let target = record.dialog.next_target();
        let tx = self.layer.send_request(now, bye, target)?;
        self.client_txs.insert(tx, (None, Purpose::Bye));
        Ok(())
    }

    /// A 2xx to our INVITE with CSeq `seq` in ended `dialog`, from the
    /// peer tag `to_tag`: ACKed, with the ACK already sent for it if
    /// any. False when `dialog` has no record or another fork answered.
    pub(super) fn ack_ended(&mut self, dialog: DialogId, seq: u32, to_tag: Option<&str>) -> bool {
        let Some(record) = self.ended.get_mut(&dialog) else {
            return false;
        };
        if record.dialog.remote_tag() != to_tag {
            return false;
        }
        if record.ack.as_ref().is_none_or(|(s, _)| *s != seq) {
            match record.dialog.request(Method::Ack, seq, None, None) {
                Ok(ack) => record.ack = Some((seq, ack)),
                Err(_) => return true,
            }
        }
        if let Some((_, ack)) = &record.ack {
            let _ = self
                .layer
                .send_ack(ack.clone(), record.dialog.next_target());
        }
        true
    }

    /// The ACK for our 2xx in ended `dialog`: the BYE held for it goes
    /// out.
    pub(super) fn ended_acked(&mut self, now: Instant, dialog: DialogId, seq: u32) {
        let Some(record) = self.ended.get_mut(&dialog) else {
            return;
        };
        if record.unacked.as_ref().is_some_and(|u| u.cseq == seq) {
            record.unacked = None;
            let _ = self.send_ended_bye(now, dialog);
        }
    }

    /// RFC 5407 section 3.1: the peer's BYE crossing ours gets 200; a
    /// BYE of ours still waiting for an ACK is no longer needed.
    pub(super) fn bye_crossing(
        &mut self,
        now: Instant,
        dialog: DialogId,
        id: TransactionId,
        bye: &Request,
    ) {
        self.reply(now, id, bye, 200);
        if let Some(record) = self.ended.get_mut(&dialog) {
            record.unacked = None;
        }
    }

    /// RFC 3261 13.2.2.4: a 2xx to our INVITE `id` that makes a dialog
    /// we will not keep (another fork answered first, or we gave the
    /// INVITE up) is ACKed and the dialog ended with one BYE; a record
    /// under its tags ACKs its retransmissions again for 64*T1.
    pub(super) fn decline_2xx(&mut self, now: Instant, id: TransactionId, response: &Response) {
        let Some(key) = key_of_2xx(response) else {
            return;
        };
        let seq = response.headers().cseq().map(|c| c.seq).unwrap_or(0);
        if let Some(&record) = self.declined.get(&key) {
            self.ack_ended(record, seq, Some(&key.2));
            return;
        }
        let Some(invite) = self.layer.request(id) else {
            return;
        };
        // An offer in a 2xx to our offer-less INVITE needs an answer.
        let offer = invite
            .body()
            .is_empty()
            .then(|| decline::offer_in(response))
            .flatten();
        let Ok(mut dialog) = responses::stray_dialog(invite, response, self.layer.target(id))
        else {
            return;
        };
        dialog.state = DialogState::Confirmed;
        dialog.local_seq = seq;
        let local = self.layer.local_addr(dialog.transport());
        let Ok(ack) = declining_ack(&dialog, seq, offer.as_ref(), local) else {
            return;
        };
        let _ = self.layer.send_ack(ack.clone(), dialog.next_target());
        let record = self.new_dialog_id();
        let ended = Ended {
            dialog,
            ack: Some((seq, ack)),
            unacked: None,
            until: now,
        };
        self.ended.insert(record, Box::new(ended));
        self.declined.insert(key, record);
        let _ = self.send_ended_bye(now, record);
    }

    /// The record of a declined dialog that in-dialog `request` belongs
    /// to: Call-ID, To tag (ours) and From tag (the peer's).
    pub(super) fn find_declined(&self, request: &Request) -> Option<DialogId> {
        let h = request.headers();
        let key = (
            h.call_id().ok()?.to_owned(),
            h.to().ok()?.tag()?.to_owned(),
            h.from().ok()?.tag()?.to_owned(),
        );
        self.declined.get(&key).copied()
    }

    /// Forgets ended `dialog` once its time is up and no BYE waits.
    pub(super) fn ended_due(&mut self, now: Instant, dialog: DialogId) {
        let waiting = |r: &Ended| r.until > now || r.unacked.is_some();
        if self.ended.get(&dialog).is_none_or(|r| waiting(r)) {
            return;
        }
        if let Some(record) = self.ended.remove(&dialog) {
            let Dialog {
                call_id,
                local_tag,
                remote_tag,
                ..
            } = record.dialog;
            let key = (call_id, local_tag);
            if self.by_tags.get(&key) == Some(&dialog) {
                self.by_tags.remove(&key);
            }
            let (call_id, local_tag) = key;
            let full = (call_id, local_tag, remote_tag.unwrap_or_default());
            if self.declined.get(&full) == Some(&dialog) {
                self.declined.remove(&full);
            }
        }
    }
}

/// The dialog a 2xx to our INVITE makes: Call-ID, From tag (ours), To
/// tag (the callee's).
fn key_of_2xx(response: &Response) -> Option<DialogKey> {
    let h = response.headers();
    Some((
        h.call_id().ok()?.to_owned(),
        h.from().ok()?.tag()?.to_owned(),
        h.to().ok()?.tag()?.to_owned(),
    ))
}

/// The ACK for the 2xx with CSeq `seq` in `dialog`; when that 2xx
/// offered a session (`offer`), the ACK declines each of its streams
/// (RFC 3264 section 6), from `local`'s address.
pub(super) fn declining_ack(
    dialog: &Dialog,
    seq: u32,
    offer: Option<&Bytes>,
    local: Option<std::net::SocketAddr>,
) -> Result<Request, Error> {
    let answer = offer
        .zip(local)
        .and_then(|(offer, local)| decline::declining_answer(offer, local.ip()));
    dialog.request(Method::Ack, seq, None, answer.map(|a| (decline::SDP, a)))
}
