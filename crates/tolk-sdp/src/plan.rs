//! Media plans: how media crosses a bridge between two negotiated legs.
//!
//! For each pair of accepted m-lines of the same media type (the n-th
//! audio line of leg A with the n-th audio line of leg B), every codec is
//! either passed through with a payload-type rewrite in each direction,
//! transcoded to a codec of the other leg, or unsupported (its packets
//! have nowhere to go); telephone-event and rtx likewise. The relay and
//! the transcoding hooks consume this.

use crate::codec;
use crate::model::{Fmtp, MediaKind, PayloadType, RtpMap, Text};
use crate::negotiate::{AcceptedMedia, NegotiatedCodec, Negotiation};

/// One side of the bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    /// Leg A (usually the calling side).
    A,
    /// Leg B.
    B,
}

/// The plan for a whole bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPlan {
    /// Paired m-lines.
    pub lines: Vec<LinePlan>,
    /// Accepted m-lines with no counterpart on the other leg.
    pub unpaired: Vec<(Leg, usize)>,
}

/// The plan for one pair of m-lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePlan {
    /// The media type.
    pub kind: MediaKind,
    /// The m-line index on leg A.
    pub a_index: usize,
    /// The m-line index on leg B.
    pub b_index: usize,
    /// Whether media flows from A to B (A sends to us, we send to B).
    pub a_to_b: bool,
    /// Whether media flows from B to A.
    pub b_to_a: bool,
    /// One entry per codec of either leg.
    pub codecs: Vec<CodecPlan>,
    /// DTMF events.
    pub telephone_event: EventPlan,
    /// Retransmission streams.
    pub rtx: Vec<RtxPlan>,
}

/// A payload-type rewrite for one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtRewrite {
    /// The payload type packets arrive with.
    pub from: PayloadType,
    /// The payload type they leave with.
    pub to: PayloadType,
}

/// A codec as one leg negotiated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegCodec {
    /// Encoding, clock rate, channels.
    pub encoding: RtpMap,
    /// Its parameters.
    pub fmtp: Option<Fmtp>,
    /// The payload type we send with on that leg.
    pub send_pt: PayloadType,
    /// The payload type we receive with on that leg.
    pub recv_pt: PayloadType,
}

impl From<&NegotiatedCodec> for LegCodec {
    fn from(codec: &NegotiatedCodec) -> Self {
        LegCodec {
            encoding: codec.encoding.clone(),
            fmtp: codec.fmtp.clone(),
            send_pt: codec.send_pt,
            recv_pt: codec.recv_pt,
        }
    }
}

/// What happens to one codec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecPlan {
    /// Both legs have it: forward with a payload-type rewrite.
    Passthrough {
        /// The codec.
        encoding: RtpMap,
        /// A's packets to B.
        a_to_b: PtRewrite,
        /// B's packets to A.
        b_to_a: PtRewrite,
    },
    /// Decode on one leg, encode on the other, both ways.
    Transcode {
        /// The codec on leg A.
        a: LegCodec,
        /// The codec on leg B.
        b: LegCodec,
    },
    /// Only `leg` has it and nothing converts it: its packets are dropped.
    Unsupported {
        /// The leg that has it.
        leg: Leg,
        /// The codec.
        codec: LegCodec,
    },
}

/// What happens to telephone-event (RFC 4733).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPlan {
    /// Neither leg negotiated events.
    None,
    /// Same clock rate on both legs: forward with a rewrite.
    Passthrough {
        /// The clock rate.
        clock_rate: u32,
        /// A's events to B.
        a_to_b: PtRewrite,
        /// B's events to A.
        b_to_a: PtRewrite,
    },
    /// Different clock rates: events are regenerated with new timestamps.
    Retime {
        /// The events on leg A.
        a: LegCodec,
        /// The events on leg B.
        b: LegCodec,
    },
    /// Only `leg` has events; the bridge must carry DTMF another way.
    Unsupported {
        /// The leg that has them.
        leg: Leg,
        /// Its event format.
        codec: LegCodec,
    },
}

/// What happens to an rtx stream (RFC 4588).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtxPlan {
    /// Both legs retransmit the passthrough codec: forward with rewrites.
    Passthrough {
        /// A's rtx packets to B.
        a_to_b: PtRewrite,
        /// B's rtx packets to A.
        b_to_a: PtRewrite,
    },
    /// Only `leg` has rtx for this codec: the relay answers its NACKs or
    /// drops them, and nothing is forwarded.
    Unsupported {
        /// The leg with rtx.
        leg: Leg,
        /// The rtx payload type we receive on that leg.
        recv_pt: PayloadType,
    },
}

/// Plans the bridge between two negotiated legs. `can_transcode(a, b)`
/// says whether the transcoding hooks convert between a codec of leg A
/// and one of leg B.
pub fn plan(
    a: &Negotiation,
    b: &Negotiation,
    can_transcode: impl Fn(&RtpMap, &RtpMap) -> bool,
) -> MediaPlan {
    let a_lines: Vec<(usize, &AcceptedMedia)> = a.accepted().collect();
    let b_lines: Vec<(usize, &AcceptedMedia)> = b.accepted().collect();
    let kind_of = |negotiation: &Negotiation, index: usize| {
        negotiation
            .media
            .get(index)
            .map(|media| media.kind.clone())
            .unwrap_or(MediaKind::Other(Text::default()))
    };
    let mut used_b = vec![false; b_lines.len()];
    let mut result = MediaPlan {
        lines: Vec::new(),
        unpaired: Vec::new(),
    };
    for &(a_index, a_media) in &a_lines {
        let kind = kind_of(a, a_index);
        let partner = b_lines
            .iter()
            .enumerate()
            .find(|(slot, (b_index, _))| {
                !used_b.get(*slot).copied().unwrap_or(true) && kind_of(b, *b_index) == kind
            })
            .map(|(slot, line)| (slot, *line));
        match partner {
            Some((slot, (b_index, b_media))) => {
                if let Some(used) = used_b.get_mut(slot) {
                    *used = true;
                }
                result.lines.push(line_plan(
                    kind,
                    (a_index, a_media),
                    (b_index, b_media),
                    &can_transcode,
                ));
            }
            None => result.unpaired.push((Leg::A, a_index)),
        }
    }
    for (slot, (b_index, _)) in b_lines.iter().enumerate() {
        if !used_b.get(slot).copied().unwrap_or(true) {
            result.unpaired.push((Leg::B, *b_index));
        }
    }
    result
}

fn line_plan(
    kind: MediaKind,
    (a_index, a): (usize, &AcceptedMedia),
    (b_index, b): (usize, &AcceptedMedia),
    can_transcode: &impl Fn(&RtpMap, &RtpMap) -> bool,
) -> LinePlan {
    let mut plan = LinePlan {
        kind,
        a_index,
        b_index,
        a_to_b: a.direction.receives() && b.direction.sends(),
        b_to_a: b.direction.receives() && a.direction.sends(),
        codecs: Vec::new(),
        telephone_event: event_plan(&a.telephone_events, &b.telephone_events),
        rtx: Vec::new(),
    };
    // Passthrough first, in leg A's preference order.
    for a_codec in &a.codecs {
        if let Some(b_codec) = b.codecs.iter().find(|b_codec| same(a_codec, b_codec)) {
            plan.codecs.push(CodecPlan::Passthrough {
                encoding: a_codec.encoding.clone(),
                a_to_b: rewrite(a_codec.recv_pt, b_codec.send_pt),
                b_to_a: rewrite(b_codec.recv_pt, a_codec.send_pt),
            });
            plan.rtx.extend(rtx_plan(a_codec, b_codec));
        }
    }
    // A codec a leg lists twice (under two payload types) gets an entry
    // per payload type; toward that leg the first one is used.
    for b_codec in &b.codecs {
        let first_match = a.codecs.iter().find(|a_codec| same(a_codec, b_codec));
        let partner_of_first =
            first_match.and_then(|a_codec| b.codecs.iter().find(|other| same(a_codec, other)));
        if let (Some(a_codec), Some(first)) = (first_match, partner_of_first) {
            if first.recv_pt != b_codec.recv_pt {
                plan.codecs.push(CodecPlan::Passthrough {
                    encoding: b_codec.encoding.clone(),
                    a_to_b: rewrite(a_codec.recv_pt, first.send_pt),
                    b_to_a: rewrite(b_codec.recv_pt, a_codec.send_pt),
                });
            }
        }
    }
    for a_codec in a
        .codecs
        .iter()
        .filter(|x| !b.codecs.iter().any(|y| same(x, y)))
    {
        let partner = b
            .codecs
            .iter()
            .find(|b_codec| can_transcode(&a_codec.encoding, &b_codec.encoding));
        leftover(&mut plan, Leg::A, a_codec, partner);
    }
    for b_codec in b
        .codecs
        .iter()
        .filter(|y| !a.codecs.iter().any(|x| same(x, y)))
    {
        let partner = a
            .codecs
            .iter()
            .find(|a_codec| can_transcode(&a_codec.encoding, &b_codec.encoding));
        leftover(&mut plan, Leg::B, b_codec, partner);
    }
    plan
}

fn same(x: &NegotiatedCodec, y: &NegotiatedCodec) -> bool {
    codec::same_codec(&x.encoding, x.fmtp.as_ref(), &y.encoding, y.fmtp.as_ref())
}

/// A codec only `leg` has: transcoded to `partner` on the other leg, or
/// unsupported. Its rtx has nowhere to go either way.
fn leftover(
    plan: &mut LinePlan,
    leg: Leg,
    codec: &NegotiatedCodec,
    partner: Option<&NegotiatedCodec>,
) {
    let entry = match (leg, partner) {
        (Leg::A, Some(other)) => CodecPlan::Transcode {
            a: codec.into(),
            b: other.into(),
        },
        (Leg::B, Some(other)) => CodecPlan::Transcode {
            a: other.into(),
            b: codec.into(),
        },
        (_, None) => CodecPlan::Unsupported {
            leg,
            codec: codec.into(),
        },
    };
    if !plan.codecs.contains(&entry) {
        plan.codecs.push(entry);
    }
    if let Some(pts) = codec.rtx {
        plan.rtx.push(RtxPlan::Unsupported {
            leg,
            recv_pt: pts.recv_pt,
        });
    }
}

/// The rtx plan of a passthrough codec pair.
fn rtx_plan(a: &NegotiatedCodec, b: &NegotiatedCodec) -> Option<RtxPlan> {
    match (a.rtx, b.rtx) {
        (Some(a_rtx), Some(b_rtx)) => Some(RtxPlan::Passthrough {
            a_to_b: rewrite(a_rtx.recv_pt, b_rtx.send_pt),
            b_to_a: rewrite(b_rtx.recv_pt, a_rtx.send_pt),
        }),
        (Some(a_rtx), None) => Some(RtxPlan::Unsupported {
            leg: Leg::A,
            recv_pt: a_rtx.recv_pt,
        }),
        (None, Some(b_rtx)) => Some(RtxPlan::Unsupported {
            leg: Leg::B,
            recv_pt: b_rtx.recv_pt,
        }),
        (None, None) => None,
    }
}

fn event_plan(a: &[NegotiatedCodec], b: &[NegotiatedCodec]) -> EventPlan {
    let same_rate = a.iter().find_map(|a_event| {
        b.iter()
            .find(|b_event| b_event.encoding.clock_rate == a_event.encoding.clock_rate)
            .map(|b_event| (a_event, b_event))
    });
    if let Some((a_event, b_event)) = same_rate {
        return EventPlan::Passthrough {
            clock_rate: a_event.encoding.clock_rate,
            a_to_b: rewrite(a_event.recv_pt, b_event.send_pt),
            b_to_a: rewrite(b_event.recv_pt, a_event.send_pt),
        };
    }
    match (a.first(), b.first()) {
        (Some(a_event), Some(b_event)) => EventPlan::Retime {
            a: a_event.into(),
            b: b_event.into(),
        },
        (Some(a_event), None) => EventPlan::Unsupported {
            leg: Leg::A,
            codec: a_event.into(),
        },
        (None, Some(b_event)) => EventPlan::Unsupported {
            leg: Leg::B,
            codec: b_event.into(),
        },
        (None, None) => EventPlan::None,
    }
}

fn rewrite(from: PayloadType, to: PayloadType) -> PtRewrite {
    PtRewrite { from, to }
}
