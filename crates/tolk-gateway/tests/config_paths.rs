//! File paths in a configuration file are relative to its directory:
//! `tolk config check` and `tolk run` started from another working
//! directory find a TLS listener's certificate and key next to the file.

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use harness::{Running, served_certificate};
use tolk_sip::transport::tls::Identity;

/// SIP over TLS and admin ports 41410-41411, media 16200-16249.
const TLS: u16 = 41410;
const ADMIN: u16 = 41411;

/// A configuration in `dir/conf/tolk.toml` naming `conf/tls/cert.pem`
/// and `conf/tls/key.pem` by relative paths; returns its path.
fn write_config(dir: &Path, identity: &Identity, key_name: &str) -> PathBuf {
    let conf = dir.join("conf");
    std::fs::create_dir_all(conf.join("tls")).expect("config dir");
    std::fs::write(conf.join("tls/cert.pem"), identity.cert_pem()).expect("cert");
    std::fs::write(conf.join("tls/key.pem"), identity.key_pem()).expect("key");
    let text = format!(
        "[[listen]]\ntransport = \"tls\"\naddress = \"127.0.0.1:{TLS}\"\n\
         certificate = \"tls/cert.pem\"\nprivate_key = \"tls/{key_name}\"\n\n\
         [admin]\naddress = \"127.0.0.1:{ADMIN}\"\n\n\
         [media]\naddress = \"127.0.0.1\"\nports = \"16200-16249\"\n\n\
         [[route]]\ntarget = \"echo\"\n"
    );
    let path = conf.join("tolk.toml");
    std::fs::write(&path, text).expect("config");
    path
}

/// `tolk ARGS` run from `cwd`.
fn tolk(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tolk"));
    command.current_dir(cwd);
    command
}

/// `tolk config check FILE` run from `cwd`: its exit code and what it
/// wrote to stderr.
fn config_check(cwd: &Path, file: &Path) -> (Option<i32>, String) {
    let output = tolk(cwd)
        .args(["config", "check"])
        .arg(file)
        .output()
        .expect("runs tolk");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

#[test]
fn certificate_paths_are_relative_to_the_config_file() {
    let dir = std::env::temp_dir().join(format!("tolk-config-paths-{}", std::process::id()));
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("working dir");
    let identity = Identity::self_signed(&["127.0.0.1"]).expect("certificate");
    let path = write_config(&dir, &identity, "key.pem");

    // Checked from a directory that holds no certificate.
    let (code, stderr) = config_check(&elsewhere, &path);
    assert_eq!(code, Some(0), "{stderr}");

    // A key missing next to the file is named by its place there.
    let missing = write_config(&dir, &identity, "gone.pem");
    let (code, stderr) = config_check(&elsewhere, &missing);
    assert_eq!(code, Some(1));
    let expected = dir.join("conf/tls/gone.pem").display().to_string();
    assert!(stderr.contains(&expected), "{stderr}");

    // Run from that other directory, the listener serves the certificate.
    let path = write_config(&dir, &identity, "key.pem");
    let _running = Running::spawn_ready(
        tolk(&elsewhere)
            .args(["run", "--config"])
            .arg(&path)
            .stderr(Stdio::null()),
        "tolk: ready",
    );

    let served = served_certificate(TLS, &identity.cert);
    assert_eq!(served.as_ref(), identity.cert.as_ref());
    std::fs::remove_dir_all(&dir).ok();
}
