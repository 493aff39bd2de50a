//! The io_uring worker: every socket's multishot receive feeds one
//! completion queue; each pass transforms what arrived, queues the sends,
//! and submits them together with the next wait (one `io_uring_enter` for
//! many packets across many sockets).

use std::io;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use mio::{Events, Poll};

use super::ring::{Completion, Packet, Ring};
use super::table::{Route, Table, Watch};

/// One io_uring worker's state.
pub struct UringWorker {
    /// Kept for the control channel's waker only: its epoll fd becomes
    /// readable when woken, and the ring polls that fd.
    poll: Poll,
    ring: Ring,
    table: Table,
    arms: Arms,
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

    fn unwatch(&mut self, t: usize, socket: &UdpSocket) {
        self.arms.retire(t);
        self.ring.cancel(socket.as_raw_fd());
    }
}

impl UringWorker {
    /// A worker on `ring`, woken through `poll`'s waker.
    pub fn new(poll: Poll, ring: Ring, table: Table) -> Self {
        Self {
            poll,
            ring,
            table,
            arms: Arms::default(),
        }
    }

    /// Runs until a shutdown command or until the control side hangs up.
    pub fn run(mut self) -> io::Result<()> {
        let mut woken = Events::with_capacity(8);
        loop {
            self.ring.wait(self.table.until_tick())?;
            let now = Instant::now();
            let mut wake = false;
            while let Some(c) = self.ring.next() {
                match c {
                    Completion::Packet(p) => self.forward(p, now),
                    Completion::Ended(token) => self.rearm(token),
                    Completion::Wake => wake = true,
                }
            }
            if wake {
                // Consume the waker's readiness first: a command sent after
                // this wakes the ring again.
                let _ = self.poll.poll(&mut woken, Some(Duration::ZERO));
                let mut armer = Armer {
                    ring: &mut self.ring,
                    arms: &mut self.arms,
                };
                if !self.table.handle_commands(&mut armer) {
                    return Ok(());
                }
            }
            self.table.tick_if_due();
        }
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
                    if !self.ring.send_copy(socket.as_raw_fd(), p, to) {
                        let _ = socket.send_to(p, to);
                    }
                }
            }
            Route::Nothing => self.ring.recycle(packet),
        }
    }

    /// A multishot receive ended (no free buffer during a burst, a socket
    /// error, a kernel limit): arm it again, so a stream never stops.
    fn rearm(&mut self, token: u64) {
        let Some(t) = self.arms.current(token) else {
            return;
        };
        if let Some(fd) = self.table.fd(t) {
            // Failing that (submission queue full twice), the socket stays
            // silent; nothing else on the ring is affected.
            let _ = self.ring.arm(fd, token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Arms;

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
}
