//! The `echo` target: the call test every user expects. The caller's
//! offer is answered under its policy (SRTP too) and its media comes
//! back through a relay session whose leg B sends to itself.

use std::net::IpAddr;

use tolk_relay::latch::LatchPolicy;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::{EndpointSpec, LegUpdate, Relay, SessionId, Side};
use tolk_sdp::SessionDescription;
use tolk_sdp::negotiate::Negotiation;

use super::media::{MediaError, describe, leg_update};
use super::policy::{RelayPorts, audio_capabilities};
use crate::config::MediaPolicy;

/// An echo call's media.
#[derive(Debug)]
pub struct EchoMedia {
    session: SessionId,
    negotiation: Negotiation,
}

impl EchoMedia {
    /// Answers `offer` and loops its media back; returns the answer.
    pub fn answer(
        relay: &Relay,
        ip: IpAddr,
        policy: &MediaPolicy,
        offer: &SessionDescription,
    ) -> Result<(SessionDescription, EchoMedia), MediaError> {
        let spec = EndpointSpec {
            ip,
            rtcp_mux: false,
        };
        let session = relay
            .create_session(spec, spec)
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        let echo = |session: &tolk_relay::SessionInfo| {
            let answer = tolk_sdp::answer(
                offer,
                &audio_capabilities(policy),
                &mut RelayPorts::new(ip, session.a.rtp.port()),
            )
            .map_err(|e| MediaError::NotAcceptable(super::media::warning_for(&e)))?;
            let a = leg_update(&answer.negotiation, PayloadTypeMap::identity())?;
            let b = LegUpdate {
                remote: Some(session.b.rtp),
                latch: Some(LatchPolicy::Strict),
                ..LegUpdate::default()
            };
            relay
                .update(session.id, Side::A, a)
                .and_then(|()| relay.update(session.id, Side::B, b))
                .map_err(|e| MediaError::Resources(e.to_string()))?;
            Ok(answer)
        };
        match echo(&session) {
            Ok(answer) => Ok((
                answer.description,
                EchoMedia {
                    session: session.id,
                    negotiation: answer.negotiation,
                },
            )),
            Err(error) => {
                let _ = relay.delete(session.id);
                Err(error)
            }
        }
    }

    /// The relay session.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The codecs and protection in use.
    pub fn describe(&self) -> (Vec<String>, String) {
        describe(&self.negotiation)
    }
}
