//! RFC 4028 session timers, both sides. A 2xx to an INVITE, re-INVITE
//! or UPDATE fixes the interval and who refreshes; the refresher sends
//! an UPDATE (or, when the peer does not allow UPDATE, a re-INVITE with
//! our last SDP) at half the interval; the other side sends BYE when no
//! refresh came by the interval less min(32 s, interval/3). A request
//! asking for less than our Min-SE gets 422; a 422 to our INVITE is
//! retried once with the peer's Min-SE.

use std::cmp::Reverse;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::option_tags::{self, allows_update};
use super::{EndReason, Purpose, UaEvent, UserAgent};
use crate::Error;
use crate::dialog::DialogId;
use crate::message::{Method, Request, Response, ResponseBuilder, names};
use crate::transaction::TransactionId;

/// The option tag.
pub(super) const TAG: &str = "timer";

/// True when `tags` (Supported or Require values) name `timer`.
fn names_timer<'a>(tags: impl Iterator<Item = Result<&'a str, Error>>) -> bool {
    option_tags::names(tags, TAG)
}

/// What a 2xx settles: the interval, and whether the UAC of that
/// transaction refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Negotiated {
    interval: u32,
    uac_refreshes: bool,
    /// The UAC supports `timer` (the 2xx then says `Require: timer`).
    uac_supports: bool,
}

impl Negotiated {
    /// The Session-Expires value.
    fn header(&self) -> String {
        let who = if self.uac_refreshes { "uac" } else { "uas" };
        format!("{};refresher={who}", self.interval)
    }
}

/// RFC 4028 section 9: the session timer a UAS grants to `request`
/// (INVITE or UPDATE): the interval it asked for, or `wanted` when it
/// supports timers and asked for none; the refresher it named, else the
/// UAC when it supports timers.
pub(super) fn grant(request: &Request, wanted: u32, min_se: u32) -> Option<Negotiated> {
    let h = request.headers();
    let uac_supports = names_timer(h.supported()) || names_timer(h.require());
    match h.session_expires().ok().flatten() {
        // A UAC without timer support cannot take a 422 (section 9): its
        // interval is raised to our floor instead, and we refresh.
        Some(se) => Some(Negotiated {
            interval: if uac_supports {
                se.delta
            } else {
                se.delta.max(min_se)
            },
            uac_refreshes: uac_supports
                && !se
                    .refresher()
                    .is_some_and(|r| r.eq_ignore_ascii_case("uas")),
            uac_supports,
        }),
        None if uac_supports && wanted > 0 => {
            let floor = h.min_se().ok().flatten().unwrap_or(0).max(min_se);
            Some(Negotiated {
                interval: wanted.max(floor),
                uac_refreshes: true,
                uac_supports,
            })
        }
        None => None,
    }
}

/// RFC 4028 section 9: a Session-Expires below our Min-SE gets 422, but
/// only from a UAC that supports timers (it can retry with our Min-SE);
/// for any other, [`grant`] raises the interval.
pub(super) fn too_brief(request: &Request, min_se: u32) -> bool {
    let h = request.headers();
    let supports = names_timer(h.supported()) || names_timer(h.require());
    supports && matches!(h.session_expires(), Ok(Some(se)) if se.delta < min_se)
}

/// RFC 4028 section 7.2: what a 2xx to our request settled (no
/// Session-Expires: no session timer).
fn accepted(response: &Response) -> Option<Negotiated> {
    let se = response.headers().session_expires().ok().flatten()?;
    Some(Negotiated {
        interval: se.delta,
        uac_refreshes: !se
            .refresher()
            .is_some_and(|r| r.eq_ignore_ascii_case("uas")),
        uac_supports: true,
    })
}

/// The running session timer of a dialog.
#[derive(Debug, Clone)]
pub(super) struct SessionTimer {
    interval: u32,
    /// We send the refreshes (else we watch the peer's).
    we_refresh: bool,
    /// When to refresh (refresher) or end the session (the other side).
    due: Instant,
    /// Our refresh went out and has not succeeded yet.
    refreshing: bool,
    /// The peer allows UPDATE: refresh with it (else re-INVITE).
    update: bool,
}

impl UserAgent {
    /// Adds the Session-Expires (and Require: timer) of `granted` to a
    /// 2xx we send.
    pub(super) fn with_session_expires(
        b: ResponseBuilder,
        granted: Option<Negotiated>,
    ) -> ResponseBuilder {
        match granted {
            Some(n) if n.uac_supports => b
                .header(names::SESSION_EXPIRES, n.header())
                .header(names::REQUIRE, TAG),
            Some(n) => b.header(names::SESSION_EXPIRES, n.header()),
            None => b,
        }
    }

    /// Starts (or restarts, or with `None` stops) the session timer of
    /// `d` after a 2xx; `we_are_uac` of the transaction it answered. A
    /// restart is announced as [`UaEvent::SessionRefreshed`].
    pub(super) fn restart_session_timer(
        &mut self,
        now: Instant,
        d: DialogId,
        settled: Option<Negotiated>,
        we_are_uac: bool,
        peer_allows_update: bool,
    ) {
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        let Some(n) = settled.filter(|n| n.interval > 0) else {
            call.timer = None;
            return;
        };
        let we_refresh = n.uac_refreshes == we_are_uac;
        let interval = Duration::from_secs(u64::from(n.interval));
        let due = if we_refresh {
            now + interval / 2
        } else {
            now + interval - (interval / 3).min(Duration::from_secs(32))
        };
        let update = peer_allows_update || call.timer.as_ref().is_some_and(|t| t.update);
        let refresh = call.timer.is_some();
        call.timer = Some(SessionTimer {
            interval: n.interval,
            we_refresh,
            due,
            refreshing: false,
            update,
        });
        self.timers.push(Reverse((due, d)));
        if refresh {
            self.events.push_back(UaEvent::SessionRefreshed {
                dialog: d,
                interval,
                we_refresh,
            });
        }
    }

    /// A 2xx to our INVITE, re-INVITE or refreshing UPDATE.
    pub(super) fn on_refresh_answered(&mut self, now: Instant, d: DialogId, response: &Response) {
        let update = allows_update(response.headers());
        self.restart_session_timer(now, d, accepted(response), true, update);
    }

    /// The Session-Expires and Min-SE of a refresh we send in `d` (or of
    /// a re-INVITE while a timer runs): we name ourselves refresher.
    pub(super) fn refresh_headers(&self, d: DialogId) -> Option<[(&'static str, String); 3]> {
        let timer = self.calls.get(&d)?.timer.as_ref()?;
        let who = if timer.we_refresh { "uac" } else { "uas" };
        Some([
            (
                names::SESSION_EXPIRES,
                format!("{};refresher={who}", timer.interval),
            ),
            (names::MIN_SE, self.config.min_se.to_string()),
            (names::SUPPORTED, TAG.to_owned()),
        ])
    }

    /// Runs the session timer of `d` when due: refresh, or end the
    /// session (RFC 4028 section 10) with BYE.
    pub(super) fn session_timer_due(&mut self, now: Instant, d: DialogId) {
        let Some(call) = self.calls.get_mut(&d) else {
            return;
        };
        let Some(timer) = &mut call.timer else {
            return;
        };
        if timer.due > now {
            return; // a stale timer entry
        }
        if timer.we_refresh && !timer.refreshing {
            timer.refreshing = true;
            let interval = Duration::from_secs(u64::from(timer.interval));
            timer.due = now + interval - interval / 2;
            self.timers.push(Reverse((timer.due, d)));
            let update = timer.update;
            let sdp = call.local_sdp.clone();
            let _ = if update || sdp.is_empty() {
                self.send_refresh_update(now, d)
            } else {
                self.reinvite(now, d, sdp)
            };
            return;
        }
        call.timer = None;
        let _ = self.send_bye(now, d);
        self.end(d, EndReason::SessionExpired);
    }

    fn send_refresh_update(&mut self, now: Instant, d: DialogId) -> Result<(), Error> {
        let headers = self.refresh_headers(d);
        let call = self.calls.get(&d).ok_or(Error::NoSuchTransaction)?;
        let contact = self.contact(call.dialog.transport());
        let call = self.calls.get_mut(&d).ok_or(Error::NoSuchTransaction)?;
        let seq = call.dialog.next_seq();
        let mut update = call
            .dialog
            .request(Method::Update, seq, contact.as_deref(), None)?;
        for (name, value) in headers.into_iter().flatten() {
            update.headers_mut().set(name, &value)?;
        }
        let tx = self
            .layer
            .send_request(now, update, call.dialog.next_target())?;
        self.client_txs.insert(tx, (Some(d), Purpose::Refresh));
        Ok(())
    }

    /// Answers an UPDATE in `d` with `code`, adding the session timer
    /// the 2xx grants (and starting it).
    pub(super) fn update_response(
        &mut self,
        now: Instant,
        d: DialogId,
        request: &Request,
        code: u16,
        body: Option<(&str, Bytes)>,
        tag: &str,
    ) -> Result<Response, Error> {
        let ok = (200..300).contains(&code);
        let granted = ok
            .then(|| grant(request, self.config.session_expires, self.config.min_se))
            .flatten();
        let mut b = Response::for_request(request, code).to_tag(tag);
        b = Self::with_session_expires(b, granted);
        if let Some((content_type, body)) = body {
            b = b.body(content_type, body);
        }
        let response = b.build()?;
        if ok {
            let update = allows_update(request.headers());
            self.restart_session_timer(now, d, granted, false, update);
        }
        Ok(response)
    }

    /// 422 with our Min-SE (RFC 4028 section 8.1).
    pub(super) fn reply_422(&mut self, now: Instant, id: TransactionId, request: &Request) {
        let tag = request
            .headers()
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned))
            .unwrap_or_else(|| self.layer.token());
        let built = Response::for_request(request, 422)
            .to_tag(&tag)
            .header(names::MIN_SE, self.config.min_se)
            .build();
        if let Ok(response) = built {
            let _ = self.layer.send_response(now, id, response);
        }
    }

    /// RFC 4028 section 7.4: our INVITE `id` got 422; send it once more
    /// asking for the peer's Min-SE, in a new transaction.
    pub(super) fn retry_after_422(
        &mut self,
        now: Instant,
        id: TransactionId,
        d: DialogId,
        response: &Response,
    ) -> bool {
        let Ok(Some(their_min)) = response.headers().min_se() else {
            return false;
        };
        let Some(mut retry) = self.layer.request(id).cloned() else {
            return false;
        };
        let Some(call) = self.calls.get_mut(&d) else {
            return false;
        };
        if call.retried_422 {
            return false;
        }
        let seq = call.dialog.next_seq();
        let interval = their_min.max(self.config.min_se);
        let h = retry.headers_mut();
        h.remove_all(names::VIA);
        let set = h
            .set(names::CSEQ, &format!("{seq} INVITE"))
            .and_then(|()| h.set(names::SESSION_EXPIRES, &interval.to_string()))
            .and_then(|()| h.set(names::MIN_SE, &interval.to_string()));
        if set.is_err() {
            return false;
        }
        let Ok(tx) = self.layer.send_request(now, retry, call.dialog.peer) else {
            return false;
        };
        call.retried_422 = true;
        call.pending_out = Some((tx, seq));
        call.transactions.push(tx);
        self.client_txs.insert(tx, (Some(d), Purpose::Invite));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn invite(extra: &str) -> Request {
        let text = format!(
            "INVITE sip:bob@example.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKst1\r\n\
             From: <sip:alice@example.com>;tag=a\r\n\
             To: <sip:bob@example.com>\r\n\
             Call-ID: st1\r\n\
             CSeq: 1 INVITE\r\n\
             Max-Forwards: 70\r\n\
             {extra}Content-Length: 0\r\n\r\n"
        );
        match Message::parse(Bytes::from(text)).expect("parses") {
            Message::Request(r) => r,
            Message::Response(_) => panic!("a request"),
        }
    }

    #[test]
    fn only_a_caller_that_supports_timers_gets_422() {
        let supporting = invite("Supported: timer\r\nSession-Expires: 60\r\n");
        assert!(too_brief(&supporting, 90));
        assert!(!too_brief(&supporting, 60));
        // Session-Expires without Supported: timer (a proxy added it).
        let unaware = invite("Session-Expires: 60\r\n");
        assert!(!too_brief(&unaware, 90));
        let granted = grant(&unaware, 1800, 90).expect("a timer");
        assert_eq!(granted.interval, 90, "raised to our Min-SE");
        assert!(!granted.uac_refreshes, "we refresh for an unaware caller");
    }
}
