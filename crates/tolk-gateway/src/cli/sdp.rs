//! `tolk sdp ...` (being written).

use std::process::ExitCode;

use clap::Subcommand;

/// `tolk sdp` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SdpCommand {}

pub(crate) fn run(command: SdpCommand) -> ExitCode {
    match command {}
}
