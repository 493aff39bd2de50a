//! `tolk relay` as a stand-alone media relay driven over the ng protocol.

use std::process::{Command, Stdio};

use super::Running;

/// `tolk relay` answering ng commands on `ng` (`IP:PORT`, UDP) with
/// media ports `ports` (`FIRST-LAST`) and one worker, until dropped.
pub fn ng_relay(ng: &str, ports: &str) -> Running {
    Running::spawn(
        Command::new(env!("CARGO_BIN_EXE_tolk"))
            .args(["relay", "--ng", ng, "--ports", ports, "--workers", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
}
