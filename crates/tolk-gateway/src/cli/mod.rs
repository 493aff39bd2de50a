//! The integrator command line. Each subcommand group lives in its own
//! module; their output formats and exit codes are a contract that scripts
//! rely on, documented in the README.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod config;
mod relay;
mod run;
mod sdp;
mod sip;

/// Tolk: a SIP, H.323 and WebRTC gateway with an SRTP media relay.
#[derive(Debug, Parser)]
#[command(name = "tolk", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway (embedded default configuration without --config).
    Run(run::RunArgs),
    /// Run the media relay on its own, controlled over rtpengine's ng protocol.
    Relay(relay::RelayArgs),
    /// Inspect SDP and compute offer/answer results.
    #[command(subcommand)]
    Sdp(sdp::SdpCommand),
    /// Inspect SIP messages.
    #[command(subcommand)]
    Sip(sip::SipCommand),
    /// Check configuration files.
    #[command(subcommand)]
    Config(config::ConfigCommand),
}

/// Parses the process arguments and runs the chosen subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Relay(args) => relay::run(args),
        Command::Sdp(command) => sdp::run(command),
        Command::Sip(command) => sip::run(command),
        Command::Config(command) => config::run(command),
    }
}

/// Sends logs to stderr; RUST_LOG chooses (warnings by default).
pub(crate) fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Reads a file named on the command line, or standard input for `-`.
pub(crate) fn read_input(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}
