//! The per-packet work of one direction, as a pure function of the packet
//! and the two legs' stream state:
//!
//! 1. demultiplex RTP from RTCP and junk (RFC 7983, RFC 5761 section 4);
//! 2. unprotect with the source leg's SRTP context, if any (authenticate,
//!    replay-check, decrypt);
//! 3. validate the RTP header (or every packet of an RTCP compound) and
//!    rewrite it for the destination leg (payload-type map, optional
//!    SSRC rename; RTCP gets the same renames, both
//!    ways, through [`crate::rewrite::rtcp`]);
//! 4. protect with the destination leg's SRTP context, if any.
//!
//! The combinations give the four direction transforms: SRTP->RTP,
//! RTP->SRTP, SRTP->SRTP re-keyed, and plain. When the destination's plan
//! transcodes, [`transcode_packet`] replaces step 3 for RTP: the decrypted packet
//! goes to the stream's [`crate::transform::MediaTransform`], and what it
//! returns is protected for the destination leg instead.

use std::time::Instant;

use tolk_media::demux::{PacketKind, classify};
use tolk_media::rtcp::raw_packets;
use tolk_media::rtp::{RtpHeaderMut, RtpPacket};

use crate::drop::DropReason;
use crate::keyframe::{self, KeyframeKind};
use crate::rewrite::rtcp::RtcpSsrcMap;
use crate::rewrite::{self, PayloadTypeMap, StreamRewrite};
use crate::srtp::SrtpContext;
use crate::transform::{Transcode, Transcoding};

/// An RTCP packet's fixed header plus sender SSRC.
const RTCP_MIN: usize = 8;

/// How one leg's packets are protected on the wire.
#[derive(Default)]
pub enum Crypto {
    /// Plain RTP/RTCP.
    #[default]
    Plain,
    /// SRTP/SRTCP with this (one-way) context.
    Srtp(Box<dyn SrtpContext>),
}

impl Crypto {
    /// True for SRTP.
    pub fn is_srtp(&self) -> bool {
        matches!(self, Crypto::Srtp(_))
    }
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Crypto::Plain => f.write_str("Plain"),
            Crypto::Srtp(c) => write!(f, "Srtp({})", c.profile()),
        }
    }
}

/// What the destination leg expects: its payload types and stream identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPlan {
    /// Source payload type -> destination payload type.
    pub payload_types: PayloadTypeMap,
    /// Optional SSRC rename.
    pub rewrite: Option<StreamRewrite>,
    /// Transcode RTP for this leg instead of forwarding it: the transform
    /// chooses the output's payload types and stream identity, so
    /// `payload_types` and `rewrite` are then unused, and RTCP is renamed
    /// to and from the transform's output SSRC (the source's SRs carried
    /// onto its stream, [`crate::rewrite::rtcp::SenderInfoMap`]).
    pub transcode: Option<Transcode>,
}

/// RTP or RTCP: what a forwarded packet was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketClass {
    /// An RTP packet.
    Rtp,
    /// An RTCP compound packet, with the keyframe request it carries.
    Rtcp(Option<KeyframeKind>),
}

/// Where a forwarded packet's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forwarded {
    /// Transformed in place: `buf[..len]`.
    InPlace(usize, PacketClass),
    /// Transcoded: this many RTP packets wait in the transcoding's outbox.
    Transcoded(usize),
}

/// Like [`forward_with`], but RTP goes through `transcoding` (built from the
/// plan's [`Transcode`]) at `now`; its output packets are protected in the
/// outbox.
#[allow(clippy::too_many_arguments)] // forward_with's, plus the stream's transform and clock
pub fn transcode_packet(
    now: Instant,
    rx: &mut Crypto,
    tx: &mut Crypto,
    plan: &EgressPlan,
    map: &RtcpSsrcMap,
    transcoding: &mut Transcoding,
    buf: &mut [u8],
    len: usize,
) -> Result<Forwarded, DropReason> {
    let packet = buf.get(..len).ok_or(DropReason::Oversized)?;
    if classify(packet) != PacketKind::Rtp {
        // The source's SRs carried onto the stream the transform sends.
        let map = RtcpSsrcMap {
            sender_info: transcoding.sender_info(),
            own_timeline: transcoding.output_ssrc().is_some(),
            ..*map
        };
        return forward_with(rx, tx, plan, &map, buf, len)
            .map(|(n, class)| Forwarded::InPlace(n, class));
    }
    let len = match rx {
        Crypto::Plain => len,
        Crypto::Srtp(ctx) => ctx
            .unprotect_rtp(buf, len)
            .map_err(|e| DropReason::from(&e))?,
    };
    let packet = buf.get(..len).ok_or(DropReason::Oversized)?;
    let packet = RtpPacket::parse(packet).map_err(|e| DropReason::from(&e))?;
    let count = transcoding.process(now, &packet)?;
    protect_outbox(tx, transcoding, count)?;
    Ok(Forwarded::Transcoded(count))
}

/// What `transcoding` sends on its own at `now` (see
/// [`crate::transform::MediaTransform::handle_timeout`]), protected in its
/// outbox for the destination leg; the packet count.
pub fn transcode_timeout(
    now: Instant,
    tx: &mut Crypto,
    transcoding: &mut Transcoding,
) -> Result<usize, DropReason> {
    let count = transcoding.handle_timeout(now)?;
    protect_outbox(tx, transcoding, count)?;
    Ok(count)
}

fn protect_outbox(
    tx: &mut Crypto,
    transcoding: &mut Transcoding,
    count: usize,
) -> Result<(), DropReason> {
    if let Crypto::Srtp(ctx) = tx {
        for (slot, len) in transcoding.outbox_mut().slots_mut().take(count) {
            *len = ctx
                .protect_rtp(slot, *len)
                .map_err(|e| DropReason::from(&e))?;
        }
    }
    Ok(())
}

/// Transforms the packet in `buf[..len]` in place for the destination leg;
/// returns the new length, or why it must be dropped.
pub fn forward(
    rx: &mut Crypto,
    tx: &mut Crypto,
    plan: &EgressPlan,
    buf: &mut [u8],
    len: usize,
) -> Result<(usize, PacketClass), DropReason> {
    let map = RtcpSsrcMap {
        sender: plan.rewrite.and_then(|r| r.ssrc),
        source: None,
        sender_info: None,
        own_timeline: false,
    };
    forward_with(rx, tx, plan, &map, buf, len)
}

/// [`forward`], with the RTCP SSRC renames given by the caller (see
/// [`crate::rewrite::rtcp`]): the session knows how each leg sees the
/// other's stream, the plan alone does not.
pub fn forward_with(
    rx: &mut Crypto,
    tx: &mut Crypto,
    plan: &EgressPlan,
    map: &RtcpSsrcMap,
    buf: &mut [u8],
    len: usize,
) -> Result<(usize, PacketClass), DropReason> {
    let packet = buf.get(..len).ok_or(DropReason::Oversized)?;
    match classify(packet) {
        PacketKind::Rtp => rtp(rx, tx, plan, buf, len).map(|n| (n, PacketClass::Rtp)),
        PacketKind::Rtcp => rtcp(rx, tx, map, buf, len),
        PacketKind::Stun | PacketKind::Dtls | PacketKind::Zrtp | PacketKind::TurnChannel => {
            Err(DropReason::NotRtp)
        }
        PacketKind::Unknown if len < 2 => Err(DropReason::Truncated),
        PacketKind::Unknown => Err(DropReason::WrongVersion),
    }
}

fn rtp(
    rx: &mut Crypto,
    tx: &mut Crypto,
    plan: &EgressPlan,
    buf: &mut [u8],
    len: usize,
) -> Result<usize, DropReason> {
    let len = match rx {
        Crypto::Plain => len,
        Crypto::Srtp(ctx) => ctx
            .unprotect_rtp(buf, len)
            .map_err(|e| DropReason::from(&e))?,
    };
    let packet = buf.get_mut(..len).ok_or(DropReason::Oversized)?;
    RtpPacket::parse(packet).map_err(|e| DropReason::from(&e))?;
    if !plan.payload_types.is_identity() || plan.rewrite.is_some() {
        let mut header = RtpHeaderMut::new(packet).map_err(|e| DropReason::from(&e))?;
        rewrite::apply(&mut header, &plan.payload_types, plan.rewrite.as_ref());
    }
    match tx {
        Crypto::Plain => Ok(len),
        Crypto::Srtp(ctx) => ctx.protect_rtp(buf, len).map_err(|e| DropReason::from(&e)),
    }
}

fn rtcp(
    rx: &mut Crypto,
    tx: &mut Crypto,
    map: &RtcpSsrcMap,
    buf: &mut [u8],
    len: usize,
) -> Result<(usize, PacketClass), DropReason> {
    let len = match rx {
        Crypto::Plain => len,
        Crypto::Srtp(ctx) => ctx
            .unprotect_rtcp(buf, len)
            .map_err(|e| DropReason::from(&e))?,
    };
    let compound = buf.get(..len).ok_or(DropReason::Oversized)?;
    if len < RTCP_MIN {
        return Err(DropReason::Truncated);
    }
    for packet in raw_packets(compound) {
        packet.map_err(|e| DropReason::from(&e))?;
    }
    let keyframe = keyframe::find_request(compound);
    if !map.is_identity() {
        rewrite::rtcp::apply(&mut buf[..len], map);
    }
    let len = match tx {
        Crypto::Plain => len,
        Crypto::Srtp(ctx) => ctx
            .protect_rtcp(buf, len)
            .map_err(|e| DropReason::from(&e))?,
    };
    Ok((len, PacketClass::Rtcp(keyframe)))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod transcode_tests;
