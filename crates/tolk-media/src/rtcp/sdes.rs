//! Source description (RFC 3550 section 6.5).

use crate::Error;
use crate::wire::{Reader, pad4};

/// Packet type of an SDES packet.
pub const SDES: u8 = 202;

/// SDES item types (RFC 3550 section 6.5; 0 ends a chunk's item list).
pub mod item {
    /// Canonical end-point identifier.
    pub const CNAME: u8 = 1;
    /// User name.
    pub const NAME: u8 = 2;
    /// Electronic mail address.
    pub const EMAIL: u8 = 3;
    /// Phone number.
    pub const PHONE: u8 = 4;
    /// Geographic location.
    pub const LOC: u8 = 5;
    /// Application or tool name.
    pub const TOOL: u8 = 6;
    /// Notice/status.
    pub const NOTE: u8 = 7;
    /// Private extension.
    pub const PRIV: u8 = 8;
}

/// One SDES item: a type (never 0) and up to 255 octets of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItem {
    /// The item type; see [`item`].
    pub kind: u8,
    /// The item's value, UTF-8 by the RFC but kept as bytes.
    pub value: Vec<u8>,
}

/// The items describing one source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SdesChunk {
    /// The described SSRC or CSRC.
    pub ssrc: u32,
    /// The items, in order.
    pub items: Vec<SdesItem>,
}

/// A source description packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceDescription {
    /// One chunk per source, at most 31.
    pub chunks: Vec<SdesChunk>,
}

impl SourceDescription {
    /// A packet carrying one source's CNAME: what every compound needs.
    pub fn cname(ssrc: u32, cname: &[u8]) -> Self {
        SourceDescription {
            chunks: vec![SdesChunk {
                ssrc,
                items: vec![SdesItem {
                    kind: item::CNAME,
                    value: cname.to_vec(),
                }],
            }],
        }
    }

    pub(crate) fn parse(count: u8, body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("RTCP SDES chunk", body);
        let mut chunks = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let start = r.position();
            let ssrc = r.u32()?;
            let mut items = Vec::new();
            loop {
                let kind = r.u8()?;
                if kind == 0 {
                    break;
                }
                let len = r.u8()?;
                items.push(SdesItem {
                    kind,
                    value: r.bytes(usize::from(len))?.to_vec(),
                });
            }
            // Null octets pad the chunk to a 32-bit boundary.
            let used = r.position() - start;
            r.bytes(pad4(used) - used)?;
            chunks.push(SdesChunk { ssrc, items });
        }
        Ok(SourceDescription { chunks })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<u8, Error> {
        let count = u8::try_from(self.chunks.len())
            .ok()
            .filter(|&n| n <= 31)
            .ok_or(Error::TooLarge {
                what: "RTCP SDES chunk list",
            })?;
        for chunk in &self.chunks {
            let start = out.len();
            out.extend_from_slice(&chunk.ssrc.to_be_bytes());
            for it in &chunk.items {
                let len = u8::try_from(it.value.len()).map_err(|_| Error::TooLarge {
                    what: "RTCP SDES item",
                })?;
                if it.kind == 0 {
                    return Err(Error::malformed("RTCP SDES item", "a non-zero item type"));
                }
                out.extend_from_slice(&[it.kind, len]);
                out.extend_from_slice(&it.value);
            }
            // At least one null octet ends the list, then pad to a word.
            let used = out.len() - start + 1;
            out.extend(std::iter::repeat_n(0, 1 + pad4(used) - used));
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cname_chunk_is_padded_with_nulls() {
        let sdes = SourceDescription::cname(0x0102_0304, b"ab");
        let mut body = Vec::new();
        let count = sdes.write_body(&mut body).unwrap();
        assert_eq!(body, [1, 2, 3, 4, item::CNAME, 2, b'a', b'b', 0, 0, 0, 0]);
        assert_eq!(SourceDescription::parse(count, &body).unwrap(), sdes);
    }

    #[test]
    fn chunk_without_terminator_is_truncated() {
        let body = [0, 0, 0, 1, item::CNAME, 9, b'x'];
        assert!(matches!(
            SourceDescription::parse(1, &body),
            Err(Error::Truncated { .. })
        ));
    }
}
