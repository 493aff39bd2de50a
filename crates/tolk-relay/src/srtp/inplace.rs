//! A zero-allocation [`SrtpContext`] for the AES-CM/HMAC-SHA1 profiles
//! (RFC 3711 sections 4.1.1, 4.2.1, 4.3): packets are authenticated,
//! decrypted and encrypted where they lie in the receive buffer.
//!
//! Built from RustCrypto's `aes`, `ctr` and `hmac` primitives; the keyed
//! AES and HMAC states are computed once per context and copied (not
//! re-derived) per packet. Cross-checked against [`super::WebrtcSrtp`] and
//! RFC 3711 Appendix B in `vectors.rs`.

use aes::Aes128;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipher, generic_array::GenericArray};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use tolk_media::rtp::RtpPacket;

use super::replay::{ReplayWindow, WINDOW};
use super::{SrtpContext, SrtpKey, SrtpProfile};
use crate::error::{Error, Result};

type HmacSha1 = Hmac<Sha1>;
type Ctr = ctr::Ctr128BE<Aes128>;

/// Distinct SSRCs one context keeps state for (per RTP and per RTCP).
pub(super) const MAX_SSRCS: usize = super::webrtc::MAX_SSRCS;
const RTCP_TAG: usize = 10;
const E_INDEX: usize = 4;

/// Session keys for one of SRTP or SRTCP.
#[derive(Clone)]
struct SessionKeys {
    cipher: Aes128,
    salt: [u8; 14],
    auth: HmacSha1,
}

impl SessionKeys {
    /// Section 4.3.1 with key_derivation_rate 0: labels (enc, auth, salt).
    fn derive(key: &SrtpKey, labels: [u8; 3]) -> Result<Self> {
        let (mut enc, mut auth, mut salt) = ([0u8; 16], [0u8; 20], [0u8; 14]);
        derive_session_key(key, labels[0], &mut enc);
        derive_session_key(key, labels[1], &mut auth);
        derive_session_key(key, labels[2], &mut salt);
        Ok(Self {
            cipher: Aes128::new(GenericArray::from_slice(&enc)),
            salt,
            auth: <HmacSha1 as Mac>::new_from_slice(&auth)
                .map_err(|_| Error::Srtp("HMAC key".into()))?,
        })
    }

    /// Applies the AES-CM keystream for (SSRC, index): section 4.1.1's
    /// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16).
    fn crypt(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[..14].copy_from_slice(&self.salt);
        for (d, s) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
            *d ^= s;
        }
        for (d, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
            *d ^= s;
        }
        keystream(&self.cipher, &iv).apply_keystream(data);
    }

    fn mac(&self, parts: [&[u8]; 2]) -> HmacSha1 {
        let mut mac = self.auth.clone();
        for p in parts {
            mac.update(p);
        }
        mac
    }
}

/// RFC 3711 section 4.3.1's AES-CM PRF with key_derivation_rate 0: the
/// session key with `label`, `out.len()` bytes long. A 96-bit GCM master
/// salt is taken times 2^16 (RFC 7714 erratum 4938), i.e. zero-padded.
pub(super) fn derive_session_key(key: &SrtpKey, label: u8, out: &mut [u8]) {
    let master = Aes128::new(GenericArray::from_slice(key.master_key()));
    let mut iv = [0u8; 16];
    for (d, s) in iv.iter_mut().zip(key.master_salt()) {
        *d = *s;
    }
    iv[7] ^= label;
    out.fill(0);
    keystream(&master, &iv).apply_keystream(out);
}

/// AES-CM from an already expanded key: no key schedule per packet.
fn keystream(cipher: &Aes128, iv: &[u8; 16]) -> Ctr {
    let core = ctr::CtrCore::<Aes128, ctr::flavors::Ctr128BE>::inner_iv_init(
        cipher.clone(),
        GenericArray::from_slice(iv),
    );
    Ctr::from_core(core)
}

/// Per-SSRC state: the receive window, or the send index.
#[derive(Clone, Copy, Default)]
pub(super) struct Stream {
    ssrc: u32,
    pub(super) window: ReplayWindow,
    pub(super) authenticated: bool,
    /// No longer sent (see [`retire`]): kept, but outside the budget.
    retired: bool,
}

/// Retired streams a context keeps beyond its [`MAX_SSRCS`] live ones.
pub(super) const MAX_RETIRED: usize = 48;

/// Zero-allocation SRTP/SRTCP for `AES_CM_128_HMAC_SHA1_80` and `_32`.
pub struct InPlaceSrtp {
    profile: SrtpProfile,
    rtp: SessionKeys,
    rtcp: SessionKeys,
    rtp_streams: Vec<Stream>,
    rtcp_streams: Vec<Stream>,
}

impl InPlaceSrtp {
    /// A context for an AES-CM key; other profiles are refused.
    pub fn new(key: &SrtpKey) -> Result<Self> {
        let profile = key.profile();
        if profile == SrtpProfile::AeadAes128Gcm {
            return Err(Error::UnsupportedSuite(profile.sdes_name().to_owned()));
        }
        Ok(Self {
            profile,
            rtp: SessionKeys::derive(key, [0, 1, 2])?,
            rtcp: SessionKeys::derive(key, [3, 4, 5])?,
            rtp_streams: Vec::with_capacity(MAX_SSRCS),
            rtcp_streams: Vec::with_capacity(MAX_SSRCS),
        })
    }

    fn rtp_tag(&self) -> usize {
        self.profile.rtp_overhead()
    }
}

/// The stream for `ssrc`, created within the budget of live streams:
/// once any stream has authenticated, new SSRCs beyond it are refused;
/// before, the oldest never-authenticated entry is recycled.
pub(super) fn stream(streams: &mut Vec<Stream>, ssrc: u32) -> Result<&mut Stream> {
    let at = match streams.iter().position(|s| s.ssrc == ssrc) {
        Some(i) => i,
        None if streams.iter().filter(|s| !s.retired).count() < MAX_SSRCS => {
            streams.push(Stream {
                ssrc,
                ..Stream::default()
            });
            streams.len() - 1
        }
        None => {
            let i = streams
                .iter()
                .position(|s| !s.authenticated && !s.retired)
                .ok_or(Error::TooManySsrcs(ssrc))?;
            streams[i] = Stream {
                ssrc,
                ..Stream::default()
            };
            i
        }
    };
    streams.get_mut(at).ok_or(Error::TooManySsrcs(ssrc))
}

/// A sender's stream `ssrc` is no longer sent (the output of a transform
/// that was replaced): it stops counting against the budget, while its
/// state stays, so that if the SSRC is ever sent again no index repeats.
/// Beyond [`MAX_RETIRED`] retired streams it keeps counting.
pub(super) fn retire(streams: &mut [Stream], ssrc: u32) {
    if streams.iter().filter(|s| s.retired).count() >= MAX_RETIRED {
        return;
    }
    if let Some(s) = streams.iter_mut().find(|s| s.ssrc == ssrc) {
        s.retired = true;
    }
}

/// The index a sender gives RTP packet `seq` of `ssrc`, recorded as used.
/// An index sent before would reuse its keystream (AES-CM) or nonce (GCM),
/// so a repeated or stale packet from a plain leg is refused.
pub(super) fn claim_rtp_index(streams: &mut Vec<Stream>, ssrc: u32, seq: u16) -> Result<u64> {
    let s = stream(streams, ssrc)?;
    let index = s.window.estimate_rtp_index(seq);
    if index >> 48 != 0 {
        return Err(Error::KeyExhausted);
    }
    if !s.window.check(index) {
        return Err(Error::Replayed {
            ssrc,
            index: u64::from(seq),
        });
    }
    s.window.accept(index);
    s.authenticated = true;
    Ok(index)
}

/// A received SRTP packet that may be authenticated: where its tag
/// starts, its header's length, its SSRC and index, and its stream (whose
/// replay window takes the index once the packet authenticates).
pub(super) struct ReceivedRtp<'a> {
    /// The bytes the tag covers (header and payload).
    pub body: usize,
    /// The RTP header's length.
    pub header_len: usize,
    /// The sender's SSRC.
    pub ssrc: u32,
    /// The packet's index (rollover counter and sequence number).
    pub index: u64,
    /// The sender's stream.
    pub stream: &'a mut Stream,
}

/// Checks SRTP packet `buf[..len]` with a `tag`-byte tag before it is
/// authenticated: long enough, room in `buf`, a valid header, a stream
/// for its SSRC within the budget, and an index not seen before.
#[inline]
pub(super) fn received_rtp<'a>(
    streams: &'a mut Vec<Stream>,
    buf: &mut [u8],
    len: usize,
    tag: usize,
) -> Result<ReceivedRtp<'a>> {
    if len < 12 + tag {
        return Err(Error::Truncated {
            len,
            needed: 12 + tag,
        });
    }
    room(buf, len)?;
    let body = len - tag;
    let header_len = header_len(&mut buf[..body])?;
    let (ssrc, seq) = (be32(buf, 8), u16::from_be_bytes([buf[2], buf[3]]));
    let stream = stream(streams, ssrc)?;
    let index = stream.window.estimate_rtp_index(seq);
    if !stream.window.check(index) {
        return Err(Error::Replayed {
            ssrc,
            index: u64::from(seq),
        });
    }
    Ok(ReceivedRtp {
        body,
        header_len,
        ssrc,
        index,
        stream,
    })
}

/// The next SRTCP index for `ssrc` (31 bits, never reused).
pub(super) fn claim_rtcp_index(streams: &mut Vec<Stream>, ssrc: u32) -> Result<u64> {
    let s = stream(streams, ssrc)?;
    let index = s.window.highest().map_or(1, |h| h + 1);
    if index > 0x7fff_ffff {
        return Err(Error::KeyExhausted);
    }
    s.window.accept(index);
    s.authenticated = true;
    Ok(index)
}

/// The RTP header's length. The padding count is in the (encrypted) last
/// byte, so the header is read with the P bit masked.
pub(super) fn header_len(packet: &mut [u8]) -> Result<usize> {
    let first = *packet
        .first()
        .ok_or(Error::Truncated { len: 0, needed: 12 })?;
    packet[0] = first & !0x20;
    let parsed = RtpPacket::parse(packet).map(|p| p.header_len());
    packet[0] = first;
    parsed.map_err(|e| match e {
        tolk_media::Error::Truncated {
            needed, available, ..
        } => Error::Truncated {
            len: available,
            needed,
        },
        _ => Error::NotRtp,
    })
}

pub(super) fn room(buf: &[u8], needed: usize) -> Result<()> {
    if needed > buf.len() {
        return Err(Error::Oversized {
            len: needed,
            capacity: buf.len(),
        });
    }
    Ok(())
}

pub(super) fn be32(b: &[u8], at: usize) -> u32 {
    let mut w = [0; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_be_bytes(w)
}

impl SrtpContext for InPlaceSrtp {
    fn retire_ssrc(&mut self, ssrc: u32) {
        retire(&mut self.rtp_streams, ssrc);
        retire(&mut self.rtcp_streams, ssrc);
    }

    fn profile(&self) -> SrtpProfile {
        self.profile
    }

    fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let tag = self.rtp_tag();
        room(buf, len + tag)?;
        let packet = &mut buf[..len];
        let hl = header_len(packet)?;
        let (ssrc, seq) = (be32(packet, 8), u16::from_be_bytes([packet[2], packet[3]]));
        let index = claim_rtp_index(&mut self.rtp_streams, ssrc, seq)?;
        self.rtp.crypt(ssrc, index, &mut packet[hl..]);
        let roc = ((index >> 16) as u32).to_be_bytes();
        let mac = self.rtp.mac([packet, &roc]).finalize().into_bytes();
        buf[len..len + tag].copy_from_slice(&mac[..tag]);
        Ok(len + tag)
    }

    fn unprotect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let tag = self.rtp_tag();
        let ReceivedRtp {
            body,
            header_len: hl,
            ssrc,
            index,
            stream: s,
        } = received_rtp(&mut self.rtp_streams, buf, len, tag)?;
        let roc = ((index >> 16) as u32).to_be_bytes();
        let (packet, received_tag) = buf[..len].split_at_mut(body);
        self.rtp
            .mac([packet, &roc])
            .verify_truncated_left(received_tag)
            .map_err(|_| Error::AuthFailed)?;
        s.window.accept(index);
        s.authenticated = true;
        self.rtp.crypt(ssrc, index, &mut packet[hl..]);
        Ok(body)
    }

    fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        if len < 8 {
            return Err(Error::Truncated { len, needed: 8 });
        }
        room(buf, len + E_INDEX + RTCP_TAG)?;
        let ssrc = be32(buf, 4);
        let index = claim_rtcp_index(&mut self.rtcp_streams, ssrc)?;
        self.rtcp.crypt(ssrc, index, &mut buf[8..len]);
        buf[len..len + E_INDEX].copy_from_slice(&((index as u32) | 0x8000_0000).to_be_bytes());
        let end = len + E_INDEX;
        let mac = self.rtcp.mac([&buf[..end], &[]]).finalize().into_bytes();
        buf[end..end + RTCP_TAG].copy_from_slice(&mac[..RTCP_TAG]);
        Ok(end + RTCP_TAG)
    }

    fn unprotect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let needed = 8 + E_INDEX + RTCP_TAG;
        if len < needed {
            return Err(Error::Truncated { len, needed });
        }
        room(buf, len)?;
        let body = len - RTCP_TAG - E_INDEX;
        let word = be32(buf, body);
        if word & 0x8000_0000 == 0 {
            return Err(Error::SrtcpUnencrypted);
        }
        let index = u64::from(word & 0x7fff_ffff);
        let ssrc = be32(buf, 4);
        let s = stream(&mut self.rtcp_streams, ssrc)?;
        if !s.window.check(index) {
            return Err(Error::Replayed { ssrc, index });
        }
        let (signed, received_tag) = buf[..len].split_at_mut(len - RTCP_TAG);
        self.rtcp
            .mac([signed, &[]])
            .verify_truncated_left(received_tag)
            .map_err(|_| Error::AuthFailed)?;
        s.window.accept(index);
        s.authenticated = true;
        self.rtcp.crypt(ssrc, index, &mut signed[8..body]);
        Ok(body)
    }
}

const _: () = assert!(WINDOW >= 64, "RFC 3711 section 3.3.2 asks for at least 64");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_streams_leave_the_budget_but_never_reuse_an_index() {
        let mut streams = Vec::new();
        for ssrc in 0..MAX_SSRCS as u32 {
            claim_rtp_index(&mut streams, ssrc, 1).unwrap();
        }
        assert!(claim_rtp_index(&mut streams, 100, 1).is_err(), "full");
        retire(&mut streams, 0);
        assert_eq!(claim_rtp_index(&mut streams, 100, 1).unwrap(), 1);
        // The retired stream, sent again, still refuses an old index.
        assert!(claim_rtp_index(&mut streams, 0, 1).is_err());
        assert_eq!(claim_rtp_index(&mut streams, 0, 2).unwrap(), 2);
        // Retiring is bounded: past MAX_RETIRED the budget is spent again.
        let mut ssrc = 1000;
        let mut live = 100;
        for _ in 1..MAX_RETIRED {
            retire(&mut streams, live);
            claim_rtp_index(&mut streams, ssrc, 1).unwrap();
            (live, ssrc) = (ssrc, ssrc + 1);
        }
        retire(&mut streams, live);
        assert!(claim_rtp_index(&mut streams, ssrc, 1).is_err());
        assert!(streams.len() <= MAX_SSRCS + MAX_RETIRED);
    }
}
