//! `tolk run` end to end: sipp calls the `echo` target through the real
//! binary on loopback, and the admin API counts the calls.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CONFIG: &str = r#"
[[listen]]
transport = "udp"
address = "127.0.0.1:27310"

[admin]
address = "127.0.0.1:27380"

[media]
address = "127.0.0.1"
ports = "27400-27499"

[registrar]
domains = ["127.0.0.1"]

[[route]]
user = "^echo$"
target = "echo"
"#;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(path: &str) -> String {
    let mut stream = std::net::TcpStream::connect("127.0.0.1:27380").expect("admin API");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn sipp_calls_the_echo_target() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("tolk-run-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("tolk.toml");
    std::fs::write(&config, CONFIG).expect("config");

    let child = Command::new(env!("CARGO_BIN_EXE_tolk"))
        .args(["run", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts tolk");
    let mut tolk = Running(child);
    let stdout = tolk.0.stdout.take().expect("stdout");
    let ready = BufReader::new(stdout)
        .lines()
        .take(20)
        .map_while(Result::ok)
        .any(|line| line.starts_with("tolk: ready"));
    assert!(ready, "tolk run did not report ready");
    assert!(http_get("/health").contains("\r\n\r\nok"));

    let status = Command::new("timeout")
        .arg("60")
        .arg(sipp)
        .args([
            "-sn",
            "uac",
            "-s",
            "echo",
            "127.0.0.1:27310",
            "-i",
            "127.0.0.1",
            "-p",
            "27311",
        ])
        .args([
            "-m",
            "50",
            "-r",
            "25",
            "-nostdin",
            "-timeout",
            "50s",
            "-timeout_error",
        ])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .status()
        .expect("runs sipp");
    assert!(status.success(), "sipp reported failed calls: {status}");

    let metrics = http_get("/metrics");
    assert!(
        metrics.contains("\ntolk_call_setups_total 50\n"),
        "{metrics}"
    );
    assert!(metrics.contains("\ntolk_active_calls 0\n"), "{metrics}");
    std::fs::remove_dir_all(&dir).ok();
}
