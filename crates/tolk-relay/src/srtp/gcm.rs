//! A zero-allocation [`SrtpContext`] for AEAD_AES_128_GCM (RFC 7714):
//! packets are authenticated, decrypted and encrypted where they lie in the
//! receive buffer, with RustCrypto's `aes-gcm` (detached, in place).
//!
//! Layouts (RFC 7714 sections 8 and 9):
//! - SRTP: `header (AAD) | ciphertext | tag(16)`, IV = salt XOR
//!   `00 00 | SSRC | ROC | SEQ`.
//! - SRTCP: `first 8 octets (AAD) | ciphertext | tag(16) | E+index(4)`,
//!   the E+index word also in the AAD, IV = salt XOR
//!   `00 00 | SSRC | 00 00 | 0+index`.
//!
//! Checked against RFC 7714's test vectors and against [`super::WebrtcSrtp`]
//! in `vectors.rs`.

use aes_gcm::aead::AeadInPlace;
use aes_gcm::aead::consts::U12;
use aes_gcm::{Aes128Gcm, KeyInit, Nonce, Tag};

use super::inplace::{
    MAX_SSRCS, ReceivedRtp, Stream, be32, claim_rtcp_index, claim_rtp_index, derive_session_key,
    header_len, received_rtp, retire, room, stream,
};
use super::{SrtpContext, SrtpKey, SrtpProfile};
use crate::error::{Error, Result};

const TAG: usize = 16;
const E_INDEX: usize = 4;
const E_FLAG: u32 = 0x8000_0000;

type Iv = Nonce<U12>;

/// One of SRTP or SRTCP's session cipher and salt.
#[derive(Clone)]
struct SessionKeys {
    cipher: Aes128Gcm,
    salt: [u8; 12],
}

impl SessionKeys {
    /// RFC 7714 section 11: the RFC 3711 KDF with labels (enc, salt).
    fn derive(key: &SrtpKey, enc_label: u8, salt_label: u8) -> Self {
        let (mut enc, mut salt) = ([0u8; 16], [0u8; 12]);
        derive_session_key(key, enc_label, &mut enc);
        derive_session_key(key, salt_label, &mut salt);
        Self {
            cipher: Aes128Gcm::new(&enc.into()),
            salt,
        }
    }

    /// The salt XOR `00 00 | ssrc | middle | last`.
    fn iv(&self, ssrc: u32, middle: [u8; 4], last: [u8; 2]) -> Iv {
        let mut iv = [0u8; 12];
        iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
        iv[6..10].copy_from_slice(&middle);
        iv[10..].copy_from_slice(&last);
        for (d, s) in iv.iter_mut().zip(self.salt) {
            *d ^= s;
        }
        iv.into()
    }

    fn rtp_iv(&self, ssrc: u32, index: u64) -> Iv {
        let roc = ((index >> 16) as u32).to_be_bytes();
        self.iv(ssrc, roc, (index as u16).to_be_bytes())
    }

    fn rtcp_iv(&self, ssrc: u32, index: u32) -> Iv {
        let [a, b, c, d] = (index & !E_FLAG).to_be_bytes();
        self.iv(ssrc, [0, 0, a, b], [c, d])
    }
}

/// The SRTCP AAD: the first 8 octets, then the E+index word.
fn rtcp_aad(head: &[u8], e_index: u32) -> [u8; 12] {
    let mut aad = [0u8; 12];
    aad[..8].copy_from_slice(&head[..8]);
    aad[8..].copy_from_slice(&e_index.to_be_bytes());
    aad
}

/// Zero-allocation SRTP/SRTCP for `AEAD_AES_128_GCM`.
pub struct InPlaceGcm {
    rtp: SessionKeys,
    rtcp: SessionKeys,
    rtp_streams: Vec<Stream>,
    rtcp_streams: Vec<Stream>,
}

impl InPlaceGcm {
    /// A context for a GCM key; other profiles are refused.
    pub fn new(key: &SrtpKey) -> Result<Self> {
        let profile = key.profile();
        if profile != SrtpProfile::AeadAes128Gcm {
            return Err(Error::UnsupportedSuite(profile.sdes_name().to_owned()));
        }
        Ok(Self {
            rtp: SessionKeys::derive(key, 0, 2),
            rtcp: SessionKeys::derive(key, 3, 5),
            rtp_streams: Vec::with_capacity(MAX_SSRCS),
            rtcp_streams: Vec::with_capacity(MAX_SSRCS),
        })
    }
}

impl SrtpContext for InPlaceGcm {
    fn retire_ssrc(&mut self, ssrc: u32) {
        retire(&mut self.rtp_streams, ssrc);
        retire(&mut self.rtcp_streams, ssrc);
    }

    fn profile(&self) -> SrtpProfile {
        SrtpProfile::AeadAes128Gcm
    }

    fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        room(buf, len + TAG)?;
        let hl = header_len(&mut buf[..len])?;
        let (ssrc, seq) = (be32(buf, 8), u16::from_be_bytes([buf[2], buf[3]]));
        let index = claim_rtp_index(&mut self.rtp_streams, ssrc, seq)?;
        let iv = self.rtp.rtp_iv(ssrc, index);
        let (header, rest) = buf.split_at_mut(hl);
        let tag = self
            .rtp
            .cipher
            .encrypt_in_place_detached(&iv, header, &mut rest[..len - hl])
            .map_err(|_| Error::Srtp("AES-GCM encryption".into()))?;
        buf[len..len + TAG].copy_from_slice(&tag);
        Ok(len + TAG)
    }

    fn unprotect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let ReceivedRtp {
            body,
            header_len: hl,
            ssrc,
            index,
            stream: s,
        } = received_rtp(&mut self.rtp_streams, buf, len, TAG)?;
        let iv = self.rtp.rtp_iv(ssrc, index);
        let (packet, tag) = buf[..len].split_at_mut(body);
        let (header, payload) = packet.split_at_mut(hl);
        self.rtp
            .cipher
            .decrypt_in_place_detached(&iv, header, payload, Tag::from_slice(tag))
            .map_err(|_| Error::AuthFailed)?;
        s.window.accept(index);
        s.authenticated = true;
        Ok(body)
    }

    fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        if len < 8 {
            return Err(Error::Truncated { len, needed: 8 });
        }
        room(buf, len + TAG + E_INDEX)?;
        let ssrc = be32(buf, 4);
        let index = claim_rtcp_index(&mut self.rtcp_streams, ssrc)?;
        let e_index = index as u32 | E_FLAG;
        let iv = self.rtcp.rtcp_iv(ssrc, e_index);
        let aad = rtcp_aad(buf, e_index);
        let tag = self
            .rtcp
            .cipher
            .encrypt_in_place_detached(&iv, &aad, &mut buf[8..len])
            .map_err(|_| Error::Srtp("AES-GCM encryption".into()))?;
        buf[len..len + TAG].copy_from_slice(&tag);
        buf[len + TAG..len + TAG + E_INDEX].copy_from_slice(&e_index.to_be_bytes());
        Ok(len + TAG + E_INDEX)
    }

    fn unprotect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let needed = 8 + TAG + E_INDEX;
        if len < needed {
            return Err(Error::Truncated { len, needed });
        }
        room(buf, len)?;
        let e_index = be32(buf, len - E_INDEX);
        if e_index & E_FLAG == 0 {
            return Err(Error::SrtcpUnencrypted);
        }
        let index = u64::from(e_index & !E_FLAG);
        let ssrc = be32(buf, 4);
        let s = stream(&mut self.rtcp_streams, ssrc)?;
        if !s.window.check(index) {
            return Err(Error::Replayed { ssrc, index });
        }
        let body = len - E_INDEX - TAG;
        let iv = self.rtcp.rtcp_iv(ssrc, e_index);
        let aad = rtcp_aad(buf, e_index);
        let (packet, tag) = buf[..len - E_INDEX].split_at_mut(body);
        self.rtcp
            .cipher
            .decrypt_in_place_detached(&iv, &aad, &mut packet[8..], Tag::from_slice(tag))
            .map_err(|_| Error::AuthFailed)?;
        s.window.accept(index);
        s.authenticated = true;
        Ok(body)
    }
}

#[cfg(test)]
impl InPlaceGcm {
    /// A context keyed with session keys directly, the way RFC 7714's
    /// test vectors give them (one key and salt for SRTP and SRTCP).
    pub(super) fn from_session_keys(key: [u8; 16], salt: [u8; 12]) -> Self {
        let keys = SessionKeys {
            cipher: Aes128Gcm::new(&key.into()),
            salt,
        };
        Self {
            rtp: keys.clone(),
            rtcp: keys,
            rtp_streams: Vec::new(),
            rtcp_streams: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: [u8; 12] = *b"Quid pro quo";

    fn keys() -> SessionKeys {
        InPlaceGcm::from_session_keys([0; 16], SALT).rtp
    }

    /// RFC 7714 section 16.1.1: SSRC 5501a0b2, ROC 0, SEQ f17b.
    #[test]
    fn rtp_iv_of_rfc_7714() {
        let iv = keys().rtp_iv(0x5501_a0b2, 0xf17b);
        let want = [
            0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f, 0x20, 0x71, 0x84, 0x14,
        ];
        assert_eq!(iv.as_slice(), want);
    }

    /// RFC 7714 section 17.1.1: SSRC "Mars", SRTCP index 5d4 (E set).
    #[test]
    fn rtcp_iv_of_rfc_7714() {
        let iv = keys().rtcp_iv(0x4d61_7273, 0x5d4 | E_FLAG);
        let want = [
            0x51, 0x75, 0x24, 0x05, 0x52, 0x03, 0x72, 0x6f, 0x20, 0x71, 0x70, 0xbb,
        ];
        assert_eq!(iv.as_slice(), want);
    }
}
