//! Reading a session description: `sdp-types` splits the text into lines
//! and fields, then each line becomes part of the typed model.
//!
//! Where `sdp-types` falls short of what a gateway needs, this module does
//! the work itself: it keeps no line positions (see [`locate`]), it treats
//! the m-line format list as free text (read here as payload types), and it
//! leaves every attribute untyped (read in [`attributes`]).

mod attributes;
mod locate;

use crate::ParseError;
use crate::model::{
    Address, Bandwidth, Format, MediaDescription, MediaKind, Origin, PayloadType,
    SessionDescription, TransportProtocol,
};
use locate::Site;

/// Reads a session description (CRLF or bare LF line ends).
pub fn parse(input: &[u8]) -> Result<SessionDescription, ParseError> {
    let session = sdp_types::Session::parse(input).map_err(|error| located(input, &error))?;
    let origin = Origin {
        username: session.origin.username.unwrap_or_else(|| "-".to_owned()),
        session_id: session.origin.sess_id,
        session_version: session.origin.sess_version,
        address: Address {
            address_type: crate::model::address_type_of(session.origin.addrtype.as_str()),
            address: session.origin.unicast_address,
        },
    };
    let mut description = SessionDescription::new(origin);
    description.session_name = session.session_name;
    description.information = session.session_description;
    description.connection = session
        .connection
        .map(|connection| address(&connection))
        .transpose()
        .map_err(|expected| {
            Site {
                section: 0,
                key: b'c',
                ordinal: 0,
            }
            .error(input, expected)
        })?;
    description.bandwidths = session.bandwidths.into_iter().map(bandwidth).collect();
    // A missing `t=` means `t=0 0` (sdp-types writes that back too).
    if !session.times.is_empty() {
        description.times = session
            .times
            .iter()
            .map(|time| (time.start_time, time.stop_time))
            .collect();
    }
    for (ordinal, attribute) in session.attributes.into_iter().enumerate() {
        attributes::apply_session(&mut description, attribute).map_err(|error| {
            Site {
                section: 0,
                key: b'a',
                ordinal,
            }
            .error(input, error.0)
        })?;
    }
    for (index, media) in session.medias.into_iter().enumerate() {
        let media = media_description(media, index + 1, input)?;
        description.media.push(media);
    }
    Ok(description)
}

fn media_description(
    media: sdp_types::Media,
    section: usize,
    input: &[u8],
) -> Result<MediaDescription, ParseError> {
    let site = |key, ordinal| Site {
        section,
        key,
        ordinal,
    };
    let protocol = TransportProtocol::from_token(&media.proto);
    let mut description =
        MediaDescription::new(MediaKind::from_token(&media.media), media.port, protocol);
    description.port_count = media.num_ports;
    let tokens = media.fmt.split_ascii_whitespace();
    if description.protocol.is_rtp() {
        for token in tokens {
            let pt = PayloadType::parse(token).ok_or_else(|| {
                site(b'm', 0).error(input, "payload types 0-127 after the RTP profile")
            })?;
            if description.format(pt).is_some() {
                return Err(site(b'm', 0).error(input, "each payload type once on the m-line"));
            }
            description.formats.push(Format {
                pt,
                rtpmap: None,
                fmtp: None,
                rtcp_fb: Vec::new(),
            });
        }
    } else {
        description.other_formats = tokens.map(str::to_owned).collect();
    }
    description.title = media.media_title;
    let mut connections = media.connections.iter();
    description.connection = connections
        .next()
        .map(address)
        .transpose()
        .map_err(|expected| site(b'c', 0).error(input, expected))?;
    if connections.next().is_some() {
        return Err(site(b'c', 1).error(input, "at most one c= line per media section"));
    }
    description.bandwidths = media.bandwidths.into_iter().map(bandwidth).collect();
    for (ordinal, attribute) in media.attributes.into_iter().enumerate() {
        attributes::apply_media(&mut description, attribute)
            .map_err(|error| site(b'a', ordinal).error(input, error.0))?;
    }
    Ok(description)
}

fn address(connection: &sdp_types::Connection) -> Result<Address, &'static str> {
    if !connection.nettype.as_str().eq_ignore_ascii_case("IN") {
        return Err("network type `IN`");
    }
    Ok(Address {
        address_type: crate::model::address_type_of(connection.addrtype.as_str()),
        address: connection.connection_address.clone(),
    })
}

fn bandwidth(bandwidth: sdp_types::Bandwidth) -> Bandwidth {
    Bandwidth {
        kind: bandwidth.bwtype,
        value: bandwidth.bandwidth,
    }
}

/// Turns an `sdp-types` error into ours, with the byte offset of its line
/// and what was expected.
fn located(input: &[u8], error: &sdp_types::ParserError) -> ParseError {
    use sdp_types::ParserError as E;
    let (line, expected) = match error {
        E::InvalidLineFormat(line, what) => (*line, format!("a `<key>=<value>` line ({what})")),
        E::InvalidFieldEncoding(line, field) => (*line, format!("UTF-8 text in {field}")),
        E::InvalidFieldFormat(line, field) => (*line, format!("a valid {field}")),
        E::MissingField(line, field) => (*line, format!("the field {field}")),
        E::FieldTrailingData(line, field) => (*line, format!("end of line after {field}")),
        E::InvalidVersion(line, _) => (*line, "`v=0`".to_owned()),
        E::MultipleVersions(line) => (*line, "one `v=` line".to_owned()),
        E::NoVersion => (1, "`v=0` as the first line".to_owned()),
        E::MultipleOrigins(line) => (*line, "one `o=` line".to_owned()),
        E::MultipleSessionNames(line) => (*line, "one `s=` line".to_owned()),
        E::MultipleSessionDescription(line) => (*line, "one session `i=` line".to_owned()),
        E::MultipleUris(line) => (*line, "one `u=` line".to_owned()),
        E::MultipleConnections(line) => (*line, "one session-level `c=` line".to_owned()),
        E::MultipleTimeZones(line) => (*line, "one `z=` line".to_owned()),
        E::MultipleMediaTitles(line) => (*line, "one media `i=` line".to_owned()),
        E::MultipleKeys(line) => (*line, "one `k=` line".to_owned()),
        E::RepeatWithoutTime(line) => (*line, "a `t=` line before `r=`".to_owned()),
        other => (1, format!("a session description ({other})")),
    };
    ParseError {
        line,
        offset: locate::line_offset(input, line),
        expected,
    }
}
