//! The baseline every relay figure is measured against: a bare batched
//! forwarder, `recvmmsg` -> `sendmmsg` with no parsing, no crypto, no
//! state, on one thread. What the relay costs is its ratio to this.

use std::io;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};

use super::sys::{Mmsg, Outgoing, Slots};

/// A running bare forwarder thread (named `bare-fwd`).
pub struct BareForwarder {
    stop: Arc<AtomicBool>,
    forwarded: Arc<AtomicU64>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl BareForwarder {
    /// Forwards everything arriving on each socket to its paired address.
    pub fn spawn(pairs: Vec<(StdUdpSocket, SocketAddr)>) -> io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let forwarded = Arc::new(AtomicU64::new(0));
        let (stop2, fwd2) = (stop.clone(), forwarded.clone());
        let thread = std::thread::Builder::new()
            .name("bare-fwd".into())
            .spawn(move || run(pairs, &stop2, &fwd2))?;
        Ok(Self {
            stop,
            forwarded,
            thread: Some(thread),
        })
    }

    /// Packets forwarded so far.
    pub fn forwarded(&self) -> u64 {
        self.forwarded.load(Ordering::Relaxed)
    }
}

impl Drop for BareForwarder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(
    pairs: Vec<(StdUdpSocket, SocketAddr)>,
    stop: &AtomicBool,
    forwarded: &AtomicU64,
) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut sockets = Vec::with_capacity(pairs.len());
    for (i, (socket, to)) in pairs.into_iter().enumerate() {
        socket.set_nonblocking(true)?;
        let mut socket = UdpSocket::from_std(socket);
        poll.registry()
            .register(&mut socket, Token(i), Interest::READABLE)?;
        sockets.push((socket, to));
    }
    let (mut mmsg, mut slots) = (Mmsg::default(), Slots::default());
    let mut out = Vec::with_capacity(super::sys::BATCH);
    let mut events = Events::with_capacity(256);
    while !stop.load(Ordering::Relaxed) {
        poll.poll(&mut events, Some(Duration::from_millis(50)))?;
        for ev in &events {
            let Some((socket, to)) = sockets.get(ev.token().0) else {
                continue;
            };
            let fd = socket.as_raw_fd();
            loop {
                // A transient error must not end the baseline thread.
                let n = mmsg.recv(fd, &mut slots).unwrap_or(0);
                if n == 0 {
                    break;
                }
                out.clear();
                out.extend((0..n).map(|slot| Outgoing {
                    slot,
                    len: slots.lens[slot],
                    to: *to,
                }));
                let sent = mmsg.send(fd, &slots, &out);
                forwarded.fetch_add(sent as u64, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}
