//! A vendor embeds the Tolk gateway in its own binary and routes calls
//! with its own Rust code instead of the configuration's dial plan.
//!
//! The router here sends `echo` to the echo test, dials `9` + number out
//! through the `pbx` trunk (without the 9), keeps users that are
//! "on duty" in the vendor's own directory on the registrar, and refuses
//! everyone else (404).
//!
//! Run: `cargo run --example custom_router -- 10` serves SIP on an
//! ephemeral UDP port of 127.0.0.1 for 10 seconds (default 5), then
//! drains and exits 0. While it runs, `sipp -sn uac -s echo ADDRESS`
//! gets an echo call.

use std::collections::HashSet;
use std::time::Duration;

use tolk::gateway::config::{Config, RouteDecision, Target};
use tolk::gateway::gateway::{CallRequest, Gateway, Router};
use tolk::sip::transport::Transport;

/// The vendor's configuration: listeners, media, one trunk, and a dial
/// plan (a configuration must have one) that the router below replaces.
const CONFIG: &str = r#"
[[listen]]
transport = "udp"
address = "127.0.0.1:0"

[media]
address = "127.0.0.1"
ports = "40000-40199"

[registrar]
domains = ["127.0.0.1"]

[[peer]]
name = "pbx"
address = "127.0.0.1:5090"
media = { srtp = "off", codecs = ["pcma", "pcmu"] }

[[route]]
user = "^echo$"
target = "echo"
"#;

/// Routing from the vendor's own data.
struct VendorRouter {
    on_duty: HashSet<String>,
}

impl Router for VendorRouter {
    fn route(&self, call: &CallRequest<'_>) -> Option<RouteDecision> {
        let user = call.to.user.as_str();
        let decision = |target, user: &str| RouteDecision {
            target,
            user: user.to_owned(),
            rule: 0,
        };
        if user == "echo" {
            return Some(decision(Target::Echo, user));
        }
        if let Some(number) = user.strip_prefix('9').filter(|n| !n.is_empty()) {
            return Some(decision(Target::Peer("pbx".into()), number));
        }
        self.on_duty
            .contains(user)
            .then(|| decision(Target::Registrar, user))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5);
    let config = Config::parse(CONFIG)?;
    let router = VendorRouter {
        on_duty: ["doctor", "interpreter"].map(String::from).into(),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let running = Gateway::new(config).with_router(router).start().await?;
        let sip = running.sip_addr(Transport::Udp).ok_or("no UDP listener")?;
        println!("vendor gateway: SIP on udp:{sip}; call sip:echo@{sip}");
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        println!("vendor gateway: draining");
        running.drain();
        running.finished().await;
        println!("vendor gateway: stopped");
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
