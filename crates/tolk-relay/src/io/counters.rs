//! Per-worker I/O counters: what the packet loops lost or gave up on
//! outside any session's own counters. Each worker has its own set (no
//! cache line shared between cores); [`super::Relay::io_stats`] sums them.

use std::sync::atomic::{AtomicU64, Ordering};

/// One worker's counters, bumped by its thread, read by anyone.
#[derive(Debug, Default)]
pub struct IoCounters {
    send_failures: AtomicU64,
    receive_errors: AtomicU64,
    receives_stopped: AtomicU64,
    rearm_retries: AtomicU64,
    wait_errors: AtomicU64,
}

/// A snapshot of the relay's I/O counters, summed over its workers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoStats {
    /// Forwarded packets the kernel refused to send (socket buffer full,
    /// no route, an unusable address...) after their session counted them.
    pub send_failures: u64,
    /// Times a socket's receive ended with an error (io_uring) or a read
    /// failed (epoll); the socket is read again.
    pub receive_errors: u64,
    /// Sockets whose receive ended with an error that re-arming cannot
    /// fix (io_uring): they are no longer read.
    pub receives_stopped: u64,
    /// Receive re-arms that found the submission queue full and were retried.
    pub rearm_retries: u64,
    /// io_uring waits that failed transiently (no memory, an overflow).
    pub wait_errors: u64,
}

impl IoCounters {
    pub(crate) fn send_failed(&self) {
        self.send_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sends_failed(&self, n: usize) {
        self.send_failures.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn receive_error(&self) {
        self.receive_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn receive_stopped(&self) {
        self.receives_stopped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rearm_retry(&self) {
        self.rearm_retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn wait_error(&self) {
        self.wait_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds this worker's counts to `total`.
    pub(crate) fn add_to(&self, total: &mut IoStats) {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        total.send_failures += load(&self.send_failures);
        total.receive_errors += load(&self.receive_errors);
        total.receives_stopped += load(&self.receives_stopped);
        total.rearm_retries += load(&self.rearm_retries);
        total.wait_errors += load(&self.wait_errors);
    }
}
