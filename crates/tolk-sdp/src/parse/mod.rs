//! Reading a session description in one pass over its lines.
//!
//! [`lines`] splits the input into `<type>=<value>` lines borrowed from it,
//! [`fields`] reads the values of the structural lines and [`attributes`]
//! the `a=` lines into the typed model. Every error names the line it was
//! found on.
//!
//! The grammar is RFC 8866's, read the way `sdp-types` reads it (that
//! crate is the oracle in this module's tests): `v=0` first, `m=` starts a
//! media section, the other session-level lines in any order, `o=`, `s=`
//! and `t=` optional, unknown line types ignored.

mod attributes;
mod fields;
mod lines;
#[cfg(test)]
pub(crate) mod oracle;

use crate::ParseError;
use crate::model::{
    Address, AddressType, Format, MediaDescription, MediaKind, Origin, PayloadType,
    SessionDescription, Text, TransportProtocol,
};
use lines::{Line, Lines};

/// Reads a session description (CRLF or bare LF line ends).
pub fn parse(input: &[u8]) -> Result<SessionDescription, ParseError> {
    // One copy of the input holds the text of the whole model.
    let input = Text::from(lines::utf8(input)?);
    let mut lines = Lines::new(&input);
    match lines.next().transpose()? {
        Some(line) if line.key == b'v' && line.value == "0" => {}
        Some(line) if line.key == b'v' => return Err(line.error("`v=0`")),
        _ => return Err(no_version()),
    }
    let mut session = Session::default();
    let mut description = SessionDescription::new(missing_origin());
    description.session_name = Text::default();
    // Sized to the m-lines: a kept description (a call's agreed offer or
    // answer) then holds no spare media sections, which are large.
    let m_lines = memchr::memmem::find_iter(input.as_bytes(), "\nm=").count();
    description.media = Vec::with_capacity(m_lines);
    for line in lines {
        let line = line?;
        if line.key == b'm' {
            description.media.push(media_line(&input, &line)?);
            session.media = Media::default();
        } else if let Some(media) = description.media.last_mut() {
            media_level(media, &mut session.media, &input, &line)?;
        } else {
            session_level(&mut description, &mut session, &input, &line)?;
        }
    }
    Ok(description)
}

/// Which once-only lines have been seen.
#[derive(Default)]
struct Session {
    origin: bool,
    name: bool,
    information: bool,
    uri: bool,
    connection: bool,
    time: bool,
    zones: bool,
    key: bool,
    media: Media,
}

/// Which once-only lines the current media section has had.
#[derive(Default)]
struct Media {
    title: bool,
    key: bool,
}

fn session_level(
    description: &mut SessionDescription,
    seen: &mut Session,
    input: &Text,
    line: &Line<'_>,
) -> Result<(), ParseError> {
    let value = line.value;
    let placed = |expected| line.error(expected);
    match line.key {
        b'o' => {
            once(&mut seen.origin, line, "one `o=` line")?;
            description.origin = fields::origin(input, value).map_err(placed)?;
        }
        b's' => {
            once(&mut seen.name, line, "one `s=` line")?;
            description.session_name = input.slice_of(value);
        }
        b'i' => {
            once(&mut seen.information, line, "one session `i=` line")?;
            description.information = Some(input.slice_of(value));
        }
        b'u' => once(&mut seen.uri, line, "one `u=` line")?,
        b'c' => {
            once(&mut seen.connection, line, "one session-level `c=` line")?;
            description.connection = Some(fields::connection(input, value).map_err(placed)?);
        }
        b'b' => description
            .bandwidths
            .push(fields::bandwidth(input, value).map_err(placed)?),
        b't' => {
            let time = fields::time(value).map_err(placed)?;
            if !seen.time {
                // The default `t=0 0` gives way to the first written one.
                description.times.clear();
                seen.time = true;
            }
            description.times.push(time);
        }
        b'r' if !seen.time => return Err(line.error("a `t=` line before `r=`")),
        b'r' => fields::repeat(value).map_err(placed)?,
        b'z' => {
            once(&mut seen.zones, line, "one `z=` line")?;
            fields::time_zones(value).map_err(placed)?;
        }
        b'k' => once(&mut seen.key, line, "one `k=` line")?,
        b'a' => {
            let (name, value) = split_attribute(value);
            attributes::apply_session(description, input, name, value)
                .map_err(|error| line.error(error.0))?;
        }
        // `v=` again, `e=`, `p=` and unknown types carry nothing we keep.
        _ => {}
    }
    Ok(())
}

fn media_level(
    media: &mut MediaDescription,
    seen: &mut Media,
    input: &Text,
    line: &Line<'_>,
) -> Result<(), ParseError> {
    let value = line.value;
    match line.key {
        b'i' => {
            once(&mut seen.title, line, "one media `i=` line")?;
            media.title = Some(input.slice_of(value));
        }
        b'c' => {
            let connection = fields::connection(input, value).map_err(|e| line.error(e))?;
            if media.connection.is_some() {
                return Err(line.error("at most one c= line per media section"));
            }
            media.connection = Some(connection);
        }
        b'b' => media
            .bandwidths
            .push(fields::bandwidth(input, value).map_err(|e| line.error(e))?),
        b'k' => once(&mut seen.key, line, "one media `k=` line")?,
        b'a' => {
            let (name, value) = split_attribute(value);
            attributes::apply_media(media, input, name, value)
                .map_err(|error| line.error(error.0))?;
        }
        _ => {}
    }
    Ok(())
}

/// Starts a media section.
fn media_line(input: &Text, line: &Line<'_>) -> Result<MediaDescription, ParseError> {
    let fields = fields::media_line(line.value).map_err(|e| line.error(e))?;
    let protocol = TransportProtocol::from_token(fields.protocol);
    let mut media =
        MediaDescription::new(MediaKind::from_token(fields.kind), fields.port, protocol);
    media.port_count = fields.port_count;
    let tokens = fields.formats.split_ascii_whitespace();
    if media.protocol.is_rtp() {
        media.formats.reserve(fields.formats.len() / 3);
        for token in tokens {
            let pt = PayloadType::parse(token)
                .ok_or_else(|| line.error("payload types 0-127 after the RTP profile"))?;
            if media.format(pt).is_some() {
                return Err(line.error("each payload type once on the m-line"));
            }
            media.formats.push(Format {
                pt,
                rtpmap: None,
                fmtp: None,
                rtcp_fb: Vec::new(),
            });
        }
    } else {
        media.other_formats = tokens.map(|token| input.slice_of(token)).collect();
    }
    Ok(media)
}

/// `<name>[:<value>]`.
fn split_attribute(value: &str) -> (&str, Option<&str>) {
    match crate::scan::cut(value, b':') {
        Some((name, value)) => (name, Some(value)),
        None => (value, None),
    }
}

fn once(seen: &mut bool, line: &Line<'_>, expected: &str) -> Result<(), ParseError> {
    if std::mem::replace(seen, true) {
        return Err(line.error(expected));
    }
    Ok(())
}

fn no_version() -> ParseError {
    ParseError {
        line: 1,
        offset: 0,
        expected: "`v=0` as the first line".to_owned(),
    }
}

/// What a description without `o=` reads as (and writes back).
fn missing_origin() -> Origin {
    Origin {
        username: Text::from_static("-"),
        session_id: Text::from_static("0"),
        session_version: 0,
        address: Address {
            address_type: AddressType::Ip4,
            address: Text::from_static("0.0.0.0"),
        },
    }
}
