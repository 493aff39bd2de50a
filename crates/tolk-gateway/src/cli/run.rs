//! `tolk run`: the gateway node.
//!
//! What runs today: SIP on every configured UDP/TCP/TLS listener (TLS
//! with a self-signed certificate when none is configured), the media
//! relay, the admin API, the registrar (REGISTER without authentication
//! for the configured domains) and the `echo` target, which answers with
//! plain RTP and loops the caller's media back through the relay.
//! Routes to registered users or peers are refused with 480/501 until the
//! B2BUA bridge lands (issue 5); SRTP-only offers get 488.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use tokio::sync::mpsc::UnboundedReceiver;
use tolk_relay::latch::LatchPolicy;
use tolk_relay::{EndpointSpec, LegUpdate, Relay, RelayConfig, SessionId, SessionPolicy, Side};
use tolk_sdp::negotiate::profiles;
use tolk_sip::dialog::DialogId;
use tolk_sip::registrar::Registrar;
use tolk_sip::transport::tls::Identity;
use tolk_sip::transport::{Driver, DriverConfig, DriverHandle};
use tolk_sip::ua::{UaConfig, UaEvent, UserAgent};
use tolk_sip::{Method, Uri};

use crate::admin::{self, AdminBackend, CallSummary};
use crate::config::{Config, Target, Transport};
use crate::metrics::Metrics;

/// `tolk run` options.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Configuration file; without it the embedded default runs.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub(crate) fn run(args: RunArgs) -> ExitCode {
    let config = match &args.config {
        Some(path) => Config::load(path),
        None => Config::embedded_default(),
    };
    let config = match config {
        Ok(config) => config,
        Err(err) => {
            eprintln!("config error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tolk: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tolk: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The node's shared state, as the admin API sees it.
#[derive(Default)]
struct Node {
    metrics: Metrics,
}

impl AdminBackend for Node {
    fn calls(&self) -> Vec<CallSummary> {
        Vec::new()
    }
    fn hang_up(&self, _id: &str) -> bool {
        false
    }
    fn draining(&self) -> bool {
        false
    }
    fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let listen = |transport| {
        config
            .listeners
            .iter()
            .find(|l| l.transport == transport)
            .map(|l| l.address)
    };
    let tls = listen(Transport::Tls);
    let tls_server = match tls {
        Some(_) => {
            let identity =
                Identity::self_signed(&["localhost", "127.0.0.1"]).map_err(|e| e.to_string())?;
            Some(identity.server_config().map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let driver = DriverConfig {
        udp: listen(Transport::Udp),
        tcp: listen(Transport::Tcp),
        tls,
        tls_server,
        ..Default::default()
    };
    let ua_config = UaConfig {
        product: format!("tolk/{}", env!("CARGO_PKG_VERSION")),
        ..UaConfig::default()
    };
    let (handle, events) = Driver::spawn(UserAgent::new(ua_config), driver)
        .await
        .map_err(|e| format!("cannot start SIP: {e}"))?;
    for transport in [
        tolk_sip::transport::Transport::Udp,
        tolk_sip::transport::Transport::Tcp,
        tolk_sip::transport::Transport::Tls,
    ] {
        if let Some(addr) = handle.local_addr(transport) {
            println!("tolk: SIP {} on {addr}", transport.via_name());
        }
    }

    let range = config.media.port_range().ok_or("media.ports is invalid")?;
    let relay = Relay::start(RelayConfig {
        ports: (*range.start(), *range.end()),
        workers: 0,
        policy: SessionPolicy {
            timeout: Duration::from_secs(config.media.timeout_secs),
            ..SessionPolicy::default()
        },
    })
    .map_err(|e| format!("cannot start the media relay: {e}"))?;
    println!(
        "tolk: media relay on {} ports {}",
        config.media.address, config.media.ports
    );

    let node = Arc::new(Node::default());
    if let Some(admin) = &config.admin {
        let listener = tokio::net::TcpListener::bind(admin.address)
            .await
            .map_err(|e| format!("cannot listen on {} (admin): {e}", admin.address))?;
        println!(
            "tolk: admin HTTP on http://{}/ (health, metrics, calls)",
            admin.address
        );
        let app = admin::router(node.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    println!(
        "tolk: ready; call sip:echo@{} for an echo test, Ctrl-C to stop",
        config.media.address
    );

    tokio::select! {
        () = handle_events(&config, &handle, events, &relay, &node) => Ok(()),
        _ = tokio::signal::ctrl_c() => {
            println!("tolk: stopping");
            Ok(())
        }
    }
}

/// The driver's clock, as the sans-IO parts take it.
fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

async fn handle_events(
    config: &Config,
    handle: &DriverHandle<UserAgent>,
    mut events: UnboundedReceiver<UaEvent>,
    relay: &Relay,
    node: &Node,
) {
    let mut registrar = Registrar::new();
    let mut echoes: std::collections::HashMap<DialogId, SessionId> =
        std::collections::HashMap::new();
    let mut tags = 0u64;
    while let Some(event) = events.recv().await {
        match event {
            UaEvent::IncomingCall {
                dialog,
                request,
                sdp,
            } => {
                let (user, host) = request_target(request.uri());
                let decision = config.dial_plan.route(&user, &host);
                let (code, answer, session) = match decision.map(|d| d.target) {
                    Some(Target::Echo) => match echo(relay, config.media.address, &sdp) {
                        Ok((answer, session)) => (200, answer, Some(session)),
                        Err(code) => (code, Bytes::new(), None),
                    },
                    Some(Target::Registrar) => {
                        let aor = format!("sip:{user}@{host}");
                        let bound = !registrar.lookup(now(), &aor).is_empty();
                        (if bound { 501 } else { 480 }, Bytes::new(), None)
                    }
                    Some(Target::Peer(_)) => (501, Bytes::new(), None),
                    None => (404, Bytes::new(), None),
                };
                if let Some(session) = session {
                    echoes.insert(dialog, session);
                    node.metrics.call_started();
                } else {
                    node.metrics.call_failed(code);
                }
                let _ = handle
                    .with(move |ua, now| ua.answer(now, dialog, code, answer))
                    .await;
            }
            UaEvent::Request { id, request, .. } if *request.method() == Method::Register => {
                tags += 1;
                let tag = format!("reg{tags}");
                let (_, host) = request_target(request.uri());
                let allowed = config
                    .registrar
                    .as_ref()
                    .is_some_and(|r| r.domains.contains(&host));
                let response = if allowed {
                    registrar.register(now(), &request, &tag).ok()
                } else {
                    None
                };
                let _ = match response {
                    Some(response) => {
                        handle
                            .with(move |ua, now| ua.respond_with(now, id, response))
                            .await
                    }
                    None => {
                        handle
                            .with(move |ua, now| ua.respond(now, id, 403, None))
                            .await
                    }
                };
            }
            UaEvent::Request { id, .. } => {
                let _ = handle
                    .with(move |ua, now| ua.respond(now, id, 200, None))
                    .await;
            }
            UaEvent::Terminated { dialog, .. } => {
                if let Some(session) = echoes.remove(&dialog) {
                    if let Ok(stats) = relay.delete(session) {
                        node.metrics.add_relay(&crate::metrics::RelayDelta {
                            packets: stats.a.forwarded + stats.b.forwarded,
                            ..Default::default()
                        });
                    }
                    node.metrics.call_ended();
                }
            }
            _ => {}
        }
    }
}

/// The request-URI's user and host.
fn request_target(uri: Uri<'_>) -> (String, String) {
    match uri.as_sip() {
        Some(sip) => (sip.user.unwrap_or("").to_owned(), sip.host.to_string()),
        None => (String::new(), String::new()),
    }
}

/// Answers an offer for the echo target: plain RTP audio through a relay
/// session whose leg B sends to itself, so that leg A's media comes back.
fn echo(relay: &Relay, address: IpAddr, sdp: &[u8]) -> Result<(Bytes, SessionId), u16> {
    let offer = tolk_sdp::parse(sdp).map_err(|_| 400u16)?;
    let spec = EndpointSpec {
        ip: address,
        rtcp_mux: false,
    };
    let session = relay.create_session(spec, spec).map_err(|_| 503u16)?;
    let mut local = EchoMedia {
        address,
        port: session.a.rtp.port(),
    };
    let answer = match tolk_sdp::answer(&offer, &profiles::sip_audio(), &mut local) {
        Ok(answer) => answer,
        Err(_) => {
            let _ = relay.delete(session.id);
            return Err(488);
        }
    };
    let remote = offer
        .media
        .iter()
        .enumerate()
        .find(|(_, m)| m.port != 0)
        .and_then(|(index, m)| {
            let ip = offer.connection_for(index)?.to_ip()?;
            Some(SocketAddr::new(ip, m.port))
        });
    let a = LegUpdate {
        remote,
        latch: Some(LatchPolicy::LatchFirst),
        ..LegUpdate::default()
    };
    let b = LegUpdate {
        remote: Some(session.b.rtp),
        latch: Some(LatchPolicy::Strict),
        ..LegUpdate::default()
    };
    if relay
        .update(session.id, Side::A, a)
        .and_then(|()| relay.update(session.id, Side::B, b))
        .is_err()
    {
        let _ = relay.delete(session.id);
        return Err(500);
    }
    Ok((Bytes::from(answer.description.to_bytes()), session.id))
}

struct EchoMedia {
    address: IpAddr,
    port: u16,
}

impl tolk_sdp::LocalMedia for EchoMedia {
    fn address(&self) -> IpAddr {
        self.address
    }
    fn port(&mut self, _index: usize, _kind: &tolk_sdp::model::MediaKind) -> u16 {
        self.port
    }
    fn session_id(&mut self) -> u64 {
        rand::random::<u32>().into()
    }
    fn ice_credentials(&mut self) -> (String, String) {
        (String::new(), String::new())
    }
    fn fingerprint(&self) -> Option<tolk_sdp::model::Fingerprint> {
        None
    }
    fn srtp_key_material(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| rand::random::<u8>()).collect()
    }
}
