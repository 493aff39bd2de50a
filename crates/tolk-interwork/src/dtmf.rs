//! DTMF in its three signalling forms, translated through one digit type:
//!
//! - RFC 4733 telephone-event codes in RTP (0-15),
//! - SIP INFO bodies: `application/dtmf-relay` (`Signal=5` / `Duration=160`
//!   lines, the de-facto form most equipment sends) and `application/dtmf`
//!   (the bare digit),
//! - H.245 `userInputIndication` alphanumeric strings (one character each).

use std::fmt;
use std::time::Duration;

use tolk_media::dtmf::{dtmf_code, dtmf_key};

use crate::Error;

/// One DTMF key: `0`-`9`, `*`, `#`, `A`-`D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digit(char);

/// The SIP INFO content types that carry DTMF.
pub const DTMF_RELAY_CONTENT_TYPE: &str = "application/dtmf-relay";
/// The bare-digit SIP INFO content type.
pub const DTMF_CONTENT_TYPE: &str = "application/dtmf";

impl Digit {
    /// The key for a character (`a`-`d` accepted as `A`-`D`).
    pub fn from_char(key: char) -> Option<Self> {
        dtmf_code(key).map(|_| Digit(key.to_ascii_uppercase()))
    }

    /// The key as a character (upper-case letters).
    pub fn as_char(self) -> char {
        self.0
    }

    /// The RFC 4733 section 3.2 event code.
    pub fn event_code(self) -> u8 {
        // Every Digit holds a key that has a code (see from_char).
        dtmf_code(self.0).unwrap_or_default()
    }

    /// The key for an RFC 4733 event code; `None` for non-DTMF events.
    pub fn from_event_code(code: u8) -> Option<Self> {
        dtmf_key(code).map(Digit)
    }
}

impl fmt::Display for Digit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A key press as the call model carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfEvent {
    /// The key.
    pub digit: Digit,
    /// How long it was held.
    pub duration: Duration,
}

/// Duration assumed when a form carries none (H.245 alphanumeric,
/// `application/dtmf`): 100 ms, long enough for every receiver's detector.
pub const DEFAULT_DURATION: Duration = Duration::from_millis(100);

impl DtmfEvent {
    /// Parses a SIP INFO body of the given content type.
    pub fn from_info_body(content_type: &str, body: &[u8]) -> Result<Self, Error> {
        let text = std::str::from_utf8(body).map_err(|_| Error::DtmfBody("not UTF-8"))?;
        let content_type = content_type.split(';').next().unwrap_or("").trim();
        if content_type.eq_ignore_ascii_case(DTMF_CONTENT_TYPE) {
            let mut chars = text.trim().chars();
            return match (chars.next().and_then(Digit::from_char), chars.next()) {
                (Some(digit), None) => Ok(DtmfEvent {
                    digit,
                    duration: DEFAULT_DURATION,
                }),
                _ => Err(Error::DtmfBody("expected a single key")),
            };
        }
        if !content_type.eq_ignore_ascii_case(DTMF_RELAY_CONTENT_TYPE) {
            return Err(Error::DtmfBody("unsupported content type"));
        }
        let mut digit = None;
        let mut duration = DEFAULT_DURATION;
        for line in text.lines() {
            let Some((name, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            if name.trim().eq_ignore_ascii_case("signal") {
                let mut chars = value.chars();
                digit = match (chars.next(), chars.next()) {
                    (Some(key), None) => Digit::from_char(key),
                    // Some senders put the event code, e.g. `Signal=10` for `*`.
                    _ => value.parse().ok().and_then(Digit::from_event_code),
                };
                if digit.is_none() {
                    return Err(Error::DtmfBody("Signal is not a DTMF key"));
                }
            } else if name.trim().eq_ignore_ascii_case("duration") {
                let millis: u64 = value
                    .parse()
                    .map_err(|_| Error::DtmfBody("Duration is not a number"))?;
                duration = Duration::from_millis(millis.min(60_000));
            }
        }
        let digit = digit.ok_or(Error::DtmfBody("missing Signal line"))?;
        Ok(DtmfEvent { digit, duration })
    }

    /// The `application/dtmf-relay` body for this event.
    pub fn to_dtmf_relay_body(&self) -> String {
        format!(
            "Signal={}\r\nDuration={}\r\n",
            self.digit,
            self.duration.as_millis()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn event_codes_follow_rfc4733() {
        let keys = "0123456789*#ABCD";
        for (code, key) in keys.chars().enumerate() {
            let digit = Digit::from_char(key).expect("DTMF key");
            assert_eq!(usize::from(digit.event_code()), code);
            assert_eq!(Digit::from_event_code(code as u8), Some(digit));
        }
        assert_eq!(Digit::from_event_code(16), None);
        assert_eq!(Digit::from_char('e'), None);
        assert_eq!(Digit::from_char('d').map(Digit::as_char), Some('D'));
    }

    #[test]
    fn parses_dtmf_relay_bodies_from_real_equipment() {
        let event =
            DtmfEvent::from_info_body("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n")
                .expect("valid body");
        assert_eq!(event.digit.as_char(), '5');
        assert_eq!(event.duration, Duration::from_millis(160));

        let bare_lf =
            DtmfEvent::from_info_body("Application/DTMF-Relay", b"Signal= #\nDuration= 250\n")
                .expect("bare LF and spaces");
        assert_eq!(bare_lf.digit.as_char(), '#');

        let by_code = DtmfEvent::from_info_body(DTMF_RELAY_CONTENT_TYPE, b"Signal=10\r\n")
            .expect("event code form");
        assert_eq!(by_code.digit.as_char(), '*');
        assert_eq!(by_code.duration, DEFAULT_DURATION);

        let bare = DtmfEvent::from_info_body("application/dtmf", b"7\r\n").expect("bare digit");
        assert_eq!(bare.digit.as_char(), '7');
    }

    #[test]
    fn rejects_bodies_without_a_key() {
        for (content_type, body) in [
            (DTMF_RELAY_CONTENT_TYPE, &b"Duration=100\r\n"[..]),
            (DTMF_RELAY_CONTENT_TYPE, b"Signal=X\r\n"),
            (DTMF_RELAY_CONTENT_TYPE, b"Signal=1\r\nDuration=long\r\n"),
            (DTMF_CONTENT_TYPE, b"12"),
            ("text/plain", b"Signal=1"),
            (DTMF_RELAY_CONTENT_TYPE, b"\xff\xfe"),
        ] {
            assert!(
                DtmfEvent::from_info_body(content_type, body).is_err(),
                "{body:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn dtmf_relay_round_trip(code in 0u8..16, millis in 0u64..60_000) {
            let event = DtmfEvent {
                digit: Digit::from_event_code(code).expect("DTMF code"),
                duration: Duration::from_millis(millis),
            };
            let body = event.to_dtmf_relay_body();
            prop_assert_eq!(
                DtmfEvent::from_info_body(DTMF_RELAY_CONTENT_TYPE, body.as_bytes()).ok(),
                Some(event)
            );
        }

        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = DtmfEvent::from_info_body(DTMF_RELAY_CONTENT_TYPE, &body);
            let _ = DtmfEvent::from_info_body(DTMF_CONTENT_TYPE, &body);
        }
    }
}
