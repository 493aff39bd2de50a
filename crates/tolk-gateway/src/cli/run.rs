//! `tolk run`: the gateway node (see [`crate::gateway`]) with its
//! configuration file or the embedded default, printing where it listens.
//! Ctrl-C stops at once; SIGTERM drains (new calls get 503 with
//! Retry-After, calls up continue until they end or the drain timeout).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use tolk_sip::transport::Transport;

use crate::config::Config;
use crate::gateway::{Gateway, Running};

/// `tolk run` options.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Configuration file; without it the embedded default runs.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub(crate) fn run(args: RunArgs) -> ExitCode {
    let config = match &args.config {
        Some(path) => Config::load(path),
        None => Config::embedded_default(),
    };
    let config = match config {
        Ok(config) => config,
        Err(err) => {
            eprintln!("config error: {err}");
            return ExitCode::FAILURE;
        }
    };
    super::log_to_stderr();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tolk: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tolk: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let media = config.media.clone();
    let running = Gateway::new(config)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    announce(&running, &media);
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {
            println!("tolk: stopping");
            running.stop();
        }
        _ = terminate.recv() => {
            println!("tolk: draining (new calls get 503)");
            running.drain();
            running.finished().await;
            println!("tolk: drained, stopping");
        }
    }
    Ok(())
}

fn announce(running: &Running, media: &crate::config::Media) {
    for transport in [Transport::Udp, Transport::Tcp, Transport::Tls] {
        if let Some(addr) = running.sip_addr(transport) {
            println!("tolk: SIP {} on {addr}", transport.via_name());
        }
    }
    println!(
        "tolk: media relay on {} ports {}",
        media.address, media.ports
    );
    if let Some(admin) = running.admin_addr() {
        println!("tolk: admin HTTP on http://{admin}/ (health, metrics, calls)");
    }
    println!(
        "tolk: ready; call sip:echo@{} for an echo test, Ctrl-C to stop",
        media.address
    );
}
