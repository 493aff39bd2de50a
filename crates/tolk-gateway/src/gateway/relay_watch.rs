//! Relay commands the bridge does not wait for. The bridge serves every
//! call from one loop: waiting there for the relay worker to take each
//! session, update and delete would hold up every other call's
//! signalling. Each outcome is awaited in a task of its own instead, and
//! a session the worker could not set up as asked is reported to the
//! event loop, which ends its call.

use std::future::Future;

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
