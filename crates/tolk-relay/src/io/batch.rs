//! [`UdpBatch`]: batched send and receive (`sendmmsg`/`recvmmsg`) for
//! code outside the relay's workers, such as load generators and sinks,
//! without any `unsafe` of its own.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use super::sys::{BATCH, Mmsg, Outgoing, SLOT, Slots};

/// Up to [`UdpBatch::CAPACITY`] datagrams moved by one syscall.
pub struct UdpBatch {
    slots: Slots,
    mmsg: Mmsg,
    out: Vec<Outgoing>,
    received: usize,
}

impl Default for UdpBatch {
    fn default() -> Self {
        Self {
            slots: Slots::default(),
            mmsg: Mmsg::default(),
            out: Vec::with_capacity(BATCH),
            received: 0,
        }
    }
}

impl UdpBatch {
    /// Datagrams per batch.
    pub const CAPACITY: usize = BATCH;
    /// Bytes per datagram buffer.
    pub const BUFFER: usize = SLOT;

    /// Queues a datagram to `to`: `fill` writes it into a buffer of
    /// [`UdpBatch::BUFFER`] bytes and returns its length. False when full.
    pub fn push(&mut self, to: SocketAddr, fill: impl FnOnce(&mut [u8]) -> usize) -> bool {
        let slot = self.out.len();
        let Some(buf) = self.slots.bufs.get_mut(slot) else {
            return false;
        };
        let len = fill(buf).min(SLOT);
        self.out.push(Outgoing { slot, len, to });
        true
    }

    /// Datagrams queued.
    pub fn queued(&self) -> usize {
        self.out.len()
    }

    /// Sends the queued datagrams from `socket` without blocking and
    /// empties the queue; returns how many the kernel took.
    pub fn send(&mut self, socket: &impl AsRawFd) -> io::Result<usize> {
        let sent = self.mmsg.send(socket.as_raw_fd(), &self.slots, &self.out);
        self.out.clear();
        Ok(sent)
    }

    /// Receives what is queued on `socket`, up to a batch, without blocking.
    pub fn recv(&mut self, socket: &impl AsRawFd) -> io::Result<usize> {
        self.out.clear();
        self.received = 0;
        self.received = self.mmsg.recv(socket.as_raw_fd(), &mut self.slots)?;
        Ok(self.received)
    }

    /// The datagrams the last [`UdpBatch::recv`] got: whole buffer, length, source.
    pub fn received(&mut self) -> impl Iterator<Item = (&mut [u8], usize, SocketAddr)> {
        let n = self.received;
        self.slots
            .bufs
            .iter_mut()
            .zip(self.slots.lens)
            .zip(self.slots.srcs)
            .take(n)
            .map(|((buf, len), src)| (&mut buf[..], len, src))
    }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;
    use std::time::Duration;

    use super::*;

    #[test]
    fn sends_and_receives_a_batch() {
        let (a, b) = (
            UdpSocket::bind("127.0.0.1:0").unwrap(),
            UdpSocket::bind("127.0.0.1:0").unwrap(),
        );
        let to = b.local_addr().unwrap();
        let mut batch = UdpBatch::default();
        for i in 0..3u8 {
            assert!(batch.push(to, |buf| {
                buf[..2].copy_from_slice(&[i, i]);
                2
            }));
        }
        assert_eq!(batch.send(&a).unwrap(), 3);
        assert_eq!(batch.queued(), 0);
        let mut got = Vec::new();
        for _ in 0..100 {
            batch.recv(&b).unwrap();
            got.extend(
                batch
                    .received()
                    .map(|(buf, n, src)| (buf[..n].to_vec(), src)),
            );
            if got.len() == 3 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let from = a.local_addr().unwrap();
        assert_eq!(
            got,
            (0..3u8).map(|i| (vec![i, i], from)).collect::<Vec<_>>()
        );
    }
}
