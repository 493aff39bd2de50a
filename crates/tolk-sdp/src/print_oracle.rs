//! `sdp-types` as the printer's oracle: what we write must be what
//! `sdp-types` writes for the same model (the crate printed through it
//! before it had its own writer).

use crate::model::{Address, Attribute, MediaDescription, SessionDescription, Text};

/// The description written by `sdp-types`.
fn via_sdp_types(description: &SessionDescription) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    // Writing into a Vec cannot fail.
    let _ = to_sdp_types(description).write(&mut out);
    out
}

fn to_sdp_types(this: &SessionDescription) -> sdp_types::Session {
    let mut attributes = Vec::new();
    for group in &this.groups {
        let mut value = group.semantics.to_string();
        for mid in &group.mids {
            value.push(' ');
            value.push_str(mid);
        }
        attributes.push(attr("group", value));
    }
    if this.ice_lite {
        attributes.push(flag("ice-lite"));
    }
    push_ice(&mut attributes, &this.ice);
    for fingerprint in &this.fingerprints {
        attributes.push(attr("fingerprint", fingerprint));
    }
    if let Some(setup) = this.setup {
        attributes.push(attr("setup", setup));
    }
    for extmap in &this.extmaps {
        attributes.push(attr("extmap", extmap));
    }
    if let Some(direction) = this.direction {
        attributes.push(flag(direction.as_str()));
    }
    attributes.extend(this.other.iter().map(untyped));
    sdp_types::Session {
        origin: sdp_types::Origin {
            username: Some(this.origin.username.to_string()),
            sess_id: this.origin.session_id.to_string(),
            sess_version: this.origin.session_version,
            nettype: sdp_types::NetType::In,
            addrtype: address_type(&this.origin.address),
            unicast_address: this.origin.address.address.to_string(),
        },
        session_name: this.session_name.to_string(),
        session_description: this.information.as_deref().map(str::to_owned),
        uri: None,
        emails: Vec::new(),
        phones: Vec::new(),
        connection: this.connection.as_ref().map(connection),
        bandwidths: this.bandwidths.iter().map(bandwidth).collect(),
        times: this
            .times
            .iter()
            .map(|&(start, stop)| sdp_types::Time::new(start, stop))
            .collect(),
        time_zones: Vec::new(),
        key: None,
        attributes,
        medias: this.media.iter().map(media).collect(),
    }
}

fn media(media: &MediaDescription) -> sdp_types::Media {
    let mut attributes = Vec::new();
    if let Some(rtcp) = &media.rtcp {
        attributes.push(attr("rtcp", rtcp));
    }
    push_ice(&mut attributes, &media.ice);
    for candidate in &media.candidates {
        attributes.push(attr("candidate", candidate));
    }
    if media.end_of_candidates {
        attributes.push(flag("end-of-candidates"));
    }
    for fingerprint in &media.fingerprints {
        attributes.push(attr("fingerprint", fingerprint));
    }
    if let Some(setup) = media.setup {
        attributes.push(attr("setup", setup));
    }
    if let Some(mid) = &media.mid {
        attributes.push(attr("mid", mid));
    }
    for extmap in &media.extmaps {
        attributes.push(attr("extmap", extmap));
    }
    if let Some(direction) = media.direction {
        attributes.push(flag(direction.as_str()));
    }
    for msid in &media.msids {
        attributes.push(attr("msid", msid));
    }
    if media.rtcp_mux {
        attributes.push(flag("rtcp-mux"));
    }
    if media.rtcp_rsize {
        attributes.push(flag("rtcp-rsize"));
    }
    for crypto in &media.crypto {
        attributes.push(attr("crypto", crypto));
    }
    for format in &media.formats {
        if let Some(rtpmap) = &format.rtpmap {
            attributes.push(attr("rtpmap", format_args!("{} {rtpmap}", format.pt)));
        }
        for feedback in &format.rtcp_fb {
            attributes.push(attr("rtcp-fb", format_args!("{} {feedback}", format.pt)));
        }
        if let Some(fmtp) = &format.fmtp {
            attributes.push(attr("fmtp", format_args!("{} {}", format.pt, fmtp.0)));
        }
    }
    for feedback in &media.rtcp_fb_all {
        attributes.push(attr("rtcp-fb", format_args!("* {feedback}")));
    }
    if let Some(ptime) = media.ptime {
        attributes.push(attr("ptime", ptime));
    }
    if let Some(maxptime) = media.maxptime {
        attributes.push(attr("maxptime", maxptime));
    }
    for group in &media.ssrc_groups {
        attributes.push(attr("ssrc-group", group));
    }
    for ssrc in &media.ssrcs {
        attributes.push(attr("ssrc", ssrc));
    }
    attributes.extend(media.other.iter().map(untyped));

    let mut formats: Vec<String> = media.formats.iter().map(|f| f.pt.to_string()).collect();
    formats.extend(media.other_formats.iter().map(Text::to_string));
    sdp_types::Media {
        media: media.kind.as_str().to_owned(),
        port: media.port,
        num_ports: media.port_count,
        proto: media.protocol.as_str().to_owned(),
        fmt: formats.join(" "),
        media_title: media.title.as_deref().map(str::to_owned),
        connections: media.connection.iter().map(connection).collect(),
        bandwidths: media.bandwidths.iter().map(bandwidth).collect(),
        key: None,
        attributes,
    }
}

fn push_ice(attributes: &mut Vec<sdp_types::Attribute>, ice: &crate::model::IceParams) {
    if let Some(ufrag) = &ice.ufrag {
        attributes.push(attr("ice-ufrag", ufrag));
    }
    if let Some(pwd) = &ice.pwd {
        attributes.push(attr("ice-pwd", pwd));
    }
    if !ice.options.is_empty() {
        attributes.push(attr("ice-options", ice.options.join(" ")));
    }
}

fn attr(name: &str, value: impl std::fmt::Display) -> sdp_types::Attribute {
    sdp_types::Attribute::with_value(name, value)
}

fn flag(name: &str) -> sdp_types::Attribute {
    sdp_types::Attribute::new(name)
}

fn untyped(attribute: &Attribute) -> sdp_types::Attribute {
    sdp_types::Attribute {
        attribute: attribute.name.to_string(),
        value: attribute.value.as_deref().map(str::to_owned),
    }
}

fn address_type(address: &Address) -> sdp_types::AddrType {
    sdp_types::AddrType::new(address.address_type.as_str())
}

fn connection(address: &Address) -> sdp_types::Connection {
    sdp_types::Connection {
        nettype: sdp_types::NetType::In,
        addrtype: address_type(address),
        connection_address: address.address.to_string(),
    }
}

fn bandwidth(bandwidth: &crate::model::Bandwidth) -> sdp_types::Bandwidth {
    sdp_types::Bandwidth {
        bwtype: bandwidth.kind.to_string(),
        bandwidth: bandwidth.value,
    }
}

#[test]
fn writes_what_sdp_types_writes_for_every_vector_and_real_offer() {
    for body in crate::parse::oracle::corpus() {
        let Ok(description) = crate::parse(&body) else {
            continue;
        };
        assert_eq!(
            String::from_utf8_lossy(&description.to_bytes()),
            String::from_utf8_lossy(&via_sdp_types(&description))
        );
    }
}

#[test]
fn drops_line_breaks_from_free_text_as_sdp_types_does() {
    let mut description = crate::parse(b"v=0\r\ns=x\r\n").expect("parses");
    description.session_name = "a\r\nm=audio 1 RTP/AVP 0\0".into();
    description
        .other
        .push(Attribute::new("x-\ninjected", "v\r\na=evil"));
    assert_eq!(description.to_bytes(), via_sdp_types(&description));
}
