//! What the transaction layer reports, turned into dialog work: new
//! calls, in-dialog requests (RFC 3261 12.2.2), our 2xx resent until its
//! ACK (13.3.1.4), CANCEL (9.2); responses go on to `responses.rs`.

use std::cmp::Reverse;
use std::time::Instant;

use bytes::Bytes;

use super::reliable::Reliability;
use super::session_timer;
use super::{EndReason, Purpose, UaEvent, UserAgent};
use crate::dialog::{Dialog, DialogId, DialogState};
use crate::message::{Message, Method, Request, Response, names};
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
                TransactionEvent::Ack { request, .. } => self.on_ack(now, request),
                TransactionEvent::Response { id, response } => self.on_response(now, id, response),
                TransactionEvent::Cancelled { id } => self.on_cancelled(now, id),
                TransactionEvent::TimedOut { id } => self.on_failure(id, true),
                TransactionEvent::TransportError { id } => self.on_failure(id, false),
                TransactionEvent::Closed { id } => {
                    self.client_txs.remove(&id);
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
            if let Some(declined) = self.find_declined(&request) {
                match request.method() {
                    Method::Bye => self.bye_crossing(now, declined, id, &request),
                    _ => self.reply(now, id, &request, 481),
                }
                return;
            }
            match self.find(&request) {
                Some(dialog) if self.calls.contains_key(&dialog) => {
                    self.in_dialog(now, dialog, id, request, source)
                }
                Some(dialog) if *request.method() == Method::Bye => {
                    self.bye_crossing(now, dialog, id, &request)
                }
                _ => self.reply(now, id, &request, 481),
            }
            return;
        }
        match request.method() {
            Method::Invite if session_timer::too_brief(&request, self.config.min_se) => {
                self.reply_422(now, id, &request)
            }
            Method::Invite => match Dialog::for_uas(&request, tag, source) {
                Ok(dialog) => {
                    let tag_seed = self.layer.token();
                    let d = self.new_dialog_id();
                    self.insert_call(d, dialog);
                    let first_rseq = 1 + (super::commands::fnv(&tag_seed) % (1 << 30)) as u32;
                    if let Some(call) = self.calls.get_mut(&d) {
                        call.pending_in = Some((id, request.clone()));
                        call.transactions.push(id);
                        call.rel = Reliability::for_invite(&request, first_rseq);
                    }
                    self.server_invites.insert(id, d);
                    let sdp = request.body().clone();
                    self.events.push_back(UaEvent::IncomingCall {
                        dialog: d,
                        request,
                        sdp,
                        source,
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
        let refreshes = matches!(request.method(), Method::Invite | Method::Update);
        if refreshes && session_timer::too_brief(&request, self.config.min_se) {
            return self.reply_422(now, id, &request);
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
            Method::Prack => self.on_prack(now, d, id, request),
            Method::Bye => {
                self.reply(now, id, &request, 200);
                self.refuse_pending_invite(now, d);
                self.end(d, EndReason::RemoteBye);
            }
            Method::Update
                if request.body().is_empty()
                    && request.headers().contains(names::SESSION_EXPIRES) =>
            {
                // A session refresh only: the core answers it.
                call.dialog.refresh_target(&request);
                let tag = call.dialog.local_tag.clone();
                if let Ok(ok) = self.update_response(now, d, &request, 200, None, &tag) {
                    let _ = self.layer.send_response(now, id, ok);
                }
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

    /// The dialog is ending: the peer's INVITE we have not answered gets
    /// 487 (RFC 3261 section 15.1.2), and nothing of it is kept.
    pub(super) fn refuse_pending_invite(&mut self, now: Instant, d: DialogId) {
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        let Some((tx, invite)) = call.pending_in.take() else {
            return;
        };
        call.rel.finish();
        self.server_invites.remove(&tx);
        self.reply(now, tx, &invite, 487);
    }

    /// An answer of our own to a request, with the request's To tag (or
    /// none: 481 and 500 need no dialog).
    pub(super) fn reply(&mut self, now: Instant, id: TransactionId, request: &Request, code: u16) {
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

    /// RFC 3261 13.3.1.4: resend our 2xx (T1 doubling to T2) until the
    /// ACK; after 64*T1 give up and end the dialog with BYE (or send the
    /// BYE that waited for this ACK, when we had already hung up).
    pub(super) fn retransmit_2xx(&mut self, now: Instant, dialog: DialogId) {
        let live = self.calls.contains_key(&dialog);
        let slot = match self.calls.get_mut(&dialog) {
            Some(call) => &mut call.unacked,
            None => match self.ended.get_mut(&dialog) {
                Some(record) => &mut record.unacked,
                None => return,
            },
        };
        let Some(unacked) = slot else {
            return;
        };
        if unacked.next > now {
            return; // a stale timer entry
        }
        if now >= unacked.give_up {
            *slot = None;
            if live {
                let _ = self.send_bye(now, dialog);
                self.end(dialog, EndReason::NoAck);
            } else {
                let _ = self.send_ended_bye(now, dialog);
            }
            return;
        }
        let _ = self
            .layer
            .send_response(now, unacked.tx, unacked.response.clone());
        unacked.interval = (unacked.interval * 2).min(self.config.layer.timers.t2);
        unacked.next = (now + unacked.interval).min(unacked.give_up);
        self.timers.push(Reverse((unacked.next, dialog)));
    }

    /// The ACK for a 2xx of ours (RFC 3261 13.3.1.4): stop resending.
    fn on_ack(&mut self, now: Instant, ack: Request) {
        let Some(d) = self.find(&ack) else { return };
        let Ok(seq) = ack.headers().cseq().map(|c| c.seq) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&d) else {
            return self.ended_acked(now, d, seq);
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
        let invite = matches!(purpose, Purpose::Invite | Purpose::Reinvite);
        if code >= 200 && !(invite && code < 300) {
            self.client_txs.remove(&id);
        }
        if purpose == Purpose::Bye {
            return; // its dialog ended when it was sent
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
            Purpose::Reinvite => self.reinvite_response(now, d, response),
            Purpose::Refresh if (200..300).contains(&code) => {
                self.on_refresh_answered(now, d, &response)
            }
            Purpose::Bye | Purpose::Prack | Purpose::Refresh => {}
            Purpose::Other => self.events.push_back(UaEvent::Response {
                dialog,
                id,
                response,
            }),
        }
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

    /// Our request `id` got no final response: Timer B or F
    /// (`timed_out`), or the transport failed.
    fn on_failure(&mut self, id: TransactionId, timed_out: bool) {
        let Some((dialog, purpose)) = self.client_txs.remove(&id) else {
            return;
        };
        if timed_out && matches!(purpose, Purpose::Invite | Purpose::Reinvite) {
            // A late 2xx still comes, until Closed: it is ACKed (and, for
            // a call given up, ended with BYE, RFC 3261 13.2.2.4).
            self.client_txs.insert(id, (dialog, purpose));
        }
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
            (Some(d), Purpose::Reinvite) => {
                if let Some(call) = self.calls.get_mut(&d) {
                    call.pending_out = None;
                    self.events.push_back(UaEvent::TimedOut { dialog, id });
                }
            }
            (_, Purpose::Bye | Purpose::Prack | Purpose::Refresh) => {}
            _ => self.events.push_back(UaEvent::TimedOut { dialog, id }),
        }
    }
}

impl UasState for UserAgent {
    fn dialog_exists(&self, call_id: &str, local_tag: &str, remote_tag: Option<&str>) -> bool {
        if let Some(remote) = remote_tag {
            let full = (call_id.to_owned(), local_tag.to_owned(), remote.to_owned());
            if self.declined.contains_key(&full) {
                return true;
            }
        }
        let key = (call_id.to_owned(), local_tag.to_owned());
        self.by_tags
            .get(&key)
            .and_then(|d| {
                let live = self.calls.get(d).map(|call| &call.dialog);
                live.or_else(|| self.ended.get(d).map(|record| &record.dialog))
            })
            .is_some_and(|dialog| match (dialog.remote_tag(), remote_tag) {
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
