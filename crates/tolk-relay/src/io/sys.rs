//! Batched UDP syscalls, `recvmmsg(2)` and `sendmmsg(2)`, and the C socket
//! address encoding and decoding both I/O paths share, the open-files
//! limit and the descriptor table's reservation: with `ring.rs`
//! (io_uring), the crate's only unsafe code. Everything else sees plain
//! buffers and `SocketAddr`s.
#![allow(unsafe_code)]

use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, RawFd};
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
            self.aim(
                i,
                mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
            );
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
            let name = written_name(&self.names[i], self.hdrs[i].msg_hdr.msg_namelen);
            slots.srcs[i] = read_sockaddr(name).unwrap_or(slots.srcs[i]);
        }
        Ok(n)
    }

    /// Points header `i` at its own address (`namelen` bytes of it in use)
    /// and its own iovec, with no control data.
    fn aim(&mut self, i: usize, namelen: libc::socklen_t) {
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
                self.aim(i, namelen);
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

/// The first `len` bytes of `s`: the source address `recvmmsg` wrote.
fn written_name(s: &libc::sockaddr_storage, len: libc::socklen_t) -> &[u8] {
    let len = (len as usize).min(mem::size_of::<libc::sockaddr_storage>());
    // SAFETY: the kernel wrote (so initialised) the first `len` bytes of
    // `s`, which is at least that long; the slice borrows `s`.
    unsafe { std::slice::from_raw_parts(ptr::from_ref(s).cast::<u8>(), len) }
}

/// Reads the C socket address (`sockaddr_in` or `sockaddr_in6`) that the
/// kernel wrote as `name`, byte by byte, as [`write_sockaddr`] lays it
/// out; the one decoder both I/O paths use. `None` for another family or
/// too few bytes for the family's structure.
pub(super) fn read_sockaddr(name: &[u8]) -> Option<SocketAddr> {
    use libc::{sockaddr_in as V4, sockaddr_in6 as V6};
    use mem::offset_of;
    match i32::from(u16::from_ne_bytes(field(name, 0)?)) {
        libc::AF_INET if name.len() >= mem::size_of::<V4>() => {
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(field::<4>(name, offset_of!(V4, sin_addr))?),
                u16::from_be_bytes(field(name, offset_of!(V4, sin_port))?),
            )))
        }
        // Flow label and scope id pass through as the C fields hold them.
        libc::AF_INET6 if name.len() >= mem::size_of::<V6>() => {
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(field::<16>(name, offset_of!(V6, sin6_addr))?),
                u16::from_be_bytes(field(name, offset_of!(V6, sin6_port))?),
                u32::from_ne_bytes(field(name, offset_of!(V6, sin6_flowinfo))?),
                u32::from_ne_bytes(field(name, offset_of!(V6, sin6_scope_id))?),
            )))
        }
        _ => None,
    }
}

/// The `N` bytes of `name` from `at` on.
fn field<const N: usize>(name: &[u8], at: usize) -> Option<[u8; N]> {
    name.get(at..at + N)?.try_into().ok()
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

/// The process's open-files limit (soft), or `usize::MAX` when unlimited
/// or unknown.
pub fn open_files_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return usize::MAX;
    }
    usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
}

/// Grows the process's descriptor table at once to hold `count`
/// descriptors (at most the open-files limit). Linux grows it by doubling
/// as descriptors are opened, and in a process with several threads each
/// growth waits for an RCU grace period (`expand_fdtable`), 15-20 ms here,
/// in whichever thread opened the descriptor: at 1,000 calls/s the event
/// loop binding relay sockets stalled at 256, 512, 1,024 and 2,048 open
/// descriptors (BENCHMARKS.md). The table never shrinks, so one growth at
/// start stands for all of those. Best effort: a failure changes nothing.
pub fn reserve_descriptors(any_open: &impl AsRawFd, count: usize) {
    let Ok(top) = libc::c_int::try_from(count.min(open_files_limit()).saturating_sub(1)) else {
        return;
    };
    // SAFETY: F_DUPFD takes the lowest free descriptor >= top, so it never
    // replaces an open one; the copy is closed right away and nothing else
    // knows its number.
    unsafe {
        let copy = libc::fcntl(any_open.as_raw_fd(), libc::F_DUPFD_CLOEXEC, top);
        if copy >= 0 {
            libc::close(copy);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    use super::*;

    /// The descriptor table's size, from `/proc/self/status` (Linux).
    fn descriptor_table_size() -> Option<usize> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("FDSize:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    #[test]
    fn reserving_descriptors_grows_the_table_and_leaves_nothing_open() {
        let Some(before) = descriptor_table_size() else {
            eprintln!("no /proc/self/status: skipped");
            return;
        };
        let want = (before * 4).min(open_files_limit());
        if want <= before {
            eprintln!(
                "open-files limit {} leaves no room: skipped",
                open_files_limit()
            );
            return;
        }
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        reserve_descriptors(&socket, want);
        assert!(descriptor_table_size().unwrap() >= want);
        // The copy that made room is closed again.
        let top = std::path::PathBuf::from(format!("/proc/self/fd/{}", want - 1));
        assert!(!top.exists());
    }

    #[test]
    fn a_relay_reserves_the_table_for_its_port_range_at_start() {
        let span = 8000;
        let want = span + super::super::DESCRIPTORS_BESIDE_MEDIA;
        if descriptor_table_size().is_none() || open_files_limit() < want {
            eprintln!("no /proc/self/status or too low an open-files limit: skipped");
            return;
        }
        let relay = super::super::Relay::start(super::super::RelayConfig {
            ports: (40000, 40000 + span as u16 - 1),
            workers: 1,
            ..Default::default()
        })
        .unwrap();
        assert!(descriptor_table_size().unwrap() >= want);
        drop(relay);
    }

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

    /// `to` as `write_sockaddr` writes it, and the length it reports.
    fn written(to: SocketAddr) -> (libc::sockaddr_in6, usize) {
        // SAFETY: all-zero bytes are a valid sockaddr_in6.
        let mut name: libc::sockaddr_in6 = unsafe { mem::zeroed() };
        // SAFETY: `name` is a live, aligned sockaddr_in6.
        let len = unsafe { write_sockaddr(to, &mut name) };
        (name, len as usize)
    }

    /// The bytes of a C socket address.
    fn bytes_of(name: &libc::sockaddr_in6) -> &[u8] {
        // SAFETY: sockaddr_in6 has no padding; every byte was written.
        unsafe {
            std::slice::from_raw_parts(
                ptr::from_ref(name).cast::<u8>(),
                mem::size_of::<libc::sockaddr_in6>(),
            )
        }
    }

    #[test]
    fn socket_addresses_round_trip_through_the_c_layout() {
        let v4 = SocketAddr::from(([192, 0, 2, 7], 4000));
        let v6 = SocketAddr::V6(SocketAddrV6::new(
            "2001:db8::1".parse().unwrap(),
            5000,
            0x0001_2345,
            3,
        ));
        for addr in [v4, v6, SocketAddr::from((Ipv6Addr::LOCALHOST, 0))] {
            let (name, len) = written(addr);
            assert_eq!(read_sockaddr(&bytes_of(&name)[..len]), Some(addr));
        }
        assert_eq!(written(v4).1, mem::size_of::<libc::sockaddr_in>());
        assert_eq!(written(v6).1, mem::size_of::<libc::sockaddr_in6>());
    }

    #[test]
    fn another_family_or_too_few_bytes_is_no_address() {
        let (name, len) = written(SocketAddr::from(([127, 0, 0, 1], 4000)));
        let v4 = &bytes_of(&name)[..len];
        assert_eq!(read_sockaddr(&v4[..len - 1]), None, "short sockaddr_in");
        assert_eq!(read_sockaddr(&v4[..1]), None, "not even a family");
        assert_eq!(read_sockaddr(&[]), None);
        let mut unix = v4.to_vec();
        unix[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
        assert_eq!(read_sockaddr(&unix), None, "AF_UNIX");

        let (name, len) = written(SocketAddr::from((Ipv6Addr::LOCALHOST, 5000)));
        let v6 = &bytes_of(&name)[..len];
        assert_eq!(read_sockaddr(&v6[..len - 1]), None, "short sockaddr_in6");
        assert_eq!(read_sockaddr(&v6[..10]), None);
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
