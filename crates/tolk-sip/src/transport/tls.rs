//! TLS settings for the driver (rustls): a self-signed certificate
//! helper for tests and labs, a server configuration from a certificate
//! chain and key (in memory or PEM files), and a client configuration
//! trusting given roots.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::Error;

fn tls_error(e: impl std::fmt::Display) -> Error {
    Error::Transport(format!("TLS: {e}"))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A certificate and its private key.
#[derive(Debug)]
pub struct Identity {
    /// The certificate (DER).
    pub cert: CertificateDer<'static>,
    /// The private key (PKCS#8 DER).
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    /// A new self-signed certificate for `names` (DNS names or IP
    /// addresses, e.g. `"127.0.0.1"`).
    pub fn self_signed(names: &[&str]) -> Result<Identity, Error> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let certified = rcgen::generate_simple_self_signed(names).map_err(tls_error)?;
        Ok(Identity {
            cert: certified.cert.der().clone(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                certified.signing_key.serialize_der(),
            )),
        })
    }

    /// The certificate in PEM form (for peers such as sipp).
    pub fn cert_pem(&self) -> String {
        pem("CERTIFICATE", self.cert.as_ref())
    }

    /// The key in PEM form.
    pub fn key_pem(&self) -> String {
        pem("PRIVATE KEY", self.key.secret_der())
    }

    /// A server configuration presenting this identity.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, Error> {
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], self.key.clone_key())
            .map_err(tls_error)?;
        Ok(Arc::new(config))
    }
}

/// A server configuration presenting the PEM certificate chain in
/// `certificate` (end-entity first) and the PEM private key in
/// `private_key` (PKCS#8, PKCS#1 or SEC1). Errors name the file and what
/// is wrong with it, a key that does not match the certificate included.
pub fn server_config_from_pem_files(
    certificate: &Path,
    private_key: &Path,
) -> Result<Arc<rustls::ServerConfig>, Error> {
    let file_error =
        |path: &Path, what: &str| Error::Transport(format!("TLS: {}: {what}", path.display()));
    let readable = |path: &Path| {
        std::fs::metadata(path)
            .map(|_| ())
            .map_err(|e| file_error(path, &format!("cannot read it: {e}")))
    };
    readable(certificate)?;
    readable(private_key)?;
    let chain = CertificateDer::pem_file_iter(certificate)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| file_error(certificate, &format!("not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(file_error(certificate, "holds no PEM CERTIFICATE"));
    }
    let key = PrivateKeyDer::from_pem_file(private_key)
        .map_err(|e| file_error(private_key, &format!("not a PEM private key: {e}")))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => file_error(
                private_key,
                &format!(
                    "does not match the certificate in {}",
                    certificate.display()
                ),
            ),
            other => file_error(private_key, &other.to_string()),
        })?;
    Ok(Arc::new(config))
}

/// A client configuration that trusts exactly `roots`.
pub fn client_config(
    roots: &[CertificateDer<'static>],
) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).map_err(tls_error)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// PEM armour (RFC 7468): base64 in 64-column lines.
fn pem(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (n >> (18 - 6 * i)) & 63;
                b64.push(char::from(
                    ALPHABET.get(index as usize).copied().unwrap_or(b'A'),
                ));
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_is_base64_in_lines() {
        assert_eq!(
            pem("X", b"Man"),
            "-----BEGIN X-----\nTWFu\n-----END X-----\n"
        );
        assert_eq!(
            pem("X", b"Ma"),
            "-----BEGIN X-----\nTWE=\n-----END X-----\n"
        );
        assert_eq!(pem("X", b"M"), "-----BEGIN X-----\nTQ==\n-----END X-----\n");
    }

    #[test]
    fn pem_files_make_a_server_config_and_mismatches_are_named() {
        let dir = std::env::temp_dir().join(format!("tolk-sip-pem-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (one, two) = (
            Identity::self_signed(&["localhost"]).unwrap(),
            Identity::self_signed(&["localhost"]).unwrap(),
        );
        let (cert, key, other_key) = (dir.join("c.pem"), dir.join("k.pem"), dir.join("o.pem"));
        std::fs::write(&cert, one.cert_pem()).unwrap();
        std::fs::write(&key, one.key_pem()).unwrap();
        std::fs::write(&other_key, two.key_pem()).unwrap();
        assert!(server_config_from_pem_files(&cert, &key).is_ok());
        let mismatch = server_config_from_pem_files(&cert, &other_key)
            .unwrap_err()
            .to_string();
        assert!(
            mismatch.contains("does not match the certificate"),
            "{mismatch}"
        );
        let missing = server_config_from_pem_files(&dir.join("none.pem"), &key)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("none.pem: cannot read it"), "{missing}");
        let swapped = server_config_from_pem_files(&key, &cert)
            .unwrap_err()
            .to_string();
        assert!(swapped.contains("holds no PEM CERTIFICATE"), "{swapped}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn self_signed_identity_makes_configs() {
        let id = Identity::self_signed(&["127.0.0.1", "localhost"]).unwrap();
        assert!(id.server_config().is_ok());
        assert!(client_config(std::slice::from_ref(&id.cert)).is_ok());
        assert!(id.cert_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    }
}
