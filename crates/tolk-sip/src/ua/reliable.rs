//! RFC 3262 reliable provisional responses, both sides. As UAS: a 1xx
//! with `Require: 100rel` and an RSeq, resent with T1 doubling until its
//! PRACK; the PRACK answered (481 when its RAck matches nothing); answers
//! that must wait for a PRACK queued meanwhile. As UAC: one PRACK, with
//! RAck, per new reliable 1xx; retransmitted and out-of-order ones are
//! discarded.

use std::cmp::Reverse;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{EndReason, Purpose, UaEvent, UserAgent, option_tags, responses};
use crate::Error;
use crate::dialog::{Dialog, DialogId};
use crate::message::{Method, Request, Response, names};
use crate::transaction::TransactionId;

/// The option tag.
pub(super) const TAG: &str = "100rel";

/// True when `tags` (Supported or Require values) name 100rel.
pub(super) fn names_100rel<'a>(tags: impl Iterator<Item = Result<&'a str, Error>>) -> bool {
    option_tags::names(tags, TAG)
}

/// Forks (remote tags) whose RSeq is tracked; reliable 1xx from more
/// early dialogs than this are discarded, so a peer cannot grow the state.
const MAX_FORKS: usize = 16;

/// An answer the user gave that waits for a PRACK (RFC 3262 section 3:
/// one unacknowledged reliable 1xx at a time, and no 2xx while one that
/// carries SDP is unacknowledged).
#[derive(Debug, Clone)]
pub(super) struct Queued {
    pub(super) code: u16,
    pub(super) sdp: Bytes,
    pub(super) reliable: bool,
}

/// Our reliable 1xx awaiting its PRACK.
#[derive(Debug, Clone)]
pub(super) struct Provisional {
    rseq: u32,
    /// CSeq number of the INVITE it answers.
    cseq: u32,
    tx: TransactionId,
    response: Response,
    /// Its SDP is our offer (the INVITE had none): the PRACK answers it.
    carries_offer: bool,
    has_sdp: bool,
    /// Next resend, the interval, and when to give up; `None` once a
    /// final response went out (a late PRACK still gets its 200).
    resend: Option<(Instant, Duration, Instant)>,
}

/// A PRACK the user must send with an SDP answer ([`UserAgent::prack`]).
#[derive(Debug, Clone)]
pub(super) struct PrackDue {
    rseq: u32,
    cseq: u32,
    /// The early dialog of the fork that sent the 1xx.
    dialog: Dialog,
}

/// The RFC 3262 state of one call.
#[derive(Debug, Clone, Default)]
pub(super) struct Reliability {
    /// UAS: the INVITE named 100rel in Supported or Require.
    pub(super) peer_supports: bool,
    /// UAS: the INVITE named 100rel in Require.
    pub(super) peer_requires: bool,
    next_rseq: u32,
    sdp_sent: bool,
    /// Boxed, as `prack_due`: few calls use 100rel, every call holds this.
    unacked: Option<Box<Provisional>>,
    pub(super) queued: VecDeque<Queued>,
    /// UAC: the last RSeq seen per remote tag (early dialogs of forks).
    rseq_in: Vec<(String, u32)>,
    /// UAC: a reliable 1xx already brought the offer to our late offer.
    pub(super) offer_in: bool,
    pub(super) prack_due: Option<Box<PrackDue>>,
}

impl Reliability {
    /// UAS state for an incoming INVITE; `first_rseq` is random (RFC
    /// 3262 section 3 asks for 1 to 2^31-1; we leave room to count up).
    pub(super) fn for_invite(invite: &Request, first_rseq: u32) -> Self {
        let h = invite.headers();
        let peer_requires = names_100rel(h.require());
        Reliability {
            peer_supports: peer_requires || names_100rel(h.supported()),
            peer_requires,
            next_rseq: first_rseq,
            ..Reliability::default()
        }
    }

    /// True when an answer must wait for the PRACK of the reliable 1xx
    /// now unacknowledged.
    pub(super) fn must_wait(&self, code: u16, reliable: bool) -> bool {
        let pending = self.unacked.as_ref().filter(|p| p.resend.is_some());
        pending.is_some_and(|p| reliable || ((200..300).contains(&code) && p.has_sdp))
    }

    /// A final response went out: stop resending and drop what waited.
    pub(super) fn finish(&mut self) {
        if let Some(p) = &mut self.unacked {
            p.resend = None;
        }
        self.queued.clear();
    }

    /// The RSeq for the next reliable 1xx.
    pub(super) fn take_rseq(&mut self) -> u32 {
        let rseq = self.next_rseq;
        self.next_rseq = self.next_rseq.wrapping_add(1).max(1);
        rseq
    }

    /// Records a reliable 1xx just sent, resent from `now + t1`.
    pub(super) fn sent(
        &mut self,
        now: Instant,
        t1: Duration,
        tx: TransactionId,
        response: Response,
        invite: &Request,
    ) -> Result<Instant, Error> {
        let h = response.headers();
        let rseq = h.rseq()?.ok_or(Error::MissingHeader(names::RSEQ))?;
        let has_sdp = !response.body().is_empty();
        let carries_offer = has_sdp && !self.sdp_sent && invite.body().is_empty();
        self.sdp_sent |= has_sdp;
        let next = now + t1;
        self.unacked = Some(Box::new(Provisional {
            rseq,
            cseq: invite.headers().cseq()?.seq,
            tx,
            response,
            carries_offer,
            has_sdp,
            resend: Some((next, t1, now + t1.saturating_mul(64))),
        }));
        Ok(next)
    }
}

impl UserAgent {
    /// Answers the INVITE pending in `dialog` with a reliable
    /// provisional response (RFC 3262): `code` 101-199 with
    /// `Require: 100rel` and RSeq, resent until the caller's PRACK, which
    /// comes back as [`UaEvent::Prack`]. The caller must have offered
    /// 100rel. Later answers that must wait for the PRACK (a second
    /// reliable 1xx, a 2xx after a 1xx with SDP) are queued and sent when
    /// it arrives.
    pub fn answer_reliably(
        &mut self,
        now: Instant,
        dialog: DialogId,
        code: u16,
        sdp: Bytes,
    ) -> Result<(), Error> {
        if !(101..200).contains(&code) {
            return Err(Error::InvalidState(
                "only 101-199 responses are sent reliably",
            ));
        }
        let call = self.calls.get(&dialog).ok_or(Error::NoSuchTransaction)?;
        if !call.rel.peer_supports {
            return Err(Error::InvalidState("the caller did not offer 100rel"));
        }
        self.answer_with(now, dialog, code, sdp, true)
    }

    /// Sends the PRACK for a reliable 1xx whose SDP offered a session to
    /// our late-offer INVITE, with the answer `sdp` (RFC 3262 section 5).
    pub fn prack(&mut self, now: Instant, dialog: DialogId, sdp: Bytes) -> Result<(), Error> {
        let call = self
            .calls
            .get_mut(&dialog)
            .ok_or(Error::NoSuchTransaction)?;
        let due = call.rel.prack_due.take().ok_or(Error::InvalidState(
            "no reliable provisional response awaits a PRACK from the user",
        ))?;
        let body = (!sdp.is_empty()).then_some(("application/sdp", sdp));
        self.send_prack(now, dialog, &due, body)?;
        self.pump(now);
        Ok(())
    }

    /// Sends the queued answers whose PRACK has now arrived, in order.
    pub(super) fn flush_queued(&mut self, now: Instant, d: DialogId) {
        loop {
            let Some(call) = self.calls.get_mut(&d) else {
                return;
            };
            let ready = call
                .rel
                .queued
                .front()
                .is_some_and(|q| !call.rel.must_wait(q.code, q.reliable));
            let Some(next) = ready.then(|| call.rel.queued.pop_front()).flatten() else {
                return;
            };
            if self
                .send_answer(now, d, next.code, next.sdp, next.reliable)
                .is_err()
            {
                return;
            }
        }
    }

    /// RFC 3262 section 3: a PRACK in dialog `d`.
    pub(super) fn on_prack(
        &mut self,
        now: Instant,
        d: DialogId,
        id: TransactionId,
        prack: Request,
    ) {
        let rack = prack.headers().rack().ok().flatten();
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        let matched = match (&call.rel.unacked, rack) {
            (Some(p), Some(rack)) => {
                p.rseq == rack.rseq && p.cseq == rack.cseq && rack.method == "INVITE"
            }
            _ => false,
        };
        let Some(acked) = matched.then(|| call.rel.unacked.take()).flatten() else {
            return self.reply(now, id, &prack, 481);
        };
        if !prack.body().is_empty() && !acked.carries_offer {
            // A new offer in the PRACK: the user answers it in the 200.
            self.events.push_back(UaEvent::Request {
                dialog: Some(d),
                id,
                request: prack,
            });
        } else {
            self.reply(now, id, &prack, 200);
            self.events.push_back(UaEvent::Prack {
                dialog: d,
                request: prack,
            });
        }
        self.flush_queued(now, d);
    }

    /// Resends our unacknowledged reliable 1xx (T1 doubling); after
    /// 64*T1 without PRACK rejects the INVITE with 500 (RFC 3262 section 3).
    pub(super) fn retransmit_provisional(&mut self, now: Instant, d: DialogId) {
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        let Some(p) = &mut call.rel.unacked else {
            return;
        };
        let Some((next, interval, give_up)) = p.resend else {
            return;
        };
        if next > now {
            return; // a stale timer entry
        }
        if now >= give_up {
            call.rel.unacked = None;
            call.rel.queued.clear();
            if let Some((tx, invite)) = call.pending_in.take() {
                self.server_invites.remove(&tx);
                let tag = call.dialog.local_tag.clone();
                if let Ok(response) = Response::for_request(&invite, 500).to_tag(&tag).build() {
                    let _ = self.layer.send_response(now, tx, response);
                }
            }
            self.end(d, EndReason::NoPrack);
            return;
        }
        let _ = self.layer.send_response(now, p.tx, p.response.clone());
        let interval = interval.saturating_mul(2);
        let next = (now + interval).min(give_up);
        p.resend = Some((next, interval, give_up));
        self.timers.push(Reverse((next, d)));
    }

    /// RFC 3262 section 4: a 1xx to our INVITE `id` in call `d`. A
    /// reliable one gets its PRACK (or waits for the user's, when it
    /// offers SDP to our late offer). False when it is a retransmission
    /// or arrived out of order: discard it.
    pub(super) fn on_provisional(
        &mut self,
        now: Instant,
        id: TransactionId,
        d: DialogId,
        response: &Response,
    ) -> bool {
        let h = response.headers();
        let (Ok(Some(rseq)), true) = (h.rseq(), names_100rel(h.require())) else {
            return true; // not a reliable one
        };
        let Some(tag) = h.to().ok().and_then(|t| t.tag().map(str::to_owned)) else {
            return true;
        };
        let Ok(cseq) = h.cseq().map(|c| c.seq) else {
            return false;
        };
        let invite = self.layer.request(id).cloned();
        let peer = self.layer.target(id);
        let Some(call) = self.calls.get_mut(&d) else {
            return false;
        };
        let forks = call.rel.rseq_in.len();
        match call.rel.rseq_in.iter_mut().find(|(t, _)| *t == tag) {
            Some((_, last)) if rseq != last.wrapping_add(1) => return false,
            Some((_, last)) => *last = rseq,
            None if forks >= MAX_FORKS => return false,
            None => call.rel.rseq_in.push((tag.clone(), rseq)),
        }
        let dialog = if call.dialog.remote_tag() == Some(tag.as_str()) {
            call.dialog.clone()
        } else {
            let fork = invite.and_then(|i| responses::stray_dialog(&i, response, peer).ok());
            let Some(fork) = fork else { return false };
            fork
        };
        let due = PrackDue { rseq, cseq, dialog };
        let late_offer = self.layer.request(id).is_some_and(|r| r.body().is_empty());
        if late_offer && !response.body().is_empty() && !call.rel.offer_in {
            call.rel.offer_in = true;
            call.rel.prack_due = Some(Box::new(due));
            return true;
        }
        let _ = self.send_prack(now, d, &due, None);
        true
    }

    fn send_prack(
        &mut self,
        now: Instant,
        d: DialogId,
        due: &PrackDue,
        body: Option<(&str, Bytes)>,
    ) -> Result<(), Error> {
        let call = self.calls.get_mut(&d).ok_or(Error::NoSuchTransaction)?;
        let seq = call.dialog.next_seq();
        let mut prack = due.dialog.request(Method::Prack, seq, None, body)?;
        prack
            .headers_mut()
            .append(names::RACK, &format!("{} {} INVITE", due.rseq, due.cseq))?;
        let tx = self
            .layer
            .send_request(now, prack, due.dialog.next_target())?;
        self.client_txs.insert(tx, (Some(d), Purpose::Prack));
        Ok(())
    }
}
