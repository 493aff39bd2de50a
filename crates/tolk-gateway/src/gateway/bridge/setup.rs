//! An incoming call: refused, answered by the echo, or routed, negotiated
//! and dialled out to its callee.

use std::net::SocketAddr;
use std::time::Instant;

use tolk_interwork::{LegCommand, LegId, Party};
use tolk_relay::Side;
use tolk_sdp::SessionDescription;
use tolk_sip::message::names;
use tolk_sip::transport::{Target, Transport};
use tolk_sip::ua::Invite;

use super::super::echo::EchoMedia;
use super::super::media::{CallMedia, MediaError};
use super::super::node::{CallRecord, LegRecord};
use super::super::registrar::CallAuth;
use super::super::router::CallRequest;
use super::super::sip_leg::{SipDestination, sdp_body, warning_value};
use super::Bridge;
use super::call::{Call, Media};
use crate::admin::AdminBackend;
use crate::config::{self, MediaPolicy, Target as RouteTarget};

/// Seconds a draining node asks callers to wait (Retry-After).
const RETRY_AFTER_SECS: u32 = 30;

impl Bridge {
    /// A new incoming call on `leg`.
    pub(crate) async fn incoming(
        &mut self,
        leg: LegId,
        from: Party,
        to: Party,
        offer: Option<SessionDescription>,
        source: Option<SocketAddr>,
    ) {
        if AdminBackend::draining(self.node.as_ref()) {
            let retry = vec![(names::RETRY_AFTER, RETRY_AFTER_SECS.to_string())];
            return self.refuse(leg, 503, retry).await;
        }
        if !self.is_peer(source) {
            let verdict = self
                .sip
                .invite(leg)
                .map(|invite| self.registrar.authorize_call(Instant::now(), invite));
            match verdict {
                // A challenge is a step of a call, not its failure.
                Some(CallAuth::Refused(407, headers)) => {
                    return self.sip.reject(leg, 407, headers).await;
                }
                Some(CallAuth::Refused(code, headers)) => {
                    return self.refuse(leg, code, headers).await;
                }
                _ => {}
            }
        }
        let Some(decision) = self.router.route(&CallRequest {
            from: &from,
            to: &to,
        }) else {
            return self.refuse(leg, 404, Vec::new()).await;
        };
        let a_policy = self.policy_for_source(source);
        let id = format!("c{}", self.next_call);
        let (destination, b_policy, peer) = match decision.target {
            RouteTarget::Echo => return self.echo(id, leg, &a_policy, offer.as_ref(), &from).await,
            RouteTarget::Registrar => {
                match self
                    .registrar
                    .lookup(Instant::now(), &decision.user, &to.host)
                {
                    Some(dest) => {
                        let peer = dest.request_uri.clone();
                        (dest, self.config.default_policy.clone(), peer)
                    }
                    None => return self.refuse(leg, 480, Vec::new()).await,
                }
            }
            RouteTarget::Peer(name) => {
                let Some(peer) = self.config.peers.iter().find(|p| p.name == name) else {
                    return self.refuse(leg, 404, Vec::new()).await;
                };
                (
                    peer_destination(peer, &decision.user),
                    peer.media.clone(),
                    name,
                )
            }
        };
        let media = match CallMedia::new(
            &self.relay,
            self.media_ip(),
            &a_policy,
            &b_policy,
            offer,
            &self.relay_watch,
        )
        .await
        {
            Ok(media) => media.with_dtmf_reports(self.dtmf_reports.clone()),
            Err(error) => return self.refuse_media(leg, error).await,
        };
        let Some(b_offer) = media.b_offer().cloned() else {
            media.release(&self.relay).await;
            return self.refuse(leg, 500, Vec::new()).await;
        };
        let caller = if from.user.is_empty() {
            "anonymous"
        } else {
            &from.user
        };
        let local = self
            .sip
            .handle()
            .local_addr(destination.target.transport)
            .map(|a| a.to_string())
            .unwrap_or_else(|| self.media_ip().to_string());
        let invite = Invite {
            from: format!("<sip:{caller}@{local}>"),
            to: format!("<{}>", destination.request_uri),
            request_uri: destination.request_uri.clone(),
            target: destination.target,
            sdp: sdp_body(&b_offer),
            headers: Vec::new(),
            credentials: None,
        };
        let b = match self.sip.dial(invite).await {
            Ok(b) => b,
            Err(error) => {
                tracing::warn!(call = %id, %error, "cannot place the outgoing call");
                media.release(&self.relay).await;
                return self.refuse(leg, 503, Vec::new()).await;
            }
        };
        tracing::info!(call = %id, caller = %from.user, callee = %decision.user, to = %peer, "bridging");
        self.next_call += 1;
        let session = media.session();
        self.node.set_call(
            id.clone(),
            CallRecord {
                legs: vec![
                    leg_record(Side::A, format!("sip:{}@{}", from.user, from.host)),
                    leg_record(Side::B, peer),
                ],
                session,
                answered: None,
            },
        );
        self.insert(Call {
            id,
            a: leg,
            b: Some(b),
            a_policy,
            b_policy,
            media: Media::Bridged(Box::new(media)),
            a_alive: true,
            b_alive: true,
            answered: false,
            failure: None,
            ending_since: None,
            dialled: Instant::now(),
            ended_by: None,
            transcoded: Default::default(),
        });
    }

    async fn echo(
        &mut self,
        id: String,
        leg: LegId,
        policy: &MediaPolicy,
        offer: Option<&SessionDescription>,
        from: &Party,
    ) {
        // Without an offer from the caller, ours goes in the 2xx.
        let answered = match offer {
            Some(offer) => {
                let watch = &self.relay_watch;
                EchoMedia::answer(&self.relay, self.media_ip(), policy, offer, watch).await
            }
            None => EchoMedia::offer(&self.relay, self.media_ip(), policy).await,
        };
        let (answer, echo) = match answered {
            Ok(answered) => answered,
            Err(error) => return self.refuse_media(leg, error).await,
        };
        self.next_call += 1;
        let (codecs, crypto) = echo.describe();
        let mut record = leg_record(Side::A, format!("sip:{}@{}", from.user, from.host));
        record.streams = vec![("audio".to_owned(), codecs.clone())];
        record.codecs = codecs;
        record.crypto = crypto;
        self.node.set_call(
            id.clone(),
            CallRecord {
                legs: vec![record],
                session: echo.session(),
                answered: Some(Instant::now()),
            },
        );
        self.insert(Call {
            id,
            a: leg,
            b: None,
            a_policy: policy.clone(),
            b_policy: policy.clone(),
            media: Media::Echo(echo),
            a_alive: true,
            b_alive: false,
            answered: true,
            failure: None,
            ending_since: None,
            dialled: Instant::now(),
            ended_by: None,
            transcoded: Default::default(),
        });
        self.metrics().call_started();
        self.sip.command(leg, LegCommand::Answer { answer }).await;
    }

    /// The configured peer sending from `source` (the transport source).
    /// A TCP or TLS peer connects from an ephemeral port, so its IP
    /// alone identifies it.
    fn peer_at(&self, source: Option<SocketAddr>) -> Option<&config::Peer> {
        let peers = &self.config.peers;
        source.and_then(|addr| {
            peers.iter().find(|p| p.address == addr).or_else(|| {
                peers
                    .iter()
                    .find(|p| p.address.ip() == addr.ip() && p.transport != config::Transport::Udp)
            })
        })
    }

    /// Whether `source` is a configured peer (trusted, never challenged).
    fn is_peer(&self, source: Option<SocketAddr>) -> bool {
        self.peer_at(source).is_some()
    }

    /// The policy of the configured peer sending from `source`, else the
    /// default.
    fn policy_for_source(&self, source: Option<SocketAddr>) -> MediaPolicy {
        self.peer_at(source)
            .map(|peer| peer.media.clone())
            .unwrap_or_else(|| self.config.default_policy.clone())
    }

    async fn refuse(&mut self, leg: LegId, code: u16, headers: Vec<(&'static str, String)>) {
        self.metrics().call_failed(code);
        self.sip.reject(leg, code, headers).await;
    }

    async fn refuse_media(&mut self, leg: LegId, error: MediaError) {
        match error {
            MediaError::NotAcceptable(warning) => {
                tracing::info!(code = warning.code, reason = %warning.text, "488");
                self.refuse(leg, 488, vec![(names::WARNING, warning_value(&warning))])
                    .await;
            }
            MediaError::Resources(why) => {
                tracing::warn!(%why, "no media resources");
                self.refuse(leg, 503, Vec::new()).await;
            }
        }
    }
}

fn leg_record(side: Side, peer: String) -> LegRecord {
    LegRecord {
        side,
        protocol: "sip",
        peer,
        codecs: Vec::new(),
        crypto: String::new(),
        streams: Vec::new(),
    }
}

/// Where a call to `user` at a configured peer goes.
pub(super) fn peer_destination(peer: &config::Peer, user: &str) -> SipDestination {
    let (transport, param) = match peer.transport {
        config::Transport::Udp => (Transport::Udp, ""),
        config::Transport::Tcp => (Transport::Tcp, ";transport=tcp"),
        config::Transport::Tls => (Transport::Tls, ";transport=tls"),
    };
    let user = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    SipDestination {
        request_uri: format!("sip:{user}{}{param}", peer.address),
        target: Target {
            transport,
            addr: peer.address,
        },
    }
}
