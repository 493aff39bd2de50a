//! Test support shared by Tolk's crates.
//!
//! Two things every tier above the unit tests needs:
//!
//! - [`conformance_dir`]: the shared conformance corpora (RFC 4475/5118
//!   torture messages, real clients' offers). Tests read them when present
//!   and skip with a printed notice when absent, so that the suite passes
//!   for a user who has only the repository.
//! - [`peer`]: an external program (sipp, tshark, ...). Missing peers skip
//!   the test with a notice, unless `TOLK_REQUIRE_PEERS=1` (set by
//!   `scripts/test` after installing them), where a missing peer fails.
//!
//! And the harness around real peers: a private network namespace
//! ([`netns::Netns`]) for the gateway and its peers, tshark captures with
//! RTP flow counts ([`capture`]), baresip as a headless softphone
//! ([`baresip`]), children that are killed when a test fails
//! ([`process::Running`]), polling for a condition
//! ([`poll::wait_for`]) and media endpoints a test owns for the streams
//! sipp does not carry, such as video ([`media_peer::MediaPeer`]).

use std::path::{Path, PathBuf};

pub mod baresip;
pub mod capture;
pub mod media_peer;
pub mod netns;
pub mod poll;
pub mod process;

/// Environment variable naming the conformance corpus root.
pub const CONFORMANCE_ENV: &str = "TOLK_CONFORMANCE_DIR";
/// Environment variable that turns a missing peer into a failure.
pub const REQUIRE_PEERS_ENV: &str = "TOLK_REQUIRE_PEERS";

/// The workspace root (the directory holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The conformance sub-corpus `name` (e.g. `"sip-torture"`), or `None`
/// after printing a skip notice when it is not on this machine.
///
/// Looks in `$TOLK_CONFORMANCE_DIR`, then `../shared/conformance` beside
/// the workspace.
pub fn conformance_dir(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os(CONFORMANCE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/conformance"));
    let dir = root.join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: conformance corpus {} not found; skipping (set {CONFORMANCE_ENV})",
            dir.display()
        );
        None
    }
}

/// The path of the external program `name`, or `None` after printing a
/// skip notice. Panics when `TOLK_REQUIRE_PEERS=1` and it is missing.
pub fn peer(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => Some(path),
        None if std::env::var(REQUIRE_PEERS_ENV).as_deref() == Ok("1") => {
            panic!("peer `{name}` is required ({REQUIRE_PEERS_ENV}=1) but not on PATH")
        }
        None => {
            eprintln!("notice: peer `{name}` not installed; skipping (run scripts/test as root)");
            None
        }
    }
}
