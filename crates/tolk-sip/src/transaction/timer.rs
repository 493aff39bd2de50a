//! RFC 3261 section 17 and appendix A: the timer values T1, T2 and T4,
//! and the timers A to M (L and M from RFC 6026) derived from them.

use std::time::{Duration, Instant};

/// The base timer values; every transaction timer is derived from them.
///
/// RFC 3261 lets deployments change T1 and T2 (for example on a LAN or a
/// high-latency link); T4 is the longest a message stays in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate (default 500 ms).
    pub t1: Duration,
    /// Longest retransmit interval for non-INVITE requests and INVITE
    /// responses (default 4 s).
    pub t2: Duration,
    /// Longest a message remains in the network (default 5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

/// The transaction timers of RFC 3261 appendix A and RFC 6026.
///
/// Timer C (proxy INVITE transaction timeout) belongs to proxies and has
/// no place in a user agent, so it is not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// INVITE request retransmit interval (unreliable transports).
    A,
    /// INVITE client transaction timeout.
    B,
    /// Wait time for INVITE response retransmits (Completed state).
    D,
    /// Non-INVITE request retransmit interval (unreliable transports).
    E,
    /// Non-INVITE client transaction timeout.
    F,
    /// INVITE final response retransmit interval (unreliable transports).
    G,
    /// Wait time for ACK receipt.
    H,
    /// Wait time for ACK retransmits (Confirmed state).
    I,
    /// Wait time for non-INVITE request retransmits (Completed state).
    J,
    /// Wait time for non-INVITE response retransmits (Completed state).
    K,
    /// Wait time for accepted INVITE request retransmits (RFC 6026).
    L,
    /// Wait time for retransmissions of 2xx to an INVITE (RFC 6026).
    M,
}

impl TimerConfig {
    /// 64*T1: the transaction timeout (B, F, H) and the Accepted-state
    /// lifetime (L, M), and J on unreliable transports.
    pub fn timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// The first interval (or the only duration) of `timer`. `reliable`
    /// says whether the transport is TCP/TLS: retransmit timers are then
    /// not used and the wait timers D, I, J and K are zero.
    pub fn initial(&self, timer: Timer, reliable: bool) -> Duration {
        let unless_reliable = |d: Duration| if reliable { Duration::ZERO } else { d };
        match timer {
            Timer::A | Timer::E | Timer::G => self.t1,
            Timer::B | Timer::F | Timer::H | Timer::L | Timer::M => self.timeout(),
            // "at least 32 seconds" for unreliable transports.
            Timer::D => unless_reliable(Duration::from_secs(32).max(self.timeout() / 2)),
            Timer::I | Timer::K => unless_reliable(self.t4),
            Timer::J => unless_reliable(self.timeout()),
        }
    }

    /// The interval after `previous` for a retransmit timer: A doubles
    /// without bound; E and G double up to T2.
    pub fn next_interval(&self, timer: Timer, previous: Duration) -> Duration {
        let doubled = previous.saturating_mul(2);
        match timer {
            Timer::A => doubled,
            _ => doubled.min(self.t2),
        }
    }

    /// Timer E's interval once a provisional response has arrived: T2
    /// (RFC 3261 17.1.2.2, Proceeding state).
    pub fn proceeding_interval(&self) -> Duration {
        self.t2
    }
}

/// The armed timers of one transaction. A transaction runs at most one
/// retransmit timer (A, E or G), one timeout (B, F or H) and one wait
/// timer (D, I, J, K, L or M) at a time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Schedule {
    retransmit: Option<(Timer, Instant, Duration)>,
    timeout: Option<(Timer, Instant)>,
    wait: Option<(Timer, Instant)>,
}

impl Schedule {
    /// Arms retransmit timer `timer` to fire `interval` after `now`.
    pub(crate) fn retransmit(&mut self, timer: Timer, now: Instant, interval: Duration) {
        self.retransmit = Some((timer, now + interval, interval));
    }

    /// Arms timeout `timer` to fire `after` `now`.
    pub(crate) fn timeout(&mut self, timer: Timer, now: Instant, after: Duration) {
        self.timeout = Some((timer, now + after));
    }

    /// Arms wait timer `timer` to fire `after` `now`.
    pub(crate) fn wait(&mut self, timer: Timer, now: Instant, after: Duration) {
        self.wait = Some((timer, now + after));
    }

    /// Disarms the retransmit timer and the timeout (a state change).
    pub(crate) fn stop_retransmit_and_timeout(&mut self) {
        self.retransmit = None;
        self.timeout = None;
    }

    /// Disarms every timer (the transaction terminated).
    pub(crate) fn clear(&mut self) {
        *self = Schedule::default();
    }

    /// The earliest armed deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        let r = self.retransmit.map(|(_, at, _)| at);
        let t = self.timeout.map(|(_, at)| at);
        let w = self.wait.map(|(_, at)| at);
        [r, t, w].into_iter().flatten().min()
    }

    /// Disarms and returns the earliest timer due at `now`, with the
    /// interval it ran for (meaningful for retransmit timers).
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Timer, Duration)> {
        let due = self.next().filter(|at| *at <= now)?;
        if let Some((timer, _)) = self.wait.filter(|(_, at)| *at == due) {
            self.wait = None;
            return Some((timer, Duration::ZERO));
        }
        if let Some((timer, _)) = self.timeout.filter(|(_, at)| *at == due) {
            self.timeout = None;
            return Some((timer, Duration::ZERO));
        }
        let (timer, _, interval) = self.retransmit.take()?;
        Some((timer, interval))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_rfc_3261_table_4() {
        let c = TimerConfig::default();
        let ms = |m| Duration::from_millis(m);
        assert_eq!(c.initial(Timer::A, false), ms(500));
        assert_eq!(c.initial(Timer::B, false), ms(32_000));
        assert_eq!(c.initial(Timer::D, false), ms(32_000));
        assert_eq!(c.initial(Timer::D, true), Duration::ZERO);
        assert_eq!(c.initial(Timer::E, false), ms(500));
        assert_eq!(c.initial(Timer::F, true), ms(32_000));
        assert_eq!(c.initial(Timer::G, false), ms(500));
        assert_eq!(c.initial(Timer::H, true), ms(32_000));
        assert_eq!(c.initial(Timer::I, false), ms(5_000));
        assert_eq!(c.initial(Timer::I, true), Duration::ZERO);
        assert_eq!(c.initial(Timer::J, false), ms(32_000));
        assert_eq!(c.initial(Timer::J, true), Duration::ZERO);
        assert_eq!(c.initial(Timer::K, false), ms(5_000));
        assert_eq!(c.initial(Timer::K, true), Duration::ZERO);
        assert_eq!(c.initial(Timer::L, false), ms(32_000));
        assert_eq!(c.initial(Timer::M, false), ms(32_000));
    }

    #[test]
    fn backoff_caps_at_t2_except_timer_a() {
        let c = TimerConfig::default();
        let mut e = c.initial(Timer::E, false);
        let mut seen = vec![];
        for _ in 0..5 {
            seen.push(e.as_millis());
            e = c.next_interval(Timer::E, e);
        }
        assert_eq!(seen, [500, 1000, 2000, 4000, 4000]);
        let a = c.next_interval(Timer::A, Duration::from_secs(8));
        assert_eq!(a, Duration::from_secs(16));
    }

    #[test]
    fn timer_d_stays_at_least_32_s_with_a_small_t1() {
        let c = TimerConfig {
            t1: Duration::from_millis(100),
            ..TimerConfig::default()
        };
        assert_eq!(c.initial(Timer::D, false), Duration::from_secs(32));
        assert_eq!(c.initial(Timer::B, false), Duration::from_millis(6_400));
    }

    #[allow(clippy::disallowed_methods)] // a test needs some Instant to start from
    fn start() -> Instant {
        Instant::now()
    }

    #[test]
    fn schedule_pops_timers_in_deadline_order() {
        let t0 = start();
        let mut s = Schedule::default();
        s.retransmit(Timer::A, t0, Duration::from_millis(500));
        s.timeout(Timer::B, t0, Duration::from_secs(32));
        assert_eq!(s.next(), Some(t0 + Duration::from_millis(500)));
        assert_eq!(s.pop_due(t0), None);
        let later = t0 + Duration::from_secs(40);
        assert_eq!(
            s.pop_due(later),
            Some((Timer::A, Duration::from_millis(500)))
        );
        assert_eq!(s.pop_due(later), Some((Timer::B, Duration::ZERO)));
        assert_eq!(s.pop_due(later), None);
        assert_eq!(s.next(), None);
    }
}
