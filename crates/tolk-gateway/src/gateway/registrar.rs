//! The built-in registrar on the gateway's user agent: REGISTER for the
//! configured domains goes to `tolk-sip`'s location service, and calls
//! routed to `registrar` find their destination here. With users
//! configured, REGISTERs (and optionally INVITEs) must answer a Digest
//! challenge (RFC 3261 section 22, RFC 8760: SHA-256 and MD5) in the
//! realm of the request's domain (or the one configured `realm`).

use std::time::{Duration, Instant};

use tolk_sip::auth::{Algorithm, AuthOutcome, DigestServer};
use tolk_sip::dialog::uri_target;
use tolk_sip::message::names;
use tolk_sip::registrar::Registrar;
use tolk_sip::transport::Transport;
use tolk_sip::{Request, Response, Uri};

use super::sip_leg::SipDestination;
use crate::config;

/// Digest authentication of the registrar's users.
#[derive(Debug)]
struct Auth {
    /// Challenges REGISTER with 401.
    registrar: Realms,
    /// Challenges INVITE with 407, when configured.
    calls: Option<Realms>,
    users: Vec<config::RegistrarUser>,
}

/// The Digest servers of the realms a request may be challenged in: the
/// configured `realm` alone, or else one per configured domain, so that
/// a request for a domain is challenged in that domain's realm.
#[derive(Debug, Clone)]
struct Realms {
    /// For a request to a host that names no realm.
    default: DigestServer,
    by_domain: Vec<(String, DigestServer)>,
}

impl Realms {
    fn new(config: &config::Registrar, server: impl Fn(&str) -> DigestServer) -> Self {
        let by_domain: Vec<(String, DigestServer)> = match &config.realm {
            Some(_) => Vec::new(),
            None => (config.domains.iter())
                .map(|domain| (domain.clone(), server(domain)))
                .collect(),
        };
        let default = match by_domain.first() {
            Some((_, first)) => first.clone(),
            None => server(config.realm()),
        };
        Realms { default, by_domain }
    }

    /// The server challenging a request to `host`.
    fn for_host(&self, host: &str) -> &DigestServer {
        (self.by_domain.iter())
            .find(|(domain, _)| domain.eq_ignore_ascii_case(host))
            .map_or(&self.default, |(_, server)| server)
    }

    fn as_proxy(&self) -> Self {
        Realms {
            default: self.default.clone().as_proxy(),
            by_domain: (self.by_domain.iter())
                .map(|(domain, server)| (domain.clone(), server.clone().as_proxy()))
                .collect(),
        }
    }
}

/// The registrar adapter: which domains it serves and who is bound.
#[derive(Debug)]
pub struct RegistrarAdapter {
    registrar: Registrar,
    domains: Vec<String>,
    auth: Option<Auth>,
    tags: u64,
}

/// What to do with an incoming call before routing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAuth {
    /// Route it.
    Allowed,
    /// Refuse it with this status and these header fields (407 with
    /// Proxy-Authenticate, or 403).
    Refused(u16, Vec<(&'static str, String)>),
}

impl RegistrarAdapter {
    /// A registrar for `config`'s domains; without a `[registrar]`
    /// section every REGISTER is refused with 403.
    pub fn new(config: Option<&config::Registrar>) -> Self {
        let mut registrar = Registrar::new();
        let mut domains = Vec::new();
        let mut auth = None;
        if let Some(config) = config {
            registrar.min_expires = config.min_expires_secs;
            registrar.max_expires = config.max_expires_secs;
            registrar.default_expires = config.max_expires_secs.min(3600);
            registrar.max_contacts_per_aor = config.max_contacts_per_aor;
            registrar.max_aors = config.max_aors;
            domains = config.domains.clone();
            if !config.users.is_empty() {
                let algorithms: Vec<Algorithm> = config
                    .digest_algorithms
                    .iter()
                    .filter_map(|name| Algorithm::from_name(Some(name)))
                    .collect();
                let epoch = Instant::now();
                let realms = Realms::new(config, |realm| {
                    DigestServer::new(realm, epoch, rand::random())
                        .with_nonce_lifetime(Duration::from_secs(config.nonce_lifetime_secs))
                        .with_algorithms(algorithms.clone())
                });
                auth = Some(Auth {
                    calls: config.challenge_invites.then(|| realms.as_proxy()),
                    registrar: realms,
                    users: config.users.clone(),
                });
            }
        }
        RegistrarAdapter {
            registrar,
            domains,
            auth,
            tags: 0,
        }
    }

    fn next_tag(&mut self) -> String {
        self.tags += 1;
        format!("reg{}", self.tags)
    }

    /// The answer to a REGISTER: 403 for a domain this node does not
    /// serve, a Digest challenge or 403 when users are configured and
    /// the request is not (or wrongly) authenticated, else the location
    /// service's 200/423/400/403/503.
    pub fn answer(&mut self, now: Instant, request: &Request) -> Option<Response> {
        let tag = self.next_tag();
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
        if let Some(auth) = &self.auth {
            let user = match auth
                .registrar
                .for_host(&host)
                .verify(now, request, &tag, |u| auth.password(u))
            {
                Ok(AuthOutcome::Authorized { username }) => username,
                Ok(AuthOutcome::Challenge(response) | AuthOutcome::Forbidden(response)) => {
                    return Some(response);
                }
                Err(_) => return None,
            };
            // RFC 3261 10.3 step 3: a user registers its own address only.
            let to_user = request.headers().to().ok().and_then(|to| {
                match Uri::parse(to.uri.as_str()).ok()? {
                    Uri::Sip(sip) => sip.user.map(str::to_owned),
                    _ => None,
                }
            });
            if to_user.as_deref() != Some(user.as_str()) {
                return Response::for_request(request, 403)
                    .reason(&format!("Forbidden: {user} may not register this address"))
                    .to_tag(&tag)
                    .build()
                    .ok();
            }
        }
        self.registrar.register(now, request, &tag).ok()
    }

    /// Whether a call may be routed: always, unless INVITEs are
    /// challenged (`challenge_invites`) and `invite` carries no valid
    /// Proxy-Authorization.
    pub fn authorize_call(&self, now: Instant, invite: &Request) -> CallAuth {
        let Some((auth, realms)) = self
            .auth
            .as_ref()
            .and_then(|auth| Some((auth, auth.calls.as_ref()?)))
        else {
            return CallAuth::Allowed;
        };
        let host = invite
            .uri()
            .as_sip()
            .map(|sip| sip.host.to_string())
            .unwrap_or_default();
        let server = realms.for_host(&host);
        // Only the header fields are kept: the refusal gets the dialog's
        // own to-tag when it is sent.
        match server.verify(now, invite, "-", |u| auth.password(u)) {
            Ok(AuthOutcome::Authorized { .. }) => CallAuth::Allowed,
            Ok(AuthOutcome::Challenge(challenge)) => {
                let headers = challenge
                    .headers()
                    .get_all(names::PROXY_AUTHENTICATE)
                    .filter_map(|field| field.value_str())
                    .map(|value| (names::PROXY_AUTHENTICATE, value.to_owned()))
                    .collect();
                CallAuth::Refused(407, headers)
            }
            Ok(AuthOutcome::Forbidden(_)) | Err(_) => CallAuth::Refused(403, Vec::new()),
        }
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

impl Auth {
    fn password(&self, user: &str) -> Option<String> {
        self.users
            .iter()
            .find(|u| u.user == user)
            .map(|u| u.password.clone())
    }
}
