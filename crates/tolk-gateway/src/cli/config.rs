//! `tolk config ...`: check a configuration file, print the default one.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::{Config, DEFAULT_CONFIG};

/// `tolk config` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate a configuration file: prints `config ok: SUMMARY` and exits
    /// 0, or prints `config error: REASON` on stderr and exits 1.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
    /// Print the embedded default configuration (a starting point to edit).
    Default,
}

pub(crate) fn run(command: ConfigCommand) -> ExitCode {
    match command {
        ConfigCommand::Check { file } => match Config::load(&file) {
            Ok(config) => {
                println!("config ok: {}", config.summary());
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("config error: {}: {err}", file.display());
                ExitCode::FAILURE
            }
        },
        ConfigCommand::Default => {
            print!("{DEFAULT_CONFIG}");
            ExitCode::SUCCESS
        }
    }
}
