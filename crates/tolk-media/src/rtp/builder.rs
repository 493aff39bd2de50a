//! Writing RTP packets into a caller's buffer.

use bytes::BytesMut;

use super::extension::{ExtensionElement, elements_len, form_for, write_elements};
use super::packet::FIXED_HEADER_LEN;
use crate::Error;
use crate::wire::pad4;

/// Everything needed to write one RTP packet; borrowed parts are not copied
/// until [`RtpBuilder::write_to`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtpBuilder<'a> {
    /// The marker bit.
    pub marker: bool,
    /// Payload type, 0-127.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence_number: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Contributing sources, at most 15.
    pub csrcs: &'a [u32],
    /// RFC 8285 header extension elements; the smallest form that fits is used.
    pub extensions: &'a [ExtensionElement<'a>],
    /// The payload.
    pub payload: &'a [u8],
    /// Padding octets to append (0 for none); the last one carries the count.
    pub padding: u8,
}

impl RtpBuilder<'_> {
    fn extension_data_len(&self) -> Result<usize, Error> {
        if self.extensions.is_empty() {
            return Ok(0);
        }
        let form = form_for(self.extensions)?;
        Ok(pad4(elements_len(form, self.extensions)))
    }

    /// The length of the packet this builder writes.
    pub fn encoded_len(&self) -> Result<usize, Error> {
        let ext = self.extension_data_len()?;
        let ext_block = if self.extensions.is_empty() {
            0
        } else {
            4 + ext
        };
        Ok(FIXED_HEADER_LEN
            + 4 * self.csrcs.len()
            + ext_block
            + self.payload.len()
            + usize::from(self.padding))
    }

    /// Writes the packet at the start of `out`; returns its length.
    pub fn write_to(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.payload_type > 0x7f {
            return Err(Error::TooLarge {
                what: "RTP payload type",
            });
        }
        let csrc_count = u8::try_from(self.csrcs.len())
            .ok()
            .filter(|&n| n <= 15)
            .ok_or(Error::TooLarge {
                what: "RTP CSRC list",
            })?;
        let ext_len = self.extension_data_len()?;
        let ext_words = u16::try_from(ext_len / 4).map_err(|_| Error::TooLarge {
            what: "RTP header extension",
        })?;
        let len = self.encoded_len()?;
        let available = out.len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall {
            needed: len,
            available,
        })?;

        let has_ext = !self.extensions.is_empty();
        let (header, rest) = out.split_at_mut(FIXED_HEADER_LEN);
        header[0] =
            0x80 | (u8::from(self.padding > 0) << 5) | (u8::from(has_ext) << 4) | csrc_count;
        header[1] = (u8::from(self.marker) << 7) | self.payload_type;
        header[2..4].copy_from_slice(&self.sequence_number.to_be_bytes());
        header[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        header[8..12].copy_from_slice(&self.ssrc.to_be_bytes());

        let (csrc_area, mut rest) = rest.split_at_mut(4 * self.csrcs.len());
        for (slot, csrc) in csrc_area.chunks_exact_mut(4).zip(self.csrcs) {
            slot.copy_from_slice(&csrc.to_be_bytes());
        }
        if has_ext {
            let form = form_for(self.extensions)?;
            let (ext_head, after) = rest.split_at_mut(4);
            ext_head[..2].copy_from_slice(&form.profile().to_be_bytes());
            ext_head[2..].copy_from_slice(&ext_words.to_be_bytes());
            let (ext_data, after) = after.split_at_mut(ext_len);
            write_elements(form, self.extensions, ext_data)?;
            rest = after;
        }
        let (payload, padding) = rest.split_at_mut(self.payload.len());
        payload.copy_from_slice(self.payload);
        padding.fill(0);
        if let Some(last) = padding.last_mut() {
            *last = self.padding;
        }
        Ok(len)
    }

    /// Appends the packet to `out`, growing it as needed.
    pub fn append_to(&self, out: &mut BytesMut) -> Result<(), Error> {
        let start = out.len();
        let len = self.encoded_len()?;
        out.resize(start + len, 0);
        match self.write_to(&mut out[start..]) {
            Ok(_) => Ok(()),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::RtpPacket;
    use proptest::prelude::*;

    #[test]
    fn refuses_too_small_buffers_and_bad_fields() {
        let b = RtpBuilder {
            payload: &[1, 2, 3],
            ..Default::default()
        };
        assert!(matches!(
            b.write_to(&mut [0; 14]),
            Err(Error::BufferTooSmall { needed: 15, .. })
        ));
        let pt = RtpBuilder {
            payload_type: 128,
            ..Default::default()
        };
        assert!(pt.write_to(&mut [0; 64]).is_err());
        let too_long = [0u8; 256];
        let ext = [ExtensionElement {
            id: 1,
            data: &too_long,
        }];
        let ext_builder = RtpBuilder {
            extensions: &ext,
            ..Default::default()
        };
        assert!(ext_builder.write_to(&mut [0; 512]).is_err());
    }

    #[test]
    fn appends_to_bytes_mut() {
        let mut out = BytesMut::from(&b"xx"[..]);
        let b = RtpBuilder {
            payload_type: 8,
            payload: &[9; 160],
            ..Default::default()
        };
        b.append_to(&mut out).unwrap();
        let p = RtpPacket::parse(&out[2..]).unwrap();
        assert_eq!(p.payload_type(), 8);
        assert_eq!(p.payload().len(), 160);
    }

    fn element() -> impl Strategy<Value = (u8, Vec<u8>)> {
        prop_oneof![
            (1u8..=14, prop::collection::vec(any::<u8>(), 1..=16)),
            (1u8..=255, prop::collection::vec(any::<u8>(), 0..=40)),
        ]
    }

    proptest! {
        #[test]
        fn build_then_parse_round_trips(
            marker: bool,
            payload_type in 0u8..=127,
            sequence_number: u16,
            timestamp: u32,
            ssrc: u32,
            csrcs in prop::collection::vec(any::<u32>(), 0..=15),
            raw_elements in prop::collection::vec(element(), 0..5),
            payload in prop::collection::vec(any::<u8>(), 0..300),
            padding: u8,
        ) {
            let elements: Vec<_> = raw_elements
                .iter()
                .map(|(id, data)| ExtensionElement { id: *id, data })
                .collect();
            let b = RtpBuilder {
                marker, payload_type, sequence_number, timestamp, ssrc,
                csrcs: &csrcs, extensions: &elements, payload: &payload, padding,
            };
            let mut buf = vec![0; b.encoded_len().unwrap()];
            let len = b.write_to(&mut buf).unwrap();
            prop_assert_eq!(len, buf.len());
            let p = RtpPacket::parse(&buf).unwrap();
            prop_assert_eq!(p.marker(), marker);
            prop_assert_eq!(p.payload_type(), payload_type);
            prop_assert_eq!(p.sequence_number(), sequence_number);
            prop_assert_eq!(p.timestamp(), timestamp);
            prop_assert_eq!(p.ssrc(), ssrc);
            prop_assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs);
            prop_assert_eq!(p.payload(), &payload[..]);
            prop_assert_eq!(p.padding_len(), usize::from(padding));
            let parsed: Vec<_> = p
                .extension()
                .map(|e| e.elements().collect::<Result<Vec<_>, _>>().unwrap())
                .unwrap_or_default();
            prop_assert_eq!(parsed, elements);
        }

        #[test]
        fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(p) = RtpPacket::parse(&bytes) {
                prop_assert!(p.header_len() + p.payload().len() + p.padding_len() == bytes.len());
                if let Some(ext) = p.extension() {
                    for e in ext.elements() { let _ = e; }
                }
            }
        }
    }
}
