//! The relay's I/O: worker threads sized to the cores, each moving the
//! packets of its share of the sessions, and [`Relay`], the thread-safe
//! control handle the gateway holds.
//!
//! Two I/O paths, chosen per [`IoMode`]: io_uring (multishot receives into
//! provided buffers, sends queued and submitted with the next wait, so one
//! syscall serves many packets across many sockets) and epoll (batched
//! `recvmmsg`/`sendmmsg` per ready socket), the fallback when io_uring cannot
//! be set up (old kernel, disabled by sysctl or seccomp).

mod bare;
mod batch;
mod counters;
mod idle;
mod pool;
mod reply;
mod ring;
mod socket;
mod sys;
mod table;
mod uring;
mod worker;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use reply::{Pending, Reply};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::{Poll, Waker};

pub use bare::BareForwarder;
pub use batch::UdpBatch;
use counters::IoCounters;
pub use counters::IoStats;
use pool::{PortHold, SocketPool};
use ring::Ring;
use table::{Command, LegChange, Removed, Table};
use uring::UringWorker;
use worker::{WAKER, Worker};

use crate::endpoint::LegUpdate;
use crate::error::{Error, Result};
use crate::keyframe::KeyframeKind;
use crate::session::{Event, Session, SessionId, SessionPolicy, SessionStats, Side};

/// Events kept for the owner before new ones are dropped.
pub const EVENT_QUEUE: usize = 65_536;

/// Descriptors reserved at start beside one per media port: signalling
/// sockets and connections, the runtime's own, logs.
const DESCRIPTORS_BESIDE_MEDIA: usize = 1024;

/// How a relay is set up.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Local port range, inclusive.
    pub ports: (u16, u16),
    /// Worker threads; 0 means one per available core.
    pub workers: usize,
    /// Timeouts and thresholds for every session.
    pub policy: SessionPolicy,
    /// Which I/O path the workers run.
    pub io: IoMode,
    /// Sockets of ended sessions kept bound for new ones, at most (0:
    /// every socket is closed with its session). Fewer when the port
    /// range or the open-files limit is small: see [`Relay`].
    pub idle_sockets: usize,
    /// How long a socket may stay idle before it is closed (below the
    /// 2 s quarantine, no socket is ever reused).
    pub idle_timeout: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            ports: (30000, 39999),
            workers: 0,
            policy: SessionPolicy::default(),
            io: IoMode::default(),
            // A thousand calls a second, four sockets each, resting two
            // seconds: 8,000 idle sockets to reuse them all.
            idle_sockets: 8192,
            idle_timeout: Duration::from_secs(10),
        }
    }
}

/// The workers' I/O path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IoMode {
    /// io_uring where it can be set up, else epoll.
    #[default]
    Auto,
    /// io_uring only: starting fails where it cannot be set up.
    Uring,
    /// epoll with `recvmmsg`/`sendmmsg`.
    Epoll,
}

impl FromStr for IoMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "uring" | "io_uring" => Ok(Self::Uring),
            "epoll" => Ok(Self::Epoll),
            _ => Err(Error::Unknown("I/O mode (auto, uring or epoll)")),
        }
    }
}

/// How to open one leg's endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointSpec {
    /// Local address to bind (IPv4 or IPv6).
    pub ip: IpAddr,
    /// Whether RTP and RTCP share one port (RFC 5761).
    pub rtcp_mux: RtcpMux,
}

/// An endpoint's ports and sockets for RTP and RTCP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RtcpMux {
    /// A port pair with two sockets: RTP on the even port, RTCP on the next.
    #[default]
    Separate,
    /// One port and one socket for both (RFC 5761 section 4 demultiplexes).
    Muxed,
    /// Our offer proposes rtcp-mux: one socket, and the next port held in
    /// reserve, as an offerer must still take RTCP there if the answer
    /// declines (RFC 5761 section 5.1.1). A [`LegUpdate::rtcp_mux`] with
    /// the answer's choice frees the reserve or binds its socket.
    Offered,
}

impl From<bool> for RtcpMux {
    /// `true` is [`RtcpMux::Muxed`], `false` [`RtcpMux::Separate`].
    fn from(muxed: bool) -> Self {
        if muxed {
            RtcpMux::Muxed
        } else {
            RtcpMux::Separate
        }
    }
}

/// One endpoint's local addresses, for the SDP the gateway writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalEndpoint {
    /// RTP (and muxed RTCP) address.
    pub rtp: SocketAddr,
    /// RTCP address: equal to `rtp` when muxed, the reserved next port
    /// when rtcp-mux is [`RtcpMux::Offered`].
    pub rtcp: SocketAddr,
}

/// A created session's id and local endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session's id.
    pub id: SessionId,
    /// Leg A's local endpoint.
    pub a: LocalEndpoint,
    /// Leg B's local endpoint.
    pub b: LocalEndpoint,
}

struct WorkerHandle {
    commands: Sender<Command>,
    waker: Waker,
    /// Commands wait that were sent while the relay was corked.
    wake_due: AtomicBool,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    counters: Arc<IoCounters>,
    io: IoMode,
}

struct Placement {
    worker: usize,
    ports: [PortHold; 2],
}

/// A running relay: create sessions, update legs as offer/answer proceeds,
/// read counters and events, delete. Cheap to share (`Arc<Relay>`).
///
/// A deleted session's sockets rest idle for later sessions (see the
/// crate docs, "Idle sockets"): at most [`RelayConfig::idle_sockets`],
/// half the port range and a quarter of the open-files limit.
pub struct Relay {
    workers: Vec<WorkerHandle>,
    sockets: Arc<Mutex<SocketPool>>,
    /// Stops the idle sockets' expiry thread when dropped.
    expiry: Option<(Sender<()>, JoinHandle<()>)>,
    placements: Mutex<HashMap<SessionId, Placement>>,
    events: Mutex<Option<Receiver<Event>>>,
    policy: SessionPolicy,
    next_id: AtomicU64,
    next_worker: AtomicUsize,
    transcoded: Arc<AtomicUsize>,
    /// See [`Relay::cork`].
    corked: AtomicBool,
}

impl Relay {
    /// Starts the worker threads. It also grows the process's descriptor
    /// table once to hold a socket for every port of the range (within
    /// the open-files limit), so that binding media sockets later never
    /// waits for the kernel to grow it (see `io/sys.rs`).
    pub fn start(config: RelayConfig) -> Result<Self> {
        let n = match config.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        // Bounded: an owner that never reads events costs memory, not a leak.
        let (events_tx, events_rx) = mpsc::sync_channel(EVENT_QUEUE);
        let transcoded = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::with_capacity(n);
        let mut started = Vec::with_capacity(n);
        for i in 0..n {
            let poll = Poll::new()?;
            let waker = Waker::new(poll.registry(), WAKER)?;
            let (tx, rx) = mpsc::channel();
            let (ready_tx, ready_rx) = mpsc::sync_channel(1);
            let table = Table::new(rx, events_tx.clone(), Arc::clone(&transcoded));
            let mode = config.io;
            let counters = Arc::new(IoCounters::default());
            let worker_counters = Arc::clone(&counters);
            // Built on its own thread: the ring belongs to the thread that
            // set it up, and the syscall headers hold raw pointers.
            let thread = std::thread::Builder::new()
                .name(format!("tolk-relay-{i}"))
                .spawn(move || run_worker(mode, poll, table, worker_counters, &ready_tx))?;
            workers.push(WorkerHandle {
                commands: tx,
                waker,
                wake_due: AtomicBool::new(false),
                thread: Some(thread),
                counters,
                io: IoMode::Epoll,
            });
            started.push(ready_rx);
        }
        let (lo, hi) = config.ports;
        // One socket per port at most, beside the process's other files.
        let span = usize::from(hi.abs_diff(lo)) + 1;
        sys::reserve_descriptors(&Poll::new()?, span + DESCRIPTORS_BESIDE_MEDIA);
        let pool = SocketPool::new(lo, hi, config.idle_sockets, config.idle_timeout);
        let expiry = pool.enabled();
        let sockets = Arc::new(Mutex::new(pool));
        let expiry = if expiry {
            Some(pool::spawn_expiry(Arc::clone(&sockets))?)
        } else {
            None
        };
        let mut relay = Self {
            workers,
            sockets,
            expiry,
            placements: Mutex::new(HashMap::new()),
            events: Mutex::new(Some(events_rx)),
            policy: config.policy,
            next_id: AtomicU64::new(1),
            next_worker: AtomicUsize::new(0),
            transcoded,
            corked: AtomicBool::new(false),
        };
        for (i, ready) in started.into_iter().enumerate() {
            // A failed start drops `relay`, which stops the other workers.
            relay.workers[i].io = ready
                .recv()
                .map_err(|_| std::io::Error::other("relay worker stopped"))??;
        }
        Ok(relay)
    }

    /// The I/O path the workers run: [`IoMode::Uring`] or [`IoMode::Epoll`]
    /// when all run the same, [`IoMode::Auto`] when some fell back to epoll
    /// (see [`Relay::worker_io`]).
    pub fn io(&self) -> IoMode {
        let mut modes = self.workers.iter().map(|w| w.io);
        let first = modes.next().unwrap_or(IoMode::Epoll);
        if modes.all(|m| m == first) {
            first
        } else {
            IoMode::Auto
        }
    }

    /// Each worker's I/O path, in worker order.
    pub fn worker_io(&self) -> Vec<IoMode> {
        self.workers.iter().map(|w| w.io).collect()
    }

    /// The I/O counters (failed sends, receive errors...), summed over the workers.
    pub fn io_stats(&self) -> IoStats {
        let mut total = IoStats::default();
        for w in &self.workers {
            w.counters.add_to(&mut total);
        }
        total
    }

    /// The event stream (first packet, latching, timeouts, auth failures);
    /// `None` after the first call. At most [`EVENT_QUEUE`] events wait;
    /// beyond that new events are dropped, media never waits for them.
    pub fn take_events(&self) -> Option<Receiver<Event>> {
        lock(&self.events).take()
    }

    /// Creates a session with one endpoint per leg, bound from the port
    /// range; blocks until the worker has taken it over.
    pub fn create_session(&self, a: EndpointSpec, b: EndpointSpec) -> Result<SessionInfo> {
        let (info, placement, pending) = self.hand_over(a, b)?;
        self.settle_session(info, placement, pending.wait())
    }

    /// [`Relay::create_session`] for an async caller: only the task waits
    /// for the worker, never its thread.
    pub async fn create_session_async(
        &self,
        a: EndpointSpec,
        b: EndpointSpec,
    ) -> Result<SessionInfo> {
        let (info, placement, pending) = self.hand_over(a, b)?;
        self.settle_session(info, placement, pending.await)
    }

    /// [`Relay::create_session_async`] for an owner that does not wait
    /// for the worker (a signalling loop serving many calls): the
    /// session's local endpoints at once, its sockets bound, and a
    /// future that resolves when the worker has taken the session over.
    /// Updates and the delete may be sent before then: they reach the
    /// worker after it. After a failed handover the session carries no
    /// media; deleting it frees its ports.
    pub fn start_session(
        &self,
        a: EndpointSpec,
        b: EndpointSpec,
    ) -> Result<(
        SessionInfo,
        impl Future<Output = Result<()>> + Send + 'static,
    )> {
        let (info, placement, pending) = self.hand_over(a, b)?;
        lock(&self.placements).insert(info.id, placement);
        Ok((info, async move { pending.await? }))
    }

    /// Binds a new session's sockets and sends it to a worker.
    fn hand_over(
        &self,
        a: EndpointSpec,
        b: EndpointSpec,
    ) -> Result<(SessionInfo, Placement, Pending<Result<()>>)> {
        let ((bound_a, spare_a), (bound_b, spare_b)) = {
            let mut sockets = lock(&self.sockets);
            let (bound_a, spare_a) = sockets.endpoint(a.ip, a.rtcp_mux)?;
            match sockets.endpoint(b.ip, b.rtcp_mux) {
                Ok(bound_b) => ((bound_a, spare_a), bound_b),
                Err(e) => {
                    let hold = PortHold::new(a.ip, bound_a.port, a.rtcp_mux, spare_a);
                    sockets.give_back(hold, [Some(bound_a.rtp), bound_a.rtcp]);
                    return Err(e);
                }
            }
        };
        // The addresses bound, known without asking the kernel.
        let local = |b: &socket::BoundEndpoint, spec: EndpointSpec| {
            let rtp = SocketAddr::new(spec.ip, b.port);
            let rtcp = match spec.rtcp_mux {
                RtcpMux::Separate | RtcpMux::Offered => {
                    SocketAddr::new(spec.ip, b.port.wrapping_add(1))
                }
                RtcpMux::Muxed => rtp,
            };
            LocalEndpoint { rtp, rtcp }
        };
        let id = SessionId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let info = SessionInfo {
            id,
            a: local(&bound_a, a),
            b: local(&bound_b, b),
        };
        let worker = self.next_worker.fetch_add(1, Ordering::Relaxed) % self.workers.len().max(1);
        // An offered mux is assumed until the answer says otherwise.
        let muxed = |spec: EndpointSpec| spec.rtcp_mux != RtcpMux::Separate;
        let session = Session::new(id, Instant::now(), [muxed(a), muxed(b)], self.policy);
        let placement = Placement {
            worker,
            ports: [
                PortHold::new(a.ip, info.a.rtp.port(), a.rtcp_mux, spare_a),
                PortHold::new(b.ip, info.b.rtp.port(), b.rtcp_mux, spare_b),
            ],
        };
        match self.send(worker, |reply| {
            Command::Add(Box::new(session), [bound_a, bound_b], reply)
        }) {
            Ok(pending) => Ok((info, placement, pending)),
            Err(e) => {
                self.release(placement);
                Err(e)
            }
        }
    }

    /// Records a session the worker took over, or frees its ports.
    fn settle_session(
        &self,
        info: SessionInfo,
        placement: Placement,
        answer: Result<Result<()>>,
    ) -> Result<SessionInfo> {
        match answer.and_then(|r| r) {
            Ok(()) => {
                lock(&self.placements).insert(info.id, placement);
                Ok(info)
            }
            Err(e) => {
                self.release(placement);
                Err(e)
            }
        }
    }

    /// Sets or replaces a leg's remote address, keys, latching, media
    /// plan or rtcp-mux. The session's silence timer restarts: media may
    /// only start now (a call answered, a leg moved).
    ///
    /// An [`LegUpdate::rtcp_mux`] settles an [`RtcpMux::Offered`]
    /// endpoint: muxed frees its reserved port, not muxed binds the RTCP
    /// socket there. On other endpoints it says where the peer's RTCP
    /// goes (its RTP address, or its RTCP address when not muxed), and
    /// muxed closes the RTCP socket of an endpoint with a port pair (a
    /// peer that starts muxing mid-call; the port is freed with the
    /// session).
    pub fn update(&self, id: SessionId, side: Side, update: LegUpdate) -> Result<()> {
        self.send_update(id, side, update)?.wait()?
    }

    /// [`Relay::update`] for an async caller.
    pub async fn update_async(&self, id: SessionId, side: Side, update: LegUpdate) -> Result<()> {
        self.send_update(id, side, update)?.await?
    }

    /// [`Relay::update`] of several legs, in order, in one round trip to
    /// the worker (a call's answer sets both legs): stops at the first
    /// update that fails.
    pub async fn update_legs_async(
        &self,
        id: SessionId,
        updates: impl IntoIterator<Item = (Side, LegUpdate)>,
    ) -> Result<()> {
        self.send_legs_update(id, updates)?.await
    }

    /// [`Relay::update_legs_async`] for an owner that does not wait for
    /// the worker: checked and sent now, the future resolves with the
    /// worker's verdict. The next command for the session reaches the
    /// worker after this one.
    pub fn send_legs_update(
        &self,
        id: SessionId,
        updates: impl IntoIterator<Item = (Side, LegUpdate)>,
    ) -> Result<impl Future<Output = Result<()>> + Send + 'static> {
        let pending = self.send_updates(id, updates)?;
        Ok(async move { pending.await? })
    }

    fn send_update(
        &self,
        id: SessionId,
        side: Side,
        update: LegUpdate,
    ) -> Result<Pending<Result<()>>> {
        self.send_updates(id, [(side, update)])
    }

    fn send_updates(
        &self,
        id: SessionId,
        updates: impl IntoIterator<Item = (Side, LegUpdate)>,
    ) -> Result<Pending<Result<()>>> {
        let worker = self.worker_of(id)?;
        let changes = updates
            .into_iter()
            .map(|(side, update)| {
                let (rtcp_socket, close_rtcp) = match update.rtcp_mux {
                    Some(muxed) => self.settle_mux(id, side, muxed)?,
                    None => (None, false),
                };
                Ok(LegChange {
                    side,
                    update,
                    rtcp_socket,
                    close_rtcp,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.send(worker, |reply| Command::Update(id, changes, reply))
    }

    /// Frees or binds the RTCP port an offered mux reserved for `side`:
    /// the socket to hand to the worker when it was bound. On an endpoint
    /// with a port pair whose peer now muxes (RFC 5761 section 5.1.3, a
    /// re-offer we accepted), whether the worker closes its RTCP socket;
    /// the port stays held until the session ends, so that no new
    /// session binds it before the worker has closed it.
    fn settle_mux(
        &self,
        id: SessionId,
        side: Side,
        muxed: bool,
    ) -> Result<(Option<std::net::UdpSocket>, bool)> {
        let mut placements = lock(&self.placements);
        let hold = placements
            .get_mut(&id)
            .map(|p| &mut p.ports[usize::from(side == Side::B)])
            .ok_or(Error::Unknown("session"))?;
        if !hold.reserved {
            return Ok((None, muxed && hold.pair));
        }
        Ok((lock(&self.sockets).settle_reserve(hold, muxed), false))
    }

    /// Sends a keyframe request (PLI or FIR) from the relay to leg
    /// `side`'s video sender, SRTCP-protected when that leg is SRTP.
    /// False when it could not go out yet: no RTP from that leg so far
    /// (so no source to name) or no address for it.
    pub fn request_keyframe(&self, id: SessionId, side: Side, kind: KeyframeKind) -> Result<bool> {
        let worker = self.worker_of(id)?;
        self.call(worker, |reply| Command::Keyframe(id, side, kind, reply))?
    }

    /// Asks session `id`'s transforms for their timeouts again (see
    /// [`crate::transform::MediaTransform::poll_timeout`]): their owner
    /// gave them something to send on their own (a key press queued for a
    /// leg that sends no audio). The worker only asks after packets and
    /// timeouts otherwise. Sent without waiting for the worker.
    pub fn poll_transforms(&self, id: SessionId) -> Result<()> {
        self.post(self.worker_of(id)?, Command::PollTransforms(id))
    }

    /// A session's counters.
    pub fn stats(&self, id: SessionId) -> Result<SessionStats> {
        let worker = self.worker_of(id)?;
        self.call(worker, |reply| Command::Stats(id, reply))?
            .ok_or(Error::Unknown("session"))
    }

    /// Deletes a session; returns its final counters. Its sockets rest
    /// idle for later sessions, or are closed and their ports freed.
    pub fn delete(&self, id: SessionId) -> Result<SessionStats> {
        let (placement, pending) = self.send_delete(id)?;
        self.finish(placement, pending.and_then(Pending::wait))
    }

    /// [`Relay::delete`] for an async caller.
    pub async fn delete_async(&self, id: SessionId) -> Result<SessionStats> {
        let (placement, pending) = self.send_delete(id)?;
        let removed = match pending {
            Ok(pending) => pending.await,
            Err(e) => Err(e),
        };
        self.finish(placement, removed)
    }

    /// Takes a removed session's sockets back, or frees the ports of one
    /// the worker did not have.
    fn finish(
        &self,
        placement: Placement,
        removed: Result<Option<Removed>>,
    ) -> Result<SessionStats> {
        match removed {
            Ok(Some(Removed { stats, sockets })) => {
                let mut pool = lock(&self.sockets);
                for (hold, sockets) in placement.ports.into_iter().zip(sockets) {
                    pool.give_back(hold, sockets);
                }
                Ok(stats)
            }
            Ok(None) => {
                self.release(placement);
                Err(Error::Unknown("session"))
            }
            Err(e) => {
                self.release(placement);
                Err(e)
            }
        }
    }

    /// Forgets session `id`'s placement and asks its worker to remove it;
    /// its sockets come back once the worker has stopped watching them.
    fn send_delete(&self, id: SessionId) -> Result<(Placement, Result<Pending<Option<Removed>>>)> {
        let placement = lock(&self.placements)
            .remove(&id)
            .ok_or(Error::Unknown("session"))?;
        let pending = self.send(placement.worker, |reply| Command::Remove(id, reply));
        Ok((placement, pending))
    }

    /// Sessions alive.
    pub fn session_count(&self) -> usize {
        lock(&self.placements).len()
    }

    /// Directions (one per session leg receiving it) whose media is
    /// transcoded right now, across all sessions.
    pub fn transcoded_streams(&self) -> usize {
        self.transcoded.load(Ordering::Relaxed)
    }

    /// Ids of the sessions alive.
    pub fn session_ids(&self) -> Vec<SessionId> {
        lock(&self.placements).keys().copied().collect()
    }

    fn worker_of(&self, id: SessionId) -> Result<usize> {
        lock(&self.placements)
            .get(&id)
            .map(|p| p.worker)
            .ok_or(Error::Unknown("session"))
    }

    /// Idle sockets kept for new sessions now.
    pub fn idle_sockets(&self) -> usize {
        lock(&self.sockets).idle_sockets()
    }

    fn release(&self, placement: Placement) {
        let mut sockets = lock(&self.sockets);
        for hold in placement.ports {
            sockets.release(hold);
        }
    }

    /// Sends `command` and blocks until the answer. The worker is woken
    /// even when corked: a thread blocked here may be the one that would
    /// uncork.
    fn call<T>(&self, worker: usize, command: impl FnOnce(Reply<T>) -> Command) -> Result<T> {
        let pending = self.send(worker, command)?;
        if let Some(w) = self.workers.get(worker) {
            if w.wake_due.swap(false, Ordering::SeqCst) {
                w.waker.wake()?;
            }
        }
        pending.wait()
    }

    /// Sends `command` to `worker`; its answer comes through the handle.
    fn send<T>(
        &self,
        worker: usize,
        command: impl FnOnce(Reply<T>) -> Command,
    ) -> Result<Pending<T>> {
        let (reply, pending) = reply::channel();
        self.post(worker, command(reply))?;
        Ok(pending)
    }

    /// Queues `command` for `worker` and wakes it (unless corked).
    fn post(&self, worker: usize, command: Command) -> Result<()> {
        let w = self.workers.get(worker).ok_or(Error::Unknown("worker"))?;
        w.commands
            .send(command)
            .map_err(|_| std::io::Error::other("relay worker stopped"))?;
        // Due first, corked read second, as `uncork` does the reverse:
        // one of the two sees the other and wakes the worker.
        w.wake_due.store(true, Ordering::SeqCst);
        if !self.corked.load(Ordering::SeqCst) && w.wake_due.swap(false, Ordering::SeqCst) {
            w.waker.wake()?;
        }
        Ok(())
    }

    /// Holds back the workers' wake-ups: commands sent from now on queue
    /// up, and [`Relay::uncork`] wakes each worker once for all of them.
    /// A signalling loop with a backlog of events corks while it works
    /// through it, so that a burst of calls costs the relay's thread one
    /// wake-up (and, on a shared core, one context switch) rather than
    /// one per command. The corker must uncork before it waits for an
    /// answer from the relay (the blocking calls, such as
    /// [`Relay::stats`], wake their worker anyway); corked workers still
    /// run queued commands on their own housekeeping tick.
    pub fn cork(&self) {
        self.corked.store(true, Ordering::SeqCst);
    }

    /// Ends [`Relay::cork`]: wakes every worker that has commands waiting.
    pub fn uncork(&self) {
        self.corked.store(false, Ordering::SeqCst);
        for w in &self.workers {
            if w.wake_due.swap(false, Ordering::SeqCst) {
                let _ = w.waker.wake();
            }
        }
    }

    /// Whether [`Relay::cork`] holds the wake-ups back now.
    pub fn is_corked(&self) -> bool {
        self.corked.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.expiry.take() {
            drop(stop);
            let _ = thread.join();
        }
        for w in &self.workers {
            let _ = w.commands.send(Command::Shutdown);
            let _ = w.waker.wake();
        }
        for w in &mut self.workers {
            if let Some(t) = w.thread.take() {
                let _ = t.join();
            }
        }
    }
}

/// Sets up the worker's I/O path, says which one on `ready`, then runs it.
fn run_worker(
    mode: IoMode,
    poll: Poll,
    table: Table,
    counters: Arc<IoCounters>,
    ready: &SyncSender<std::io::Result<IoMode>>,
) -> std::io::Result<()> {
    let ring = match mode {
        IoMode::Epoll => None,
        IoMode::Auto => match Ring::new(poll.as_raw_fd(), Arc::clone(&counters)) {
            Ok(ring) => Some(ring),
            Err(e) => {
                tracing::warn!(error = %e, "io_uring setup failed, this relay worker runs epoll");
                None
            }
        },
        IoMode::Uring => match Ring::new(poll.as_raw_fd(), Arc::clone(&counters)) {
            Ok(ring) => Some(ring),
            Err(e) => {
                let _ = ready.send(Err(e));
                return Ok(());
            }
        },
    };
    match ring {
        Some(ring) => {
            let _ = ready.send(Ok(IoMode::Uring));
            UringWorker::new(poll, ring, table, counters).run()
        }
        None => {
            let _ = ready.send(Ok(IoMode::Epoll));
            Worker::new(poll, table, counters).run()
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
