//! A deliberately naive RFC 3711 AES-CM/HMAC-SHA1 transform, written from
//! the RFC's formulas for tests only: it is checked against Appendix B's
//! vectors, then used as the independent oracle for [`super::WebrtcSrtp`].

use aes::Aes128;
use aes::cipher::{BlockEncrypt, KeyInit, generic_array::GenericArray};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// AES-CM keystream (RFC 3711 section 4.1.1): AES_k(IV + j) for j = 0, 1, ...
pub fn keystream(key: &[u8; 16], iv: &[u8; 16], len: usize) -> Vec<u8> {
    let aes = Aes128::new(GenericArray::from_slice(key));
    let start = u128::from_be_bytes(*iv);
    let mut out = Vec::with_capacity(len + 16);
    let mut j = 0u128;
    while out.len() < len {
        let mut block = GenericArray::from(start.wrapping_add(j).to_be_bytes());
        aes.encrypt_block(&mut block);
        out.extend_from_slice(&block);
        j += 1;
    }
    out.truncate(len);
    out
}

/// The key derivation of section 4.3.1 with key_derivation_rate 0:
/// x = (label << 48) XOR master_salt, output = AES-CM(master_key, x * 2^16).
pub fn kdf(master_key: &[u8; 16], master_salt: &[u8; 14], label: u8, len: usize) -> Vec<u8> {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(master_salt);
    iv[7] ^= label;
    keystream(master_key, &iv, len)
}

/// Session keys: (encryption, authentication, salt), labels 0, 1, 2 for SRTP.
pub fn session_keys(
    master_key: &[u8; 16],
    master_salt: &[u8; 14],
) -> ([u8; 16], Vec<u8>, [u8; 14]) {
    let mut ke = [0; 16];
    ke.copy_from_slice(&kdf(master_key, master_salt, 0, 16));
    let ka = kdf(master_key, master_salt, 1, 20);
    let mut ks = [0; 14];
    ks.copy_from_slice(&kdf(master_key, master_salt, 2, 14));
    (ke, ka, ks)
}

/// Protects one RTP packet (fixed 12-byte header, no CSRC/extension):
/// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = ROC * 2^16 + SEQ;
/// tag = HMAC-SHA1(k_a, packet || ROC) truncated to `tag_len`.
pub fn protect_rtp(
    master_key: &[u8; 16],
    master_salt: &[u8; 14],
    roc: u32,
    rtp: &[u8],
    tag_len: usize,
) -> Vec<u8> {
    let (ke, ka, ks) = session_keys(master_key, master_salt);
    let ssrc = &rtp[8..12];
    let index = (u64::from(roc) << 16) | u64::from(u16::from_be_bytes([rtp[2], rtp[3]]));
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(&ks);
    for (b, s) in iv[4..8].iter_mut().zip(ssrc) {
        *b ^= s;
    }
    for (b, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *b ^= s;
    }
    let mut out = rtp.to_vec();
    let ks = keystream(&ke, &iv, rtp.len() - 12);
    for (b, k) in out[12..].iter_mut().zip(ks) {
        *b ^= k;
    }
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(&ka).expect("any key length");
    mac.update(&out);
    mac.update(&roc.to_be_bytes());
    out.extend_from_slice(&mac.finalize().into_bytes()[..tag_len]);
    out
}
