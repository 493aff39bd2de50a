//! RFC 8760 (updating RFC 3261 section 22.4) with RFC 7616's
//! computation: the Digest response for MD5 and SHA-256, qop=auth.

use md5::Md5;
use sha2::{Digest, Sha256};

/// A Digest algorithm (RFC 8760 section 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5` (RFC 3261's only one; kept for interoperability).
    Md5,
    /// `SHA-256` (RFC 8760).
    Sha256,
}

impl Algorithm {
    /// The token in `algorithm=`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// The algorithm a token names; absent means MD5 (RFC 3261).
    pub fn from_name(name: Option<&str>) -> Option<Self> {
        match name {
            None => Some(Algorithm::Md5),
            Some(n) if n.eq_ignore_ascii_case("MD5") => Some(Algorithm::Md5),
            Some(n) if n.eq_ignore_ascii_case("SHA-256") => Some(Algorithm::Sha256),
            Some(_) => None,
        }
    }

    /// Lower-case hex of the hash of `data`.
    pub fn hex(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex(&Sha256::digest(data.as_bytes())),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The inputs of one Digest response.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// Hash algorithm.
    pub algorithm: Algorithm,
    /// User name.
    pub username: &'a str,
    /// Realm.
    pub realm: &'a str,
    /// Password.
    pub password: &'a str,
    /// Request method.
    pub method: &'a str,
    /// The `uri` parameter (the Request-URI).
    pub uri: &'a str,
    /// Server nonce.
    pub nonce: &'a str,
    /// With qop=auth: (nonce count as 8 hex digits, client nonce).
    pub qop_auth: Option<(&'a str, &'a str)>,
}

/// `response`: H(H(A1):nonce:nc:cnonce:auth:H(A2)) with qop=auth, or
/// H(H(A1):nonce:H(A2)) without qop (RFC 2069 compatibility).
pub fn response(input: &DigestInput<'_>) -> String {
    let h = |s: &str| input.algorithm.hex(s);
    let ha1 = h(&format!(
        "{}:{}:{}",
        input.username, input.realm, input.password
    ));
    let ha2 = h(&format!("{}:{}", input.method, input.uri));
    match input.qop_auth {
        Some((nc, cnonce)) => h(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", input.nonce)),
        None => h(&format!("{ha1}:{}:{ha2}", input.nonce)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 section 3.5's example (MD5, qop=auth), whose figures
    /// RFC 7616 keeps: "Mufasa" / "Circle Of Life".
    #[test]
    fn rfc_2617_md5_vector() {
        let input = DigestInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop_auth: Some(("00000001", "0a4f113b")),
        };
        assert_eq!(response(&input), "6629fae49393a05397450978507c4ef1");
    }

    /// RFC 7616 section 3.9.1's SHA-256 example.
    #[test]
    fn rfc_7616_sha256_vector() {
        let input = DigestInput {
            algorithm: Algorithm::Sha256,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            qop_auth: Some(("00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
        };
        assert_eq!(
            response(&input),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::from_name(None), Some(Algorithm::Md5));
        assert_eq!(
            Algorithm::from_name(Some("sha-256")),
            Some(Algorithm::Sha256)
        );
        assert_eq!(Algorithm::from_name(Some("SHA-512-256")), None);
    }
}
