//! The Tolk gateway: composes the protocol crates into legs, bridges and
//! routes, and hosts the `tolk` command line for integrators.
//!
//! - [`gateway`]: the embeddable node. A [`gateway::Gateway`] built from a
//!   [`config::Config`] and a [`gateway::Router`] (the dial plan unless a
//!   vendor supplies its own) runs SIP, the B2BUA bridge, the media relay,
//!   the registrar and the admin API on the caller's tokio runtime.
//! - [`config`]: the TOML configuration (listeners, peers and their media
//!   policy, dial plan, registrar).
//! - [`admin`] and [`metrics`]: the HTTP admin API and Prometheus counters.
//! - [`cli`]: the `tolk` command line.
//!
//! ```no_run
//! use tolk_gateway::config::Config;
//! use tolk_gateway::gateway::Gateway;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let running = Gateway::new(Config::embedded_default()?).start().await?;
//! running.drain(); // as on SIGTERM: 503 for new calls, the rest finish
//! running.finished().await;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod cli;
pub mod config;
pub mod gateway;
pub mod metrics;
