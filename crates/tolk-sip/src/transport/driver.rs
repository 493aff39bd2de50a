//! The tokio driver: one task owns a sans-IO core, feeds it datagrams,
//! framed stream messages and timer expiries, sends what it transmits,
//! and delivers its events over a channel. Commands reach the core as
//! closures run inside that task ([`DriverHandle::with`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, oneshot};

use super::stream::{self, StreamEvent, TlsSetup};
use super::{Target, Transmit, Transport};
use crate::Error;
use crate::message::Message;
use crate::transaction::TransactionLayer;

/// A sans-IO SIP core a [`Driver`] can run: the transaction layer, or a
/// user agent built on it.
pub trait SansIo: Send + 'static {
    /// What the core tells its user.
    type Event: Send + 'static;
    /// Declares a local address (the sent-by of Via headers).
    fn set_local_addr(&mut self, transport: Transport, addr: SocketAddr);
    /// A datagram arrived.
    fn handle_input(
        &mut self,
        now: Instant,
        transport: Transport,
        source: SocketAddr,
        bytes: Bytes,
    );
    /// A framed stream message arrived.
    fn handle_message(&mut self, now: Instant, source: Target, message: Message);
    /// Time passed.
    fn handle_timeout(&mut self, now: Instant);
    /// Sending to `target` failed.
    fn handle_transport_error(&mut self, now: Instant, target: Target);
    /// The next message to send.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// The next event.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// When `handle_timeout` should next run.
    fn poll_timeout(&mut self) -> Option<Instant>;
}

impl SansIo for TransactionLayer {
    type Event = crate::transaction::TransactionEvent;
    fn set_local_addr(&mut self, transport: Transport, addr: SocketAddr) {
        TransactionLayer::set_local_addr(self, transport, addr);
    }
    fn handle_input(
        &mut self,
        now: Instant,
        transport: Transport,
        source: SocketAddr,
        bytes: Bytes,
    ) {
        TransactionLayer::handle_input(self, now, transport, source, bytes);
    }
    fn handle_message(&mut self, now: Instant, source: Target, message: Message) {
        TransactionLayer::handle_message(self, now, source, message);
    }
    fn handle_timeout(&mut self, now: Instant) {
        TransactionLayer::handle_timeout(self, now);
    }
    fn handle_transport_error(&mut self, _now: Instant, target: Target) {
        TransactionLayer::handle_transport_error(self, target);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        TransactionLayer::poll_transmit(self)
    }
    fn poll_event(&mut self) -> Option<Self::Event> {
        TransactionLayer::poll_event(self)
    }
    fn poll_timeout(&mut self) -> Option<Instant> {
        TransactionLayer::poll_timeout(self)
    }
}

/// Where a [`Driver`] listens. Any of the three may be left out; bind
/// `127.0.0.1:0` or `[::1]:0` for an ephemeral port on IPv4 or IPv6.
#[derive(Clone, Default)]
pub struct DriverConfig {
    /// UDP socket address.
    pub udp: Option<SocketAddr>,
    /// TCP listening address.
    pub tcp: Option<SocketAddr>,
    /// TLS listening address.
    pub tls: Option<SocketAddr>,
    /// Server side of TLS (required with `tls`), see [`super::tls`].
    pub tls_server: Option<Arc<rustls::ServerConfig>>,
    /// Client side of TLS, for connections this driver opens.
    pub tls_client: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for DriverConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriverConfig")
            .field("udp", &self.udp)
            .field("tcp", &self.tcp)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

type Command<C> = Box<dyn FnOnce(&mut C, Instant) + Send>;

/// Talks to a running driver. Cloning is cheap; the driver stops when
/// every handle is dropped.
pub struct DriverHandle<C: SansIo> {
    commands: mpsc::UnboundedSender<Command<C>>,
    locals: Vec<(Transport, SocketAddr)>,
}

impl<C: SansIo> Clone for DriverHandle<C> {
    fn clone(&self) -> Self {
        DriverHandle {
            commands: self.commands.clone(),
            locals: self.locals.clone(),
        }
    }
}

impl<C: SansIo> std::fmt::Debug for DriverHandle<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriverHandle")
            .field("locals", &self.locals)
            .finish()
    }
}

impl<C: SansIo> DriverHandle<C> {
    /// Runs `command` on the core inside the driver task, with the
    /// current time, then sends whatever it queued.
    pub async fn with<R: Send + 'static>(
        &self,
        command: impl FnOnce(&mut C, Instant) -> R + Send + 'static,
    ) -> Result<R, Error> {
        let (reply, result) = oneshot::channel();
        let boxed: Command<C> = Box::new(move |core, now| {
            let _ = reply.send(command(core, now));
        });
        self.commands
            .send(boxed)
            .map_err(|_| Error::Transport("driver stopped".into()))?;
        result
            .await
            .map_err(|_| Error::Transport("driver stopped".into()))
    }

    /// Queues `command` to run on the core inside the driver task, like
    /// [`DriverHandle::with`], without waiting for it: for commands whose
    /// outcome comes back as events, so a caller handling many calls is
    /// never held up by one. Commands run in the order they were queued.
    pub fn send(
        &self,
        command: impl FnOnce(&mut C, Instant) + Send + 'static,
    ) -> Result<(), Error> {
        self.commands
            .send(Box::new(command))
            .map_err(|_| Error::Transport("driver stopped".into()))
    }

    /// The bound address of `transport` (with the real port when 0 was asked).
    pub fn local_addr(&self, transport: Transport) -> Option<SocketAddr> {
        self.locals
            .iter()
            .find(|(t, _)| *t == transport)
            .map(|(_, a)| *a)
    }
}

/// Runs a sans-IO core on tokio sockets.
#[derive(Debug)]
pub struct Driver;

/// Receive buffer asked for the UDP socket: at 1,000+ calls/s a 208 KiB
/// default overflows during a few milliseconds' stall and every lost
/// request then waits for a 500 ms retransmission. The kernel caps it at
/// net.core.rmem_max.
const UDP_RECV_BUFFER: usize = 4 << 20;

fn bind_udp(addr: std::net::SocketAddr) -> std::io::Result<UdpSocket> {
    let socket = std::net::UdpSocket::bind(addr)?;
    // Best effort: a smaller buffer still works, only less burst-tolerant.
    let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(UDP_RECV_BUFFER);
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket)
}

impl Driver {
    /// Binds the configured sockets, declares their addresses to `core`,
    /// and spawns the driver task. Returns the handle and the events.
    pub async fn spawn<C: SansIo>(
        mut core: C,
        config: DriverConfig,
    ) -> Result<(DriverHandle<C>, mpsc::UnboundedReceiver<C::Event>), Error> {
        let io = |e: std::io::Error| Error::Transport(e.to_string());
        let mut locals = Vec::new();
        let udp = match config.udp {
            Some(addr) => {
                let socket = bind_udp(addr).map_err(io)?;
                locals.push((Transport::Udp, socket.local_addr().map_err(io)?));
                Some(socket)
            }
            None => None,
        };
        let mut listeners = Vec::new();
        for (transport, addr) in [(Transport::Tcp, config.tcp), (Transport::Tls, config.tls)] {
            if let Some(addr) = addr {
                let listener = TcpListener::bind(addr).await.map_err(io)?;
                locals.push((transport, listener.local_addr().map_err(io)?));
                listeners.push((transport, listener));
            }
        }
        if config.tls.is_some() && config.tls_server.is_none() {
            return Err(Error::InvalidState(
                "TLS listening needs a server configuration",
            ));
        }
        for (transport, addr) in &locals {
            core.set_local_addr(*transport, *addr);
        }
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (events, event_rx) = mpsc::unbounded_channel();
        let (stream_tx, stream_rx) = mpsc::unbounded_channel();
        let tls = TlsSetup {
            server: config.tls_server,
            client: config.tls_client,
        };
        for (transport, listener) in listeners {
            tokio::spawn(stream::accept_loop(
                listener,
                transport,
                tls.clone(),
                stream_tx.clone(),
            ));
        }
        let task = Task {
            core,
            udp,
            connections: HashMap::new(),
            stream_tx,
            tls,
            events,
        };
        tokio::spawn(task.run(command_rx, stream_rx));
        Ok((DriverHandle { commands, locals }, event_rx))
    }
}

/// The clock the driver feeds the core (tokio's, so paused-time tests work).
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// How long the driver may sleep while the core has a deadline: it wakes
/// at least this often and then asks the core again.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_millis(100);

/// The driver's one sleep, re-armed only when it fired or the core's
/// deadline moved before it. A fresh sleep per loop turn (one per message)
/// registers with tokio's timer each time, and one earlier than the
/// runtime's next wake-up costs a wake syscall: with SIP's 500 ms timers
/// starting on every transaction that was several per call. Armed at most
/// one heartbeat ahead, the sleep is nearly always the earlier one.
struct Timer {
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
    armed: Option<tokio::time::Instant>,
}

impl Timer {
    fn new() -> Self {
        Timer {
            sleep: Box::pin(tokio::time::sleep(HEARTBEAT)),
            armed: None,
        }
    }

    /// Sleeps until `deadline` (the core's), or one heartbeat at most.
    fn arm(&mut self, deadline: Option<Instant>) {
        let Some(deadline) = deadline.map(tokio::time::Instant::from_std) else {
            self.armed = None;
            return;
        };
        if self.armed.is_none_or(|at| deadline < at) {
            let at = deadline.min(tokio::time::Instant::now() + HEARTBEAT);
            self.sleep.as_mut().reset(at);
            self.armed = Some(at);
        }
    }

    /// Fires when the armed time has come; never when nothing is armed.
    async fn expired(&mut self) {
        if self.armed.is_none() {
            return std::future::pending().await;
        }
        self.sleep.as_mut().await;
        self.armed = None;
    }
}

/// Inputs (one per loop pass) the driver handles before it yields the
/// thread, whether or not more wait (a yield costs one extra poll). The core's
/// owner (a B2BUA's event loop) often shares that thread and moves each
/// call by round trips through the driver; left alone the driver would
/// keep the thread for as long as datagrams wait (tokio's budget: 128),
/// and every round trip of a backlog would wait for the whole batch.
const INPUTS_PER_TURN: u32 = 16;

struct Task<C: SansIo> {
    core: C,
    udp: Option<UdpSocket>,
    /// Open (or opening) stream connections by transport and remote address.
    connections: HashMap<Target, mpsc::UnboundedSender<Bytes>>,
    stream_tx: mpsc::UnboundedSender<StreamEvent>,
    tls: TlsSetup,
    events: mpsc::UnboundedSender<C::Event>,
}

impl<C: SansIo> Task<C> {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command<C>>,
        mut streams: mpsc::UnboundedReceiver<StreamEvent>,
    ) {
        let mut buf = vec![0u8; 65_535];
        let mut timer = Timer::new();
        let mut inputs: u32 = 0;
        loop {
            self.flush().await;
            // A short turn: see INPUTS_PER_TURN.
            inputs += 1;
            if inputs >= INPUTS_PER_TURN {
                inputs = 0;
                tokio::task::yield_now().await;
            }
            timer.arm(self.core.poll_timeout());
            let udp = async {
                match &self.udp {
                    Some(socket) => socket.recv_from(&mut buf).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                received = udp => {
                    if let Ok((n, source)) = received {
                        let bytes = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                        self.core.handle_input(now(), Transport::Udp, source, bytes);
                    }
                }
                event = streams.recv() => match event {
                    Some(event) => self.on_stream(event),
                    None => return,
                },
                command = commands.recv() => match command {
                    Some(command) => command(&mut self.core, now()),
                    None => return, // every handle dropped
                },
                () = timer.expired() => self.core.handle_timeout(now()),
            }
        }
    }

    fn on_stream(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::Opened { target, writer } => {
                self.connections.insert(target, writer);
            }
            StreamEvent::Message { source, message } => {
                self.core.handle_message(now(), source, message)
            }
            StreamEvent::Closed { target, failed } => {
                self.connections.remove(&target);
                if failed {
                    self.core.handle_transport_error(now(), target);
                }
            }
        }
    }

    /// Sends every queued transmit and forwards every event.
    async fn flush(&mut self) {
        while let Some(t) = self.core.poll_transmit() {
            match t.target.transport {
                Transport::Udp => {
                    let unreachable = match &self.udp {
                        Some(socket) => socket
                            .send_to(&t.bytes, t.target.addr)
                            .await
                            .is_err_and(|e| is_unreachable(&e)),
                        None => true,
                    };
                    if unreachable {
                        self.core.handle_transport_error(now(), t.target);
                    }
                }
                Transport::Tcp | Transport::Tls => self.send_stream(t),
            }
        }
        while let Some(event) = self.core.poll_event() {
            let _ = self.events.send(event);
        }
    }

    /// Reuses the connection to the target, or opens one (RFC 3261 18.1.1).
    fn send_stream(&mut self, t: Transmit) {
        if let Some(writer) = self.connections.get(&t.target) {
            if writer.send(t.bytes.clone()).is_ok() {
                return;
            }
        }
        let (writer, queue) = mpsc::unbounded_channel();
        let _ = writer.send(t.bytes);
        self.connections.insert(t.target, writer);
        tokio::spawn(stream::connect(
            t.target,
            self.tls.clone(),
            queue,
            self.stream_tx.clone(),
        ));
    }
}

/// Whether a UDP send error says the target cannot be reached at all (RFC
/// 3261 18.4: a transport error ends the transaction). Anything else (a
/// full buffer under load, a stale ICMP report) is loss, which the
/// transaction's retransmissions already cover: failing every transaction
/// to a busy peer on one dropped datagram would turn a burst into 503s.
fn is_unreachable(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{
        AddrNotAvailable, HostUnreachable, InvalidInput, NetworkUnreachable, PermissionDenied,
    };
    matches!(
        error.kind(),
        NetworkUnreachable | HostUnreachable | AddrNotAvailable | InvalidInput | PermissionDenied
    )
}

#[cfg(test)]
mod tests {
    use super::is_unreachable;
    use std::io::{Error, ErrorKind};

    #[test]
    fn only_definitive_udp_errors_end_transactions() {
        assert!(is_unreachable(&Error::from(ErrorKind::NetworkUnreachable)));
        assert!(is_unreachable(&Error::from(ErrorKind::HostUnreachable)));
        // Loss under load, or a stale ICMP report: retransmissions cover it.
        assert!(!is_unreachable(&Error::from(ErrorKind::ConnectionRefused)));
        assert!(!is_unreachable(&Error::from_raw_os_error(105))); // ENOBUFS
    }
}
