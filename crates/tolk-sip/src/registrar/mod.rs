//! Registration (RFC 3261 section 10): an in-memory registrar and
//! location service ([`Registrar`]) and a REGISTER client
//! ([`RegisterClient`]). Time is an input; nothing expires by itself.

mod client;

pub use client::{RegisterClient, RegisterOutcome};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::Error;
use crate::header::Contact;
use crate::message::{Request, Response, names};
use crate::uri::Uri;

/// One contact bound to an address of record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The contact URI.
    pub contact: String,
    /// When the binding lapses.
    pub expires_at: Instant,
    /// Call-ID of the REGISTER that made it.
    pub call_id: String,
    /// CSeq of that REGISTER.
    pub cseq: u32,
}

/// The in-memory location service behind a registrar.
#[derive(Debug, Clone)]
pub struct Registrar {
    bindings: HashMap<String, Vec<Binding>>,
    /// Expiry when the request names none (seconds).
    pub default_expires: u32,
    /// Shortest accepted non-zero expiry (shorter gets 423).
    pub min_expires: u32,
    /// Longest granted expiry.
    pub max_expires: u32,
    /// Most contacts one address of record may bind (more: 403).
    pub max_contacts_per_aor: usize,
    /// Most addresses of record bound at once (a new one beyond: 503).
    pub max_aors: usize,
}

impl Default for Registrar {
    fn default() -> Self {
        Registrar {
            bindings: HashMap::new(),
            default_expires: 3600,
            min_expires: 60,
            max_expires: 7200,
            max_contacts_per_aor: 10,
            max_aors: 100_000,
        }
    }
}

/// The canonical address of record of a URI (RFC 3261 10.3 step 5):
/// scheme, user and host (lower-cased), without port or parameters.
pub fn address_of_record(uri: &str) -> Option<String> {
    match Uri::parse(uri).ok()? {
        Uri::Sip(sip) => {
            let scheme = if sip.secure { "sips" } else { "sip" };
            let host = sip.host.to_string().to_ascii_lowercase();
            Some(match sip.user {
                Some(user) => format!("{scheme}:{user}@{host}"),
                None => format!("{scheme}:{host}"),
            })
        }
        Uri::Tel(tel) => Some(format!("tel:{}", tel.number)),
        Uri::Other { .. } => None,
    }
}

impl Registrar {
    /// A registrar with the default expiry limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Processes a REGISTER (RFC 3261 10.3 steps 5-8) and returns the
    /// response: 200 listing the current bindings, 423 with Min-Expires,
    /// 400 naming what is malformed, 403 or 503 beyond the binding caps,
    /// 500 for a REGISTER older than its binding. Authenticate first
    /// (see [`crate::auth::DigestServer`]).
    pub fn register(
        &mut self,
        now: Instant,
        request: &Request,
        to_tag: &str,
    ) -> Result<Response, Error> {
        let reply = |code: u16| Response::for_request(request, code).to_tag(to_tag);
        let Parsed {
            aor,
            call_id,
            cseq,
            header_expires,
            contacts,
        } = match Parsed::read(request) {
            Ok(parsed) => parsed,
            Err(reason) => {
                return reply(400).reason(&format!("Bad Request: {reason}")).build();
            }
        };
        if contacts.iter().any(|c| matches!(c, Contact::Wildcard)) {
            if contacts.len() != 1 || header_expires != Some(0) {
                return reply(400)
                    .reason("Bad Request: '*' needs Expires: 0 and no other Contact")
                    .build();
            }
            self.bindings.remove(&aor);
            return self.ok(now, request, &aor, to_tag);
        }
        let mut changes = Vec::new();
        for contact in &contacts {
            let Some(address) = contact.address() else {
                continue;
            };
            let expires = contact
                .expires()
                .or(header_expires)
                .unwrap_or(self.default_expires);
            if expires != 0 && expires < self.min_expires {
                return reply(423)
                    .header(names::MIN_EXPIRES, self.min_expires)
                    .build();
            }
            changes.push((
                address.uri.as_str().to_owned(),
                expires.min(self.max_expires),
            ));
        }
        let list = self.bindings.get(&aor).map(Vec::as_slice).unwrap_or(&[]);
        for (contact, _) in &changes {
            let stale = list
                .iter()
                .any(|b| b.contact == *contact && b.call_id == call_id && b.cseq >= cseq);
            if stale {
                return reply(500)
                    .reason("Server Internal Error: REGISTER out of order")
                    .build();
            }
        }
        let kept = list
            .iter()
            .filter(|b| b.expires_at > now && !changes.iter().any(|(c, _)| *c == b.contact))
            .count();
        let added = changes.iter().filter(|(_, expires)| *expires > 0).count();
        if kept + added > self.max_contacts_per_aor {
            return reply(403)
                .reason(&format!(
                    "Forbidden: more than {} contacts for one address of record",
                    self.max_contacts_per_aor
                ))
                .build();
        }
        if added > 0 && !self.bindings.contains_key(&aor) {
            self.expire(now);
            if self.bindings.len() >= self.max_aors {
                return reply(503)
                    .reason("Service Unavailable: registrar full")
                    .header(names::RETRY_AFTER, 60)
                    .build();
            }
        }
        let list = self.bindings.entry(aor.clone()).or_default();
        for (contact, expires) in changes {
            list.retain(|b| b.contact != contact);
            if expires > 0 {
                list.push(Binding {
                    contact,
                    expires_at: now + Duration::from_secs(u64::from(expires)),
                    call_id: call_id.clone(),
                    cseq,
                });
            }
        }
        if list.is_empty() {
            self.bindings.remove(&aor);
        }
        self.ok(now, request, &aor, to_tag)
    }

    fn ok(
        &mut self,
        now: Instant,
        request: &Request,
        aor: &str,
        to_tag: &str,
    ) -> Result<Response, Error> {
        let mut b = Response::for_request(request, 200).to_tag(to_tag);
        for binding in self.lookup(now, aor) {
            let left = binding.expires_at.saturating_duration_since(now).as_secs();
            b = b.header(
                names::CONTACT,
                format!("<{}>;expires={left}", binding.contact),
            );
        }
        b.build()
    }

    /// The live bindings of `aor` (canonical form, see
    /// [`address_of_record`]), lapsed ones dropped first.
    pub fn lookup(&mut self, now: Instant, aor: &str) -> Vec<Binding> {
        self.expire(now);
        self.bindings.get(aor).cloned().unwrap_or_default()
    }

    /// Drops every binding lapsed at `now`; returns how many.
    pub fn expire(&mut self, now: Instant) -> usize {
        let mut dropped = 0;
        self.bindings.retain(|_, list| {
            let before = list.len();
            list.retain(|b| b.expires_at > now);
            dropped += before - list.len();
            !list.is_empty()
        });
        dropped
    }

    /// When the next binding lapses.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.bindings.values().flatten().map(|b| b.expires_at).min()
    }
}

/// What a REGISTER says, read field by field so that a malformed one is
/// answered with what is wrong.
struct Parsed<'a> {
    aor: String,
    call_id: String,
    cseq: u32,
    header_expires: Option<u32>,
    contacts: Vec<Contact<'a>>,
}

impl<'a> Parsed<'a> {
    fn read(request: &'a Request) -> Result<Self, String> {
        let h = request.headers();
        let field = |name: &str, e: Error| format!("{name}: {e}");
        let to = h.to().map_err(|e| field(names::TO, e))?;
        let aor = address_of_record(to.uri.as_str())
            .ok_or_else(|| "To is not a SIP or tel URI".to_owned())?;
        let call_id = h.call_id().map_err(|e| field(names::CALL_ID, e))?;
        let cseq = h.cseq().map_err(|e| field(names::CSEQ, e))?.seq;
        let header_expires = h.expires().map_err(|e| field(names::EXPIRES, e))?;
        let contacts = h
            .contacts()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| field(names::CONTACT, e))?;
        Ok(Parsed {
            aor,
            call_id: call_id.to_owned(),
            cseq,
            header_expires,
            contacts,
        })
    }
}

#[cfg(test)]
mod tests;
