//! Running sipp (Debian `sip-tester`) from the interop tests: found
//! through the testkit (absent: the test skips with a notice), bounded
//! by `timeout`, in the temporary directory.

#![allow(dead_code)] // each test file uses part of it

mod calls;

pub use calls::call_and_hang_up;

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::Command;
use tolk_sip::transport::Transport;

/// The sipp binary, or `None` (with a printed notice) when absent.
pub fn sipp() -> Option<PathBuf> {
    tolk_testkit::peer("sipp")
}

/// Runs sipp with `args`, killed after `seconds`; returns its exit code.
pub async fn run_sipp(sipp: &PathBuf, args: &[String], seconds: u64) -> i32 {
    let mut child = Command::new("timeout")
        .arg(seconds.to_string())
        .arg(sipp)
        .args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn sipp");
    child
        .wait()
        .await
        .expect("wait for sipp")
        .code()
        .unwrap_or(-1)
}

/// sipp's `-t` value for one socket of `transport`.
pub fn transport_flag(transport: Transport) -> &'static str {
    match transport {
        Transport::Udp => "u1",
        _ => "t1",
    }
}

/// The path of one of the scenarios in `tests/sipp/`.
pub fn scenario(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
        .display()
        .to_string()
}

/// Owned arguments.
pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
