//! Header field names (RFC 3261 section 20 and the extensions Tolk
//! speaks) and their compact forms (RFC 3261 section 7.3.3 and the IANA
//! registry). Names compare case-insensitively; a compact form matches
//! its long form.

macro_rules! names {
    ($($(#[$doc:meta])* $id:ident = $text:literal;)*) => {
        $($(#[$doc])* pub const $id: &str = $text;)*
        /// Every name above, in order; a field's index into it is found once.
        const ALL: &[&str] = &[$($text),*];
    };
}

names! {
    /// `Accept`.
    ACCEPT = "Accept";
    /// `Accept-Encoding`.
    ACCEPT_ENCODING = "Accept-Encoding";
    /// `Accept-Language`.
    ACCEPT_LANGUAGE = "Accept-Language";
    /// `Alert-Info`.
    ALERT_INFO = "Alert-Info";
    /// `Allow`.
    ALLOW = "Allow";
    /// `Allow-Events` (compact `u`).
    ALLOW_EVENTS = "Allow-Events";
    /// `Authentication-Info`.
    AUTHENTICATION_INFO = "Authentication-Info";
    /// `Authorization`.
    AUTHORIZATION = "Authorization";
    /// `Call-ID` (compact `i`).
    CALL_ID = "Call-ID";
    /// `Call-Info`.
    CALL_INFO = "Call-Info";
    /// `Contact` (compact `m`).
    CONTACT = "Contact";
    /// `Content-Disposition`.
    CONTENT_DISPOSITION = "Content-Disposition";
    /// `Content-Encoding` (compact `e`).
    CONTENT_ENCODING = "Content-Encoding";
    /// `Content-Language`.
    CONTENT_LANGUAGE = "Content-Language";
    /// `Content-Length` (compact `l`).
    CONTENT_LENGTH = "Content-Length";
    /// `Content-Type` (compact `c`).
    CONTENT_TYPE = "Content-Type";
    /// `CSeq`.
    CSEQ = "CSeq";
    /// `Date`.
    DATE = "Date";
    /// `Error-Info`.
    ERROR_INFO = "Error-Info";
    /// `Event` (compact `o`).
    EVENT = "Event";
    /// `Expires`.
    EXPIRES = "Expires";
    /// `From` (compact `f`).
    FROM = "From";
    /// `In-Reply-To`.
    IN_REPLY_TO = "In-Reply-To";
    /// `Max-Forwards`.
    MAX_FORWARDS = "Max-Forwards";
    /// `Min-Expires`.
    MIN_EXPIRES = "Min-Expires";
    /// `Min-SE` (RFC 4028).
    MIN_SE = "Min-SE";
    /// `MIME-Version`.
    MIME_VERSION = "MIME-Version";
    /// `Organization`.
    ORGANIZATION = "Organization";
    /// `Priority`.
    PRIORITY = "Priority";
    /// `Proxy-Authenticate`.
    PROXY_AUTHENTICATE = "Proxy-Authenticate";
    /// `Proxy-Authorization`.
    PROXY_AUTHORIZATION = "Proxy-Authorization";
    /// `Proxy-Require`.
    PROXY_REQUIRE = "Proxy-Require";
    /// `RAck` (RFC 3262).
    RACK = "RAck";
    /// `Reason` (RFC 3326).
    REASON = "Reason";
    /// `Record-Route`.
    RECORD_ROUTE = "Record-Route";
    /// `Refer-To` (compact `r`).
    REFER_TO = "Refer-To";
    /// `Referred-By` (compact `b`).
    REFERRED_BY = "Referred-By";
    /// `Reply-To`.
    REPLY_TO = "Reply-To";
    /// `Require`.
    REQUIRE = "Require";
    /// `Retry-After`.
    RETRY_AFTER = "Retry-After";
    /// `Route`.
    ROUTE = "Route";
    /// `RSeq` (RFC 3262).
    RSEQ = "RSeq";
    /// `Server`.
    SERVER = "Server";
    /// `Session-Expires` (RFC 4028, compact `x`).
    SESSION_EXPIRES = "Session-Expires";
    /// `Subject` (compact `s`).
    SUBJECT = "Subject";
    /// `Supported` (compact `k`).
    SUPPORTED = "Supported";
    /// `Timestamp`.
    TIMESTAMP = "Timestamp";
    /// `To` (compact `t`).
    TO = "To";
    /// `Unsupported`.
    UNSUPPORTED = "Unsupported";
    /// `User-Agent`.
    USER_AGENT = "User-Agent";
    /// `Via` (compact `v`).
    VIA = "Via";
    /// `Warning`.
    WARNING = "Warning";
    /// `WWW-Authenticate`.
    WWW_AUTHENTICATE = "WWW-Authenticate";
}

/// The long form of a compact header name (`v` -> `Via`).
pub fn expand_compact(name: &str) -> Option<&'static str> {
    let [c] = name.as_bytes() else { return None };
    Some(match c.to_ascii_lowercase() {
        b'b' => REFERRED_BY,
        b'c' => CONTENT_TYPE,
        b'e' => CONTENT_ENCODING,
        b'f' => FROM,
        b'i' => CALL_ID,
        b'k' => SUPPORTED,
        b'l' => CONTENT_LENGTH,
        b'm' => CONTACT,
        b'o' => EVENT,
        b'r' => REFER_TO,
        b's' => SUBJECT,
        b't' => TO,
        b'u' => ALLOW_EVENTS,
        b'v' => VIA,
        b'x' => SESSION_EXPIRES,
        _ => return None,
    })
}

/// The index (as [`index_of`] gives it) of one of the constants above,
/// computed at compile time.
pub(crate) const fn index(name: &str) -> u8 {
    let mut i = 0;
    while i < ALL.len() {
        let (a, b) = (ALL[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return (i + 1) as u8;
            }
        }
        i += 1;
    }
    0
}

/// Slot of a name in [`TABLE`]: a hash of its length and its first and
/// last octets, case-folded.
const fn slot(name: &[u8]) -> usize {
    let (Some(first), Some(last)) = (name.first(), name.last()) else {
        return 0;
    };
    (name.len() * 31 + first.to_ascii_lowercase() as usize * 7 + last.to_ascii_lowercase() as usize)
        & 255
}

/// Open-addressing table from [`slot`] to index in [`ALL`] plus one.
const TABLE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < ALL.len() {
        let mut at = slot(ALL[i].as_bytes());
        while table[at] != 0 {
            at = (at + 1) & 255;
        }
        table[at] = (i + 1) as u8;
        i += 1;
    }
    table
};

/// A header's position in [`ALL`] plus one, or 0 for a name not listed.
pub(crate) fn index_of(name: &[u8]) -> u8 {
    let name = match name {
        [c] if c.is_ascii() => match expand_compact(char::from(*c).encode_utf8(&mut [0; 4])) {
            Some(long) => long.as_bytes(),
            None => name,
        },
        _ => name,
    };
    let mut at = slot(name);
    loop {
        let Some(&entry) = TABLE.get(at) else {
            return 0;
        };
        if entry == 0 {
            return 0;
        }
        let known = ALL
            .get(usize::from(entry) - 1)
            .map_or(&b""[..], |k| k.as_bytes());
        // Most senders spell names as the RFCs do: try the exact bytes first.
        if known == name || known.eq_ignore_ascii_case(name) {
            return entry;
        }
        at = (at + 1) & 255;
    }
}

/// True when two header names denote the same header: case-insensitive,
/// with compact forms matching their long forms.
pub fn same_header(a: &str, b: &str) -> bool {
    let a = expand_compact(a).unwrap_or(a);
    let b = expand_compact(b).unwrap_or(b);
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes() {
        assert_eq!(index_of(b"v"), index_of(b"VIA"));
        assert_ne!(index_of(b"Via"), 0);
        assert_eq!(index_of(b"C%6Fntact"), 0);
        assert!(ALL.len() < 200, "the table keeps free slots");
        for (i, name) in ALL.iter().enumerate() {
            assert_eq!(
                usize::from(index_of(name.to_ascii_uppercase().as_bytes())),
                i + 1,
                "{name}"
            );
            assert_eq!(index(name), index_of(name.as_bytes()));
        }
    }

    #[test]
    fn compact_forms_match() {
        assert!(same_header("v", VIA));
        assert!(same_header("ViA", "V"));
        assert!(same_header("l", CONTENT_LENGTH));
        assert!(!same_header("C%6Fntact", CONTACT));
        assert!(!same_header("x", "Xyzzy"));
    }
}
