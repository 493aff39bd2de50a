//! The TLS listener presents the configured certificate (PEM files), and
//! `tolk config check` names unreadable or mismatched files.

mod harness;

use std::process::Command;

use harness::*;
use tolk_sip::transport::tls::Identity;

#[test]
fn the_tls_listener_serves_the_configured_certificate() {
    let identity = Identity::self_signed(&["127.0.0.1", "tolk.test"]).expect("certificate");
    let dir = std::env::temp_dir().join(format!("tolk-tls-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, identity.cert_pem()).expect("cert");
    std::fs::write(&key, identity.key_pem()).expect("key");
    let files = format!(
        "certificate = \"{}\"\nprivate_key = \"{}\"",
        cert.display(),
        key.display()
    );
    let config = NodeConfig::new(29230, 29303, "52300-52399")
        .listen("tls", 29231, &files)
        .with("[[route]]\ntarget = \"echo\"\n");
    let _tolk = Tolk::run("tls-cert", &config);

    // A client trusting only the configured certificate completes the
    // handshake, and the certificate it was shown is that one.
    let served = served_certificate(29231, &identity.cert);
    assert_eq!(served.as_ref(), identity.cert.as_ref());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn config_check_names_unreadable_and_mismatched_files() {
    let dir = std::env::temp_dir().join(format!("tolk-tls-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let one = Identity::self_signed(&["127.0.0.1"]).expect("certificate");
    let two = Identity::self_signed(&["127.0.0.1"]).expect("certificate");
    let (cert, other_key) = (dir.join("cert.pem"), dir.join("other.pem"));
    std::fs::write(&cert, one.cert_pem()).expect("cert");
    std::fs::write(&other_key, two.key_pem()).expect("key");
    let check = |certificate: &str, key: &str| {
        let text = format!(
            "[[listen]]\ntransport = \"tls\"\naddress = \"127.0.0.1:29232\"\n\
             certificate = \"{certificate}\"\nprivate_key = \"{key}\"\n\n\
             [media]\naddress = \"127.0.0.1\"\nports = \"52400-52499\"\n\n\
             [[route]]\ntarget = \"echo\"\n"
        );
        let path = dir.join("tolk.toml");
        std::fs::write(&path, text).expect("config");
        let output = Command::new(env!("CARGO_BIN_EXE_tolk"))
            .args(["config", "check"])
            .arg(&path)
            .output()
            .expect("runs tolk");
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let cert_path = cert.display().to_string();
    let mismatched = check(&cert_path, &other_key.display().to_string());
    assert!(
        mismatched.contains("listen[0].certificate: ")
            && mismatched.contains("does not match the certificate"),
        "{mismatched}"
    );
    let missing = dir.join("missing.pem").display().to_string();
    let unreadable = check(&cert_path, &missing);
    assert!(
        unreadable.contains("missing.pem: cannot read it"),
        "{unreadable}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
