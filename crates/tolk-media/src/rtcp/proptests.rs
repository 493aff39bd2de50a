//! Build -> parse round trips over every packet type.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn block() -> impl Strategy<Value = ReportBlock> {
    (
        any::<(u32, u8, u32, u32, u32, u32)>(),
        CUMULATIVE_LOST_RANGE,
    )
        .prop_map(
            |((ssrc, fraction_lost, hs, jitter, lsr, dlsr), lost)| ReportBlock {
                ssrc,
                fraction_lost,
                cumulative_lost: lost,
                highest_sequence: hs,
                jitter,
                last_sender_report: lsr,
                delay_since_last_sender_report: dlsr,
            },
        )
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

/// Up to `max` octets in whole 32-bit words, as RTCP bodies must be.
fn words(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<[u8; 4]>(), 0..=max / 4).prop_map(|w| w.concat())
}

fn opaque_feedback(fmt: impl Strategy<Value = u8>) -> impl Strategy<Value = OpaqueFeedback> {
    (fmt, any::<u32>(), any::<u32>(), words(40)).prop_map(|(fmt, sender_ssrc, media_ssrc, fci)| {
        OpaqueFeedback {
            fmt,
            sender_ssrc,
            media_ssrc,
            fci,
        }
    })
}

fn packet() -> impl Strategy<Value = RtcpPacket> {
    let sr = (
        any::<(u32, u64, u32, u32, u32)>(),
        vec(block(), 0..4),
        words(12),
    )
        .prop_map(
            |((ssrc, ntp_time, rtp_time, packet_count, octet_count), reports, extension)| {
                RtcpPacket::SenderReport(SenderReport {
                    ssrc,
                    ntp_time,
                    rtp_time,
                    packet_count,
                    octet_count,
                    reports,
                    extension,
                })
            },
        );
    let rr =
        (any::<u32>(), vec(block(), 0..=31), words(12)).prop_map(|(ssrc, reports, extension)| {
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc,
                reports,
                extension,
            })
        });
    let item = (1u8..=255, bytes(255)).prop_map(|(kind, value)| SdesItem { kind, value });
    let chunk = (any::<u32>(), vec(item, 0..4)).prop_map(|(ssrc, items)| SdesChunk { ssrc, items });
    let sdes = vec(chunk, 0..=31)
        .prop_map(|chunks| RtcpPacket::SourceDescription(SourceDescription { chunks }));
    let bye = (vec(any::<u32>(), 0..=31), bytes(255))
        .prop_map(|(sources, reason)| RtcpPacket::Goodbye(Goodbye { sources, reason }));
    let app = (0u8..=31, any::<u32>(), any::<[u8; 4]>(), words(28)).prop_map(
        |(subtype, ssrc, name, data)| {
            RtcpPacket::App(App {
                subtype,
                ssrc,
                name,
                data,
            })
        },
    );
    let nack = (any::<u32>(), any::<u32>(), vec(any::<(u16, u16)>(), 0..10)).prop_map(
        |(sender_ssrc, media_ssrc, raw)| {
            let pairs = raw
                .into_iter()
                .map(|(packet_id, lost_bitmask)| NackPair {
                    packet_id,
                    lost_bitmask,
                })
                .collect();
            RtcpPacket::TransportFeedback(TransportFeedback::Nack {
                sender_ssrc,
                media_ssrc,
                pairs,
            })
        },
    );
    let other_rtpfb = opaque_feedback((2u8..=31).prop_union(0u8..=0))
        .prop_map(|o| RtcpPacket::TransportFeedback(TransportFeedback::Other(o)));
    let pli = any::<(u32, u32)>().prop_map(|(s, m)| keyframe::pli(s, m));
    let fir = (any::<u32>(), vec(any::<(u32, u8)>(), 0..5)).prop_map(|(sender_ssrc, raw)| {
        let entries = raw
            .into_iter()
            .map(|(ssrc, sequence)| FirEntry { ssrc, sequence })
            .collect();
        RtcpPacket::PayloadFeedback(PayloadFeedback::Fir {
            sender_ssrc,
            entries,
        })
    });
    let remb = (opaque_feedback(Just(FMT_AFB)), words(8)).prop_map(|(mut o, tail)| {
        o.fci = [b"REMB".as_slice(), &tail].concat();
        RtcpPacket::PayloadFeedback(PayloadFeedback::Remb(o))
    });
    let other_psfb = opaque_feedback(prop_oneof![Just(0u8), 2u8..=3, 5u8..=14, 16u8..=31])
        .prop_map(|o| RtcpPacket::PayloadFeedback(PayloadFeedback::Other(o)));
    let xr = (0u8..=31, words(40)).prop_map(|(count, body)| {
        RtcpPacket::ExtendedReport(OpaquePacket {
            packet_type: XR,
            count,
            body,
        })
    });
    let unknown = (prop_oneof![192u8..=199, 208u8..=223], 0u8..=31, words(40)).prop_map(
        |(packet_type, count, body)| {
            RtcpPacket::Unknown(OpaquePacket {
                packet_type,
                count,
                body,
            })
        },
    );
    prop_oneof![
        sr,
        rr,
        sdes,
        bye,
        app,
        nack,
        other_rtpfb,
        pli,
        fir,
        remb,
        other_psfb,
        xr,
        unknown
    ]
}

proptest! {
    #[test]
    fn compound_build_then_parse_round_trips(packets in vec(packet(), 1..5)) {
        let bytes = encode_compound(&packets).unwrap();
        prop_assert_eq!(bytes.len() % 4, 0);
        prop_assert!(crate::demux::is_rtcp(&bytes));
        let parsed = parse_compound(&bytes).unwrap();
        prop_assert_eq!(parsed, packets);
    }

    #[test]
    fn parse_never_panics(bytes in vec(any::<u8>(), 0..300)) {
        let _ = parse_compound(&bytes);
    }

    #[test]
    fn parse_survives_mutation(packets in vec(packet(), 1..3), flip in any::<(usize, u8)>()) {
        let mut bytes = encode_compound(&packets).unwrap();
        let at = flip.0 % bytes.len();
        bytes[at] ^= flip.1;
        let _ = parse_compound(&bytes);
    }
}
