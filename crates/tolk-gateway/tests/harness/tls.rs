//! A TLS client trusting one certificate, to see which certificate a
//! node's TLS listener serves.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use tolk_sip::transport::tls::client_config;

/// Completes a TLS handshake with 127.0.0.1:`port` as a client trusting
/// only `trusted` (panicking when it fails); the certificate the
/// listener served.
pub fn served_certificate(port: u16, trusted: &CertificateDer<'static>) -> CertificateDer<'static> {
    let config = client_config(std::slice::from_ref(trusted)).expect("client config");
    let name = "127.0.0.1".try_into().expect("server name");
    let connection =
        rustls::ClientConnection::new(Arc::clone(&config), name).expect("client connection");
    let socket = TcpStream::connect(("127.0.0.1", port)).expect("TLS listener");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut stream = rustls::StreamOwned::new(connection, socket);
    stream
        .write_all(b"\r\n\r\n")
        .expect("handshake with the configured certificate");
    stream.flush().expect("flush");
    stream
        .conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("a served certificate")
        .clone()
        .into_owned()
}
