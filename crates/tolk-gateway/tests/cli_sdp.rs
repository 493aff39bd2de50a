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

/// `tolk sdp answer --profile PROFILE` for the vector `name`.
fn answer(profile: &str, name: &str) -> Output {
    tolk(&[
        "sdp",
        "answer",
        "--profile",
        profile,
        &vector(name).to_string_lossy(),
    ])
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

#[test]
fn answer_prints_a_webrtc_answer_that_parses() {
    let output = answer("webrtc", "webrtc-av-offer.sdp");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let answer = tolk_sdp::parse(&output.stdout).expect("the answer is SDP");
    assert_eq!(answer.media.len(), 2);
    assert_eq!(
        answer.bundle(),
        Some(
            &[
                tolk_sdp::model::Text::from_static("0"),
                tolk_sdp::model::Text::from_static("1")
            ][..]
        )
    );
    assert!(answer.ice_lite);
    let video = &answer.media[1];
    assert_eq!(video.setup, Some(tolk_sdp::model::Setup::Active));
    let pts: Vec<u8> = video.formats.iter().map(|f| f.pt.0).collect();
    assert_eq!(pts, [96, 97, 106, 107]);
    // No --fingerprint: the note says the fingerprint is not a certificate's.
    assert!(text(&output.stderr).contains("fingerprint is random"));
}

#[test]
fn answer_uses_the_given_fingerprint_address_and_port() {
    let file = vector("webrtc-av-offer.sdp");
    let fingerprint = format!("sha-256 {}", ["0A"; 32].join(":"));
    let output = tolk(&[
        "sdp",
        "answer",
        "--profile",
        "webrtc",
        "--address",
        "192.0.2.5",
        "--port",
        "41000",
        "--fingerprint",
        &fingerprint,
        &file.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("a=fingerprint:{fingerprint}\r\n")),
        "{stdout}"
    );
    assert!(stdout.contains("c=IN IP4 192.0.2.5\r\n"));
    assert!(stdout.contains("m=audio 41000 "));
    assert!(output.stderr.is_empty());
}

#[test]
fn answer_of_a_sip_message_with_sdes() {
    let output = answer("sip-video", "room-system-sdes.invite.sip");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("m=audio 30000 RTP/SAVP 9 0 8 101\r\n"),
        "{stdout}"
    );
    assert!(stdout.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    assert!(stdout.contains("m=video 30002 RTP/SAVPF 97 98\r\n"));
}

#[test]
fn answer_failure_is_488_with_a_warning_code() {
    let output = answer("webrtc", "rfc4317-audio-dtmf-lf.sdp");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("488 Not Acceptable Here\n"), "{stderr}");
    assert!(stderr.contains("Warning: 302 tolk \"m=0 audio: incompatible transport: RTP/AVP: plain RTP offered but SRTP is required\""), "{stderr}");

    let output = answer("sip-video", "rfc3264-av-offer.sdp");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn answer_parse_error_unknown_profile_and_missing_file() {
    let output = answer("sip-audio", "bad-payload-type.sdp");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("line 5"));
    let output = answer("nope", "bad-payload-type.sdp");
    assert_eq!(output.status.code(), Some(2));
    let output = tolk(&["sdp", "answer", "--profile", "webrtc", "/nonexistent.sdp"]);
    assert_eq!(output.status.code(), Some(2));
}
