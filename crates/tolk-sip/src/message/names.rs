//! Header field names (RFC 3261 section 20 and the extensions Tolk
//! speaks) and their compact forms (RFC 3261 section 7.3.3 and the IANA
//! registry). Names compare case-insensitively; a compact form matches
//! its long form.

macro_rules! names {
    ($($(#[$doc:meta])* $id:ident = $text:literal;)*) => {
        $($(#[$doc])* pub const $id: &str = $text;)*
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
    fn compact_forms_match() {
        assert!(same_header("v", VIA));
        assert!(same_header("ViA", "V"));
        assert!(same_header("l", CONTENT_LENGTH));
        assert!(!same_header("C%6Fntact", CONTACT));
        assert!(!same_header("x", "Xyzzy"));
    }
}
