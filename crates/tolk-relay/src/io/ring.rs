//! io_uring for the relay's workers, with the io_uring path's only unsafe
//! code. Every socket has one multishot `recvmsg` armed; arrivals on any of
//! them land in a ring of provided buffers and post completions without a
//! syscall each. A packet is transformed in its buffer and sent from it;
//! the buffer goes back to the kernel when the send completes. Sends queue
//! as SQEs and leave with the next wait, so one `io_uring_enter` moves many
//! packets across many sockets.
//!
//! Memory rules: a provided buffer is the kernel's from the moment it is in
//! the buffer ring until a completion names it; then it is the single
//! [`Packet`] value's (not `Clone`), which hands it back by
//! [`Ring::send`] (after the send's completion) or [`Ring::recycle`]. On
//! drop, every request is cancelled synchronously and the buffer ring
//! unregistered before the memory is freed (leaked instead if that fails).
#![allow(unsafe_code)]

use std::alloc::{self, Layout};
use std::io;
use std::mem::size_of;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use io_uring::types::{BufRingEntry, CancelBuilder, Fd, RecvMsgOut, SubmitArgs, Timespec};
use io_uring::{IoUring, cqueue, opcode, squeue};

use super::IoCounters;
use super::sys::{read_sockaddr, write_sockaddr};

/// Provided buffers (a power of two, at most 32768).
const BUFFERS: u16 = 2048;
/// Own buffers for packets the relay writes itself (transcoder output).
const OWN: u16 = 256;
/// Bytes per buffer: the recvmsg header, the source address, the datagram
/// (with room for SRTP's tag when it is protected in place).
const BUFFER: usize = 2048;
/// The provided buffers' group id.
const GROUP: u16 = 0;
const SQ_ENTRIES: u32 = 1024;
const CQ_ENTRIES: u32 = 16_384;
/// Room for the source address in each buffer: a `sockaddr_in6` holds both families.
const NAME_LEN: usize = size_of::<libc::sockaddr_in6>();
/// How long a synchronous cancel may take before the worker gives up on it.
const CANCEL_WAIT: Duration = Duration::from_secs(1);

// A request's user_data: the kind in the top two bits, its argument below.
const KIND_SHIFT: u32 = 62;
const ARG_MASK: u64 = (1 << KIND_SHIFT) - 1;
const WAKE: u64 = 0;
const RECV: u64 = 1;
const SENT: u64 = 2;
const SENT_OWN: u64 = 3;

/// A received datagram, in a buffer the worker owns until it sends or recycles it.
#[derive(Debug)]
pub struct Packet {
    token: u64,
    buffer: u16,
    offset: usize,
    len: usize,
    src: Option<SocketAddr>,
}

impl Packet {
    /// The token the socket was armed with.
    pub fn token(&self) -> u64 {
        self.token
    }

    /// The sender, if the kernel gave an IPv4 or IPv6 address.
    pub fn src(&self) -> Option<SocketAddr> {
        self.src
    }

    /// Datagram length; past the payload's room when the kernel cut it.
    pub fn len(&self) -> usize {
        self.len
    }
}

/// What a completion means to the worker.
#[derive(Debug)]
pub enum Completion {
    /// A datagram arrived.
    Packet(Packet),
    /// The socket armed with `token` stopped receiving: `result` is the
    /// last completion's (a negative errno such as `ENOBUFS` when no
    /// buffer was free; zero or more when the kernel ended it, e.g. on a
    /// completion queue overflow).
    Ended {
        /// The arming's token.
        token: u64,
        /// The final completion's result.
        result: i32,
    },
    /// The wake fd became readable: commands are waiting.
    Wake,
}

/// One worker's io_uring, its provided buffers and its own send buffers.
pub struct Ring {
    // Declared first: dropped (closing the ring) before the memory below.
    ring: IoUring,
    /// The buffer ring's entries, shared with the kernel.
    entries: Region,
    /// Packet bytes: `BUFFERS` provided buffers, then `OWN` own ones.
    data: Region,
    /// Each buffer's destination address while its send is in flight.
    addrs: Region,
    tail: u16,
    own_free: Vec<u16>,
    wake_fd: RawFd,
    /// Whether the multishot poll on `wake_fd` is live; re-armed before
    /// each wait when the kernel ended it.
    wake_armed: bool,
    /// Whether the kernel holds the buffer ring (so drop must unregister it).
    registered: bool,
    /// A receive that ended on the packet just returned (token, result), reported next.
    ended: Option<(u64, i32)>,
    counters: Arc<IoCounters>,
    /// The `msghdr` the multishot receives were prepared with (name room only).
    recv_hdr: Box<libc::msghdr>,
}

impl Ring {
    /// Sets up the ring (kernel 6.1 or later) and arms a poll on `wake_fd`;
    /// failed sends are counted in `counters`.
    pub fn new(wake_fd: RawFd, counters: Arc<IoCounters>) -> io::Result<Self> {
        let ring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .setup_submit_all()
            .setup_cqsize(CQ_ENTRIES)
            .build(SQ_ENTRIES)?;
        let total = usize::from(BUFFERS) + usize::from(OWN);
        let entries = Region::new(usize::from(BUFFERS) * size_of::<BufRingEntry>(), 4096)?;
        let data = Region::new(total * BUFFER, 64)?;
        let addrs = Region::new(
            total * size_of::<libc::sockaddr_in6>(),
            align_of::<libc::sockaddr_in6>(),
        )?;
        // SAFETY: an all-zero msghdr is valid; only its name length matters
        // to a multishot receive, which reads it while preparing the request.
        let mut recv_hdr: Box<libc::msghdr> = Box::new(unsafe { std::mem::zeroed() });
        recv_hdr.msg_namelen = NAME_LEN as libc::socklen_t;
        let mut this = Self {
            ring,
            entries,
            data,
            addrs,
            tail: 0,
            own_free: (BUFFERS..BUFFERS + OWN).rev().collect(),
            wake_fd,
            wake_armed: false,
            registered: false,
            ended: None,
            counters,
            recv_hdr,
        };
        // SAFETY: `entries` is page-aligned, holds BUFFERS entries and lives
        // until the ring is unregistered in `drop`.
        unsafe {
            this.ring.submitter().register_buf_ring_with_flags(
                this.entries.ptr.as_ptr() as u64,
                BUFFERS,
                GROUP,
                0,
            )?;
        }
        this.registered = true;
        for b in 0..BUFFERS {
            this.give_back(b);
        }
        this.arm_wake()?;
        Ok(this)
    }

    /// Arms a multishot receive on `fd`; its completions carry `token`
    /// (62 bits at most).
    pub fn arm(&mut self, fd: RawFd, token: u64) -> io::Result<()> {
        let entry = opcode::RecvMsgMulti::new(Fd(fd), &raw const *self.recv_hdr, GROUP)
            .build()
            .user_data(RECV << KIND_SHIFT | (token & ARG_MASK));
        self.push(&entry)
    }

    /// Cancels the receives armed on `receives` (fd, token) and lets the
    /// kernel drop its references to the sockets, so closing them frees
    /// their ports at once. Each receive is found by its user data, one
    /// hash bucket: a cancel by fd walks every request of the ring, which
    /// made each session removal cost in proportion to the sockets armed.
    /// One submit before and one task-work run after, for all of them.
    pub fn cancel(&mut self, receives: &[(RawFd, u64)]) {
        // Only submitted requests can be cancelled, and queued sends must
        // leave before a socket's fd can be closed and reused.
        let _ = self.ring.submit();
        for &(fd, token) in receives {
            let cancelled = self.ring.submitter().register_sync_cancel(
                Some(Timespec::from(CANCEL_WAIT)),
                CancelBuilder::user_data(RECV << KIND_SHIFT | (token & ARG_MASK)),
            );
            if let Err(e) = cancelled
                && e.raw_os_error() != Some(libc::ENOENT)
            {
                tracing::warn!(fd, error = %e, "io_uring cancel of a socket's receive did not finish");
            }
        }
        // With DEFER_TASKRUN the cancelled receives complete (and put their
        // file references) in task work that only an enter asking for
        // events runs: a zero-timeout wait runs it now, not at the next wait.
        let now = Timespec::new();
        let _ = self
            .ring
            .submitter()
            .submit_with_args(1, &SubmitArgs::new().timespec(&now));
    }

    /// The buffer `packet` was received in, from its first byte to the end
    /// of the buffer's room (for transforms that grow it).
    pub fn payload_mut(&mut self, packet: &Packet) -> &mut [u8] {
        // SAFETY: the completion that made `packet` handed this buffer to
        // us and the kernel does not touch it until `packet` is consumed;
        // `packet` is not Clone and the slice borrows `self` mutably, so
        // there is one view at a time.
        unsafe {
            let start = self.buffer_ptr(packet.buffer).add(packet.offset);
            std::slice::from_raw_parts_mut(start, BUFFER - packet.offset)
        }
    }

    /// Queues `len` bytes of `packet`'s buffer to `to` from `fd`; the buffer
    /// returns to the kernel when the send completes.
    pub fn send(&mut self, packet: Packet, fd: RawFd, len: usize, to: SocketAddr) {
        let len = len.min(BUFFER - packet.offset);
        let (buffer, offset) = (packet.buffer, packet.offset);
        // SAFETY: the buffer is ours (see `payload_mut`) until this send's completion.
        let data = unsafe { self.buffer_ptr(buffer).add(offset) };
        if self
            .queue_send(fd, data, len, to, buffer, SENT << KIND_SHIFT)
            .is_err()
        {
            self.counters.send_failed();
            self.give_back(buffer);
        }
    }

    /// Hands `packet`'s buffer back to the kernel unsent.
    pub fn recycle(&mut self, packet: Packet) {
        self.give_back(packet.buffer);
    }

    /// Queues a copy of `bytes` to `to` from `fd`; false when no own buffer
    /// is free (or `bytes` does not fit), so the caller sends it another way.
    pub fn send_copy(&mut self, fd: RawFd, bytes: &[u8], to: SocketAddr) -> bool {
        if bytes.len() > BUFFER {
            return false;
        }
        let Some(own) = self.own_free.pop() else {
            return false;
        };
        // SAFETY: own buffers on the free list are in no request.
        let data = unsafe {
            let data = self.buffer_ptr(own);
            ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
            data
        };
        if self
            .queue_send(fd, data, bytes.len(), to, own, SENT_OWN << KIND_SHIFT)
            .is_err()
        {
            self.own_free.push(own);
            return false;
        }
        true
    }

    /// Submits what is queued and waits up to `timeout` for a completion,
    /// re-arming the wake poll first if the kernel ended it. Transient
    /// failures (no memory, completions lost to an overflow) are returned
    /// as [`WaitError::Transient`]: the caller goes on.
    pub fn wait(&mut self, timeout: Duration) -> Result<(), WaitError> {
        if !self.wake_armed {
            // Failing (queue full), the caller still runs commands each pass.
            let _ = self.arm_wake();
        }
        let ts = Timespec::from(timeout);
        let args = SubmitArgs::new().timespec(&ts);
        match self.ring.submitter().submit_with_args(1, &args) {
            Ok(_) => Ok(()),
            Err(e) => match e.raw_os_error() {
                Some(libc::ETIME | libc::EINTR | libc::EBUSY | libc::EAGAIN) => Ok(()),
                Some(libc::ENOMEM | libc::EBADR | libc::ENOBUFS) => Err(WaitError::Transient(e)),
                _ => Err(WaitError::Fatal(e)),
            },
        }
    }

    /// The next completion that matters to the worker; send completions
    /// return their buffers on the way.
    pub fn next(&mut self) -> Option<Completion> {
        if let Some((token, result)) = self.ended.take() {
            return Some(Completion::Ended { token, result });
        }
        loop {
            let cqe = self.ring.completion().next()?;
            let (kind, arg) = (cqe.user_data() >> KIND_SHIFT, cqe.user_data() & ARG_MASK);
            match kind {
                RECV => {
                    if let Some(c) = self.received(arg, cqe.result(), cqe.flags()) {
                        return Some(c);
                    }
                }
                SENT | SENT_OWN => self.sent(arg, cqe.result()),
                _ => {
                    if !cqueue::more(cqe.flags()) {
                        // Rare (overflow): the next wait arms it again.
                        self.wake_armed = false;
                    }
                    return Some(Completion::Wake);
                }
            }
        }
    }

    fn received(&mut self, token: u64, result: i32, flags: u32) -> Option<Completion> {
        let more = cqueue::more(flags);
        let ended = (!more).then_some(Completion::Ended { token, result });
        let Some(buffer) = cqueue::buffer_select(flags) else {
            return ended;
        };
        let packet = usize::try_from(result)
            .ok()
            .and_then(|n| self.parse(buffer, n, token));
        let Some(packet) = packet else {
            self.give_back(buffer);
            return ended;
        };
        if !more {
            self.ended = Some((token, result));
        }
        Some(Completion::Packet(packet))
    }

    fn parse(&self, buffer: u16, written: usize, token: u64) -> Option<Packet> {
        // SAFETY: the kernel wrote `written` bytes into this buffer, which
        // is ours until recycled; the slice ends before anything is handed out.
        let bytes =
            unsafe { std::slice::from_raw_parts(self.buffer_ptr(buffer), written.min(BUFFER)) };
        let out = RecvMsgOut::parse(bytes, &self.recv_hdr).ok()?;
        let payload = out.payload_data();
        let offset = payload.as_ptr() as usize - bytes.as_ptr() as usize;
        let len = if out.is_payload_truncated() {
            BUFFER - offset + 1
        } else {
            payload.len()
        };
        Some(Packet {
            token,
            buffer,
            offset,
            len,
            src: read_sockaddr(out.name_data()),
        })
    }

    fn sent(&mut self, buffer: u64, result: i32) {
        if result < 0 {
            // EAGAIN (socket buffer full), ENETUNREACH...: the session
            // counted the packet as forwarded, so the loss is counted here.
            self.counters.send_failed();
        }
        let Ok(buffer) = u16::try_from(buffer) else {
            return;
        };
        if buffer < BUFFERS {
            self.give_back(buffer);
        } else if buffer < BUFFERS + OWN {
            self.own_free.push(buffer);
        }
    }

    fn queue_send(
        &mut self,
        fd: RawFd,
        data: *const u8,
        len: usize,
        to: SocketAddr,
        buffer: u16,
        kind: u64,
    ) -> io::Result<()> {
        // SAFETY: each buffer has its own address slot, unused while the buffer is ours.
        let addr = unsafe {
            self.addrs
                .ptr
                .as_ptr()
                .cast::<libc::sockaddr_in6>()
                .add(usize::from(buffer))
        };
        // SAFETY: as above; `addr` has room for either family.
        let addr_len = unsafe { write_sockaddr(to, addr) };
        let entry = opcode::Send::new(Fd(fd), data, len as u32)
            .dest_addr(addr.cast())
            .dest_addr_len(addr_len)
            .flags(libc::MSG_DONTWAIT)
            .build()
            .user_data(kind | u64::from(buffer));
        self.push(&entry)
    }

    fn push(&mut self, entry: &squeue::Entry) -> io::Result<()> {
        for _ in 0..2 {
            // SAFETY: every pointer in our entries (buffers, addresses, the
            // receive msghdr) stays valid until the request completes: they
            // live in `self`, which cancels everything before freeing them.
            if unsafe { self.ring.submission().push(entry) }.is_ok() {
                return Ok(());
            }
            // Full: hand what is queued to the kernel and try again.
            self.ring.submit()?;
        }
        Err(io::Error::other("io_uring submission queue full"))
    }

    fn arm_wake(&mut self) -> io::Result<()> {
        let entry = opcode::PollAdd::new(Fd(self.wake_fd), libc::POLLIN as u32)
            .multi(true)
            .build()
            .user_data(WAKE << KIND_SHIFT);
        self.push(&entry)?;
        self.wake_armed = true;
        Ok(())
    }

    fn buffer_ptr(&self, buffer: u16) -> *mut u8 {
        // In bounds: callers pass ids below BUFFERS + OWN.
        self.data
            .ptr
            .as_ptr()
            .wrapping_add(usize::from(buffer) * BUFFER)
    }

    /// Publishes provided buffer `buffer` to the kernel again.
    fn give_back(&mut self, buffer: u16) {
        let base = self.entries.ptr.as_ptr().cast::<BufRingEntry>();
        let addr = self.buffer_ptr(buffer) as u64;
        // SAFETY: the slot at `tail` is free (the kernel consumed it long
        // ago: at most BUFFERS buffers exist); fields other than entry 0's
        // tail word are written, then the tail is published with Release.
        unsafe {
            let entry = &mut *base.add(usize::from(self.tail & (BUFFERS - 1)));
            entry.set_addr(addr);
            entry.set_len(BUFFER as u32);
            entry.set_bid(buffer);
            self.tail = self.tail.wrapping_add(1);
            let tail = BufRingEntry::tail(base).cast_mut();
            AtomicU16::from_ptr(tail).store(self.tail, Ordering::Release);
        }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        let _ = self.ring.submit();
        let cancelled = match self
            .ring
            .submitter()
            .register_sync_cancel(Some(Timespec::from(CANCEL_WAIT)), CancelBuilder::any())
        {
            Ok(()) => true,
            Err(e) => e.raw_os_error() == Some(libc::ENOENT),
        };
        // Never registered (setup failed there): nothing for the kernel to let go.
        let unregistered =
            !self.registered || self.ring.submitter().unregister_buf_ring(GROUP).is_ok();
        if !(cancelled && unregistered) {
            // The kernel may still write here: leak rather than free.
            for r in [&mut self.entries, &mut self.data, &mut self.addrs] {
                r.leak = true;
            }
        }
    }
}

/// Why a wait failed.
#[derive(Debug)]
pub enum WaitError {
    /// Worth going on (no memory for now, completions lost to an overflow).
    Transient(io::Error),
    /// The ring is unusable.
    Fatal(io::Error),
}

/// Zeroed heap memory shared with the kernel, freed on drop.
struct Region {
    ptr: NonNull<u8>,
    layout: Layout,
    leak: bool,
}

impl Region {
    fn new(size: usize, align: usize) -> io::Result<Self> {
        let layout = Layout::from_size_align(size.max(1), align).map_err(io::Error::other)?;
        // SAFETY: the layout has a non-zero size.
        let ptr = NonNull::new(unsafe { alloc::alloc_zeroed(layout) })
            .ok_or_else(|| io::Error::from(io::ErrorKind::OutOfMemory))?;
        Ok(Self {
            ptr,
            layout,
            leak: false,
        })
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if !self.leak {
            // SAFETY: allocated in `new` with this layout.
            unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) };
        }
    }
}
