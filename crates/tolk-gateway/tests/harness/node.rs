//! A `tolk run` child in a temp dir of its own, with its admin API.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use tolk_testkit::process::wait_for_line;

/// A `tolk run` child process with its admin port.
pub struct Tolk {
    /// The `tolk run` process.
    pub child: Child,
    /// Its admin API port.
    pub admin: u16,
    /// The temp dir the node and its sipp peers run in.
    pub dir: PathBuf,
}

impl Drop for Tolk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Tolk {
    /// Starts `tolk run` with `config` in a fresh temp dir holding the
    /// sipp scenarios of `tests/sipp` and a tone to stream; returns once
    /// the node reports ready.
    pub fn start(name: &str, config: &str, admin: u16) -> Tolk {
        let dir = peers_dir(name);
        std::fs::write(dir.join("tolk.toml"), config).expect("config");
        let log = std::fs::File::create(dir.join("tolk.log")).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tolk"))
            .args(["run", "--config"])
            .arg(dir.join("tolk.toml"))
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("starts tolk");
        let stdout = child.stdout.take().expect("stdout");
        let ready = wait_for_line(stdout, "tolk: ready", 20);
        let tolk = Tolk { child, admin, dir };
        assert!(ready, "tolk run did not report ready");
        tolk
    }

    /// Starts `tolk run` with `config` (see [`Tolk::start`]).
    pub fn run(name: &str, config: &super::NodeConfig) -> Tolk {
        Tolk::start(name, &config.to_string(), config.admin_port())
    }

    /// One request to the admin API; the whole response, head and body.
    pub fn http(&self, method: &str, path: &str) -> String {
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", self.admin)).expect("admin API");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    }

    /// The calls up, as the admin API lists them (`Null` when the answer
    /// is not JSON).
    pub fn calls(&self) -> serde_json::Value {
        let response = self.http("GET", "/calls");
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or_default()
    }

    /// Waits (up to 10 s) for a call whose two legs carry media both
    /// ways, each passing `leg_ok` (see [`both_legs_flow`]), then for the
    /// sipp `caller`; panics unless both happened.
    pub fn assert_media_flows(
        &self,
        caller: JoinHandle<ExitStatus>,
        leg_ok: impl Fn(&serde_json::Value) -> bool,
    ) {
        let flowing = super::wait_for(Duration::from_secs(10), || {
            both_legs_flow(&self.calls(), &leg_ok)
        });
        self.assert_sipp_succeeds(caller, "the caller");
        assert!(
            flowing,
            "no media both ways: {}",
            self.http("GET", "/calls")
        );
    }

    /// A metric's value (0 when absent).
    pub fn metric(&self, name: &str) -> u64 {
        self.http("GET", "/metrics")
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    }

    /// What sipp logged as errors in this test's directory, and the
    /// node's own log.
    pub fn sipp_errors(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with("_errors.log") || name == "tolk.log" {
                let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
                text.push_str(&format!("--- {name}\n{}\n", &log[..log.len().min(3000)]));
            }
        }
        text
    }
}

/// A fresh temp dir for test `name` holding the sipp scenarios of
/// `tests/sipp` and a tone to stream.
pub fn peers_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tolk-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("tone.ulaw"), super::tone()).expect("tone");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp");
    for entry in std::fs::read_dir(scenarios).expect("scenarios") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

/// True when a call in `calls` (the admin API's list) has two legs, each
/// with more than 10 packets in and out and each passing `leg_ok`.
pub fn both_legs_flow(
    calls: &serde_json::Value,
    leg_ok: impl Fn(&serde_json::Value) -> bool,
) -> bool {
    calls.as_array().is_some_and(|calls| {
        calls.iter().any(|call| {
            let legs = call["legs"].as_array().cloned().unwrap_or_default();
            legs.len() == 2
                && legs.iter().all(|leg| {
                    leg["packets_in"].as_u64().unwrap_or(0) > 10
                        && leg["packets_out"].as_u64().unwrap_or(0) > 10
                        && leg_ok(leg)
                })
        })
    })
}

/// Config lines routing every user to the peer `name` at 127.0.0.1:`port`;
/// `settings` are further lines of the peer (such as its `media`).
pub fn peer_route(name: &str, port: u16, settings: &str) -> String {
    format!(
        r#"
[[peer]]
name = "{name}"
address = "127.0.0.1:{port}"
{settings}
[[route]]
user = ".+"
target = "peer:{name}"
"#
    )
}
