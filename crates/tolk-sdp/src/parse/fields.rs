//! The values of the non-attribute lines (RFC 8866 §5): `o=`, `c=`, `b=`,
//! `t=`, `r=`, `z=` and `m=`. Each reader borrows its fields from the line
//! and says what it expected when they do not read.

use crate::model::{Address, Bandwidth, Origin, Text, address_type_of};
use crate::scan::pieces;

/// What was expected, for the caller to place on its line.
pub(crate) type Expected = &'static str;

/// Fields separated by runs of spaces (none of these fields may be empty).
fn fields(value: &str) -> impl Iterator<Item = &str> {
    pieces(value, b' ').filter(|field| !field.is_empty())
}

/// RFC 8866 §9 `token`: nettype and addrtype must be tokens, or the line
/// structure would break when written again.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            matches!(b, 0x21 | 0x23..=0x27 | 0x2a..=0x2b | 0x2d..=0x2e | 0x30..=0x39
                | 0x41..=0x5a | 0x5e..=0x7e)
        })
}

fn token(field: Option<&str>, what: Expected) -> Result<&str, Expected> {
    field.filter(|field| is_token(field)).ok_or(what)
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`.
pub(crate) fn origin(input: &Text, value: &str) -> Result<Origin, Expected> {
    let mut fields = fields(value);
    let username = fields.next().ok_or("the origin username")?;
    let session_id = fields.next().ok_or("the origin session id")?;
    let session_version = fields
        .next()
        .and_then(|version| version.parse().ok())
        .ok_or("a numeric origin session version")?;
    token(fields.next(), "the origin network type")?;
    let address_type = token(fields.next(), "the origin address type")?;
    let address = fields.next().ok_or("the origin address")?;
    if fields.next().is_some() {
        return Err("end of line after the origin address");
    }
    Ok(Origin {
        username: input.slice_of(username),
        session_id: input.slice_of(session_id),
        session_version,
        address: Address {
            address_type: address_type_of(address_type),
            address: input.slice_of(address),
        },
    })
}

/// `c=IN <addrtype> <connection-address>`.
pub(crate) fn connection(input: &Text, value: &str) -> Result<Address, Expected> {
    let mut fields = fields(value);
    let network = token(fields.next(), "the connection network type")?;
    let address_type = token(fields.next(), "the connection address type")?;
    let address = fields.next().ok_or("the connection address")?;
    if fields.next().is_some() {
        return Err("end of line after the connection address");
    }
    if !network.eq_ignore_ascii_case("IN") {
        return Err("network type `IN`");
    }
    Ok(Address {
        address_type: address_type_of(address_type),
        address: input.slice_of(address),
    })
}

/// `b=<bwtype>:<bandwidth>`.
pub(crate) fn bandwidth(input: &Text, value: &str) -> Result<Bandwidth, Expected> {
    let (kind, amount) = value
        .split_once(':')
        .ok_or("`<bandwidth type>:<bandwidth>`")?;
    let value = amount
        .parse()
        .map_err(|_| "a numeric bandwidth after the bandwidth type")?;
    Ok(Bandwidth {
        kind: input.slice_of(kind),
        value,
    })
}

/// `t=<start-time> <stop-time>`.
pub(crate) fn time(value: &str) -> Result<(u64, u64), Expected> {
    let mut fields = fields(value);
    let mut number = || fields.next().and_then(|time| time.parse().ok());
    let times = (number(), number());
    let (Some(start), Some(stop)) = times else {
        return Err("`t=<start time> <stop time>` in seconds");
    };
    if fields.next().is_some() {
        return Err("end of line after the stop time");
    }
    Ok((start, stop))
}

/// `r=<interval> <duration> <offsets>...`: checked, not kept (a gateway
/// never schedules sessions).
pub(crate) fn repeat(value: &str) -> Result<(), Expected> {
    let mut count = 0;
    for field in fields(value) {
        typed_time(field).ok_or("repeat times (a number with an optional d, h, m or s)")?;
        count += 1;
    }
    if count < 2 {
        return Err("a repeat interval and an active duration");
    }
    Ok(())
}

/// `z=<adjustment time> <offset> ...`: checked, not kept.
pub(crate) fn time_zones(value: &str) -> Result<(), Expected> {
    let mut fields = fields(value);
    while let Some(adjustment) = fields.next() {
        adjustment
            .parse::<u64>()
            .map_err(|_| "a numeric time zone adjustment time")?;
        let offset = fields.next().ok_or("a time zone offset")?;
        let magnitude = typed_time(offset.strip_prefix('-').unwrap_or(offset))
            .ok_or("a time zone offset (a number with an optional d, h, m or s)")?;
        if magnitude > i64::MAX as u64 + u64::from(offset.starts_with('-')) {
            return Err("a time zone offset that fits 64 bits");
        }
    }
    Ok(())
}

/// RFC 8866 `typed-time`: seconds, or a number of days, hours or minutes.
fn typed_time(text: &str) -> Option<u64> {
    let (number, factor) = match text.as_bytes().last()? {
        b'd' => (&text[..text.len() - 1], 86_400),
        b'h' => (&text[..text.len() - 1], 3_600),
        b'm' => (&text[..text.len() - 1], 60),
        b's' => (&text[..text.len() - 1], 1),
        _ => (text, 1),
    };
    number.parse::<u64>().ok()?.checked_mul(factor)
}

/// The fields of `m=<media> <port>[/<count>] <proto> <fmt> ...`.
pub(crate) struct MediaLine<'a> {
    pub kind: &'a str,
    pub port: u16,
    pub port_count: Option<u16>,
    pub protocol: &'a str,
    pub formats: &'a str,
}

/// Reads an m-line. Fields are separated by single spaces, as RFC 8866
/// writes them; the format list is kept as one string.
pub(crate) fn media_line(value: &str) -> Result<MediaLine<'_>, Expected> {
    let mut fields = value.splitn(4, ' ');
    let kind = fields.next().unwrap_or_default();
    let port = fields.next().ok_or("a valid Media port")?;
    let (port, port_count) = match port.split_once('/') {
        Some((port, count)) => (port, Some(count)),
        None => (port, None),
    };
    let port = port.parse().map_err(|_| "a valid Media port (0-65535)")?;
    let port_count = port_count
        .map(str::parse)
        .transpose()
        .map_err(|_| "a numeric port count after the Media port")?;
    let protocol = fields.next().ok_or("a transport protocol after the port")?;
    let formats = fields
        .next()
        .ok_or("a format list after the transport protocol")?;
    Ok(MediaLine {
        kind,
        port,
        port_count,
        protocol,
        formats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_with_runs_of_spaces() {
        let origin = origin(&Text::default(), "-  42 7 IN IP6  2001:db8::1").expect("origin");
        assert_eq!(origin.session_id, "42");
        assert_eq!(origin.session_version, 7);
        assert_eq!(origin.address.address, "2001:db8::1");
        assert!(super::origin(&Text::default(), "- 1 x IN IP4 a").is_err());
        assert!(super::origin(&Text::default(), "- 1 1 I:N IP4 a").is_err());
        assert!(super::origin(&Text::default(), "- 1 1 IN IP4 a b").is_err());
    }

    #[test]
    fn connection_needs_in() {
        assert!(connection(&Text::default(), "IN IP4 192.0.2.1").is_ok());
        assert_eq!(
            connection(&Text::default(), "ATM NSAP x"),
            Err("network type `IN`")
        );
    }

    #[test]
    fn times_repeats_and_zones() {
        assert_eq!(time("0 0"), Ok((0, 0)));
        assert!(time("0").is_err());
        assert!(repeat("7d 1h 0 25h").is_ok());
        assert!(repeat("7d").is_err());
        assert!(repeat("7x 1h").is_err());
        assert!(time_zones("2882844526 -1h 2898848070 0").is_ok());
        assert!(time_zones("2882844526").is_err());
    }

    #[test]
    fn m_line_fields() {
        let line = media_line("audio 49170/2 RTP/AVP 0 8").expect("m-line");
        assert_eq!(
            (line.kind, line.port, line.port_count),
            ("audio", 49170, Some(2))
        );
        assert_eq!((line.protocol, line.formats), ("RTP/AVP", "0 8"));
        assert!(media_line("audio").is_err());
        assert!(media_line("audio 70000 RTP/AVP 0").is_err());
        assert!(media_line("audio 1 RTP/AVP").is_err());
    }
}
