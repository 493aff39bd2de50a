//! Keyframe requests in the media path: spotting a PLI (RFC 4585 section
//! 6.3.1) or FIR (RFC 5104 section 4.3.1) in a leg's RTCP, and writing
//! one the relay itself sends to a leg's video sender, so that the
//! gateway can turn a SIP INFO picture_fast_update into RTCP and back.
//!
//! Spotting walks the compound in place (no allocation, on the packet
//! path); writing happens on the control path.

use tolk_media::rtcp::{FMT_FIR, FMT_PLI, PSFB, RR, raw_packets};

/// The RTCP form of a keyframe request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyframeKind {
    /// Picture Loss Indication (RFC 4585).
    Pli,
    /// Full Intra Request (RFC 5104).
    Fir,
}

/// The first keyframe request in a validated, decrypted compound, if any.
pub fn find_request(compound: &[u8]) -> Option<KeyframeKind> {
    raw_packets(compound)
        .map_while(Result::ok)
        .find_map(|p| match (p.packet_type, p.count) {
            (PSFB, FMT_PLI) => Some(KeyframeKind::Pli),
            (PSFB, FMT_FIR) => Some(KeyframeKind::Fir),
            _ => None,
        })
}

/// Length of [`write_request`]'s output: an empty RR (8 bytes) and the
/// request (PLI 12 bytes, FIR 20).
pub fn request_len(kind: KeyframeKind) -> usize {
    match kind {
        KeyframeKind::Pli => 8 + 12,
        KeyframeKind::Fir => 8 + 20,
    }
}

/// Writes a compound of an empty receiver report and a keyframe request
/// from `sender` to the stream `media` into `buf`; returns its length,
/// or `None` when `buf` is too short. The RR first keeps the compound
/// valid for peers without reduced-size RTCP (RFC 3550 section 6.1);
/// `fir_seq` is the FIR command sequence number (RFC 5104 section
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
    let request = &mut out[8..];
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

#[cfg(test)]
mod tests {
    use tolk_media::rtcp::keyframe::{KeyframeRequest, requests};
    use tolk_media::rtcp::parse_compound;

    use super::*;

    #[test]
    fn written_requests_parse_with_their_ssrcs() {
        let mut buf = [0u8; 64];
        let n = write_request(KeyframeKind::Pli, 0x1111, 0x2222, 0, &mut buf).unwrap();
        let packets = parse_compound(&buf[..n]).unwrap();
        let asks: Vec<_> = requests(&packets).collect();
        assert_eq!(asks, [KeyframeRequest::Pli { media_ssrc: 0x2222 }]);
        assert_eq!(buf[4..8], 0x1111u32.to_be_bytes(), "RR sender");
        assert_eq!(buf[12..16], 0x1111u32.to_be_bytes(), "PLI sender");
        assert_eq!(find_request(&buf[..n]), Some(KeyframeKind::Pli));

        let n = write_request(KeyframeKind::Fir, 0x1111, 0x3333, 7, &mut buf).unwrap();
        let packets = parse_compound(&buf[..n]).unwrap();
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
        let mut buf = [0u8; 19];
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
        // A broken tail ends the walk without a panic.
        assert_eq!(
            find_request(&[rr.as_slice(), &[0x81, PSFB, 0, 9]].concat()),
            None
        );
    }
}
