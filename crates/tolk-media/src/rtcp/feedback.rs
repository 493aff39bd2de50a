//! Feedback messages (RFC 4585 section 6): transport-layer NACK, and the
//! payload-specific PLI, FIR (RFC 5104 section 4.3.1) and REMB (kept opaque).

use crate::Error;
use crate::wire::Reader;

/// Packet type of transport-layer feedback.
pub const RTPFB: u8 = 205;
/// Packet type of payload-specific feedback.
pub const PSFB: u8 = 206;

/// FMT of a Generic NACK (RTPFB).
pub const FMT_NACK: u8 = 1;
/// FMT of a Picture Loss Indication (PSFB).
pub const FMT_PLI: u8 = 1;
/// FMT of a Full Intra Request (PSFB).
pub const FMT_FIR: u8 = 4;
/// FMT of application-layer feedback, which REMB uses (PSFB).
pub const FMT_AFB: u8 = 15;

/// A feedback message Tolk does not interpret, kept whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpaqueFeedback {
    /// The FMT field.
    pub fmt: u8,
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// Feedback control information, as received.
    pub fci: Vec<u8>,
}

/// One Generic NACK entry: a lost packet and a bitmask of the 16 after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NackPair {
    /// Packet ID: the first lost sequence number.
    pub packet_id: u16,
    /// Bitmask of following lost packets (bit i = `packet_id + i + 1`).
    pub lost_bitmask: u16,
}

impl NackPair {
    /// Every sequence number this entry reports lost.
    pub fn lost(self) -> impl Iterator<Item = u16> {
        let following = (0..16u16)
            .filter(move |i| self.lost_bitmask & (1 << i) != 0)
            .map(move |i| self.packet_id.wrapping_add(i + 1));
        std::iter::once(self.packet_id).chain(following)
    }
}

/// Packs lost sequence numbers (in order) into as few NACK entries as the
/// 17-packet window allows.
pub fn nack_pairs(lost: impl IntoIterator<Item = u16>) -> Vec<NackPair> {
    let mut pairs: Vec<NackPair> = Vec::new();
    for seq in lost {
        if let Some(last) = pairs.last_mut() {
            let distance = seq.wrapping_sub(last.packet_id);
            if (1..=16).contains(&distance) {
                last.lost_bitmask |= 1 << (distance - 1);
                continue;
            }
        }
        pairs.push(NackPair {
            packet_id: seq,
            lost_bitmask: 0,
        });
    }
    pairs
}

/// One Full Intra Request entry (RFC 5104 section 4.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirEntry {
    /// The media sender asked for a decoder refresh point.
    pub ssrc: u32,
    /// Command sequence number: same value = a repeat of the same request.
    pub sequence: u8,
}

/// Transport-layer feedback (packet type 205).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFeedback {
    /// Generic NACK (RFC 4585 section 6.2.1).
    Nack {
        /// SSRC of the packet sender.
        sender_ssrc: u32,
        /// SSRC of the media source whose packets were lost.
        media_ssrc: u32,
        /// The lost packets.
        pairs: Vec<NackPair>,
    },
    /// Any other FMT (e.g. transport-wide congestion control), kept whole.
    Other(OpaqueFeedback),
}

/// Payload-specific feedback (packet type 206).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadFeedback {
    /// Picture Loss Indication (RFC 4585 section 6.3.1).
    Pli {
        /// SSRC of the packet sender.
        sender_ssrc: u32,
        /// SSRC of the media source that should send a keyframe.
        media_ssrc: u32,
    },
    /// Full Intra Request (RFC 5104 section 4.3.1); the media SSRC field is 0.
    Fir {
        /// SSRC of the packet sender.
        sender_ssrc: u32,
        /// One entry per media sender asked.
        entries: Vec<FirEntry>,
    },
    /// Receiver Estimated Maximum Bitrate: application-layer feedback whose
    /// FCI starts with "REMB", kept opaque.
    Remb(OpaqueFeedback),
    /// Any other FMT, kept whole.
    Other(OpaqueFeedback),
}

fn read_common(what: &'static str, fmt: u8, body: &[u8]) -> Result<OpaqueFeedback, Error> {
    let mut r = Reader::new(what, body);
    Ok(OpaqueFeedback {
        fmt,
        sender_ssrc: r.u32()?,
        media_ssrc: r.u32()?,
        fci: r.rest().to_vec(),
    })
}

fn write_common(sender: u32, media: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&sender.to_be_bytes());
    out.extend_from_slice(&media.to_be_bytes());
}

impl TransportFeedback {
    pub(crate) fn parse(fmt: u8, body: &[u8]) -> Result<Self, Error> {
        let common = read_common("RTCP transport feedback", fmt, body)?;
        if fmt != FMT_NACK {
            return Ok(TransportFeedback::Other(common));
        }
        if common.fci.len() % 4 != 0 {
            return Err(Error::malformed("RTCP NACK", "whole 4-byte entries"));
        }
        let pairs = common
            .fci
            .chunks_exact(4)
            .map(|c| NackPair {
                packet_id: u16::from_be_bytes([c[0], c[1]]),
                lost_bitmask: u16::from_be_bytes([c[2], c[3]]),
            })
            .collect();
        Ok(TransportFeedback::Nack {
            sender_ssrc: common.sender_ssrc,
            media_ssrc: common.media_ssrc,
            pairs,
        })
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<u8, Error> {
        match self {
            TransportFeedback::Nack {
                sender_ssrc,
                media_ssrc,
                pairs,
            } => {
                write_common(*sender_ssrc, *media_ssrc, out);
                for p in pairs {
                    out.extend_from_slice(&p.packet_id.to_be_bytes());
                    out.extend_from_slice(&p.lost_bitmask.to_be_bytes());
                }
                Ok(FMT_NACK)
            }
            TransportFeedback::Other(o) => write_opaque(o, out),
        }
    }
}

fn write_opaque(o: &OpaqueFeedback, out: &mut Vec<u8>) -> Result<u8, Error> {
    write_common(o.sender_ssrc, o.media_ssrc, out);
    out.extend_from_slice(&o.fci);
    Ok(o.fmt)
}

impl PayloadFeedback {
    pub(crate) fn parse(fmt: u8, body: &[u8]) -> Result<Self, Error> {
        let common = read_common("RTCP payload-specific feedback", fmt, body)?;
        match fmt {
            FMT_PLI => Ok(PayloadFeedback::Pli {
                sender_ssrc: common.sender_ssrc,
                media_ssrc: common.media_ssrc,
            }),
            FMT_FIR => {
                if common.fci.len() % 8 != 0 {
                    return Err(Error::malformed("RTCP FIR", "whole 8-byte entries"));
                }
                let entries = common
                    .fci
                    .chunks_exact(8)
                    .map(|c| FirEntry {
                        ssrc: u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                        sequence: c[4],
                    })
                    .collect();
                Ok(PayloadFeedback::Fir {
                    sender_ssrc: common.sender_ssrc,
                    entries,
                })
            }
            FMT_AFB if common.fci.starts_with(b"REMB") => Ok(PayloadFeedback::Remb(common)),
            _ => Ok(PayloadFeedback::Other(common)),
        }
    }

    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<u8, Error> {
        match self {
            PayloadFeedback::Pli {
                sender_ssrc,
                media_ssrc,
            } => {
                write_common(*sender_ssrc, *media_ssrc, out);
                Ok(FMT_PLI)
            }
            PayloadFeedback::Fir {
                sender_ssrc,
                entries,
            } => {
                write_common(*sender_ssrc, 0, out);
                for e in entries {
                    out.extend_from_slice(&e.ssrc.to_be_bytes());
                    out.extend_from_slice(&[e.sequence, 0, 0, 0]);
                }
                Ok(FMT_FIR)
            }
            PayloadFeedback::Remb(o) | PayloadFeedback::Other(o) => write_opaque(o, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nack_pairs_pack_and_unpack() {
        let lost = [10u16, 11, 26, 27, 65535, 0];
        let pairs = nack_pairs(lost);
        assert_eq!(
            pairs,
            vec![
                NackPair {
                    packet_id: 10,
                    lost_bitmask: 0x8001
                },
                NackPair {
                    packet_id: 27,
                    lost_bitmask: 0
                },
                NackPair {
                    packet_id: 65535,
                    lost_bitmask: 1
                },
            ]
        );
        let back: Vec<u16> = pairs.iter().flat_map(|p| p.lost()).collect();
        assert_eq!(back, lost);
    }

    #[test]
    fn fci_must_be_whole_entries() {
        let body = [0, 0, 0, 1, 0, 0, 0, 2, 1, 2];
        assert!(TransportFeedback::parse(FMT_NACK, &body).is_err());
        assert!(PayloadFeedback::parse(FMT_FIR, &body).is_err());
        assert!(PayloadFeedback::parse(FMT_PLI, &body[..7]).is_err());
    }

    #[test]
    fn remb_is_recognised_by_its_identifier() {
        let mut body = vec![0, 0, 0, 1, 0, 0, 0, 0];
        body.extend_from_slice(b"REMB\x01\x0a\x00\x10\x00\x00\x00\x09");
        assert!(matches!(
            PayloadFeedback::parse(FMT_AFB, &body).unwrap(),
            PayloadFeedback::Remb(_)
        ));
    }
}
