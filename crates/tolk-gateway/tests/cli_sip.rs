//! `tolk sip inspect`: the output format and exit codes scripts rely on,
//! checked against the built binary.

use std::io::Write;
use std::process::{Command, Output};

fn inspect(name: &str, message: &[u8], stream: bool) -> Output {
    let dir = std::env::temp_dir().join(format!("tolk-cli-sip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(message))
        .expect("write message");
    let mut command = Command::new(env!("CARGO_BIN_EXE_tolk"));
    command.args(["sip", "inspect"]).arg(&path);
    if stream {
        command.arg("--stream");
    }
    command.output().expect("run tolk")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const INVITE: &str = "INVITE sip:room42@tolk.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP [2001:db8::7]:5060;branch=z9hG4bKcli1;rport\r\n\
Max-Forwards: 70\r\n\
From: \"Room 7\" <sip:room7@example.com>;tag=r7\r\n\
To: <sip:room42@tolk.example.com>\r\n\
Call-ID: cli-test-1@2001:db8::7\r\n\
CSeq: 1 INVITE\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\r\nv=0\n";

#[test]
fn valid_request_prints_summary_and_uas_response() {
    let out = inspect("invite.sip", INVITE.as_bytes(), false);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"verdict: valid"));
    assert!(lines.contains(&"method: INVITE"));
    assert!(lines.contains(&"call-id: cli-test-1@2001:db8::7"));
    assert!(lines.contains(&"body: 4 bytes application/sdp"));
    assert_eq!(lines.last(), Some(&"uas-response: 100"));
}

#[test]
fn invalid_request_names_line_and_byte() {
    let bad = INVITE.replace("CSeq: 1 INVITE", "CSeq: 99999999999 INVITE");
    let out = inspect("bad.sip", bad.as_bytes(), false);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        text,
        "verdict: invalid: expected CSeq number of 0 to 2^32-1 (line 7, byte 245)\nuas-response: 400\n"
    );
}

#[test]
fn semantic_rejection_and_responses() {
    let bext = INVITE.replace(
        "Max-Forwards: 70\r\n",
        "Max-Forwards: 70\r\nRequire: foo\r\n",
    );
    let out = inspect("bext.sip", bext.as_bytes(), false);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).ends_with("uas-response: 420\n"));

    let response = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n\
To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    let out = inspect("ringing.sip", response.as_bytes(), false);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("status: 180 Ringing"));
    assert!(
        !text.contains("uas-response"),
        "responses get no uas-response line"
    );

    let ack = INVITE
        .replace("INVITE sip:", "ACK sip:")
        .replace("1 INVITE", "1 ACK");
    let ack = ack.replace("Content-Length: 4", "Content-Length: 400");
    let out = inspect("ack.sip", ack.as_bytes(), false);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with("uas-response: none\n"),
        "ACK never gets a response"
    );
}

#[test]
fn stream_mode_frames_by_content_length() {
    let mut two = b"\r\n\r\n".to_vec();
    two.extend_from_slice(INVITE.as_bytes());
    two.extend_from_slice(INVITE.as_bytes());
    let out = inspect("stream.sip", &two, true);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let cut = &INVITE.as_bytes()[..INVITE.len() - 2];
    let out = inspect("cut.sip", cut, true);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("verdict: invalid: expected as many body octets"));
    // Datagram rules read the same bytes as a short body too.
    assert_eq!(inspect("cut2.sip", cut, false).status.code(), Some(1));
}

#[test]
fn garbage_never_panics() {
    for (i, junk) in [
        &b""[..],
        b"\x00\xff\xfe",
        b"SIP/2.0",
        b"\r\n\r\n",
        b"INVITE",
    ]
    .iter()
    .enumerate()
    {
        for stream in [false, true] {
            let out = inspect(&format!("junk{i}"), junk, stream);
            assert_eq!(out.status.code(), Some(1), "{junk:?}");
            assert!(stdout(&out).starts_with("verdict: invalid: "));
        }
    }
}

#[test]
fn missing_file_is_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_tolk"))
        .args(["sip", "inspect", "/nonexistent/tolk.sip"])
        .output()
        .expect("run tolk");
    assert_eq!(out.status.code(), Some(2));
}
