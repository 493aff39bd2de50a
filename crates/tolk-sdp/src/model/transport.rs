//! ICE attributes (RFC 8839): credentials, options and candidates.

use super::Text;

/// `a=ice-ufrag`, `a=ice-pwd` and `a=ice-options` of one level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IceParams {
    /// `a=ice-ufrag`.
    pub ufrag: Option<Text>,
    /// `a=ice-pwd`.
    pub pwd: Option<Text>,
    /// `a=ice-options` tags (`trickle`, `ice2`, ...).
    pub options: Vec<Text>,
}

impl IceParams {
    /// Whether there is nothing at this level.
    pub fn is_empty(&self) -> bool {
        self.ufrag.is_none() && self.pwd.is_none() && self.options.is_empty()
    }
}

/// `a=candidate:<foundation> <component> <transport> <priority> <address>
/// <port> typ <type> [<extensions>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The foundation.
    pub foundation: Text,
    /// The component id (1 = RTP, 2 = RTCP).
    pub component: u16,
    /// `udp` or `tcp`, as written.
    pub transport: Text,
    /// The priority.
    pub priority: u32,
    /// The address: an IP or an mDNS name.
    pub address: Text,
    /// The port.
    pub port: u16,
    /// `host`, `srflx`, `prflx` or `relay`.
    pub kind: Text,
    /// Everything after the type (`raddr`, `rport`, `tcptype`,
    /// `generation`, ...), space-separated as written.
    pub extensions: Vec<Text>,
}

impl Candidate {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        let mut fields = value.split_ascii_whitespace();
        let mut field = |expected: &'static str| fields.next().ok_or(expected);
        let foundation = text.slice_of(field("a candidate foundation")?);
        let component = field("a candidate component id")?
            .parse()
            .map_err(|_| "a numeric candidate component id")?;
        let transport = text.slice_of(field("a candidate transport")?);
        let priority = field("a candidate priority")?
            .parse()
            .map_err(|_| "a 32-bit candidate priority")?;
        let address = text.slice_of(field("a candidate address")?);
        let port = field("a candidate port")?
            .parse()
            .map_err(|_| "a candidate port number")?;
        if !field("`typ`")?.eq_ignore_ascii_case("typ") {
            return Err("`typ` after the candidate port");
        }
        let kind = text.slice_of(field("a candidate type")?);
        Ok(Candidate {
            foundation,
            component,
            transport,
            priority,
            address,
            port,
            kind,
            extensions: fields.map(|part| text.slice_of(part)).collect(),
        })
    }
}

impl std::fmt::Display for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            self.transport,
            self.priority,
            self.address,
            self.port,
            self.kind
        )?;
        for extension in &self.extensions {
            write!(f, " {extension}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_with_extensions_round_trips() {
        let text = "2947501118 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0";
        let candidate = Candidate::parse(text).expect("valid candidate");
        assert_eq!(candidate.kind, "host");
        assert_eq!(candidate.port, 9);
        assert_eq!(candidate.to_string(), text);
    }

    #[test]
    fn candidate_without_typ_is_an_error() {
        assert!(Candidate::parse("1 1 udp 1 10.0.0.1 5000 host").is_err());
        assert!(Candidate::parse("1 1 udp").is_err());
    }
}
