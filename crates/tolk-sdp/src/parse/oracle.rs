//! `sdp-types` as an independent oracle: the same typed model built from
//! `sdp_types::Session::parse` must equal ours on every in-repo vector,
//! every real client's offer and generated or mutated inputs, and the two
//! must agree on which inputs are errors.
//!
//! The one intended difference: we require the whole input to be UTF-8,
//! where `sdp-types` only checks the fields it keeps.

use proptest::prelude::*;

use super::attributes;
use crate::SessionDescription;
use crate::model::Text;
use crate::model::{
    Address, Bandwidth, Format, MediaDescription, MediaKind, Origin, PayloadType,
    TransportProtocol, address_type_of,
};

/// Our model, read through `sdp-types` (errors without positions).
fn via_sdp_types(input: &[u8]) -> Result<SessionDescription, String> {
    let session = sdp_types::Session::parse(input).map_err(|e| e.to_string())?;
    let mut description = SessionDescription::new(Origin {
        username: session
            .origin
            .username
            .unwrap_or_else(|| "-".to_owned())
            .into(),
        session_id: session.origin.sess_id.into(),
        session_version: session.origin.sess_version,
        address: Address {
            address_type: address_type_of(session.origin.addrtype.as_str()),
            address: session.origin.unicast_address.into(),
        },
    });
    description.session_name = session.session_name.into();
    description.information = session.session_description.map(Text::from);
    description.connection = session.connection.as_ref().map(address).transpose()?;
    description.bandwidths = session.bandwidths.into_iter().map(bandwidth).collect();
    if !session.times.is_empty() {
        description.times = session
            .times
            .iter()
            .map(|time| (time.start_time, time.stop_time))
            .collect();
    }
    for attribute in &session.attributes {
        // The oracle's strings are its own: the model copies each value.
        attributes::apply_session(
            &mut description,
            &Text::default(),
            &attribute.attribute,
            attribute.value.as_deref(),
        )
        .map_err(|e| e.0)?;
    }
    for media in session.medias {
        description.media.push(media_description(media)?);
    }
    Ok(description)
}

fn media_description(media: sdp_types::Media) -> Result<MediaDescription, String> {
    let protocol = TransportProtocol::from_token(&media.proto);
    let mut description =
        MediaDescription::new(MediaKind::from_token(&media.media), media.port, protocol);
    description.port_count = media.num_ports;
    if description.protocol.is_rtp() {
        for token in media.fmt.split_ascii_whitespace() {
            let pt = PayloadType::parse(token).ok_or("payload type")?;
            if description.format(pt).is_some() {
                return Err("payload type twice".to_owned());
            }
            description.formats.push(Format {
                pt,
                rtpmap: None,
                fmtp: None,
                rtcp_fb: Vec::new(),
            });
        }
    } else {
        description.other_formats = media.fmt.split_ascii_whitespace().map(Text::from).collect();
    }
    description.title = media.media_title.map(Text::from);
    if media.connections.len() > 1 {
        return Err("two c= lines in a media section".to_owned());
    }
    description.connection = media.connections.first().map(address).transpose()?;
    description.bandwidths = media.bandwidths.into_iter().map(bandwidth).collect();
    for attribute in &media.attributes {
        attributes::apply_media(
            &mut description,
            &Text::default(),
            &attribute.attribute,
            attribute.value.as_deref(),
        )
        .map_err(|e| e.0)?;
    }
    Ok(description)
}

fn address(connection: &sdp_types::Connection) -> Result<Address, String> {
    if !connection.nettype.as_str().eq_ignore_ascii_case("IN") {
        return Err("network type".to_owned());
    }
    Ok(Address {
        address_type: address_type_of(connection.addrtype.as_str()),
        address: connection.connection_address.clone().into(),
    })
}

fn bandwidth(bandwidth: sdp_types::Bandwidth) -> Bandwidth {
    Bandwidth {
        kind: bandwidth.bwtype.into(),
        value: bandwidth.bandwidth,
    }
}

/// Asserts that our parser and the oracle agree on `input`.
fn assert_agree(input: &[u8]) {
    let ours = super::parse(input);
    let theirs = via_sdp_types(input);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs, "{}", show(input)),
        (Err(_), Err(_)) => {}
        (Err(_), Ok(_)) if std::str::from_utf8(input).is_err() => {}
        _ => panic!("ours {ours:?}\ntheirs {theirs:?}\ninput:\n{}", show(input)),
    }
}

fn show(input: &[u8]) -> String {
    String::from_utf8_lossy(input).escape_debug().to_string()
}

/// The in-repo vectors and the real clients' offers (SDP bodies only).
pub(crate) fn corpus() -> Vec<Vec<u8>> {
    let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut dirs = vec![vectors];
    dirs.extend(tolk_testkit::conformance_dir("real-clients"));
    let mut bodies = Vec::new();
    for dir in dirs {
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("readable corpus")
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "sdp" || e == "sip"))
            .collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).expect("readable");
            bodies.push(crate::SdpBody::find(&bytes).text.to_vec());
        }
    }
    bodies
}

#[test]
fn agrees_on_every_vector_and_real_offer() {
    let corpus = corpus();
    assert!(corpus.len() >= 10);
    for body in &corpus {
        assert_agree(body);
    }
}

/// Fragments that real lines are made of, and ones that break them.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("IN IP4 192.0.2.1".to_owned()),
        Just("- 1 2 IN IP4 192.0.2.1".to_owned()),
        Just("audio 49170 RTP/AVP 0 96".to_owned()),
        Just("video 0/2 RTP/SAVPF 96".to_owned()),
        Just("application 9 UDP/DTLS/SCTP webrtc-datachannel".to_owned()),
        Just("rtpmap:96 opus/48000/2".to_owned()),
        Just("fmtp:96 minptime=10".to_owned()),
        Just("rtcp-fb:* nack".to_owned()),
        Just("mid:0".to_owned()),
        Just("sendonly".to_owned()),
        Just("AS:64".to_owned()),
        Just("7d 1h 0 25h".to_owned()),
        Just("2882844526 -1h".to_owned()),
        "[ -~]{0,12}",
        "[0-9 :/a-z]{0,10}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        8 => proptest::sample::select(&b"vosiucbtrzkam"[..]).prop_map(char::from),
        1 => proptest::char::range(' ', '~'),
    ];
    let end = prop_oneof![Just("\r\n"), Just("\n"), Just(""), Just("\r")];
    (key, any::<bool>(), fragment(), end).prop_map(|(key, equals, value, end)| {
        let equals = if equals { "=" } else { "" };
        format!("{key}{equals}{value}{end}")
    })
}

proptest! {
    #[test]
    fn agrees_on_generated_lines(lines in proptest::collection::vec(line(), 0..12)) {
        let text = format!("v=0\r\n{}", lines.concat());
        assert_agree(text.as_bytes());
    }

    #[test]
    fn agrees_on_mutated_real_offers(
        pick in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0..3u8, line()), 1..4),
    ) {
        let corpus = corpus();
        let body = String::from_utf8_lossy(&corpus[pick.index(corpus.len())]).into_owned();
        let mut lines: Vec<String> = body.split_inclusive('\n').map(str::to_owned).collect();
        for (at, kind, new) in edits {
            if lines.is_empty() {
                break;
            }
            let at = at.index(lines.len());
            match kind {
                0 => { lines.remove(at); }
                1 => lines.insert(at, new),
                _ => lines[at] = format!("{new}\r\n"),
            }
        }
        assert_agree(lines.concat().as_bytes());
    }
}
