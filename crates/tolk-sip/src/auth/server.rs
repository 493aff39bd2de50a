//! The server side of Digest (RFC 3261 section 22.4, RFC 8760): issue
//! challenges with self-verifying nonces, verify credentials, say
//! `stale=true` when only the nonce has expired, 403 when credentials
//! answering one of our nonces are wrong. As a registrar or UAS it
//! challenges with 401 and WWW-Authenticate; as a proxy (a B2BUA
//! challenging INVITEs) with 407 and Proxy-Authenticate.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::digest::{self, Algorithm, DigestInput};
use crate::Error;
use crate::message::{Request, Response, names};

/// What [`DigestServer::verify`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// The credentials are right: the request comes from `username`.
    Authorized {
        /// The authenticated user.
        username: String,
    },
    /// Send this 401 or 407 (a first challenge, credentials for another
    /// realm or server, or `stale=true` for an expired nonce).
    Challenge(Response),
    /// Send this 403: credentials answering one of our nonces, for an
    /// unknown user or with a wrong response (RFC 3261 section 22.4
    /// allows 403 rather than a challenge that would only fail again).
    Forbidden(Response),
}

/// Issues and checks Digest challenges for one realm.
#[derive(Debug, Clone)]
pub struct DigestServer {
    realm: String,
    algorithms: Vec<Algorithm>,
    lifetime: Duration,
    secret: String,
    epoch: Instant,
    proxy: bool,
}

impl DigestServer {
    /// A server for `realm` offering SHA-256 then MD5, nonces valid for
    /// five minutes counted from `epoch`, keyed by a secret drawn from `seed`.
    pub fn new(realm: &str, epoch: Instant, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        DigestServer {
            realm: realm.to_owned(),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            lifetime: Duration::from_secs(300),
            secret: format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>()),
            epoch,
            proxy: false,
        }
    }

    /// Challenges as a proxy: 407 with Proxy-Authenticate, credentials
    /// read from Proxy-Authorization (RFC 3261 section 22.3).
    pub fn as_proxy(mut self) -> Self {
        self.proxy = true;
        self
    }

    /// Changes how long a nonce stays fresh.
    pub fn with_nonce_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Changes the algorithms offered, in order of preference.
    pub fn with_algorithms(mut self, algorithms: Vec<Algorithm>) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// A nonce carrying its issue time and a keyed hash of it.
    fn nonce(&self, now: Instant) -> String {
        let secs = now.saturating_duration_since(self.epoch).as_secs();
        format!("{secs:x}.{}", self.seal(secs))
    }

    fn seal(&self, secs: u64) -> String {
        let full = Algorithm::Sha256.hex(&format!("{}:{secs:x}:{}", self.secret, self.realm));
        full.get(..24).unwrap_or_default().to_owned()
    }

    /// None when the nonce is not ours; Some(true) when ours but expired.
    fn nonce_expired(&self, now: Instant, nonce: &str) -> Option<bool> {
        let (secs, seal) = nonce.split_once('.')?;
        let secs = u64::from_str_radix(secs, 16).ok()?;
        if seal != self.seal(secs) {
            return None;
        }
        let age = now
            .saturating_duration_since(self.epoch)
            .as_secs()
            .saturating_sub(secs);
        Some(age > self.lifetime.as_secs())
    }

    /// The 401 (407 as a proxy) challenging `request`.
    pub fn challenge(
        &self,
        now: Instant,
        request: &Request,
        stale: bool,
        to_tag: &str,
    ) -> Result<Response, Error> {
        let nonce = self.nonce(now);
        let (code, header) = if self.proxy {
            (407, names::PROXY_AUTHENTICATE)
        } else {
            (401, names::WWW_AUTHENTICATE)
        };
        let mut b = Response::for_request(request, code).to_tag(to_tag);
        for algorithm in &self.algorithms {
            let mut value = format!(
                "Digest realm=\"{}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"",
                self.realm,
                algorithm.name()
            );
            if stale {
                value.push_str(", stale=true");
            }
            b = b.header(header, value);
        }
        b.build()
    }

    /// Checks the Authorization of `request`; `password` looks a user's
    /// password up by name.
    pub fn verify(
        &self,
        now: Instant,
        request: &Request,
        to_tag: &str,
        password: impl Fn(&str) -> Option<String>,
    ) -> Result<AuthOutcome, Error> {
        let headers = request.headers();
        let credentials = if self.proxy {
            headers.proxy_authorization().collect::<Vec<_>>()
        } else {
            headers.authorization().collect()
        };
        for auth in credentials {
            let Ok(auth) = auth else { continue };
            let text = |name: &str| auth.param_text(name).map(|v| v.into_owned());
            if !auth.scheme.eq_ignore_ascii_case("Digest")
                || text("realm").as_deref() != Some(self.realm.as_str())
            {
                continue;
            }
            let Some(algorithm) = Algorithm::from_name(text("algorithm").as_deref()) else {
                continue;
            };
            if !self.algorithms.contains(&algorithm) {
                continue;
            }
            let (Some(username), Some(nonce), Some(uri), Some(given)) = (
                text("username"),
                text("nonce"),
                text("uri"),
                text("response"),
            ) else {
                continue;
            };
            let Some(expired) = self.nonce_expired(now, &nonce) else {
                continue;
            };
            let Some(secret) = password(&username) else {
                return self.forbidden(request, to_tag);
            };
            let qop = text("qop").filter(|q| q.eq_ignore_ascii_case("auth"));
            let (nc, cnonce) = (
                text("nc").unwrap_or_default(),
                text("cnonce").unwrap_or_default(),
            );
            let expected = digest::response(&DigestInput {
                algorithm,
                username: &username,
                realm: &self.realm,
                password: &secret,
                method: request.method().as_str(),
                uri: &uri,
                nonce: &nonce,
                qop_auth: qop.map(|_| (nc.as_str(), cnonce.as_str())),
            });
            if !same(&expected, &given.to_ascii_lowercase()) {
                return self.forbidden(request, to_tag);
            }
            if expired {
                return self
                    .challenge(now, request, true, to_tag)
                    .map(AuthOutcome::Challenge);
            }
            return Ok(AuthOutcome::Authorized { username });
        }
        self.challenge(now, request, false, to_tag)
            .map(AuthOutcome::Challenge)
    }

    fn forbidden(&self, request: &Request, to_tag: &str) -> Result<AuthOutcome, Error> {
        Response::for_request(request, 403)
            .reason("Forbidden: wrong credentials")
            .to_tag(to_tag)
            .build()
            .map(AuthOutcome::Forbidden)
    }
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
