//! A REGISTER client (RFC 3261 section 10.2): builds the REGISTER,
//! answers a Digest challenge once per nonce, and says when to refresh.

use std::time::{Duration, Instant};

use crate::Error;
use crate::auth::{Credentials, authorize};
use crate::message::{Method, Request, Response, names};

/// What a response to our REGISTER means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// Registered (or unregistered, with `expires` 0); refresh at `refresh_at`.
    Registered {
        /// Seconds the registrar granted for our contact.
        expires: u32,
        /// When to send the next REGISTER (half-way).
        refresh_at: Instant,
    },
    /// Send this REGISTER (with credentials, or a longer expiry after 423).
    Retry(Request),
    /// Provisional: keep waiting.
    Pending,
    /// Refused with this status.
    Failed(u16),
}

/// Registers one contact for one address of record.
#[derive(Debug, Clone)]
pub struct RegisterClient {
    registrar_uri: String,
    aor: String,
    contact: String,
    expires: u32,
    credentials: Option<Credentials>,
    call_id: String,
    tag: String,
    cseq: u32,
    last: Option<Request>,
    answered_challenge: bool,
}

impl RegisterClient {
    /// A client registering `contact` (a URI) for `aor` (a name-addr
    /// such as `<sip:alice@example.com>`) at `registrar_uri`; `call_id`
    /// and `tag` stay the same for every refresh (RFC 3261 10.2).
    pub fn new(
        registrar_uri: &str,
        aor: &str,
        contact: &str,
        expires: u32,
        credentials: Option<Credentials>,
        call_id: &str,
        tag: &str,
    ) -> Self {
        RegisterClient {
            registrar_uri: registrar_uri.to_owned(),
            aor: aor.to_owned(),
            contact: contact.to_owned(),
            expires,
            credentials,
            call_id: call_id.to_owned(),
            tag: tag.to_owned(),
            cseq: 0,
            last: None,
            answered_challenge: false,
        }
    }

    /// The next REGISTER (a new registration or a refresh).
    pub fn request(&mut self) -> Result<Request, Error> {
        self.cseq = self.cseq.saturating_add(1);
        self.answered_challenge = false;
        let request = Request::builder(Method::Register, &self.registrar_uri)
            .header(names::MAX_FORWARDS, 70)
            .header(names::FROM, format!("{};tag={}", self.aor, self.tag))
            .header(names::TO, &self.aor)
            .header(names::CALL_ID, &self.call_id)
            .header(names::CSEQ, format!("{} REGISTER", self.cseq))
            .header(names::CONTACT, format!("<{}>", self.contact))
            .header(names::EXPIRES, self.expires)
            .build()?;
        self.last = Some(request.clone());
        Ok(request)
    }

    /// A REGISTER removing our contact (expires 0).
    pub fn unregister(&mut self) -> Result<Request, Error> {
        self.expires = 0;
        self.request()
    }

    /// Reads the response to the last REGISTER.
    pub fn on_response(
        &mut self,
        now: Instant,
        response: &Response,
        cnonce: &str,
    ) -> RegisterOutcome {
        let code = response.code();
        match code {
            100..=199 => RegisterOutcome::Pending,
            200..=299 => {
                let ours = response
                    .headers()
                    .contacts()
                    .filter_map(Result::ok)
                    .find(|c| c.address().is_some_and(|a| a.uri.as_str() == self.contact));
                let expires = ours
                    .and_then(|c| c.expires())
                    .or(response.headers().expires().ok().flatten())
                    .unwrap_or(if self.expires == 0 { 0 } else { self.expires });
                RegisterOutcome::Registered {
                    expires,
                    refresh_at: now + Duration::from_secs(u64::from(expires / 2)),
                }
            }
            401 | 407 => self.answer_challenge(response, cnonce),
            423 => match response.headers().min_expires().ok().flatten() {
                Some(min) if min > self.expires => {
                    self.expires = min;
                    self.request()
                        .map_or(RegisterOutcome::Failed(code), RegisterOutcome::Retry)
                }
                _ => RegisterOutcome::Failed(code),
            },
            _ => RegisterOutcome::Failed(code),
        }
    }

    /// Answers a challenge once; a second challenge for fresh
    /// credentials means they are wrong (unless the nonce was stale).
    fn answer_challenge(&mut self, response: &Response, cnonce: &str) -> RegisterOutcome {
        let code = response.code();
        let stale = crate::auth::Challenge::from_response(response).is_some_and(|c| c.stale);
        let (Some(credentials), Some(last)) = (&self.credentials, &self.last) else {
            return RegisterOutcome::Failed(code);
        };
        if self.answered_challenge && !stale {
            return RegisterOutcome::Failed(code);
        }
        match authorize(last, response, credentials, cnonce) {
            Ok(retry) => {
                self.cseq = self.cseq.saturating_add(1);
                self.answered_challenge = true;
                self.last = Some(retry.clone());
                RegisterOutcome::Retry(retry)
            }
            Err(_) => RegisterOutcome::Failed(code),
        }
    }
}
