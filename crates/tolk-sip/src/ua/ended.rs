//! Dialogs we ended with BYE, remembered for 64*T1 so that the peer's
//! messages crossing our BYE still get their protocol answers (RFC 5407
//! sections 3.1 and 3.4): a 2xx to one of our INVITEs is ACKed (every
//! 2xx is, RFC 3261 13.2.2.4) and a BYE gets 200 instead of 481.

use std::cmp::Reverse;
use std::time::Instant;

use super::{DialogId, Ended, Purpose, UserAgent};
use crate::Error;
use crate::dialog::DialogState;
use crate::message::{Method, Request};
use crate::transaction::TransactionId;

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

    /// Forgets ended `dialog` once its time is up and no BYE waits.
    pub(super) fn ended_due(&mut self, now: Instant, dialog: DialogId) {
        let waiting = |r: &Ended| r.until > now || r.unacked.is_some();
        if self.ended.get(&dialog).is_none_or(|r| waiting(r)) {
            return;
        }
        if let Some(record) = self.ended.remove(&dialog) {
            let key = (record.dialog.call_id, record.dialog.local_tag);
            if self.by_tags.get(&key) == Some(&dialog) {
                self.by_tags.remove(&key);
            }
        }
    }
}
