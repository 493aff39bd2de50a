//! tolk-relay: the SRTP media relay.
//!
//! Every bridged call's media passes through here: SRTP from one leg is
//! authenticated and decrypted, rewritten, re-encrypted for the other leg,
//! and nothing unauthenticated is ever forwarded.
//!
//! # Running a relay
//!
//! [`Relay`] owns worker threads (one per core by default) that move the
//! packets; the gateway drives it through a small API as offer/answer
//! proceeds, and reads [`Event`]s:
//!
//! ```
//! use std::net::{Ipv4Addr, UdpSocket};
//! use tolk_relay::srtp::{SrtpKey, SrtpProfile};
//! use tolk_relay::{EndpointSpec, LegKeys, LegUpdate, Relay, RelayConfig, RtcpMux, Side};
//!
//! # fn main() -> tolk_relay::Result<()> {
//! let relay = Relay::start(RelayConfig { ports: (46700, 46799), workers: 1, ..Default::default() })?;
//! let events = relay.take_events().expect("first call");
//!
//! // An offer arrives: one endpoint per leg, local ports for the SDP we send.
//! let spec = EndpointSpec { ip: Ipv4Addr::LOCALHOST.into(), rtcp_mux: RtcpMux::Muxed };
//! let call = relay.create_session(spec, spec)?;
//!
//! // Caller A offered SDES-SRTP; callee B speaks plain RTP.
//! let a_key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[1; 16], &[2; 14])?;
//! let our_key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[3; 16], &[4; 14])?;
//! let (caller, callee) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
//! relay.update(call.id, Side::A, LegUpdate {
//!     remote: Some(caller.local_addr()?),
//!     keys: Some(LegKeys { rx: Some(a_key), tx: Some(our_key) }),
//!     ..Default::default()
//! })?;
//! // B's answer arrives.
//! relay.update(call.id, Side::B, LegUpdate { remote: Some(callee.local_addr()?), ..Default::default() })?;
//!
//! // B's RTP reaches A as SRTP (RTP header 12 bytes + payload + 10-byte tag).
//! callee.send_to(&[0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7, 0xab], call.b.rtp)?;
//! let mut buf = [0u8; 1500];
//! caller.set_read_timeout(Some(std::time::Duration::from_secs(2)))?;
//! assert_eq!(caller.recv(&mut buf)?, 13 + 10);
//! assert!(events.recv_timeout(std::time::Duration::from_secs(2)).is_ok()); // first packet from B
//!
//! let totals = relay.delete(call.id)?;
//! assert_eq!(totals.b.forwarded, 1);
//! # Ok(()) }
//! ```
//!
//! Each call above blocks until the worker has answered. An async owner
//! awaits instead (`create_session_async`, `update_legs_async`,
//! `delete_async`), and one that serves many calls from one loop need not
//! wait at all: [`Relay::start_session`] and [`Relay::send_legs_update`]
//! send the command and hand back the worker's verdict as a future to
//! await elsewhere; the commands of a session reach its worker in order.
//! [`Relay::poll_transforms`] has no verdict to wait for: it has the
//! worker ask a session's transforms for their timeouts again.
//!
//! # Layers
//!
//! - [`srtp`]: SRTP/SRTCP behind the [`srtp::SrtpContext`] trait, which
//!   transforms packets in place in the receive buffer: [`srtp::InPlaceSrtp`]
//!   (AES-CM profiles) and [`srtp::InPlaceGcm`] (AEAD_AES_128_GCM), neither
//!   allocating, and [`srtp::WebrtcSrtp`] (on `webrtc-srtp`, kept as the
//!   independent implementation they are checked against); SDES `inline:` keys in
//!   [`srtp::sdes`], DTLS-SRTP exporter keys in [`srtp::dtls`].
//! - [`pipeline`]: one direction's per-packet work as a pure function
//!   (demux, unprotect, validate, [`rewrite`], protect) returning the new
//!   length or a [`DropReason`].
//! - [`transform`]: the transcoding hook ([`transform::MediaTransform`])
//!   a plan can put into a direction, with the adapter for `tolk-media`'s
//!   audio pipeline.
//! - [`keyframe`]: PLI/FIR spotted in a leg's RTCP (reported as
//!   [`Event::KeyframeRequest`]) and written by the relay itself
//!   ([`Relay::request_keyframe`]), so keyframe requests cross to a leg
//!   that asks for them in signalling (SIP INFO) instead.
//! - [`latch`]: symmetric-RTP latching rules; [`Session`]: two endpoints,
//!   stats, events and timeouts, driven with time as an input.
//! - [`ng`]: rtpengine's ng control protocol (bencode over UDP), so
//!   Kamailio can use the relay standalone (`tolk relay --ng`).
//! - [`Relay`]: sockets from a port range, worker threads, control API.
//!   Each endpoint is an RTP/RTCP port pair or one port for both
//!   ([`RtcpMux`], RFC 5761); an endpoint whose offer proposes rtcp-mux
//!   binds one socket and holds the next port until the answer settles it.
//!
//! # Idle sockets
//!
//! Binding a call's sockets and closing them again is kernel work a busy
//! relay feels (`socket`, `setsockopt`, `bind`, `close` and the deferred
//! freeing behind it: about 7 % of the gateway's CPU at 1,000 bridged
//! calls a second, in bursts that make the latency tail). So a deleted
//! session's worker stops watching its sockets (io_uring receive
//! cancelled, epoll deregistered) and hands them back, and they rest idle
//! for new sessions instead of being closed:
//!
//! - A socket serves again only after a 2 s quarantine, so that late
//!   packets of the old call (a peer still sending until a lost BYE is
//!   retransmitted) cannot reach a new one; at reuse, whatever the kernel
//!   queued meanwhile is read off and dropped, and a socket that still
//!   receives after 64 datagrams is closed instead.
//! - A pair (RTP and RTCP) serves an endpoint with a pair, or one whose
//!   offer proposes rtcp-mux, which keeps the RTCP socket aside until the
//!   answer: declined, the socket is handed to the worker (no bind);
//!   accepted, it rests idle on its own. A single socket serves a muxed
//!   endpoint, or an offered mux on an even port whose next port is free.
//!   Sockets only serve endpoints on the address they are bound to.
//! - Bounded: at most [`RelayConfig::idle_sockets`] (default 8,192; 0
//!   turns the pool off, every socket closes with its session), at most
//!   half the port range and a quarter of the open-files limit (the rest
//!   is the live calls' and the signalling's); a socket that comes back to
//!   a full pool is closed. Sockets idle for [`RelayConfig::idle_timeout`]
//!   (default 10 s) are closed, also in an idle relay. When the range runs
//!   out or a bind fails (out of files), every idle socket is closed
//!   before a session would be refused. Idle sockets keep their ports
//!   held in the range; [`Relay::idle_sockets`] counts them.
//!
//! # I/O paths
//!
//! Every call has its own ports, so a worker watches thousands of sockets
//! that each hold a packet or two when it wakes. [`IoMode`] picks how:
//!
//! - **io_uring** (the default where the kernel allows it, 6.1 or later):
//!   each socket has one multishot `recvmsg` armed, receiving into a ring
//!   of provided buffers, so arrivals on any socket post completions
//!   without a syscall each. A packet is transformed in its buffer and its
//!   send queued as an SQE; a worker's pass submits all its sends together
//!   with the next wait, one `io_uring_enter` for many packets across many
//!   sockets. A receive the kernel ends (no free buffer in a burst, a
//!   completion queue overflow) is armed again before the next wait, and
//!   kept for the following one when the submission queue is full, so a
//!   burst never stops a stream; one ended by a socket error is armed again
//!   at the next tick (250 ms), one ended by an error re-arming cannot fix
//!   is logged and counted. Commands are read on every pass, so the
//!   control plane is served within a tick even if the wake poll is lost.
//!   Removing a socket cancels its receive synchronously (found by its
//!   user data, not by a scan of the ring's requests) and runs the
//!   ring's deferred task work, so its port is free once it is closed.
//!   Transcoder output is copied into the ring's own buffers and sent the
//!   same way.
//! - **epoll** (the fallback when io_uring cannot be set up: old kernel,
//!   `kernel.io_uring_disabled`, seccomp): edge-triggered readiness, one
//!   `recvmmsg` per ready socket and one `sendmmsg` per run of forwards to
//!   the same socket (a datagram the kernel refuses is skipped, the rest
//!   still go).
//!
//! [`IoMode::Auto`] tries io_uring and falls back per worker (logging why);
//! `Uring` and `Epoll` force one (`tolk relay --io`). [`Relay::io`] says
//! which runs ([`IoMode::Auto`] if the workers differ, [`Relay::worker_io`]
//! per worker). Sends the kernel refuses (a full socket buffer, no route)
//! after the session counted the packet as forwarded are counted per
//! worker, on both paths, in [`Relay::io_stats`] (and the ng `statistics`
//! answer's `relaysendfailures`).
//! Unsafe code lives in two small modules: `io/sys.rs` (the mmsg syscalls)
//! and `io/ring.rs` (io_uring's shared buffers); the rest of the crate is
//! safe Rust, and neither path allocates per packet in steady state.
//!
//! The per-packet path in isolation:
//!
//! ```
//! use tolk_relay::srtp::{new_context, SrtpKey, SrtpProfile};
//!
//! # fn main() -> tolk_relay::Result<()> {
//! let key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[7; 16], &[9; 14])?;
//! let (mut sender, mut receiver) = (new_context(&key)?, new_context(&key)?);
//!
//! let rtp = [0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 42, 0xde, 0xad];
//! let mut buf = [0u8; 1500];
//! buf[..rtp.len()].copy_from_slice(&rtp);
//! let srtp_len = sender.protect_rtp(&mut buf, rtp.len())?;
//! assert_eq!(srtp_len, rtp.len() + 10);
//! let rtp_len = receiver.unprotect_rtp(&mut buf, srtp_len)?;
//! assert_eq!(buf[..rtp_len], rtp);
//! // The same packet again is a replay.
//! assert!(receiver.unprotect_rtp(&mut buf, rtp_len).is_err());
//! # Ok(()) }
//! ```

mod drop;
mod endpoint;
mod error;
mod io;
pub mod keyframe;
pub mod latch;
pub mod ng;
pub mod pipeline;
mod ports;
pub mod rewrite;
mod session;
pub mod srtp;
pub mod transform;

pub use drop::{DropCounts, DropReason};
pub use endpoint::{Endpoint, EndpointStats, LegKeys, LegUpdate};
pub use error::{Error, Result};
pub use io::{
    BareForwarder, EVENT_QUEUE, EndpointSpec, IoMode, IoStats, LocalEndpoint, Relay, RelayConfig,
    RtcpMux, SessionInfo, UdpBatch,
};
pub use ports::PortAllocator;
pub use session::{Event, Session, SessionId, SessionPolicy, SessionStats, Side, Verdict};
