//! Relay sessions being deleted. The bridge does not wait for the relay
//! worker to close a finished call's sockets: each delete runs in a task
//! of its own, and adds the session's final counters to the metrics when
//! it completes (a few milliseconds after the call ends). The tasks are
//! kept here so that the end of a drain can wait for them, bounded,
//! before the node stops: every call's counters reach the metrics and
//! its ports are closed before the process exits. Dropped without a
//! drain (the event loop ending another way, its SIP channel closed),
//! the deletes still running are detached, not aborted: the relay may
//! outlive the gateway in an embedder, and an aborted delete would leave
//! its session and ports in it.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;

/// The relay deletes still running.
#[derive(Debug, Default)]
pub(crate) struct RelayDeletes {
    tasks: JoinSet<()>,
}

impl RelayDeletes {
    /// Runs `delete` in a task of its own.
    pub(crate) fn spawn(&mut self, delete: impl Future<Output = ()> + Send + 'static) {
        // Forget the deletes already done, so the set holds only those
        // still running.
        while self.tasks.try_join_next().is_some() {}
        self.tasks.spawn(delete);
    }

    /// Waits up to `limit` for every delete still running; how many
    /// were left unfinished (dropped with the node when it stops).
    pub(crate) async fn settle(&mut self, limit: Duration) -> usize {
        let all = async { while self.tasks.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(limit, all).await;
        self.tasks.len()
    }
}

impl Drop for RelayDeletes {
    fn drop(&mut self) {
        // A JoinSet aborts its tasks when dropped; a delete must finish.
        self.tasks.detach_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn settling_waits_for_the_deletes_running() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut deletes = RelayDeletes::default();
        for _ in 0..3 {
            let done = Arc::clone(&done);
            deletes.spawn(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
        assert_eq!(deletes.settle(Duration::from_secs(5)).await, 0);
        assert_eq!(done.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn settling_gives_up_on_a_delete_that_never_ends() {
        let mut deletes = RelayDeletes::default();
        deletes.spawn(async {});
        deletes.spawn(std::future::pending());
        let left = deletes.settle(Duration::from_millis(50)).await;
        assert_eq!(left, 1, "the stuck delete is reported, the loop goes on");
    }

    #[tokio::test]
    async fn dropping_the_set_lets_the_running_deletes_finish() {
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let (finished, finish) = tokio::sync::oneshot::channel();
        let mut deletes = RelayDeletes::default();
        deletes.spawn(async move {
            // Still running when the set is dropped.
            let _ = released.await;
            let _ = finished.send(());
        });
        drop(deletes);
        release.send(()).expect("the delete was not aborted");
        let done = tokio::time::timeout(Duration::from_secs(5), finish).await;
        assert!(
            matches!(done, Ok(Ok(()))),
            "the delete ran to its end after the drop"
        );
    }
}
