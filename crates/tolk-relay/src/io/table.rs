//! What a worker owns whichever I/O path drives it: its sessions, their
//! sockets (by token), the control commands and the silence tick. The
//! epoll and io_uring loops only move packets; the per-packet decision is
//! [`Table::packet`], the same for both.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use super::Reply;
use std::time::{Duration, Instant};

use super::socket::BoundEndpoint;
use crate::endpoint::LegUpdate;
use crate::error::{Error, Result};
use crate::keyframe::KeyframeKind;
use crate::session::{Event, Session, SessionId, SessionStats, Side, Verdict};
use crate::transform::Outbox;

/// How often sessions' silence timers are checked.
pub const TICK: Duration = Duration::from_millis(250);

/// Control-plane requests to a worker.
pub enum Command {
    /// Take over a session and its sockets.
    Add(Box<Session>, [BoundEndpoint; 2], Reply<Result<()>>),
    /// Apply signalling updates to legs, in order, up to the first that fails.
    Update(SessionId, Vec<LegChange>, Reply<Result<()>>),
    /// Send a keyframe request from the relay to one leg; replies whether it went out.
    Keyframe(SessionId, Side, KeyframeKind, Reply<Result<bool>>),
    /// Ask a session's transforms for their timeouts again: something
    /// outside the relay gave them work of their own (a key press queued).
    PollTransforms(SessionId),
    /// Report a session's counters.
    Stats(SessionId, Reply<Option<SessionStats>>),
    /// Remove a session; replies with its final counters and its sockets.
    Remove(SessionId, Reply<Option<Removed>>),
    /// Stop the thread.
    Shutdown,
}

/// A signalling update to one leg, with the leg's RTCP socket to take
/// over when an offered rtcp-mux was declined, or to close when its peer
/// started muxing.
pub struct LegChange {
    /// The leg.
    pub side: Side,
    /// What changes.
    pub update: LegUpdate,
    /// The RTCP socket bound for the leg, if any.
    pub rtcp_socket: Option<UdpSocket>,
    /// Close the leg's RTCP socket: its RTCP now comes on the RTP one.
    pub close_rtcp: bool,
}

/// A removed session's final counters and its sockets, `[side][rtcp]`,
/// no longer watched: the control side keeps them idle or closes them.
pub struct Removed {
    /// The final counters.
    pub stats: SessionStats,
    /// The sockets, by leg then RTP/RTCP.
    pub sockets: [[Option<UdpSocket>; 2]; 2],
}

/// How an I/O path starts and stops watching a socket.
pub trait Watch {
    /// Starts delivering `socket`'s datagrams under `token`.
    fn watch(&mut self, token: usize, socket: &UdpSocket) -> io::Result<()>;
    /// Stops watching `sockets` (token, socket), before they are closed
    /// or handed back for another session; nothing for their tokens is
    /// read after, and the I/O path holds no reference to them. All of a session's at once,
    /// so an I/O path can share the cost of stopping.
    fn unwatch(&mut self, sockets: &[(usize, &UdpSocket)]);
}

/// Where one received packet goes.
pub enum Route<'a> {
    /// Send `len` bytes of the (transformed in place) buffer from socket `token` to `to`.
    Forward {
        /// The sending socket's token.
        token: usize,
        /// Bytes to send.
        len: usize,
        /// Destination.
        to: SocketAddr,
    },
    /// Send the transcoder's packets from `socket` to `to`.
    Transcoded {
        /// The sending socket.
        socket: &'a UdpSocket,
        /// The packets.
        packets: &'a Outbox,
        /// Destination.
        to: SocketAddr,
    },
    /// Nothing to send (dropped, counted by the session).
    Nothing,
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
    /// Listed in [`Table::timed`].
    timed: bool,
}

/// One worker's sessions and sockets.
pub struct Table {
    commands: Receiver<Command>,
    events: SyncSender<Event>,
    /// Transcoded directions across the relay (a gauge the owner reads).
    transcoded: Arc<AtomicUsize>,
    sockets: Vec<Option<SocketEntry>>,
    sessions: Vec<Option<SessionEntry>>,
    by_id: HashMap<SessionId, usize>,
    next_tick: Instant,
    /// Sessions whose transforms asked for a timeout (indexes).
    timed: Vec<usize>,
    /// The earliest of their timeouts (a spurious wake when one moved later).
    transform_deadline: Option<Instant>,
}

impl Table {
    /// An empty table fed by `commands`.
    pub fn new(
        commands: Receiver<Command>,
        events: SyncSender<Event>,
        transcoded: Arc<AtomicUsize>,
    ) -> Self {
        Self {
            commands,
            events,
            transcoded,
            sockets: Vec::new(),
            sessions: Vec::new(),
            by_id: HashMap::new(),
            next_tick: Instant::now() + TICK,
            timed: Vec::new(),
            transform_deadline: None,
        }
    }

    /// Runs the queued commands; false once the worker should stop.
    pub fn handle_commands(&mut self, watch: &mut impl Watch) -> bool {
        while let Ok(cmd) = self.commands.try_recv() {
            match cmd {
                Command::Add(session, bound, reply) => {
                    reply.send(self.add(*session, bound, watch));
                }
                Command::Update(id, changes, reply) => {
                    let applied = changes.into_iter().try_for_each(|change| {
                        if let Some(socket) = change.rtcp_socket {
                            self.add_rtcp_socket(id, change.side, socket, watch)?;
                        }
                        if change.close_rtcp {
                            self.close_rtcp_socket(id, change.side, watch);
                        }
                        self.update(id, change.side, change.update)
                    });
                    reply.send(applied);
                }
                Command::Keyframe(id, side, kind, reply) => {
                    reply.send(self.send_keyframe_request(id, side, kind));
                }
                Command::PollTransforms(id) => {
                    if let Some(&idx) = self.by_id.get(&id)
                        && let Some(Some(se)) = self.sessions.get_mut(idx)
                    {
                        schedule(&mut self.timed, &mut self.transform_deadline, se, idx);
                    }
                }
                Command::Stats(id, reply) => {
                    reply.send(self.entry(id).map(|e| e.session.stats()));
                }
                Command::Remove(id, reply) => {
                    reply.send(self.remove(id, watch));
                }
                Command::Shutdown => return false,
            }
        }
        true
    }

    /// How long until the next silence check or transform timeout.
    pub fn until_tick(&self) -> Duration {
        let next = self
            .transform_deadline
            .map_or(self.next_tick, |at| at.min(self.next_tick));
        next.saturating_duration_since(Instant::now())
    }

    /// Runs the transform timeouts that are due, and checks silence
    /// timers when the tick is due; true if the tick was.
    pub fn tick_if_due(&mut self) -> bool {
        let now = Instant::now();
        if self.transform_deadline.is_some_and(|at| at <= now) {
            self.transform_timeouts(now);
        }
        if now < self.next_tick {
            return false;
        }
        self.next_tick = now + TICK;
        for se in self.sessions.iter_mut().flatten() {
            se.session.handle_timeout(now);
            while let Some(ev) = se.session.poll_event() {
                // A full queue (nobody reading) drops the event, never blocks media.
                let _ = self.events.try_send(ev);
            }
        }
        true
    }

    /// Sends what the transforms of timed sessions have due at `now` (key
    /// presses paced through silence): control-path work at packet-time
    /// rates, sent directly like a keyframe request. Sessions whose
    /// transforms no longer ask for a timeout leave the list.
    fn transform_timeouts(&mut self, now: Instant) {
        let Self {
            timed,
            sessions,
            sockets,
            ..
        } = self;
        let mut deadline: Option<Instant> = None;
        timed.retain(|&idx| {
            let Some(Some(se)) = sessions.get_mut(idx) else {
                return false;
            };
            for side in [Side::A, Side::B] {
                let Some((to, _)) = se.session.handle_transform_timeout(now, side) else {
                    continue;
                };
                let socket = se.tokens[side_index(side)][0]
                    .and_then(|t| Some(&sockets.get(t)?.as_ref()?.socket));
                if let (Some(socket), Some(packets)) = (socket, se.session.outbox(side)) {
                    for packet in packets.iter() {
                        let _ = socket.send_to(packet, to);
                    }
                }
            }
            let next = se.session.poll_transform_timeout();
            se.timed = next.is_some();
            deadline = next.map_or(deadline, |at| Some(deadline.map_or(at, |d| d.min(at))));
            se.timed
        });
        self.transform_deadline = deadline;
    }

    /// The socket behind `token`, if still open.
    pub fn fd(&self, token: usize) -> Option<RawFd> {
        Some(self.sockets.get(token)?.as_ref()?.socket.as_raw_fd())
    }

    /// Transforms `buf[..len]`, received from `src` on socket `token`, in
    /// place and says where it goes. `len` past `buf.len()` means the kernel
    /// cut the datagram (it is dropped as oversized).
    pub fn packet(
        &mut self,
        token: usize,
        now: Instant,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
    ) -> Route<'_> {
        let Self {
            sockets,
            sessions,
            events,
            timed,
            transform_deadline,
            ..
        } = self;
        let Some(Some(entry)) = sockets.get(token) else {
            return Route::Nothing;
        };
        let (side, rtcp, idx) = (entry.side, entry.rtcp, entry.session);
        let Some(Some(se)) = sessions.get_mut(idx) else {
            return Route::Nothing;
        };
        let verdict = se.session.handle_packet(now, side, rtcp, src, buf, len);
        while let Some(ev) = se.session.poll_event() {
            // A full queue (nobody reading) drops the event, never blocks media.
            let _ = events.try_send(ev);
        }
        schedule(timed, transform_deadline, se, idx);
        match verdict {
            Verdict::Forward {
                side: out,
                rtcp_socket,
                to,
                len,
            } => {
                // An endpoint without its own RTCP socket sends RTCP from
                // its only one (a muxed leg whose peer stopped muxing).
                let tokens = se.tokens[side_index(out)];
                match tokens[usize::from(rtcp_socket)].or(tokens[0]) {
                    Some(token) => Route::Forward { token, len, to },
                    None => Route::Nothing,
                }
            }
            Verdict::Transcoded { side: out, to, .. } => {
                let socket = se.tokens[side_index(out)][0]
                    .and_then(|t| Some(&sockets.get(t)?.as_ref()?.socket));
                match (socket, se.session.outbox(out)) {
                    (Some(socket), Some(packets)) => Route::Transcoded {
                        socket,
                        packets,
                        to,
                    },
                    _ => Route::Nothing,
                }
            }
            Verdict::Drop(_) => Route::Nothing,
        }
    }

    /// Writes a keyframe request toward `side` in a spare buffer and sends
    /// it from that leg's RTCP (or muxed) socket directly: control-path
    /// work, so neither packet loop checks for it.
    fn send_keyframe_request(
        &mut self,
        id: SessionId,
        side: Side,
        kind: KeyframeKind,
    ) -> Result<bool> {
        let entry = self.entry(id).ok_or(Error::Unknown("session"))?;
        let mut buf = [0u8; 128];
        let Some((rtcp_socket, to, len)) = entry.session.keyframe_request(side, kind, &mut buf)?
        else {
            return Ok(false);
        };
        let tokens = entry.tokens[side_index(side)];
        let token = tokens[usize::from(rtcp_socket)].or(tokens[0]);
        match token.and_then(|t| self.sockets.get(t)?.as_ref()) {
            Some(socket) => {
                socket.socket.send_to(&buf[..len], to)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn entry(&mut self, id: SessionId) -> Option<&mut SessionEntry> {
        let idx = *self.by_id.get(&id)?;
        self.sessions.get_mut(idx)?.as_mut()
    }

    fn update(&mut self, id: SessionId, side: Side, update: LegUpdate) -> Result<()> {
        let transcoded = Arc::clone(&self.transcoded);
        let e = self.entry(id).ok_or(Error::Unknown("session"))?;
        let before = e.session.transcoded_streams();
        let result = e.session.update(side, update);
        // Media may only start now (a call answered, a leg moved).
        e.session.restart_silence(Instant::now());
        let after = e.session.transcoded_streams();
        transcoded.fetch_add(after, Ordering::Relaxed);
        transcoded.fetch_sub(before, Ordering::Relaxed);
        result
    }

    /// Watches the RTCP socket bound for `side` once its peer declined
    /// the rtcp-mux we offered.
    fn add_rtcp_socket(
        &mut self,
        id: SessionId,
        side: Side,
        socket: UdpSocket,
        watch: &mut impl Watch,
    ) -> Result<()> {
        let idx = *self.by_id.get(&id).ok_or(Error::Unknown("session"))?;
        let t = free_slot(&mut self.sockets);
        watch.watch(t, &socket)?;
        self.sockets[t] = Some(SocketEntry {
            socket,
            session: idx,
            side,
            rtcp: true,
        });
        let previous = self
            .sessions
            .get_mut(idx)
            .and_then(Option::as_mut)
            .map(|se| se.tokens[side_index(side)][1].replace(t));
        // A leg holds one RTCP socket: a stale one is closed.
        if let Some(Some(old)) = previous {
            self.close(std::iter::once(old), watch);
        }
        Ok(())
    }

    /// Closes `side`'s RTCP socket, if it has one (its peer muxes now).
    fn close_rtcp_socket(&mut self, id: SessionId, side: Side, watch: &mut impl Watch) {
        let token = self
            .by_id
            .get(&id)
            .and_then(|&idx| self.sessions.get_mut(idx)?.as_mut())
            .and_then(|se| se.tokens[side_index(side)][1].take());
        if let Some(token) = token {
            self.close(std::iter::once(token), watch);
        }
    }

    fn add(
        &mut self,
        session: Session,
        bound: [BoundEndpoint; 2],
        watch: &mut impl Watch,
    ) -> Result<()> {
        let idx = free_slot(&mut self.sessions);
        let id = session.id();
        let mut tokens = [[None; 2]; 2];
        for (side, ep) in [Side::A, Side::B].into_iter().zip(bound) {
            let sockets = [Some(ep.rtp), ep.rtcp];
            for (rtcp, socket) in [false, true].into_iter().zip(sockets) {
                let Some(socket) = socket else { continue };
                let t = free_slot(&mut self.sockets);
                if let Err(e) = watch.watch(t, &socket) {
                    self.close(tokens.iter().flatten().flatten().copied(), watch);
                    return Err(e.into());
                }
                self.sockets[t] = Some(SocketEntry {
                    socket,
                    session: idx,
                    side,
                    rtcp,
                });
                tokens[side_index(side)][usize::from(rtcp)] = Some(t);
            }
        }
        self.sessions[idx] = Some(SessionEntry {
            session,
            tokens,
            timed: false,
        });
        self.by_id.insert(id, idx);
        Ok(())
    }

    fn remove(&mut self, id: SessionId, watch: &mut impl Watch) -> Option<Removed> {
        let idx = self.by_id.remove(&id)?;
        let entry = self.sessions.get_mut(idx)?.take()?;
        if entry.timed {
            self.timed.retain(|&i| i != idx);
        }
        self.transcoded
            .fetch_sub(entry.session.transcoded_streams(), Ordering::Relaxed);
        let mut sockets = [[None, None], [None, None]];
        for socket in self.detach(entry.tokens.iter().flatten().flatten().copied(), watch) {
            sockets[side_index(socket.side)][usize::from(socket.rtcp)] = Some(socket.socket);
        }
        Some(Removed {
            stats: entry.session.stats(),
            sockets,
        })
    }

    fn close(&mut self, tokens: impl Iterator<Item = usize>, watch: &mut impl Watch) {
        drop(self.detach(tokens, watch));
    }

    /// Stops watching the sockets of `tokens` and hands them out.
    fn detach(
        &mut self,
        tokens: impl Iterator<Item = usize>,
        watch: &mut impl Watch,
    ) -> Vec<SocketEntry> {
        let detached: Vec<(usize, SocketEntry)> = tokens
            .filter_map(|t| Some((t, self.sockets.get_mut(t)?.take()?)))
            .collect();
        if !detached.is_empty() {
            let sockets: Vec<(usize, &UdpSocket)> =
                detached.iter().map(|(t, s)| (*t, &s.socket)).collect();
            watch.unwatch(&sockets);
        }
        detached.into_iter().map(|(_, s)| s).collect()
    }
}

/// Lists session `idx` among the timed ones when its transforms want a
/// timeout, and brings the worker's next transform deadline forward to it.
fn schedule(
    timed: &mut Vec<usize>,
    deadline: &mut Option<Instant>,
    se: &mut SessionEntry,
    idx: usize,
) {
    let Some(at) = se.session.poll_transform_timeout() else {
        return;
    };
    if !se.timed {
        se.timed = true;
        timed.push(idx);
    }
    *deadline = Some(deadline.map_or(at, |d| d.min(at)));
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
