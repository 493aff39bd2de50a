//! The bridge (B2BUA): joins an incoming leg to an outgoing one through
//! call-model events and commands. Routing, per-leg negotiation and the
//! relay session happen here; SIP lives in the leg adapter.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tolk_interwork::{Cause, LegCommand, LegEvent, LegId, MediaWarning, Party, status_for_cause};
use tolk_relay::{Relay, SessionId, Side};
use tolk_sdp::SessionDescription;
use tolk_sip::message::names;
use tolk_sip::transport::{Target, Transport};
use tolk_sip::ua::Invite;

use tokio::sync::mpsc::UnboundedSender;

use super::dtmf::DtmfReport;
use super::echo::EchoMedia;
use super::media::{CallMedia, MediaError};
use super::node::{CallRecord, LegRecord, Node};
use super::registrar::RegistrarAdapter;
use super::router::{CallRequest, Router};
use super::sip_leg::{SipDestination, SipLegs, warning_value};
use crate::config::{self, Config, DtmfMode, MediaPolicy, Target as RouteTarget};
use crate::metrics::RelayDelta;

/// How long a call whose other leg is still ending may linger before it
/// is dropped from the table regardless (a peer that never answers BYE).
const ENDING_GRACE: Duration = Duration::from_secs(40);

/// Seconds a draining node asks callers to wait (Retry-After).
const RETRY_AFTER_SECS: u32 = 30;

/// What a call's relay session serves.
#[derive(Debug)]
enum Media {
    Bridged(Box<CallMedia>),
    Echo(EchoMedia),
}

impl Media {
    fn session(&self) -> SessionId {
        match self {
            Media::Bridged(media) => media.session(),
            Media::Echo(echo) => echo.session(),
        }
    }
}

/// One call: the caller's leg A, the callee's leg B (none for echo).
#[derive(Debug)]
struct Call {
    id: String,
    a: LegId,
    b: Option<LegId>,
    b_policy: MediaPolicy,
    a_policy: MediaPolicy,
    media: Media,
    a_alive: bool,
    b_alive: bool,
    answered: bool,
    /// The final status the caller got, when the call failed.
    failure: Option<u16>,
    ending_since: Option<Instant>,
}

impl Call {
    fn side_of(&self, leg: LegId) -> Side {
        if leg == self.a { Side::A } else { Side::B }
    }

    fn leg(&self, side: Side) -> Option<LegId> {
        match side {
            Side::A => self.a_alive.then_some(self.a),
            Side::B => self.b.filter(|_| self.b_alive),
        }
    }

    fn policy(&self, side: Side) -> &MediaPolicy {
        match side {
            Side::A => &self.a_policy,
            Side::B => &self.b_policy,
        }
    }
}

/// The calls of a gateway and everything they use.
pub(crate) struct Bridge {
    config: Arc<Config>,
    router: Arc<dyn Router>,
    pub(crate) sip: SipLegs,
    relay: Arc<Relay>,
    node: Arc<Node>,
    pub(crate) registrar: RegistrarAdapter,
    calls: HashMap<String, Call>,
    by_leg: HashMap<LegId, String>,
    by_session: HashMap<SessionId, String>,
    next_call: u64,
    dtmf_reports: UnboundedSender<DtmfReport>,
}

impl Bridge {
    pub(crate) fn new(
        config: Arc<Config>,
        router: Arc<dyn Router>,
        sip: SipLegs,
        relay: Arc<Relay>,
        node: Arc<Node>,
        dtmf_reports: UnboundedSender<DtmfReport>,
    ) -> Self {
        let registrar = RegistrarAdapter::new(config.registrar.as_ref());
        Bridge {
            config,
            router,
            sip,
            relay,
            node,
            registrar,
            calls: HashMap::new(),
            by_leg: HashMap::new(),
            by_session: HashMap::new(),
            next_call: 1,
            dtmf_reports,
        }
    }

    /// How many calls exist (set up, up or ending).
    pub(crate) fn call_count(&self) -> usize {
        self.calls.len()
    }

    fn media_ip(&self) -> IpAddr {
        self.config.media.address
    }

    /// A new incoming call on `leg`.
    pub(crate) async fn incoming(
        &mut self,
        leg: LegId,
        from: Party,
        to: Party,
        offer: Option<SessionDescription>,
        source: Option<SocketAddr>,
    ) {
        if crate::admin::AdminBackend::draining(self.node.as_ref()) {
            let retry = vec![(names::RETRY_AFTER, RETRY_AFTER_SECS.to_string())];
            return self.refuse(leg, 503, retry).await;
        }
        let Some(offer) = offer else {
            let warning = MediaWarning {
                code: 399,
                text: "an INVITE without an SDP offer is not supported".into(),
            };
            return self
                .refuse(leg, 488, vec![(names::WARNING, warning_value(&warning))])
                .await;
        };
        let Some(decision) = self.router.route(&CallRequest {
            from: &from,
            to: &to,
        }) else {
            return self.refuse(leg, 404, Vec::new()).await;
        };
        let a_policy = self.policy_for_source(source);
        let id = format!("c{}", self.next_call);
        let (destination, b_policy, peer) = match decision.target {
            RouteTarget::Echo => return self.echo(id, leg, &a_policy, &offer, &from).await,
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
        let media = match CallMedia::new(&self.relay, self.media_ip(), &a_policy, &b_policy, offer)
        {
            Ok(media) => media.with_dtmf_reports(self.dtmf_reports.clone()),
            Err(error) => return self.refuse_media(leg, error).await,
        };
        let Some(b_offer) = media.b_offer().cloned() else {
            media.release(&self.relay);
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
            sdp: b_offer.to_bytes().into(),
            headers: Vec::new(),
            credentials: None,
        };
        let b = match self.sip.dial(invite).await {
            Ok(b) => b,
            Err(error) => {
                tracing::warn!(call = %id, %error, "cannot place the outgoing call");
                media.release(&self.relay);
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
        });
    }

    async fn echo(
        &mut self,
        id: String,
        leg: LegId,
        policy: &MediaPolicy,
        offer: &SessionDescription,
        from: &Party,
    ) {
        let (answer, echo) = match EchoMedia::answer(&self.relay, self.media_ip(), policy, offer) {
            Ok(answered) => answered,
            Err(error) => return self.refuse_media(leg, error).await,
        };
        self.next_call += 1;
        let (codecs, crypto) = echo.describe();
        let mut record = leg_record(Side::A, format!("sip:{}@{}", from.user, from.host));
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
        });
        crate::admin::AdminBackend::metrics(self.node.as_ref()).call_started();
        self.sip.command(leg, LegCommand::Answer { answer }).await;
    }

    fn insert(&mut self, call: Call) {
        self.by_leg.insert(call.a, call.id.clone());
        if let Some(b) = call.b {
            self.by_leg.insert(b, call.id.clone());
        }
        self.by_session
            .insert(call.media.session(), call.id.clone());
        self.calls.insert(call.id.clone(), call);
    }

    /// The policy of the configured peer sending from `source` (the
    /// transport source), else the default. A TCP or TLS peer connects
    /// from an ephemeral port, so its IP alone identifies it.
    fn policy_for_source(&self, source: Option<SocketAddr>) -> MediaPolicy {
        let peers = &self.config.peers;
        source
            .and_then(|addr| {
                peers.iter().find(|p| p.address == addr).or_else(|| {
                    peers.iter().find(|p| {
                        p.address.ip() == addr.ip() && p.transport != config::Transport::Udp
                    })
                })
            })
            .map(|peer| peer.media.clone())
            .unwrap_or_else(|| self.config.default_policy.clone())
    }

    async fn refuse(&mut self, leg: LegId, code: u16, headers: Vec<(&'static str, String)>) {
        crate::admin::AdminBackend::metrics(self.node.as_ref()).call_failed(code);
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

    /// A call-model event on a leg of an existing call.
    pub(crate) async fn leg_event(&mut self, leg: LegId, event: LegEvent) {
        let rejection = self.sip.take_rejection(leg);
        let Some(id) = self.by_leg.get(&leg).cloned() else {
            return;
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let side = call.side_of(leg);
        let other = call.leg(side.other());
        match event {
            LegEvent::Progress { early_media } if side == Side::B => {
                let early_media = match (early_media, &mut call.media) {
                    (Some(sdp), Media::Bridged(media)) => match media.b_answered(&self.relay, &sdp)
                    {
                        Ok(answer) => Some(answer),
                        Err(error) => return self.fail_media(&id, error).await,
                    },
                    _ => None,
                };
                self.describe_legs(&id);
                self.sip
                    .command(
                        call_a(&self.calls, &id),
                        LegCommand::Progress { early_media },
                    )
                    .await;
            }
            LegEvent::Answered { .. }
                if side == Side::B && (!call.a_alive || call.ending_since.is_some()) =>
            {
                // The caller went first (its CANCEL crossed this 2xx, or
                // an admin hang-up or drain ended it): the UA has ACKed,
                // so the callee gets BYE (RFC 3261 section 9.1).
                tracing::info!(call = %id, "the callee answered after the caller left");
                self.sip
                    .command(
                        leg,
                        LegCommand::Hangup {
                            cause: Cause::NORMAL_CALL_CLEARING,
                            warning: None,
                        },
                    )
                    .await;
            }
            LegEvent::Answered { answer } if side == Side::B => {
                let result = match &mut call.media {
                    Media::Bridged(media) => media.b_answered(&self.relay, &answer),
                    Media::Echo(_) => return,
                };
                match result {
                    Ok(answer) => {
                        call.answered = true;
                        if let Media::Bridged(media) = &mut call.media {
                            media.b_confirmed();
                            if media.is_transcoding() {
                                crate::admin::AdminBackend::metrics(self.node.as_ref())
                                    .transcoded_streams_changed(2);
                            }
                        }
                        crate::admin::AdminBackend::metrics(self.node.as_ref()).call_started();
                        self.node
                            .update_call(&id, |r| r.answered = Some(Instant::now()));
                        self.describe_legs(&id);
                        tracing::info!(call = %id, "answered");
                        let a = call_a(&self.calls, &id);
                        self.sip.command(a, LegCommand::Answer { answer }).await;
                    }
                    Err(error) => self.fail_media(&id, error).await,
                }
            }
            LegEvent::Updated { offer } => {
                let Media::Bridged(media) = &mut call.media else {
                    // The echo answers a re-offer with the media it has.
                    let cause = Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED;
                    return self
                        .sip
                        .command(
                            leg,
                            LegCommand::RejectUpdate {
                                cause,
                                warning: None,
                            },
                        )
                        .await;
                };
                match media.reoffered(&self.relay, side, &offer) {
                    Ok((answer, reoffer)) => {
                        self.sip
                            .command(leg, LegCommand::AnswerUpdate { answer })
                            .await;
                        if let (Some(offer), Some(other)) = (reoffer, other) {
                            self.sip.command(other, LegCommand::Update { offer }).await;
                        }
                        self.describe_legs(&id);
                    }
                    Err(error) => {
                        let warning = match error {
                            MediaError::NotAcceptable(warning) => Some(warning),
                            MediaError::Resources(_) => None,
                        };
                        let cause = Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED;
                        self.sip
                            .command(leg, LegCommand::RejectUpdate { cause, warning })
                            .await;
                    }
                }
            }
            LegEvent::UpdateAnswered { answer } => {
                if let Media::Bridged(media) = &mut call.media {
                    if let Err(error) = media.reoffer_answered(&self.relay, side, &answer) {
                        tracing::warn!(call = %id, ?error, "re-offer answer not usable");
                    }
                }
            }
            LegEvent::Dtmf(event) => {
                let Some(other) = other else { return };
                let queued = match &call.media {
                    Media::Bridged(media) => media.queue_dtmf(side.other(), event),
                    Media::Echo(_) => false,
                };
                if call.policy(side.other()).dtmf == DtmfMode::Info {
                    self.sip.command(other, LegCommand::Dtmf(event)).await;
                } else if !queued {
                    tracing::info!(call = %id, digit = %event.digit, "INFO key press not relayed: the other leg takes RFC 4733 only");
                }
            }
            LegEvent::KeyframeRequested => {
                if let Some(other) = other {
                    self.sip.command(other, LegCommand::RequestKeyframe).await;
                }
            }
            LegEvent::Ended { cause, warning } => {
                self.leg_ended(&id, side, cause, warning, rejection).await
            }
            _ => {}
        }
    }

    /// A key press the relay took out of a leg's telephone-events goes to
    /// the other leg as SIP INFO.
    pub(crate) async fn dtmf_report(&mut self, report: DtmfReport) {
        let Some(id) = self.by_session.get(&report.session) else {
            return;
        };
        let Some(to) = self.calls.get(id).and_then(|c| c.leg(report.from.other())) else {
            return;
        };
        tracing::info!(call = %id, digit = %report.event.digit, "RFC 4733 -> INFO");
        self.sip.command(to, LegCommand::Dtmf(report.event)).await;
    }

    /// The legs' codecs and crypto into the call table.
    fn describe_legs(&self, id: &str) {
        let Some(Call {
            media: Media::Bridged(media),
            ..
        }) = self.calls.get(id)
        else {
            return;
        };
        let described = [media.describe(Side::A), media.describe(Side::B)];
        self.node.update_call(id, |record| {
            for (leg, (codecs, crypto)) in record.legs.iter_mut().zip(described) {
                leg.codecs = codecs;
                leg.crypto = crypto;
            }
        });
    }

    /// Media could not be agreed after the callee answered: both legs go.
    async fn fail_media(&mut self, id: &str, error: MediaError) {
        let warning = match error {
            MediaError::NotAcceptable(warning) => Some(warning),
            MediaError::Resources(_) => None,
        };
        tracing::info!(call = %id, ?warning, "media failed");
        self.hang_up(id, Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED, warning)
            .await;
    }

    /// Hangs up every leg of call `id` still up.
    pub(crate) async fn hang_up(&mut self, id: &str, cause: Cause, warning: Option<MediaWarning>) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        call.ending_since.get_or_insert_with(Instant::now);
        if !call.answered && call.failure.is_none() {
            call.failure = Some(status_for_cause(cause).unwrap_or(480));
        }
        let legs: Vec<LegId> = [call.leg(Side::A), call.leg(Side::B)]
            .into_iter()
            .flatten()
            .collect();
        for leg in legs {
            let command = LegCommand::Hangup {
                cause,
                warning: warning.clone(),
            };
            self.sip.command(leg, command).await;
        }
    }

    /// Hangs up the call using relay session `session` (media timeout).
    pub(crate) async fn media_timeout(&mut self, session: SessionId) {
        if let Some(id) = self.by_session.get(&session).cloned() {
            tracing::info!(call = %id, "media timeout");
            self.hang_up(&id, Cause::RECOVERY_ON_TIMER_EXPIRY, None)
                .await;
        }
    }

    /// Hangs up every call (end of a drain).
    pub(crate) async fn hang_up_all(&mut self) {
        let ids: Vec<String> = self.calls.keys().cloned().collect();
        for id in ids {
            self.hang_up(&id, Cause::NORMAL_CALL_CLEARING, None).await;
        }
    }

    async fn leg_ended(
        &mut self,
        id: &str,
        side: Side,
        cause: Cause,
        warning: Option<MediaWarning>,
        status: Option<u16>,
    ) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        match side {
            Side::A => call.a_alive = false,
            Side::B => call.b_alive = false,
        }
        if let Some(leg) = match side {
            Side::A => Some(call.a),
            Side::B => call.b,
        } {
            self.by_leg.remove(&leg);
        }
        if !call.answered && call.failure.is_none() {
            call.failure = Some(match side {
                // The caller gave up (CANCEL).
                Side::A => 487,
                // SIP to SIP: the callee's own status, not a Q.850 round trip.
                Side::B => status.unwrap_or_else(|| status_for_cause(cause).unwrap_or(480)),
            });
        }
        call.ending_since.get_or_insert_with(Instant::now);
        let refusal = call.failure.filter(|_| !call.answered && status.is_some());
        match (call.leg(side.other()), refusal) {
            (Some(other), Some(code)) => {
                let headers = warning
                    .map(|w| vec![(names::WARNING, warning_value(&w))])
                    .unwrap_or_default();
                self.sip.reject(other, code, headers).await;
            }
            (Some(other), None) => {
                self.sip
                    .command(other, LegCommand::Hangup { cause, warning })
                    .await;
            }
            (None, _) => self.finish(id),
        }
    }

    /// Frees what call `id` holds and counts it.
    fn finish(&mut self, id: &str) {
        let Some(call) = self.calls.remove(id) else {
            return;
        };
        for leg in [Some(call.a), call.b].into_iter().flatten() {
            self.by_leg.remove(&leg);
        }
        let session = call.media.session();
        self.by_session.remove(&session);
        if let Ok(stats) = self.relay.delete(session) {
            crate::admin::AdminBackend::metrics(self.node.as_ref()).add_relay(&relay_delta(&stats));
        }
        self.node.remove_call(id);
        let metrics = crate::admin::AdminBackend::metrics(self.node.as_ref());
        if let Media::Bridged(media) = &call.media {
            if call.answered && media.is_transcoding() {
                metrics.transcoded_streams_changed(-2);
            }
        }
        match (call.answered, call.failure) {
            (true, _) => metrics.call_ended(),
            (false, Some(status)) => metrics.call_failed(status),
            (false, None) => metrics.call_failed(487),
        }
        tracing::info!(call = %id, answered = call.answered, failure = ?call.failure, "ended");
    }

    /// Publishes what the node holds (SIP dialogs, relay sessions) so
    /// that operators and tests see resources return to zero.
    pub(crate) async fn update_resources(&self) {
        let dialogs = self
            .sip
            .handle()
            .with(|ua, _| ua.dialog_count())
            .await
            .unwrap_or(0);
        let metrics = crate::admin::AdminBackend::metrics(self.node.as_ref());
        metrics.set_resources(dialogs as u64, self.relay.session_count() as u64);
    }

    /// Drops calls whose legs never finished ending (their peers vanished).
    pub(crate) fn reap(&mut self, now: Instant) {
        let stale: Vec<String> = self
            .calls
            .values()
            .filter(|c| {
                c.ending_since
                    .is_some_and(|t| now.duration_since(t) > ENDING_GRACE)
            })
            .map(|c| c.id.clone())
            .collect();
        for id in stale {
            self.finish(&id);
        }
    }
}

fn call_a(calls: &HashMap<String, Call>, id: &str) -> LegId {
    calls.get(id).map_or(LegId(0), |c| c.a)
}

fn leg_record(side: Side, peer: String) -> LegRecord {
    LegRecord {
        side,
        protocol: "sip",
        peer,
        codecs: Vec::new(),
        crypto: String::new(),
    }
}

/// Where a call to `user` at a configured peer goes.
fn peer_destination(peer: &config::Peer, user: &str) -> SipDestination {
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

/// A relay session's final counters as a metrics delta.
pub(crate) fn relay_delta(stats: &tolk_relay::SessionStats) -> RelayDelta {
    let drops = [stats.a.drops, stats.b.drops]
        .iter()
        .flat_map(|d| d.iter().map(|(reason, n)| (reason.label().to_owned(), n)))
        .filter(|(_, n)| *n > 0)
        .collect();
    RelayDelta {
        packets: stats.a.forwarded + stats.b.forwarded,
        bytes: stats.a.bytes_forwarded + stats.b.bytes_forwarded,
        drops,
        srtp_auth_failures: stats.a.drops.get(tolk_relay::DropReason::AuthFailed)
            + stats.b.drops.get(tolk_relay::DropReason::AuthFailed),
    }
}
