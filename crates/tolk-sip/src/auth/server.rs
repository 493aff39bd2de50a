//! The server side of Digest (RFC 3261 section 22.4, RFC 8760): issue
//! challenges with self-verifying nonces, verify credentials, say
//! `stale=true` when only the nonce has expired.

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
    /// Send this 401 (a first challenge, wrong credentials, or
    /// `stale=true` for an expired nonce).
    Challenge(Response),
}

/// Issues and checks Digest challenges for one realm.
#[derive(Debug, Clone)]
pub struct DigestServer {
    realm: String,
    algorithms: Vec<Algorithm>,
    lifetime: Duration,
    secret: String,
    epoch: Instant,
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
        }
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

    /// The 401 challenging `request`.
    pub fn challenge(
        &self,
        now: Instant,
        request: &Request,
        stale: bool,
        to_tag: &str,
    ) -> Result<Response, Error> {
        let nonce = self.nonce(now);
        let mut b = Response::for_request(request, 401).to_tag(to_tag);
        for algorithm in &self.algorithms {
            let mut value = format!(
                "Digest realm=\"{}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"",
                self.realm,
                algorithm.name()
            );
            if stale {
                value.push_str(", stale=true");
            }
            b = b.header(names::WWW_AUTHENTICATE, value);
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
        for auth in request.headers().authorization() {
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
                continue;
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
                continue;
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
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
