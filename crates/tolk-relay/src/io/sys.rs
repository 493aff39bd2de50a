//! Batched UDP syscalls, `recvmmsg(2)` and `sendmmsg(2)`, and the C socket
//! address encoding both I/O paths share: with `ring.rs` (io_uring), the
//! crate's only unsafe code. Everything else sees plain buffers and
//! `SocketAddr`s.
#![allow(unsafe_code)]

use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::RawFd;
use std::ptr;

/// Datagrams per syscall.
pub const BATCH: usize = 32;
/// Bytes per packet slot: a full Ethernet MTU plus room for SRTP's tag.
pub const SLOT: usize = 2048;

/// One batch's packet buffers (plain data, allocated once per worker).
pub struct Slots {
    /// Packet bytes.
    pub bufs: Box<[[u8; SLOT]; BATCH]>,
    /// Received length per slot.
    pub lens: [usize; BATCH],
    /// Source per slot.
    pub srcs: [SocketAddr; BATCH],
    /// True when the kernel cut the datagram to fit (`MSG_TRUNC`).
    pub truncated: [bool; BATCH],
}

impl Default for Slots {
    fn default() -> Self {
        Self {
            bufs: Box::new([[0; SLOT]; BATCH]),
            lens: [0; BATCH],
            srcs: [SocketAddr::from(([0, 0, 0, 0], 0)); BATCH],
            truncated: [false; BATCH],
        }
    }
}

/// A packet to send: slot index, length, destination.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing {
    /// Slot in [`Slots::bufs`].
    pub slot: usize,
    /// Bytes to send.
    pub len: usize,
    /// Destination.
    pub to: SocketAddr,
}

/// The kernel-facing headers of one batch. Pointers into the slots are
/// re-aimed on every call, so neither struct has to stay put in memory.
pub struct Mmsg {
    hdrs: [libc::mmsghdr; BATCH],
    iovs: [libc::iovec; BATCH],
    names: [libc::sockaddr_storage; BATCH],
}

impl Default for Mmsg {
    fn default() -> Self {
        // SAFETY: all three are plain C structs for which all-zero bytes is a valid value.
        unsafe { mem::zeroed() }
    }
}

impl Mmsg {
    /// Receives up to [`BATCH`] datagrams without blocking; `Ok(0)` when none is queued.
    pub fn recv(&mut self, fd: RawFd, slots: &mut Slots) -> io::Result<usize> {
        for i in 0..BATCH {
            self.iovs[i] = libc::iovec {
                iov_base: slots.bufs[i].as_mut_ptr().cast(),
                iov_len: SLOT,
            };
            let h = &mut self.hdrs[i];
            h.msg_len = 0;
            h.msg_hdr.msg_name = ptr::from_mut(&mut self.names[i]).cast();
            h.msg_hdr.msg_namelen = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            h.msg_hdr.msg_iov = ptr::from_mut(&mut self.iovs[i]);
            h.msg_hdr.msg_iovlen = 1;
            h.msg_hdr.msg_control = ptr::null_mut();
            h.msg_hdr.msg_controllen = 0;
            h.msg_hdr.msg_flags = 0;
        }
        // SAFETY: every header points at a live iovec and sockaddr_storage in
        // `self`, each iovec at a live SLOT-byte buffer in `slots`; both are
        // borrowed mutably for the duration of the call.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                self.hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::WouldBlock {
                Ok(0)
            } else {
                Err(e)
            };
        }
        let n = n as usize;
        for i in 0..n.min(BATCH) {
            slots.lens[i] = self.hdrs[i].msg_len as usize;
            slots.truncated[i] = self.hdrs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
            slots.srcs[i] = from_storage(&self.names[i]).unwrap_or(slots.srcs[i]);
        }
        Ok(n)
    }

    /// Sends `out` (all from one socket); returns how many the kernel took.
    /// A datagram it refuses (no route, an unusable address) is skipped and
    /// the rest still go; a full socket buffer ends the call early rather
    /// than blocking.
    pub fn send(&mut self, fd: RawFd, slots: &Slots, out: &[Outgoing]) -> usize {
        let (mut next, mut sent) = (0, 0);
        while next < out.len() {
            let chunk = &out[next..out.len().min(next + BATCH)];
            for (i, o) in chunk.iter().enumerate() {
                let buf = &slots.bufs[o.slot.min(BATCH - 1)];
                self.iovs[i] = libc::iovec {
                    iov_base: buf.as_ptr().cast_mut().cast(),
                    iov_len: o.len.min(SLOT),
                };
                let namelen = to_storage(o.to, &mut self.names[i]);
                let h = &mut self.hdrs[i];
                h.msg_len = 0;
                h.msg_hdr.msg_name = ptr::from_mut(&mut self.names[i]).cast();
                h.msg_hdr.msg_namelen = namelen;
                h.msg_hdr.msg_iov = ptr::from_mut(&mut self.iovs[i]);
                h.msg_hdr.msg_iovlen = 1;
                h.msg_hdr.msg_control = ptr::null_mut();
                h.msg_hdr.msg_controllen = 0;
                h.msg_hdr.msg_flags = 0;
            }
            // SAFETY: as in `recv`; the kernel only reads the buffers.
            let n = unsafe {
                libc::sendmmsg(
                    fd,
                    self.hdrs.as_mut_ptr(),
                    chunk.len() as libc::c_uint,
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock {
                    break;
                }
                // sendmmsg fails on its first datagram only (a later one
                // ends the call short): skip it.
                next += 1;
                continue;
            }
            if n == 0 {
                break;
            }
            next += n as usize;
            sent += n as usize;
        }
        sent
    }
}

fn from_storage(s: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match i32::from(s.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in, which it is large enough for.
            let a: libc::sockaddr_in = unsafe { ptr::read(ptr::from_ref(s).cast()) };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for sockaddr_in6.
            let a: libc::sockaddr_in6 = unsafe { ptr::read(ptr::from_ref(s).cast()) };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(a.sin6_addr.s6_addr),
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

fn to_storage(addr: SocketAddr, s: &mut libc::sockaddr_storage) -> libc::socklen_t {
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
    unsafe { write_sockaddr(addr, ptr::from_mut(s).cast()) }
}

/// Writes `to` at `dst` as a C socket address; returns its length. The
/// one encoder both I/O paths use.
///
/// # Safety
/// `dst` must be valid for writing a `sockaddr_in6`, and aligned for it.
pub(super) unsafe fn write_sockaddr(
    to: SocketAddr,
    dst: *mut libc::sockaddr_in6,
) -> libc::socklen_t {
    match to {
        SocketAddr::V4(v4) => {
            let a = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*v4.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_in is smaller than sockaddr_in6, with no stricter alignment.
            unsafe { ptr::write(dst.cast(), a) };
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        SocketAddr::V6(v6) => {
            let a = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: the caller's contract.
            unsafe { ptr::write(dst, a) };
            mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    use super::*;

    #[test]
    fn batch_round_trip_v4_and_v6() {
        for any in ["127.0.0.1:0", "[::1]:0"] {
            let Ok(a) = UdpSocket::bind(any) else {
                continue;
            };
            let b = UdpSocket::bind(any).unwrap();
            let (mut mmsg, mut slots) = (Mmsg::default(), Slots::default());
            for i in 0..5u8 {
                slots.bufs[usize::from(i)][..3].copy_from_slice(&[i; 3]);
            }
            let to = b.local_addr().unwrap();
            let out: Vec<Outgoing> = (0..5).map(|slot| Outgoing { slot, len: 3, to }).collect();
            assert_eq!(mmsg.send(a.as_raw_fd(), &slots, &out), 5);
            let mut got = Slots::default();
            let mut n = 0;
            for _ in 0..100 {
                n += mmsg.recv(b.as_raw_fd(), &mut got).unwrap();
                if n > 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            assert!(n >= 1);
            assert_eq!(got.srcs[0], a.local_addr().unwrap());
            assert_eq!(&got.bufs[0][..got.lens[0]], &[0; 3]);
        }
    }

    #[test]
    fn a_refused_datagram_is_skipped_and_the_rest_still_go() {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        b.set_read_timeout(Some(std::time::Duration::from_secs(1)))
            .unwrap();
        let (mut mmsg, mut slots) = (Mmsg::default(), Slots::default());
        slots.bufs[1][..2].copy_from_slice(b"ok");
        let to = b.local_addr().unwrap();
        // An IPv6 destination from an IPv4 socket: the kernel refuses it.
        let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, to.port()));
        let out = [
            Outgoing {
                slot: 0,
                len: 2,
                to: v6,
            },
            Outgoing {
                slot: 1,
                len: 2,
                to,
            },
        ];
        assert_eq!(mmsg.send(a.as_raw_fd(), &slots, &out), 1);
        let mut buf = [0u8; 8];
        let (n, _) = b.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ok");
    }
}
