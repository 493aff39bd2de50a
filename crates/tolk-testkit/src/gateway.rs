//! A `tolk run` child with its own directory (config, sipp scenarios,
//! logs) and its admin API, for tests that put real peers on both sides
//! of the gateway.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::process::Running;

/// A running gateway, killed (and its directory removed) when dropped.
#[derive(Debug)]
pub struct Gateway {
    child: Running,
    admin: u16,
    dir: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Gateway {
    /// Starts `binary run --config` with `config` in a fresh directory
    /// named after `name`, with every file of `files` (e.g. sipp
    /// scenarios) copied beside it; returns once it reports ready.
    pub fn start(binary: &Path, name: &str, config: &str, admin: u16, files: &Path) -> Gateway {
        let dir = std::env::temp_dir().join(format!("tolk-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("tolk.toml"), config).expect("config");
        for entry in std::fs::read_dir(files).expect("files").flatten() {
            let path = entry.path();
            if let Some(file) = path.file_name() {
                std::fs::copy(&path, dir.join(file)).expect("copy");
            }
        }
        let log = std::fs::File::create(dir.join("tolk.log")).expect("log file");
        let mut child = Running::spawn(
            Command::new(binary)
                .args(["run", "--config"])
                .arg(dir.join("tolk.toml"))
                .stdout(Stdio::piped())
                .stderr(log),
        );
        let stdout = child.0.stdout.take().expect("stdout");
        let ready = crate::process::wait_for_line(stdout, "tolk: ready", 20);
        let gateway = Gateway { child, admin, dir };
        assert!(ready, "tolk run did not report ready:\n{}", gateway.logs());
        gateway
    }

    /// The gateway's directory (config, copied files, logs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The gateway's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// One admin API request; the whole HTTP response.
    pub fn http(&self, method: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.admin)).expect("admin API");
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

    /// A metric's value from `/metrics` (0 when absent).
    pub fn metric(&self, name: &str) -> u64 {
        self.http("GET", "/metrics")
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    }

    /// Waits (at most 10 s) until calls, SIP dialogs and relay sessions
    /// are back to zero, and panics with what is left otherwise.
    pub fn assert_idle(&self) {
        let names = [
            "tolk_active_calls",
            "tolk_sip_dialogs",
            "tolk_relay_sessions",
        ];
        let idle = wait_for(Duration::from_secs(10), || {
            names.iter().all(|name| self.metric(name) == 0)
        });
        let calls = self.http("GET", "/calls");
        assert!(
            idle && calls.ends_with("[]"),
            "resources left: {:?} calls {calls}",
            names.map(|n| (n, self.metric(n)))
        );
    }

    /// The gateway's log and every sipp error log in its directory, for
    /// a failing assertion's message.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with("_errors.log") || name == "tolk.log" {
                let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let tail = &log[log.len().saturating_sub(4000)..];
                text.push_str(&format!("--- {name}\n{tail}\n"));
            }
        }
        text
    }

    /// Runs sipp with `args` in the gateway's directory on a thread,
    /// bounded by `limit` (the `timeout` command kills it after that).
    pub fn sipp(&self, sipp: &Path, args: &[String], limit: Duration) -> JoinHandle<ExitStatus> {
        let mut command = Command::new("timeout");
        command
            .arg(limit.as_secs().max(1).to_string())
            .arg(sipp)
            .args(args)
            .args(["-nostdin", "-trace_err"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::thread::spawn(move || command.status().expect("runs sipp"))
    }
}

/// Polls `done` every 50 ms until it holds or `limit` passes.
pub fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// The ports of every `m=<kind>` line in a sipp message log
/// (`-trace_msg -message_file`), in the order the messages were logged.
pub fn sdp_ports(message_log: &Path, kind: &str) -> Vec<u16> {
    let Ok(file) = std::fs::File::open(message_log) else {
        return Vec::new();
    };
    let prefix = format!("m={kind} ");
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let rest = line.trim().strip_prefix(&prefix)?;
            rest.split(' ').next()?.parse().ok()
        })
        .collect()
}
