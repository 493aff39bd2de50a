//! The telephone-event payload (RFC 4733 section 2.3).

use crate::Error;
use crate::wire::Reader;

/// Length of one event block.
pub const EVENT_LEN: usize = 4;

/// One event block: which event, whether it has ended, its volume and its
/// duration so far in RTP timestamp units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TelephoneEvent {
    /// Event code (0-9, 10 = `*`, 11 = `#`, 12-15 = A-D for DTMF).
    pub code: u8,
    /// The E bit: this is (a retransmission of) the final packet.
    pub end: bool,
    /// Power level in -dBm0, 0-63.
    pub volume: u8,
    /// Duration since the event (segment) began, in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Reads one 4-byte block.
    pub fn parse(block: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("telephone-event", block);
        let code = r.u8()?;
        let flags = r.u8()?;
        Ok(TelephoneEvent {
            code,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: r.u16()?,
        })
    }

    /// The 4-byte block; the reserved bit is sent as 0.
    pub fn to_bytes(&self) -> [u8; EVENT_LEN] {
        let d = self.duration.to_be_bytes();
        let flags = (u8::from(self.end) << 7) | (self.volume & 0x3f);
        [self.code, flags, d[0], d[1]]
    }
}

/// Reads every block of a payload: one event, or several packed
/// consecutive events (RFC 4733 section 2.5.1.5), each starting where the
/// previous one's duration ends.
pub fn parse_payload(payload: &[u8]) -> Result<Vec<TelephoneEvent>, Error> {
    Ok(event_blocks(payload)?.collect())
}

/// The blocks of a payload as [`parse_payload`] reads them, without
/// collecting them: the per-packet path allocates nothing.
pub fn event_blocks(payload: &[u8]) -> Result<impl Iterator<Item = TelephoneEvent> + '_, Error> {
    if payload.is_empty() || payload.len() % EVENT_LEN != 0 {
        return Err(Error::malformed(
            "telephone-event payload",
            "one or more 4-byte event blocks",
        ));
    }
    Ok(payload.chunks_exact(EVENT_LEN).map(|block| {
        let d = [block[2], block[3]];
        TelephoneEvent {
            code: block[0],
            end: block[1] & 0x80 != 0,
            volume: block[1] & 0x3f,
            duration: u16::from_be_bytes(d),
        }
    }))
}

/// The event code for a DTMF key (`0-9`, `*`, `#`, `A-D`).
pub fn dtmf_code(key: char) -> Option<u8> {
    match key.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        l @ 'A'..='D' => Some(l as u8 - b'A' + 12),
        _ => None,
    }
}

/// The DTMF key for an event code, if it is one of the 16 DTMF events.
pub fn dtmf_key(code: u8) -> Option<char> {
    match code {
        0..=9 => Some(char::from(b'0' + code)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + code - 12)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_rfc_layout() {
        // Digit 5, end bit, volume 10, duration 800.
        let e = TelephoneEvent::parse(&[5, 0x8a, 0x03, 0x20]).unwrap();
        assert_eq!(
            e,
            TelephoneEvent {
                code: 5,
                end: true,
                volume: 10,
                duration: 800
            }
        );
        // The reserved bit is ignored on receipt.
        assert_eq!(TelephoneEvent::parse(&[5, 0xca, 3, 0x20]).unwrap(), e);
        assert!(parse_payload(&[]).is_err());
        assert!(parse_payload(&[1, 2, 3]).is_err());
        assert!(parse_payload(&[1, 2, 3, 4, 5]).is_err());
    }

    #[test]
    fn dtmf_keys_map_both_ways() {
        for (code, key) in "0123456789*#ABCD".chars().enumerate() {
            assert_eq!(dtmf_code(key), Some(code as u8));
            assert_eq!(dtmf_key(code as u8), Some(key));
        }
        assert_eq!(dtmf_code('x'), None);
        assert_eq!(dtmf_key(16), None);
    }

    proptest! {
        #[test]
        fn blocks_round_trip(code: u8, end: bool, volume in 0u8..64, duration: u16) {
            let e = TelephoneEvent { code, end, volume, duration };
            prop_assert_eq!(TelephoneEvent::parse(&e.to_bytes()).unwrap(), e);
        }

        #[test]
        fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let _ = parse_payload(&bytes);
        }
    }
}
