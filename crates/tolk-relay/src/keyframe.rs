//! Keyframe requests in the media path: spotting a PLI (RFC 4585 section
//! 6.3.1) or FIR (RFC 5104 section 4.3.1) in a leg's RTCP, and writing
//! one the relay itself sends to a leg's video sender, so that the
//! gateway can turn a SIP INFO picture_fast_update into RTCP and back.
//!
//! Spotting walks the compound in place (no allocation, on the packet
//! path); writing happens on the control path.

use tolk_media::rtcp::sdes_item::CNAME;
use tolk_media::rtcp::{FMT_FIR, FMT_PLI, PSFB, RR, SDES, raw_packets};

/// A feedback message's sender and media source SSRCs (RFC 4585 6.1).
const FB_SSRCS: usize = 8;
/// One FIR FCI entry: SSRC, sequence number, reserved (RFC 5104 4.3.1.1).
const FIR_ENTRY: usize = 8;
/// The CNAME the relay gives each of its feedback sources: a prefix and
/// the SSRC in hex, so distinct sources never share one.
const CNAME_PREFIX: &[u8] = b"tolk-";
const CNAME_LEN: usize = CNAME_PREFIX.len() + 8;
/// The SDES packet: header, one chunk of SSRC, the CNAME item (type,
/// length, text) and its end (a null), padded to a word.
const SDES_LEN: usize = (4 + 4 + 2 + CNAME_LEN + 1).next_multiple_of(4);

/// The RTCP form of a keyframe request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyframeKind {
    /// Picture Loss Indication (RFC 4585).
    Pli,
    /// Full Intra Request (RFC 5104).
    Fir,
}

/// The first keyframe request in a validated, decrypted compound, if any:
/// a PLI, or a FIR with at least one FCI entry (one without names no
/// stream, so it asks for nothing).
pub fn find_request(compound: &[u8]) -> Option<KeyframeKind> {
    raw_packets(compound)
        .map_while(Result::ok)
        .find_map(|p| match (p.packet_type, p.count) {
            (PSFB, FMT_PLI) if p.body.len() >= FB_SSRCS => Some(KeyframeKind::Pli),
            (PSFB, FMT_FIR) if p.body.len() >= FB_SSRCS + FIR_ENTRY => Some(KeyframeKind::Fir),
            _ => None,
        })
}

/// Length of [`write_request`]'s output: an empty RR (8 bytes), an SDES
/// CNAME (24) and the request (PLI 12 bytes, FIR 20).
pub fn request_len(kind: KeyframeKind) -> usize {
    8 + SDES_LEN
        + match kind {
            KeyframeKind::Pli => 4 + FB_SSRCS,
            KeyframeKind::Fir => 4 + FB_SSRCS + FIR_ENTRY,
        }
}

/// Writes a full compound of an empty receiver report, an SDES CNAME and
/// a keyframe request from `sender` to the stream `media` into `buf`;
/// returns its length, or `None` when `buf` is too short. RR and CNAME
/// first keep the compound valid for peers without reduced-size RTCP
/// (RFC 3550 section 6.1, RFC 4585 section 3.1: feedback goes after
/// them); `fir_seq` is the FIR command sequence number (RFC 5104 section
/// 4.3.1.1), one more for each new request.
pub fn write_request(
    kind: KeyframeKind,
    sender: u32,
    media: u32,
    fir_seq: u8,
    buf: &mut [u8],
) -> Option<usize> {
    let len = request_len(kind);
    let out = buf.get_mut(..len)?;
    out.fill(0);
    // RR: V=2, RC=0, length 1 word after the header.
    out[..4].copy_from_slice(&[0x80, RR, 0, 1]);
    out[4..8].copy_from_slice(&sender.to_be_bytes());
    write_cname(sender, &mut out[8..8 + SDES_LEN]);
    let request = &mut out[8 + SDES_LEN..];
    request[4..8].copy_from_slice(&sender.to_be_bytes());
    match kind {
        KeyframeKind::Pli => {
            request[..4].copy_from_slice(&[0x80 | FMT_PLI, PSFB, 0, 2]);
            request[8..12].copy_from_slice(&media.to_be_bytes());
        }
        KeyframeKind::Fir => {
            // The media source word is zero; the target is in the FCI entry.
            request[..4].copy_from_slice(&[0x80 | FMT_FIR, PSFB, 0, 4]);
            request[12..16].copy_from_slice(&media.to_be_bytes());
            request[16] = fir_seq;
        }
    }
    Some(len)
}

/// Writes the SDES packet naming `sender` into `out` (`SDES_LEN` zeroed
/// bytes: the item list's end and the padding stay zero).
fn write_cname(sender: u32, out: &mut [u8]) {
    let words = (SDES_LEN / 4 - 1) as u8;
    out[..4].copy_from_slice(&[0x81, SDES, 0, words]);
    out[4..8].copy_from_slice(&sender.to_be_bytes());
    out[8] = CNAME;
    out[9] = CNAME_LEN as u8;
    let text = &mut out[10..10 + CNAME_LEN];
    text[..CNAME_PREFIX.len()].copy_from_slice(CNAME_PREFIX);
    for (i, digit) in text[CNAME_PREFIX.len()..].iter_mut().enumerate() {
        let nibble = (sender >> (28 - 4 * i)) & 0xf;
        *digit = b"0123456789abcdef"[nibble as usize];
    }
}

#[cfg(test)]
mod tests {
    use tolk_media::rtcp::keyframe::{KeyframeRequest, requests};
    use tolk_media::rtcp::{RtcpPacket, SourceDescription, parse_compound};

    use super::*;

    #[test]
    fn written_requests_parse_with_their_ssrcs() {
        let mut buf = [0u8; 64];
        let n = write_request(KeyframeKind::Pli, 0x1111, 0x2222, 0, &mut buf).unwrap();
        assert_eq!(n, request_len(KeyframeKind::Pli));
        let packets = parse_compound(&buf[..n]).unwrap();
        let asks: Vec<_> = requests(&packets).collect();
        assert_eq!(asks, [KeyframeRequest::Pli { media_ssrc: 0x2222 }]);
        assert_eq!(buf[4..8], 0x1111u32.to_be_bytes(), "RR sender");
        // A full compound: RR, SDES CNAME, then the feedback.
        assert!(matches!(packets[0], RtcpPacket::ReceiverReport(_)));
        assert_eq!(
            packets[1],
            RtcpPacket::SourceDescription(SourceDescription::cname(0x1111, b"tolk-00001111"))
        );
        assert!(matches!(packets[2], RtcpPacket::PayloadFeedback(_)));
        assert_eq!(packets.len(), 3);
        assert_eq!(find_request(&buf[..n]), Some(KeyframeKind::Pli));

        let n = write_request(KeyframeKind::Fir, 0xabcd_ef01, 0x3333, 7, &mut buf).unwrap();
        assert_eq!(n, request_len(KeyframeKind::Fir));
        let packets = parse_compound(&buf[..n]).unwrap();
        assert_eq!(
            packets[1],
            RtcpPacket::SourceDescription(SourceDescription::cname(0xabcd_ef01, b"tolk-abcdef01"))
        );
        let asks: Vec<_> = requests(&packets).collect();
        assert_eq!(
            asks,
            [KeyframeRequest::Fir {
                media_ssrc: 0x3333,
                sequence: 7
            }]
        );
        assert_eq!(find_request(&buf[..n]), Some(KeyframeKind::Fir));
    }

    #[test]
    fn a_short_buffer_is_refused() {
        let mut buf = [0u8; 43];
        assert_eq!(write_request(KeyframeKind::Pli, 1, 2, 0, &mut buf), None);
    }

    #[test]
    fn requests_are_found_after_reports_and_not_in_other_feedback() {
        // RR (no blocks) + generic NACK (RTPFB fmt 1) + PLI.
        let rr = [0x80, RR, 0, 1, 0, 0, 0, 1];
        let nack = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 5, 0, 0];
        let pli = [0x81, PSFB, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        assert_eq!(find_request(&[rr.as_slice(), &nack].concat()), None);
        let compound = [rr.as_slice(), &nack, &pli].concat();
        assert_eq!(find_request(&compound), Some(KeyframeKind::Pli));
        // A FIR without an FCI entry names no stream: not a request.
        let empty_fir = [0x84, PSFB, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(find_request(&[rr.as_slice(), &empty_fir].concat()), None);
        let fir = [
            0x84, PSFB, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 9, 0, 0, 0,
        ];
        let compound = [rr.as_slice(), &fir].concat();
        assert_eq!(find_request(&compound), Some(KeyframeKind::Fir));
        // A broken tail ends the walk without a panic.
        assert_eq!(
            find_request(&[rr.as_slice(), &[0x81, PSFB, 0, 9]].concat()),
            None
        );
    }
}
