//! `tolk sip ...` (being written).

use std::process::ExitCode;

use clap::Subcommand;

/// `tolk sip` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SipCommand {}

pub(crate) fn run(command: SipCommand) -> ExitCode {
    match command {}
}
