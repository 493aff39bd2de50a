//! What the transaction layer reports, turned into dialog work: new
//! calls, in-dialog requests (RFC 3261 12.2.2), ACKs for our 2xx,
//! responses to our INVITEs (13.2.2, with forking), CANCEL (9.2).

use std::time::Instant;

use bytes::Bytes;

use super::{EndReason, Purpose, UaEvent, UserAgent};
use crate::dialog::{Dialog, DialogId, DialogState};
use crate::message::{Message, Method, Request, Response};
use crate::transaction::{TransactionEvent, TransactionId};
use crate::transport::Target;
use crate::uas_checks::{self, NoDialogs, UasState, Verdict};

impl UserAgent {
    /// Handles every event the transaction layer queued.
    pub(super) fn pump(&mut self, now: Instant) {
        while let Some(event) = self.layer.poll_event() {
            match event {
                TransactionEvent::Request {
                    id,
                    request,
                    source,
                } => self.on_request(now, id, request, source),
                TransactionEvent::Ack { request, .. } => self.on_ack(request),
                TransactionEvent::Response { id, response } => self.on_response(now, id, response),
                TransactionEvent::Cancelled { id } => self.on_cancelled(now, id),
                TransactionEvent::TimedOut { id } | TransactionEvent::TransportError { id } => {
                    self.on_failure(id)
                }
            }
        }
    }

    fn on_request(&mut self, now: Instant, id: TransactionId, request: Request, source: Target) {
        let tag = self.layer.token();
        match uas_checks::check_request(&request, &self.config.policy, &*self, &tag) {
            Verdict::Reject(response) => {
                let _ = self.layer.send_response(now, id, response);
                return;
            }
            Verdict::Drop => return,
            Verdict::Accept => {}
        }
        let in_dialog = request
            .headers()
            .to()
            .ok()
            .and_then(|to| to.tag().map(drop))
            .is_some();
        if in_dialog {
            match self.find(&request) {
                Some(dialog) => self.in_dialog(now, dialog, id, request, source),
                None => self.reply(now, id, &request, 481),
            }
            return;
        }
        match request.method() {
            Method::Invite => match Dialog::for_uas(&request, tag, source) {
                Ok(dialog) => {
                    let d = self.new_dialog_id();
                    self.insert_call(d, dialog);
                    if let Some(call) = self.calls.get_mut(&d) {
                        call.pending_in = Some((id, request.clone()));
                        call.transactions.push(id);
                    }
                    self.server_invites.insert(id, d);
                    let sdp = request.body().clone();
                    self.events.push_back(UaEvent::IncomingCall {
                        dialog: d,
                        request,
                        sdp,
                    });
                }
                Err(_) => self.reply(now, id, &request, 400),
            },
            Method::Options => {
                let parsed = Ok(Message::Request(request));
                let answer = uas_checks::answer(
                    &parsed,
                    &Bytes::new(),
                    &self.config.policy,
                    &NoDialogs,
                    &tag,
                );
                if let Some(response) = answer {
                    let _ = self.layer.send_response(now, id, response);
                }
            }
            _ => self.events.push_back(UaEvent::Request {
                dialog: None,
                id,
                request,
            }),
        }
    }

    /// RFC 3261 12.2.2: a request inside dialog `d`.
    fn in_dialog(
        &mut self,
        now: Instant,
        d: DialogId,
        id: TransactionId,
        request: Request,
        source: Target,
    ) {
        let Ok(seq) = request.headers().cseq().map(|c| c.seq) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        if call.dialog.remote_seq.is_some_and(|last| seq <= last) {
            return self.reply(now, id, &request, 500); // out of order
        }
        call.dialog.remote_seq = Some(seq);
        call.dialog.peer = source;
        match request.method() {
            Method::Invite => {
                call.dialog.refresh_target(&request);
                call.pending_in = Some((id, request.clone()));
                call.transactions.push(id);
                self.server_invites.insert(id, d);
                let sdp = request.body().clone();
                self.events.push_back(UaEvent::Reinvite {
                    dialog: d,
                    request,
                    sdp,
                });
            }
            Method::Bye => {
                let unanswered = call.pending_in.take();
                self.reply(now, id, &request, 200);
                if let Some((tx, invite)) = unanswered {
                    self.reply(now, tx, &invite, 487);
                }
                self.end(d, EndReason::RemoteBye);
            }
            method => {
                if *method == Method::Update {
                    call.dialog.refresh_target(&request);
                }
                self.events.push_back(UaEvent::Request {
                    dialog: Some(d),
                    id,
                    request,
                });
            }
        }
    }

    /// An answer of our own to a request, with the request's To tag (or
    /// none: 481 and 500 need no dialog).
    fn reply(&mut self, now: Instant, id: TransactionId, request: &Request, code: u16) {
        let tag = request
            .headers()
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned));
        let mut b = Response::for_request(request, code);
        if tag.is_none() && code > 100 {
            b = b.to_tag(&self.layer.token());
        }
        if let Ok(response) = b.build() {
            let _ = self.layer.send_response(now, id, response);
        }
    }

    /// The ACK for a 2xx of ours (RFC 3261 13.3.1.4): stop resending.
    fn on_ack(&mut self, ack: Request) {
        let Some(d) = self.find(&ack) else { return };
        let Ok(seq) = ack.headers().cseq().map(|c| c.seq) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        if call.unacked.as_ref().is_some_and(|u| u.cseq == seq) {
            call.unacked = None;
            self.events.push_back(UaEvent::Confirmed { dialog: d, ack });
        }
    }

    fn on_response(&mut self, now: Instant, id: TransactionId, response: Response) {
        let Some(&(dialog, purpose)) = self.client_txs.get(&id) else {
            return;
        };
        let code = response.code();
        if code >= 200 && !(purpose == Purpose::Invite && code < 300) {
            self.client_txs.remove(&id);
        }
        let Some(d) = dialog else {
            self.events.push_back(UaEvent::Response {
                dialog,
                id,
                response,
            });
            return;
        };
        match purpose {
            Purpose::Invite => self.invite_response(now, id, d, response),
            Purpose::Reinvite => self.reinvite_response(d, response),
            Purpose::Bye if code >= 200 => self.end(d, EndReason::LocalBye),
            Purpose::Bye | Purpose::ForkBye => {}
            Purpose::Other => self.events.push_back(UaEvent::Response {
                dialog,
                id,
                response,
            }),
        }
    }

    /// RFC 3261 13.2.2: responses to our initial INVITE.
    fn invite_response(
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
        if matches!(code, 401 | 407) && self.retry_with_credentials(now, id, d, &response) {
            return;
        }
        let Some(call) = self.calls.get_mut(&d) else {
            if (200..300).contains(&code) {
                self.ack_and_bye(now, id, &response); // answered after we gave up
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
                self.events.push_back(UaEvent::Progress {
                    dialog: d,
                    response,
                });
            }
            200..=299 if call.dialog.state == DialogState::Confirmed => {
                if to_tag.as_deref() == call.dialog.remote_tag() {
                    self.resend_ack(d);
                } else {
                    self.ack_and_bye(now, id, &response); // another fork answered
                }
            }
            200..=299 => {
                let _ = call.dialog.learn_from_response(&response);
                call.dialog.state = DialogState::Confirmed;
                let seq = call.pending_out.take().map_or(1, |(_, seq)| seq);
                if let Ok(ack) = call.dialog.request(Method::Ack, seq, None, None) {
                    call.ack = Some((seq, ack));
                }
                self.resend_ack(d);
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

    fn reinvite_response(&mut self, d: DialogId, response: Response) {
        let code = response.code();
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        let seq = response.headers().cseq().map(|c| c.seq).unwrap_or(0);
        match code {
            100..=199 => {}
            200..=299 if call.pending_out.is_none() => {
                if call.ack.as_ref().is_some_and(|(s, _)| *s == seq) {
                    self.resend_ack(d); // a retransmitted 2xx
                }
            }
            _ => {
                call.pending_out = None;
                if (200..300).contains(&code) {
                    let _ = call.dialog.learn_from_response(&response);
                    if let Ok(ack) = call.dialog.request(Method::Ack, seq, None, None) {
                        call.ack = Some((seq, ack));
                    }
                    self.resend_ack(d);
                }
                self.events.push_back(UaEvent::ReinviteResult {
                    dialog: d,
                    response,
                });
            }
        }
    }

    fn resend_ack(&mut self, d: DialogId) {
        let Some(call) = self.calls.get(&d) else {
            return;
        };
        if let Some((_, ack)) = &call.ack {
            let _ = self.layer.send_ack(ack.clone(), call.dialog.next_target());
        }
    }

    /// RFC 3261 13.2.2.4: a 2xx we will not keep (a second fork, or one
    /// after we ended the call) is acknowledged and then ended with BYE.
    fn ack_and_bye(&mut self, now: Instant, id: TransactionId, response: &Response) {
        let Some(invite) = self.layer.request(id).cloned() else {
            return;
        };
        let Ok(mut dialog) = stray_dialog(&invite, response, self.layer_peer(id)) else {
            return;
        };
        let Ok(seq) = invite.headers().cseq().map(|c| c.seq) else {
            return;
        };
        dialog.state = DialogState::Confirmed;
        let target = dialog.next_target();
        if let Ok(ack) = dialog.request(Method::Ack, seq, None, None) {
            let _ = self.layer.send_ack(ack, target);
        }
        if let Ok(bye) = dialog.request(Method::Bye, seq.saturating_add(1), None, None) {
            if let Ok(tx) = self.layer.send_request(now, bye, target) {
                self.client_txs.insert(tx, (None, Purpose::ForkBye));
            }
        }
    }

    fn layer_peer(&self, id: TransactionId) -> Option<Target> {
        self.layer.target(id)
    }

    /// RFC 3261 9.2: the peer cancelled its INVITE; answer it with 487.
    fn on_cancelled(&mut self, now: Instant, id: TransactionId) {
        let Some(d) = self.server_invites.remove(&id) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        let Some((tx, invite)) = call.pending_in.take().filter(|(tx, _)| *tx == id) else {
            return;
        };
        let initial = call.dialog.state != DialogState::Confirmed;
        let tag = call.dialog.local_tag.clone();
        if let Ok(response) = Response::for_request(&invite, 487).to_tag(&tag).build() {
            let _ = self.layer.send_response(now, tx, response);
        }
        if initial {
            self.end(d, EndReason::Cancelled);
        }
    }

    fn on_failure(&mut self, id: TransactionId) {
        let Some((dialog, purpose)) = self.client_txs.remove(&id) else {
            return;
        };
        match (dialog, purpose) {
            (Some(d), Purpose::Invite) => {
                let confirmed = self
                    .calls
                    .get(&d)
                    .is_some_and(|c| c.dialog.state == DialogState::Confirmed);
                if !confirmed {
                    self.end(d, EndReason::Timeout);
                }
            }
            (Some(d), Purpose::Bye) => self.end(d, EndReason::LocalBye),
            (Some(d), Purpose::Reinvite) => {
                if let Some(call) = self.calls.get_mut(&d) {
                    call.pending_out = None;
                }
                self.events.push_back(UaEvent::TimedOut { dialog, id });
            }
            (_, Purpose::ForkBye) => {}
            _ => self.events.push_back(UaEvent::TimedOut { dialog, id }),
        }
    }
}

/// A dialog for a 2xx to `invite` that no call owns.
fn stray_dialog(
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

impl UasState for UserAgent {
    fn dialog_exists(&self, call_id: &str, local_tag: &str, remote_tag: Option<&str>) -> bool {
        let key = (call_id.to_owned(), local_tag.to_owned());
        self.by_tags
            .get(&key)
            .and_then(|d| self.calls.get(d))
            .is_some_and(|call| match (call.dialog.remote_tag(), remote_tag) {
                (Some(ours), Some(theirs)) => ours == theirs,
                _ => true,
            })
    }

    fn is_merged(&self, _request: &Request) -> bool {
        false
    }

    fn cancel_target_exists(&self, _cancel: &Request) -> bool {
        true // CANCEL is matched and answered by the transaction layer
    }

    fn invite_pending(&self, call_id: &str, local_tag: &str, _remote_tag: Option<&str>) -> bool {
        let key = (call_id.to_owned(), local_tag.to_owned());
        self.by_tags
            .get(&key)
            .and_then(|d| self.calls.get(d))
            .is_some_and(|call| call.pending_in.is_some() || call.pending_out.is_some())
    }
}
