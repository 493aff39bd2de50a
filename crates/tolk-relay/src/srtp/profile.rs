//! Protection profiles and master keys (RFC 3711 section 8.2, RFC 4568 section 6.2, RFC 7714).

use std::fmt;

use crate::error::{Error, Result};

/// An SRTP protection profile Tolk implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SrtpProfile {
    /// AES-128 counter mode, HMAC-SHA1 with an 80-bit tag.
    AesCm128HmacSha1_80,
    /// AES-128 counter mode, HMAC-SHA1 with a 32-bit RTP tag (80-bit for SRTCP).
    AesCm128HmacSha1_32,
    /// AES-128 GCM with a 128-bit tag (RFC 7714).
    AeadAes128Gcm,
}

impl SrtpProfile {
    /// Every profile, strongest first (the order an offer lists them in).
    pub const ALL: [SrtpProfile; 3] = [
        SrtpProfile::AeadAes128Gcm,
        SrtpProfile::AesCm128HmacSha1_80,
        SrtpProfile::AesCm128HmacSha1_32,
    ];

    /// The SDES crypto-suite name (RFC 4568 section 6.2, RFC 7714 section 14.2).
    pub const fn sdes_name(self) -> &'static str {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            SrtpProfile::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            SrtpProfile::AeadAes128Gcm => "AEAD_AES_128_GCM",
        }
    }

    /// The profile for an SDES crypto-suite name.
    pub fn from_sdes_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.sdes_name().eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::UnsupportedSuite(name.to_owned()))
    }

    /// Master key length in bytes.
    pub const fn key_len(self) -> usize {
        16
    }

    /// Master salt length in bytes.
    pub const fn salt_len(self) -> usize {
        match self {
            SrtpProfile::AeadAes128Gcm => 12,
            _ => 14,
        }
    }

    /// Bytes SRTP adds to an RTP packet (the tag).
    pub const fn rtp_overhead(self) -> usize {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => 10,
            SrtpProfile::AesCm128HmacSha1_32 => 4,
            SrtpProfile::AeadAes128Gcm => 16,
        }
    }

    /// Bytes SRTCP adds to an RTCP packet (E flag + index word, then the tag).
    pub const fn rtcp_overhead(self) -> usize {
        4 + match self {
            SrtpProfile::AeadAes128Gcm => 16,
            _ => 10,
        }
    }
}

impl fmt::Display for SrtpProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sdes_name())
    }
}

/// A master key and salt for one direction of one stream.
///
/// `Debug` never prints the key material.
#[derive(Clone, PartialEq, Eq)]
pub struct SrtpKey {
    profile: SrtpProfile,
    key: [u8; 16],
    salt: [u8; 14],
}

impl SrtpKey {
    /// A key from raw master key and salt, checked against the profile's lengths.
    pub fn new(profile: SrtpProfile, key: &[u8], salt: &[u8]) -> Result<Self> {
        let name = profile.sdes_name();
        if key.len() != profile.key_len() {
            return Err(Error::KeyLength {
                what: "master key",
                profile: name,
                expected: profile.key_len(),
                got: key.len(),
            });
        }
        if salt.len() != profile.salt_len() {
            return Err(Error::KeyLength {
                what: "master salt",
                profile: name,
                expected: profile.salt_len(),
                got: salt.len(),
            });
        }
        let mut k = [0; 16];
        k.copy_from_slice(key);
        let mut s = [0; 14];
        s.get_mut(..salt.len())
            .ok_or(Error::InvalidInlineKey("salt"))?
            .copy_from_slice(salt);
        Ok(Self {
            profile,
            key: k,
            salt: s,
        })
    }

    /// The profile this key is for.
    pub fn profile(&self) -> SrtpProfile {
        self.profile
    }

    /// The master key.
    pub fn master_key(&self) -> &[u8] {
        &self.key
    }

    /// The master salt.
    pub fn master_salt(&self) -> &[u8] {
        self.salt
            .get(..self.profile.salt_len())
            .unwrap_or(&self.salt)
    }

    /// Key followed by salt: the bytes an SDES `inline:` parameter carries.
    pub fn key_and_salt(&self) -> Vec<u8> {
        [self.master_key(), self.master_salt()].concat()
    }
}

impl fmt::Debug for SrtpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrtpKey")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in SrtpProfile::ALL {
            assert_eq!(SrtpProfile::from_sdes_name(p.sdes_name()).unwrap(), p);
        }
        assert!(matches!(
            SrtpProfile::from_sdes_name("F8_128_HMAC_SHA1_80"),
            Err(Error::UnsupportedSuite(_))
        ));
    }

    #[test]
    fn lengths_are_checked() {
        let p = SrtpProfile::AeadAes128Gcm;
        assert!(SrtpKey::new(p, &[0; 16], &[0; 12]).is_ok());
        assert!(matches!(
            SrtpKey::new(p, &[0; 16], &[0; 14]),
            Err(Error::KeyLength {
                what: "master salt",
                ..
            })
        ));
        assert!(matches!(
            SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[0; 15], &[0; 14]),
            Err(Error::KeyLength {
                what: "master key",
                ..
            })
        ));
    }

    #[test]
    fn debug_hides_key() {
        let k = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[0xab; 16], &[0xcd; 14]).unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.contains("171"), "{shown}");
        assert_eq!(k.key_and_salt().len(), 30);
    }
}
