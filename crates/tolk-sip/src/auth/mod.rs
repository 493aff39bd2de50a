//! Digest authentication (RFC 3261 section 22, RFC 8760): MD5 and
//! SHA-256 with qop=auth, as client ([`Challenge`], [`authorize`]) and
//! as server ([`DigestServer`]).

mod client;
mod digest;
mod server;

pub use client::{Challenge, Credentials, authorize};
pub use digest::{Algorithm, DigestInput, response};
pub use server::{AuthOutcome, DigestServer};

#[cfg(test)]
mod tests;
