//! Counting a node's resources back to zero after a scenario.

use std::time::Duration;

use super::{Tolk, wait_for};

/// What must be zero once every call is over.
const GAUGES: [&str; 3] = [
    "tolk_active_calls",
    "tolk_sip_dialogs",
    "tolk_relay_sessions",
];

impl Tolk {
    /// Waits (up to 10 s) until calls, SIP dialogs and relay sessions are
    /// all zero and the admin API lists no call; panics naming what is
    /// left otherwise.
    pub fn assert_idle(&self) {
        let idle = wait_for(Duration::from_secs(10), || {
            GAUGES.iter().all(|name| self.metric(name) == 0)
        });
        let calls = self.http("GET", "/calls");
        assert!(
            idle && calls.ends_with("[]"),
            "resources left: {:?} calls {calls}",
            GAUGES.map(|n| (n, self.metric(n)))
        );
    }
}
