//! Our mid-call re-offer on a SIP leg, kept until the peer answers it so
//! that glare can be resolved: a re-INVITE refused with 491 is sent again
//! after RFC 3261 section 14.1's random wait, 2.1-4 s when we chose the
//! dialog's Call-ID (we placed the call), 0-2 s otherwise, so that the
//! two sides' retries do not collide again.

use std::time::Duration;

use bytes::Bytes;

/// Attempts at one re-offer before giving up (the first one included).
const MAX_ATTEMPTS: u8 = 4;

/// A re-offer sent, or waiting to be sent again.
#[derive(Debug, Clone)]
pub struct Reoffer {
    /// The SDP offer.
    pub sdp: Bytes,
    /// A re-INVITE carrying it awaits its final response.
    pub in_flight: bool,
    attempts: u8,
}

impl Reoffer {
    /// A re-offer of `sdp`, not sent yet.
    pub fn new(sdp: Bytes) -> Self {
        Reoffer {
            sdp,
            in_flight: false,
            attempts: 0,
        }
    }

    /// Counts an attempt to send it; false once the attempts are spent.
    pub fn attempt(&mut self) -> bool {
        self.attempts += 1;
        self.attempts <= MAX_ATTEMPTS
    }
}

/// How long to wait before re-sending a re-INVITE refused with 491:
/// random in 2.1-4 s when we own the Call-ID, else in 0-2 s, in steps of
/// 10 ms (RFC 3261 section 14.1).
pub fn glare_wait(own_call_id: bool) -> Duration {
    let (low, high) = if own_call_id { (210, 400) } else { (0, 200) };
    Duration::from_millis(rand::random_range(low..=high) * 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_rfc_3261_section_14_1() {
        for _ in 0..200 {
            let owner = glare_wait(true);
            assert!(owner >= Duration::from_millis(2100) && owner <= Duration::from_secs(4));
            assert!(glare_wait(false) <= Duration::from_secs(2));
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let mut reoffer = Reoffer::new(Bytes::from_static(b"v=0"));
        let sent = (0..10).take_while(|_| reoffer.attempt()).count();
        assert_eq!(sent, usize::from(MAX_ATTEMPTS));
    }
}
