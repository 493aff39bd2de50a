//! The client side of Digest (RFC 3261 section 22.2-22.3, RFC 8760):
//! read a 401/407 challenge, answer it with credentials.

use super::digest::{self, Algorithm, DigestInput};
use crate::Error;
use crate::message::{Request, Response, names};

/// A user name and password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// One Digest challenge from a WWW-Authenticate or Proxy-Authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Realm.
    pub realm: String,
    /// Server nonce.
    pub nonce: String,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// True when the server offers qop=auth.
    pub qop_auth: bool,
    /// Opaque value to echo.
    pub opaque: Option<String>,
    /// True when the previous credentials were right but the nonce old.
    pub stale: bool,
    /// True for Proxy-Authenticate (answer with Proxy-Authorization).
    pub proxy: bool,
}

impl Challenge {
    /// The strongest Digest challenge in a 401 or 407 that we support
    /// (SHA-256 before MD5, RFC 8760 section 2.4).
    pub fn from_response(response: &Response) -> Option<Challenge> {
        let h = response.headers();
        let www = h.www_authenticate().map(|a| (a, false));
        let proxy = h.proxy_authenticate().map(|a| (a, true));
        www.chain(proxy)
            .filter_map(|(auth, proxy)| {
                let auth = auth.ok()?;
                if !auth.scheme.eq_ignore_ascii_case("Digest") {
                    return None;
                }
                let algorithm = Algorithm::from_name(auth.param_text("algorithm").as_deref())?;
                let qop = auth.param_text("qop").unwrap_or_default();
                Some(Challenge {
                    realm: auth.param_text("realm")?.into_owned(),
                    nonce: auth.param_text("nonce")?.into_owned(),
                    algorithm,
                    qop_auth: qop
                        .split(',')
                        .any(|q| q.trim().eq_ignore_ascii_case("auth")),
                    opaque: auth.param_text("opaque").map(|o| o.into_owned()),
                    stale: auth
                        .param_text("stale")
                        .is_some_and(|s| s.eq_ignore_ascii_case("true")),
                    proxy,
                })
            })
            .max_by_key(|c| c.algorithm == Algorithm::Sha256)
    }

    /// The Authorization value answering this challenge for a request
    /// `method` `uri`, with client nonce `cnonce` and nonce count `nc`.
    pub fn authorization(
        &self,
        credentials: &Credentials,
        method: &str,
        uri: &str,
        cnonce: &str,
        nc: u32,
    ) -> String {
        let nc_text = format!("{nc:08x}");
        let response = digest::response(&DigestInput {
            algorithm: self.algorithm,
            username: &credentials.username,
            realm: &self.realm,
            password: &credentials.password,
            method,
            uri,
            nonce: &self.nonce,
            qop_auth: self.qop_auth.then_some((nc_text.as_str(), cnonce)),
        });
        let mut value = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\", algorithm={}",
            quote(&credentials.username),
            quote(&self.realm),
            quote(&self.nonce),
            self.algorithm.name()
        );
        if self.qop_auth {
            value.push_str(&format!(
                ", qop=auth, nc={nc_text}, cnonce=\"{}\"",
                quote(cnonce)
            ));
        }
        if let Some(opaque) = &self.opaque {
            value.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
        }
        value
    }

    /// The header the answer goes in.
    pub fn header_name(&self) -> &'static str {
        if self.proxy {
            names::PROXY_AUTHORIZATION
        } else {
            names::AUTHORIZATION
        }
    }
}

fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `request` again, answering the challenge in `response` (RFC 3261
/// 22.2): CSeq incremented, Via removed (the transaction layer adds a
/// new one), earlier credentials for the realm replaced.
pub fn authorize(
    request: &Request,
    response: &Response,
    credentials: &Credentials,
    cnonce: &str,
) -> Result<Request, Error> {
    let challenge = Challenge::from_response(response)
        .ok_or(Error::InvalidState("no Digest challenge we support"))?;
    let h = request.headers();
    let seq = h.cseq()?.seq.saturating_add(1);
    let method = request.method().clone();
    let value = challenge.authorization(credentials, method.as_str(), request.uri_str(), cnonce, 1);
    let mut b = Request::builder(method.clone(), request.uri_str());
    for field in h.iter() {
        let skip = [
            names::VIA,
            names::CSEQ,
            names::CONTENT_LENGTH,
            names::CONTENT_TYPE,
            challenge.header_name(),
        ]
        .iter()
        .any(|n| field.is(n));
        if !skip {
            b = b.field(field.clone());
        }
    }
    b = b
        .header(names::CSEQ, format!("{seq} {method}"))
        .header(challenge.header_name(), value);
    if !request.body().is_empty() {
        let content_type = h
            .content_type()?
            .map(|t| format!("{}/{}", t.kind, t.subtype));
        b = b.body(
            content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
            request.body().clone(),
        );
    }
    b.build()
}
