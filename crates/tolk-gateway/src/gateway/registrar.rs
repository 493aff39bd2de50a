//! The built-in registrar on the gateway's user agent: REGISTER for the
//! configured domains goes to `tolk-sip`'s location service, and calls
//! routed to `registrar` find their destination here.

use std::time::Instant;

use tolk_sip::dialog::uri_target;
use tolk_sip::registrar::Registrar;
use tolk_sip::transport::Transport;
use tolk_sip::{Request, Response};

use super::sip_leg::SipDestination;
use crate::config;

/// The registrar adapter: which domains it serves and who is bound.
#[derive(Debug)]
pub struct RegistrarAdapter {
    registrar: Registrar,
    domains: Vec<String>,
    tags: u64,
}

impl RegistrarAdapter {
    /// A registrar for `config`'s domains; without a `[registrar]`
    /// section every REGISTER is refused with 403.
    pub fn new(config: Option<&config::Registrar>) -> Self {
        let mut registrar = Registrar::new();
        let mut domains = Vec::new();
        if let Some(config) = config {
            registrar.min_expires = config.min_expires_secs;
            registrar.max_expires = config.max_expires_secs;
            registrar.default_expires = config.max_expires_secs.min(3600);
            domains = config.domains.clone();
        }
        RegistrarAdapter {
            registrar,
            domains,
            tags: 0,
        }
    }

    /// The answer to a REGISTER: the location service's 200/423/400, or
    /// 403 for a domain this node does not serve.
    pub fn answer(&mut self, now: Instant, request: &Request) -> Option<Response> {
        self.tags += 1;
        let tag = format!("reg{}", self.tags);
        let host = request
            .uri()
            .as_sip()
            .map(|sip| sip.host.to_string())
            .unwrap_or_default();
        if !self.domains.iter().any(|d| d.eq_ignore_ascii_case(&host)) {
            return Response::for_request(request, 403)
                .reason("Forbidden: not a domain of this registrar")
                .to_tag(&tag)
                .build()
                .ok();
        }
        self.registrar.register(now, request, &tag).ok()
    }

    /// Where a call to `user@host` goes: the most recent binding whose
    /// contact names an IP address.
    pub fn lookup(&mut self, now: Instant, user: &str, host: &str) -> Option<SipDestination> {
        let aor = format!("sip:{user}@{}", host.to_ascii_lowercase());
        self.registrar
            .lookup(now, &aor)
            .iter()
            .rev()
            .find_map(|binding| {
                let uri = binding
                    .contact
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>');
                let target = uri_target(uri, Transport::Udp)?;
                Some(SipDestination {
                    request_uri: uri.to_owned(),
                    target,
                })
            })
    }

    /// Forgets lapsed bindings.
    pub fn expire(&mut self, now: Instant) {
        self.registrar.expire(now);
    }
}
