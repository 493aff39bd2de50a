//! The epoll worker (the fallback when io_uring cannot be set up): mio in
//! edge-triggered mode, one `recvmmsg` per ready socket and one `sendmmsg`
//! per run of forwards to the same socket.

use std::io;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use super::IoCounters;
use super::sys::{BATCH, Mmsg, Outgoing, SLOT, Slots};
use super::table::{Route, Table, Watch};

/// The token the control channel's waker uses.
pub const WAKER: Token = Token(usize::MAX);
/// Batches read from one socket before others get a turn.
const BATCHES_PER_TURN: usize = 8;

/// One epoll worker's state.
pub struct Worker {
    poll: Poll,
    table: Table,
    slots: Slots,
    mmsg: Mmsg,
    out: Vec<Outgoing>,
    out_sockets: Vec<usize>,
    pending: Vec<usize>,
    counters: Arc<IoCounters>,
}

struct Registry<'a>(&'a Poll);

impl Watch for Registry<'_> {
    fn watch(&mut self, token: usize, socket: &UdpSocket) -> io::Result<()> {
        let fd = socket.as_raw_fd();
        self.0
            .registry()
            .register(&mut SourceFd(&fd), Token(token), Interest::READABLE)
    }

    fn unwatch(&mut self, sockets: &[(usize, &UdpSocket)]) {
        for (_, socket) in sockets {
            let fd = socket.as_raw_fd();
            let _ = self.0.registry().deregister(&mut SourceFd(&fd));
        }
    }
}

impl Worker {
    /// A worker around an existing poll (whose registry made the waker).
    pub fn new(poll: Poll, table: Table, counters: Arc<IoCounters>) -> Self {
        Self {
            poll,
            table,
            slots: Slots::default(),
            mmsg: Mmsg::default(),
            out: Vec::with_capacity(BATCH),
            out_sockets: Vec::with_capacity(BATCH),
            pending: Vec::with_capacity(64),
            counters,
        }
    }

    /// Runs until a shutdown command or until the control side hangs up.
    pub fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(256);
        let mut ready = Vec::with_capacity(256);
        loop {
            let timeout = if self.pending.is_empty() {
                self.table.until_tick()
            } else {
                Duration::ZERO
            };
            match self.poll.poll(&mut events, Some(timeout)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => other?,
            }
            ready.clear();
            ready.append(&mut self.pending);
            for ev in &events {
                if ev.token() != WAKER {
                    ready.push(ev.token().0);
                }
            }
            for &t in &ready {
                self.drain(t);
            }
            // Every pass, not only on a wake: commands sent while the
            // relay was corked run by the next tick at the latest. An
            // empty channel costs one try_recv.
            if !self.table.handle_commands(&mut Registry(&self.poll)) {
                return Ok(());
            }
            self.table.tick_if_due();
        }
    }

    /// Reads, transforms and forwards what is queued on socket `t`.
    fn drain(&mut self, t: usize) {
        for _ in 0..BATCHES_PER_TURN {
            let Some(fd) = self.table.fd(t) else {
                return;
            };
            let n = match self.mmsg.recv(fd, &mut self.slots) {
                Ok(0) => return,
                Ok(n) => n,
                // A transient error (a pending socket error is reported once
                // and cleared, ENOMEM passes): try again within this turn.
                Err(_) => {
                    self.counters.receive_error();
                    continue;
                }
            };
            let now = Instant::now();
            self.out.clear();
            self.out_sockets.clear();
            for i in 0..n {
                let len = if self.slots.truncated[i] {
                    SLOT + 1
                } else {
                    self.slots.lens[i]
                };
                let src = self.slots.srcs[i];
                match self.table.packet(t, now, src, &mut self.slots.bufs[i], len) {
                    Route::Forward { token, len, to } => {
                        self.out.push(Outgoing { slot: i, len, to });
                        self.out_sockets.push(token);
                    }
                    Route::Transcoded {
                        socket,
                        packets,
                        to,
                    } => {
                        // Audio rates (50 packets/s per call): one send each is
                        // cheap beside the codec work that made them.
                        for packet in packets.iter() {
                            if socket.send_to(packet, to).is_err() {
                                self.counters.send_failed();
                            }
                        }
                    }
                    Route::Nothing => {}
                }
            }
            self.flush();
            if n < BATCH {
                return;
            }
        }
        // Still readable: come back after the other sockets had their turn.
        self.pending.push(t);
    }

    /// Sends the batch's forwards, one `sendmmsg` per run of the same
    /// socket; what the kernel refused is counted as failed sends.
    fn flush(&mut self) {
        let mut start = 0;
        while let Some(&tok) = self.out_sockets.get(start) {
            let end = self.out_sockets[start..]
                .iter()
                .position(|t| *t != tok)
                .map_or(self.out_sockets.len(), |p| start + p);
            let run = &self.out[start..end];
            let sent = match self.table.fd(tok) {
                Some(fd) => self.mmsg.send(fd, &self.slots, run),
                None => 0,
            };
            self.counters.sends_failed(run.len().saturating_sub(sent));
            start = end;
        }
    }
}
