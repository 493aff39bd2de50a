//! A node's configuration for the tests: SIP over UDP, the admin API and
//! the relay on loopback, with the knobs the tests turn (media timeout,
//! registrar, peers and routes).

use std::fmt;

/// A `tolk.toml` under construction; [`fmt::Display`] writes it.
pub struct NodeConfig {
    sip: u16,
    listeners: String,
    admin: u16,
    ports: String,
    media_timeout_secs: u32,
    ring_timeout_secs: Option<u32>,
    drain_timeout_secs: u32,
    registrar: String,
    extra: String,
}

impl NodeConfig {
    /// SIP over UDP on `sip`, admin API on `admin`, relay ports `ports`
    /// with a 3 s media timeout (silence tests end quickly), the
    /// registrar for 127.0.0.1.
    pub fn new(sip: u16, admin: u16, ports: &str) -> NodeConfig {
        NodeConfig {
            sip,
            listeners: String::new(),
            admin,
            ports: ports.to_owned(),
            media_timeout_secs: 3,
            ring_timeout_secs: None,
            drain_timeout_secs: 20,
            registrar: "domains = [\"127.0.0.1\"]\n".to_owned(),
            extra: String::new(),
        }
    }

    /// Its admin API port.
    pub fn admin_port(&self) -> u16 {
        self.admin
    }

    /// A further SIP listener: `transport` (`tcp`, `tls`) on `port`,
    /// with `settings` as further lines of it (a TLS certificate).
    pub fn listen(mut self, transport: &str, port: u16, settings: &str) -> NodeConfig {
        self.listeners.push_str(&format!(
            "\n[[listen]]\ntransport = \"{transport}\"\naddress = \"127.0.0.1:{port}\"\n{settings}\n"
        ));
        self
    }

    /// Calls that ring for `secs` without an answer are cancelled.
    pub fn ring_timeout(mut self, secs: u32) -> NodeConfig {
        self.ring_timeout_secs = Some(secs);
        self
    }

    /// A drain hangs up the calls left after `secs`.
    pub fn drain_timeout(mut self, secs: u32) -> NodeConfig {
        self.drain_timeout_secs = secs;
        self
    }

    /// Calls silent for `secs` end: long for tests whose calls hold.
    pub fn media_timeout(mut self, secs: u32) -> NodeConfig {
        self.media_timeout_secs = secs;
        self
    }

    /// The `[registrar]` table's lines, in place of the 127.0.0.1 domain.
    pub fn registrar(mut self, lines: &str) -> NodeConfig {
        self.registrar = lines.to_owned();
        self
    }

    /// The peer `name` at 127.0.0.1:`port`, plain RTP, with `media` as
    /// further lines of its media policy.
    pub fn plain_peer(self, name: &str, port: u16, media: &str) -> NodeConfig {
        self.with(&format!(
            "\n[[peer]]\nname = \"{name}\"\naddress = \"127.0.0.1:{port}\"\n\
             [peer.media]\nsrtp = \"off\"\n{media}\n"
        ))
    }

    /// The plain-RTP peer `name` at 127.0.0.1:`port` (see
    /// [`NodeConfig::plain_peer`]), taking the calls to user `name`.
    pub fn callee(self, name: &str, port: u16, media: &str) -> NodeConfig {
        self.plain_peer(name, port, media)
            .route(name, &format!("peer:{name}"))
    }

    /// Calls to `user` go to `target` (`peer:NAME`, `echo`, ...).
    pub fn route(self, user: &str, target: &str) -> NodeConfig {
        self.with(&format!(
            "\n[[route]]\nuser = \"{user}\"\ntarget = \"{target}\"\n"
        ))
    }

    /// Further config lines, appended as they are.
    pub fn with(mut self, lines: &str) -> NodeConfig {
        self.extra.push_str(lines);
        self
    }
}

impl fmt::Display for NodeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let NodeConfig {
            sip,
            listeners,
            admin,
            ports,
            media_timeout_secs,
            ring_timeout_secs,
            drain_timeout_secs,
            registrar,
            extra,
        } = self;
        let ring =
            ring_timeout_secs.map_or(String::new(), |secs| format!("ring_timeout_secs = {secs}"));
        write!(
            f,
            r#"
[node]
drain_timeout_secs = {drain_timeout_secs}
{ring}

[[listen]]
transport = "udp"
address = "127.0.0.1:{sip}"
{listeners}
[admin]
address = "127.0.0.1:{admin}"

[media]
address = "127.0.0.1"
ports = "{ports}"
timeout_secs = {media_timeout_secs}

[registrar]
{registrar}
{extra}
"#
        )
    }
}
