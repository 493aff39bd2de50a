//! RTCP (RFC 3550 section 6): compound packets, reports, SDES, BYE, APP,
//! feedback (RFC 4585, RFC 5104), XR kept opaque, reduced-size RTCP
//! (RFC 5506) and keyframe requests.
//!
//! ```
//! use tolk_media::rtcp::{self, PayloadFeedback, RtcpPacket, SourceDescription, ReceiverReport};
//!
//! let compound = rtcp::encode_compound(&[
//!     RtcpPacket::ReceiverReport(ReceiverReport { ssrc: 1, ..Default::default() }),
//!     RtcpPacket::SourceDescription(SourceDescription::cname(1, b"tolk@example")),
//!     rtcp::keyframe::pli(1, 0xabcd),
//! ])?;
//! let packets = rtcp::parse_compound(&compound)?;
//! assert!(rtcp::is_full_compound(&packets));
//! let asks: Vec<_> = rtcp::keyframe::requests(&packets).collect();
//! assert_eq!(asks, [rtcp::keyframe::KeyframeRequest::Pli { media_ssrc: 0xabcd }]);
//! # Ok::<(), tolk_media::Error>(())
//! ```

mod feedback;
mod goodbye;
mod header;
pub mod keyframe;
mod report;
mod sdes;

#[cfg(test)]
mod proptests;

pub use feedback::{
    FMT_AFB, FMT_FIR, FMT_NACK, FMT_PLI, FirEntry, NackPair, OpaqueFeedback, PSFB, PayloadFeedback,
    RTPFB, TransportFeedback, nack_pairs,
};
pub use goodbye::{APP, App, BYE, Goodbye};
pub use header::{HEADER_LEN, RawPackets, RawRtcp, raw_packets};
pub use report::{CUMULATIVE_LOST_RANGE, RR, ReceiverReport, ReportBlock, SR, SenderReport};
pub use sdes::{SDES, SdesChunk, SdesItem, SourceDescription, item as sdes_item};

use crate::Error;

/// Packet type of an extended report (RFC 3611).
pub const XR: u8 = 207;

/// A packet Tolk does not interpret, kept whole (XR, or an unknown type).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpaquePacket {
    /// The packet type.
    pub packet_type: u8,
    /// The 5-bit count field.
    pub count: u8,
    /// The body after the common header, without padding.
    pub body: Vec<u8>,
}

/// One interpreted RTCP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// SR (200).
    SenderReport(SenderReport),
    /// RR (201).
    ReceiverReport(ReceiverReport),
    /// SDES (202).
    SourceDescription(SourceDescription),
    /// BYE (203).
    Goodbye(Goodbye),
    /// APP (204).
    App(App),
    /// RTPFB (205).
    TransportFeedback(TransportFeedback),
    /// PSFB (206).
    PayloadFeedback(PayloadFeedback),
    /// XR (207), kept opaque.
    ExtendedReport(OpaquePacket),
    /// Any other packet type, kept opaque.
    Unknown(OpaquePacket),
}

impl RtcpPacket {
    /// Interprets one raw packet.
    pub fn parse(raw: &RawRtcp<'_>) -> Result<Self, Error> {
        let (count, body) = (raw.count, raw.body);
        Ok(match raw.packet_type {
            SR => RtcpPacket::SenderReport(SenderReport::parse(count, body)?),
            RR => RtcpPacket::ReceiverReport(ReceiverReport::parse(count, body)?),
            SDES => RtcpPacket::SourceDescription(SourceDescription::parse(count, body)?),
            BYE => RtcpPacket::Goodbye(Goodbye::parse(count, body)?),
            APP => RtcpPacket::App(App::parse(count, body)?),
            RTPFB => RtcpPacket::TransportFeedback(TransportFeedback::parse(count, body)?),
            PSFB => RtcpPacket::PayloadFeedback(PayloadFeedback::parse(count, body)?),
            packet_type => {
                let opaque = OpaquePacket {
                    packet_type,
                    count,
                    body: body.to_vec(),
                };
                if packet_type == XR {
                    RtcpPacket::ExtendedReport(opaque)
                } else {
                    RtcpPacket::Unknown(opaque)
                }
            }
        })
    }

    /// The packet type this packet is written with.
    pub fn packet_type(&self) -> u8 {
        match self {
            RtcpPacket::SenderReport(_) => SR,
            RtcpPacket::ReceiverReport(_) => RR,
            RtcpPacket::SourceDescription(_) => SDES,
            RtcpPacket::Goodbye(_) => BYE,
            RtcpPacket::App(_) => APP,
            RtcpPacket::TransportFeedback(_) => RTPFB,
            RtcpPacket::PayloadFeedback(_) => PSFB,
            RtcpPacket::ExtendedReport(o) | RtcpPacket::Unknown(o) => o.packet_type,
        }
    }

    /// Appends the packet, header included, to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let mut body = Vec::new();
        let count = match self {
            RtcpPacket::SenderReport(p) => p.write_body(&mut body)?,
            RtcpPacket::ReceiverReport(p) => p.write_body(&mut body)?,
            RtcpPacket::SourceDescription(p) => p.write_body(&mut body)?,
            RtcpPacket::Goodbye(p) => p.write_body(&mut body)?,
            RtcpPacket::App(p) => p.write_body(&mut body)?,
            RtcpPacket::TransportFeedback(p) => p.write_body(&mut body)?,
            RtcpPacket::PayloadFeedback(p) => p.write_body(&mut body)?,
            RtcpPacket::ExtendedReport(o) | RtcpPacket::Unknown(o) => {
                body.extend_from_slice(&o.body);
                o.count
            }
        };
        header::write_packet(count, self.packet_type(), &body, out)
    }
}

/// Parses every packet of a compound (or reduced-size) RTCP datagram.
pub fn parse_compound(datagram: &[u8]) -> Result<Vec<RtcpPacket>, Error> {
    if datagram.is_empty() {
        return Err(Error::truncated("RTCP compound packet", HEADER_LEN, 0));
    }
    raw_packets(datagram)
        .map(|raw| RtcpPacket::parse(&raw?))
        .collect()
}

/// Writes packets back to back as one datagram.
pub fn encode_compound(packets: &[RtcpPacket]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for p in packets {
        p.write_to(&mut out)?;
    }
    Ok(out)
}

/// True when packets form a full compound (RFC 3550 section 6.1): an SR or
/// RR first and an SDES with a CNAME. Anything else is reduced-size RTCP
/// (RFC 5506), which only a peer that negotiated `a=rtcp-rsize` accepts.
pub fn is_full_compound(packets: &[RtcpPacket]) -> bool {
    let report_first = matches!(
        packets.first(),
        Some(RtcpPacket::SenderReport(_) | RtcpPacket::ReceiverReport(_))
    );
    let has_cname = packets.iter().any(|p| match p {
        RtcpPacket::SourceDescription(s) => s
            .chunks
            .iter()
            .any(|c| c.items.iter().any(|i| i.kind == sdes_item::CNAME)),
        _ => false,
    });
    report_first && has_cname
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_alone_is_reduced_size() {
        let packets = [keyframe::pli(1, 2)];
        let bytes = encode_compound(&packets).unwrap();
        assert_eq!(bytes.len(), 12);
        let parsed = parse_compound(&bytes).unwrap();
        assert_eq!(parsed, packets);
        assert!(!is_full_compound(&parsed));
    }

    #[test]
    fn empty_and_junk_datagrams_are_errors() {
        assert!(parse_compound(&[]).is_err());
        assert!(parse_compound(&[0x80, 200, 0, 0]).is_err());
        assert!(parse_compound(&[0x81, 201, 0, 1, 0, 0, 0, 1]).is_err());
    }

    #[test]
    fn xr_and_unknown_types_are_kept() {
        let packets = [
            RtcpPacket::ExtendedReport(OpaquePacket {
                packet_type: XR,
                count: 0,
                body: vec![0, 0, 0, 1, 4, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0],
            }),
            RtcpPacket::Unknown(OpaquePacket {
                packet_type: 195,
                count: 3,
                body: vec![9, 9, 9, 9],
            }),
        ];
        let bytes = encode_compound(&packets).unwrap();
        assert_eq!(parse_compound(&bytes).unwrap(), packets);
    }
}
