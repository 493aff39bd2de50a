//! A worker thread: owns a share of the sessions and their sockets, and
//! runs the batched receive -> transform -> send loop for them. Nothing is
//! shared with other threads on the packet path: control arrives as
//! commands on a channel, events leave on another.

use std::collections::HashMap;
use std::io;
use std::net::UdpSocket as StdUdpSocket;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::{Duration, Instant};

use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};

use super::socket::BoundEndpoint;
use super::sys::{BATCH, Mmsg, Outgoing, SLOT, Slots};
use crate::endpoint::LegUpdate;
use crate::error::{Error, Result};
use crate::session::{Event, Session, SessionId, SessionStats, Side, Verdict};

/// The token the control channel's waker uses.
pub const WAKER: Token = Token(usize::MAX);
/// Batches read from one socket before others get a turn.
const BATCHES_PER_TURN: usize = 8;
/// How often sessions' silence timers are checked.
const TICK: Duration = Duration::from_millis(250);

/// Control-plane requests to a worker.
pub enum Command {
    /// Take over a session and its sockets.
    Add(Box<Session>, [BoundEndpoint; 2], SyncSender<Result<()>>),
    /// Apply a signalling update to one leg.
    Update(SessionId, Side, Box<LegUpdate>, SyncSender<Result<()>>),
    /// Report a session's counters.
    Stats(SessionId, SyncSender<Option<SessionStats>>),
    /// Remove a session, closing its sockets; replies with its final counters.
    Remove(SessionId, SyncSender<Option<SessionStats>>),
    /// Stop the thread.
    Shutdown,
}

struct SocketEntry {
    socket: UdpSocket,
    session: usize,
    side: Side,
    rtcp: bool,
}

struct SessionEntry {
    session: Session,
    /// Socket tokens: `[side][rtcp]`.
    tokens: [[Option<usize>; 2]; 2],
}

/// One worker's state.
pub struct Worker {
    poll: Poll,
    commands: Receiver<Command>,
    events: SyncSender<Event>,
    /// Transcoded directions across the relay (a gauge the owner reads).
    transcoded: Arc<AtomicUsize>,
    sockets: Vec<Option<SocketEntry>>,
    sessions: Vec<Option<SessionEntry>>,
    by_id: HashMap<SessionId, usize>,
    slots: Slots,
    mmsg: Mmsg,
    out: Vec<Outgoing>,
    out_sockets: Vec<usize>,
    pending: Vec<usize>,
}

impl Worker {
    /// A worker around an existing poll (whose registry made the waker).
    pub fn new(
        poll: Poll,
        commands: Receiver<Command>,
        events: SyncSender<Event>,
        transcoded: Arc<AtomicUsize>,
    ) -> Self {
        Self {
            poll,
            commands,
            events,
            transcoded,
            sockets: Vec::new(),
            sessions: Vec::new(),
            by_id: HashMap::new(),
            slots: Slots::default(),
            mmsg: Mmsg::default(),
            out: Vec::with_capacity(BATCH),
            out_sockets: Vec::with_capacity(BATCH),
            pending: Vec::with_capacity(64),
        }
    }

    /// Runs until [`Command::Shutdown`] or until the control side hangs up.
    pub fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(256);
        let mut next_tick = Instant::now() + TICK;
        let mut ready = Vec::with_capacity(256);
        loop {
            let timeout = if self.pending.is_empty() {
                next_tick.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            match self.poll.poll(&mut events, Some(timeout)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => other?,
            }
            ready.clear();
            ready.append(&mut self.pending);
            let mut wake = false;
            for ev in &events {
                match ev.token() {
                    WAKER => wake = true,
                    Token(t) => ready.push(t),
                }
            }
            for &t in &ready {
                self.drain(t);
            }
            if wake && !self.handle_commands() {
                return Ok(());
            }
            let now = Instant::now();
            if now >= next_tick {
                next_tick = now + TICK;
                self.tick(now);
            }
        }
    }

    /// False once the worker should stop.
    fn handle_commands(&mut self) -> bool {
        while let Ok(cmd) = self.commands.try_recv() {
            match cmd {
                Command::Add(session, bound, reply) => {
                    let _ = reply.send(self.add(*session, bound));
                }
                Command::Update(id, side, update, reply) => {
                    let result = match self.entry(id) {
                        Some(e) => {
                            let before = e.session.transcoded_streams();
                            let result = e.session.update(side, *update);
                            e.session.restart_silence(Instant::now());
                            let after = e.session.transcoded_streams();
                            self.transcoded.fetch_add(after, Ordering::Relaxed);
                            self.transcoded.fetch_sub(before, Ordering::Relaxed);
                            result
                        }
                        None => Err(Error::Unknown("session")),
                    };
                    let _ = reply.send(result);
                }
                Command::Stats(id, reply) => {
                    let _ = reply.send(self.entry(id).map(|e| e.session.stats()));
                }
                Command::Remove(id, reply) => {
                    let _ = reply.send(self.remove(id));
                }
                Command::Shutdown => return false,
            }
        }
        true
    }

    fn entry(&mut self, id: SessionId) -> Option<&mut SessionEntry> {
        let idx = *self.by_id.get(&id)?;
        self.sessions.get_mut(idx)?.as_mut()
    }

    fn add(&mut self, session: Session, bound: [BoundEndpoint; 2]) -> Result<()> {
        let idx = free_slot(&mut self.sessions);
        let id = session.id();
        let mut tokens = [[None; 2]; 2];
        for (side, ep) in [Side::A, Side::B].into_iter().zip(bound) {
            let sockets = [Some(ep.rtp), ep.rtcp];
            for (rtcp, socket) in [false, true].into_iter().zip(sockets) {
                let Some(socket) = socket else { continue };
                let t = self.register(socket, idx, side, rtcp)?;
                tokens[side_index(side)][usize::from(rtcp)] = Some(t);
            }
        }
        self.sessions[idx] = Some(SessionEntry { session, tokens });
        self.by_id.insert(id, idx);
        Ok(())
    }

    fn register(
        &mut self,
        socket: StdUdpSocket,
        session: usize,
        side: Side,
        rtcp: bool,
    ) -> Result<usize> {
        let t = free_slot(&mut self.sockets);
        let mut socket = UdpSocket::from_std(socket);
        self.poll
            .registry()
            .register(&mut socket, Token(t), Interest::READABLE)?;
        self.sockets[t] = Some(SocketEntry {
            socket,
            session,
            side,
            rtcp,
        });
        Ok(t)
    }

    fn remove(&mut self, id: SessionId) -> Option<SessionStats> {
        let idx = self.by_id.remove(&id)?;
        let entry = self.sessions.get_mut(idx)?.take()?;
        self.transcoded
            .fetch_sub(entry.session.transcoded_streams(), Ordering::Relaxed);
        for t in entry.tokens.iter().flatten().flatten() {
            if let Some(mut s) = self.sockets.get_mut(*t).and_then(Option::take) {
                let _ = self.poll.registry().deregister(&mut s.socket);
            }
        }
        Some(entry.session.stats())
    }

    /// Reads, transforms and forwards what is queued on socket `t`.
    fn drain(&mut self, t: usize) {
        for _ in 0..BATCHES_PER_TURN {
            let Some(Some(entry)) = self.sockets.get(t) else {
                return;
            };
            let (fd, sidx, side, rtcp) = (
                entry.socket.as_raw_fd(),
                entry.session,
                entry.side,
                entry.rtcp,
            );
            let n = match self.mmsg.recv(fd, &mut self.slots) {
                Ok(0) => return,
                Ok(n) => n,
                // A transient error (a pending socket error is reported once
                // and cleared, ENOMEM passes): try again within this turn.
                Err(_) => continue,
            };
            let Some(Some(se)) = self.sessions.get_mut(sidx) else {
                return;
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
                let verdict =
                    se.session
                        .handle_packet(now, side, rtcp, src, &mut self.slots.bufs[i], len);
                match verdict {
                    Verdict::Forward {
                        side: out_side,
                        rtcp_socket,
                        to,
                        len,
                    } => {
                        let tok = se.tokens[side_index(out_side)][usize::from(rtcp_socket)];
                        if let Some(tok) = tok {
                            self.out.push(Outgoing { slot: i, len, to });
                            self.out_sockets.push(tok);
                        }
                    }
                    Verdict::Transcoded {
                        side: out_side, to, ..
                    } => {
                        // Audio rates (50 packets/s per call): one send each is
                        // cheap beside the codec work that made them.
                        let tok = se.tokens[side_index(out_side)][0];
                        let socket = tok.and_then(|t| self.sockets.get(t)?.as_ref());
                        if let (Some(entry), Some(outbox)) = (socket, se.session.outbox(out_side)) {
                            for packet in outbox.iter() {
                                let _ = entry.socket.send_to(packet, to);
                            }
                        }
                    }
                    Verdict::Drop(_) => {}
                }
            }
            while let Some(ev) = se.session.poll_event() {
                // A full queue (nobody reading) drops the event, never blocks media.
                let _ = self.events.try_send(ev);
            }
            self.flush();
            if n < BATCH {
                return;
            }
        }
        // Still readable: come back after the other sockets had their turn.
        self.pending.push(t);
    }

    /// Sends the batch's forwards, one `sendmmsg` per run of the same socket.
    fn flush(&mut self) {
        let mut start = 0;
        while let Some(&tok) = self.out_sockets.get(start) {
            let end = self.out_sockets[start..]
                .iter()
                .position(|t| *t != tok)
                .map_or(self.out_sockets.len(), |p| start + p);
            if let Some(Some(entry)) = self.sockets.get(tok) {
                let _ =
                    self.mmsg
                        .send(entry.socket.as_raw_fd(), &self.slots, &self.out[start..end]);
            }
            start = end;
        }
    }

    fn tick(&mut self, now: Instant) {
        for se in self.sessions.iter_mut().flatten() {
            se.session.handle_timeout(now);
            while let Some(ev) = se.session.poll_event() {
                // A full queue (nobody reading) drops the event, never blocks media.
                let _ = self.events.try_send(ev);
            }
        }
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::A => 0,
        Side::B => 1,
    }
}

fn free_slot<T>(v: &mut Vec<Option<T>>) -> usize {
    match v.iter().position(Option::is_none) {
        Some(i) => i,
        None => {
            v.push(None);
            v.len() - 1
        }
    }
}
