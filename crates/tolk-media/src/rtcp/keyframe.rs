//! Keyframe requests: building and recognising PLI and FIR, with FIR
//! command sequence numbers per RFC 5104 section 4.3.1.
//!
//! The gateway translates these to and from H.245 videoFastUpdatePicture
//! and SIP INFO picture_fast_update; here they are just RTCP.

use std::collections::HashMap;

use super::{FirEntry, PayloadFeedback, RtcpPacket};

/// A request for a decoder refresh point, whichever message carried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyframeRequest {
    /// A Picture Loss Indication for this media source.
    Pli {
        /// The source asked to send a keyframe.
        media_ssrc: u32,
    },
    /// A Full Intra Request entry for this media source.
    Fir {
        /// The source asked to send a keyframe.
        media_ssrc: u32,
        /// The request's command sequence number.
        sequence: u8,
    },
}

impl KeyframeRequest {
    /// The source asked to send a keyframe.
    pub fn media_ssrc(&self) -> u32 {
        match *self {
            KeyframeRequest::Pli { media_ssrc } | KeyframeRequest::Fir { media_ssrc, .. } => {
                media_ssrc
            }
        }
    }
}

/// A PLI from `sender_ssrc` asking `media_ssrc` for a keyframe.
pub fn pli(sender_ssrc: u32, media_ssrc: u32) -> RtcpPacket {
    RtcpPacket::PayloadFeedback(PayloadFeedback::Pli {
        sender_ssrc,
        media_ssrc,
    })
}

/// Every keyframe request in a parsed compound packet.
pub fn requests(packets: &[RtcpPacket]) -> impl Iterator<Item = KeyframeRequest> + '_ {
    packets.iter().flat_map(|p| {
        let found: Vec<KeyframeRequest> = match p {
            RtcpPacket::PayloadFeedback(PayloadFeedback::Pli { media_ssrc, .. }) => {
                vec![KeyframeRequest::Pli {
                    media_ssrc: *media_ssrc,
                }]
            }
            RtcpPacket::PayloadFeedback(PayloadFeedback::Fir { entries, .. }) => entries
                .iter()
                .map(|e| KeyframeRequest::Fir {
                    media_ssrc: e.ssrc,
                    sequence: e.sequence,
                })
                .collect(),
            _ => Vec::new(),
        };
        found
    })
}

/// The sending side of FIR: one command sequence number per media source,
/// incremented for each new request (a retransmission reuses it).
#[derive(Debug, Clone, Default)]
pub struct FirSender {
    sender_ssrc: u32,
    next: HashMap<u32, u8>,
}

impl FirSender {
    /// A FIR sender whose packets carry `sender_ssrc`.
    pub fn new(sender_ssrc: u32) -> Self {
        FirSender {
            sender_ssrc,
            next: HashMap::new(),
        }
    }

    /// A new request to `media_ssrc`, with the next sequence number.
    pub fn request(&mut self, media_ssrc: u32) -> RtcpPacket {
        let slot = self.next.entry(media_ssrc).or_insert(0);
        let sequence = *slot;
        *slot = slot.wrapping_add(1);
        self.packet(media_ssrc, sequence)
    }

    /// The last request to `media_ssrc` again, for retransmission.
    pub fn repeat(&self, media_ssrc: u32) -> Option<RtcpPacket> {
        let next = self.next.get(&media_ssrc)?;
        Some(self.packet(media_ssrc, next.wrapping_sub(1)))
    }

    fn packet(&self, media_ssrc: u32, sequence: u8) -> RtcpPacket {
        RtcpPacket::PayloadFeedback(PayloadFeedback::Fir {
            sender_ssrc: self.sender_ssrc,
            entries: vec![FirEntry {
                ssrc: media_ssrc,
                sequence,
            }],
        })
    }
}

/// The receiving side of FIR: tells new requests from retransmissions,
/// per requesting sender and media source (RFC 5104 section 4.3.1.2).
#[derive(Debug, Clone, Default)]
pub struct FirReceiver {
    last: HashMap<(u32, u32), u8>,
}

/// (sender, media) SSRC pairs remembered; a real leg has a handful, and
/// SSRCs come from the wire, so the memory is bounded.
const FIR_PAIRS: usize = 64;

impl FirReceiver {
    /// True when this FIR entry from `sender_ssrc` is a new request, false
    /// when it repeats the last one seen. Past 64 (sender, media) pairs the
    /// memory starts over: at worst one retransmission counts as new.
    pub fn is_new(&mut self, sender_ssrc: u32, entry: FirEntry) -> bool {
        let key = (sender_ssrc, entry.ssrc);
        if self.last.len() >= FIR_PAIRS && !self.last.contains_key(&key) {
            self.last.clear();
        }
        self.last.insert(key, entry.sequence) != Some(entry.sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::{encode_compound, parse_compound};

    #[test]
    fn fir_memory_stays_bounded_whatever_the_ssrcs() {
        let mut rx = FirReceiver::default();
        for ssrc in 0..10_000u32 {
            let entry = FirEntry { ssrc, sequence: 1 };
            assert!(rx.is_new(7, entry));
            assert!(!rx.is_new(7, entry));
        }
        assert!(rx.last.len() <= FIR_PAIRS);
    }

    #[test]
    fn fir_sequence_numbers_increment_per_source_and_wrap() {
        let mut tx = FirSender::new(9);
        let mut rx = FirReceiver::default();
        let mut seen = Vec::new();
        for _ in 0..257 {
            let bytes = encode_compound(&[tx.request(5)]).unwrap();
            let parsed = parse_compound(&bytes).unwrap();
            for req in requests(&parsed) {
                let KeyframeRequest::Fir {
                    media_ssrc,
                    sequence,
                } = req
                else {
                    panic!("expected FIR");
                };
                assert!(rx.is_new(
                    9,
                    FirEntry {
                        ssrc: media_ssrc,
                        sequence
                    }
                ));
                seen.push(sequence);
            }
        }
        assert_eq!(seen[..3], [0, 1, 2]);
        assert_eq!(seen[255..], [255, 0]);
        // A retransmission is recognised as such.
        let again = tx.repeat(5).unwrap();
        let RtcpPacket::PayloadFeedback(PayloadFeedback::Fir { entries, .. }) = again else {
            panic!("expected FIR");
        };
        assert!(!rx.is_new(9, entries[0]));
        // Another source has its own counter.
        assert!(matches!(
            requests(&[tx.request(6)]).next(),
            Some(KeyframeRequest::Fir {
                media_ssrc: 6,
                sequence: 0
            })
        ));
    }

    #[test]
    fn pli_is_recognised() {
        let packets = parse_compound(&encode_compound(&[pli(1, 2)]).unwrap()).unwrap();
        let got: Vec<_> = requests(&packets).map(|r| r.media_ssrc()).collect();
        assert_eq!(got, [2]);
    }
}
