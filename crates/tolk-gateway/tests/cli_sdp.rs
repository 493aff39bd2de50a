//! `tolk sdp ...` run as a program on the in-repo vectors: exit codes and
//! output are a contract (see the README).

use std::path::PathBuf;
use std::process::{Command, Output};

fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tolk-sdp/tests/vectors")
        .join(name)
}

fn tolk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tolk"))
        .args(args)
        .output()
        .expect("tolk runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn inspect_summarises_a_webrtc_offer() {
    let file = vector("webrtc-av-offer.sdp");
    let output = tolk(&["sdp", "inspect", &file.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("bundle: 0 1"), "{stdout}");
    assert!(stdout.contains("m=0 audio port 50712 UDP/TLS/RTP/SAVPF sendrecv mid 0"));
    assert!(stdout.contains("111 opus/48000/2 [minptime=10;useinbandfec=1]"));
    assert!(stdout.contains("dtls fingerprint sha-256, setup actpass"));
    assert!(stdout.contains("ufrag Q3vT, 3 candidates, options trickle"));
    assert!(stdout.contains("rtcp-mux"));
}

#[test]
fn inspect_finds_the_body_of_a_sip_message() {
    let file = vector("room-system-sdes.invite.sip");
    let output = tolk(&["sdp", "inspect", &file.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("m=1 video port 16386 RTP/SAVPF sendrecv"),
        "{stdout}"
    );
    assert!(stdout.contains("sdes 1 AES_CM_128_HMAC_SHA1_80, sdes 2 AES_CM_128_HMAC_SHA1_32"));
}

#[test]
fn inspect_reports_the_line_of_a_parse_error() {
    let file = vector("bad-rtpmap.sdp");
    let output = tolk(&["sdp", "inspect", &file.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("line 7"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn inspect_of_a_missing_file_exits_2() {
    let output = tolk(&["sdp", "inspect", "/nonexistent/offer.sdp"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn inspect_of_binary_garbage_does_not_panic() {
    let dir = std::env::temp_dir().join(format!("tolk-cli-sdp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("garbage.sdp");
    std::fs::write(&file, [0xff, 0x00, b'\n', b'v', b'=', 0xc3, b'\n']).expect("write");
    let output = tolk(&["sdp", "inspect", &file.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}
