//! RTP payload formats: payload types, `a=rtpmap`, `a=fmtp`, `a=rtcp-fb`.

use super::Text;
use crate::scan::{cut, pieces, trim};

/// An RTP payload type number (0-127).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadType(pub u8);

impl PayloadType {
    /// The largest payload type RTP can carry.
    pub const MAX: u8 = 127;

    /// Reads a payload type token; `None` unless it is 0-127.
    pub fn parse(token: &str) -> Option<Self> {
        if token.is_empty() || token.len() > 3 {
            return None;
        }
        let mut value: u16 = 0;
        for digit in token.bytes() {
            if !digit.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u16::from(digit - b'0');
        }
        u8::try_from(value)
            .ok()
            .filter(|pt| *pt <= Self::MAX)
            .map(PayloadType)
    }

    /// Whether this is a dynamic payload type (96-127, RFC 3551 §6) or in
    /// the range WebRTC reuses for dynamic use (35-63).
    pub fn is_dynamic(self) -> bool {
        self.0 >= 96 || (35..=63).contains(&self.0)
    }
}

impl std::fmt::Display for PayloadType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One payload format of an m-line with the attributes that describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The payload type on the m-line.
    pub pt: PayloadType,
    /// `a=rtpmap`, absent for static payload types that rely on RFC 3551.
    pub rtpmap: Option<RtpMap>,
    /// `a=fmtp`.
    pub fmtp: Option<Fmtp>,
    /// `a=rtcp-fb:<pt> <value>` values (e.g. `nack pli`), in order.
    pub rtcp_fb: Vec<Text>,
}

impl Format {
    /// A format with an rtpmap and nothing else.
    pub fn new(pt: PayloadType, rtpmap: RtpMap) -> Self {
        Format {
            pt,
            rtpmap: Some(rtpmap),
            fmtp: None,
            rtcp_fb: Vec::new(),
        }
    }

    /// The encoding: the rtpmap, or the RFC 3551 static assignment.
    pub fn encoding(&self) -> Option<RtpMap> {
        self.rtpmap.clone().or_else(|| RtpMap::for_static(self.pt))
    }

    /// The value of an fmtp parameter (`name=value` pairs separated by `;`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.fmtp.as_ref().and_then(|fmtp| fmtp.param(name))
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// The encoding name as written (compare case-insensitively).
    pub encoding: Text,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The channel count for audio, when written.
    pub channels: Option<u16>,
}

impl RtpMap {
    /// An rtpmap without a channel count.
    pub fn new(encoding: impl Into<Text>, clock_rate: u32) -> Self {
        RtpMap {
            encoding: encoding.into(),
            clock_rate,
            channels: None,
        }
    }

    /// The static payload type assignments of RFC 3551 §6 that gateways
    /// still meet without an rtpmap.
    pub fn for_static(pt: PayloadType) -> Option<Self> {
        let (encoding, clock_rate) = match pt.0 {
            0 => ("PCMU", 8000),
            3 => ("GSM", 8000),
            4 => ("G723", 8000),
            5 => ("DVI4", 8000),
            6 => ("DVI4", 16000),
            7 => ("LPC", 8000),
            8 => ("PCMA", 8000),
            9 => ("G722", 8000),
            12 => ("QCELP", 8000),
            13 => ("CN", 8000),
            14 => ("MPA", 90000),
            15 => ("G728", 8000),
            18 => ("G729", 8000),
            26 => ("JPEG", 90000),
            31 => ("H261", 90000),
            32 => ("MPV", 90000),
            33 => ("MP2T", 90000),
            34 => ("H263", 90000),
            _ => return None,
        };
        Some(RtpMap::new(Text::from_static(encoding), clock_rate))
    }

    /// The channel count (1 when not written).
    pub fn channel_count(&self) -> u16 {
        self.channels.unwrap_or(1)
    }

    /// Whether the encoding name is `name` (case-insensitive, RFC 4855).
    pub fn is(&self, name: &str) -> bool {
        self.encoding.eq_ignore_ascii_case(name)
    }
}

impl std::fmt::Display for RtpMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.encoding, self.clock_rate)?;
        if let Some(channels) = self.channels {
            write!(f, "/{channels}")?;
        }
        Ok(())
    }
}

/// `a=fmtp:<pt> <parameters>`, kept as written: most are `name=value`
/// pairs separated by `;`, but some are not (telephone-event `0-15`,
/// red `111/111`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp(pub Text);

impl Fmtp {
    /// Builds `name=value;...` from pairs.
    pub fn from_params<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut text = String::new();
        for (name, value) in params {
            if !text.is_empty() {
                text.push(';');
            }
            text.push_str(name);
            text.push('=');
            text.push_str(value);
        }
        Fmtp(text.into())
    }

    /// The `name=value` pairs (names as written, values trimmed).
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        pieces(&self.0, b';').filter_map(|pair| {
            let (name, value) = cut(pair, b'=')?;
            Some((trim(name), trim(value)))
        })
    }

    /// The value of parameter `name` (case-insensitive name).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_type_range() {
        assert_eq!(PayloadType::parse("0"), Some(PayloadType(0)));
        assert_eq!(PayloadType::parse("127"), Some(PayloadType(127)));
        assert_eq!(PayloadType::parse("128"), None);
        assert_eq!(PayloadType::parse("-1"), None);
        assert_eq!(PayloadType::parse("0096"), None);
        assert_eq!(PayloadType::parse(""), None);
    }

    #[test]
    fn static_payload_types_have_encodings() {
        let g729 = Format {
            pt: PayloadType(18),
            rtpmap: None,
            fmtp: Some(Fmtp("annexb=yes".into())),
            rtcp_fb: Vec::new(),
        };
        let encoding = g729.encoding().expect("18 is static");
        assert!(encoding.is("g729"));
        assert_eq!(encoding.clock_rate, 8000);
        assert_eq!(g729.param("AnnexB"), Some("yes"));
        assert!(RtpMap::for_static(PayloadType(96)).is_none());
    }

    #[test]
    fn fmtp_params_and_non_param_values() {
        let fmtp = Fmtp("packetization-mode=1; profile-level-id=42e01f".into());
        assert_eq!(fmtp.param("profile-level-id"), Some("42e01f"));
        assert_eq!(fmtp.param("PACKETIZATION-MODE"), Some("1"));
        assert_eq!(Fmtp("0-15".into()).params().count(), 0);
        assert_eq!(Fmtp::from_params([("a", "1"), ("b", "2")]).0, "a=1;b=2");
    }
}
