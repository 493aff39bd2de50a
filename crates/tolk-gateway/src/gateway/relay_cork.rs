//! Holding the relay's wake-ups back while the event loop has a backlog.
//!
//! Every relay command wakes the relay worker's thread, and where that
//! thread shares a core with the signalling each wake-up is a context
//! switch there and back. While more events wait, the loop corks the relay
//! ([`Relay::cork`]) and a task uncorks it once the loop yields: a burst
//! of calls then wakes the relay once, and the busier the loop, the
//! cheaper each call. An idle loop never corks, so a lone call's commands
//! go out at once.

use std::sync::Arc;

use tolk_relay::Relay;

pub(crate) struct RelayCork {
    relay: Arc<Relay>,
}

impl RelayCork {
    pub(crate) fn new(relay: Arc<Relay>) -> Self {
        Self { relay }
    }

    /// After one event: with a `backlog`, corks the relay and schedules
    /// the uncork, which runs when the loop next yields, whether it waits
    /// for input or for anything else (an answer from the relay among
    /// them, so the loop never waits on a corked relay for long).
    pub(crate) fn after_event(&self, backlog: bool) {
        if backlog && !self.relay.is_corked() {
            self.relay.cork();
            let relay = Arc::clone(&self.relay);
            tokio::spawn(async move { relay.uncork() });
        }
    }
}
