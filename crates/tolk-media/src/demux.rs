//! Telling packets apart on one port: RFC 7983 by the first octet, then
//! RTP from RTCP by the second octet (RFC 5761 section 4).

/// What a datagram on a multiplexed media port is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// STUN (first octet 0-3).
    Stun,
    /// ZRTP (first octet 16-19).
    Zrtp,
    /// DTLS (first octet 20-63).
    Dtls,
    /// TURN channel data (first octet 64-79).
    TurnChannel,
    /// RTP (first octet 128-191, second octet outside 192-223).
    Rtp,
    /// RTCP (first octet 128-191, second octet 192-223).
    Rtcp,
    /// Anything else, including an empty datagram.
    Unknown,
}

/// Classifies a datagram without parsing it further.
pub fn classify(datagram: &[u8]) -> PacketKind {
    match datagram.first() {
        Some(0..=3) => PacketKind::Stun,
        Some(16..=19) => PacketKind::Zrtp,
        Some(20..=63) => PacketKind::Dtls,
        Some(64..=79) => PacketKind::TurnChannel,
        Some(128..=191) => match datagram.get(1) {
            Some(&second) if is_rtcp_packet_type(second) => PacketKind::Rtcp,
            Some(_) => PacketKind::Rtp,
            None => PacketKind::Unknown,
        },
        _ => PacketKind::Unknown,
    }
}

/// True when a second octet is an RTCP packet type under RFC 5761's rule
/// (192-223; RTP payload types 64-95 must not be used with rtcp-mux).
pub fn is_rtcp_packet_type(second_octet: u8) -> bool {
    (192..=223).contains(&second_octet)
}

/// True for a datagram RFC 5761 classifies as RTCP.
pub fn is_rtcp(datagram: &[u8]) -> bool {
    classify(datagram) == PacketKind::Rtcp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_first_octet_ranges() {
        assert_eq!(classify(&[0x00, 0x01]), PacketKind::Stun);
        assert_eq!(classify(&[22, 0xfe]), PacketKind::Dtls);
        assert_eq!(classify(&[0x40, 0]), PacketKind::TurnChannel);
        assert_eq!(classify(&[17]), PacketKind::Zrtp);
        assert_eq!(classify(&[]), PacketKind::Unknown);
        assert_eq!(classify(&[0x80]), PacketKind::Unknown);
        assert_eq!(classify(&[0xff, 0]), PacketKind::Unknown);
    }

    #[test]
    fn rtcp_packet_types_are_rtcp_even_with_the_marker_bit() {
        // SR (200), RR (201), PSFB (206), XR (207).
        for pt in [200u8, 201, 206, 207, 192, 223] {
            assert_eq!(classify(&[0x80, pt]), PacketKind::Rtcp, "{pt}");
        }
        // PT 0 with marker (128) and PT 111 with marker (239) are RTP.
        for second in [0u8, 111, 128, 239, 191, 224] {
            assert_eq!(classify(&[0x80, second]), PacketKind::Rtp, "{second}");
        }
    }
}
