//! The `echo` target: the call test every user expects. The caller's
//! offer is answered under its policy (SRTP too) and its media comes
//! back through a relay session whose leg B sends to itself. A caller
//! without an offer (late offer) gets ours in the 2xx and answers in
//! its ACK.

use std::net::IpAddr;

use tolk_relay::latch::LatchPolicy;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::{EndpointSpec, LegUpdate, Relay, RtcpMux, SessionId, Side};
use tolk_sdp::SessionDescription;
use tolk_sdp::model::MediaKind;
use tolk_sdp::negotiate::Negotiation;

use super::media::{MediaError, describe, leg_update};
use super::policy::{RelayPorts, audio_capabilities};
use super::relay_watch::RelayWatch;
use super::rtcp_mux;
use crate::config::MediaPolicy;

/// Leg B of an echo session sends to itself: one port carries its RTP
/// and RTCP, whatever the caller's leg does.
fn looped(ip: IpAddr) -> EndpointSpec {
    EndpointSpec {
        ip,
        rtcp_mux: RtcpMux::Muxed,
    }
}

/// An echo call's media.
#[derive(Debug)]
pub struct EchoMedia {
    session: SessionId,
    /// None while a late-offer caller's answer is awaited.
    negotiation: Option<Negotiation>,
    /// Our offer to a late-offer caller, until it answers.
    offer: Option<Box<SessionDescription>>,
}

impl EchoMedia {
    /// Answers `offer` and loops its media back; returns the answer. The
    /// relay's verdict on the session is left to `watch`.
    pub(crate) async fn answer(
        relay: &Relay,
        ip: IpAddr,
        policy: &MediaPolicy,
        offer: &SessionDescription,
        watch: &RelayWatch,
    ) -> Result<(SessionDescription, EchoMedia), MediaError> {
        let a = EndpointSpec {
            ip,
            rtcp_mux: rtcp_mux::caller_ports(policy, Some(offer), MediaKind::Audio),
        };
        let (session, handover) = relay
            .start_session(a, looped(ip))
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        let echo = (|| {
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
            let updated = relay
                .send_legs_update(session.id, [(Side::A, a), (Side::B, b)])
                .map_err(|e| MediaError::Resources(e.to_string()))?;
            Ok::<_, MediaError>((answer, updated))
        })();
        match echo {
            Ok((answer, updated)) => {
                watch.watch(session.id, async move {
                    handover.await?;
                    updated.await
                });
                Ok((
                    answer.description,
                    EchoMedia {
                        session: session.id,
                        negotiation: Some(answer.negotiation),
                        offer: None,
                    },
                ))
            }
            Err(error) => {
                let _ = relay.delete_async(session.id).await;
                Err(error)
            }
        }
    }

    /// For a caller without an offer: our offer of what `policy` allows;
    /// the media loops once [`EchoMedia::answered`] has the answer.
    pub async fn offer(
        relay: &Relay,
        ip: IpAddr,
        policy: &MediaPolicy,
    ) -> Result<(SessionDescription, EchoMedia), MediaError> {
        let a = EndpointSpec {
            ip,
            rtcp_mux: rtcp_mux::offered_ports(policy),
        };
        let session = relay
            .create_session_async(a, looped(ip))
            .await
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        let offer = tolk_sdp::offer(
            &audio_capabilities(policy),
            &[MediaKind::Audio],
            &mut RelayPorts::new(ip, session.a.rtp.port()),
        );
        let looped = LegUpdate {
            remote: Some(session.b.rtp),
            latch: Some(LatchPolicy::Strict),
            ..LegUpdate::default()
        };
        if let Err(error) = relay.update_async(session.id, Side::B, looped).await {
            let _ = relay.delete_async(session.id).await;
            return Err(MediaError::Resources(error.to_string()));
        }
        let echo = EchoMedia {
            session: session.id,
            negotiation: None,
            offer: Some(Box::new(offer.clone())),
        };
        Ok((offer, echo))
    }

    /// The late-offer caller's answer (in its ACK): loops its media.
    pub async fn answered(
        &mut self,
        relay: &Relay,
        answer: &SessionDescription,
    ) -> Result<(), MediaError> {
        let Some(offer) = self.offer.take() else {
            return Ok(());
        };
        let negotiation = tolk_sdp::process_answer(&offer, answer)
            .map_err(|e| MediaError::NotAcceptable(super::media::warning_for(&e)))?;
        let a = leg_update(&negotiation, PayloadTypeMap::identity())?;
        relay
            .update_async(self.session, Side::A, a)
            .await
            .map_err(|e| MediaError::Resources(e.to_string()))?;
        self.negotiation = Some(negotiation);
        Ok(())
    }

    /// The relay session.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The codecs and protection in use.
    pub fn describe(&self) -> (Vec<String>, String) {
        self.negotiation.as_ref().map(describe).unwrap_or_default()
    }
}
