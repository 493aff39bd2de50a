//! BYE (RFC 3550 section 6.6) and APP (section 6.7) packets.

use crate::Error;
use crate::wire::Reader;

/// Packet type of a BYE packet.
pub const BYE: u8 = 203;
/// Packet type of an APP packet.
pub const APP: u8 = 204;

/// A BYE: the sources leaving, and an optional reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Goodbye {
    /// The sources leaving, at most 31.
    pub sources: Vec<u32>,
    /// Reason for leaving, up to 255 octets; empty for none.
    pub reason: Vec<u8>,
}

impl Goodbye {
    pub(crate) fn parse(count: u8, body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("RTCP BYE", body);
        let sources = (0..count).map(|_| r.u32()).collect::<Result<_, _>>()?;
        let reason = if r.remaining() > 0 {
            let len = r.u8()?;
            r.bytes(usize::from(len))?.to_vec()
        } else {
            Vec::new()
        };
        Ok(Goodbye { sources, reason })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<u8, Error> {
        let count = u8::try_from(self.sources.len())
            .ok()
            .filter(|&n| n <= 31)
            .ok_or(Error::TooLarge {
                what: "RTCP BYE source list",
            })?;
        self.sources
            .iter()
            .for_each(|s| out.extend_from_slice(&s.to_be_bytes()));
        if !self.reason.is_empty() {
            let len = u8::try_from(self.reason.len()).map_err(|_| Error::TooLarge {
                what: "RTCP BYE reason",
            })?;
            out.push(len);
            out.extend_from_slice(&self.reason);
            // The reason is padded with nulls, not with the P bit.
            while out.len() % 4 != 0 {
                out.push(0);
            }
        }
        Ok(count)
    }
}

/// An application-defined packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct App {
    /// The 5-bit subtype carried in the count field.
    pub subtype: u8,
    /// The sender's SSRC.
    pub ssrc: u32,
    /// Four ASCII characters naming the application.
    pub name: [u8; 4],
    /// Application data.
    pub data: Vec<u8>,
}

impl App {
    pub(crate) fn parse(subtype: u8, body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("RTCP APP", body);
        let ssrc = r.u32()?;
        let mut name = [0; 4];
        name.copy_from_slice(r.bytes(4)?);
        Ok(App {
            subtype,
            ssrc,
            name,
            data: r.rest().to_vec(),
        })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<u8, Error> {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.name);
        out.extend_from_slice(&self.data);
        Ok(self.subtype)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bye_reason_is_null_padded() {
        let bye = Goodbye {
            sources: vec![7],
            reason: b"bye".to_vec(),
        };
        let mut body = Vec::new();
        let count = bye.write_body(&mut body).unwrap();
        assert_eq!(body, [0, 0, 0, 7, 3, b'b', b'y', b'e']);
        assert_eq!(Goodbye::parse(count, &body).unwrap(), bye);
        assert!(Goodbye::parse(1, &[0, 0, 0, 7, 9, b'x']).is_err());
    }

    #[test]
    fn app_needs_ssrc_and_name() {
        assert!(App::parse(0, &[0; 7]).is_err());
        let app = App::parse(5, &[0, 0, 0, 1, b't', b'o', b'l', b'k', 1, 2, 3, 4]).unwrap();
        assert_eq!(app.name, *b"tolk");
        assert_eq!(app.data, [1, 2, 3, 4]);
    }
}
