//! Sender statistics and the reports of a leg whose RTCP Tolk terminates.

use std::time::Duration;

use crate::rtcp::{ReceiverReport, ReportBlock, RtcpPacket, SenderReport, SourceDescription};

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The 64-bit NTP timestamp for a time given as a duration since the Unix
/// epoch (the caller reads the wall clock; this crate never does).
pub fn ntp_time(since_unix_epoch: Duration) -> u64 {
    let seconds = since_unix_epoch.as_secs() + NTP_UNIX_OFFSET;
    let fraction = (u64::from(since_unix_epoch.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

/// Counts what one local source has sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendStats {
    /// The local SSRC.
    pub ssrc: u32,
    /// Packets sent.
    pub packets: u32,
    /// Payload octets sent.
    pub octets: u32,
}

impl SendStats {
    /// Counters for `ssrc`, all zero.
    pub fn new(ssrc: u32) -> Self {
        SendStats {
            ssrc,
            ..Default::default()
        }
    }

    /// Records one packet with `payload_len` payload octets.
    pub fn on_sent(&mut self, payload_len: usize) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload_len as u32);
    }
}

/// Builds the compound report for one local source: an SR when it has
/// sent since the last report (`sending`), an RR otherwise, then the SDES
/// CNAME that every compound packet carries (RFC 3550 section 6.1).
///
/// `ntp_now` and `rtp_now` describe the same instant on the wall clock and
/// the RTP clock. Blocks beyond 31 go into further RRs.
pub fn compound_report(
    stats: &SendStats,
    sending: bool,
    ntp_now: u64,
    rtp_now: u32,
    mut blocks: Vec<ReportBlock>,
    cname: &[u8],
) -> Vec<RtcpPacket> {
    let rest = blocks.split_off(blocks.len().min(31));
    let first = if sending {
        RtcpPacket::SenderReport(SenderReport {
            ssrc: stats.ssrc,
            ntp_time: ntp_now,
            rtp_time: rtp_now,
            packet_count: stats.packets,
            octet_count: stats.octets,
            reports: blocks,
            extension: Vec::new(),
        })
    } else {
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: stats.ssrc,
            reports: blocks,
            extension: Vec::new(),
        })
    };
    let mut packets = vec![first];
    packets.extend(rest.chunks(31).map(|chunk| {
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: stats.ssrc,
            reports: chunk.to_vec(),
            extension: Vec::new(),
        })
    }));
    packets.push(RtcpPacket::SourceDescription(SourceDescription::cname(
        stats.ssrc, cname,
    )));
    packets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::{encode_compound, is_full_compound, parse_compound};

    #[test]
    fn ntp_epoch_offset() {
        let t = ntp_time(Duration::new(1, 500_000_000));
        assert_eq!(t >> 32, NTP_UNIX_OFFSET + 1);
        assert_eq!(t as u32, 0x8000_0000);
    }

    #[test]
    fn reports_are_full_compounds() {
        let mut s = SendStats::new(42);
        s.on_sent(160);
        s.on_sent(160);
        let blocks = vec![ReportBlock::default(); 40];
        let packets = compound_report(&s, true, 1 << 32, 320, blocks, b"tolk");
        let parsed = parse_compound(&encode_compound(&packets).unwrap()).unwrap();
        assert!(is_full_compound(&parsed));
        let RtcpPacket::SenderReport(sr) = &parsed[0] else {
            panic!("expected SR first");
        };
        assert_eq!(
            (sr.packet_count, sr.octet_count, sr.reports.len()),
            (2, 320, 31)
        );
        assert!(matches!(&parsed[1], RtcpPacket::ReceiverReport(rr) if rr.reports.len() == 9));
        let quiet = compound_report(&s, false, 0, 0, vec![], b"tolk");
        assert!(matches!(quiet[0], RtcpPacket::ReceiverReport(_)));
    }
}
