//! The io_uring worker: every socket's multishot receive feeds one
//! completion queue; each pass transforms what arrived, queues the sends,
//! and submits them together with the next wait (one `io_uring_enter` for
//! many packets across many sockets).

use std::io;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Poll};

use super::IoCounters;
use super::ring::{Completion, Packet, Ring, WaitError};
use super::table::{Route, Table, Watch};

/// Re-arms kept for retry without allocating on the packet path.
const PENDING: usize = 256;

/// One io_uring worker's state.
pub struct UringWorker {
    /// Kept for the control channel's waker only: its epoll fd becomes
    /// readable when woken, and the ring polls that fd.
    poll: Poll,
    ring: Ring,
    table: Table,
    arms: Arms,
    counters: Arc<IoCounters>,
    /// Receives to arm again before the next wait (the last try found the
    /// submission queue full).
    pending: Vec<u64>,
    /// Receives that ended on a socket error: armed again at the next tick,
    /// so an error that repeats cannot spin the worker.
    after_tick: Vec<u64>,
    /// Whether the last wait failed (one log line per run of failures).
    wait_failing: bool,
}

/// What to do when a socket's multishot receive ended with `result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rearm {
    /// The kernel ended it for want of a buffer or completion queue room:
    /// arm it again before the next wait.
    Now,
    /// A socket error (reported once and cleared): arm it at the next tick.
    AfterTick,
    /// Cancelled by us, or an error re-arming cannot fix: leave it.
    Never,
}

impl Rearm {
    fn after(result: i32) -> Self {
        if result >= 0 {
            return Self::Now;
        }
        match -result {
            libc::ENOBUFS => Self::Now,
            libc::ECANCELED
            | libc::EBADF
            | libc::ENOTSOCK
            | libc::EINVAL
            | libc::EOPNOTSUPP
            | libc::EFAULT => Self::Never,
            _ => Self::AfterTick,
        }
    }
}

/// Which arming of each socket token is current: completions of an older
/// one (a removed socket whose token was reused) are ignored.
#[derive(Default)]
struct Arms {
    generation: Vec<u32>,
}

impl Arms {
    fn token(&self, t: usize) -> u64 {
        let generation = self.generation.get(t).copied().unwrap_or(0);
        u64::from(generation) << 32 | t as u64
    }

    /// The socket token if `token` is its current arming.
    fn current(&self, token: u64) -> Option<usize> {
        let t = usize::try_from(token & u64::from(u32::MAX)).ok()?;
        (self.token(t) == token).then_some(t)
    }

    fn retire(&mut self, t: usize) {
        if self.generation.len() <= t {
            self.generation.resize(t + 1, 0);
        }
        self.generation[t] = self.generation[t].wrapping_add(1) & 0x3fff_ffff;
    }
}

struct Armer<'a> {
    ring: &'a mut Ring,
    arms: &'a mut Arms,
}

impl Watch for Armer<'_> {
    fn watch(&mut self, t: usize, socket: &UdpSocket) -> io::Result<()> {
        self.arms.retire(t);
        self.ring.arm(socket.as_raw_fd(), self.arms.token(t))
    }

    fn unwatch(&mut self, sockets: &[(usize, &UdpSocket)]) {
        let receives: Vec<_> = sockets
            .iter()
            .map(|&(t, socket)| {
                let armed = self.arms.token(t);
                self.arms.retire(t);
                (socket.as_raw_fd(), armed)
            })
            .collect();
        self.ring.cancel(&receives);
    }
}

impl UringWorker {
    /// A worker on `ring`, woken through `poll`'s waker.
    pub fn new(poll: Poll, ring: Ring, table: Table, counters: Arc<IoCounters>) -> Self {
        Self {
            poll,
            ring,
            table,
            arms: Arms::default(),
            counters,
            pending: Vec::with_capacity(PENDING),
            after_tick: Vec::with_capacity(PENDING),
            wait_failing: false,
        }
    }

    /// Runs until a shutdown command or until the control side hangs up.
    pub fn run(mut self) -> io::Result<()> {
        let mut woken = Events::with_capacity(8);
        loop {
            self.retry_pending();
            self.wait()?;
            let now = Instant::now();
            let mut wake = false;
            while let Some(c) = self.ring.next() {
                match c {
                    Completion::Packet(p) => self.forward(p, now),
                    Completion::Ended { token, result } => self.ended(token, result),
                    Completion::Wake => wake = true,
                }
            }
            if wake {
                // Consume the waker's readiness first: a command sent after
                // this wakes the ring again.
                let _ = self.poll.poll(&mut woken, Some(Duration::ZERO));
            }
            // Every pass, not only on a wake: should the wake poll be lost
            // (ended by an overflow, not re-armable yet), commands still run
            // within a tick. An empty channel costs one try_recv.
            let mut armer = Armer {
                ring: &mut self.ring,
                arms: &mut self.arms,
            };
            if !self.table.handle_commands(&mut armer) {
                return Ok(());
            }
            if self.table.tick_if_due() {
                self.pending.append(&mut self.after_tick);
            }
        }
    }

    /// One wait; transient failures are counted and logged once per run.
    fn wait(&mut self) -> io::Result<()> {
        match self.ring.wait(self.table.until_tick()) {
            Ok(()) => self.wait_failing = false,
            Err(WaitError::Transient(e)) => {
                self.counters.wait_error();
                if !self.wait_failing {
                    tracing::warn!(error = %e, "io_uring wait failed, the relay worker goes on");
                }
                self.wait_failing = true;
            }
            Err(WaitError::Fatal(e)) => {
                tracing::error!(error = %e, "io_uring wait failed, the relay worker stops");
                return Err(e);
            }
        }
        Ok(())
    }

    fn forward(&mut self, packet: Packet, now: Instant) {
        let (Some(t), Some(src)) = (self.arms.current(packet.token()), packet.src()) else {
            self.ring.recycle(packet);
            return;
        };
        let len = packet.len();
        let buf = self.ring.payload_mut(&packet);
        match self.table.packet(t, now, src, buf, len) {
            Route::Forward { token, len, to } => match self.table.fd(token) {
                Some(fd) => self.ring.send(packet, fd, len, to),
                None => self.ring.recycle(packet),
            },
            Route::Transcoded {
                socket,
                packets,
                to,
            } => {
                self.ring.recycle(packet);
                for p in packets.iter() {
                    if !self.ring.send_copy(socket.as_raw_fd(), p, to)
                        && socket.send_to(p, to).is_err()
                    {
                        self.counters.send_failed();
                    }
                }
            }
            Route::Nothing => self.ring.recycle(packet),
        }
    }

    /// A multishot receive ended (no free buffer during a burst, a kernel
    /// limit, a socket error): arm it again, so a stream never stops.
    fn ended(&mut self, token: u64, result: i32) {
        if self.arms.current(token).is_none() {
            return;
        }
        match Rearm::after(result) {
            Rearm::Now => self.rearm(token),
            Rearm::AfterTick => {
                self.counters.receive_error();
                self.after_tick.push(token);
            }
            Rearm::Never => {
                if result != -libc::ECANCELED {
                    self.counters.receive_stopped();
                    let error = io::Error::from_raw_os_error(-result);
                    tracing::error!(%error, "io_uring receive failed for good, a relay socket is no longer read");
                }
            }
        }
    }

    /// Arms `token`'s socket again, or keeps it for the next pass when the
    /// submission queue is full (likely during a burst that ended every
    /// socket's receive at once).
    fn rearm(&mut self, token: u64) {
        if !self.try_arm(token) {
            self.counters.rearm_retry();
            self.pending.push(token);
        }
    }

    fn retry_pending(&mut self) {
        while let Some(&token) = self.pending.last() {
            if self.try_arm(token) {
                self.pending.pop();
            } else {
                // Still full: the rest waits for the next pass too.
                return;
            }
        }
    }

    /// Arms `token`'s socket; true unless the submission queue refused it
    /// (also true when the socket is gone: nothing left to arm).
    fn try_arm(&mut self, token: u64) -> bool {
        match self.arms.current(token).and_then(|t| self.table.fd(t)) {
            Some(fd) => self.ring.arm(fd, token).is_ok(),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;

    use super::*;
    use crate::io::table::Command;
    use crate::session::SessionId;

    #[test]
    fn a_reused_token_ignores_the_old_arming() {
        let mut arms = Arms::default();
        arms.retire(3);
        let first = arms.token(3);
        assert_eq!(arms.current(first), Some(3));
        // Removed, then the slot reused by a new socket: the old receive's
        // completions (its cancellation, a packet already queued) are stale.
        arms.retire(3);
        arms.retire(3);
        let second = arms.token(3);
        assert_ne!(first, second);
        assert_eq!(arms.current(first), None);
        assert_eq!(arms.current(second), Some(3));
        // Tokens fit the ring's 62 bits of user data.
        assert!(second < 1 << 62);
    }

    #[test]
    fn receives_ended_by_the_kernel_are_armed_again_errors_later_or_never() {
        assert_eq!(Rearm::after(0), Rearm::Now, "ended on a CQ overflow");
        assert_eq!(Rearm::after(-libc::ENOBUFS), Rearm::Now);
        assert_eq!(Rearm::after(-libc::ECONNREFUSED), Rearm::AfterTick);
        assert_eq!(Rearm::after(-libc::ENOMEM), Rearm::AfterTick);
        assert_eq!(Rearm::after(-libc::ECANCELED), Rearm::Never);
        assert_eq!(Rearm::after(-libc::EBADF), Rearm::Never);
    }

    #[test]
    fn commands_run_even_when_the_wake_poll_never_fires() {
        // The ring polls a socket nobody writes to, as if the wake poll
        // had ended: commands must still run, within a tick.
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (commands, rx) = mpsc::channel();
        let (events, _events) = mpsc::sync_channel(1);
        let table = Table::new(rx, events, Arc::new(AtomicUsize::new(0)));
        // Built on the thread that runs it: the ring is not Send.
        let thread = std::thread::spawn(move || {
            let counters = Arc::new(IoCounters::default());
            let Ok(ring) = Ring::new(silent.as_raw_fd(), Arc::clone(&counters)) else {
                eprintln!("skip: no io_uring");
                return;
            };
            let worker = UringWorker::new(Poll::new().unwrap(), ring, table, counters);
            worker.run().unwrap();
        });
        let (reply, answer) = crate::io::reply::channel();
        commands.send(Command::Stats(SessionId(9), reply)).unwrap();
        let stats = answer.wait_timeout(Duration::from_secs(5));
        if thread.is_finished() {
            return; // skipped
        }
        assert!(matches!(stats, Some(Ok(None))), "answered without a wake");
        commands.send(Command::Shutdown).unwrap();
        thread.join().unwrap();
    }
}
