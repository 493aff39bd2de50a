//! The RTP fixed header and its variable parts (RFC 3550 section 5.1).

use super::extension::HeaderExtension;
use crate::Error;
use crate::wire::{u16_at, u32_at};

/// Length of the fixed RTP header.
pub const FIXED_HEADER_LEN: usize = 12;

/// A parsed RTP packet borrowing its bytes: nothing is copied.
///
/// Parsing checks every length (CSRC list, extension, padding) once, so the
/// accessors below cannot fail. For a `bytes::Bytes` packet, slice the
/// payload with [`RtpPacket::payload_range`] to keep it zero-copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    buf: &'a [u8],
    header_len: usize,
    payload_end: usize,
}

impl<'a> RtpPacket<'a> {
    /// Parses and validates `buf` as one RTP packet.
    pub fn parse(buf: &'a [u8]) -> Result<Self, Error> {
        let first = *buf
            .first()
            .ok_or(Error::truncated("RTP header", FIXED_HEADER_LEN, 0))?;
        if buf.len() < FIXED_HEADER_LEN {
            return Err(Error::truncated("RTP header", FIXED_HEADER_LEN, buf.len()));
        }
        let version = first >> 6;
        if version != 2 {
            return Err(Error::Version(version));
        }
        let csrc_count = usize::from(first & 0x0f);
        let mut header_len = FIXED_HEADER_LEN + 4 * csrc_count;
        if buf.len() < header_len {
            return Err(Error::truncated("RTP CSRC list", header_len, buf.len()));
        }
        if first & 0x10 != 0 {
            let words = u16_at(buf, header_len + 2).ok_or(Error::truncated(
                "RTP header extension",
                header_len + 4,
                buf.len(),
            ))?;
            header_len += 4 + 4 * usize::from(words);
            if buf.len() < header_len {
                return Err(Error::truncated(
                    "RTP header extension",
                    header_len,
                    buf.len(),
                ));
            }
        }
        let mut payload_end = buf.len();
        if first & 0x20 != 0 {
            let padding = usize::from(buf.last().copied().unwrap_or(0));
            if padding == 0 || padding > buf.len() - header_len {
                return Err(Error::malformed(
                    "RTP padding",
                    "count between 1 and the bytes after the header",
                ));
            }
            payload_end -= padding;
        }
        Ok(RtpPacket {
            buf,
            header_len,
            payload_end,
        })
    }

    fn first(&self) -> u8 {
        self.buf.first().copied().unwrap_or(0)
    }

    fn second(&self) -> u8 {
        self.buf.get(1).copied().unwrap_or(0)
    }

    /// The whole packet as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// True when the packet carries padding octets.
    pub fn has_padding(&self) -> bool {
        self.first() & 0x20 != 0
    }

    /// Number of padding octets at the end (0 without padding).
    pub fn padding_len(&self) -> usize {
        self.buf.len() - self.payload_end
    }

    /// The marker bit.
    pub fn marker(&self) -> bool {
        self.second() & 0x80 != 0
    }

    /// The 7-bit payload type.
    pub fn payload_type(&self) -> u8 {
        self.second() & 0x7f
    }

    /// The 16-bit sequence number.
    pub fn sequence_number(&self) -> u16 {
        u16_at(self.buf, 2).unwrap_or(0)
    }

    /// The RTP timestamp.
    pub fn timestamp(&self) -> u32 {
        u32_at(self.buf, 4).unwrap_or(0)
    }

    /// The synchronisation source.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.buf, 8).unwrap_or(0)
    }

    /// The contributing sources, in order.
    pub fn csrcs(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let count = usize::from(self.first() & 0x0f);
        let list = self.buf.get(FIXED_HEADER_LEN..FIXED_HEADER_LEN + 4 * count);
        list.unwrap_or_default()
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The header extension, when the X bit is set.
    pub fn extension(&self) -> Option<HeaderExtension<'a>> {
        if self.first() & 0x10 == 0 {
            return None;
        }
        let start = FIXED_HEADER_LEN + 4 * usize::from(self.first() & 0x0f);
        let profile = u16_at(self.buf, start)?;
        let data = self.buf.get(start + 4..self.header_len)?;
        Some(HeaderExtension::new(profile, data))
    }

    /// Length of everything before the payload.
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The payload, without padding.
    pub fn payload(&self) -> &'a [u8] {
        self.buf
            .get(self.header_len..self.payload_end)
            .unwrap_or_default()
    }

    /// Where the payload sits in the packet, for zero-copy slicing.
    pub fn payload_range(&self) -> core::ops::Range<usize> {
        self.header_len..self.payload_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Built by hand from RFC 3550 figure 1: V=2, P=0, X=0, CC=1, M=1, PT=96.
    const ONE_CSRC: [u8; 18] = [
        0x81, 0xe0, 0x12, 0x34, 0x00, 0x00, 0x03, 0xe8, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00,
        0x07, 0xaa, 0xbb,
    ];

    #[test]
    fn reads_every_fixed_field() {
        let p = RtpPacket::parse(&ONE_CSRC).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 96);
        assert_eq!(p.sequence_number(), 0x1234);
        assert_eq!(p.timestamp(), 1000);
        assert_eq!(p.ssrc(), 0xdead_beef);
        assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![7]);
        assert_eq!(p.payload(), &[0xaa, 0xbb]);
        assert_eq!(p.header_len(), 16);
        assert!(p.extension().is_none());
    }

    #[test]
    fn strips_padding() {
        let mut pkt = ONE_CSRC.to_vec();
        pkt[0] |= 0x20;
        pkt.extend_from_slice(&[0, 0, 3]);
        let p = RtpPacket::parse(&pkt).unwrap();
        assert_eq!(p.payload(), &[0xaa, 0xbb]);
        assert_eq!(p.padding_len(), 3);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            RtpPacket::parse(&[]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            RtpPacket::parse(&ONE_CSRC[..13]),
            Err(Error::Truncated { .. })
        ));
        let mut v1 = ONE_CSRC;
        v1[0] = 0x41;
        assert_eq!(RtpPacket::parse(&v1), Err(Error::Version(1)));
        let mut zero_pad = ONE_CSRC;
        zero_pad[0] |= 0x20;
        zero_pad[17] = 0;
        assert!(matches!(
            RtpPacket::parse(&zero_pad),
            Err(Error::Malformed { .. })
        ));
        let mut over_pad = ONE_CSRC;
        over_pad[0] |= 0x20;
        over_pad[17] = 3;
        assert!(matches!(
            RtpPacket::parse(&over_pad),
            Err(Error::Malformed { .. })
        ));
        let mut ext = ONE_CSRC.to_vec();
        ext[0] |= 0x10;
        assert!(matches!(
            RtpPacket::parse(&ext),
            Err(Error::Truncated { .. })
        ));
    }
}
