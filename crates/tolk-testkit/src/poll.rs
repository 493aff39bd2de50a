//! Waiting for a condition that a peer or a node reaches in its own time.

use std::time::{Duration, Instant};

/// Polls `done` every 100 ms for at most `limit`; true once it holds.
pub fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}
