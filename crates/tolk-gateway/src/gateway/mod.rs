//! The embeddable gateway: a [`Gateway`] is built from a [`Config`] and a
//! [`Router`] (the configuration's dial plan unless a vendor supplies its
//! own), and [`Gateway::start`] runs SIP, the media relay, the registrar
//! and the admin API on the current tokio runtime.
//!
//! ```no_run
//! use tolk_gateway::config::Config;
//! use tolk_gateway::gateway::Gateway;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let running = Gateway::new(Config::embedded_default()?).start().await?;
//! // ... later, on SIGTERM: no new calls, wait for the calls up to end.
//! running.drain();
//! running.finished().await;
//! # Ok(()) }
//! ```
//!
//! One task owns the calls: it reads the user agent's events through the
//! SIP leg adapter ([`sip_leg`]), the relay's events (media timeouts) and
//! admin commands, and drives the [`bridge`].
//!
//! A call is finished (relay sessions deleted, ports freed, counted, gone
//! from the admin API) once both its legs have ended, and a SIP leg ends
//! as soon as its BYE is sent or received: the user agent retransmits an
//! unanswered BYE on its own, holding nothing of the call. A drain ends
//! by finishing the calls still there and waiting (at most 2 s) for the
//! relay deletes still running, so that the metrics are final when
//! [`Running::finished`] returns.

pub mod bridge;
mod drain;
pub mod dtmf;
pub mod echo;
pub mod media;
pub mod node;
pub mod policy;
pub mod registrar;
mod relay_cork;
mod relay_deletes;
mod relay_watch;
mod reoffer;
pub mod router;
mod rtcp_mux;
pub mod sip_leg;
mod turn;
pub mod video;

use relay_cork::RelayCork;
use relay_watch::RelayWatch;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use turn::Turn;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tolk_interwork::LegEvent;
use tolk_relay::{Relay, RelayConfig, SessionPolicy};
use tolk_sip::Method;
use tolk_sip::dialog::DialogIds;
use tolk_sip::transport::tls::{self, Identity};
use tolk_sip::transport::{Driver, DriverConfig, Transport};
use tolk_sip::ua::{UaConfig, UaEvent, UserAgent};

use drain::{Drain, DrainStep};

use crate::admin;
use crate::config::{self, Config};
use bridge::Bridge;
use node::Control;
pub use node::Node;
pub use router::{CallRequest, Router};
use sip_leg::{SipInput, SipLegs};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// A SIP listener could not start.
    #[error("cannot start SIP: {0}")]
    Sip(String),
    /// The media relay could not start.
    #[error("cannot start the media relay: {0}")]
    Relay(String),
    /// The admin API could not listen.
    #[error("cannot start the admin API: {0}")]
    Admin(String),
    /// The configuration cannot run.
    #[error("configuration: {0}")]
    Config(String),
}

/// A gateway to start: configuration and router.
pub struct Gateway {
    config: Config,
    router: Arc<dyn Router>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").finish_non_exhaustive()
    }
}

impl Gateway {
    /// A gateway routing by `config`'s dial plan.
    pub fn new(config: Config) -> Self {
        let router = Arc::new(config.dial_plan.clone());
        Gateway { config, router }
    }

    /// Routes calls with `router` instead of the dial plan.
    pub fn with_router(mut self, router: impl Router) -> Self {
        self.router = Arc::new(router);
        self
    }

    /// Binds every listener and starts serving on the current runtime.
    pub async fn start(self) -> Result<Running, GatewayError> {
        let config = Arc::new(self.config);
        let (handle, dialog_ids, events) = start_sip(&config).await?;
        let range = config
            .media
            .port_range()
            .ok_or_else(|| GatewayError::Config("media.ports is invalid".into()))?;
        let relay = Relay::start(RelayConfig {
            ports: (*range.start(), *range.end()),
            workers: 0,
            policy: SessionPolicy {
                timeout: Duration::from_secs(config.media.timeout_secs),
                ..SessionPolicy::default()
            },
            ..RelayConfig::default()
        })
        .map_err(|e| GatewayError::Relay(e.to_string()))?;
        let relay = Arc::new(relay);
        let (control_tx, control) = mpsc::unbounded_channel();
        let node = Arc::new(Node::new(relay.clone(), control_tx));
        let admin = match &config.admin {
            Some(admin) => {
                let listener = tokio::net::TcpListener::bind(admin.address)
                    .await
                    .map_err(|e| GatewayError::Admin(format!("{}: {e}", admin.address)))?;
                let address = listener.local_addr().ok();
                let app = admin::router(node.clone());
                tokio::spawn(async move { axum::serve(listener, app).await });
                address
            }
            None => None,
        };
        let sip_addrs = [Transport::Udp, Transport::Tcp, Transport::Tls]
            .into_iter()
            .filter_map(|t| handle.local_addr(t).map(|a| (t, a)))
            .collect();
        let relay_events = relay_events(&relay);
        let (dtmf_tx, dtmf) = mpsc::unbounded_channel();
        let mut sip = SipLegs::new(handle, dialog_ids);
        let reoffers = sip
            .take_retries()
            .unwrap_or_else(|| mpsc::unbounded_channel().1);
        let (relay_watch, relay_failures) = RelayWatch::new();
        let cork = RelayCork::new(Arc::clone(&relay));
        let bridge = Bridge::new(
            config.clone(),
            self.router,
            sip,
            relay,
            node.clone(),
            dtmf_tx,
            relay_watch,
        );
        let drain_timeout = Duration::from_secs(config.node.drain_timeout_secs);
        let inputs = Inputs {
            sip: events,
            relay: relay_events,
            control,
            dtmf,
            reoffers,
            relay_failures,
        };
        let task = tokio::spawn(event_loop(bridge, inputs, cork, drain_timeout));
        Ok(Running {
            sip: sip_addrs,
            admin,
            node,
            task,
        })
    }
}

/// A started gateway.
#[derive(Debug)]
pub struct Running {
    sip: Vec<(Transport, SocketAddr)>,
    admin: Option<SocketAddr>,
    node: Arc<Node>,
    task: JoinHandle<()>,
}

impl Running {
    /// The bound SIP address of `transport`.
    pub fn sip_addr(&self, transport: Transport) -> Option<SocketAddr> {
        self.sip
            .iter()
            .find(|(t, _)| *t == transport)
            .map(|(_, a)| *a)
    }

    /// The bound admin API address.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// The node: call table, metrics, drain state.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// Starts a graceful drain (what SIGTERM does).
    pub fn drain(&self) {
        self.node.drain();
    }

    /// Waits until a drain has finished.
    pub async fn finished(self) {
        let _ = self.task.await;
    }

    /// Stops at once: calls are not hung up.
    pub fn stop(self) {
        self.task.abort();
    }
}

async fn start_sip(
    config: &Config,
) -> Result<
    (
        tolk_sip::transport::DriverHandle<UserAgent>,
        DialogIds,
        mpsc::UnboundedReceiver<UaEvent>,
    ),
    GatewayError,
> {
    let listen = |transport| {
        config
            .listeners
            .iter()
            .find(|l| l.transport == transport)
            .map(|l| l.address)
    };
    let tls = listen(config::Transport::Tls);
    let tls_listener = config
        .listeners
        .iter()
        .find(|l| l.transport == config::Transport::Tls);
    let tls_server = match tls_listener {
        Some(listener) => Some(tls_server_config(listener).map_err(GatewayError::Sip)?),
        None => None,
    };
    let driver = DriverConfig {
        udp: listen(config::Transport::Udp),
        tcp: listen(config::Transport::Tcp),
        tls,
        tls_server,
        ..Default::default()
    };
    let mut ua_config = UaConfig {
        product: format!("tolk/{}", env!("CARGO_PKG_VERSION")),
        ..UaConfig::default()
    };
    // Fresh tags, branches and Call-IDs on every start: a restarted node
    // must not reuse the identifiers of its previous life.
    ua_config.layer.seed = rand::random();
    let ua = UserAgent::new(ua_config);
    let dialog_ids = ua.dialog_ids();
    let (handle, events) = Driver::spawn(ua, driver)
        .await
        .map_err(|e| GatewayError::Sip(e.to_string()))?;
    Ok((handle, dialog_ids, events))
}

/// The TLS listener's certificate: the configured PEM files, else a
/// self-signed one made now.
fn tls_server_config(listener: &config::Listener) -> Result<Arc<rustls::ServerConfig>, String> {
    let configured = listener
        .certificate
        .as_ref()
        .zip(listener.private_key.as_ref());
    match configured {
        Some((certificate, key)) => tls::server_config_from_pem_files(certificate, key),
        None => Identity::self_signed(&["localhost", "127.0.0.1"])
            .and_then(|identity| identity.server_config()),
    }
    .map_err(|e| e.to_string())
}

/// The relay's events on a tokio channel (its own channel blocks).
fn relay_events(relay: &Relay) -> mpsc::UnboundedReceiver<tolk_relay::Event> {
    let (tx, rx) = mpsc::unbounded_channel();
    if let Some(events) = relay.take_events() {
        std::thread::spawn(move || {
            while let Ok(event) = events.recv() {
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// What the event loop listens to.
struct Inputs {
    sip: mpsc::UnboundedReceiver<UaEvent>,
    relay: mpsc::UnboundedReceiver<tolk_relay::Event>,
    control: mpsc::UnboundedReceiver<Control>,
    dtmf: mpsc::UnboundedReceiver<dtmf::DtmfReport>,
    /// SIP legs whose re-offer is due again after glare.
    reoffers: mpsc::UnboundedReceiver<tolk_interwork::LegId>,
    /// Relay sessions the worker could not set up as asked.
    relay_failures: mpsc::UnboundedReceiver<tolk_relay::SessionId>,
}

impl Inputs {
    /// Whether more events wait already.
    fn backlog(&self) -> bool {
        !(self.sip.is_empty()
            && self.relay.is_empty()
            && self.control.is_empty()
            && self.dtmf.is_empty()
            && self.reoffers.is_empty()
            && self.relay_failures.is_empty())
    }
}

async fn event_loop(
    mut bridge: Bridge,
    mut inputs: Inputs,
    cork: RelayCork,
    drain_timeout: Duration,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut drain: Option<Drain> = None;
    let mut turn = Turn::default();
    loop {
        tokio::select! {
            event = inputs.sip.recv() => match event {
                Some(event) => sip_event(&mut bridge, event).await,
                None => break,
            },
            Some(report) = inputs.dtmf.recv() => bridge.dtmf_report(report).await,
            Some(leg) = inputs.reoffers.recv() => bridge.retry_reoffer(leg).await,
            Some(session) = inputs.relay_failures.recv() => bridge.relay_failed(session).await,
            Some(event) = inputs.relay.recv() => {
                match event {
                    tolk_relay::Event::Timeout { session, .. } => bridge.media_timeout(session).await,
                    tolk_relay::Event::KeyframeRequest { session, side, .. } => {
                        bridge.relay_keyframe(session, side).await;
                    }
                    _ => {}
                }
            }
            Some(command) = inputs.control.recv() => match command {
                Control::HangUp(id) => {
                    let cause = tolk_interwork::Cause::NORMAL_CALL_CLEARING;
                    bridge.hang_up(&id, "admin", cause, None).await;
                }
                Control::Drain => {
                    drain.get_or_insert_with(|| Drain::new(Instant::now() + drain_timeout));
                }
            },
            _ = tick.tick() => {
                let now = Instant::now();
                bridge.registrar.expire(now);
                bridge.reap(now).await;
                bridge.ring_timeouts(now).await;
                bridge.sample_resources();
                match drain.as_mut().map(|d| d.step(now, bridge.call_count())) {
                    Some(DrainStep::Stop) => {
                        bridge.stop().await;
                        break;
                    }
                    Some(DrainStep::HangUpAll) => bridge.hang_up_all().await,
                    Some(DrainStep::Wait) | None => {}
                }
            }
        }
        let backlog = inputs.backlog();
        cork.after_event(backlog);
        turn.after_event(backlog).await;
    }
}

async fn sip_event(bridge: &mut Bridge, event: UaEvent) {
    match bridge.sip.translate(event).await {
        SipInput::Incoming {
            leg,
            event: LegEvent::Incoming { from, to, offer },
            source,
        } => bridge.incoming(leg, from, to, offer, source).await,
        SipInput::Incoming { .. } | SipInput::Handled => {}
        SipInput::Leg(leg, event) => bridge.leg_event(leg, event).await,
        SipInput::Answer(id, response) => bridge.message_answered(id, response).await,
        SipInput::DialogMessage(leg, id, request) => bridge.dialog_message(leg, id, request).await,
        SipInput::Request(id, request) if *request.method() == Method::Message => {
            bridge.message(id, request).await;
        }
        SipInput::Request(id, request) => {
            let response = match request.method() {
                Method::Register => bridge.registrar.answer(Instant::now(), &request),
                _ => None,
            };
            // A REGISTER whose answer cannot even be built (no usable To,
            // Call-ID or CSeq) is malformed.
            let code = if *request.method() == Method::Register {
                400
            } else {
                200
            };
            bridge.sip.run(move |ua, now| {
                let _ = match response {
                    Some(response) => ua.respond_with(now, id, response),
                    None => ua.respond(now, id, code, None),
                };
            });
        }
    }
}
