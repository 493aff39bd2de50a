//! Naming a codec the way SDP does: encoding name, clock rate, channels
//! and format parameters (`a=rtpmap` plus `a=fmtp`).

use std::fmt;

/// A codec as negotiated in SDP. Built by hand here; the SDP crate's codec
/// type converts into it field by field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodecFormat {
    /// Encoding name (`PCMU`, `opus`, ...); compared case-insensitively.
    pub name: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Channel count from `a=rtpmap` (1 when absent).
    pub channels: u8,
    /// The `a=fmtp` parameter string, as negotiated (may be empty).
    pub fmtp: String,
}

impl CodecFormat {
    /// A format without format parameters.
    pub fn new(name: &str, clock_rate: u32, channels: u8) -> Self {
        CodecFormat {
            name: name.to_owned(),
            clock_rate,
            channels,
            fmtp: String::new(),
        }
    }

    /// The same format with `fmtp` as its parameters.
    pub fn with_fmtp(mut self, fmtp: &str) -> Self {
        self.fmtp = fmtp.to_owned();
        self
    }

    /// G.711 mu-law (static payload type 0).
    pub fn pcmu() -> Self {
        CodecFormat::new("PCMU", 8000, 1)
    }

    /// G.711 A-law (static payload type 8).
    pub fn pcma() -> Self {
        CodecFormat::new("PCMA", 8000, 1)
    }

    /// G.722 (payload type 9): 16 kHz audio on an 8000 Hz RTP clock (RFC 3551).
    pub fn g722() -> Self {
        CodecFormat::new("G722", 8000, 1)
    }

    /// Opus as SDP always names it (RFC 7587): 48000 Hz, 2 channels.
    pub fn opus() -> Self {
        CodecFormat::new("opus", 48000, 2)
    }

    /// Linear 16-bit PCM, mono, at `rate` Hz.
    pub fn l16(rate: u32) -> Self {
        CodecFormat::new("L16", rate, 1)
    }

    /// RFC 4733 telephone-events at `rate` Hz.
    pub fn telephone_event(rate: u32) -> Self {
        CodecFormat::new("telephone-event", rate, 1)
    }

    /// True when name (ignoring case), clock rate and channels agree;
    /// format parameters are the implementation's business.
    pub fn same_codec(&self, other: &CodecFormat) -> bool {
        self.name.eq_ignore_ascii_case(&other.name)
            && self.clock_rate == other.clock_rate
            && self.channels == other.channels
    }

    /// The value of one `key=value` format parameter.
    pub fn fmtp_param(&self, key: &str) -> Option<&str> {
        self.fmtp.split(';').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
        })
    }
}

impl fmt::Display for CodecFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.name, self.clock_rate)?;
        if self.channels != 1 {
            write!(f, "/{}", self.channels)?;
        }
        if !self.fmtp.is_empty() {
            write!(f, " ({})", self.fmtp)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_like_sdp() {
        assert!(CodecFormat::new("pcmu", 8000, 1).same_codec(&CodecFormat::pcmu()));
        assert!(!CodecFormat::new("opus", 48000, 1).same_codec(&CodecFormat::opus()));
        let f = CodecFormat::opus().with_fmtp("minptime=10; useinbandfec=1");
        assert_eq!(f.fmtp_param("useinbandfec"), Some("1"));
        assert_eq!(f.fmtp_param("stereo"), None);
        assert_eq!(f.to_string(), "opus/48000/2 (minptime=10; useinbandfec=1)");
    }
}
