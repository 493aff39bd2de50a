//! Relay commands the bridge does not wait for. The bridge serves every
//! call from one loop: waiting there for the relay worker to take each
//! session, update and delete would hold up every other call's
//! signalling. Each outcome is awaited in a task of its own instead, and
//! a session the worker could not set up as asked is reported to the
//! event loop, which ends its call.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tolk_relay::SessionId;

/// Reports relay sessions whose queued setup failed.
#[derive(Debug, Clone)]
pub(crate) struct RelayWatch(UnboundedSender<SessionId>);

impl RelayWatch {
    /// The watch, and where its failures arrive.
    pub(crate) fn new() -> (RelayWatch, UnboundedReceiver<SessionId>) {
        let (failures, receiver) = mpsc::unbounded_channel();
        (RelayWatch(failures), receiver)
    }

    /// Awaits `outcome` (a handover or an update of `session`) in a task
    /// of its own; a failure reports `session`.
    pub(crate) fn watch(
        &self,
        session: SessionId,
        outcome: impl Future<Output = tolk_relay::Result<()>> + Send + 'static,
    ) {
        let failures = self.0.clone();
        tokio::spawn(async move {
            if let Err(error) = outcome.await {
                tracing::warn!(session = session.0, %error, "the relay could not set the session up as asked");
                let _ = failures.send(session);
            }
        });
    }
}

/// A relay command's outcome, not yet known.
type Outcome = Pin<Box<dyn Future<Output = tolk_relay::Result<()>> + Send>>;

/// The relay's verdicts on the updates one negotiation step sent: left
/// to the watch while a call is set up (a failure ends the call), or
/// awaited for a re-offer, which a failure refuses while the call goes on.
#[derive(Default)]
#[must_use = "verdicts are awaited or watched"]
pub(crate) struct Verdicts(Vec<(SessionId, Outcome)>);

impl Verdicts {
    /// Adds the outcome of a command sent for `session`.
    pub(crate) fn push(
        &mut self,
        session: SessionId,
        outcome: impl Future<Output = tolk_relay::Result<()>> + Send + 'static,
    ) {
        self.0.push((session, Box::pin(outcome)));
    }

    /// Leaves every outcome to `watch`.
    pub(crate) fn watch(self, watch: &RelayWatch) {
        for (session, outcome) in self.0 {
            watch.watch(session, outcome);
        }
    }

    /// Waits for every outcome; the first failure.
    pub(crate) async fn wait(self) -> tolk_relay::Result<()> {
        for (_, outcome) in self.0 {
            outcome.await?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Verdicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Verdicts").field(&self.0.len()).finish()
    }
}
