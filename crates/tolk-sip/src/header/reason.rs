//! Reason (RFC 3326) and Date (RFC 3261 section 20.17).

use crate::error::Fault;
use crate::header::list::number;
use crate::params::{self, Params};
use crate::syntax::Scanner;

/// A Reason value: a protocol and its `cause`/`text` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason<'a> {
    /// The protocol (`SIP`, `Q.850`, or any token).
    pub protocol: &'a str,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> Reason<'a> {
    /// The `cause` parameter.
    pub fn cause(&self) -> Option<u16> {
        self.params.value("cause").and_then(|c| c.parse().ok())
    }

    /// The `text` parameter, unquoted.
    pub fn text(&self) -> Option<std::borrow::Cow<'a, str>> {
        self.params.value("text").map(crate::syntax::unquote)
    }
}

pub(crate) fn reason<'a>(s: &mut Scanner<'a>) -> Result<Reason<'a>, Fault> {
    let protocol = s.token("Reason protocol")?;
    let params = params::header_params(s)?;
    Ok(Reason { protocol, params })
}

/// A Date value (`rfc1123-date`, always GMT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipDate {
    /// Year.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day of the month, 1-31.
    pub day: u8,
    /// Hour, 0-23.
    pub hour: u8,
    /// Minute, 0-59.
    pub minute: u8,
    /// Second, 0-60 (leap second).
    pub second: u8,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn two_digits(s: &mut Scanner<'_>, max: u64, expected: &'static str) -> Result<u8, Fault> {
    let at = s.pos();
    let n = number(s, max, expected)?;
    if s.pos() - at != 2 {
        return Err(Fault { at, expected });
    }
    u8::try_from(n).map_err(|_| Fault { at, expected })
}

fn exact(s: &mut Scanner<'_>, text: &[u8], expected: &'static str) -> Result<(), Fault> {
    if s.rest().starts_with(text) {
        s.set_pos(s.pos() + text.len());
        Ok(())
    } else {
        Err(s.fault(expected))
    }
}

/// `wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT"`.
pub(crate) fn date(s: &mut Scanner<'_>) -> Result<SipDate, Fault> {
    let wkday = s.take_while(|b| b.is_ascii_alphabetic());
    if !DAYS.iter().any(|d| d.as_bytes() == wkday) {
        return Err(s.fault("weekday (Mon-Sun)"));
    }
    exact(s, b", ", "', ' after the weekday")?;
    let day = two_digits(s, 31, "2-digit day")?;
    exact(s, b" ", "SP after the day")?;
    let at = s.pos();
    let name = s.take_while(|b| b.is_ascii_alphabetic());
    let month = MONTHS
        .iter()
        .position(|m| m.as_bytes() == name)
        .and_then(|m| u8::try_from(m + 1).ok())
        .ok_or(Fault {
            at,
            expected: "month (Jan-Dec)",
        })?;
    exact(s, b" ", "SP after the month")?;
    let at = s.pos();
    let year = number(s, 9999, "4-digit year")?;
    if s.pos() - at != 4 {
        return Err(Fault {
            at,
            expected: "4-digit year",
        });
    }
    exact(s, b" ", "SP after the year")?;
    let hour = two_digits(s, 23, "2-digit hour")?;
    exact(s, b":", "':' after the hour")?;
    let minute = two_digits(s, 59, "2-digit minute")?;
    exact(s, b":", "':' after the minute")?;
    let second = two_digits(s, 60, "2-digit second")?;
    exact(s, b" GMT", "\" GMT\" after the time")?;
    Ok(SipDate {
        year: u16::try_from(year).unwrap_or(u16::MAX),
        month,
        day,
        hour,
        minute,
        second,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = date(&mut Scanner::new(b"Sat, 13 Nov 2010 23:29:00 GMT")).unwrap();
        assert_eq!((d.year, d.month, d.day, d.hour), (2010, 11, 13, 23));
        assert!(date(&mut Scanner::new(b"Fri, 01 Jan 2010 16:00:00 EST")).is_err());
    }

    #[test]
    fn reasons() {
        let r = reason(&mut Scanner::new(b"Q.850 ;cause=16 ;text=\"Terminated\"")).unwrap();
        assert_eq!((r.protocol, r.cause()), ("Q.850", Some(16)));
        assert_eq!(r.text().unwrap(), "Terminated");
    }
}
