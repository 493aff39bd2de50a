//! What the gateway's interop tests share, one concept a file: a node's
//! configuration ([`config`]), a `tolk run` child and its admin API
//! ([`node`]), the same in a private network namespace ([`scene`]), the
//! ports of a call between two sipp peers ([`ports`]), sipp peers in
//! its temp dir ([`sipp`]), raw SIP over UDP ([`sip`]), counting the
//! node's resources back to zero ([`idle`]), the certificate a TLS
//! listener serves ([`tls`]), a test tone ([`tone`]), video both ways
//! ([`video`]) and `tolk relay` on its own ([`relay`]). Each test binary
//! uses a part of it.
#![allow(dead_code, unused_imports)]

pub mod config;
pub mod idle;
pub mod node;
pub mod ports;
pub mod relay;
pub mod scene;
pub mod sip;
pub mod sipp;
pub mod tls;
pub mod tone;
pub mod video;

pub use config::NodeConfig;
pub use node::{Tolk, both_legs_flow, peer_route, peers_dir};
pub use ports::Ports;
pub use relay::ng_relay;
pub use scene::Scene;
pub use sip::{
    await_relay_addr, await_relay_lines, final_response, header, in_dialog, invite, relay_addr,
    relay_addrs, request, sdp_ports,
};
pub use sipp::{LoggedCall, Outcome, Scenario, SippCall, reply, sipp_command_in};
pub use tls::served_certificate;
pub use tolk_testkit::poll::wait_for;
pub use tolk_testkit::process::Running;
pub use tone::{mu_law, tone};
pub use video::video_both_ways;
