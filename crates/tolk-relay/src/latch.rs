//! Latching (symmetric RTP, RFC 4961): which source a leg's media may come
//! from, and where media for that leg is sent.
//!
//! Rules, in order:
//! - SRTP ingress: any source may *try*; the first packet that
//!   authenticates latches its source.
//! - Plain RTP, [`LatchPolicy::Strict`]: only the signalled address is
//!   accepted, and nothing latches.
//! - Plain RTP, [`LatchPolicy::LatchFirst`]: the first packet's source latches.
//! - Re-latching (NAT rebinding): once latched, another source is admitted
//!   only after the latched one has been silent for `relatch_after`; it then
//!   re-latches when its packet is accepted (authenticated, for SRTP).
//! - A new remote address from signalling clears the latch.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How a plain-RTP leg learns its peer's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LatchPolicy {
    /// Accept only the address from signalling; never move.
    Strict,
    /// Accept the first source, then keep it (re-latch after silence).
    #[default]
    LatchFirst,
}

/// Default silence after which another source may take over a latch.
pub const DEFAULT_RELATCH_AFTER: Duration = Duration::from_secs(2);

/// One leg's latch state.
#[derive(Debug, Clone)]
pub struct Latch {
    policy: LatchPolicy,
    authenticated: bool,
    relatch_after: Duration,
    signalled: Option<SocketAddr>,
    latched: Option<SocketAddr>,
    last_seen: Option<Instant>,
}

impl Latch {
    /// A latch for a leg; `authenticated` is true when its ingress is SRTP.
    pub fn new(policy: LatchPolicy, authenticated: bool) -> Self {
        Self {
            policy,
            authenticated,
            relatch_after: DEFAULT_RELATCH_AFTER,
            signalled: None,
            latched: None,
            last_seen: None,
        }
    }

    /// Sets the silence after which another source may take over.
    pub fn set_relatch_after(&mut self, after: Duration) {
        self.relatch_after = after;
    }

    /// Switches between plain (policy applies) and authenticated ingress.
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.authenticated = authenticated;
    }

    /// The address from signalling (SDP); clears any latch.
    pub fn set_signalled(&mut self, addr: Option<SocketAddr>) {
        self.signalled = addr;
        self.latched = None;
        self.last_seen = None;
    }

    /// The latched source, if any.
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// Where media for this leg goes: the latched source, else the signalled address.
    pub fn destination(&self) -> Option<SocketAddr> {
        self.latched.or(self.signalled)
    }

    /// Before any work: may a packet from `src` be processed at all?
    pub fn admits(&self, src: SocketAddr, now: Instant) -> bool {
        if !self.authenticated && self.policy == LatchPolicy::Strict {
            return self.signalled == Some(src);
        }
        match self.latched {
            None => true,
            Some(l) if l == src => true,
            Some(_) => self
                .last_seen
                .is_none_or(|t| now.saturating_duration_since(t) >= self.relatch_after),
        }
    }

    /// After the packet was accepted: records it; returns true when `src`
    /// became the latched address (first latch or a re-latch).
    pub fn accept(&mut self, src: SocketAddr, now: Instant) -> bool {
        self.last_seen = Some(now);
        if !self.authenticated && self.policy == LatchPolicy::Strict {
            return false;
        }
        let moved = self.latched != Some(src);
        self.latched = Some(src);
        moved
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn strict_accepts_only_the_signalled_address() {
        let now = Instant::now();
        let mut l = Latch::new(LatchPolicy::Strict, false);
        assert!(!l.admits(addr(1), now));
        l.set_signalled(Some(addr(1)));
        assert!(l.admits(addr(1), now));
        assert!(!l.admits(addr(2), now + Duration::from_secs(60)));
        assert!(!l.accept(addr(1), now));
        assert_eq!(l.destination(), Some(addr(1)));
    }

    #[test]
    fn latch_first_then_relatch_after_silence() {
        let t0 = Instant::now();
        let mut l = Latch::new(LatchPolicy::LatchFirst, false);
        l.set_signalled(Some(addr(9)));
        assert_eq!(l.destination(), Some(addr(9)));
        assert!(l.admits(addr(1), t0));
        assert!(l.accept(addr(1), t0));
        assert_eq!(l.destination(), Some(addr(1)));
        // Another source while the latched one talks: refused.
        assert!(!l.admits(addr(2), t0 + Duration::from_millis(500)));
        // The latched source goes quiet (NAT rebinding): the new one takes over.
        let later = t0 + DEFAULT_RELATCH_AFTER;
        assert!(l.admits(addr(2), later));
        assert!(l.accept(addr(2), later));
        assert!(!l.admits(addr(1), later + Duration::from_millis(20)));
    }

    #[test]
    fn srtp_latches_regardless_of_plain_policy_and_signalling_resets() {
        let t0 = Instant::now();
        let mut l = Latch::new(LatchPolicy::Strict, true);
        assert!(l.admits(addr(5), t0));
        assert!(l.accept(addr(5), t0));
        assert!(!l.admits(addr(6), t0));
        l.set_signalled(Some(addr(7)));
        assert_eq!(l.latched(), None);
        assert!(l.admits(addr(6), t0));
    }

    proptest! {
        /// Whatever arrives, while the latched source keeps talking within the
        /// re-latch window, no other source is ever admitted.
        #[test]
        fn a_talking_latch_is_never_stolen(
            events in proptest::collection::vec((1u16..5, 0u64..1999), 1..60)
        ) {
            let t0 = Instant::now();
            let mut l = Latch::new(LatchPolicy::LatchFirst, false);
            let mut now = t0;
            l.accept(addr(1), now);
            for (port, gap_ms) in events {
                now += Duration::from_millis(gap_ms);
                // The genuine peer speaks after every gap (< 2 s).
                prop_assert!(l.admits(addr(1), now));
                l.accept(addr(1), now);
                if port != 1 {
                    prop_assert!(!l.admits(addr(port), now));
                }
            }
            prop_assert_eq!(l.latched(), Some(addr(1)));
        }
    }
}
