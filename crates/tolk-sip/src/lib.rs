//! tolk-sip: a sans-IO SIP stack. This layer is the message layer (RFC
//! 3261 section 7 and 25, RFC 5118) and the UAS core's request checks
//! (section 8.2); [`transaction`] and the user agent core [`ua`] build on
//! it (dialogs, re-INVITE, UPDATE, reliable provisional responses with
//! PRACK per RFC 3262, session timers per RFC 4028).
//!
//! # Run loop
//!
//! A transport driver hands each received datagram to [`Message::parse`]
//! (or each received stream chunk to a [`StreamFramer`]), asks
//! [`uas_checks::check`] what the UAS core says about a request, and
//! either sends the rejection it returns, drops the message, or passes
//! the request on to the transaction layer. Nothing here touches a
//! socket or a clock.
//!
//! ```
//! use bytes::Bytes;
//! use tolk_sip::{Message, uas_checks::{self, Verdict}};
//!
//! let datagram = Bytes::from_static(
//!     b"OPTIONS sip:tolk@example.com SIP/2.0\r\n\
//!       Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9;rport\r\n\
//!       Max-Forwards: 70\r\n\
//!       From: Alice <sip:alice@example.com>;tag=9fxced76sl\r\n\
//!       To: <sip:tolk@example.com>\r\n\
//!       Call-ID: 3848276298220188511@192.0.2.1\r\n\
//!       CSeq: 1 OPTIONS\r\n\
//!       Require: nothing-supports-this\r\n\
//!       Content-Length: 0\r\n\r\n",
//! );
//! let parsed = Message::parse(datagram.clone());
//! let Ok(Message::Request(request)) = &parsed else { panic!("a request") };
//! let via = request.headers().top_via()?;
//! assert_eq!(via.branch(), Some("z9hG4bK74bf9"));
//! assert_eq!(via.rport(), Some(None));
//! assert_eq!(request.headers().from()?.tag(), Some("9fxced76sl"));
//!
//! // The UAS core refuses the unknown extension with 420 + Unsupported.
//! let policy = uas_checks::Policy::default();
//! let verdict = uas_checks::check(&parsed, &datagram, &policy, &uas_checks::NoDialogs, "t0lk");
//! let Verdict::Reject(response) = verdict else { panic!("rejected") };
//! assert_eq!(response.code(), 420);
//! assert_eq!(response.headers().unsupported().next().transpose()?, Some("nothing-supports-this"));
//!
//! // Untouched messages print back byte for byte.
//! assert_eq!(request.to_bytes(), datagram);
//! # Ok::<(), tolk_sip::Error>(())
//! ```
//!
//! With the `rsip` feature, `rsip_compat::{to_rsip, from_rsip}` convert
//! to and from `rsip::SipMessage`, refusing what rsip cannot represent.

pub mod auth;
pub mod dialog;
pub mod error;
pub mod header;
pub mod host;
pub mod message;
pub mod params;
pub mod registrar;
#[cfg(feature = "rsip")]
pub mod rsip_compat;
mod sharded_map;
mod syntax;
pub mod transaction;
pub mod transport;
pub mod ua;
pub mod uas_checks;
pub mod uri;

/// Messages are parsed from and printed to [`bytes::Bytes`].
pub use bytes::Bytes;
pub use error::Error;
pub use message::{
    Frame, HeaderField, Headers, Limits, Message, Method, Request, RequestBuilder, Response,
    ResponseBuilder, StreamFramer, names,
};
pub use syntax::unquote;
pub use uri::Uri;
