//! [`SrtpContext`] on `webrtc-srtp`'s synchronous `Context` (never its async session).
//!
//! The wrapper adds what the relay needs and the crate leaves to callers:
//! - replay protection switched on (the crate's default is off);
//! - length checks before every call (the crate indexes SRTCP input
//!   unchecked and would panic on short packets);
//! - SRTCP without the E flag refused (the crate returns such packets
//!   unauthenticated);
//! - RTP header extensions whose elements run past the packet refused
//!   (the `rtp` crate's parser would panic on them, see [`extension_fits`]);
//! - a bound on per-SSRC state: the crate creates state for any SSRC it is
//!   shown, authenticated or not, so a flood of random SSRCs would grow it
//!   without limit;
//! - until an SSRC has authenticated, each of its packets is first checked
//!   on a throwaway context: the crate's replay detector takes its window
//!   base from the first index it checks, even when that packet's tag then
//!   fails, so a forged first packet could otherwise block the genuine
//!   stream (a key derivation per packet, only until the first success).

use webrtc_srtp::context::Context;
use webrtc_srtp::protection_profile::ProtectionProfile;
use webrtc_srtp::{Error as SrtpError, option};

use super::{REPLAY_WINDOW, SrtpContext, SrtpKey, SrtpProfile};
use crate::error::{Error, Result};

/// Distinct SSRCs one context keeps state for (per RTP and per RTCP).
pub const MAX_SSRCS: usize = 16;

const RTP_HEADER: usize = 12;
const RTCP_HEADER: usize = 8;

/// SRTP/SRTCP context backed by `webrtc-srtp`.
pub struct WebrtcSrtp {
    key: SrtpKey,
    ctx: Context,
    rtp_ssrcs: SsrcBudget,
    rtcp_ssrcs: SsrcBudget,
}

impl WebrtcSrtp {
    /// A context for `key` with SRTP and SRTCP replay protection.
    pub fn new(key: &SrtpKey) -> Result<Self> {
        Ok(Self {
            key: key.clone(),
            ctx: build(key)?,
            rtp_ssrcs: SsrcBudget::default(),
            rtcp_ssrcs: SsrcBudget::default(),
        })
    }

    /// Makes room for `ssrc`. Before anything authenticated the context is
    /// rebuilt from the key (nothing is lost); afterwards unknown SSRCs
    /// beyond the budget are refused.
    fn admit(&mut self, ssrc: u32, rtcp: bool) -> Result<()> {
        let budget = if rtcp {
            &mut self.rtcp_ssrcs
        } else {
            &mut self.rtp_ssrcs
        };
        if budget.contains(ssrc) {
            return Ok(());
        }
        if budget.is_full() {
            if self.rtp_ssrcs.any_authenticated() || self.rtcp_ssrcs.any_authenticated() {
                return Err(Error::TooManySsrcs(ssrc));
            }
            self.ctx = build(&self.key)?;
            self.rtp_ssrcs.clear();
            self.rtcp_ssrcs.clear();
        }
        let budget = if rtcp {
            &mut self.rtcp_ssrcs
        } else {
            &mut self.rtp_ssrcs
        };
        budget.insert(ssrc);
        Ok(())
    }
}

fn build(key: &SrtpKey) -> Result<Context> {
    let profile = match key.profile() {
        SrtpProfile::AesCm128HmacSha1_80 => ProtectionProfile::Aes128CmHmacSha1_80,
        SrtpProfile::AesCm128HmacSha1_32 => ProtectionProfile::Aes128CmHmacSha1_32,
        SrtpProfile::AeadAes128Gcm => ProtectionProfile::AeadAes128Gcm,
    };
    Context::new(
        key.master_key(),
        key.master_salt(),
        profile,
        Some(option::srtp_replay_protection(REPLAY_WINDOW)),
        Some(option::srtcp_replay_protection(REPLAY_WINDOW)),
    )
    .map_err(map_err)
}

impl SrtpContext for WebrtcSrtp {
    fn profile(&self) -> SrtpProfile {
        self.key.profile()
    }

    fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let ssrc = be32(input(buf, len, RTP_HEADER)?, 8);
        if !extension_fits(input(buf, len, 0)?) {
            return Err(Error::NotRtp);
        }
        let out_len = len + self.profile().rtp_overhead();
        check_room(buf, out_len)?;
        self.admit(ssrc, false)?;
        let out = self
            .ctx
            .encrypt_rtp(input(buf, len, RTP_HEADER)?)
            .map_err(map_err)?;
        self.rtp_ssrcs.authenticate(ssrc);
        copy_back(buf, &out)
    }

    fn unprotect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let ssrc = be32(
            input(buf, len, RTP_HEADER + self.profile().rtp_overhead())?,
            8,
        );
        if !extension_fits(input(buf, len, 0)?) {
            return Err(Error::NotRtp);
        }
        self.admit(ssrc, false)?;
        if !self.rtp_ssrcs.is_authenticated(ssrc) {
            // See the module docs: a forged first packet must not set the replay window.
            build(&self.key)?
                .decrypt_rtp(input(buf, len, 0)?)
                .map_err(map_err)?;
        }
        let out = self.ctx.decrypt_rtp(input(buf, len, 0)?).map_err(map_err)?;
        self.rtp_ssrcs.authenticate(ssrc);
        copy_back(buf, &out)
    }

    fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let ssrc = be32(input(buf, len, RTCP_HEADER)?, 4);
        check_room(buf, len + self.profile().rtcp_overhead())?;
        self.admit(ssrc, true)?;
        let out = self
            .ctx
            .encrypt_rtcp(input(buf, len, 0)?)
            .map_err(map_err)?;
        self.rtcp_ssrcs.authenticate(ssrc);
        copy_back(buf, &out)
    }

    fn unprotect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let overhead = self.profile().rtcp_overhead();
        let packet = input(buf, len, RTCP_HEADER + overhead)?;
        let ssrc = be32(packet, 4);
        // The E flag leads the index word, which precedes the tag for
        // AES-CM and follows the (embedded) tag for GCM.
        let index_at = match self.profile() {
            SrtpProfile::AeadAes128Gcm => len - 4,
            _ => len - overhead,
        };
        if packet.get(index_at).is_none_or(|b| b & 0x80 == 0) {
            return Err(Error::SrtcpUnencrypted);
        }
        self.admit(ssrc, true)?;
        if !self.rtcp_ssrcs.is_authenticated(ssrc) {
            // See the module docs: a forged first packet must not set the replay window.
            build(&self.key)?
                .decrypt_rtcp(input(buf, len, 0)?)
                .map_err(map_err)?;
        }
        let out = self
            .ctx
            .decrypt_rtcp(input(buf, len, 0)?)
            .map_err(map_err)?;
        self.rtcp_ssrcs.authenticate(ssrc);
        copy_back(buf, &out)
    }
}

/// True unless the packet's RFC 8285 extension elements run past the
/// extension block. The `rtp` crate (0.17) walks elements with unchecked
/// `Buf` reads (which panic past the packet) and sizes the header from the
/// elements (so webrtc-srtp slices out of bounds past the block); this
/// mirrors exactly that walk (one-byte profile 0xBEDE, two-byte profile 0x1000), with
/// checked arithmetic, so such packets are refused before the call.
/// tolk-media's own view validates elements by the RFC's rules, which
/// differ in one corner (one-byte id 0 with a length), hence this mirror.
fn extension_fits(packet: &[u8]) -> bool {
    let Some(&first) = packet.first() else {
        return false;
    };
    if first & 0x10 == 0 {
        return true;
    }
    let start = RTP_HEADER + 4 * usize::from(first & 0x0f);
    let (Some(profile), Some(words)) = (be16(packet, start), be16(packet, start + 2)) else {
        return true; // the rtp crate reports this as an error itself
    };
    let end = start + 4 + 4 * usize::from(words);
    let mut at = start + 4;
    let one_byte = match profile {
        0xBEDE => true,
        0x1000 => false,
        _ => return true,
    };
    while at < end {
        let Some(&b) = packet.get(at) else {
            return true;
        };
        at += 1;
        if b == 0 {
            continue;
        }
        let len = if one_byte {
            if b >> 4 == 0x0f {
                return true;
            }
            usize::from(b & 0x0f) + 1
        } else {
            let Some(&len) = packet.get(at) else {
                return false;
            };
            at += 1;
            usize::from(len)
        };
        at += len;
        // Past the block, the crate would misjudge the header's size (and
        // slice out of bounds); past the packet, its reads would panic.
        if at > end {
            return false;
        }
    }
    true
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// `buf[..len]`, provided it holds at least `min` bytes.
fn input(buf: &[u8], len: usize, min: usize) -> Result<&[u8]> {
    if len < min {
        return Err(Error::Truncated { len, needed: min });
    }
    buf.get(..len).ok_or(Error::Oversized {
        len,
        capacity: buf.len(),
    })
}

fn check_room(buf: &[u8], needed: usize) -> Result<()> {
    if needed > buf.len() {
        return Err(Error::Oversized {
            len: needed,
            capacity: buf.len(),
        });
    }
    Ok(())
}

fn copy_back(buf: &mut [u8], out: &[u8]) -> Result<usize> {
    check_room(buf, out.len())?;
    buf.get_mut(..out.len())
        .ok_or(Error::Oversized {
            len: out.len(),
            capacity: 0,
        })?
        .copy_from_slice(out);
    Ok(out.len())
}

fn be32(b: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    if let Some(src) = b.get(at..at + 4) {
        word.copy_from_slice(src);
    }
    u32::from_be_bytes(word)
}

fn map_err(e: SrtpError) -> Error {
    match e {
        SrtpError::SrtpSsrcDuplicated(ssrc, seq) => Error::Replayed {
            ssrc,
            index: u64::from(seq),
        },
        SrtpError::SrtcpSsrcDuplicated(ssrc, index) => Error::Replayed {
            ssrc,
            index: index as u64,
        },
        SrtpError::RtpFailedToVerifyAuthTag
        | SrtpError::RtcpFailedToVerifyAuthTag
        | SrtpError::ErrFailedToVerifyAuthTag
        | SrtpError::RtcpInvalidLengthAuthTag(..)
        | SrtpError::AesGcm(_) => Error::AuthFailed,
        SrtpError::SrtpTooSmall(len, needed) | SrtpError::SrtcpTooSmall(len, needed) => {
            Error::Truncated { len, needed }
        }
        // Shorter than the header's own CSRC/extension lengths claim.
        SrtpError::ErrTooShortRtp | SrtpError::ErrTooShortRtcp => Error::NotRtp,
        SrtpError::ErrExceededMaxPackets => Error::KeyExhausted,
        SrtpError::Util(_) | SrtpError::Rtcp(_) => Error::NotRtp,
        other => Error::Srtp(other.to_string()),
    }
}

/// The SSRCs a context holds state for, and whether each authenticated.
#[derive(Default)]
struct SsrcBudget {
    ssrcs: Vec<(u32, bool)>,
}

impl SsrcBudget {
    fn contains(&self, ssrc: u32) -> bool {
        self.ssrcs.iter().any(|&(s, _)| s == ssrc)
    }
    fn is_full(&self) -> bool {
        self.ssrcs.len() >= MAX_SSRCS
    }
    fn is_authenticated(&self, ssrc: u32) -> bool {
        self.ssrcs.iter().any(|&(s, ok)| s == ssrc && ok)
    }
    fn any_authenticated(&self) -> bool {
        self.ssrcs.iter().any(|&(_, ok)| ok)
    }
    fn insert(&mut self, ssrc: u32) {
        self.ssrcs.push((ssrc, false));
    }
    fn authenticate(&mut self, ssrc: u32) {
        if let Some(entry) = self.ssrcs.iter_mut().find(|(s, _)| *s == ssrc) {
            entry.1 = true;
        }
    }
    fn clear(&mut self) {
        self.ssrcs.clear();
    }
}
