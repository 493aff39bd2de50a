//! RFC 3261 section 18: transports. The sans-IO part names the transport
//! a message travels on and what the endpoint wants sent; the tokio
//! drivers (feature `tokio`) move the bytes.
//!
//! ```no_run
//! # async fn run() -> Result<(), tolk_sip::Error> {
//! use tolk_sip::transport::{Driver, DriverConfig};
//! use tolk_sip::ua::{UaConfig, UaEvent, UserAgent};
//!
//! let config = DriverConfig {
//!     udp: Some("0.0.0.0:5060".parse().expect("address")),
//!     tcp: Some("0.0.0.0:5060".parse().expect("address")),
//!     ..DriverConfig::default()
//! };
//! let (ua, mut events) = Driver::spawn(UserAgent::new(UaConfig::default()), config).await?;
//! while let Some(event) = events.recv().await {
//!     if let UaEvent::IncomingCall { dialog, sdp, .. } = event {
//!         let answer = sdp; // negotiate here
//!         ua.with(move |ua, now| ua.answer(now, dialog, 200, answer)).await??;
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::net::SocketAddr;

use bytes::Bytes;

/// A SIP transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP: unreliable, so transactions retransmit.
    Udp,
    /// TCP: reliable, stream-framed.
    Tcp,
    /// TLS over TCP: reliable, stream-framed, `sips:`.
    Tls,
}

impl Transport {
    /// True for TCP and TLS: transactions neither retransmit nor linger.
    pub fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }

    /// The name in a Via header (`SIP/2.0/UDP`).
    pub fn via_name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }

    /// The transport a Via or `transport=` parameter names, if known.
    pub fn from_name(name: &str) -> Option<Self> {
        [Transport::Udp, Transport::Tcp, Transport::Tls]
            .into_iter()
            .find(|t| t.via_name().eq_ignore_ascii_case(name))
    }

    /// 5060, or 5061 for TLS (RFC 3261 section 19.1.2).
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Tls => 5061,
            _ => 5060,
        }
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.via_name())
    }
}

/// Where a message goes: a transport and a remote address. For TCP and
/// TLS the driver reuses a connection to that address when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    /// The transport.
    pub transport: Transport,
    /// The remote address.
    pub addr: SocketAddr,
}

/// Bytes the endpoint wants sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Transport and remote address.
    pub target: Target,
    /// One whole SIP message (or a keep-alive).
    pub bytes: Bytes,
}

#[cfg(feature = "tokio")]
mod driver;
#[cfg(feature = "tokio")]
mod stream;
#[cfg(feature = "tokio")]
pub mod tls;

#[cfg(feature = "tokio")]
pub use driver::{Driver, DriverConfig, DriverHandle, SansIo};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ports() {
        assert_eq!(Transport::from_name("tcp"), Some(Transport::Tcp));
        assert_eq!(Transport::from_name("SCTP"), None);
        assert!(Transport::Tls.is_reliable() && !Transport::Udp.is_reliable());
        assert_eq!(Transport::Tls.default_port(), 5061);
        assert_eq!(Transport::Udp.to_string(), "UDP");
    }
}
