//! SRTP keys from a DTLS-SRTP handshake (RFC 5764 section 4.2): the DTLS
//! layer runs the exporter with [`EXPORTER_LABEL`] for [`exporter_len`]
//! bytes, and [`keys_from_exporter`] cuts that material into the relay's
//! receive and send keys for the negotiated profile and its DTLS role.
//!
//! ```
//! use tolk_relay::srtp::dtls::{DtlsRole, exporter_len, keys_from_exporter};
//! use tolk_relay::srtp::SrtpProfile;
//!
//! # fn main() -> tolk_relay::Result<()> {
//! let profile = SrtpProfile::from_dtls_id(0x0001).expect("SRTP_AES128_CM_HMAC_SHA1_80");
//! let material = vec![7u8; exporter_len(profile)]; // from the DTLS exporter
//! let keys = keys_from_exporter(&material, DtlsRole::Server, profile)?;
//! assert_eq!(keys.rx.profile(), profile);
//! # Ok(()) }
//! ```

use super::{SrtpKey, SrtpProfile};
use crate::endpoint::LegKeys;
use crate::error::{Error, Result};

/// The exporter label DTLS-SRTP keys come from (RFC 5764 section 4.2).
pub const EXPORTER_LABEL: &str = "EXTRACTOR-dtls_srtp";

/// The relay's role in the DTLS handshake (`a=setup:active` is the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRole {
    /// The relay sent the ClientHello.
    Client,
    /// The peer sent the ClientHello.
    Server,
}

/// One leg's DTLS-SRTP keys as the relay uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsSrtpKeys {
    /// Unprotects what the peer sends (the peer's write key).
    pub rx: SrtpKey,
    /// Protects what the relay sends (the relay's write key).
    pub tx: SrtpKey,
}

impl From<DtlsSrtpKeys> for LegKeys {
    fn from(k: DtlsSrtpKeys) -> Self {
        LegKeys {
            rx: Some(k.rx),
            tx: Some(k.tx),
        }
    }
}

impl SrtpProfile {
    /// The DTLS-SRTP protection profile id (RFC 5764 section 4.1.2, RFC 7714 section 14.2).
    pub const fn dtls_id(self) -> u16 {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => 0x0001,
            SrtpProfile::AesCm128HmacSha1_32 => 0x0002,
            SrtpProfile::AeadAes128Gcm => 0x0007,
        }
    }

    /// The profile negotiated as DTLS-SRTP id `id`, if Tolk implements it.
    pub fn from_dtls_id(id: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.dtls_id() == id)
    }
}

/// Bytes of exporter output `profile` needs: two keys and two salts.
pub const fn exporter_len(profile: SrtpProfile) -> usize {
    2 * (profile.key_len() + profile.salt_len())
}

/// Splits exporter output laid out as client key, server key, client salt,
/// server salt (RFC 5764 section 4.2) into the relay's keys: it sends with
/// its own role's key and salt, and receives with the other's.
pub fn keys_from_exporter(
    material: &[u8],
    role: DtlsRole,
    profile: SrtpProfile,
) -> Result<DtlsSrtpKeys> {
    if material.len() != exporter_len(profile) {
        return Err(Error::KeyLength {
            what: "DTLS-SRTP keying material",
            profile: profile.sdes_name(),
            expected: exporter_len(profile),
            got: material.len(),
        });
    }
    let (keys, salts) = material.split_at(2 * profile.key_len());
    let (client_key, server_key) = keys.split_at(profile.key_len());
    let (client_salt, server_salt) = salts.split_at(profile.salt_len());
    let client = SrtpKey::new(profile, client_key, client_salt)?;
    let server = SrtpKey::new(profile, server_key, server_salt)?;
    Ok(match role {
        DtlsRole::Client => DtlsSrtpKeys {
            rx: server,
            tx: client,
        },
        DtlsRole::Server => DtlsSrtpKeys {
            rx: client,
            tx: server,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srtp::new_context;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Exporter output 00 01 02 ... cut by hand along RFC 5764 section 4.2.
    #[test]
    fn aes_cm_layout_by_hand() {
        let profile = SrtpProfile::AesCm128HmacSha1_80;
        let material: Vec<u8> = (0u8..60).collect();
        let client = keys_from_exporter(&material, DtlsRole::Client, profile).unwrap();
        // client_write_SRTP_master_key = bytes 0..16, _salt = bytes 32..46.
        assert_eq!(
            client.tx.master_key(),
            hex("000102030405060708090a0b0c0d0e0f")
        );
        assert_eq!(client.tx.master_salt(), hex("202122232425262728292a2b2c2d"));
        // server_write_SRTP_master_key = bytes 16..32, _salt = bytes 46..60.
        assert_eq!(
            client.rx.master_key(),
            hex("101112131415161718191a1b1c1d1e1f")
        );
        assert_eq!(client.rx.master_salt(), hex("2e2f303132333435363738393a3b"));

        let server = keys_from_exporter(&material, DtlsRole::Server, profile).unwrap();
        assert_eq!((server.rx, server.tx), (client.tx, client.rx));
    }

    #[test]
    fn gcm_layout_by_hand() {
        let profile = SrtpProfile::from_dtls_id(0x0007).unwrap();
        assert_eq!(exporter_len(profile), 56);
        let material: Vec<u8> = (0x80u8..0x80 + 56).collect();
        let server = keys_from_exporter(&material, DtlsRole::Server, profile).unwrap();
        assert_eq!(
            server.tx.master_key(),
            hex("909192939495969798999a9b9c9d9e9f")
        );
        assert_eq!(server.tx.master_salt(), hex("acadaeafb0b1b2b3b4b5b6b7"));
        assert_eq!(
            server.rx.master_key(),
            hex("808182838485868788898a8b8c8d8e8f")
        );
        assert_eq!(server.rx.master_salt(), hex("a0a1a2a3a4a5a6a7a8a9aaab"));
    }

    #[test]
    fn both_ends_of_one_handshake_understand_each_other() {
        for profile in SrtpProfile::ALL {
            assert_eq!(SrtpProfile::from_dtls_id(profile.dtls_id()), Some(profile));
            let material: Vec<u8> = (0..exporter_len(profile)).map(|i| (i * 7) as u8).collect();
            let relay = keys_from_exporter(&material, DtlsRole::Client, profile).unwrap();
            let peer = keys_from_exporter(&material, DtlsRole::Server, profile).unwrap();
            let rtp = [0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0xaa];
            let mut buf = [0u8; 64];
            buf[..rtp.len()].copy_from_slice(&rtp);
            let n = new_context(&relay.tx)
                .unwrap()
                .protect_rtp(&mut buf, rtp.len())
                .unwrap();
            let m = new_context(&peer.rx)
                .unwrap()
                .unprotect_rtp(&mut buf, n)
                .unwrap();
            assert_eq!(buf[..m], rtp, "{profile}");
        }
    }

    #[test]
    fn wrong_lengths_and_unknown_profiles_are_refused() {
        let profile = SrtpProfile::AesCm128HmacSha1_32;
        assert!(matches!(
            keys_from_exporter(&[0; 59], DtlsRole::Client, profile),
            Err(Error::KeyLength {
                expected: 60,
                got: 59,
                ..
            })
        ));
        assert_eq!(SrtpProfile::from_dtls_id(0x0003), None); // NULL cipher profiles
        let keys: LegKeys = keys_from_exporter(&[1; 60], DtlsRole::Client, profile)
            .unwrap()
            .into();
        assert!(keys.rx.is_some() && keys.tx.is_some());
    }
}
