//! RTP-level attributes: `a=rtcp`, `a=extmap`, `a=ssrc`, `a=ssrc-group`,
//! `a=msid`. Each reads its value with `parse` (the error says what was
//! expected) and prints it again with `Display`.

use super::{Address, AddressType, Direction, Text};
use crate::scan::{cut, trim};

/// `a=rtcp:<port> [IN <addrtype> <address>]` (RFC 3605).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtcp {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, when not the media address.
    pub address: Option<Address>,
}

impl Rtcp {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        let mut fields = value.split_ascii_whitespace();
        let port = fields
            .next()
            .and_then(|port| port.parse().ok())
            .ok_or("an RTCP port number")?;
        let address = match (fields.next(), fields.next(), fields.next()) {
            (None, ..) => None,
            (Some(net), Some(address_type), Some(address)) if net.eq_ignore_ascii_case("IN") => {
                Some(Address {
                    address_type: address_type_of(address_type),
                    address: text.slice_of(address),
                })
            }
            _ => return Err("`IN <addrtype> <address>` after the RTCP port"),
        };
        if fields.next().is_some() {
            return Err("end of line after the RTCP address");
        }
        Ok(Rtcp { port, address })
    }
}

impl std::fmt::Display for Rtcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some(address) = &self.address {
            write!(
                f,
                " IN {} {}",
                address.address_type.as_str(),
                address.address
            )?;
        }
        Ok(())
    }
}

/// Reads an addrtype token (case-insensitive).
pub(crate) fn address_type_of(token: &str) -> AddressType {
    if token.eq_ignore_ascii_case("IP4") {
        AddressType::Ip4
    } else if token.eq_ignore_ascii_case("IP6") {
        AddressType::Ip6
    } else {
        AddressType::Other(token.into())
    }
}

/// `a=extmap:<id>[/<direction>] <uri> [<attributes>]` (RFC 8285).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtMap {
    /// The header extension id (1-14 one-byte, up to 255 two-byte).
    pub id: u16,
    /// The direction, when restricted.
    pub direction: Option<Direction>,
    /// The extension URI.
    pub uri: Text,
    /// Extension attributes after the URI, as written.
    pub attributes: Option<Text>,
}

impl ExtMap {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        // `<head> <uri>[ <attributes>]`, the attributes as one field.
        let value = trim(value);
        let (head, rest) =
            cut(value, b' ').map_or((value, None), |(head, rest)| (head, Some(rest)));
        let (uri, attributes) = match rest.map(|rest| (rest, cut(rest, b' '))) {
            Some((_, Some((uri, attributes)))) => (Some(uri), Some(attributes)),
            Some((rest, None)) => (Some(rest), None),
            None => (None, None),
        };
        let (id, direction) = match cut(head, b'/') {
            Some((id, direction)) => (
                id,
                Some(Direction::from_token(direction).ok_or("an extmap direction")?),
            ),
            None => (head, None),
        };
        let id = id.parse().map_err(|_| "a numeric extmap id")?;
        let uri = uri.filter(|uri| !uri.is_empty()).ok_or("an extmap URI")?;
        Ok(ExtMap {
            id,
            direction,
            uri: text.slice_of(uri),
            attributes: attributes.map(|part| text.slice_of(part)),
        })
    }
}

impl std::fmt::Display for ExtMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.id)?;
        if let Some(direction) = self.direction {
            write!(f, "/{direction}")?;
        }
        write!(f, " {}", self.uri)?;
        if let Some(attributes) = &self.attributes {
            write!(f, " {attributes}")?;
        }
        Ok(())
    }
}

/// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssrc {
    /// The synchronisation source.
    pub ssrc: u32,
    /// The source attribute name (`cname`, `msid`, ...).
    pub attribute: Text,
    /// The source attribute value.
    pub value: Option<Text>,
}

impl Ssrc {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        let (ssrc, rest) = cut(value, b' ').ok_or("`<ssrc> <attribute>`")?;
        let ssrc = ssrc.parse().map_err(|_| "a 32-bit SSRC")?;
        let (attribute, value) = match cut(rest, b':') {
            Some((attribute, value)) => (attribute, Some(text.slice_of(value))),
            None => (rest, None),
        };
        if attribute.is_empty() {
            return Err("an SSRC attribute name");
        }
        Ok(Ssrc {
            ssrc,
            attribute: text.slice_of(attribute),
            value,
        })
    }
}

impl std::fmt::Display for Ssrc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.ssrc, self.attribute)?;
        if let Some(value) = &self.value {
            write!(f, ":{value}")?;
        }
        Ok(())
    }
}

/// `a=ssrc-group:<semantics> <ssrc> ...` (RFC 5576), e.g. FID for rtx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsrcGroup {
    /// `FID`, `SIM`, `FEC-FR`, ...
    pub semantics: Text,
    /// The grouped sources, in order.
    pub ssrcs: Vec<u32>,
}

impl SsrcGroup {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        let mut fields = value.split_ascii_whitespace();
        let semantics = fields.next().ok_or("ssrc-group semantics")?;
        let ssrcs = fields
            .map(|ssrc| ssrc.parse())
            .collect::<Result<_, _>>()
            .map_err(|_| "32-bit SSRCs after the ssrc-group semantics")?;
        Ok(SsrcGroup {
            semantics: text.slice_of(semantics),
            ssrcs,
        })
    }
}

impl std::fmt::Display for SsrcGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.semantics)?;
        for ssrc in &self.ssrcs {
            write!(f, " {ssrc}")?;
        }
        Ok(())
    }
}

/// `a=msid:<stream id> [<track id>]` (RFC 8830).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msid {
    /// The media stream id.
    pub stream: Text,
    /// The application data (track id), when present.
    pub track: Option<Text>,
}

impl Msid {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        let mut fields = value.split_ascii_whitespace();
        let stream = fields.next().ok_or("an msid stream id")?;
        let track = fields.next().map(|part| text.slice_of(part));
        if fields.next().is_some() {
            return Err("at most a stream id and a track id in msid");
        }
        Ok(Msid {
            stream: text.slice_of(stream),
            track,
        })
    }
}

impl std::fmt::Display for Msid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.stream)?;
        if let Some(track) = &self.track {
            write!(f, " {track}")?;
        }
        Ok(())
    }
}
