//! A SIP user agent server built on tolk-sip: answers every INVITE with
//! 200 and an SDP answer, every other request (INFO, MESSAGE, ...) with
//! 200; BYE, CANCEL and OPTIONS are handled by the UA core. With
//! `--register USER:PASSWORD` it is also a registrar that challenges
//! REGISTER with Digest (realm `tolk`).
//!
//! ```text
//! cargo run -p tolk-sip --example uas -- --udp 127.0.0.1:5070 --tcp 127.0.0.1:5070
//! ```
//!
//! It prints its bound addresses, then one line per ended call, and runs
//! until killed (or for `--seconds N`).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc::UnboundedReceiver;
use tolk_sip::Method;
use tolk_sip::auth::{Algorithm, AuthOutcome, DigestServer};
use tolk_sip::registrar::Registrar;
use tolk_sip::transport::{Driver, DriverConfig, DriverHandle, Transport};
use tolk_sip::ua::{UaConfig, UaEvent, UserAgent};

/// The SDP answer: PCMU on a fixed port (this example relays no media).
pub const ANSWER_SDP: &str = "v=0\r\no=tolk 1 1 IN IP4 127.0.0.1\r\ns=tolk\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/// What the server did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Calls answered with 200.
    pub answered: u64,
    /// Dialogs that ended.
    pub ended: u64,
    /// REGISTER requests accepted by the registrar.
    pub registered: u64,
}

/// The registrar half: Digest realm `tolk`, one user.
pub struct Registration {
    digest: DigestServer,
    registrar: Registrar,
    user: String,
    password: String,
}

impl Registration {
    /// A registrar accepting `user` with `password`.
    pub fn new(user: &str, password: &str) -> Self {
        Registration {
            // MD5 is offered first: sipp 3.6 answers only the first
            // challenge and only with MD5 (SHA-256 is tested Tolk to Tolk).
            digest: DigestServer::new("tolk", now(), u64::from(std::process::id()))
                .with_algorithms(vec![Algorithm::Md5, Algorithm::Sha256]),
            registrar: Registrar::new(),
            user: user.to_owned(),
            password: password.to_owned(),
        }
    }

    /// The answer to a REGISTER: a challenge, or the registrar's 200.
    fn answer(&mut self, request: &tolk_sip::Request, tag: &str) -> Option<tolk_sip::Response> {
        let lookup = |u: &str| (u == self.user).then(|| self.password.clone());
        match self.digest.verify(now(), request, tag, lookup).ok()? {
            AuthOutcome::Authorized { .. } => self.registrar.register(now(), request, tag).ok(),
            AuthOutcome::Challenge(response) | AuthOutcome::Forbidden(response) => Some(response),
        }
    }
}

/// The driver's clock (tokio's), as the sans-IO parts take it.
fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

/// Serves the events of a running user agent until the driver stops,
/// or until `calls` dialogs have ended or registrations succeeded.
pub async fn serve(
    handle: DriverHandle<UserAgent>,
    mut events: UnboundedReceiver<UaEvent>,
    verbose: bool,
    calls: Option<u64>,
    mut registration: Option<Registration>,
) -> Stats {
    let mut stats = Stats::default();
    while let Some(event) = events.recv().await {
        match event {
            UaEvent::IncomingCall { dialog, .. } | UaEvent::Reinvite { dialog, .. } => {
                let answer = Bytes::from_static(ANSWER_SDP.as_bytes());
                let answered = handle
                    .with(move |ua, now| ua.answer(now, dialog, 200, answer))
                    .await;
                if matches!(answered, Ok(Ok(()))) {
                    stats.answered += 1;
                }
            }
            UaEvent::Request { id, request, .. } if *request.method() == Method::Register => {
                let tag = format!("reg{}", stats.registered);
                let answer = registration.as_mut().and_then(|r| r.answer(&request, &tag));
                if answer.as_ref().is_some_and(|r| r.code() == 200) {
                    stats.registered += 1;
                }
                let _ = match answer {
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
            UaEvent::Terminated { dialog, reason } => {
                stats.ended += 1;
                if verbose {
                    println!("{dialog} ended: {reason:?}");
                }
            }
            _ => {}
        }
        if calls.is_some_and(|n| stats.ended + stats.registered >= n) {
            break;
        }
    }
    stats
}

/// Starts a user agent on the given addresses.
pub async fn start(
    udp: Option<SocketAddr>,
    tcp: Option<SocketAddr>,
) -> Result<(DriverHandle<UserAgent>, UnboundedReceiver<UaEvent>), tolk_sip::Error> {
    let config = DriverConfig {
        udp,
        tcp,
        ..DriverConfig::default()
    };
    Driver::spawn(UserAgent::new(UaConfig::default()), config).await
}

/// Command-line options.
struct Args {
    udp: Option<SocketAddr>,
    tcp: Option<SocketAddr>,
    seconds: Option<u64>,
    register: Option<(String, String)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut udp, mut tcp, mut seconds, mut register) = (None, None, None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--udp" => udp = Some(value.parse().map_err(|e| format!("--udp: {e}"))?),
            "--tcp" => tcp = Some(value.parse().map_err(|e| format!("--tcp: {e}"))?),
            "--seconds" => seconds = Some(value.parse().map_err(|e| format!("--seconds: {e}"))?),
            "--register" => {
                let (user, password) = value.split_once(':').ok_or("--register USER:PASSWORD")?;
                register = Some((user.to_owned(), password.to_owned()));
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if udp.is_none() && tcp.is_none() {
        udp = "127.0.0.1:5070".parse().ok();
    }
    Ok(Args {
        udp,
        tcp,
        seconds,
        register,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let Args {
        udp,
        tcp,
        seconds,
        register,
    } = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "uas: {e}\nusage: uas [--udp ADDR] [--tcp ADDR] [--seconds N] [--register USER:PASSWORD]"
            );
            return std::process::ExitCode::from(2);
        }
    };
    let (handle, events) = match start(udp, tcp).await {
        Ok(started) => started,
        Err(e) => {
            eprintln!("uas: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    for transport in [Transport::Udp, Transport::Tcp] {
        if let Some(addr) = handle.local_addr(transport) {
            println!("listening {transport} {addr}");
        }
    }
    let registration = register.map(|(user, password)| Registration::new(&user, &password));
    let served = serve(handle, events, true, None, registration);
    match seconds {
        Some(s) => {
            let _ = tokio::time::timeout(Duration::from_secs(s), served).await;
        }
        None => {
            served.await;
        }
    }
    std::process::ExitCode::SUCCESS
}
