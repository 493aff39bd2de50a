//! Media security attributes: DTLS-SRTP (`a=fingerprint`, `a=setup`) and
//! SDES (`a=crypto`, RFC 4568).

use super::Text;

/// `a=fingerprint:<hash function> <hex:pairs>` (RFC 8122).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The hash function as written; clients differ in case (`sha-256`,
    /// `SHA-256`), so compare with [`Fingerprint::is_hash`].
    pub hash: Text,
    /// The colon-separated hex digest.
    pub value: Text,
}

impl Fingerprint {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        let mut fields = value.split_ascii_whitespace();
        let (Some(hash), Some(digest), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err("`<hash function> <fingerprint>`");
        };
        // Hex pairs separated by colons: every third byte a colon.
        let is_hex_pairs = digest.len() % 3 == 2
            && digest.bytes().enumerate().all(|(at, b)| match at % 3 {
                2 => b == b':',
                _ => b.is_ascii_hexdigit(),
            });
        if !is_hex_pairs {
            return Err("a fingerprint of colon-separated hex pairs");
        }
        Ok(Fingerprint {
            hash: text.slice_of(hash),
            value: text.slice_of(digest),
        })
    }

    /// Whether the hash function is `name` (case-insensitive).
    pub fn is_hash(&self, name: &str) -> bool {
        self.hash.eq_ignore_ascii_case(name)
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.hash, self.value)
    }
}

/// `a=setup` (RFC 4145): who opens the DTLS connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this end is the DTLS client.
    Active,
    /// `passive`: this end is the DTLS server.
    Passive,
    /// `actpass`: either (offers only).
    ActPass,
    /// `holdconn`: no connection for now.
    HoldConn,
}

impl Setup {
    /// Reads the attribute value (case-insensitive).
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        [
            Setup::Active,
            Setup::Passive,
            Setup::ActPass,
            Setup::HoldConn,
        ]
        .into_iter()
        .find(|setup| setup.as_str().eq_ignore_ascii_case(value.trim()))
        .ok_or("one of active, passive, actpass, holdconn")
    }

    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::ActPass => "actpass",
            Setup::HoldConn => "holdconn",
        }
    }
}

impl std::fmt::Display for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `a=crypto:<tag> <suite> <key params> [<session params>]` (RFC 4568).
/// Its `Debug` output hides the keys, so that a logged call never leaks
/// the media it protects.
#[derive(Clone, PartialEq, Eq)]
pub struct Crypto {
    /// The tag the answer echoes.
    pub tag: u32,
    /// The crypto suite.
    pub suite: CryptoSuite,
    /// Key parameters (`inline:<key||salt>[|lifetime][|mki:len]`), in order.
    pub keys: Vec<Text>,
    /// Session parameters (`KDR=`, `UNENCRYPTED_SRTCP`, ...), in order.
    pub session_params: Vec<Text>,
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crypto")
            .field("tag", &self.tag)
            .field("suite", &self.suite)
            .field("keys", &format_args!("[{} redacted]", self.keys.len()))
            .field("session_params", &self.session_params)
            .finish()
    }
}

impl Crypto {
    /// Reads the attribute value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let text = Text::from(value);
        Self::read(&text, &text)
    }

    /// Reads `value`, sharing `text`'s buffer when `value` lies in it.
    pub(crate) fn read(text: &Text, value: &str) -> Result<Self, &'static str> {
        let mut fields = value.split_ascii_whitespace();
        let tag = fields
            .next()
            .and_then(|tag| tag.parse().ok())
            .ok_or("a numeric crypto tag")?;
        let suite = CryptoSuite::from_token(fields.next().ok_or("a crypto suite")?);
        let keys: Vec<Text> = fields
            .next()
            .ok_or("crypto key parameters")?
            .split(';')
            .map(|part| text.slice_of(part))
            .collect();
        if keys.iter().any(|key| key.is_empty()) {
            return Err("non-empty crypto key parameters separated by `;`");
        }
        Ok(Crypto {
            tag,
            suite,
            keys,
            session_params: fields.map(|part| text.slice_of(part)).collect(),
        })
    }

    /// The base64 key||salt of the first `inline:` key parameter.
    pub fn inline_key(&self) -> Option<&str> {
        self.keys.iter().find_map(|key| {
            let (method, rest) = key.split_once(':')?;
            let key = rest.split('|').next()?;
            method.eq_ignore_ascii_case("inline").then_some(key)
        })
    }
}

impl std::fmt::Display for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.tag, self.suite, self.keys.join(";"))?;
        for param in &self.session_params {
            write!(f, " {param}")?;
        }
        Ok(())
    }
}

/// SRTP crypto suites (RFC 4568, RFC 6188, RFC 7714).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CryptoSuite {
    /// `AES_CM_128_HMAC_SHA1_80`.
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32`.
    AesCm128HmacSha1_32,
    /// `AES_192_CM_HMAC_SHA1_80` (RFC 6188).
    Aes192CmHmacSha1_80,
    /// `AES_192_CM_HMAC_SHA1_32` (RFC 6188).
    Aes192CmHmacSha1_32,
    /// `AES_256_CM_HMAC_SHA1_80` (RFC 6188).
    Aes256CmHmacSha1_80,
    /// `AES_256_CM_HMAC_SHA1_32` (RFC 6188).
    Aes256CmHmacSha1_32,
    /// `AEAD_AES_128_GCM` (RFC 7714).
    AeadAes128Gcm,
    /// `AEAD_AES_256_GCM` (RFC 7714).
    AeadAes256Gcm,
    /// Anything else, as written.
    Other(Text),
}

const KNOWN_SUITES: [CryptoSuite; 8] = [
    CryptoSuite::AesCm128HmacSha1_80,
    CryptoSuite::AesCm128HmacSha1_32,
    CryptoSuite::Aes192CmHmacSha1_80,
    CryptoSuite::Aes192CmHmacSha1_32,
    CryptoSuite::Aes256CmHmacSha1_80,
    CryptoSuite::Aes256CmHmacSha1_32,
    CryptoSuite::AeadAes128Gcm,
    CryptoSuite::AeadAes256Gcm,
];

impl CryptoSuite {
    /// Reads a suite token (case-insensitive).
    pub fn from_token(token: &str) -> Self {
        KNOWN_SUITES
            .into_iter()
            .find(|suite| suite.as_str().eq_ignore_ascii_case(token))
            .unwrap_or_else(|| CryptoSuite::Other(token.into()))
    }

    /// The SDP token.
    pub fn as_str(&self) -> &str {
        match self {
            CryptoSuite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            CryptoSuite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            CryptoSuite::Aes192CmHmacSha1_80 => "AES_192_CM_HMAC_SHA1_80",
            CryptoSuite::Aes192CmHmacSha1_32 => "AES_192_CM_HMAC_SHA1_32",
            CryptoSuite::Aes256CmHmacSha1_80 => "AES_256_CM_HMAC_SHA1_80",
            CryptoSuite::Aes256CmHmacSha1_32 => "AES_256_CM_HMAC_SHA1_32",
            CryptoSuite::AeadAes128Gcm => "AEAD_AES_128_GCM",
            CryptoSuite::AeadAes256Gcm => "AEAD_AES_256_GCM",
            CryptoSuite::Other(other) => other,
        }
    }

    /// Relative strength for picking the strongest common suite: key size
    /// first, then AEAD over HMAC, then the longer authentication tag.
    /// Unknown suites rank 0.
    pub fn strength(&self) -> u8 {
        match self {
            CryptoSuite::AeadAes256Gcm => 9,
            CryptoSuite::Aes256CmHmacSha1_80 => 8,
            CryptoSuite::Aes256CmHmacSha1_32 => 7,
            CryptoSuite::Aes192CmHmacSha1_80 => 6,
            CryptoSuite::Aes192CmHmacSha1_32 => 5,
            CryptoSuite::AeadAes128Gcm => 4,
            CryptoSuite::AesCm128HmacSha1_80 => 3,
            CryptoSuite::AesCm128HmacSha1_32 => 2,
            CryptoSuite::Other(_) => 0,
        }
    }

    /// Bytes of master key plus master salt the `inline:` parameter
    /// carries, for known suites.
    pub fn key_and_salt_len(&self) -> Option<usize> {
        match self {
            CryptoSuite::AesCm128HmacSha1_80 | CryptoSuite::AesCm128HmacSha1_32 => Some(30),
            CryptoSuite::Aes192CmHmacSha1_80 | CryptoSuite::Aes192CmHmacSha1_32 => Some(38),
            CryptoSuite::Aes256CmHmacSha1_80 | CryptoSuite::Aes256CmHmacSha1_32 => Some(46),
            CryptoSuite::AeadAes128Gcm => Some(28),
            CryptoSuite::AeadAes256Gcm => Some(44),
            CryptoSuite::Other(_) => None,
        }
    }
}

impl std::fmt::Display for CryptoSuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4";
        let crypto = Crypto::parse(&format!("1 AES_CM_128_HMAC_SHA1_80 {key}")).unwrap();
        let shown = format!("{crypto:?}");
        assert!(!shown.contains("WVNfX19zZW1jdGwg"), "{shown}");
        assert_eq!(
            shown,
            "Crypto { tag: 1, suite: AesCm128HmacSha1_80, keys: [1 redacted], session_params: [] }"
        );
    }
}
