//! Reading the in-repo vectors and the real clients' offers into the model.

mod support;

use tolk_sdp::model::*;

#[test]
fn rfc3264_offer_has_static_and_dynamic_formats() {
    let offer = support::parse_vector("rfc3264-av-offer.sdp");
    assert_eq!(offer.origin.username, "alice");
    assert_eq!(offer.media.len(), 2);
    let audio = &offer.media[0];
    assert_eq!(audio.kind, MediaKind::Audio);
    assert_eq!(audio.protocol, TransportProtocol::RtpAvp);
    let pts: Vec<u8> = audio.formats.iter().map(|f| f.pt.0).collect();
    assert_eq!(pts, [0, 8, 97]);
    assert!(audio.formats[2].encoding().is_some_and(|e| e.is("ilbc")));
    assert_eq!(offer.media[1].kind, MediaKind::Video);
    assert_eq!(
        offer.connection_for(1).map(|c| c.address.as_str()),
        Some("192.0.2.101")
    );
}

#[test]
fn bare_lf_vector_parses_with_fmtp_and_ptime() {
    let offer = support::parse_vector("rfc4317-audio-dtmf-lf.sdp");
    let audio = &offer.media[0];
    assert_eq!(audio.ptime, Some(20));
    let event = audio.format(PayloadType(101)).expect("telephone-event");
    assert_eq!(event.fmtp.as_ref().map(|f| f.0.as_str()), Some("0-15"));
    // PCMU relies on its static assignment.
    assert!(audio.formats[0].rtpmap.is_none());
    assert!(audio.formats[0].encoding().is_some_and(|e| e.is("PCMU")));
}

#[test]
fn hold_forms_are_visible_in_the_model() {
    let sendonly = support::parse_vector("hold-sendonly.sdp");
    assert_eq!(sendonly.media[0].direction, Some(Direction::SendOnly));
    let legacy = support::parse_vector("hold-legacy-c0.sdp");
    assert!(
        legacy
            .connection_for(0)
            .is_some_and(Address::is_unspecified)
    );
    assert_eq!(legacy.media[0].direction_or_default(), Direction::SendRecv);
}

#[test]
fn ipv6_bandwidth_rtcp_and_maxptime() {
    let offer = support::parse_vector("ipv6-audio.sdp");
    let connection = offer.connection.as_ref().expect("session c=");
    assert_eq!(connection.address_type, AddressType::Ip6);
    assert!(connection.to_ip().is_some_and(|ip| ip.is_ipv6()));
    assert_eq!(offer.bandwidths[0].kind, "AS");
    let audio = &offer.media[0];
    assert_eq!(audio.bandwidths[0].kind, "TIAS");
    assert_eq!(audio.bandwidths[0].value, 64000);
    assert_eq!(audio.maxptime, Some(40));
    let rtcp = audio.rtcp.as_ref().expect("a=rtcp");
    assert_eq!(rtcp.port, 50001);
    assert_eq!(
        rtcp.address.as_ref().map(|a| a.address.as_str()),
        Some("2001:db8::10")
    );
}

#[test]
fn sip_message_with_sdes_and_wildcard_feedback() {
    let offer = support::parse_vector("room-system-sdes.invite.sip");
    let audio = &offer.media[0];
    assert_eq!(audio.protocol, TransportProtocol::RtpSavp);
    assert_eq!(audio.crypto.len(), 2);
    assert_eq!(audio.crypto[0].suite, CryptoSuite::AesCm128HmacSha1_80);
    assert_eq!(
        audio.crypto[0].inline_key(),
        Some("d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj")
    );
    let video = &offer.media[1];
    assert_eq!(video.protocol, TransportProtocol::RtpSavpf);
    assert_eq!(video.rtcp_fb_all, ["nack pli", "ccm fir"]);
    // content and label are kept as written.
    let names: Vec<&str> = video.other.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["content", "label"]);
    // The duplicate a=sendrecv is kept too rather than dropped.
    assert_eq!(audio.direction, Some(Direction::SendRecv));
}

#[test]
fn webrtc_offer_has_ice_dtls_bundle_rtx_and_ssrcs() {
    let offer = support::parse_vector("webrtc-av-offer.sdp");
    assert_eq!(
        offer.bundle(),
        Some(&[Text::from_static("0"), Text::from_static("1")][..])
    );
    let unknown: Vec<&str> = offer.other.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(unknown, ["extmap-allow-mixed", "msid-semantic"]);
    let video = &offer.media[1];
    assert_eq!(video.mid.as_deref(), Some("1"));
    assert_eq!(video.ice.ufrag.as_deref(), Some("Q3vT"));
    assert_eq!(video.candidates.len(), 2);
    assert_eq!(video.setup, Some(Setup::ActPass));
    assert!(video.fingerprints[0].is_hash("SHA-256"));
    assert!(video.rtcp_mux && video.rtcp_rsize);
    assert_eq!(video.extmaps.len(), 7);
    assert_eq!(video.ssrc_groups[0].semantics, "FID");
    assert_eq!(video.ssrcs.len(), 4);
    let rtx = video.format(PayloadType(97)).expect("rtx");
    assert_eq!(rtx.param("apt"), Some("96"));
    let vp8 = video.format(PayloadType(96)).expect("vp8");
    assert_eq!(vp8.rtcp_fb.len(), 5);
    let audio = &offer.media[0];
    assert_eq!(audio.candidates[2].kind, "srflx");
    assert_eq!(
        audio.msids[0].track.as_deref(),
        Some("a3e9f0c1-6d2b-4f87-b5e4-19c7d3a2f806")
    );
}

#[test]
fn simulcast_rid_and_data_channel_are_kept() {
    let offer = support::parse_vector("webrtc-simulcast-datachannel.sdp");
    assert!(offer.ice_lite);
    assert!(offer.media[0].fingerprints[0].is_hash("sha-256"));
    let names: Vec<&str> = offer.media[0]
        .other
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["rid", "rid", "simulcast"]);
    assert!(offer.media[0].end_of_candidates);
    let data = &offer.media[1];
    assert_eq!(data.protocol, TransportProtocol::UdpDtlsSctp);
    assert_eq!(data.other_formats, ["webrtc-datachannel"]);
    assert!(data.formats.is_empty());
    let text = String::from_utf8(offer.to_bytes()).expect("utf-8");
    assert!(text.contains("a=simulcast:send hi;lo\r\n"));
    assert!(text.contains("a=rid:lo send max-width=640\r\n"));
    assert!(text.contains("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"));
}

#[test]
fn malformed_vectors_name_their_line_and_offset() {
    for (name, line, expected) in [
        ("bad-rtpmap.sdp", 7, "clock rate"),
        ("bad-port.sdp", 5, "Media port"),
        ("bad-payload-type.sdp", 5, "payload types 0-127"),
    ] {
        let bytes = support::vector(name);
        let error = tolk_sdp::parse(&bytes).expect_err(name);
        assert_eq!(error.line, line, "{name}: {error}");
        assert!(error.expected.contains(expected), "{name}: {error}");
        let at_line = bytes
            .split(|&b| b == b'\n')
            .take(line - 1)
            .map(|l| l.len() + 1)
            .sum::<usize>();
        assert_eq!(error.offset, at_line, "{name}");
    }
}

#[test]
fn empty_and_garbage_inputs_are_errors_not_panics() {
    for input in [
        &b""[..],
        b"\r\n",
        b"hello",
        b"v=1\r\n",
        b"v=0\r\nm=audio\r\n",
    ] {
        let error = tolk_sdp::parse(input).expect_err("not SDP");
        assert!(error.line >= 1);
    }
}

// The real clients' quirks (see the corpus README), one test each.

fn real(name: &str) -> Option<SessionDescription> {
    support::real_client_offers()
        .into_iter()
        .find(|(file, _)| file == name)
        .map(|(_, description)| description)
}

#[test]
fn real_chromium_fingerprint_is_lower_case_at_media_level() {
    let Some(offer) = real("chromium-offer-av.sdp") else {
        return;
    };
    assert!(offer.fingerprints.is_empty());
    for media in &offer.media {
        assert_eq!(media.fingerprints[0].hash, "sha-256");
    }
}

#[test]
fn real_chromium_offers_six_h264_variants_and_two_telephone_events() {
    let Some(offer) = real("chromium-offer-av.sdp") else {
        return;
    };
    let h264: Vec<(String, String)> = offer.media[1]
        .formats
        .iter()
        .filter(|f| f.encoding().is_some_and(|e| e.is("H264")))
        .map(|f| {
            let profile = f.param("profile-level-id").unwrap_or_default().to_owned();
            let mode = f.param("packetization-mode").unwrap_or("0").to_owned();
            (profile, mode)
        })
        .collect();
    assert_eq!(h264.len(), 6);
    for profile in ["42001f", "42e01f", "4d001f"] {
        for mode in ["0", "1"] {
            assert!(h264.contains(&(profile.to_owned(), mode.to_owned())));
        }
    }
    let rates: Vec<u32> = offer.media[0]
        .formats
        .iter()
        .filter_map(|f| f.encoding())
        .filter(|e| e.is("telephone-event"))
        .map(|e| e.clock_rate)
        .collect();
    assert_eq!(rates, [48000, 8000]);
}

#[test]
fn real_baresip_reuses_payload_types_across_m_lines() {
    let Some(offer) = real("baresip-av-srtp-sdes-savp.invite.sip") else {
        return;
    };
    let audio_96 = offer.media[0]
        .format(PayloadType(96))
        .and_then(Format::encoding);
    let video_96 = offer.media[1]
        .format(PayloadType(96))
        .and_then(Format::encoding);
    assert!(audio_96.is_some_and(|e| e.is("opus")));
    assert!(video_96.is_some_and(|e| e.is("VP8")));
    let video_101 = offer.media[1]
        .format(PayloadType(101))
        .and_then(Format::encoding);
    assert!(video_101.is_some_and(|e| e.is("H265")));
}

#[test]
fn real_linphone_g729_has_fmtp_without_rtpmap_and_avpf_attributes_on_savp() {
    let Some(offer) = real("linphone-av-srtp-sdes.invite.sip") else {
        return;
    };
    let audio = &offer.media[0];
    let g729 = audio.format(PayloadType(18)).expect("PT 18");
    assert!(g729.rtpmap.is_none());
    assert_eq!(g729.param("annexb"), Some("yes"));
    assert!(g729.encoding().is_some_and(|e| e.is("G729")));
    assert!(!audio.protocol.has_feedback());
    assert_eq!(audio.rtcp_fb_all, ["trr-int 5000", "ccm tmmbr"]);
    assert_eq!(audio.crypto.len(), 4);
    assert_eq!(audio.crypto[3].suite, CryptoSuite::Aes256CmHmacSha1_32);
}

#[test]
fn missing_time_line_reads_as_t_0_0_and_round_trips() {
    // Found by the sdp_parse fuzz target.
    let text = b"v=0\r\no=a 1 2 IN IP4 192.0.2.1\r\ns=-\r\na=sendonly\r\n";
    let description = tolk_sdp::parse(text).expect("parses");
    assert_eq!(description.times, [(0, 0)]);
    assert_eq!(tolk_sdp::parse(&description.to_bytes()), Ok(description));
}
