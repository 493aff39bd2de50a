//! The gateway's configuration: a TOML file (or the embedded default)
//! read into typed, validated settings.
//!
//! Parsing happens in two steps: serde reads the file's shape (unknown
//! keys are errors, so a typo never passes silently), then [`Config::parse`]
//! checks what serde cannot: addresses, port ranges, names that refer to
//! each other. Every error names the field, e.g. `route[2].target`.
//!
//! File paths in a configuration file (a TLS listener's `certificate`
//! and `private_key`) are relative to the directory of that file, so a
//! configuration works the same from any working directory; absolute
//! paths are taken as they are. [`Config::parse`], which has no file,
//! reads them relative to the working directory.

mod dial_plan;
mod policy;

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use dial_plan::{DialPlan, RouteDecision, RouteRule, Target};
pub use policy::{DtmfMode, KNOWN_CODECS, KeyframeMode, MediaPolicy, SrtpPolicy};

/// The embedded default configuration (`tolk run` without `--config`).
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not valid TOML, or a key of the wrong type or unknown name.
    #[error("{0}")]
    Syntax(String),
    /// Well-formed but wrong: the field and what is wrong with it.
    #[error("{field}: {reason}")]
    Invalid {
        /// Dotted path of the field, e.g. `listen[1].address`.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

/// A SIP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SIP over UDP.
    Udp,
    /// SIP over TCP.
    Tcp,
    /// SIP over TLS (rustls).
    Tls,
}

/// One SIP listening socket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// Transport.
    pub transport: Transport,
    /// Local address and port (IPv4 or `[IPv6]:port`).
    pub address: SocketAddr,
    /// TLS only: PEM certificate chain, end-entity first (a path,
    /// relative to the configuration file's directory). Without one the
    /// listener presents a self-signed certificate made at start.
    pub certificate: Option<PathBuf>,
    /// TLS only: PEM private key matching `certificate`, required with it
    /// (a path, relative like `certificate`).
    pub private_key: Option<PathBuf>,
}

/// Node identity and lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Name used in logs, metrics and the User-Agent/Server header.
    #[serde(default = "default_name")]
    pub name: String,
    /// How long calls may continue after SIGTERM before they are ended.
    #[serde(default = "default_drain")]
    pub drain_timeout_secs: u64,
    /// How long an outgoing leg may ring unanswered before it is
    /// cancelled and the caller gets 480 (cause 19, no answer).
    #[serde(default = "default_ring_timeout")]
    pub ring_timeout_secs: u64,
}

fn default_name() -> String {
    "tolk".into()
}

fn default_drain() -> u64 {
    30
}

fn default_ring_timeout() -> u64 {
    120
}

impl Default for Node {
    fn default() -> Self {
        Node {
            name: default_name(),
            drain_timeout_secs: default_drain(),
            ring_timeout_secs: default_ring_timeout(),
        }
    }
}

/// The admin HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Admin {
    /// Listening address of the admin API (`/health`, `/metrics`, calls).
    pub address: SocketAddr,
}

/// The media relay's sockets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// Local address media ports bind to and SDP advertises.
    pub address: IpAddr,
    /// Port range, `LO-HI`, inclusive.
    pub ports: String,
    /// Seconds of media silence after which an answered call is torn
    /// down (a call still ringing is bounded by the ring timeout).
    #[serde(default = "default_media_timeout")]
    pub timeout_secs: u64,
}

fn default_media_timeout() -> u64 {
    60
}

impl Media {
    /// The port range as numbers (validated by [`Config::parse`]).
    pub fn port_range(&self) -> Option<RangeInclusive<u16>> {
        let (low, high) = self.ports.split_once('-')?;
        let (low, high): (u16, u16) = (low.trim().parse().ok()?, high.trim().parse().ok()?);
        (low > 0 && low < high).then_some(low..=high)
    }
}

/// The built-in registrar.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registrar {
    /// Hosts whose addresses of record may register here.
    pub domains: Vec<String>,
    /// Shortest registration accepted (shorter gets 423 + Min-Expires).
    #[serde(default = "default_min_expires")]
    pub min_expires_secs: u32,
    /// Longest registration granted (longer is shortened).
    #[serde(default = "default_max_expires")]
    pub max_expires_secs: u32,
    /// Digest realm of every challenge. Without it, a request is
    /// challenged in the realm of its Request-URI's domain when that is
    /// one of `domains`, else in the first domain's.
    pub realm: Option<String>,
    /// Who may register: with users listed, a REGISTER must answer a
    /// Digest challenge (401; 403 for wrong credentials) with the
    /// password of its To user. Empty: anyone may register.
    #[serde(default)]
    pub users: Vec<RegistrarUser>,
    /// Challenge INVITEs from sources that are not configured peers
    /// with 407 (needs `users`).
    #[serde(default)]
    pub challenge_invites: bool,
    /// Digest algorithms challenged with, in order of preference
    /// (`SHA-256`, `MD5`). Some clients (sipp, baresip 1.0) fail on a
    /// SHA-256 challenge instead of answering the MD5 one.
    #[serde(default = "default_digest_algorithms")]
    pub digest_algorithms: Vec<String>,
    /// How long a challenge's nonce stays fresh; an older one gets a new
    /// challenge with `stale=true`.
    #[serde(default = "default_nonce_lifetime")]
    pub nonce_lifetime_secs: u64,
    /// Most contacts one address of record may bind (more: 403).
    #[serde(default = "default_max_contacts")]
    pub max_contacts_per_aor: usize,
    /// Most addresses of record bound at once (a new one beyond: 503).
    #[serde(default = "default_max_aors")]
    pub max_aors: usize,
}

/// A user of the registrar and its password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrarUser {
    /// The user part of the address of record.
    pub user: String,
    /// The Digest password.
    pub password: String,
}

impl std::fmt::Debug for RegistrarUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrarUser")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Registrar {
    /// The one realm of the Digest challenges when `realm` is set, else
    /// the first domain's (the realm of requests to other hosts).
    pub fn realm(&self) -> &str {
        self.realm
            .as_deref()
            .or(self.domains.first().map(String::as_str))
            .unwrap_or("tolk")
    }
}

fn default_digest_algorithms() -> Vec<String> {
    vec!["SHA-256".into(), "MD5".into()]
}

fn default_nonce_lifetime() -> u64 {
    300
}

fn default_max_contacts() -> usize {
    10
}

fn default_max_aors() -> usize {
    10_000
}

fn default_min_expires() -> u32 {
    60
}

fn default_max_expires() -> u32 {
    3600
}

/// A SIP peer or trunk that routes can name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    /// Name for `peer:NAME` route targets.
    pub name: String,
    /// Where to send requests.
    pub address: SocketAddr,
    /// Transport to use.
    #[serde(default = "default_transport")]
    pub transport: Transport,
    /// Media policy for legs to and from this peer.
    #[serde(default)]
    pub media: MediaPolicy,
}

fn default_transport() -> Transport {
    Transport::Udp
}

/// The whole configuration, as the file spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    node: Node,
    #[serde(default)]
    listen: Vec<Listener>,
    admin: Option<Admin>,
    media: Media,
    registrar: Option<Registrar>,
    #[serde(default)]
    default_policy: MediaPolicy,
    #[serde(default)]
    peer: Vec<Peer>,
    #[serde(default)]
    route: Vec<RouteRule>,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Node identity and lifecycle.
    pub node: Node,
    /// SIP listening sockets.
    pub listeners: Vec<Listener>,
    /// Admin API, if enabled.
    pub admin: Option<Admin>,
    /// Media relay sockets.
    pub media: Media,
    /// Registrar, if enabled.
    pub registrar: Option<Registrar>,
    /// Policy for callers that are not a configured peer.
    pub default_policy: MediaPolicy,
    /// Configured peers and trunks.
    pub peers: Vec<Peer>,
    /// The compiled dial plan.
    pub dial_plan: DialPlan,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

impl Config {
    /// The embedded default configuration.
    pub fn embedded_default() -> Result<Self, ConfigError> {
        Self::parse(DEFAULT_CONFIG)
    }

    /// Reads and validates a configuration file; the file paths in it
    /// are relative to its directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new(""));
        Self::parse_in(&text, dir)
    }

    /// Parses and validates configuration text; its file paths are
    /// relative to the working directory.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        Self::parse_in(text, Path::new(""))
    }

    /// Parses and validates configuration text whose relative file paths
    /// start from `dir`.
    fn parse_in(text: &str, dir: &Path) -> Result<Self, ConfigError> {
        let mut file: File =
            toml::from_str(text).map_err(|err| ConfigError::Syntax(err.to_string()))?;
        for listener in &mut file.listen {
            for path in [&mut listener.certificate, &mut listener.private_key]
                .into_iter()
                .flatten()
            {
                // An absolute path replaces `dir` (Path::join).
                *path = dir.join(&*path);
            }
        }

        if file.listen.is_empty() {
            return Err(invalid(
                "listen",
                "at least one [[listen]] socket is needed",
            ));
        }
        for (index, listener) in file.listen.iter().enumerate() {
            let field = |name: &str| format!("listen[{index}].{name}");
            let clash = file.listen[..index].iter().any(|earlier| {
                earlier.address == listener.address
                    && (earlier.transport == Transport::Udp)
                        == (listener.transport == Transport::Udp)
            });
            if clash {
                return Err(invalid(
                    field("address"),
                    format!("{} is already used", listener.address),
                ));
            }
            match (
                listener.transport,
                &listener.certificate,
                &listener.private_key,
            ) {
                (Transport::Tls, Some(_), None) | (Transport::Tls, None, Some(_)) => {
                    return Err(invalid(
                        field("certificate"),
                        "give certificate and private_key together",
                    ));
                }
                (Transport::Udp | Transport::Tcp, Some(_), _)
                | (Transport::Udp | Transport::Tcp, _, Some(_)) => {
                    return Err(invalid(
                        field("certificate"),
                        "only a tls listener takes a certificate",
                    ));
                }
                (Transport::Tls, Some(certificate), Some(private_key)) => {
                    tolk_sip::transport::tls::server_config_from_pem_files(
                        certificate,
                        private_key,
                    )
                    .map_err(|e| invalid(field("certificate"), e.to_string()))?;
                }
                _ => {}
            }
        }
        if file.media.port_range().is_none() {
            return Err(invalid(
                "media.ports",
                format!(
                    "`{}`: expected LO-HI with 0 < LO < HI <= 65535",
                    file.media.ports
                ),
            ));
        }
        if let Some(registrar) = &file.registrar {
            if registrar.domains.is_empty() {
                return Err(invalid("registrar.domains", "name at least one domain"));
            }
            if registrar.min_expires_secs > registrar.max_expires_secs {
                return Err(invalid(
                    "registrar.min_expires_secs",
                    "greater than max_expires_secs",
                ));
            }
            if registrar.challenge_invites && registrar.users.is_empty() {
                return Err(invalid(
                    "registrar.challenge_invites",
                    "needs registrar.users to check the answers against",
                ));
            }
            for (index, user) in registrar.users.iter().enumerate() {
                let taken = registrar.users[..index].iter().any(|u| u.user == user.user);
                if user.user.is_empty() || taken {
                    return Err(invalid(
                        format!("registrar.users[{index}].user"),
                        format!("`{}` is empty or listed twice", user.user),
                    ));
                }
            }
            if registrar.max_contacts_per_aor == 0 || registrar.max_aors == 0 {
                return Err(invalid(
                    "registrar.max_contacts_per_aor",
                    "the binding caps must be at least 1",
                ));
            }
            let algorithms = &registrar.digest_algorithms;
            let known =
                |name: &String| tolk_sip::auth::Algorithm::from_name(Some(name.as_str())).is_some();
            if algorithms.is_empty() || !algorithms.iter().all(known) {
                return Err(invalid(
                    "registrar.digest_algorithms",
                    "name one or both of \"SHA-256\" and \"MD5\"",
                ));
            }
            if registrar.nonce_lifetime_secs == 0 {
                return Err(invalid(
                    "registrar.nonce_lifetime_secs",
                    "must be at least 1",
                ));
            }
        }
        let policies = std::iter::once(("default_policy".to_owned(), &file.default_policy)).chain(
            file.peer
                .iter()
                .enumerate()
                .map(|(index, peer)| (format!("peer[{index}].media"), &peer.media)),
        );
        for (field, policy) in policies {
            if let Some(codec) = policy.unknown_codec() {
                return Err(invalid(
                    format!("{field}.codecs"),
                    format!(
                        "unknown codec `{codec}` (known: {})",
                        KNOWN_CODECS.join(", ")
                    ),
                ));
            }
            if !policy::LATE_OFFER_VIDEO_LINES.contains(&policy.late_offer_video_lines) {
                return Err(invalid(
                    format!("{field}.late_offer_video_lines"),
                    format!(
                        "must be 1 (one video line) or 2 (main video and slides), not {}",
                        policy.late_offer_video_lines
                    ),
                ));
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for (index, peer) in file.peer.iter().enumerate() {
            if names.contains(&peer.name.as_str()) {
                return Err(invalid(
                    format!("peer[{index}].name"),
                    format!("`{}` is defined twice", peer.name),
                ));
            }
            names.push(&peer.name);
        }
        let dial_plan = DialPlan::compile(&file.route, &names)?;
        if dial_plan.is_empty() {
            return Err(invalid(
                "route",
                "no [[route]] rules: every call would get 404",
            ));
        }
        Ok(Config {
            node: file.node,
            listeners: file.listen,
            admin: file.admin,
            media: file.media,
            registrar: file.registrar,
            default_policy: file.default_policy,
            peers: file.peer,
            dial_plan,
        })
    }

    /// A one-line summary for `tolk config check` and start-up logs.
    pub fn summary(&self) -> String {
        format!(
            "{} listener(s), {} peer(s), {} route(s), registrar {}, admin {}",
            self.listeners.len(),
            self.peers.len(),
            self.dial_plan.len(),
            if self.registrar.is_some() {
                "on"
            } else {
                "off"
            },
            self.admin
                .as_ref()
                .map_or("off".to_owned(), |admin| admin.address.to_string()),
        )
    }
}

#[cfg(test)]
mod tests;
