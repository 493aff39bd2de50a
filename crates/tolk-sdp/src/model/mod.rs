//! The typed SDP model (RFC 8866 with the RTP, ICE, DTLS, SDES and BUNDLE
//! extensions a gateway meets).
//!
//! Known attributes become typed fields; every other attribute is kept in
//! `other`, in the order it came, and printed again after the known ones.

mod format;
mod media;
mod rtp;
mod security;
mod text;
mod transport;

pub use format::{Fmtp, Format, PayloadType, RtpMap};
pub use media::{Direction, MediaDescription, MediaKind, TransportProtocol};
pub use rtp::{ExtMap, Msid, Rtcp, Ssrc, SsrcGroup};
pub use security::{Crypto, CryptoSuite, Fingerprint, Setup};
pub use text::Text;
pub use transport::{Candidate, IceParams};

pub(crate) use rtp::address_type_of;

use std::net::IpAddr;

/// A whole session description: session-level fields and the media
/// sections (m-lines) in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`: the originator and the session version.
    pub origin: Origin,
    /// `s=`: the session name (`-` when there is nothing to say).
    pub session_name: Text,
    /// `i=`: session information.
    pub information: Option<Text>,
    /// `c=` at session level.
    pub connection: Option<Connection>,
    /// `b=` lines at session level.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines as (start, stop); repeat times (`r=`) are not carried.
    pub times: Vec<(u64, u64)>,
    /// `a=group:` lines, e.g. BUNDLE (RFC 9143/8843) and LS.
    pub groups: Vec<Group>,
    /// `a=ice-lite` (RFC 8839): the whole agent is ICE-lite.
    pub ice_lite: bool,
    /// Session-level ICE credentials and options, inherited by media.
    pub ice: IceParams,
    /// Session-level `a=fingerprint` lines, inherited by media.
    pub fingerprints: Vec<Fingerprint>,
    /// Session-level `a=setup`, inherited by media.
    pub setup: Option<Setup>,
    /// Session-level direction attribute, inherited by media.
    pub direction: Option<Direction>,
    /// Session-level `a=extmap` lines.
    pub extmaps: Vec<ExtMap>,
    /// Every other session-level attribute, in order.
    pub other: Vec<Attribute>,
    /// The media sections in order.
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// An empty description with the given origin (`s=-`, `t=0 0`).
    pub fn new(origin: Origin) -> Self {
        SessionDescription {
            origin,
            session_name: Text::from_static("-"),
            information: None,
            connection: None,
            bandwidths: Vec::new(),
            times: vec![(0, 0)],
            groups: Vec::new(),
            ice_lite: false,
            ice: IceParams::default(),
            fingerprints: Vec::new(),
            setup: None,
            direction: None,
            extmaps: Vec::new(),
            other: Vec::new(),
            media: Vec::new(),
        }
    }

    /// The mids of the first `a=group:BUNDLE`, if any.
    pub fn bundle(&self) -> Option<&[Text]> {
        self.groups
            .iter()
            .find(|group| group.semantics.eq_ignore_ascii_case("BUNDLE"))
            .map(|group| group.mids.as_slice())
    }

    /// The connection address in effect for media section `index`: its
    /// own `c=` or the session's.
    pub fn connection_for(&self, index: usize) -> Option<&Connection> {
        self.media
            .get(index)
            .and_then(|media| media.connection.as_ref())
            .or(self.connection.as_ref())
    }
}

/// `o=<username> <sess-id> <sess-version> IN <addrtype> <address>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The user name, `-` when none.
    pub username: Text,
    /// The session id (numeric by the RFC; kept as text).
    pub session_id: Text,
    /// The session version, incremented on each new offer.
    pub session_version: u64,
    /// The originating host.
    pub address: Address,
}

/// A network address with its `addrtype` (`IN IP4 ...` / `IN IP6 ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `IP4` or `IP6` (as written).
    pub address_type: AddressType,
    /// The address text: an IP address, or a host name.
    pub address: Text,
}

impl Address {
    /// The address of an IP.
    pub fn ip(ip: IpAddr) -> Self {
        Address {
            address_type: if ip.is_ipv4() {
                AddressType::Ip4
            } else {
                AddressType::Ip6
            },
            address: ip.to_string().into(),
        }
    }

    /// The address as an IP, when it is one (a multicast `/ttl` suffix is
    /// ignored).
    pub fn to_ip(&self) -> Option<IpAddr> {
        let ip = self.address.split('/').next().unwrap_or_default();
        ip.parse().ok()
    }

    /// Whether this is the unspecified address (`0.0.0.0` or `::`), the
    /// RFC 2543 way of putting a call on hold.
    pub fn is_unspecified(&self) -> bool {
        self.to_ip().is_some_and(|ip| ip.is_unspecified())
    }
}

/// The `addrtype` of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressType {
    /// `IP4`.
    Ip4,
    /// `IP6`.
    Ip6,
    /// Anything else, as written.
    Other(Text),
}

impl AddressType {
    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            AddressType::Ip4 => "IP4",
            AddressType::Ip6 => "IP6",
            AddressType::Other(other) => other,
        }
    }
}

/// `c=IN <addrtype> <address>`: where media goes.
pub type Connection = Address;

/// `b=<type>:<kbps or bps>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// `AS` (kbit/s, RFC 8866), `TIAS` (bit/s, RFC 3890), `CT`, or other.
    pub kind: Text,
    /// The value, in the unit the kind defines.
    pub value: u64,
}

/// `a=group:<semantics> <mid> ...` (RFC 5888).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `BUNDLE`, `LS`, `FID`, ...
    pub semantics: Text,
    /// The grouped media sections' mids, in order.
    pub mids: Vec<Text>,
}

/// An attribute kept as written: `a=<name>` or `a=<name>:<value>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute name.
    pub name: Text,
    /// The value after the first `:`, if any.
    pub value: Option<Text>,
}

impl Attribute {
    /// An attribute with a value.
    pub fn new(name: impl Into<Text>, value: impl Into<Text>) -> Self {
        Attribute {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// A flag attribute (no value).
    pub fn flag(name: impl Into<Text>) -> Self {
        Attribute {
            name: name.into(),
            value: None,
        }
    }
}
