//! The per-packet work of one direction, as a pure function of the packet
//! and the two legs' stream state:
//!
//! 1. demultiplex RTP from RTCP and junk (RFC 7983, RFC 5761 section 4);
//! 2. unprotect with the source leg's SRTP context, if any (authenticate,
//!    replay-check, decrypt);
//! 3. validate the RTP header and rewrite it for the destination leg
//!    (payload-type map, optional SSRC/sequence/timestamp rewrite);
//! 4. protect with the destination leg's SRTP context, if any.
//!
//! The combinations give the four direction transforms: SRTP->RTP,
//! RTP->SRTP, SRTP->SRTP re-keyed, and plain.

use tolk_media::demux::{PacketKind, classify};
use tolk_media::rtp::{RtpHeaderMut, RtpPacket};

use crate::drop::DropReason;
use crate::rewrite::{self, PayloadTypeMap, StreamRewrite};
use crate::srtp::SrtpContext;

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
    /// Optional SSRC/sequence/timestamp rewrite.
    pub rewrite: Option<StreamRewrite>,
}

/// RTP or RTCP: what a forwarded packet was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketClass {
    /// An RTP packet.
    Rtp,
    /// An RTCP compound packet.
    Rtcp,
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
    let packet = buf.get(..len).ok_or(DropReason::Oversized)?;
    match classify(packet) {
        PacketKind::Rtp => rtp(rx, tx, plan, buf, len).map(|n| (n, PacketClass::Rtp)),
        PacketKind::Rtcp => rtcp(rx, tx, buf, len).map(|n| (n, PacketClass::Rtcp)),
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

fn rtcp(rx: &mut Crypto, tx: &mut Crypto, buf: &mut [u8], len: usize) -> Result<usize, DropReason> {
    let len = match rx {
        Crypto::Plain => len,
        Crypto::Srtp(ctx) => ctx
            .unprotect_rtcp(buf, len)
            .map_err(|e| DropReason::from(&e))?,
    };
    if len < RTCP_MIN {
        return Err(DropReason::Truncated);
    }
    match tx {
        Crypto::Plain => Ok(len),
        Crypto::Srtp(ctx) => ctx.protect_rtcp(buf, len).map_err(|e| DropReason::from(&e)),
    }
}

#[cfg(test)]
mod tests;
