//! `offer` and `answer`: rewrite each SDP for the other party and set the
//! relay sessions up from what both parties said.
//!
//! Per media section the offerer's side gets its remote address and, for
//! SDES, its key (rx) plus a fresh relay key under the same suite (tx, sent
//! back in the rewritten answer). The answerer's side is offered fresh
//! relay keys for each allowed suite; its answer picks one by tag, which
//! fixes that side's tx key, and carries its own key (rx). Every SRTP leg
//! is terminated in the relay: keys are never forwarded from one party to
//! the other.

use std::time::SystemTime;

use tolk_sdp::SessionDescription;

use super::NgServer;
use super::bencode::Value;
use super::call::{Call, Leg, Media, idx};
use super::failure::Failure;
use super::request::{Flags, Request};
use super::sdp::{self, Advertised, OFFERED_SUITES};
use crate::latch::LatchPolicy;
use crate::{EndpointSpec, LegKeys, LegUpdate, LocalEndpoint, SessionInfo, Side};

impl NgServer {
    pub(super) fn offer(&mut self, req: &Request, now: SystemTime) -> Result<Value, Failure> {
        let call_id = req.require_call_id()?.to_owned();
        let from_tag = req.require_from_tag()?.to_owned();
        let mut desc = parse_sdp(req)?;
        if desc.media.len() > self.config.max_media {
            return Err(Failure::new("Too many media sections"));
        }
        let is_new = !self.calls.contains_key(&call_id);
        let call = self
            .calls
            .entry(call_id.clone())
            .or_insert_with(|| Call::new(&from_tag, now));
        call.last_signal = now;
        let side = match call.side_of(&from_tag) {
            Some(side) => side,
            None => {
                // A new offerer on a known call-id (e.g. a forked or
                // restarted INVITE) takes side A over.
                call.tags[0] = Some(from_tag);
                Side::A
            }
        };
        let result = self.offer_media(&call_id, side, &mut desc, &req.flags);
        if result.is_err() && is_new {
            // Nothing was sent for this call: free whatever it got.
            self.remove_call(&call_id);
        }
        result?;
        sdp::rewrite_session(&mut desc, self.config.interface, &req.flags);
        Ok(sdp_reply(&desc))
    }

    fn offer_media(
        &mut self,
        call_id: &str,
        side: Side,
        desc: &mut SessionDescription,
        flags: &Flags,
    ) -> Result<(), Failure> {
        let (s, o) = (idx(side), idx(side.other()));
        for i in 0..desc.media.len() {
            let (remote, remote_rtcp) = sdp::remote_of(desc, i, flags);
            let Some(m) = desc.media.get_mut(i) else {
                break;
            };
            let carried = m.port != 0 && m.protocol.is_rtp();
            let session = if carried {
                let mux = m.rtcp_mux && !flags.rtcp_mux.reject;
                Some(self.session_for(call_id, i, &m.kind.to_string(), side, mux)?)
            } else {
                None
            };
            let Some(session) = session else {
                sdp::disable_media(m);
                continue;
            };
            // The offerer's side: its address and key, and our key for it.
            let mut leg_s = self.leg(call_id, i, s);
            leg_s.protocol = Some(m.protocol.clone());
            leg_s.remote = remote;
            let keys = if m.protocol.is_secure() {
                let (tag, peer_key) = sdp::peer_crypto(m)?;
                let ours = sdp::fresh_key(&mut self.rng, peer_key.profile())?;
                leg_s.answer_crypto = Some(sdp::crypto_line(tag, &ours));
                LegKeys {
                    rx: Some(peer_key),
                    tx: Some(ours),
                }
            } else {
                leg_s.answer_crypto = None;
                LegKeys::default()
            };
            self.relay.update(
                session.id,
                side,
                LegUpdate {
                    remote,
                    remote_rtcp,
                    keys: Some(keys),
                    latch: Some(latch_policy(flags)),
                    ..Default::default()
                },
            )?;

            // The answerer's side: what we offer it.
            let protocol = flags
                .transport_protocol
                .clone()
                .unwrap_or_else(|| m.protocol.clone());
            if protocol.requires_dtls() {
                return Err(Failure::new("DTLS-SRTP is not supported"));
            }
            let mut leg_o = self.leg(call_id, i, o);
            leg_o.offered_keys.clear();
            if protocol.is_secure() {
                let first = leg_s.answer_crypto.as_ref().map(|c| c.suite.to_string());
                let mut suites: Vec<_> = OFFERED_SUITES.to_vec();
                suites.sort_by_key(|p| Some(p.sdes_name()) != first.as_deref());
                for profile in suites {
                    if flags.sdes.allows(profile.sdes_name()) {
                        let tag = leg_o.offered_keys.len() as u32 + 1;
                        let key = sdp::fresh_key(&mut self.rng, profile)?;
                        leg_o.offered_keys.push((tag, key));
                    }
                }
                if leg_o.offered_keys.is_empty() {
                    return Err(Failure::new("No SDES crypto suite left to offer"));
                }
            }
            leg_o.protocol = Some(protocol.clone());
            leg_o.mux_offered = flags.rtcp_mux.offer || (m.rtcp_mux && !flags.rtcp_mux.demux);
            let advertised = Advertised {
                rtp: local(&session, side.other()).rtp,
                rtcp_port: local(&session, side.other()).rtcp.port(),
                rtcp_mux: leg_o.mux_offered,
                protocol,
                crypto: leg_o
                    .offered_keys
                    .iter()
                    .map(|(tag, key)| sdp::crypto_line(*tag, key))
                    .collect(),
            };
            sdp::rewrite_media(m, &advertised, flags);
            self.store_legs(call_id, i, [(s, leg_s), (o, leg_o)]);
        }
        Ok(())
    }

    pub(super) fn answer(&mut self, req: &Request, now: SystemTime) -> Result<Value, Failure> {
        let call_id = req.require_call_id()?.to_owned();
        let from_tag = req.require_from_tag()?;
        let unknown = || Failure::new("Unknown call-id");
        let call = self.calls.get_mut(&call_id).ok_or_else(unknown)?;
        let mut desc = parse_sdp(req)?;
        call.last_signal = now;
        // from-tag names the offerer; the answerer is the other side.
        let offerer = call.side_of(from_tag).unwrap_or(Side::A);
        let answerer = offerer.other();
        if let Some(to_tag) = &req.to_tag {
            call.tags[idx(answerer)] = Some(to_tag.clone());
        }
        let flags = &req.flags;
        let (s, o) = (idx(offerer), idx(answerer));
        for i in 0..desc.media.len() {
            let (remote, remote_rtcp) = sdp::remote_of(&desc, i, flags);
            let media = self.calls.get(&call_id).and_then(|c| c.media.get(i));
            let (Some(m), Some(media)) = (desc.media.get_mut(i), media) else {
                break;
            };
            let session = media.session.filter(|_| m.port != 0);
            let Some(session) = session else {
                sdp::disable_media(m);
                continue;
            };
            let mut leg_o = media.legs[o].clone();
            let leg_s = media.legs[s].clone();
            let keys = if m.protocol.is_secure() {
                let answered = m.crypto.first().ok_or(Failure::new(
                    "DTLS-SRTP is not supported: no SDES a=crypto line",
                ))?;
                let ours = leg_o
                    .offered_keys
                    .iter()
                    .find(|(tag, _)| *tag == answered.tag)
                    .map(|(_, key)| key.clone())
                    .ok_or(Failure::new("SDES answer tag was not offered"))?;
                let theirs = sdp::answered_key(m, answered.tag, ours.profile())?;
                LegKeys {
                    rx: Some(theirs),
                    tx: Some(ours),
                }
            } else {
                LegKeys::default()
            };
            // rtcp-mux accepted: RTCP goes to the RTP port.
            let muxed = m.rtcp_mux && leg_o.mux_offered;
            leg_o.remote = remote;
            leg_o.protocol = Some(m.protocol.clone());
            self.relay.update(
                session.id,
                answerer,
                LegUpdate {
                    remote,
                    remote_rtcp: if muxed { remote } else { remote_rtcp },
                    keys: Some(keys),
                    latch: Some(latch_policy(flags)),
                    ..Default::default()
                },
            )?;
            let to_offerer = local(&session, offerer);
            let advertised = Advertised {
                rtp: to_offerer.rtp,
                rtcp_port: to_offerer.rtcp.port(),
                rtcp_mux: leg_s.rtcp_mux,
                protocol: leg_s.protocol.clone().unwrap_or_else(|| m.protocol.clone()),
                crypto: leg_s.answer_crypto.iter().cloned().collect(),
            };
            sdp::rewrite_media(m, &advertised, flags);
            self.store_legs(&call_id, i, [(o, leg_o)]);
        }
        sdp::rewrite_session(&mut desc, self.config.interface, flags);
        Ok(sdp_reply(&desc))
    }

    /// The session carrying section `index` of the call, created on first use.
    fn session_for(
        &mut self,
        call_id: &str,
        index: usize,
        kind: &str,
        offerer: Side,
        offerer_mux: bool,
    ) -> Result<SessionInfo, Failure> {
        let existing = self
            .calls
            .get(call_id)
            .and_then(|c| c.media.get(index))
            .and_then(|m| m.session);
        if let Some(session) = existing {
            return Ok(session);
        }
        // The answerer's endpoint is always a port pair: it may decline the
        // rtcp-mux we offer, and then sends RTCP to the second port.
        let ip = self.config.interface;
        let spec = |muxed: bool| EndpointSpec {
            ip,
            rtcp_mux: muxed.into(),
        };
        let (a, b) = match offerer {
            Side::A => (spec(offerer_mux), spec(false)),
            Side::B => (spec(false), spec(offerer_mux)),
        };
        let session = self.relay.create_session(a, b)?;
        self.by_session.insert(session.id, call_id.to_owned());
        self.sessions_created += 1;
        let call = self
            .calls
            .get_mut(call_id)
            .ok_or(Failure::new("Unknown call-id"))?;
        while call.media.len() <= index {
            call.media.push(Media {
                kind: kind.to_owned(),
                session: None,
                legs: Default::default(),
            });
        }
        if let Some(m) = call.media.get_mut(index) {
            m.session = Some(session);
            m.kind = kind.to_owned();
            m.legs[idx(offerer)].rtcp_mux = offerer_mux;
        }
        Ok(session)
    }

    fn leg(&self, call_id: &str, index: usize, side: usize) -> Leg {
        self.calls
            .get(call_id)
            .and_then(|c| c.media.get(index))
            .map(|m| m.legs[side].clone())
            .unwrap_or_default()
    }

    fn store_legs<const N: usize>(&mut self, call_id: &str, index: usize, legs: [(usize, Leg); N]) {
        if let Some(m) = self
            .calls
            .get_mut(call_id)
            .and_then(|c| c.media.get_mut(index))
        {
            for (side, leg) in legs {
                m.legs[side] = leg;
            }
        }
    }
}

fn parse_sdp(req: &Request) -> Result<SessionDescription, Failure> {
    let body = req
        .sdp
        .as_deref()
        .ok_or(Failure::new("No SDP body in message"))?;
    tolk_sdp::parse(body).map_err(|_| Failure::new("Failed to parse SDP"))
}

fn sdp_reply(desc: &SessionDescription) -> Value {
    Value::Dict(vec![
        (b"result".to_vec(), Value::str("ok")),
        (b"sdp".to_vec(), Value::Bytes(desc.to_bytes())),
    ])
}

fn local(session: &SessionInfo, side: Side) -> LocalEndpoint {
    match side {
        Side::A => session.a,
        Side::B => session.b,
    }
}

fn latch_policy(flags: &Flags) -> LatchPolicy {
    if flags.strict_source {
        LatchPolicy::Strict
    } else {
        LatchPolicy::LatchFirst
    }
}
