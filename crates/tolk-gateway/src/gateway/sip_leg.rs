//! The SIP leg adapter: turns the user agent's dialog events into
//! call-model [`LegEvent`]s and carries out [`LegCommand`]s on dialogs, so
//! that the bridge never sees a SIP message.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;
use tolk_interwork::{
    Cause, DTMF_RELAY_CONTENT_TYPE, DtmfEvent, KeyframeRequest, LegCommand, LegEvent, LegId,
    MEDIA_CONTROL_CONTENT_TYPE, MediaWarning, Party, cause_for_status, status_for_cause,
};
use tolk_sdp::SessionDescription;
use tolk_sip::dialog::{DialogId, DialogIds};
use tolk_sip::message::names;
use tolk_sip::transaction::TransactionId;
use tolk_sip::transport::{DriverHandle, Target};
use tolk_sip::ua::{EndReason, Invite, UaEvent, UserAgent};
use tolk_sip::{Method, Request, Response, Uri};

use super::dtmf::HeldPresses;
use super::reoffer::{Reoffer, glare_wait};

const SDP: &str = "application/sdp";

/// What the adapter made of one user-agent event.
#[derive(Debug)]
pub enum SipInput {
    /// A call-model event on a leg.
    Leg(LegId, LegEvent),
    /// A new incoming call on a new leg; `source` is the address its
    /// INVITE came from, for matching configured peers.
    Incoming {
        /// The new leg.
        leg: LegId,
        /// `LegEvent::Incoming`.
        event: LegEvent,
        /// The INVITE's transport source address.
        source: Option<SocketAddr>,
    },
    /// A request outside any call (REGISTER, OPTIONS, MESSAGE).
    Request(TransactionId, Request),
    /// A MESSAGE inside a call's dialog on a leg (RFC 3428), for the
    /// bridge to relay to the other leg.
    DialogMessage(LegId, TransactionId, Request),
    /// The final response to a request we sent (None: it timed out).
    Answer(TransactionId, Option<Response>),
    /// Nothing for the bridge (already answered or not of interest).
    Handled,
}

/// How a SIP leg ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegEnding {
    /// The INVITE's final status when it was refused or given up: the
    /// callee's own (a SIP caller gets it as is, not through Q.850), 487
    /// for a caller's CANCEL, 500 for a caller that never sent PRACK.
    pub status: Option<u16>,
    /// Why, as a metrics label (`bye`, `cancel`, `no_prack`, ...).
    pub reason: &'static str,
}

/// A mid-call offer awaiting our answer: in a re-INVITE or an UPDATE.
#[derive(Debug, Clone, Copy)]
enum PendingUpdate {
    Reinvite,
    Update(TransactionId),
}

#[derive(Debug)]
struct SipLeg {
    dialog: DialogId,
    /// The initial INVITE while it awaits a final answer.
    invite: Option<Request>,
    pending_update: Option<PendingUpdate>,
    /// Our latest SDP on this dialog (offer or answer), repeated as the
    /// offer when the peer re-INVITEs without one.
    local_sdp: Bytes,
    /// We offered in the 2xx to an offer-less INVITE or re-INVITE: the
    /// ACK answers.
    offer_in_2xx: bool,
    /// The initial INVITE came without an offer, and its ACK's answer
    /// has not arrived yet: no usable answer there ends the call.
    late_offer: bool,
    /// We placed this call, so chose its Call-ID (glare waits longer).
    we_called: bool,
    /// Our re-offer until the peer answers it.
    reoffer: Option<Reoffer>,
    /// The dialog exists (early or confirmed) to carry requests: a 1xx
    /// with a To tag or a 2xx went either way. Known from the events and
    /// commands that pass here, without asking the user agent.
    dialog_up: bool,
    /// Key presses for this leg while no dialog carries an INFO to it
    /// yet (a callee ringing without a To tag): sent once a 1xx with
    /// a tag or the 2xx makes one (bounded in count and age).
    held_dtmf: HeldPresses,
}

/// The SIP legs of a gateway, on one user agent.
#[derive(Debug)]
pub struct SipLegs {
    handle: DriverHandle<UserAgent>,
    dialog_ids: DialogIds,
    legs: HashMap<LegId, SipLeg>,
    by_dialog: HashMap<DialogId, LegId>,
    /// How legs ended, until the bridge takes it.
    endings: HashMap<LegId, LegEnding>,
    next_leg: u64,
    /// Legs whose re-offer is due again after glare.
    retry_tx: mpsc::UnboundedSender<LegId>,
    retry_rx: Option<mpsc::UnboundedReceiver<LegId>>,
}

impl SipLegs {
    /// The adapter over a running user agent.
    pub fn new(handle: DriverHandle<UserAgent>, dialog_ids: DialogIds) -> Self {
        let (retry_tx, retry_rx) = mpsc::unbounded_channel();
        SipLegs {
            handle,
            dialog_ids,
            legs: HashMap::new(),
            by_dialog: HashMap::new(),
            endings: HashMap::new(),
            next_leg: 1,
            retry_tx,
            retry_rx: Some(retry_rx),
        }
    }

    /// The legs whose re-offer is due again, for [`SipLegs::retry_reoffer`]
    /// (taken once, by the event loop).
    pub fn take_retries(&mut self) -> Option<mpsc::UnboundedReceiver<LegId>> {
        self.retry_rx.take()
    }

    /// The user agent's handle.
    pub fn handle(&self) -> &DriverHandle<UserAgent> {
        &self.handle
    }

    /// How many SIP legs exist.
    pub fn len(&self) -> usize {
        self.legs.len()
    }

    /// True when no SIP leg exists.
    pub fn is_empty(&self) -> bool {
        self.legs.is_empty()
    }

    fn new_leg(&mut self, dialog: DialogId, invite: Option<Request>, local_sdp: Bytes) -> LegId {
        let we_called = invite.is_none();
        let leg = LegId(self.next_leg);
        self.next_leg += 1;
        self.legs.insert(
            leg,
            SipLeg {
                dialog,
                invite,
                pending_update: None,
                local_sdp,
                offer_in_2xx: false,
                late_offer: false,
                we_called,
                reoffer: None,
                dialog_up: false,
                held_dtmf: HeldPresses::default(),
            },
        );
        self.by_dialog.insert(dialog, leg);
        leg
    }

    /// Translates one user-agent event; answers what needs no bridge
    /// (unreadable INFO bodies, malformed offers) itself.
    pub async fn translate(&mut self, event: UaEvent) -> SipInput {
        match event {
            UaEvent::IncomingCall {
                dialog,
                request,
                sdp,
                source,
            } => {
                let offer = match parse_body(&sdp) {
                    Ok(offer) => offer,
                    Err(reason) => {
                        let response = Response::for_request(&request, 400).reason(&reason);
                        self.reject_dialog(dialog, response).await;
                        return SipInput::Handled;
                    }
                };
                let event = LegEvent::Incoming {
                    from: party(request.headers().from().ok().map(|f| f.uri.to_string())),
                    to: party(Some(request.uri_str().to_owned())),
                    offer,
                };
                let leg = self.new_leg(dialog, Some(request), Bytes::new());
                SipInput::Incoming {
                    leg,
                    event,
                    source: Some(source.addr),
                }
            }
            UaEvent::Progress { dialog, response } => {
                let Some(&leg) = self.by_dialog.get(&dialog) else {
                    return SipInput::Handled;
                };
                // A 1xx with a tag makes the early dialog.
                let tagged = response.headers().to().is_ok_and(|to| to.tag().is_some());
                if let Some(state) = self.legs.get_mut(&leg) {
                    state.dialog_up |= tagged;
                }
                self.send_held_dtmf(leg);
                match parse_body(response.body()) {
                    Ok(early_media) => SipInput::Leg(leg, LegEvent::Progress { early_media }),
                    Err(_) => SipInput::Leg(leg, LegEvent::Progress { early_media: None }),
                }
            }
            UaEvent::Answered { dialog, response } => {
                let Some(&leg) = self.by_dialog.get(&dialog) else {
                    return SipInput::Handled;
                };
                match parse_body(response.body()) {
                    Ok(Some(answer)) => {
                        if let Some(state) = self.legs.get_mut(&leg) {
                            state.dialog_up = true; // the 2xx confirmed it
                        }
                        self.send_held_dtmf(leg);
                        SipInput::Leg(leg, LegEvent::Answered { answer })
                    }
                    _ => {
                        // The UA has ACKed, so the dialog is up: BYE it and
                        // forget the leg (its Terminated is of no interest).
                        self.run(move |ua, now| {
                            let _ = ua.hangup(now, dialog);
                        });
                        self.by_dialog.remove(&dialog);
                        self.legs.remove(&leg);
                        let ending = LegEnding {
                            status: None,
                            reason: "answer_without_sdp",
                        };
                        self.endings.insert(leg, ending);
                        SipInput::Leg(leg, unreadable_answer())
                    }
                }
            }
            UaEvent::Confirmed { dialog, ack } => {
                let Some(&leg) = self.by_dialog.get(&dialog) else {
                    return SipInput::Handled;
                };
                let Some(state) = self.legs.get_mut(&leg) else {
                    return SipInput::Handled;
                };
                if !std::mem::take(&mut state.offer_in_2xx) {
                    return SipInput::Handled;
                }
                let late_offer = std::mem::take(&mut state.late_offer);
                match parse_body(ack.body()) {
                    Ok(Some(answer)) => SipInput::Leg(leg, LegEvent::UpdateAnswered { answer }),
                    // A late-offer call without an answer has no media:
                    // BYE (RFC 3261 section 13.2.2.4) and end the call.
                    _ if late_offer => {
                        self.run(move |ua, now| {
                            let _ = ua.hangup(now, dialog);
                        });
                        self.by_dialog.remove(&dialog);
                        self.legs.remove(&leg);
                        SipInput::Leg(
                            leg,
                            LegEvent::Ended {
                                cause: Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED,
                                warning: Some(MediaWarning {
                                    code: 399,
                                    text: "the caller's ACK carries no readable SDP answer".into(),
                                }),
                            },
                        )
                    }
                    // No usable answer: the media stays as it was.
                    _ => SipInput::Handled,
                }
            }
            UaEvent::Reinvite {
                dialog,
                request,
                sdp,
            } => {
                let Some(&leg) = self.by_dialog.get(&dialog) else {
                    return SipInput::Handled;
                };
                match parse_body(&sdp) {
                    Ok(Some(offer)) => {
                        if let Some(state) = self.legs.get_mut(&leg) {
                            state.pending_update = Some(PendingUpdate::Reinvite);
                        }
                        SipInput::Leg(leg, LegEvent::Updated { offer })
                    }
                    // An offer-less re-INVITE (often a session refresh,
                    // RFC 3261 section 14.2): our current SDP unchanged
                    // (same o= version) is the offer, the ACK the answer.
                    Ok(None) => {
                        let offer = match self.legs.get_mut(&leg) {
                            Some(state) if !state.local_sdp.is_empty() => {
                                state.offer_in_2xx = true;
                                state.local_sdp.clone()
                            }
                            _ => Bytes::new(),
                        };
                        let code = if offer.is_empty() { 488 } else { 200 };
                        self.run(move |ua, now| {
                            let _ = ua.answer(now, dialog, code, offer);
                        });
                        SipInput::Handled
                    }
                    Err(_) => {
                        self.run(move |ua, now| {
                            let _ = ua.answer(now, dialog, 400, Bytes::new());
                        });
                        let _ = request;
                        SipInput::Handled
                    }
                }
            }
            UaEvent::ReinviteResult { dialog, response } => {
                let Some(&leg) = self.by_dialog.get(&dialog) else {
                    return SipInput::Handled;
                };
                if response.code() == 491 && self.glare(leg) {
                    return SipInput::Handled;
                }
                if let Some(state) = self.legs.get_mut(&leg) {
                    state.reoffer = None;
                }
                if (200..300).contains(&response.code()) {
                    match parse_body(response.body()) {
                        Ok(Some(answer)) => SipInput::Leg(leg, LegEvent::UpdateAnswered { answer }),
                        _ => SipInput::Handled,
                    }
                } else {
                    let cause = cause_for_status(response.code(), warning_code(&response))
                        .unwrap_or(Cause::NORMAL_UNSPECIFIED);
                    SipInput::Leg(leg, LegEvent::UpdateRejected { cause })
                }
            }
            UaEvent::Request {
                dialog: Some(dialog),
                id,
                request,
            } => match self.by_dialog.get(&dialog).copied() {
                Some(leg) => self.in_dialog(leg, id, request).await,
                None => {
                    self.respond(id, 481, None).await;
                    SipInput::Handled
                }
            },
            UaEvent::Request {
                dialog: None,
                id,
                request,
            } => SipInput::Request(id, request),
            UaEvent::Response { id, response, .. } => SipInput::Answer(id, Some(response)),
            UaEvent::TimedOut { id, .. } => SipInput::Answer(id, None),
            UaEvent::Terminated { dialog, reason } => {
                let Some(leg) = self.by_dialog.remove(&dialog) else {
                    return SipInput::Handled;
                };
                let outgoing = self.legs.remove(&leg).is_some_and(|l| l.invite.is_none());
                let status = match (&reason, outgoing) {
                    (EndReason::Rejected(code), true) => Some(*code),
                    (EndReason::Cancelled, false) => Some(487),
                    // RFC 3262 section 3: the UA refused the INVITE with 500.
                    (EndReason::NoPrack, false) => Some(500),
                    _ => None,
                };
                let reason_label = end_label(&reason);
                self.endings.insert(
                    leg,
                    LegEnding {
                        status,
                        reason: reason_label,
                    },
                );
                let cause = match reason {
                    EndReason::Rejected(code) => {
                        cause_for_status(code, None).unwrap_or(Cause::NORMAL_CALL_CLEARING)
                    }
                    EndReason::Timeout | EndReason::NoAck => Cause::RECOVERY_ON_TIMER_EXPIRY,
                    _ => Cause::NORMAL_CALL_CLEARING,
                };
                SipInput::Leg(
                    leg,
                    LegEvent::Ended {
                        cause,
                        warning: None,
                    },
                )
            }
            _ => SipInput::Handled,
        }
    }

    /// A request inside a call's dialog: UPDATE offers, INFO key presses
    /// and picture updates, MESSAGEs for the other leg; anything else is
    /// simply acknowledged.
    async fn in_dialog(&mut self, leg: LegId, id: TransactionId, request: Request) -> SipInput {
        let content_type = request
            .headers()
            .get(names::CONTENT_TYPE)
            .and_then(|f| f.value_str())
            .unwrap_or("")
            .to_owned();
        let reoffering = self
            .legs
            .get(&leg)
            .and_then(|l| l.reoffer.as_ref())
            .is_some_and(|r| r.in_flight);
        let keyframe = (*request.method() == Method::Info)
            .then(|| KeyframeRequest::from_info_body(&content_type, request.body()))
            .flatten();
        match request.method() {
            // Our re-INVITE's offer is outstanding (RFC 3311 section 5.2).
            Method::Update if !request.body().is_empty() && reoffering => {
                self.respond(id, 491, None).await;
                SipInput::Handled
            }
            Method::Update if !request.body().is_empty() => match parse_body(request.body()) {
                Ok(Some(offer)) => {
                    if let Some(state) = self.legs.get_mut(&leg) {
                        state.pending_update = Some(PendingUpdate::Update(id));
                    }
                    SipInput::Leg(leg, LegEvent::Updated { offer })
                }
                _ => {
                    self.respond(id, 400, None).await;
                    SipInput::Handled
                }
            },
            Method::Info if keyframe.is_some() => {
                self.respond(id, 200, None).await;
                // The bridge maps its stream_id (an a=label) to a line.
                let asked = keyframe.unwrap_or_default();
                SipInput::Leg(leg, LegEvent::KeyframeRequested(asked))
            }
            Method::Info if !request.body().is_empty() => {
                match DtmfEvent::from_info_body(&content_type, request.body()) {
                    Ok(event) => {
                        self.respond(id, 200, None).await;
                        SipInput::Leg(leg, LegEvent::Dtmf(event))
                    }
                    Err(_) => {
                        // RFC 6086: an Info-Package body we do not read is 415.
                        self.respond(id, 415, None).await;
                        SipInput::Handled
                    }
                }
            }
            Method::Message => SipInput::DialogMessage(leg, id, request),
            _ => {
                self.respond(id, 200, None).await;
                SipInput::Handled
            }
        }
    }

    /// The INVITE of incoming leg `leg` while it awaits a final answer.
    pub fn invite(&self, leg: LegId) -> Option<&Request> {
        self.legs.get(&leg)?.invite.as_ref()
    }

    /// How leg `leg` ended, once.
    pub fn take_ending(&mut self, leg: LegId) -> Option<LegEnding> {
        self.endings.remove(&leg)
    }

    /// Places the outgoing call `invite`; returns its new leg.
    pub async fn dial(&mut self, invite: Invite) -> Result<LegId, String> {
        let offer = invite.sdp.clone();
        // The id is ours before the user agent has sent the INVITE: a
        // call that cannot be placed ends with an event like any other.
        let dialog = self.dialog_ids.next();
        self.handle
            .send(move |ua, now| ua.place(now, dialog, invite))
            .map_err(|e| e.to_string())?;
        Ok(self.new_leg(dialog, None, offer))
    }

    /// Refuses the unanswered incoming call on `leg` with `code` and
    /// extra header fields (Warning, Retry-After).
    pub async fn reject(&mut self, leg: LegId, code: u16, headers: Vec<(&'static str, String)>) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let Some(invite) = state.invite.take() else {
            return;
        };
        let mut response = Response::for_request(&invite, code);
        for (name, value) in headers {
            response = response.header(name, value);
        }
        let dialog = state.dialog;
        self.reject_dialog(dialog, response).await;
    }

    async fn reject_dialog(&self, dialog: DialogId, response: tolk_sip::message::ResponseBuilder) {
        self.run(move |ua, now| {
            let Some(tag) = ua.dialog(dialog).map(|d| d.local_tag().to_owned()) else {
                return;
            };
            if let Ok(response) = response.to_tag(&tag).build() {
                let _ = ua.reject_with(now, dialog, response);
            }
        });
    }

    async fn respond(&self, id: TransactionId, code: u16, body: Option<(&'static str, Bytes)>) {
        self.run(move |ua, now| {
            let _ = ua.respond(now, id, code, body);
        });
    }

    /// Queues `command` on the user agent without waiting for it: what
    /// it leads to comes back as events, and the bridge goes on with
    /// other calls meanwhile.
    pub(crate) fn run(&self, command: impl FnOnce(&mut UserAgent, Instant) + Send + 'static) {
        if self.handle.send(command).is_err() {
            tracing::warn!("the SIP user agent has stopped");
        }
    }

    /// Carries out `command` on `leg`'s dialog. Commands for a leg that
    /// has ended are dropped: the other side already knows.
    pub async fn command(&mut self, leg: LegId, command: LegCommand) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let dialog = state.dialog;
        match command {
            LegCommand::Progress { early_media } => {
                let (code, sdp) = match early_media {
                    Some(sdp) => (183, sdp_body(&sdp)),
                    None => (180, Bytes::new()),
                };
                if !sdp.is_empty() {
                    state.local_sdp = sdp.clone();
                }
                state.dialog_up = true; // our 180/183 carries our tag
                self.run(move |ua, now| {
                    let _ = ua.answer(now, dialog, code, sdp);
                });
                self.send_held_dtmf(leg);
            }
            LegCommand::Answer { answer } => {
                // An offer-less INVITE: this 2xx offers, the ACK answers.
                if state.invite.take().is_some_and(|i| i.body().is_empty()) {
                    state.offer_in_2xx = true;
                    state.late_offer = true;
                }
                let sdp = sdp_body(&answer);
                state.local_sdp = sdp.clone();
                state.dialog_up = true;
                self.run(move |ua, now| {
                    let _ = ua.answer(now, dialog, 200, sdp);
                });
                self.send_held_dtmf(leg);
            }
            LegCommand::Reoffer { offer } => {
                let sdp = sdp_body(&offer);
                state.local_sdp = sdp.clone();
                state.reoffer = Some(Reoffer::new(sdp));
                self.send_reoffer(leg).await;
            }
            LegCommand::AnswerUpdate { answer } => {
                let sdp = sdp_body(&answer);
                state.local_sdp = sdp.clone();
                match state.pending_update.take() {
                    Some(PendingUpdate::Reinvite) => {
                        self.run(move |ua, now| {
                            let _ = ua.answer(now, dialog, 200, sdp);
                        });
                    }
                    Some(PendingUpdate::Update(id)) => {
                        self.respond(id, 200, Some((SDP, sdp))).await
                    }
                    None => {}
                }
            }
            LegCommand::RejectUpdate { cause, .. } => {
                let code = status_for_cause(cause).unwrap_or(488);
                match state.pending_update.take() {
                    Some(PendingUpdate::Reinvite) => {
                        self.run(move |ua, now| {
                            let _ = ua.answer(now, dialog, code, Bytes::new());
                        });
                    }
                    Some(PendingUpdate::Update(id)) => self.respond(id, code, None).await,
                    None => {}
                }
            }
            LegCommand::Dtmf(event) => {
                // Without a dialog yet, the press waits for one (and
                // is flushed, with those before it, when one comes).
                if state.dialog_up {
                    let body = Bytes::from(event.to_dtmf_relay_body());
                    self.info(dialog, DTMF_RELAY_CONTENT_TYPE, body).await;
                } else {
                    self.hold_dtmf(leg, event);
                }
            }
            LegCommand::RequestKeyframe(request) => {
                let body = Bytes::from(request.info_body());
                self.info(dialog, MEDIA_CONTROL_CONTENT_TYPE, body).await;
            }
            LegCommand::Hangup { cause, warning } => {
                if state.invite.is_some() {
                    let code = status_for_cause(cause).unwrap_or(480);
                    let headers = warning
                        .map(|w| vec![(names::WARNING, warning_value(&w))])
                        .unwrap_or_default();
                    self.reject(leg, code, headers).await;
                } else {
                    self.run(move |ua, now| {
                        let _ = ua.hangup(now, dialog);
                    });
                }
            }
            LegCommand::Dial { .. } => {}
        }
    }

    /// Whether our re-offer to `leg` is outstanding (sent, or waiting to
    /// be sent again after glare).
    pub fn reoffering(&self, leg: LegId) -> bool {
        self.legs.get(&leg).is_some_and(|l| l.reoffer.is_some())
    }

    /// Refuses the peer's mid-call offer on `leg` with 491 Request
    /// Pending: another renegotiation of this call is under way.
    pub async fn request_pending(&mut self, leg: LegId) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let dialog = state.dialog;
        match state.pending_update.take() {
            Some(PendingUpdate::Reinvite) => {
                self.run(move |ua, now| {
                    let _ = ua.answer(now, dialog, 491, Bytes::new());
                });
            }
            Some(PendingUpdate::Update(id)) => self.respond(id, 491, None).await,
            None => {}
        }
    }

    /// Sends `leg`'s re-offer as a re-INVITE. When the dialog has an
    /// INVITE pending (the peer's own, awaiting our answer), it is glare
    /// as well: tried again later.
    async fn send_reoffer(&mut self, leg: LegId) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let Some(reoffer) = state.reoffer.as_mut() else {
            return;
        };
        if !reoffer.attempt() {
            tracing::warn!(?leg, "re-offer given up after repeated glare");
            state.reoffer = None;
            return;
        }
        let (dialog, sdp) = (state.dialog, reoffer.sdp.clone());
        let sent = self
            .handle
            .with(move |ua, now| ua.reinvite(now, dialog, sdp))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        match sent {
            Ok(()) => {
                if let Some(reoffer) = self.legs.get_mut(&leg).and_then(|l| l.reoffer.as_mut()) {
                    reoffer.in_flight = true;
                }
            }
            Err(error) => {
                tracing::info!(?leg, %error, "re-INVITE not sent now; retrying");
                self.glare(leg);
            }
        }
    }

    /// Our re-offer to `leg` collided: schedules it again after the
    /// RFC 3261 section 14.1 wait. False when there is none to retry.
    fn glare(&mut self, leg: LegId) -> bool {
        let Some(state) = self.legs.get_mut(&leg) else {
            return false;
        };
        let Some(reoffer) = state.reoffer.as_mut() else {
            return false;
        };
        reoffer.in_flight = false;
        let wait = glare_wait(state.we_called);
        tracing::info!(
            ?leg,
            wait_ms = wait.as_millis() as u64,
            "glare: re-INVITE again later"
        );
        let retries = self.retry_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let _ = retries.send(leg);
        });
        true
    }

    /// Whether `leg` has a re-offer waiting out its glare wait.
    pub fn retry_due(&self, leg: LegId) -> bool {
        self.legs
            .get(&leg)
            .and_then(|l| l.reoffer.as_ref())
            .is_some_and(|r| !r.in_flight)
    }

    /// Sends `leg`'s re-offer again, as `offer` (rebuilt by the bridge
    /// from the media agreed now), once its glare wait is over.
    pub async fn retry_reoffer(&mut self, leg: LegId, offer: SessionDescription) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let Some(reoffer) = state.reoffer.as_mut().filter(|r| !r.in_flight) else {
            return;
        };
        let sdp = sdp_body(&offer);
        reoffer.sdp = sdp.clone();
        state.local_sdp = sdp;
        self.send_reoffer(leg).await;
    }

    /// Forgets `leg`'s re-offer that glare held back: the call no longer
    /// needs it.
    pub fn drop_reoffer(&mut self, leg: LegId) {
        if let Some(state) = self.legs.get_mut(&leg) {
            state.reoffer = None;
        }
    }

    /// Sends a MESSAGE with `body` inside `leg`'s dialog (early or
    /// confirmed); its final response arrives as [`SipInput::Answer`].
    /// [`tolk_sip::Error::NoSuchTransaction`] when the leg or its dialog
    /// is gone, [`tolk_sip::Error::NoDialogYet`] while its peer has not
    /// answered with a To tag.
    pub async fn message(
        &self,
        leg: LegId,
        content_type: String,
        body: Bytes,
    ) -> Result<TransactionId, tolk_sip::Error> {
        let dialog = self
            .legs
            .get(&leg)
            .ok_or(tolk_sip::Error::NoSuchTransaction)?
            .dialog;
        self.handle
            .with(move |ua, now| {
                let body = (!body.is_empty()).then_some((content_type.as_str(), body));
                ua.request(now, dialog, Method::Message, body)
            })
            .await?
    }

    /// Holds key press `event` for `leg` until its dialog exists.
    fn hold_dtmf(&mut self, leg: LegId, event: DtmfEvent) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        if state.held_dtmf.hold(event, Instant::now()) {
            tracing::debug!(?leg, "key press held: no dialog to carry its INFO yet");
        } else {
            let dropped = state.held_dtmf.dropped();
            tracing::info!(
                ?leg,
                dropped,
                "key press dropped: too many wait for the dialog"
            );
        }
    }

    /// The key presses held for `leg` go out as INFO, oldest first, once
    /// its dialog exists; those held too long are dropped and counted.
    fn send_held_dtmf(&mut self, leg: LegId) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        if state.held_dtmf.is_empty() || !state.dialog_up {
            return;
        }
        let dialog = state.dialog;
        let before = state.held_dtmf.dropped();
        let mut bodies = Vec::new();
        state.held_dtmf.release(Instant::now(), |press, _| {
            bodies.push(Bytes::from(press.to_dtmf_relay_body()));
            true
        });
        let dropped = state.held_dtmf.dropped() - before;
        if dropped > 0 {
            tracing::info!(?leg, dropped, "held key presses dropped: too old");
        }
        tracing::debug!(?leg, sent = bodies.len(), "held key presses sent");
        self.run(move |ua, now| {
            for body in bodies {
                let body = Some((DTMF_RELAY_CONTENT_TYPE, body));
                let _ = ua.request(now, dialog, Method::Info, body);
            }
        });
    }

    async fn info(&self, dialog: DialogId, content_type: &'static str, body: Bytes) {
        self.run(move |ua, now| {
            let _ = ua.request(now, dialog, Method::Info, Some((content_type, body)));
        });
    }
}

/// A dialog's end as a metrics label.
fn end_label(reason: &EndReason) -> &'static str {
    match reason {
        EndReason::RemoteBye => "bye",
        EndReason::LocalBye => "local_bye",
        EndReason::Rejected(_) => "rejected",
        EndReason::Cancelled => "cancel",
        EndReason::NoAck => "no_ack",
        EndReason::Timeout => "timeout",
        EndReason::NoPrack => "no_prack",
        EndReason::SessionExpired => "session_expired",
        _ => "other",
    }
}

/// The end of a leg whose 2xx carried no readable SDP answer.
fn unreadable_answer() -> LegEvent {
    LegEvent::Ended {
        cause: Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED,
        warning: Some(MediaWarning {
            code: 399,
            text: "the callee's answer carries no readable SDP".into(),
        }),
    }
}

/// A Warning header value (RFC 3261 section 20.43).
pub fn warning_value(warning: &MediaWarning) -> String {
    format!(
        "{} tolk \"{}\"",
        warning.code,
        warning.text.replace(['"', '\\'], "'")
    )
}

/// The first Warning code of a response.
fn warning_code(response: &Response) -> Option<u16> {
    let value = response.headers().get(names::WARNING)?.value_str()?;
    value.split_ascii_whitespace().next()?.parse().ok()
}

/// The body carrying `description`, in an allocation of its own size:
/// the printer's buffer is sized for the longest descriptions, and a body
/// lives as long as its dialog.
pub(super) fn sdp_body(description: &SessionDescription) -> Bytes {
    Bytes::from(description.to_bytes().into_boxed_slice())
}

/// An SDP body, `None` when empty; the reason when unreadable.
fn parse_body(body: &[u8]) -> Result<Option<SessionDescription>, String> {
    if body.is_empty() {
        return Ok(None);
    }
    tolk_sdp::parse(body)
        .map(Some)
        .map_err(|e| format!("Bad Request: SDP {e}"))
}

/// A party from a SIP or tel URI (user and host).
pub(crate) fn party(uri: Option<String>) -> Party {
    let Some(uri) = uri else {
        return Party::default();
    };
    match Uri::parse(&uri) {
        Ok(Uri::Sip(sip)) => Party {
            display_name: None,
            user: sip.user.unwrap_or("").to_owned(),
            host: sip.host.to_string(),
        },
        Ok(Uri::Tel(tel)) => Party {
            display_name: None,
            user: tel.number.to_owned(),
            host: String::new(),
        },
        _ => Party::default(),
    }
}

/// Where the outgoing INVITE goes.
#[derive(Debug, Clone)]
pub struct SipDestination {
    /// The Request-URI.
    pub request_uri: String,
    /// The next hop.
    pub target: Target,
}
