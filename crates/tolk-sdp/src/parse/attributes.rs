//! Reading `a=` lines into the typed model.
//!
//! Known attributes become typed fields. A known attribute that appears
//! where only one is allowed (a second `a=mid`), or that names a payload
//! type not on the m-line, is kept in `other` as written, so nothing a
//! peer sent is lost. A known attribute whose value does not read is an
//! error that says what was expected.

use crate::model::{
    Attribute, Candidate, Crypto, Direction, ExtMap, Fingerprint, Fmtp, Group, MediaDescription,
    Msid, PayloadType, Rtcp, RtpMap, SessionDescription, Setup, Ssrc, SsrcGroup, Text,
};
use crate::scan::{cut, pieces, trim};

/// What was expected in an attribute value.
#[derive(Debug)]
pub(crate) struct AttributeError(pub String);

impl AttributeError {
    fn new(name: &str, expected: &str) -> Self {
        AttributeError(format!("{expected} in a={name}"))
    }
}

/// Applies one session-level attribute.
pub(crate) fn apply_session(
    session: &mut SessionDescription,
    input: &Text,
    name: &str,
    value: Option<&str>,
) -> Result<(), AttributeError> {
    let fail = |expected| AttributeError::new(name, expected);
    let keep = match (canonical(name), value) {
        ("group", Some(value)) => {
            let mut fields = value.split_ascii_whitespace();
            let semantics = fields.next().ok_or_else(|| fail("group semantics"))?;
            session.groups.push(Group {
                semantics: input.slice_of(semantics),
                mids: fields.map(|mid| input.slice_of(mid)).collect(),
            });
            false
        }
        ("ice-lite", None) if !session.ice_lite => {
            session.ice_lite = true;
            false
        }
        ("ice-ufrag", Some(value)) => set_once(&mut session.ice.ufrag, input, value),
        ("ice-pwd", Some(value)) => set_once(&mut session.ice.pwd, input, value),
        ("ice-options", Some(value)) if session.ice.options.is_empty() => {
            session.ice.options = value
                .split_ascii_whitespace()
                .map(|tag| input.slice_of(tag))
                .collect();
            false
        }
        ("fingerprint", Some(value)) => {
            session
                .fingerprints
                .push(Fingerprint::read(input, value).map_err(fail)?);
            false
        }
        ("setup", Some(value)) if session.setup.is_none() => {
            session.setup = Some(Setup::parse(value).map_err(fail)?);
            false
        }
        ("extmap", Some(value)) => {
            session
                .extmaps
                .push(ExtMap::read(input, value).map_err(fail)?);
            false
        }
        (token, None) if session.direction.is_none() && Direction::from_token(token).is_some() => {
            session.direction = Direction::from_token(token);
            false
        }
        _ => true,
    };
    if keep {
        session.other.push(Attribute {
            name: input.slice_of(name),
            value: value.map(|value| input.slice_of(value)),
        });
    }
    Ok(())
}

/// Applies one media-level attribute.
pub(crate) fn apply_media(
    media: &mut MediaDescription,
    input: &Text,
    name: &str,
    value: Option<&str>,
) -> Result<(), AttributeError> {
    let fail = |expected| AttributeError::new(name, expected);
    let is_rtp = media.protocol.is_rtp();
    let keep = match (canonical(name), value) {
        ("rtpmap", Some(value)) if is_rtp => {
            let (pt, rtpmap) = parse_rtpmap(input, value).map_err(fail)?;
            match media.formats.iter_mut().find(|format| format.pt == pt) {
                Some(format) if format.rtpmap.is_none() => {
                    format.rtpmap = Some(rtpmap);
                    false
                }
                _ => true,
            }
        }
        ("fmtp", Some(value)) if is_rtp => {
            let (pt, params) = cut(value, b' ').unwrap_or((value, ""));
            let pt = PayloadType::parse(pt).ok_or_else(|| fail("a payload type"))?;
            match media.formats.iter_mut().find(|format| format.pt == pt) {
                Some(format) if format.fmtp.is_none() => {
                    format.fmtp = Some(Fmtp(input.slice_of(params)));
                    false
                }
                _ => true,
            }
        }
        ("rtcp-fb", Some(value)) if is_rtp => {
            let (pt, feedback) =
                cut(value, b' ').ok_or_else(|| fail("`<payload type> <feedback>`"))?;
            if pt == "*" {
                media.rtcp_fb_all.push(input.slice_of(feedback));
                false
            } else {
                let pt = PayloadType::parse(pt).ok_or_else(|| fail("a payload type or `*`"))?;
                match media.formats.iter_mut().find(|format| format.pt == pt) {
                    Some(format) => {
                        // Browsers list 4-6 feedback types per video format.
                        push_sized(&mut format.rtcp_fb, input.slice_of(feedback), 6);
                        false
                    }
                    None => true,
                }
            }
        }
        ("rtcp", Some(value)) if media.rtcp.is_none() => {
            media.rtcp = Some(Rtcp::read(input, value).map_err(fail)?);
            false
        }
        ("ice-ufrag", Some(value)) => set_once(&mut media.ice.ufrag, input, value),
        ("ice-pwd", Some(value)) => set_once(&mut media.ice.pwd, input, value),
        ("ice-options", Some(value)) if media.ice.options.is_empty() => {
            media.ice.options = value
                .split_ascii_whitespace()
                .map(|tag| input.slice_of(tag))
                .collect();
            false
        }
        ("candidate", Some(value)) => {
            media
                .candidates
                .push(Candidate::read(input, value).map_err(fail)?);
            false
        }
        ("end-of-candidates", None) => set_flag(&mut media.end_of_candidates),
        ("fingerprint", Some(value)) => {
            media
                .fingerprints
                .push(Fingerprint::read(input, value).map_err(fail)?);
            false
        }
        ("setup", Some(value)) if media.setup.is_none() => {
            media.setup = Some(Setup::parse(value).map_err(fail)?);
            false
        }
        ("mid", Some(value)) => set_once(&mut media.mid, input, value),
        ("extmap", Some(value)) => {
            media
                .extmaps
                .push(ExtMap::read(input, value).map_err(fail)?);
            false
        }
        ("msid", Some(value)) => {
            media.msids.push(Msid::read(input, value).map_err(fail)?);
            false
        }
        ("rtcp-mux", None) => set_flag(&mut media.rtcp_mux),
        ("rtcp-rsize", None) => set_flag(&mut media.rtcp_rsize),
        ("crypto", Some(value)) => {
            media.crypto.push(Crypto::read(input, value).map_err(fail)?);
            false
        }
        // Some clients write fractional ptimes; those stay as written.
        ("ptime", Some(value)) if media.ptime.is_none() => match value.trim().parse() {
            Ok(ms) => {
                media.ptime = Some(ms);
                false
            }
            Err(_) => true,
        },
        ("maxptime", Some(value)) if media.maxptime.is_none() => match value.trim().parse() {
            Ok(ms) => {
                media.maxptime = Some(ms);
                false
            }
            Err(_) => true,
        },
        ("ssrc-group", Some(value)) => {
            media
                .ssrc_groups
                .push(SsrcGroup::read(input, value).map_err(fail)?);
            false
        }
        ("ssrc", Some(value)) => {
            media.ssrcs.push(Ssrc::read(input, value).map_err(fail)?);
            false
        }
        (token, None) if media.direction.is_none() && Direction::from_token(token).is_some() => {
            media.direction = Direction::from_token(token);
            false
        }
        _ => true,
    };
    if keep {
        media.other.push(Attribute {
            name: input.slice_of(name),
            value: value.map(|value| input.slice_of(value)),
        });
    }
    Ok(())
}

/// Pushes `item`, sizing an empty `list` for `typical` items at once:
/// growing 4 -> 8 costs a reallocation and a copy (measured: ~4 k
/// instructions per browser offer for the rtcp-fb lists).
fn push_sized<T>(list: &mut Vec<T>, item: T, typical: usize) {
    if list.capacity() == 0 {
        list.reserve_exact(typical);
    }
    list.push(item);
}

/// Reads `<pt> <encoding>/<clock rate>[/<channels>]`.
pub(crate) fn parse_rtpmap(
    input: &Text,
    value: &str,
) -> Result<(PayloadType, RtpMap), &'static str> {
    let (pt, encoding) =
        cut(trim(value), b' ').ok_or("`<payload type> <encoding>/<clock rate>`")?;
    let pt = PayloadType::parse(pt).ok_or("a payload type 0-127")?;
    let mut parts = pieces(trim(encoding), b'/');
    let name = parts
        .next()
        .filter(|name| !name.is_empty())
        .ok_or("an encoding name")?;
    let clock_rate = parts
        .next()
        .and_then(|rate| rate.parse().ok())
        .ok_or("`<encoding>/<clock rate>` with a numeric clock rate")?;
    let channels = match parts.next() {
        Some(channels) => Some(channels.parse().map_err(|_| "a numeric channel count")?),
        None => None,
    };
    if parts.next().is_some() {
        return Err("end of rtpmap after the channel count");
    }
    Ok((
        pt,
        RtpMap {
            encoding: input.slice_of(name),
            clock_rate,
            channels,
        },
    ))
}

/// The attribute names read as typed, in their canonical case.
const KNOWN: [&str; 27] = [
    "rtpmap",
    "fmtp",
    "rtcp-fb",
    "rtcp",
    "ice-ufrag",
    "ice-pwd",
    "ice-options",
    "ice-lite",
    "candidate",
    "end-of-candidates",
    "fingerprint",
    "setup",
    "mid",
    "extmap",
    "msid",
    "rtcp-mux",
    "rtcp-rsize",
    "crypto",
    "ptime",
    "maxptime",
    "ssrc-group",
    "ssrc",
    "group",
    "sendrecv",
    "sendonly",
    "recvonly",
    "inactive",
];

/// The canonical name of a known attribute (names are case-insensitive),
/// or `""` for any other; no allocation on this hot path.
fn canonical(name: &str) -> &'static str {
    // Clients write the canonical case; the exact match is the fast path.
    if let Some(known) = KNOWN.iter().find(|known| **known == name) {
        return known;
    }
    KNOWN
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .copied()
        .unwrap_or("")
}

/// Stores the first value; later ones are kept as written.
fn set_once(slot: &mut Option<Text>, input: &Text, value: &str) -> bool {
    if slot.is_some() {
        return true;
    }
    *slot = Some(input.slice_of(value));
    false
}

/// Sets a flag attribute; a repeated one is kept as written.
fn set_flag(flag: &mut bool) -> bool {
    let seen = *flag;
    *flag = true;
    seen
}
