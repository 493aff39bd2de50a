//! The UAS core's checks on an incoming request, in the order of RFC 3261
//! section 8.2: what Tolk answers before any application logic sees it.
//!
//! [`check`] takes a parse result (a request, a response, or the parse
//! error) and returns a [`Verdict`]: reject with a response, drop
//! silently, or accept for the transaction user. The order is
//!
//! 1. responses and ACKs are never answered (RFC 3261 section 17.2.3 and 8.2.6);
//! 2. unparsable requests: 505 for another SIP version, 513 when too
//!    large, 400 naming the fault otherwise (sent statelessly with the
//!    Via, From, To, Call-ID and CSeq lines copied as received, or
//!    dropped when there is no Via to answer to);
//! 3. mandatory headers (section 8.1.1): 400 when Via, From, To, Call-ID
//!    or CSeq is missing or repeated, or the branch is only the magic cookie;
//! 4. method inspection (8.2.1): 405 for a known method Tolk does not
//!    serve, 501 for an unknown one, both with Allow;
//! 5. Request-URI (8.2.2.1): 416 for an unsupported scheme; a registrar
//!    answers 400 to a REGISTER whose To is not a SIP or SIPS URI;
//! 6. Max-Forwards 0 on anything but OPTIONS: 483 (a B2BUA must forward it);
//! 7. merged requests (8.2.2.2): 482;
//! 8. Require (8.2.2.3): 420 with Unsupported (not for CANCEL);
//! 9. content (8.2.3): 400 for a body without Content-Type, 415 with
//!    Accept or Accept-Encoding; 406 when an INVITE or UPDATE's Accept
//!    leaves out application/sdp (RFC 4475 section 3.3.15);
//! 10. dialogs (12.2.2, 9.2, 14.2): 481 for a request with a To tag and no
//!     dialog, for BYE, PRACK, UPDATE and INFO outside a dialog and for a
//!     CANCEL that matches no transaction; 491 for a re-INVITE while
//!     another INVITE is pending.

use bytes::Bytes;

mod salvage;
use salvage::Salvage;

use crate::error::Error;
use crate::message::{Headers, Message, Method, Request, Response, ResponseBuilder, names};
use crate::uri::Uri;

/// What Tolk's UAS core serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Methods the core handles (everything else gets 405 or 501).
    pub allowed: Vec<Method>,
    /// Option tags the core supports (Require beyond these gets 420).
    pub supported: Vec<String>,
    /// Body media types the core accepts, as `type/subtype`.
    pub accepted: Vec<String>,
    /// Request-URI schemes the core serves.
    pub schemes: Vec<String>,
    /// True when the core acts as a registrar for REGISTER.
    pub registrar: bool,
}

impl Default for Policy {
    /// Tolk's gateway: the methods of a B2BUA with a registrar, 100rel
    /// and session timers, SDP and the INFO bodies for DTMF and picture
    /// fast update, and sip, sips and tel URIs.
    fn default() -> Self {
        use Method::*;
        Policy {
            allowed: vec![
                Invite, Ack, Cancel, Bye, Options, Update, Info, Prack, Message, Register,
            ],
            supported: ["100rel", "timer"].map(String::from).to_vec(),
            accepted: [
                "application/sdp",
                "multipart/mixed",
                "application/dtmf-relay",
                "application/media_control+xml",
                "text/plain",
            ]
            .map(String::from)
            .to_vec(),
            schemes: ["sip", "sips", "tel"].map(String::from).to_vec(),
            registrar: true,
        }
    }
}

/// The transaction and dialog state the checks consult. A UAS with no
/// transactions or dialogs is [`NoDialogs`].
pub trait UasState {
    /// True when a dialog exists with this Call-ID, local tag (the
    /// request's To tag) and remote tag (its From tag).
    fn dialog_exists(&self, call_id: &str, local_tag: &str, remote_tag: Option<&str>) -> bool;
    /// True when the request is a merged copy of one already being
    /// served (RFC 3261 section 8.2.2.2).
    fn is_merged(&self, request: &Request) -> bool;
    /// True when a CANCEL matches a server transaction (section 9.2).
    fn cancel_target_exists(&self, cancel: &Request) -> bool;
    /// True when an INVITE transaction is pending in the dialog (14.2).
    fn invite_pending(&self, call_id: &str, local_tag: &str, remote_tag: Option<&str>) -> bool;
}

/// The state of a UAS that has no transactions or dialogs: every request
/// is new to it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDialogs;

impl UasState for NoDialogs {
    fn dialog_exists(&self, _: &str, _: &str, _: Option<&str>) -> bool {
        false
    }
    fn is_merged(&self, _: &Request) -> bool {
        false
    }
    fn cancel_target_exists(&self, _: &Request) -> bool {
        false
    }
    fn invite_pending(&self, _: &str, _: &str, _: Option<&str>) -> bool {
        false
    }
}

/// What the UAS core does with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Send this response (statelessly when the request was unparsable).
    Reject(Response),
    /// Pass the request on to the transaction user.
    Accept,
    /// Discard silently.
    Drop,
}

/// Checks a parse result. `raw` is the datagram (or framed message) the
/// result came from; `to_tag` is the tag to put in the To header of a
/// rejection (RFC 3261 section 8.2.6.2).
pub fn check(
    parsed: &Result<Message, Error>,
    raw: &Bytes,
    policy: &Policy,
    state: &dyn UasState,
    to_tag: &str,
) -> Verdict {
    match parsed {
        Ok(Message::Response(_)) => Verdict::Drop,
        Ok(Message::Request(request)) => check_request(request, policy, state, to_tag),
        Err(error) => reject_unparsable(raw, error),
    }
}

/// The complete answer the core sends to `parsed` as a new request: the
/// rejection, or for an accepted request the core's own first answer
/// (100 Trying to INVITE; 200 to OPTIONS with Allow, Accept and
/// Supported; 200 to what the core completes itself, such as REGISTER
/// to a registrar without authentication or MESSAGE). `None` means no
/// response at all.
pub fn answer(
    parsed: &Result<Message, Error>,
    raw: &Bytes,
    policy: &Policy,
    state: &dyn UasState,
    to_tag: &str,
) -> Option<Response> {
    match check(parsed, raw, policy, state, to_tag) {
        Verdict::Reject(response) => Some(response),
        Verdict::Drop => None,
        Verdict::Accept => {
            let request = parsed.as_ref().ok()?.as_request()?;
            match request.method() {
                Method::Ack => None,
                Method::Invite => Response::for_request(request, 100).build().ok(),
                Method::Options => capabilities(Response::for_request(request, 200), policy)
                    .to_tag(to_tag)
                    .build()
                    .ok(),
                _ => Response::for_request(request, 200)
                    .to_tag(to_tag)
                    .build()
                    .ok(),
            }
        }
    }
}

fn capabilities(builder: ResponseBuilder, policy: &Policy) -> ResponseBuilder {
    let allow = policy
        .allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    builder
        .header(names::ALLOW, allow)
        .header(names::ACCEPT, policy.accepted.join(", "))
        .header(names::SUPPORTED, policy.supported.join(", "))
}

/// A rejection of a parsed request.
struct Rejection {
    code: u16,
    reason: Option<String>,
    extra: Vec<(&'static str, String)>,
}

impl Rejection {
    fn new(code: u16) -> Self {
        Rejection {
            code,
            reason: None,
            extra: Vec::new(),
        }
    }

    fn bad(reason: impl std::fmt::Display) -> Self {
        Rejection {
            code: 400,
            reason: Some(format!("Bad Request: {reason}")),
            extra: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: String) -> Self {
        self.extra.push((name, value));
        self
    }
}

/// Checks a parsed request (steps 1 and 3-10 of the module's order).
pub fn check_request(
    request: &Request,
    policy: &Policy,
    state: &dyn UasState,
    to_tag: &str,
) -> Verdict {
    let headers = request.headers();
    if headers.top_via().is_err() {
        return Verdict::Drop;
    }
    let outcome = mandatory(headers).and_then(|()| semantics(request, policy, state));
    match (outcome, request.method()) {
        (_, Method::Ack) => Verdict::Accept,
        (Ok(()), _) => Verdict::Accept,
        (Err(rejection), _) => {
            let mut builder = Response::for_request(request, rejection.code);
            if let Some(reason) = &rejection.reason {
                builder = builder.reason(reason);
            }
            if rejection.code != 100 && headers.to().is_ok() {
                builder = builder.to_tag(to_tag);
            }
            for (name, value) in rejection.extra {
                builder = builder.header(name, value);
            }
            builder.build().map_or(Verdict::Drop, Verdict::Reject)
        }
    }
}

fn mandatory(headers: &Headers) -> Result<(), Rejection> {
    for name in [
        names::FROM,
        names::TO,
        names::CALL_ID,
        names::CSEQ,
        names::MAX_FORWARDS,
    ] {
        match headers.get_all(name).count() {
            0 if name == names::MAX_FORWARDS => {}
            0 => return Err(Rejection::bad(format!("missing {name} header"))),
            1 => {}
            _ => return Err(Rejection::bad(format!("more than one {name} header"))),
        }
    }
    let via = headers.top_via().map_err(Rejection::bad)?;
    if via.branch() == Some(crate::header::BRANCH_MAGIC_COOKIE) {
        return Err(Rejection::bad(
            "Via branch is the magic cookie without a transaction id",
        ));
    }
    Ok(())
}

fn semantics(request: &Request, policy: &Policy, state: &dyn UasState) -> Result<(), Rejection> {
    let headers = request.headers();
    let method = request.method();
    let allow = || {
        policy
            .allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !policy.allowed.contains(method) {
        let code = if method.is_standard() { 405 } else { 501 };
        return Err(Rejection::new(code).with(names::ALLOW, allow()));
    }

    let uri = request.uri();
    if !policy
        .schemes
        .iter()
        .any(|s| s.eq_ignore_ascii_case(uri.scheme()))
    {
        return Err(Rejection::new(416));
    }
    let to = headers.to().map_err(Rejection::bad)?;
    if *method == Method::Register && policy.registrar && !matches!(to.uri, Uri::Sip(_)) {
        return Err(Rejection::bad("To of a REGISTER must be a SIP or SIPS URI"));
    }

    if headers.max_forwards().ok().flatten() == Some(0) && *method != Method::Options {
        return Err(Rejection::new(483));
    }
    if state.is_merged(request) {
        return Err(Rejection::new(482));
    }

    if *method != Method::Cancel {
        let unsupported: Vec<&str> = headers
            .require()
            .filter_map(Result::ok)
            .filter(|tag| !policy.supported.iter().any(|s| s.eq_ignore_ascii_case(tag)))
            .collect();
        if !unsupported.is_empty() {
            return Err(Rejection::new(420).with(names::UNSUPPORTED, unsupported.join(", ")));
        }
    }

    content(request, policy)?;

    let call_id = headers.call_id().map_err(Rejection::bad)?;
    let from_tag = headers.from().map_err(Rejection::bad)?.tag();
    match to.tag() {
        Some(local) if !state.dialog_exists(call_id, local, from_tag) => Err(Rejection::new(481)),
        Some(local)
            if *method == Method::Invite && state.invite_pending(call_id, local, from_tag) =>
        {
            Err(Rejection::new(491))
        }
        Some(_) => Ok(()),
        None => match method {
            Method::Bye | Method::Prack | Method::Update | Method::Info => Err(Rejection::new(481)),
            Method::Cancel if !state.cancel_target_exists(request) => Err(Rejection::new(481)),
            _ => Ok(()),
        },
    }
}

fn content(request: &Request, policy: &Policy) -> Result<(), Rejection> {
    let headers = request.headers();
    let accepted = || policy.accepted.join(", ");
    if !request.body().is_empty() {
        let Some(content_type) = headers.content_type().map_err(Rejection::bad)? else {
            return Err(Rejection::bad("a body without Content-Type"));
        };
        let known = policy.accepted.iter().any(|a| {
            a.split_once('/')
                .is_some_and(|(kind, subtype)| content_type.is(kind, subtype))
        });
        if !known {
            return Err(Rejection::new(415).with(names::ACCEPT, accepted()));
        }
        let encoded = headers
            .content_encoding()
            .filter_map(Result::ok)
            .any(|coding| !coding.eq_ignore_ascii_case("identity"));
        if encoded {
            return Err(Rejection::new(415).with(names::ACCEPT_ENCODING, "identity".to_owned()));
        }
    }
    let carries_sdp = matches!(request.method(), Method::Invite | Method::Update);
    if carries_sdp && headers.contains(names::ACCEPT) {
        let sdp_ok = headers
            .accept()
            .filter_map(Result::ok)
            .any(|range| range.covers("application", "sdp"));
        if !sdp_ok {
            return Err(Rejection::new(406).with(names::ACCEPT, "application/sdp".to_owned()));
        }
    }
    Ok(())
}

/// Answers a message that did not parse (step 2 of the module's order).
pub fn reject_unparsable(raw: &Bytes, error: &Error) -> Verdict {
    let salvaged = Salvage::read(raw);
    let is_request = salvaged.method.as_ref().is_some_and(|m| *m != Method::Ack);
    if !is_request || !salvaged.copied.iter().any(|f| f.is(names::VIA)) {
        return Verdict::Drop;
    }
    let reason = match error.status_code() {
        400 => format!("Bad Request: {error}"),
        code => crate::message::default_reason(code).to_owned(),
    };
    let mut headers = Headers::new();
    for field in salvaged.copied {
        headers.push(field);
    }
    if headers.append(names::CONTENT_LENGTH, "0").is_err() {
        return Verdict::Drop;
    }
    Response::unchecked(error.status_code(), &reason, headers)
        .map_or(Verdict::Drop, Verdict::Reject)
}

#[cfg(test)]
mod tests;
