//! Via (RFC 3261 section 20.42, RFC 3581 rport, RFC 5118 section 4.5).

use crate::error::Fault;
use crate::header::list::number;
use crate::host::{self, Host};
use crate::params::{self, Params};
use crate::syntax::Scanner;

/// The magic cookie that starts an RFC 3261 branch (section 8.1.1.7).
pub const BRANCH_MAGIC_COOKIE: &str = "z9hG4bK";

/// One Via value (one hop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Via<'a> {
    /// Protocol name (`SIP`).
    pub protocol: &'a str,
    /// Protocol version (`2.0`).
    pub version: &'a str,
    /// Transport (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or any token).
    pub transport: &'a str,
    /// The sent-by host.
    pub host: Host<'a>,
    /// The sent-by port, when given.
    pub port: Option<u16>,
    /// Via parameters (`branch`, `received`, `rport`, ...).
    pub params: Params<'a>,
}

impl<'a> Via<'a> {
    /// The `branch` parameter (the transaction identifier).
    pub fn branch(&self) -> Option<&'a str> {
        self.params.value("branch")
    }

    /// True when the branch follows RFC 3261 (magic cookie and an id).
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch()
            .and_then(|b| b.strip_prefix(BRANCH_MAGIC_COOKIE))
            .is_some_and(|id| !id.is_empty())
    }

    /// The `received` parameter, brackets (RFC 5118 section 4.5) removed.
    pub fn received(&self) -> Option<&'a str> {
        self.params.value("received").map(|r| {
            r.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or(r)
        })
    }

    /// `rport` (RFC 3581): `None` when absent, `Some(None)` when present
    /// without a value (a request for it), `Some(Some(port))` when filled.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&'a str> {
        self.params.value("maddr")
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|t| t.parse().ok())
    }
}

impl std::fmt::Display for Via<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{} {}",
            self.protocol, self.version, self.transport, self.host
        )?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        f.write_str(self.params.as_str())
    }
}

/// Parses one via-parm at the scanner.
pub(crate) fn via<'a>(s: &mut Scanner<'a>) -> Result<Via<'a>, Fault> {
    let protocol = s.token("protocol name (SIP)")?;
    if !s.separator(b'/') {
        return Err(s.fault("'/' after the protocol name"));
    }
    let version = s.token("protocol version")?;
    if !s.separator(b'/') {
        return Err(s.fault("'/' after the protocol version"));
    }
    let transport = s.token("transport")?;
    if !s.skip_lws() {
        return Err(s.fault("white space before the sent-by host"));
    }
    let host = host::host(s)?;
    let port = if s.separator(b':') {
        let at = s.pos();
        let port = number(s, u64::from(u16::MAX), "port number 0-65535")?;
        Some(u16::try_from(port).map_err(|_| Fault {
            at,
            expected: "port number 0-65535",
        })?)
    } else {
        None
    };
    let params = params::header_params_checked(s, check_param)?;
    Ok(Via {
        protocol,
        version,
        transport,
        host,
        port,
        params,
    })
}

/// The value rules of RFC 3261's via-params.
fn check_param(name: &str, value: Option<&str>) -> Result<(), &'static str> {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    let ok = if is("branch") {
        value.is_some_and(|v| crate::syntax::all_token(v.as_bytes()))
    } else if is("rport") {
        value.is_none_or(|v| v.parse::<u16>().is_ok())
    } else if is("received") {
        value.is_some_and(|v| {
            let bare = v
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .unwrap_or(v);
            bare.parse::<std::net::Ipv4Addr>().is_ok() || host::ipv6(bare).is_some()
        })
    } else if is("ttl") {
        value.is_some_and(|v| v.parse::<u8>().is_ok())
    } else if is("maddr") {
        value.is_some_and(|v| {
            let mut s = Scanner::from_text(v);
            host::host(&mut s).is_ok() && s.at_end()
        })
    } else {
        true
    };
    if ok {
        Ok(())
    } else {
        Err("a valid Via parameter value (ttl, rport, received, maddr, branch)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Via<'_>, Fault> {
        let mut s = Scanner::new(text.as_bytes());
        let v = via(&mut s)?;
        s.finish("end")?;
        Ok(v)
    }

    #[test]
    fn folded_via() {
        let v = parse("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!((v.protocol, v.version, v.transport), ("SIP", "2.0", "UDP"));
        assert_eq!(v.branch(), Some("390skdjuw"));
        assert!(!v.has_rfc3261_branch());
    }

    #[test]
    fn received_and_rport() {
        let v = parse("SIP/2.0/UDP [2001:db8::9:1]:5060;received=[2001:db8::9:255];rport=1234;branch=z9hG4bKx").unwrap();
        assert_eq!(v.received(), Some("2001:db8::9:255"));
        assert_eq!(v.rport(), Some(Some(1234)));
        assert_eq!(v.port, Some(5060));
        assert!(v.has_rfc3261_branch());
        let v = parse("SIP/2.0/UDP h;rport;received=2001:db8::9:255").unwrap();
        assert_eq!(v.rport(), Some(None));
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP h;rport;received=2001:db8::9:255"
        );
    }

    #[test]
    fn malformed_vias() {
        for bad in [
            "SIP/2.0/UDP 192.0.2.15;;",
            "SIP/2.0 h",
            "SIP/2.0/UDP",
            "SIP/2.0/UDP h;ttl=300",
            "SIP/2.0/UDP h;received=host",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
