//! A call's relay session: two endpoints (A and B), forwarding between them,
//! events and timeouts. A pure state machine: packets and time go in,
//! verdicts and events come out; the I/O layer owns the sockets.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::drop::DropReason;
use crate::endpoint::{Endpoint, EndpointStats, LegUpdate};
use crate::error::{Error, Result};
use crate::keyframe::{self, KeyframeKind};
use crate::pipeline::{self, Crypto, Forwarded, PacketClass};
use crate::rewrite::rtcp::RtcpSsrcMap;
use crate::transform::Outbox;

/// Identifies a session within a relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub u64);

/// One of a session's two legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The caller's leg.
    A,
    /// The callee's leg.
    B,
}

impl Side {
    /// The other leg.
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }

    fn index(self) -> usize {
        match self {
            Side::A => 0,
            Side::B => 1,
        }
    }
}

/// What to do with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send `buf[..len]` to `to` from `side`'s socket (its RTCP socket when `rtcp_socket`).
    Forward {
        /// The leg whose socket sends it.
        side: Side,
        /// True to send from that leg's separate RTCP socket.
        rtcp_socket: bool,
        /// Destination address.
        to: SocketAddr,
        /// Length after the transform.
        len: usize,
    },
    /// Send the `packets` waiting in [`Session::outbox`]`(side)` to `to`
    /// from `side`'s RTP socket: the transcoded output of the packet.
    Transcoded {
        /// The leg whose socket sends them.
        side: Side,
        /// Destination address.
        to: SocketAddr,
        /// Packets waiting (may be zero while the transform buffers).
        packets: usize,
    },
    /// Dropped, and counted under this reason.
    Drop(DropReason),
}

/// Something the session's owner should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The first packet from a leg was accepted.
    FirstPacket {
        /// The session.
        session: SessionId,
        /// The leg.
        side: Side,
        /// Its source.
        from: SocketAddr,
    },
    /// A leg's media source was latched or moved (NAT rebinding).
    Latched {
        /// The session.
        session: SessionId,
        /// The leg.
        side: Side,
        /// The new source.
        to: SocketAddr,
    },
    /// No media accepted from either leg for the configured time.
    Timeout {
        /// The session.
        session: SessionId,
        /// Time since the last accepted packet (or since creation).
        silent_for: Duration,
    },
    /// A leg asked for a keyframe in its RTCP (PLI or FIR, authenticated
    /// when SRTCP), reported at most once per
    /// [`SessionPolicy::keyframe_interval`] per leg. The request is also
    /// forwarded to the other leg in the RTCP; the owner may in addition
    /// carry it in signalling (SIP INFO) to a peer that prefers that.
    KeyframeRequest {
        /// The session (one media stream pair).
        session: SessionId,
        /// The leg that asked.
        side: Side,
        /// PLI or FIR.
        kind: KeyframeKind,
    },
    /// A leg's SRTP authentication failures reached a multiple of the threshold.
    AuthFailures {
        /// The session.
        session: SessionId,
        /// The leg.
        side: Side,
        /// Failures so far.
        count: u64,
    },
}

/// Session-wide policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Silence after which [`Event::Timeout`] is raised.
    pub timeout: Duration,
    /// Authentication failures per [`Event::AuthFailures`].
    pub auth_failure_threshold: u64,
    /// Least time between two [`Event::KeyframeRequest`]s from one leg, so
    /// that a peer flooding PLIs cannot flood the event queue.
    pub keyframe_interval: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            auth_failure_threshold: 10,
            keyframe_interval: Duration::from_millis(200),
        }
    }
}

/// Both endpoints' counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStats {
    /// Leg A's endpoint.
    pub a: EndpointStats,
    /// Leg B's endpoint.
    pub b: EndpointStats,
}

/// A relay session.
#[derive(Debug)]
pub struct Session {
    id: SessionId,
    policy: SessionPolicy,
    endpoints: [Endpoint; 2],
    /// Silence is counted from the last packet or from this, the later.
    quiet_since: Instant,
    timed_out: bool,
    events: VecDeque<Event>,
}

impl Session {
    /// A session with two endpoints; `rtcp_mux` per side (A, B).
    pub fn new(id: SessionId, now: Instant, rtcp_mux: [bool; 2], policy: SessionPolicy) -> Self {
        Self {
            id,
            policy,
            endpoints: rtcp_mux.map(Endpoint::new),
            quiet_since: now,
            timed_out: false,
            events: VecDeque::with_capacity(8),
        }
    }

    /// The session's id.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// One endpoint.
    pub fn endpoint(&self, side: Side) -> &Endpoint {
        &self.endpoints[side.index()]
    }

    /// Applies a signalling update to one leg.
    pub fn update(&mut self, side: Side, update: LegUpdate) -> Result<()> {
        self.endpoints[side.index()].update(update)
    }

    /// Counts silence from `now` (media may only start now: a call just
    /// answered, a leg given a new remote), and arms another timeout.
    pub fn restart_silence(&mut self, now: Instant) {
        self.quiet_since = now;
        self.timed_out = false;
    }

    /// The later of the last packet and the silence restart.
    fn last_heard(&self) -> Instant {
        self.endpoints
            .iter()
            .filter_map(|e| e.stats.last_packet)
            .fold(self.quiet_since, Instant::max)
    }

    /// The transcoded packets a [`Verdict::Transcoded`] for `side` refers to.
    pub fn outbox(&self, side: Side) -> Option<&Outbox> {
        self.endpoints[side.index()]
            .transcoding
            .as_ref()
            .map(|t| t.outbox())
    }

    /// The earliest time a direction's transform wants its timeout (see
    /// [`crate::transform::MediaTransform::poll_timeout`]), if any.
    pub fn poll_transform_timeout(&self) -> Option<Instant> {
        self.endpoints
            .iter()
            .filter_map(|e| e.transcoding.as_ref()?.poll_timeout())
            .min()
    }

    /// Runs the timeout of the transform toward `side` when it is due at
    /// `now`: where its packets go and how many wait in
    /// [`Session::outbox`], protected for `side`. `None` when nothing is
    /// due, nothing came out, or `side` has no destination yet.
    pub fn handle_transform_timeout(
        &mut self,
        now: Instant,
        side: Side,
    ) -> Option<(SocketAddr, usize)> {
        let to = &mut self.endpoints[side.index()];
        let transcoding = to.transcoding.as_mut()?;
        if transcoding.poll_timeout().is_none_or(|at| at > now) {
            return None;
        }
        let count = pipeline::transcode_timeout(now, &mut to.tx, transcoding).ok()?;
        let to_addr = to.latch(false).destination()?;
        (count > 0).then_some((to_addr, count))
    }

    /// Directions whose media is transcoded (0, 1 or 2).
    pub fn transcoded_streams(&self) -> usize {
        self.endpoints
            .iter()
            .filter(|e| e.transcoding.is_some())
            .count()
    }

    /// Both endpoints' counters.
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            a: self.endpoints[0].stats,
            b: self.endpoints[1].stats,
        }
    }

    /// A packet `buf[..len]` arrived from `src` on `side`'s RTP (or muxed)
    /// socket, or on its RTCP socket when `rtcp_socket`. Transforms it in
    /// place for the other leg and says where it goes.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        side: Side,
        rtcp_socket: bool,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
    ) -> Verdict {
        let verdict = self.forward(now, side, rtcp_socket, src, buf, len);
        let transcoded_bytes = match verdict {
            Verdict::Transcoded { side: to, .. } => self
                .outbox(to)
                .map_or(0, |o| o.iter().map(<[u8]>::len).sum::<usize>()),
            _ => 0,
        };
        let from = &mut self.endpoints[side.index()];
        from.stats.packets_in += 1;
        from.stats.bytes_in += len as u64;
        match verdict {
            Verdict::Forward { len, .. } => {
                from.stats.forwarded += 1;
                from.stats.bytes_forwarded += len as u64;
            }
            Verdict::Transcoded { .. } => {
                from.stats.forwarded += 1;
                from.stats.bytes_forwarded += transcoded_bytes as u64;
            }
            Verdict::Drop(reason) => {
                from.stats.drops.add(reason);
                if reason == DropReason::AuthFailed {
                    from.auth_failures += 1;
                    let threshold = self.policy.auth_failure_threshold.max(1);
                    if from.auth_failures % threshold == 0 {
                        self.events.push_back(Event::AuthFailures {
                            session: self.id,
                            side,
                            count: from.auth_failures,
                        });
                    }
                }
            }
        }
        verdict
    }

    fn forward(
        &mut self,
        now: Instant,
        side: Side,
        rtcp_socket: bool,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
    ) -> Verdict {
        let [a, b] = &mut self.endpoints;
        let (from, to) = match side {
            Side::A => (a, b),
            Side::B => (b, a),
        };
        // A peer that does not mux may still send RTCP to our RTP port
        // (its own RTCP port as source): RTCP is judged by its own latch.
        let rtcp_in = !from.rtcp_mux
            && (rtcp_socket || buf.get(..len).is_some_and(tolk_media::demux::is_rtcp));
        if !from.latch(rtcp_in).admits(src, now) {
            return Verdict::Drop(DropReason::SourceNotLatched);
        }
        // The SSRC before any rename (the SRTP header is in the clear); kept if this is RTP.
        let ssrc_in = buf
            .get(8..12)
            .and_then(|w| w.try_into().ok())
            .map(u32::from_be_bytes);
        // RTCP renames: the sender as `to` sees its media, and references to
        // `to`'s own stream as `from` saw it, back to the original.
        let map = RtcpSsrcMap {
            sender: to.ssrc_seen_here(),
            source: from.ssrc_seen_here().zip(to.rtp_ssrc),
            // A transform's, added for RTCP by the pipeline.
            sender_info: None,
            own_timeline: false,
        };
        let (rx, tx, plan) = (&mut from.rx, &mut to.tx, &to.plan);
        let forwarded = match &mut to.transcoding {
            Some(t) => pipeline::transcode_packet(now, rx, tx, plan, &map, t, buf, len),
            None => pipeline::forward_with(rx, tx, plan, &map, buf, len)
                .map(|(n, class)| Forwarded::InPlace(n, class)),
        };
        let forwarded = match forwarded {
            Ok(done) => done,
            Err(reason) => return Verdict::Drop(reason),
        };
        // Accepted (and, for SRTP, authenticated): now the source may latch.
        if from.latch_mut(rtcp_in).accept(src, now) {
            self.events.push_back(Event::Latched {
                session: self.id,
                side,
                to: src,
            });
        }
        if from.stats.first_packet.is_none() {
            from.stats.first_packet = Some(now);
            self.events.push_back(Event::FirstPacket {
                session: self.id,
                side,
                from: src,
            });
        }
        from.stats.last_packet = Some(now);
        match forwarded {
            Forwarded::InPlace(_, PacketClass::Rtcp(keyframe)) => {
                let interval = self.policy.keyframe_interval;
                let due = from
                    .keyframe_reported
                    .is_none_or(|at| now.saturating_duration_since(at) >= interval);
                if let (Some(kind), true) = (keyframe, due) {
                    from.keyframe_reported = Some(now);
                    self.events.push_back(Event::KeyframeRequest {
                        session: self.id,
                        side,
                        kind,
                    });
                }
            }
            _ => from.rtp_ssrc = ssrc_in,
        }
        self.timed_out = false;
        let (len, class) = match forwarded {
            Forwarded::InPlace(len, class) => (len, class),
            Forwarded::Transcoded(packets) => {
                return match to.latch(false).destination() {
                    Some(dst) => Verdict::Transcoded {
                        side: side.other(),
                        to: dst,
                        packets,
                    },
                    None => Verdict::Drop(DropReason::NoDestination),
                };
            }
        };
        let rtcp_out = matches!(class, PacketClass::Rtcp(_)) && !to.rtcp_mux;
        match to.latch(rtcp_out).destination() {
            Some(dst) => Verdict::Forward {
                side: side.other(),
                rtcp_socket: rtcp_out,
                to: dst,
                len,
            },
            None => Verdict::Drop(DropReason::NoDestination),
        }
    }

    /// Writes into `buf` a keyframe request from the relay to `to`'s video
    /// sender: the relay's own sender SSRC, the SSRC `to` sends as the
    /// media source, SRTCP-protected when `to` is SRTP. Returns whether
    /// to send it from `to`'s RTCP socket, where to, and its length;
    /// `None` while `to` has sent no RTP (no source to name) or has no
    /// RTCP destination yet.
    pub fn keyframe_request(
        &mut self,
        to: Side,
        kind: KeyframeKind,
        buf: &mut [u8],
    ) -> Result<Option<(bool, SocketAddr, usize)>> {
        let endpoint = &mut self.endpoints[to.index()];
        let Some(media) = endpoint.rtp_ssrc else {
            return Ok(None);
        };
        let rtcp_socket = !endpoint.rtcp_mux;
        let Some(dst) = endpoint.latch(rtcp_socket).destination() else {
            return Ok(None);
        };
        if kind == KeyframeKind::Fir {
            endpoint.fir_seq = endpoint.fir_seq.wrapping_add(1);
        }
        let len =
            keyframe::write_request(kind, endpoint.feedback_ssrc, media, endpoint.fir_seq, buf)
                .ok_or(Error::Oversized {
                    len: keyframe::request_len(kind),
                    capacity: buf.len(),
                })?;
        let len = match &mut endpoint.tx {
            Crypto::Plain => len,
            Crypto::Srtp(ctx) => ctx.protect_rtcp(buf, len)?,
        };
        Ok(Some((rtcp_socket, dst, len)))
    }

    /// Checks the silence timer; raises [`Event::Timeout`] once per silence.
    pub fn handle_timeout(&mut self, now: Instant) {
        let silent_for = now.saturating_duration_since(self.last_heard());
        if !self.timed_out && silent_for >= self.policy.timeout {
            self.timed_out = true;
            self.events.push_back(Event::Timeout {
                session: self.id,
                silent_for,
            });
        }
    }

    /// When [`Session::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Instant {
        self.last_heard() + self.policy.timeout
    }

    /// The next pending event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod keyframe_tests;
#[cfg(test)]
mod rtcp_tests;
#[cfg(test)]
mod tests;
