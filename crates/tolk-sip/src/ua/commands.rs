//! What the user asks of the user agent: place a call, answer, hang up,
//! renegotiate, and send or answer any other request.

use std::cmp::Reverse;
use std::time::Instant;

use bytes::Bytes;

use super::reliable::{self, Queued};
use super::session_timer;
use super::{EndReason, Purpose, Unacked, UserAgent, option_tags};
use crate::Error;
use crate::auth::Credentials;
use crate::dialog::{Dialog, DialogId, DialogState, Role};
use crate::message::{Method, Request, Response, names};
use crate::transaction::TransactionId;
use crate::transport::Target;

const SDP: &str = "application/sdp";

/// A call to place with [`UserAgent::invite`].
#[derive(Debug, Clone)]
pub struct Invite {
    /// Our name-addr, without tag (`<sip:gateway@192.0.2.1>`).
    pub from: String,
    /// The callee's name-addr (`<sip:bob@example.com>`).
    pub to: String,
    /// The Request-URI.
    pub request_uri: String,
    /// Where the INVITE goes (the next hop).
    pub target: Target,
    /// The SDP offer; empty for a late offer, whose answer then goes in
    /// the ACK ([`UserAgent::ack`]).
    pub sdp: Bytes,
    /// Extra header fields (name, value), e.g. preloaded Route.
    pub headers: Vec<(String, String)>,
    /// Credentials for a 401/407 challenge (a SIP trunk's account); the
    /// INVITE is resent once per challenge with Digest (RFC 8760).
    pub credentials: Option<Credentials>,
}

impl UserAgent {
    /// Places a call: sends the INVITE and returns its dialog id. Then
    /// expect [`super::UaEvent::Progress`], [`super::UaEvent::Answered`]
    /// (the ACK is sent for you) or [`super::UaEvent::Terminated`].
    pub fn invite(&mut self, now: Instant, invite: Invite) -> Result<DialogId, Error> {
        let id = self.new_dialog_id();
        self.invite_as(now, id, invite)?;
        Ok(id)
    }

    /// Places a call under `id`, taken from [`UserAgent::dialog_ids`]
    /// beforehand (a caller in another task need not wait for the id).
    /// An INVITE that cannot be sent ends the call at once with
    /// [`super::UaEvent::Terminated`] and [`super::EndReason::Rejected`]
    /// 503 (refused by us), as if a proxy had refused it.
    pub fn place(&mut self, now: Instant, id: DialogId, invite: Invite) {
        if self.invite_as(now, id, invite).is_err() {
            self.events.push_back(super::UaEvent::Terminated {
                dialog: id,
                reason: super::EndReason::Rejected(503),
            });
        }
    }

    fn invite_as(&mut self, now: Instant, id: DialogId, invite: Invite) -> Result<(), Error> {
        let transport = invite.target.transport;
        let contact = self
            .contact(transport)
            .ok_or(Error::InvalidState("no local address for this transport"))?;
        let call_id = format!("{}@tolk", self.layer.token());
        let tag = self.layer.token();
        let dialog = Dialog::for_uac(
            call_id.clone(),
            tag.clone(),
            invite.from.clone(),
            invite.to.clone(),
            invite.request_uri.clone(),
            invite.target,
        );
        let mut b = Request::builder(Method::Invite, &invite.request_uri)
            .header(names::MAX_FORWARDS, 70)
            .header(names::FROM, format!("{};tag={tag}", invite.from))
            .header(names::TO, &invite.to)
            .header(names::CALL_ID, &call_id)
            .header(names::CSEQ, "1 INVITE")
            .header(names::CONTACT, contact)
            .header(names::ALLOW, self.allow());
        if !self.config.policy.supported.is_empty() {
            b = b.header(names::SUPPORTED, self.config.policy.supported.join(", "));
        }
        if self.config.session_expires > 0 {
            b = b
                .header(names::SESSION_EXPIRES, self.config.session_expires)
                .header(names::MIN_SE, self.config.min_se);
        }
        for (name, value) in &invite.headers {
            b = b.header(name, value);
        }
        if !self.config.product.is_empty() {
            b = b.header(names::USER_AGENT, &self.config.product);
        }
        if !invite.sdp.is_empty() {
            b = b.body(SDP, invite.sdp.clone());
        }
        let request = b.build()?;
        let tx = self.layer.send_request(now, request, invite.target)?;
        self.insert_call(id, dialog);
        if let Some(call) = self.calls.get_mut(&id) {
            call.pending_out = Some((tx, 1));
            call.transactions.push(tx);
            call.credentials = invite.credentials;
            call.local_sdp = invite.sdp;
        }
        self.client_txs.insert(tx, (Some(id), Purpose::Invite));
        self.pump(now);
        Ok(())
    }

    /// Answers the INVITE (or re-INVITE) pending in `dialog` with `code`:
    /// 180/183 (with `sdp` for early media), 2xx with the SDP answer
    /// (retransmitted until the ACK), or 300-699 to refuse. A 1xx goes
    /// reliably (RFC 3262) when the caller requires 100rel, or supports
    /// it and [`super::UaConfig::reliable_provisionals`] is set; see
    /// [`UserAgent::answer_reliably`] for what then waits for a PRACK.
    pub fn answer(
        &mut self,
        now: Instant,
        dialog: DialogId,
        code: u16,
        sdp: Bytes,
    ) -> Result<(), Error> {
        self.answer_with(now, dialog, code, sdp, false)
    }

    /// [`UserAgent::answer`], reliably when `reliable` asks and the
    /// caller supports it; queued while a PRACK must come first.
    pub(super) fn answer_with(
        &mut self,
        now: Instant,
        dialog: DialogId,
        code: u16,
        sdp: Bytes,
        reliable: bool,
    ) -> Result<(), Error> {
        let by_policy = self.config.reliable_provisionals;
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        if call.pending_in.is_none() {
            return Err(Error::InvalidState("no INVITE to answer in this dialog"));
        }
        let initial = call.dialog.state != DialogState::Confirmed;
        let rel = &mut call.rel;
        let reliable = initial
            && (101..200).contains(&code)
            && (rel.peer_requires || (rel.peer_supports && (reliable || by_policy)));
        if code >= 300 {
            rel.finish();
        } else if !rel.queued.is_empty() || rel.must_wait(code, reliable) {
            rel.queued.push_back(Queued {
                code,
                sdp,
                reliable,
            });
            return Ok(());
        }
        self.send_answer(now, dialog, code, sdp, reliable)
    }

    /// Builds and sends an answer to the pending INVITE.
    pub(super) fn send_answer(
        &mut self,
        now: Instant,
        dialog: DialogId,
        code: u16,
        sdp: Bytes,
        reliable: bool,
    ) -> Result<(), Error> {
        let contact = {
            let call = self.calls.get(&dialog).ok_or(Error::NoSuchTransaction)?;
            self.contact(call.dialog.transport())
        };
        let supported = self.config.policy.supported.join(", ");
        let allow = self.allow();
        let timers = self.config.layer.timers;
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        let (tx, request) = call
            .pending_in
            .clone()
            .ok_or(Error::InvalidState("no INVITE to answer in this dialog"))?;
        let initial = call.dialog.state != DialogState::Confirmed;
        let granted = (200..300)
            .contains(&code)
            .then(|| {
                session_timer::grant(&request, self.config.session_expires, self.config.min_se)
            })
            .flatten();
        let mut b = Response::for_request(&request, code).to_tag(&call.dialog.local_tag);
        b = Self::with_session_expires(b, granted);
        if (200..300).contains(&code) {
            b = b.header(names::ALLOW, allow);
        }
        if (101..300).contains(&code) {
            if initial {
                for field in request.headers().get_all(names::RECORD_ROUTE) {
                    b = b.field(field.clone());
                }
            }
            if let Some(contact) = contact {
                b = b.header(names::CONTACT, contact);
            }
            if !supported.is_empty() {
                b = b.header(names::SUPPORTED, &supported);
            }
        }
        if reliable {
            b = b
                .header(names::REQUIRE, reliable::TAG)
                .header(names::RSEQ, call.rel.take_rseq());
        }
        if !self.config.product.is_empty() {
            b = b.header(names::SERVER, &self.config.product);
        }
        if !sdp.is_empty() {
            call.local_sdp = sdp.clone();
            b = b.body(SDP, sdp);
        }
        let response = b.build()?;
        self.layer.send_response(now, tx, response.clone())?;
        match code {
            100..=199 => {
                if code > 100 && call.dialog.state == DialogState::Initial {
                    call.dialog.state = DialogState::Early;
                }
                if reliable {
                    let next = call.rel.sent(now, timers.t1, tx, response, &request)?;
                    self.timers.push(Reverse((next, dialog)));
                }
            }
            200..=299 => {
                call.rel.finish();
                call.pending_in = None;
                self.server_invites.remove(&tx);
                call.dialog.state = DialogState::Confirmed;
                let cseq = request.headers().cseq()?.seq;
                call.unacked = Some(Box::new(Unacked {
                    tx,
                    response,
                    cseq,
                    next: now + timers.t1,
                    interval: timers.t1,
                    give_up: now + timers.timeout(),
                }));
                self.timers.push(Reverse((now + timers.t1, dialog)));
                let update = option_tags::allows_update(request.headers());
                self.restart_session_timer(now, dialog, granted, false, update);
            }
            _ => {
                call.pending_in = None;
                self.server_invites.remove(&tx);
                if initial {
                    self.end(dialog, EndReason::Rejected(code));
                }
            }
        }
        self.pump(now);
        Ok(())
    }

    /// Sends the ACK with the SDP answer after [`super::UaEvent::Answered`]
    /// for a late-offer INVITE (RFC 3264 section 4: the 2xx offered).
    pub fn ack(&mut self, now: Instant, dialog: DialogId, sdp: Bytes) -> Result<(), Error> {
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        let (seq, _offer) = call
            .late_ack
            .take()
            .ok_or(Error::InvalidState("no 2xx awaits an ACK from the user"))?;
        if !sdp.is_empty() {
            call.local_sdp = sdp.clone();
        }
        let body = (!sdp.is_empty()).then_some((SDP, sdp));
        let ack = call.dialog.request(Method::Ack, seq, None, body)?;
        call.keep_ack(seq, ack);
        self.resend_ack(dialog, seq);
        self.pump(now);
        Ok(())
    }

    /// Refuses the INVITE pending in `dialog` with a response built
    /// elsewhere (a [`crate::auth::DigestServer`] 401, a 3xx with
    /// Contacts); a refused initial INVITE ends the dialog.
    pub fn reject_with(
        &mut self,
        now: Instant,
        dialog: DialogId,
        response: Response,
    ) -> Result<(), Error> {
        let code = response.code();
        if code < 300 {
            return Err(Error::InvalidState("reject_with sends 300-699 responses"));
        }
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        let (tx, _) = call
            .pending_in
            .take()
            .ok_or(Error::InvalidState("no INVITE to answer in this dialog"))?;
        let initial = call.dialog.state != DialogState::Confirmed;
        call.rel.finish();
        self.server_invites.remove(&tx);
        self.layer.send_response(now, tx, response)?;
        if initial {
            self.end(dialog, EndReason::Rejected(code));
        }
        self.pump(now);
        Ok(())
    }

    /// Ends `dialog` the way its state allows: BYE once confirmed,
    /// CANCEL while our INVITE is unanswered, 603 Decline for an
    /// incoming call not yet answered.
    pub fn hangup(&mut self, now: Instant, dialog: DialogId) -> Result<(), Error> {
        let call = self.calls.get(&dialog).ok_or(Error::NoSuchTransaction)?;
        match (call.dialog.role, call.dialog.state) {
            (_, DialogState::Confirmed) => self.bye(now, dialog),
            (Role::Uac, _) => self.cancel(now, dialog),
            (Role::Uas, _) => self.answer(now, dialog, 603, Bytes::new()),
        }
    }

    /// Sends BYE in a confirmed dialog and ends it at once (RFC 3261
    /// section 15.1.1): [`super::UaEvent::Terminated`] with
    /// [`super::EndReason::LocalBye`] follows right away, while the BYE
    /// transaction is retransmitted until answered or timed out without
    /// holding the dialog. As callee, while our 2xx awaits its ACK, the
    /// 2xx is still resent and the BYE waits for the ACK, or for 64*T1
    /// (RFC 3261 section 15). A BYE that cannot be sent (no route,
    /// transport down) still ends the dialog, and the error says why.
    pub fn bye(&mut self, now: Instant, dialog: DialogId) -> Result<(), Error> {
        let call = self.calls.get(&dialog).ok_or(Error::NoSuchTransaction)?;
        if call.dialog.state != DialogState::Confirmed {
            return Err(Error::InvalidState("BYE needs a confirmed dialog"));
        }
        let sent = self.send_bye(now, dialog);
        self.end(dialog, EndReason::LocalBye);
        sent
    }

    /// Cancels our INVITE in `dialog` (RFC 3261 section 9.1); the call
    /// ends with [`EndReason::Rejected`]`(487)` when the peer confirms.
    /// A 2xx crossing the CANCEL is ACKed and ended with BYE by the core
    /// (RFC 3261 section 15): the call then ends with
    /// [`EndReason::LocalBye`], and never reports
    /// [`super::UaEvent::Answered`].
    pub fn cancel(&mut self, now: Instant, dialog: DialogId) -> Result<(), Error> {
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        let (tx, _) = call
            .pending_out
            .ok_or(Error::InvalidState("no INVITE of ours is pending"))?;
        self.layer.cancel(now, tx)?;
        call.cancelled |= call.dialog.state != DialogState::Confirmed;
        self.pump(now);
        Ok(())
    }

    /// Sends a re-INVITE with a new offer. A 491 (glare) comes back as
    /// [`super::UaEvent::ReinviteResult`]; an incoming re-INVITE while
    /// ours is pending gets 491 from the core.
    pub fn reinvite(&mut self, now: Instant, dialog: DialogId, sdp: Bytes) -> Result<(), Error> {
        let refresh = self.refresh_headers(dialog);
        let contact = {
            let call = self.calls.get(&dialog).ok_or(Error::NoSuchTransaction)?;
            self.contact(call.dialog.transport())
        };
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        if call.dialog.state != DialogState::Confirmed {
            return Err(Error::InvalidState("re-INVITE needs a confirmed dialog"));
        }
        if call.pending_out.is_some() || call.pending_in.is_some() {
            return Err(Error::InvalidState(
                "an INVITE is already pending in this dialog",
            ));
        }
        let seq = call.dialog.next_seq();
        if !sdp.is_empty() {
            call.local_sdp = sdp.clone();
        }
        let body = (!sdp.is_empty()).then_some((SDP, sdp));
        let mut request = call
            .dialog
            .request(Method::Invite, seq, contact.as_deref(), body)?;
        for (name, value) in refresh.into_iter().flatten() {
            request.headers_mut().set(name, &value)?;
        }
        let target = call.dialog.next_target();
        let tx = self.layer.send_request(now, request, target)?;
        call.pending_out = Some((tx, seq));
        call.transactions.push(tx);
        self.client_txs
            .insert(tx, (Some(dialog), Purpose::Reinvite));
        self.pump(now);
        Ok(())
    }

    /// Sends `method` (UPDATE, INFO, MESSAGE, OPTIONS, ...) inside
    /// `dialog`; the answer arrives as [`super::UaEvent::Response`].
    /// [`Error::NoDialogYet`] while no response with a To tag has made
    /// the dialog (early or confirmed).
    pub fn request(
        &mut self,
        now: Instant,
        dialog: DialogId,
        method: Method,
        body: Option<(&str, Bytes)>,
    ) -> Result<TransactionId, Error> {
        if matches!(
            method,
            Method::Invite | Method::Ack | Method::Cancel | Method::Bye
        ) {
            return Err(Error::InvalidState(
                "use invite/reinvite, cancel or bye for this method",
            ));
        }
        let contact = {
            let call = self.calls.get(&dialog).ok_or(Error::NoSuchTransaction)?;
            self.contact(call.dialog.transport())
        };
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        if call.dialog.state == DialogState::Initial {
            return Err(Error::NoDialogYet);
        }
        let seq = call.dialog.next_seq();
        let refresh = (method == Method::Update)
            .then_some(())
            .and(contact.as_deref());
        let request = call.dialog.request(method, seq, refresh, body)?;
        let target = call.dialog.next_target();
        let tx = self.layer.send_request(now, request, target)?;
        self.client_txs.insert(tx, (Some(dialog), Purpose::Other));
        self.pump(now);
        Ok(tx)
    }

    /// Sends a request outside any dialog (OPTIONS, MESSAGE, REGISTER);
    /// the answer arrives as [`super::UaEvent::Response`].
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Request,
        target: Target,
    ) -> Result<TransactionId, Error> {
        if matches!(
            request.method(),
            Method::Invite | Method::Ack | Method::Cancel
        ) {
            return Err(Error::InvalidState("use invite or cancel for this method"));
        }
        let tx = self.layer.send_request(now, request, target)?;
        self.client_txs.insert(tx, (None, Purpose::Other));
        self.pump(now);
        Ok(tx)
    }

    /// Answers a request announced by [`super::UaEvent::Request`].
    pub fn respond(
        &mut self,
        now: Instant,
        id: TransactionId,
        code: u16,
        body: Option<(&str, Bytes)>,
    ) -> Result<(), Error> {
        let request = self.layer.request(id).ok_or(Error::NoSuchTransaction)?;
        let tag = self.layer_token_for(request);
        let update_in = (*request.method() == Method::Update)
            .then(|| self.find(request))
            .flatten();
        let response = if let Some(d) = update_in {
            let request = request.clone();
            self.update_response(now, d, &request, code, body, &tag)?
        } else {
            let mut b = Response::for_request(request, code).to_tag(&tag);
            if let Some((content_type, body)) = body {
                b = b.body(content_type, body);
            }
            b.build()?
        };
        self.layer.send_response(now, id, response)?;
        self.pump(now);
        Ok(())
    }

    /// Sends a response built elsewhere (a registrar's 200, a Digest
    /// 401) to a request announced by [`super::UaEvent::Request`].
    pub fn respond_with(
        &mut self,
        now: Instant,
        id: TransactionId,
        response: Response,
    ) -> Result<(), Error> {
        self.layer.send_response(now, id, response)?;
        self.pump(now);
        Ok(())
    }

    /// A fresh random token (tags, Call-IDs, client nonces).
    pub fn token(&mut self) -> String {
        self.layer.token()
    }

    /// The tag for a response: the request's own To tag when in a dialog.
    fn layer_token_for(&self, request: &Request) -> String {
        request
            .headers()
            .to()
            .ok()
            .and_then(|to| to.tag().map(str::to_owned))
            .unwrap_or_else(|| format!("{:x}", request.headers().call_id().map(fnv).unwrap_or(0)))
    }

    pub(super) fn allow(&self) -> String {
        self.config
            .policy
            .allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A stable tag for a stateless-looking answer outside a dialog.
pub(super) fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}
