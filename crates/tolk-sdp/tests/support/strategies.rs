//! Proptest strategies that generate session descriptions in the form the
//! printer writes (canonical tokens, no line breaks).

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use tolk_sdp::model::*;

fn token() -> impl Strategy<Value = Text> {
    "[a-zA-Z0-9][a-zA-Z0-9+_.-]{0,8}".prop_map(Text::from)
}

fn text() -> impl Strategy<Value = Text> {
    "[a-zA-Z0-9][ a-zA-Z0-9+/_.:;=-]{0,16}".prop_map(Text::from)
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|ip| Address::ip(std::net::Ipv4Addr::from(ip).into())),
        any::<[u16; 8]>().prop_map(|ip| Address::ip(std::net::Ipv6Addr::from(ip).into())),
        Just(Address::ip(std::net::Ipv4Addr::UNSPECIFIED.into())),
    ]
}

pub fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![
        Just(Direction::SendRecv),
        Just(Direction::SendOnly),
        Just(Direction::RecvOnly),
        Just(Direction::Inactive),
    ]
}

pub fn setup() -> impl Strategy<Value = Setup> {
    prop_oneof![
        Just(Setup::Active),
        Just(Setup::Passive),
        Just(Setup::ActPass),
        Just(Setup::HoldConn),
    ]
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    (
        prop_oneof![Just("AS"), Just("TIAS"), Just("CT")],
        0u64..10_000_000,
    )
        .prop_map(|(kind, value)| Bandwidth {
            kind: Text::from_static(kind),
            value,
        })
}

pub fn fingerprint() -> impl Strategy<Value = Fingerprint> {
    (
        prop_oneof![Just("sha-256"), Just("SHA-256"), Just("sha-1")],
        vec(any::<u8>(), 1..32),
    )
        .prop_map(|(hash, bytes)| Fingerprint {
            hash: Text::from_static(hash),
            value: bytes
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":")
                .into(),
        })
}

fn extmap() -> impl Strategy<Value = ExtMap> {
    (
        1u16..255,
        option::of(direction()),
        token(),
        option::of(token()),
    )
        .prop_map(|(id, direction, uri, attributes)| ExtMap {
            id,
            direction,
            uri,
            attributes,
        })
}

fn ice() -> impl Strategy<Value = IceParams> {
    (option::of(token()), option::of(token()), vec(token(), 0..3)).prop_map(
        |(ufrag, pwd, options)| IceParams {
            ufrag,
            pwd,
            options,
        },
    )
}

/// Attributes no level reads as typed.
fn unknown_attribute() -> impl Strategy<Value = Attribute> {
    (
        prop_oneof![
            Just("x-custom"),
            Just("label"),
            Just("content"),
            Just("rid"),
            Just("simulcast"),
            Just("rtcp-xr"),
            Just("msid-semantic"),
        ],
        option::of(text()),
    )
        .prop_map(|(name, value)| Attribute {
            name: Text::from_static(name),
            value,
        })
}

pub fn crypto() -> impl Strategy<Value = Crypto> {
    (
        any::<u32>(),
        prop_oneof![
            Just(CryptoSuite::AesCm128HmacSha1_80),
            Just(CryptoSuite::AesCm128HmacSha1_32),
            Just(CryptoSuite::Aes256CmHmacSha1_80),
            Just(CryptoSuite::AeadAes128Gcm),
            Just(CryptoSuite::Other(Text::from_static("F8_128_HMAC_SHA1_80"))),
        ],
        vec("inline:[a-zA-Z0-9+/]{8,40}(\\|2\\^31)?", 1..3),
        vec(prop_oneof![Just("UNENCRYPTED_SRTCP"), Just("KDR=1")], 0..2),
    )
        .prop_map(|(tag, suite, keys, params)| Crypto {
            tag,
            suite,
            keys: keys.into_iter().map(Text::from).collect(),
            session_params: params.into_iter().map(Text::from_static).collect(),
        })
}

fn candidate() -> impl Strategy<Value = Candidate> {
    (
        token(),
        1u16..3,
        prop_oneof![Just("udp"), Just("tcp")],
        any::<u32>(),
        address(),
        any::<u16>(),
        prop_oneof![Just("host"), Just("srflx"), Just("relay")],
        vec(token(), 0..4),
    )
        .prop_map(
            |(foundation, component, transport, priority, address, port, kind, extensions)| {
                Candidate {
                    foundation,
                    component,
                    transport: Text::from_static(transport),
                    priority,
                    address: address.address,
                    port,
                    kind: Text::from_static(kind),
                    extensions,
                }
            },
        )
}

fn formats() -> impl Strategy<Value = Vec<Format>> {
    vec(
        (
            0u8..=127,
            option::of((
                "[a-zA-Z][a-zA-Z0-9-]{0,8}",
                1u32..200_000,
                option::of(1u16..9),
            )),
            option::of(text()),
            vec("[a-z]{1,6}( [a-z]{1,4})?", 0..3),
        ),
        1..6,
    )
    .prop_map(|formats| {
        let mut seen = std::collections::HashSet::new();
        formats
            .into_iter()
            .filter(|(pt, ..)| seen.insert(*pt))
            .map(|(pt, rtpmap, fmtp, rtcp_fb)| Format {
                pt: PayloadType(pt),
                rtpmap: rtpmap.map(|(encoding, clock_rate, channels)| RtpMap {
                    encoding: encoding.into(),
                    clock_rate,
                    channels,
                }),
                fmtp: fmtp.map(Fmtp),
                rtcp_fb: rtcp_fb.into_iter().map(Text::from).collect(),
            })
            .collect()
    })
}

/// The RTP profiles, plus (when `with_data`) the data channel one.
pub fn protocol(with_data: bool) -> impl Strategy<Value = TransportProtocol> {
    let mut protocols = vec![
        TransportProtocol::RtpAvp,
        TransportProtocol::RtpAvpf,
        TransportProtocol::RtpSavp,
        TransportProtocol::RtpSavpf,
        TransportProtocol::UdpTlsRtpSavp,
        TransportProtocol::UdpTlsRtpSavpf,
    ];
    if with_data {
        protocols.push(TransportProtocol::UdpDtlsSctp);
    }
    proptest::sample::select(protocols)
}

fn rtp_protocol() -> impl Strategy<Value = TransportProtocol> {
    protocol(false)
}

fn rtcp() -> impl Strategy<Value = Rtcp> {
    (any::<u16>(), option::of(address())).prop_map(|(port, address)| Rtcp { port, address })
}

fn msid() -> impl Strategy<Value = Msid> {
    (token(), option::of(token())).prop_map(|(stream, track)| Msid { stream, track })
}

fn ssrc_group() -> impl Strategy<Value = SsrcGroup> {
    ("[A-Z]{2,4}", vec(any::<u32>(), 0..3)).prop_map(|(semantics, ssrcs)| SsrcGroup {
        semantics: semantics.into(),
        ssrcs,
    })
}

fn ssrc() -> impl Strategy<Value = Ssrc> {
    (any::<u32>(), "[a-z]{1,6}", option::of(text())).prop_map(|(ssrc, attribute, value)| Ssrc {
        ssrc,
        attribute: attribute.into(),
        value,
    })
}

fn group() -> impl Strategy<Value = Group> {
    (prop_oneof![Just("BUNDLE"), Just("LS")], vec(token(), 0..3)).prop_map(|(semantics, mids)| {
        Group {
            semantics: Text::from_static(semantics),
            mids,
        }
    })
}

fn media() -> impl Strategy<Value = MediaDescription> {
    let head = (
        prop_oneof![
            Just(MediaKind::Audio),
            Just(MediaKind::Video),
            Just(MediaKind::Text)
        ],
        any::<u16>(),
        option::of(1u16..4),
        rtp_protocol(),
        formats(),
        option::of(token()),
        option::of(address()),
        vec(bandwidth(), 0..2),
    );
    let transport = (
        option::of(rtcp()),
        ice(),
        vec(candidate(), 0..3),
        any::<bool>(),
        vec(fingerprint(), 0..2),
        option::of(setup()),
        option::of(token()),
        vec(extmap(), 0..3),
    );
    let rtp = (
        option::of(direction()),
        vec(msid(), 0..2),
        any::<(bool, bool)>(),
        vec(crypto(), 0..3),
        vec("[a-z]{1,6}( [a-z]{1,4})?", 0..2),
        option::of(1u32..200),
        option::of(1u32..200),
    );
    let sources = (
        vec(ssrc_group(), 0..2),
        vec(ssrc(), 0..3),
        vec(unknown_attribute(), 0..4),
    );
    (head, transport, rtp, sources).prop_map(
        |(
            (kind, port, port_count, protocol, formats, title, connection, bandwidths),
            (rtcp, ice, candidates, end_of_candidates, fingerprints, setup, mid, extmaps),
            (direction, msids, (rtcp_mux, rtcp_rsize), crypto, rtcp_fb_all, ptime, maxptime),
            (ssrc_groups, ssrcs, other),
        )| {
            let mut media = MediaDescription::new(kind, port, protocol);
            media.port_count = port_count;
            media.formats = formats;
            media.title = title;
            media.connection = connection;
            media.bandwidths = bandwidths;
            media.rtcp = rtcp;
            media.ice = ice;
            media.candidates = candidates;
            media.end_of_candidates = end_of_candidates;
            media.fingerprints = fingerprints;
            media.setup = setup;
            media.mid = mid;
            media.extmaps = extmaps;
            media.direction = direction;
            media.msids = msids;
            media.rtcp_mux = rtcp_mux;
            media.rtcp_rsize = rtcp_rsize;
            media.crypto = crypto;
            media.rtcp_fb_all = rtcp_fb_all.into_iter().map(Text::from).collect();
            media.ptime = ptime;
            media.maxptime = maxptime;
            media.ssrc_groups = ssrc_groups;
            media.ssrcs = ssrcs;
            media.other = other;
            media
        },
    )
}

/// A generated session description.
pub fn session() -> impl Strategy<Value = SessionDescription> {
    let head = (
        token(),
        "[0-9]{1,19}",
        any::<u64>(),
        address(),
        prop_oneof![Just(Text::from_static("-")), token()],
        option::of(text()),
        option::of(address()),
        vec(bandwidth(), 0..2),
        vec((any::<u64>(), any::<u64>()), 1..3),
    );
    let attributes = (
        vec(group(), 0..2),
        any::<bool>(),
        ice(),
        vec(fingerprint(), 0..2),
        option::of(setup()),
        option::of(direction()),
        vec(extmap(), 0..2),
        vec(unknown_attribute(), 0..3),
    );
    (head, attributes, vec(media(), 0..4)).prop_map(
        |(
            (user, id, version, origin, name, information, connection, bandwidths, times),
            (groups, ice_lite, ice, fingerprints, setup, direction, extmaps, other),
            media,
        )| {
            let mut session = SessionDescription::new(Origin {
                username: user,
                session_id: id.into(),
                session_version: version,
                address: origin,
            });
            session.session_name = name;
            session.information = information;
            session.connection = connection;
            session.bandwidths = bandwidths;
            session.times = times;
            session.groups = groups;
            session.ice_lite = ice_lite;
            session.ice = ice;
            session.fingerprints = fingerprints;
            session.setup = setup;
            session.direction = direction;
            session.extmaps = extmaps;
            session.other = other;
            session.media = media;
            session
        },
    )
}
