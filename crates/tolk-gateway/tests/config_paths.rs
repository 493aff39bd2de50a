//! File paths in a configuration file are relative to its directory:
//! `tolk config check` and `tolk run` started from another working
//! directory find a TLS listener's certificate and key next to the file.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tolk_sip::transport::tls::{Identity, client_config};

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

struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn certificate_paths_are_relative_to_the_config_file() {
    let dir = std::env::temp_dir().join(format!("tolk-config-paths-{}", std::process::id()));
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("working dir");
    let identity = Identity::self_signed(&["127.0.0.1"]).expect("certificate");
    let path = write_config(&dir, &identity, "key.pem");

    // Checked from a directory that holds no certificate.
    let check = tolk(&elsewhere)
        .args(["config", "check"])
        .arg(&path)
        .output()
        .expect("runs tolk");
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // A key missing next to the file is named by its place there.
    let missing = write_config(&dir, &identity, "gone.pem");
    let check = tolk(&elsewhere)
        .args(["config", "check"])
        .arg(&missing)
        .output()
        .expect("runs tolk");
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1));
    let expected = dir.join("conf/tls/gone.pem").display().to_string();
    assert!(stderr.contains(&expected), "{stderr}");

    // Run from that other directory, the listener serves the certificate.
    let path = write_config(&dir, &identity, "key.pem");
    let mut child = tolk(&elsewhere)
        .args(["run", "--config"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts tolk");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Stopped(child);
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines
        .by_ref()
        .take(20)
        .map_while(Result::ok)
        .any(|line| line.starts_with("tolk: ready"));
    assert!(ready, "tolk run did not report ready");
    std::thread::spawn(move || lines.for_each(drop));

    let trusted = client_config(std::slice::from_ref(&identity.cert)).expect("client config");
    let name = "127.0.0.1".try_into().expect("server name");
    let connection =
        rustls::ClientConnection::new(Arc::clone(&trusted), name).expect("client connection");
    let socket = TcpStream::connect(("127.0.0.1", TLS)).expect("TLS listener");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut stream = rustls::StreamOwned::new(connection, socket);
    stream
        .write_all(b"\r\n\r\n")
        .expect("handshake with the configured certificate");
    stream.flush().expect("flush");
    let served = stream
        .conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("a served certificate");
    assert_eq!(served.as_ref(), identity.cert.as_ref());
    std::fs::remove_dir_all(&dir).ok();
}
