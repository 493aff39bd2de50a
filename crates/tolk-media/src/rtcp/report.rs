//! Sender and receiver reports (RFC 3550 sections 6.4.1 and 6.4.2).

use crate::Error;
use crate::wire::Reader;

/// Packet type of a sender report.
pub const SR: u8 = 200;
/// Packet type of a receiver report.
pub const RR: u8 = 201;

/// One reception report block (24 bytes on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction of packets lost since the last report, in 1/256ths.
    pub fraction_lost: u8,
    /// Cumulative packets lost: a signed 24-bit value.
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received (LSR).
    pub last_sender_report: u32,
    /// Delay since that SR in 1/65536 seconds (DLSR).
    pub delay_since_last_sender_report: u32,
}

/// Bounds of the 24-bit signed cumulative-lost field.
pub const CUMULATIVE_LOST_RANGE: core::ops::RangeInclusive<i32> = -0x80_0000..=0x7f_ffff;

impl ReportBlock {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let ssrc = r.u32()?;
        let loss = r.u32()?;
        // Sign-extend the low 24 bits.
        let cumulative_lost = ((loss << 8) as i32) >> 8;
        Ok(ReportBlock {
            ssrc,
            fraction_lost: (loss >> 24) as u8,
            cumulative_lost,
            highest_sequence: r.u32()?,
            jitter: r.u32()?,
            last_sender_report: r.u32()?,
            delay_since_last_sender_report: r.u32()?,
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        let lost = self
            .cumulative_lost
            .clamp(*CUMULATIVE_LOST_RANGE.start(), *CUMULATIVE_LOST_RANGE.end());
        let loss = (u32::from(self.fraction_lost) << 24) | (lost as u32 & 0x00ff_ffff);
        for word in [
            self.ssrc,
            loss,
            self.highest_sequence,
            self.jitter,
            self.last_sender_report,
            self.delay_since_last_sender_report,
        ] {
            out.extend_from_slice(&word.to_be_bytes());
        }
    }
}

/// A sender report: sender info plus reception report blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderReport {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// NTP timestamp (64-bit fixed point seconds since 1900).
    pub ntp_time: u64,
    /// The RTP timestamp matching `ntp_time`.
    pub rtp_time: u32,
    /// Packets sent since the start of transmission.
    pub packet_count: u32,
    /// Payload octets sent since the start of transmission.
    pub octet_count: u32,
    /// Reception report blocks, at most 31.
    pub reports: Vec<ReportBlock>,
    /// Profile-specific extension bytes, kept as they came.
    pub extension: Vec<u8>,
}

/// A receiver report: reception report blocks only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverReport {
    /// The reporter's SSRC.
    pub ssrc: u32,
    /// Reception report blocks, at most 31.
    pub reports: Vec<ReportBlock>,
    /// Profile-specific extension bytes, kept as they came.
    pub extension: Vec<u8>,
}

fn read_blocks(count: u8, r: &mut Reader<'_>) -> Result<Vec<ReportBlock>, Error> {
    (0..count).map(|_| ReportBlock::read(r)).collect()
}

fn block_count(reports: &[ReportBlock]) -> Result<u8, Error> {
    u8::try_from(reports.len())
        .ok()
        .filter(|&n| n <= 31)
        .ok_or(Error::TooLarge {
            what: "RTCP report block list",
        })
}

impl SenderReport {
    pub(crate) fn parse(count: u8, body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("RTCP sender report", body);
        Ok(SenderReport {
            ssrc: r.u32()?,
            ntp_time: r.u64()?,
            rtp_time: r.u32()?,
            packet_count: r.u32()?,
            octet_count: r.u32()?,
            reports: read_blocks(count, &mut r)?,
            extension: r.rest().to_vec(),
        })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<u8, Error> {
        let count = block_count(&self.reports)?;
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.ntp_time.to_be_bytes());
        for word in [self.rtp_time, self.packet_count, self.octet_count] {
            out.extend_from_slice(&word.to_be_bytes());
        }
        self.reports.iter().for_each(|b| b.write(out));
        out.extend_from_slice(&self.extension);
        Ok(count)
    }
}

impl ReceiverReport {
    pub(crate) fn parse(count: u8, body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("RTCP receiver report", body);
        Ok(ReceiverReport {
            ssrc: r.u32()?,
            reports: read_blocks(count, &mut r)?,
            extension: r.rest().to_vec(),
        })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<u8, Error> {
        let count = block_count(&self.reports)?;
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        self.reports.iter().for_each(|b| b.write(out));
        out.extend_from_slice(&self.extension);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_cumulative_loss_survives_the_24_bit_field() {
        let rr = ReceiverReport {
            ssrc: 1,
            reports: vec![ReportBlock {
                ssrc: 2,
                fraction_lost: 0x80,
                cumulative_lost: -3,
                ..Default::default()
            }],
            extension: vec![],
        };
        let mut body = Vec::new();
        let count = rr.write_body(&mut body).unwrap();
        assert_eq!(&body[8..12], &[0x80, 0xff, 0xff, 0xfd]);
        assert_eq!(ReceiverReport::parse(count, &body).unwrap(), rr);
    }

    #[test]
    fn a_count_larger_than_the_body_is_truncation() {
        let body = [0u8; 4 + 24];
        assert!(ReceiverReport::parse(1, &body).is_ok());
        assert!(matches!(
            ReceiverReport::parse(2, &body),
            Err(Error::Truncated { .. })
        ));
        assert!(SenderReport::parse(0, &body[..20]).is_err());
    }
}
