//! SDES key parameters (RFC 4568 section 6.1): `inline:<base64 key||salt>[|lifetime][|MKI:len]`.
//!
//! The relay's ng mode reads and writes `a=crypto` lines itself; the gateway
//! hands keys over as [`SrtpKey`] values.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::{SrtpKey, SrtpProfile};
use crate::error::{Error, Result};

/// One `a=crypto` attribute value: `<tag> <suite> inline:<key>[|...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoAttribute {
    /// The attribute's tag (the answer echoes the offer's).
    pub tag: u32,
    /// The decoded key.
    pub key: SrtpKey,
}

impl CryptoAttribute {
    /// Parses the value after `a=crypto:`.
    pub fn parse(value: &str) -> Result<Self> {
        let mut fields = value.split_ascii_whitespace();
        let tag = fields
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or(Error::InvalidInlineKey("missing or bad tag"))?;
        let suite = fields
            .next()
            .ok_or(Error::InvalidInlineKey("missing crypto suite"))?;
        let params = fields
            .next()
            .ok_or(Error::InvalidInlineKey("missing key parameters"))?;
        let profile = SrtpProfile::from_sdes_name(suite)?;
        Ok(Self {
            tag,
            key: parse_inline(profile, params)?,
        })
    }
}

impl std::fmt::Display for CryptoAttribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.tag,
            self.key.profile(),
            format_inline(&self.key)
        )
    }
}

/// Decodes one key parameter (`inline:...`). A lifetime is accepted and
/// ignored; an MKI is refused because the relay's contexts carry one key each.
pub fn parse_inline(profile: SrtpProfile, param: &str) -> Result<SrtpKey> {
    // Several key parameters are separated by ';' (RFC 4568 section 9.1); we use the first.
    let first = param.split(';').next().unwrap_or(param);
    let body = first
        .strip_prefix("inline:")
        .ok_or(Error::InvalidInlineKey("key method is not inline"))?;
    let mut parts = body.split('|');
    let b64 = parts.next().unwrap_or_default();
    for extra in parts {
        if extra.contains(':') {
            return Err(Error::InvalidInlineKey("MKI is not supported"));
        }
    }
    let bytes = STANDARD
        .decode(b64)
        .or_else(|_| STANDARD_NO_PAD.decode(b64))
        .map_err(|_| Error::InvalidInlineKey("not base64"))?;
    let key_len = profile.key_len();
    if bytes.len() != key_len + profile.salt_len() {
        return Err(Error::InvalidInlineKey("wrong key||salt length"));
    }
    let (key, salt) = bytes.split_at(key_len);
    SrtpKey::new(profile, key, salt)
}

/// Encodes a key as an `inline:` parameter. Key||salt lengths are not
/// multiples of three, so, like most peers, we write it without padding.
pub fn format_inline(key: &SrtpKey) -> String {
    format!("inline:{}", STANDARD_NO_PAD.encode(key.key_and_salt()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn parses_rfc4568_example_shape() {
        // 40 base64 characters = 30 bytes = 16-byte key + 14-byte salt.
        let a = CryptoAttribute::parse(
            "1 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MEFCQ0RFRjEyMzQ1Njc4OTBBQkNE|2^20",
        )
        .unwrap();
        assert_eq!(a.tag, 1);
        assert_eq!(a.key.master_key(), b"1234567890ABCDEF");
        assert_eq!(a.key.master_salt(), b"1234567890ABCD");
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "x AES_CM_128_HMAC_SHA1_80 inline:MTIz",
            "1 AES_CM_128_HMAC_SHA1_80",
            "1 AES_CM_128_HMAC_SHA1_80 uri:foo",
            "1 AES_CM_128_HMAC_SHA1_80 inline:MTIz",
            "1 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MEFCQ0RFRjEyMzQ1Njc4OTBBQkNE|2^20|1:4",
            "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!NDU2Nzg5MEFCQ0RFRjEyMzQ1Njc4OTBBQkNE",
            "1 NULL_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MEFCQ0RFRjEyMzQ1Njc4OTBBQkNE",
        ] {
            assert!(CryptoAttribute::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(tag in 0u32..1000, material in proptest::collection::vec(any::<u8>(), 30), p in 0usize..3) {
            let profile = SrtpProfile::ALL[p];
            let salt_end = profile.key_len() + profile.salt_len();
            let key = SrtpKey::new(profile, &material[..16], &material[16..salt_end]).unwrap();
            let attr = CryptoAttribute { tag, key };
            prop_assert_eq!(CryptoAttribute::parse(&attr.to_string()).unwrap(), attr);
        }

        #[test]
        fn parse_never_panics(s in ".{0,120}") {
            let _ = CryptoAttribute::parse(&s);
        }
    }
}
