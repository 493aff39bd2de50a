//! Packets and payload octets on each side of a transform, for the SR
//! counts of the stream it sends (see
//! [`SenderInfoMap`](crate::rewrite::rtcp::SenderInfoMap)): the source's
//! SR counts what it sent, the stream toward the leg holds what the
//! transform made of it, so the difference between what the transform
//! sent and what it took in moves the SR's counts onto the stream.

use tolk_media::rtp::RtpPacket;

/// One stream's packet and payload octet counts (RFC 3550 section 6.4.1:
/// payload only, wrapping), started again when its SSRC changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StreamCount {
    ssrc: Option<u32>,
    packets: u32,
    octets: u32,
}

impl StreamCount {
    /// Counts `packet`.
    pub(crate) fn add(&mut self, packet: &RtpPacket<'_>) {
        if self.ssrc != Some(packet.ssrc()) {
            *self = StreamCount {
                ssrc: Some(packet.ssrc()),
                ..StreamCount::default()
            };
        }
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(packet.payload().len() as u32);
    }

    /// Counts each packet of `packets` that parses (a transform's own
    /// output always does).
    pub(crate) fn add_all<'a>(&mut self, packets: impl Iterator<Item = &'a [u8]>) {
        for bytes in packets {
            if let Ok(packet) = RtpPacket::parse(bytes) {
                self.add(&packet);
            }
        }
    }

    /// Packets and octets of stream `ssrc` counted (none for another).
    pub(crate) fn of(&self, ssrc: u32) -> (u32, u32) {
        match self.ssrc {
            Some(counted) if counted == ssrc => (self.packets, self.octets),
            _ => (0, 0),
        }
    }
}
