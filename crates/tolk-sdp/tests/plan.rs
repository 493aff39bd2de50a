//! Media plans for bridging a WebRTC leg to a SIP leg.

mod support;

use proptest::prelude::*;
use support::{answer_with, parse_vector};
use tolk_sdp::model::{MediaKind, PayloadType, RtpMap};
use tolk_sdp::negotiate::Negotiation;
use tolk_sdp::plan::{CodecPlan, EventPlan, Leg, PtRewrite, RtxPlan, plan};

fn webrtc_leg() -> Negotiation {
    answer_with(&parse_vector("webrtc-av-offer.sdp"), "webrtc")
        .expect("acceptable")
        .negotiation
}

fn sip_leg() -> Negotiation {
    answer_with(&parse_vector("room-system-sdes.invite.sip"), "sip-video")
        .expect("acceptable")
        .negotiation
}

fn same_kind(a: &RtpMap, b: &RtpMap) -> bool {
    (a.clock_rate == 90000) == (b.clock_rate == 90000)
}

fn rw(from: u8, to: u8) -> PtRewrite {
    PtRewrite {
        from: PayloadType(from),
        to: PayloadType(to),
    }
}

#[test]
fn webrtc_to_room_system_audio() {
    let plan = plan(&webrtc_leg(), &sip_leg(), same_kind);
    assert!(plan.unpaired.is_empty());
    let audio = &plan.lines[0];
    assert_eq!(
        (audio.kind.clone(), audio.a_index, audio.b_index),
        (MediaKind::Audio, 0, 0)
    );
    assert!(audio.a_to_b && audio.b_to_a);
    // G.711 passes through; Opus (A only) and G.722 (B only) are transcoded
    // into each other.
    assert!(
        matches!(&audio.codecs[0], CodecPlan::Passthrough { encoding, a_to_b, b_to_a }
        if encoding.is("PCMU") && *a_to_b == rw(0, 0) && *b_to_a == rw(0, 0))
    );
    assert!(
        matches!(&audio.codecs[1], CodecPlan::Passthrough { encoding, .. } if encoding.is("PCMA"))
    );
    assert!(matches!(&audio.codecs[2], CodecPlan::Transcode { a, b }
        if a.encoding.is("opus") && b.encoding.is("G722") && a.recv_pt == PayloadType(111)));
    assert_eq!(audio.codecs.len(), 3);
    // 8 kHz events on both legs under different payload types.
    assert_eq!(
        audio.telephone_event,
        EventPlan::Passthrough {
            clock_rate: 8000,
            a_to_b: rw(126, 101),
            b_to_a: rw(101, 126),
        }
    );
}

#[test]
fn webrtc_to_room_system_video() {
    let plan = plan(&webrtc_leg(), &sip_leg(), same_kind);
    let video = &plan.lines[1];
    // H.264 CB pm1: WebRTC PT 106, room system PT 98.
    assert!(
        matches!(&video.codecs[0], CodecPlan::Passthrough { encoding, a_to_b, b_to_a }
        if encoding.is("H264") && *a_to_b == rw(106, 98) && *b_to_a == rw(98, 106))
    );
    // VP8 is transcoded to the room system's first codec (H.264 pm1 is
    // taken by passthrough, so whichever comes first in its list).
    assert!(
        video
            .codecs
            .iter()
            .any(|c| matches!(c, CodecPlan::Transcode { a, .. } if a.encoding.is("VP8")))
    );
    // rtx exists only on the WebRTC leg.
    assert!(video.rtx.contains(&RtxPlan::Unsupported {
        leg: Leg::A,
        recv_pt: PayloadType(107)
    }));
    assert!(video.rtx.contains(&RtxPlan::Unsupported {
        leg: Leg::A,
        recv_pt: PayloadType(97)
    }));
    assert_eq!(video.telephone_event, EventPlan::None);
}

#[test]
fn without_transcoding_leftovers_are_unsupported() {
    let plan = plan(&webrtc_leg(), &sip_leg(), |_, _| false);
    let audio = &plan.lines[0];
    assert!(audio.codecs.contains(&CodecPlan::Unsupported {
        leg: Leg::A,
        codec: tolk_sdp::plan::LegCodec {
            encoding: RtpMap {
                encoding: "opus".into(),
                clock_rate: 48000,
                channels: Some(2)
            },
            fmtp: Some(tolk_sdp::model::Fmtp("minptime=10;useinbandfec=1".into())),
            send_pt: PayloadType(111),
            recv_pt: PayloadType(111),
        },
    }));
    assert!(audio.codecs.iter().any(
        |c| matches!(c, CodecPlan::Unsupported { leg: Leg::B, codec } if codec.encoding.is("G722"))
    ));
}

#[test]
fn same_offer_on_both_legs_is_all_passthrough_with_rtx() {
    let leg = webrtc_leg();
    let plan = plan(&leg, &leg, |_, _| false);
    for line in &plan.lines {
        assert!(
            line.codecs
                .iter()
                .all(|c| matches!(c, CodecPlan::Passthrough { .. }))
        );
        assert!(
            line.rtx
                .iter()
                .all(|r| matches!(r, RtxPlan::Passthrough { .. }))
        );
    }
    assert_eq!(plan.lines[1].rtx.len(), 2);
}

#[test]
fn events_at_different_rates_are_retimed_and_one_sided_events_unsupported() {
    let offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
        m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/16000\r\n";
    let wideband = tolk_sdp::parse(offer.as_bytes()).expect("offer");
    // PCMU at 8 kHz cannot carry 16 kHz events: rejected, so leg A has none.
    let a = answer_with(&wideband, "sip-audio")
        .expect("acceptable")
        .negotiation;
    let b = sip_leg();
    let plan = plan(&a, &b, same_kind);
    assert!(matches!(
        plan.lines[0].telephone_event,
        EventPlan::Unsupported { leg: Leg::B, .. }
    ));
    // The room system's video line has no partner on the audio-only leg.
    assert_eq!(plan.unpaired, [(Leg::B, 1)]);
}

#[test]
fn held_leg_stops_the_flow_one_way() {
    let held = answer_with(&parse_vector("hold-sendonly.sdp"), "sip-audio")
        .expect("acceptable")
        .negotiation;
    let plan = plan(&held, &sip_leg(), same_kind);
    // Leg A holds (sendonly): A's media still reaches B, nothing goes back.
    assert!(plan.lines[0].a_to_b);
    assert!(!plan.lines[0].b_to_a);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Every codec of each leg appears in the plan exactly as passthrough,
    /// transcode or unsupported.
    #[test]
    fn every_codec_is_planned(a in support::offers::offer(), b in support::offers::offer()) {
        let (Ok(a), Ok(b)) = (answer_with(&a, "sip-video"), answer_with(&b, "webrtc")) else {
            return Ok(());
        };
        let plan = plan(&a.negotiation, &b.negotiation, same_kind);
        for line in &plan.lines {
            let a_codecs = &a.negotiation.accepted().find(|(i, _)| *i == line.a_index).map(|(_, m)| m.codecs.clone()).unwrap_or_default();
            let b_codecs = &b.negotiation.accepted().find(|(i, _)| *i == line.b_index).map(|(_, m)| m.codecs.clone()).unwrap_or_default();
            for codec in a_codecs {
                let planned = line.codecs.iter().any(|entry| match entry {
                    CodecPlan::Passthrough { a_to_b, .. } => a_to_b.from == codec.recv_pt,
                    CodecPlan::Transcode { a, .. } => a.recv_pt == codec.recv_pt,
                    CodecPlan::Unsupported { leg, codec: c } => *leg == Leg::A && c.recv_pt == codec.recv_pt,
                });
                prop_assert!(planned, "A codec {} unplanned", codec.encoding);
            }
            for codec in b_codecs {
                let planned = line.codecs.iter().any(|entry| match entry {
                    CodecPlan::Passthrough { b_to_a, .. } => b_to_a.from == codec.recv_pt,
                    CodecPlan::Transcode { b, .. } => b.recv_pt == codec.recv_pt,
                    CodecPlan::Unsupported { leg, codec: c } => *leg == Leg::B && c.recv_pt == codec.recv_pt,
                });
                prop_assert!(planned, "B codec {} unplanned", codec.encoding);
            }
        }
        let accepted = a.negotiation.accepted().count() + b.negotiation.accepted().count();
        prop_assert_eq!(plan.lines.len() * 2 + plan.unpaired.len(), accepted);
    }
}
