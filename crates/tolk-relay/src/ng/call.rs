//! What the ng front end remembers per call: the two parties' tags, and
//! per media section the relay session that carries it and each leg's
//! negotiated transport. Side A is the first offerer, side B the answerer;
//! a re-offer from B (a re-INVITE from the callee) keeps the sides.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use tolk_sdp::model::{Crypto, TransportProtocol};

use super::bencode::Value;
use crate::srtp::SrtpKey;
use crate::{EndpointStats, SessionInfo, SessionStats, Side};

/// One call (one ng call-id).
#[derive(Debug)]
pub struct Call {
    /// The tags of side A and side B.
    pub tags: [Option<String>; 2],
    /// When the first offer arrived.
    pub created: SystemTime,
    /// When the latest command about it arrived.
    pub last_signal: SystemTime,
    /// Media sections in m-line order.
    pub media: Vec<Media>,
}

/// One media section of a call.
#[derive(Debug)]
pub struct Media {
    /// `audio`, `video`, ...
    pub kind: String,
    /// The relay session, or `None` for a section the relay does not carry.
    pub session: Option<SessionInfo>,
    /// Per side (A, B).
    pub legs: [Leg; 2],
}

/// One side of a media section.
#[derive(Debug, Clone, Default)]
pub struct Leg {
    /// The m-line protocol this side speaks.
    pub protocol: Option<TransportProtocol>,
    /// Whether the relay's endpoint toward this side is muxed (one port).
    pub rtcp_mux: bool,
    /// Whether rtcp-mux was offered to this side (it may accept it).
    pub mux_offered: bool,
    /// The relay's keys offered to this side, by crypto tag.
    pub offered_keys: Vec<(u32, SrtpKey)>,
    /// The relay's answer line toward this side, when it offered SDES.
    pub answer_crypto: Option<Crypto>,
    /// Its media address from signalling.
    pub remote: Option<SocketAddr>,
}

impl Call {
    /// A call first offered by `tag`.
    pub fn new(tag: &str, now: SystemTime) -> Self {
        Self {
            tags: [Some(tag.to_owned()), None],
            created: now,
            last_signal: now,
            media: Vec::new(),
        }
    }

    /// The side whose tag is `tag`.
    pub fn side_of(&self, tag: &str) -> Option<Side> {
        let [a, b] = &self.tags;
        if a.as_deref() == Some(tag) {
            Some(Side::A)
        } else if b.as_deref() == Some(tag) {
            Some(Side::B)
        } else {
            None
        }
    }

    /// The query/delete reply: times, per tag the media and their counters, totals.
    /// `stats` holds each media section's counters (`None` without a session).
    pub fn report(&self, stats: &[Option<SessionStats>]) -> Value {
        let mut tags = Vec::new();
        let mut totals = EndpointStats::default();
        for side in [Side::A, Side::B] {
            let Some(tag) = &self.tags[idx(side)] else {
                continue;
            };
            let mut medias = Vec::new();
            for (i, (m, s)) in self.media.iter().zip(stats).enumerate() {
                let leg = &m.legs[idx(side)];
                let mut media = vec![
                    ("index", Value::Int(i as i64 + 1)),
                    ("type", Value::str(&m.kind)),
                ];
                if let Some(p) = &leg.protocol {
                    media.push(("protocol", Value::str(p.as_str())));
                }
                if let (Some(session), Some(s)) = (&m.session, s) {
                    let e = if side == Side::A { &s.a } else { &s.b };
                    add(&mut totals, e);
                    let local = if side == Side::A {
                        session.a
                    } else {
                        session.b
                    };
                    let mut stream = vec![
                        ("local port", Value::Int(local.rtp.port().into())),
                        ("stats", counters(e)),
                    ];
                    if let Some(r) = leg.remote {
                        stream.push(("endpoint", endpoint(r)));
                    }
                    media.push(("streams", Value::List(vec![Value::dict(stream)])));
                }
                medias.push(Value::dict(media));
            }
            let entry = Value::dict([
                ("tag", Value::str(tag)),
                ("created", Value::Int(unix_secs(self.created))),
                ("medias", Value::List(medias)),
            ]);
            tags.push((tag.as_bytes().to_vec(), entry));
        }
        Value::dict([
            ("result", Value::str("ok")),
            ("created", Value::Int(unix_secs(self.created))),
            ("created_us", Value::Int(unix_micros(self.created))),
            ("last signal", Value::Int(unix_secs(self.last_signal))),
            ("tags", Value::Dict(tags)),
            ("totals", Value::dict([("RTP", counters(&totals))])),
        ])
    }
}

/// The array index of a side.
pub fn idx(side: Side) -> usize {
    match side {
        Side::A => 0,
        Side::B => 1,
    }
}

fn add(total: &mut EndpointStats, e: &EndpointStats) {
    total.packets_in += e.packets_in;
    total.bytes_in += e.bytes_in;
    total.drops.merge(&e.drops);
}

/// Counters of what one leg sent the relay: `errors` are the packets dropped.
fn counters(e: &EndpointStats) -> Value {
    let n = |x: u64| Value::Int(i64::try_from(x).unwrap_or(i64::MAX));
    Value::dict([
        ("packets", n(e.packets_in)),
        ("bytes", n(e.bytes_in)),
        ("errors", n(e.drops.total())),
    ])
}

fn endpoint(a: SocketAddr) -> Value {
    let family = if a.is_ipv4() { "IPv4" } else { "IPv6" };
    Value::dict([
        ("family", Value::str(family)),
        ("address", Value::str(a.ip().to_string())),
        ("port", Value::Int(a.port().into())),
    ])
}

/// Seconds since the Unix epoch.
pub fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn unix_micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::from(d.subsec_micros()))
}
