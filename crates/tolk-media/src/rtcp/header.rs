//! The RTCP common header (RFC 3550 section 6.4.1) and iteration over the
//! packets of a compound datagram without copying.

use crate::Error;
use crate::wire::u16_at;

/// Length of the common header.
pub const HEADER_LEN: usize = 4;

/// One RTCP packet inside a compound datagram, not yet interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRtcp<'a> {
    /// The 5-bit count field (report count, source count, FMT or subtype).
    pub count: u8,
    /// The packet type (200 = SR, 201 = RR, ...).
    pub packet_type: u8,
    /// Whether the P bit was set.
    pub padded: bool,
    /// The packet after the common header, without padding.
    pub body: &'a [u8],
    /// The whole packet, header and padding included.
    pub bytes: &'a [u8],
}

/// Iterator over the packets of a compound RTCP datagram.
///
/// Yields an error and stops when a header is malformed or a length runs
/// past the datagram.
#[derive(Debug, Clone)]
pub struct RawPackets<'a> {
    rest: &'a [u8],
}

/// Iterates the packets in `datagram` without copying.
pub fn raw_packets(datagram: &[u8]) -> RawPackets<'_> {
    RawPackets { rest: datagram }
}

impl<'a> Iterator for RawPackets<'a> {
    type Item = Result<RawRtcp<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let result = split_one(self.rest);
        match result {
            Ok((packet, rest)) => {
                self.rest = rest;
                Some(Ok(packet))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

fn split_one(buf: &[u8]) -> Result<(RawRtcp<'_>, &[u8]), Error> {
    let first = *buf
        .first()
        .ok_or(Error::truncated("RTCP header", HEADER_LEN, 0))?;
    let words = u16_at(buf, 2).ok_or(Error::truncated("RTCP header", HEADER_LEN, buf.len()))?;
    let version = first >> 6;
    if version != 2 {
        return Err(Error::Version(version));
    }
    let total = 4 * (usize::from(words) + 1);
    let (bytes, rest) =
        buf.split_at_checked(total)
            .ok_or(Error::truncated("RTCP packet", total, buf.len()))?;
    let padded = first & 0x20 != 0;
    let mut body_end = total;
    if padded {
        let padding = usize::from(bytes.last().copied().unwrap_or(0));
        if padding == 0 || padding > total - HEADER_LEN {
            return Err(Error::malformed(
                "RTCP padding",
                "count between 1 and the packet's body length",
            ));
        }
        body_end -= padding;
    }
    let packet = RawRtcp {
        count: first & 0x1f,
        packet_type: bytes.get(1).copied().unwrap_or(0),
        padded,
        body: bytes.get(HEADER_LEN..body_end).unwrap_or_default(),
        bytes,
    };
    Ok((packet, rest))
}

/// Appends a packet: common header and body. The body must be a whole
/// number of 32-bit words: RFC 3550 6.4.1 allows the P bit only on the last
/// packet of a compound, and 6.7 asks APP data to be word-aligned, so an
/// unaligned body is refused rather than padded mid-compound.
pub(crate) fn write_packet(
    count: u8,
    packet_type: u8,
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    if count > 0x1f {
        return Err(Error::TooLarge {
            what: "RTCP count field",
        });
    }
    if body.len() % 4 != 0 {
        return Err(Error::malformed(
            "RTCP packet body",
            "a whole number of 32-bit words",
        ));
    }
    let words = u16::try_from(body.len() / 4).map_err(|_| Error::TooLarge {
        what: "RTCP packet length",
    })?;
    out.push(0x80 | count);
    out.push(packet_type);
    out.extend_from_slice(&words.to_be_bytes());
    out.extend_from_slice(body);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_compound_and_strips_padding() {
        let mut buf = Vec::new();
        write_packet(0, 201, &[0, 0, 0, 1], &mut buf).unwrap();
        // APP with 5 data octets and 3 octets of padding, P bit set.
        buf.extend_from_slice(&[0xa3, 204, 0, 2, 1, 2, 3, 4, 5, 0, 0, 3]);
        let packets: Vec<_> = raw_packets(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(packets.len(), 2);
        assert_eq!(packets[0].packet_type, 201);
        assert!(packets[1].padded);
        assert_eq!(packets[1].body, &[1, 2, 3, 4, 5]);
        assert_eq!(packets[1].count, 3);
        assert_eq!(packets[1].bytes.len(), 12);
    }

    #[test]
    fn refuses_to_pad_mid_compound() {
        let mut buf = Vec::new();
        assert!(write_packet(0, 204, &[1, 2, 3, 4, 5], &mut buf).is_err());
        assert!(buf.is_empty());
    }

    #[test]
    fn reports_malformed_headers_once() {
        let bad_len = [0x80, 201, 0, 5, 0, 0, 0, 0];
        let got: Vec<_> = raw_packets(&bad_len).collect();
        assert!(matches!(got[..], [Err(Error::Truncated { .. })]));
        let bad_pad = [0xa0, 201, 0, 1, 0, 0, 0, 9];
        assert!(matches!(
            raw_packets(&bad_pad).next(),
            Some(Err(Error::Malformed { .. }))
        ));
        assert!(matches!(
            raw_packets(&[0x40, 200, 0, 0]).next(),
            Some(Err(Error::Version(1)))
        ));
        assert!(matches!(
            raw_packets(&[0x80]).next(),
            Some(Err(Error::Truncated { .. }))
        ));
    }
}
