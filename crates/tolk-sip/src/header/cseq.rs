//! CSeq (RFC 3261 section 20.16), RAck (RFC 3262 section 7.2) and
//! Call-ID (RFC 3261 section 20.8).

use crate::error::Fault;
use crate::header::list::number;
use crate::message::Method;
use crate::syntax::{self, Scanner};

/// A CSeq value: sequence number and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// The sequence number (below 2^31 when we generate it, any 32-bit
    /// value when we receive it).
    pub seq: u32,
    /// The method, as written.
    pub method: &'a str,
}

impl CSeq<'_> {
    /// True when the method is `method`.
    pub fn is(&self, method: &Method) -> bool {
        self.method == method.as_str()
    }
}

impl std::fmt::Display for CSeq<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// A RAck value: the RSeq and CSeq of the reliable provisional response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RAck<'a> {
    /// The RSeq being acknowledged.
    pub rseq: u32,
    /// The CSeq number of the response.
    pub cseq: u32,
    /// The CSeq method of the response.
    pub method: &'a str,
}

fn seq(s: &mut Scanner<'_>, expected: &'static str) -> Result<u32, Fault> {
    let at = s.pos();
    let n = number(s, u64::from(u32::MAX), expected)?;
    u32::try_from(n).map_err(|_| Fault { at, expected })
}

fn lws(s: &mut Scanner<'_>, expected: &'static str) -> Result<(), Fault> {
    if s.skip_lws() {
        Ok(())
    } else {
        Err(s.fault(expected))
    }
}

pub(crate) fn cseq<'a>(s: &mut Scanner<'a>) -> Result<CSeq<'a>, Fault> {
    let seq = seq(s, "CSeq number of 0 to 2^32-1")?;
    lws(s, "white space after the CSeq number")?;
    let method = s.token("method after the CSeq number")?;
    Ok(CSeq { seq, method })
}

pub(crate) fn rack<'a>(s: &mut Scanner<'a>) -> Result<RAck<'a>, Fault> {
    let rseq = seq(s, "RAck response number of 1 to 2^32-1")?;
    lws(s, "white space after the RAck response number")?;
    let cseq = seq(s, "RAck CSeq number of 0 to 2^32-1")?;
    lws(s, "white space after the RAck CSeq number")?;
    let method = s.token("method in RAck")?;
    Ok(RAck { rseq, cseq, method })
}

/// `callid = word [ "@" word ]`.
pub(crate) fn call_id<'a>(s: &mut Scanner<'a>) -> Result<&'a str, Fault> {
    let start = s.pos();
    let word = |s: &mut Scanner<'a>| {
        if s.take_while(|b| syntax::is_word(b) && b != b'@').is_empty() {
            Err(s.fault("Call-ID word"))
        } else {
            Ok(())
        }
    };
    word(s)?;
    if s.eat(b'@') {
        word(s)?;
    }
    s.text(start, s.pos(), "Call-ID")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq_values() {
        let mut s = Scanner::new(b"0009\r\n  INVITE");
        assert_eq!(
            cseq(&mut s).unwrap(),
            CSeq {
                seq: 9,
                method: "INVITE"
            }
        );
        assert!(cseq(&mut Scanner::new(b"36893488147419103232 REGISTER")).is_err());
        assert!(cseq(&mut Scanner::new(b"-1 INVITE")).is_err());
        let mut s = Scanner::new(b"776656 1 INVITE");
        assert_eq!(rack(&mut s).unwrap().cseq, 1);
    }

    #[test]
    fn call_ids() {
        let mut s = Scanner::new(br#"intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{"#);
        assert!(call_id(&mut s).is_ok());
        assert!(s.at_end());
        assert!(call_id(&mut Scanner::new(b"@x")).is_err());
    }
}
