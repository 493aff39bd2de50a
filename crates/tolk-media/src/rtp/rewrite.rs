//! In-place header rewriting: the relay's hot path changes payload type,
//! SSRC, sequence number, timestamp and marker without copying the packet.

use super::packet::FIXED_HEADER_LEN;
use crate::Error;
use crate::wire::{u16_at, u32_at};

/// A mutable view of the fixed RTP header at the start of a buffer.
///
/// Works on anything that derefs to `[u8]` (`&mut [u8]`, `BytesMut`,
/// `Vec<u8>`); only the fixed 12 bytes are touched.
#[derive(Debug)]
pub struct RtpHeaderMut<'a> {
    header: &'a mut [u8; FIXED_HEADER_LEN],
}

impl<'a> RtpHeaderMut<'a> {
    /// Checks that `buf` starts with a version 2 fixed header.
    pub fn new(buf: &'a mut [u8]) -> Result<Self, Error> {
        let available = buf.len();
        let header: &mut [u8; FIXED_HEADER_LEN] = buf
            .get_mut(..FIXED_HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(Error::truncated("RTP header", FIXED_HEADER_LEN, available))?;
        let version = header[0] >> 6;
        if version != 2 {
            return Err(Error::Version(version));
        }
        Ok(RtpHeaderMut { header })
    }

    /// The marker bit.
    pub fn marker(&self) -> bool {
        self.header[1] & 0x80 != 0
    }

    /// The payload type.
    pub fn payload_type(&self) -> u8 {
        self.header[1] & 0x7f
    }

    /// The sequence number.
    pub fn sequence_number(&self) -> u16 {
        u16_at(&self.header[..], 2).unwrap_or(0)
    }

    /// The RTP timestamp.
    pub fn timestamp(&self) -> u32 {
        u32_at(&self.header[..], 4).unwrap_or(0)
    }

    /// The synchronisation source.
    pub fn ssrc(&self) -> u32 {
        u32_at(&self.header[..], 8).unwrap_or(0)
    }

    /// Sets the marker bit.
    pub fn set_marker(&mut self, marker: bool) {
        self.header[1] = (self.header[1] & 0x7f) | (u8::from(marker) << 7);
    }

    /// Sets the payload type; only its low 7 bits are kept.
    pub fn set_payload_type(&mut self, payload_type: u8) {
        self.header[1] = (self.header[1] & 0x80) | (payload_type & 0x7f);
    }

    /// Sets the sequence number.
    pub fn set_sequence_number(&mut self, seq: u16) {
        self.header[2..4].copy_from_slice(&seq.to_be_bytes());
    }

    /// Sets the RTP timestamp.
    pub fn set_timestamp(&mut self, timestamp: u32) {
        self.header[4..8].copy_from_slice(&timestamp.to_be_bytes());
    }

    /// Sets the synchronisation source.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.header[8..12].copy_from_slice(&ssrc.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::RtpPacket;

    #[test]
    fn rewrites_each_field_and_nothing_else() {
        let mut pkt = [
            0x80, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xaa, 0xbb, 0xcc, 0xdd,
        ];
        let mut h = RtpHeaderMut::new(&mut pkt).unwrap();
        h.set_marker(true);
        h.set_payload_type(0xff);
        h.set_sequence_number(0xfffe);
        h.set_timestamp(0x0102_0304);
        h.set_ssrc(0xcafe_f00d);
        assert_eq!(h.payload_type(), 0x7f);
        let p = RtpPacket::parse(&pkt).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 0x7f);
        assert_eq!(p.sequence_number(), 0xfffe);
        assert_eq!(p.timestamp(), 0x0102_0304);
        assert_eq!(p.ssrc(), 0xcafe_f00d);
        assert_eq!(p.payload(), &[0xaa, 0xbb, 0xcc, 0xdd]);
    }

    #[test]
    fn refuses_short_or_foreign_buffers() {
        assert!(RtpHeaderMut::new(&mut [0x80; 11]).is_err());
        assert_eq!(
            RtpHeaderMut::new(&mut [0x00; 12]).unwrap_err(),
            Error::Version(0)
        );
    }
}
