//! Proptest strategies for offers shaped like what real endpoints send:
//! codecs from a pool of real ones, random payload types, profiles,
//! directions, keying and hold.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use tolk_sdp::model::*;

use super::strategies::{crypto, direction, fingerprint, protocol, setup};

/// (encoding, clock rate, channels, fmtp) of audio formats real offers carry.
const AUDIO_POOL: &[(&str, u32, Option<u16>, Option<&str>)] = &[
    ("opus", 48000, Some(2), Some("minptime=10;useinbandfec=1")),
    ("PCMU", 8000, None, None),
    ("PCMA", 8000, None, None),
    ("G722", 8000, None, None),
    ("G729", 8000, None, Some("annexb=no")),
    ("telephone-event", 8000, None, Some("0-15")),
    ("telephone-event", 48000, None, None),
    ("speex", 16000, None, None),
    ("CN", 8000, None, None),
];

const VIDEO_POOL: &[(&str, Option<&str>)] = &[
    ("VP8", None),
    ("VP9", Some("profile-id=0")),
    ("VP9", Some("profile-id=2")),
    ("H264", Some("packetization-mode=1;profile-level-id=42e01f")),
    (
        "H264",
        Some("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"),
    ),
    ("H264", Some("packetization-mode=0;profile-level-id=42e01f")),
    ("H264", Some("packetization-mode=1;profile-level-id=42001f")),
    ("H264", Some("packetization-mode=1;profile-level-id=4d0032")),
    ("H264", Some("profile-level-id=42e00d")),
    ("H264", None),
    ("AV1", None),
    ("red", None),
    ("ulpfec", None),
];

fn offered_line(index: usize) -> impl Strategy<Value = MediaDescription> {
    let protocols = protocol(true);
    (
        prop_oneof![4 => Just(MediaKind::Audio), 4 => Just(MediaKind::Video), 1 => Just(MediaKind::Application)],
        prop_oneof![1 => Just(0u16), 9 => 1024u16..65000],
        protocols,
        vec((any::<prop::sample::Index>(), 96u8..128), 1..7),
        vec(any::<prop::sample::Index>(), 0..3),
        option::of(direction()),
        vec(crypto(), 0..3),
        option::of(fingerprint()),
        option::of(setup()),
        any::<(bool, bool)>(),
    )
        .prop_map(
            move |(kind, port, protocol, picks, rtx, direction, crypto, fingerprint, setup, (mux, with_mid))| {
                let mut media = MediaDescription::new(kind.clone(), port, protocol.clone());
                if !protocol.is_rtp() {
                    media.other_formats = vec!["webrtc-datachannel".into()];
                    return media;
                }
                let mut next_static = [0u8, 8, 9, 18].into_iter();
                for (pick, pt) in picks {
                    let format = match kind {
                        MediaKind::Video => {
                            let (name, fmtp) = VIDEO_POOL[pick.index(VIDEO_POOL.len())];
                            let mut format = Format::new(PayloadType(pt), RtpMap::new(name, 90000));
                            format.fmtp = fmtp.map(|f| Fmtp(f.into()));
                            format.rtcp_fb = vec!["nack".into(), "nack pli".into()];
                            format
                        }
                        _ => {
                            let (name, rate, channels, fmtp) = AUDIO_POOL[pick.index(AUDIO_POOL.len())];
                            // G.711 and G.722 sometimes come as static types without rtpmap.
                            let static_pt = match name {
                                "PCMU" => Some(0),
                                "PCMA" => Some(8),
                                _ => None,
                            };
                            let mut format = match static_pt {
                                Some(spt) if next_static.any(|s| s == spt) => Format {
                                    pt: PayloadType(spt),
                                    rtpmap: None,
                                    fmtp: None,
                                    rtcp_fb: Vec::new(),
                                },
                                _ => Format::new(PayloadType(pt), RtpMap { encoding: name.into(), clock_rate: rate, channels }),
                            };
                            format.fmtp = format.fmtp.or(fmtp.map(|f| Fmtp(f.into())));
                            format
                        }
                    };
                    if media.format(format.pt).is_none() {
                        media.formats.push(format);
                    }
                }
                for pick in rtx {
                    let Some(target) = media.formats.get(pick.index(media.formats.len())).map(|f| f.pt) else { continue };
                    let Some(pt) = (35u8..64).find(|pt| media.format(PayloadType(*pt)).is_none()) else { continue };
                    let mut format = Format::new(PayloadType(pt), RtpMap::new("rtx", 90000));
                    format.fmtp = Some(Fmtp(format!("apt={target}").into()));
                    media.formats.push(format);
                }
                media.direction = direction;
                media.crypto = crypto;
                media.fingerprints = fingerprint.into_iter().collect();
                media.setup = setup;
                media.rtcp_mux = mux;
                if with_mid {
                    media.mid = Some(index.to_string().into());
                }
                media
            },
        )
}

/// A generated offer shaped like what real endpoints send.
pub fn offer() -> impl Strategy<Value = SessionDescription> {
    (
        vec(any::<u8>(), 1..4).prop_flat_map(|lines| {
            lines
                .iter()
                .enumerate()
                .map(|(index, _)| offered_line(index))
                .collect::<Vec<_>>()
        }),
        prop_oneof![
            6 => Just(Address::ip(std::net::Ipv4Addr::new(198, 51, 100, 7).into())),
            1 => Just(Address::ip(std::net::Ipv4Addr::UNSPECIFIED.into())),
            1 => Just(Address::ip("2001:db8::7".parse::<std::net::IpAddr>().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into()))),
        ],
        any::<(bool, bool)>(),
    )
        .prop_map(|(media, connection, (bundle, ice))| {
            let mut offer = SessionDescription::new(Origin {
                username: "-".into(),
                session_id: "1".into(),
                session_version: 1,
                address: connection.clone(),
            });
            offer.connection = Some(connection);
            if bundle {
                offer.groups.push(Group {
                    semantics: "BUNDLE".into(),
                    mids: media.iter().filter_map(|m| m.mid.clone()).collect(),
                });
            }
            if ice {
                offer.ice.ufrag = Some("abcd".into());
                offer.ice.pwd = Some("abcdefghijklmnopqrstuv".into());
            }
            offer.media = media;
            offer
        })
}
