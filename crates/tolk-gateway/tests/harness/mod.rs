//! What the gateway's interop tests share: a `tolk run` child with its
//! admin API, sipp peers in its temp dir, raw SIP over UDP, a test tone.
//! Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    pub fn start(name: &str, config: &str, admin: u16) -> Tolk {
        let dir = std::env::temp_dir().join(format!("tolk-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("tolk.toml"), config).expect("config");
        std::fs::write(dir.join("tone.ulaw"), tone()).expect("tone");
        let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp");
        for entry in std::fs::read_dir(scenarios).expect("scenarios") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copy");
        }
        let log = std::fs::File::create(dir.join("tolk.log")).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tolk"))
            .args(["run", "--config"])
            .arg(dir.join("tolk.toml"))
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("starts tolk");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines
            .by_ref()
            .take(20)
            .map_while(Result::ok)
            .any(|line| line.starts_with("tolk: ready"));
        // Keep reading so that later output never blocks the child.
        std::thread::spawn(move || lines.for_each(drop));
        let tolk = Tolk { child, admin, dir };
        assert!(ready, "tolk run did not report ready");
        tolk
    }

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

    /// What sipp logged as errors in this test's directory.
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

    /// A metric's value (0 when absent).
    pub fn metric(&self, name: &str) -> u64 {
        self.http("GET", "/metrics")
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    }

    /// Waits until calls, SIP dialogs and relay sessions are all zero.
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

    pub fn sipp(&self, sipp: &Path, args: &[&str]) -> std::process::ExitStatus {
        Command::new("timeout")
            .arg("120")
            .arg(sipp)
            .args(args)
            .args(["-nostdin", "-timeout", "100s", "-timeout_error"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("runs sipp")
    }

    /// The sipp caller scenario (`caller.xml`) in a thread.
    pub fn caller(
        &self,
        sipp: &Path,
        user: &str,
        tolk_port: u16,
        port: u16,
        media_port: u16,
        extra: &[&str],
    ) -> std::thread::JoinHandle<std::process::ExitStatus> {
        let mut command = Command::new("timeout");
        command
            .arg("100")
            .arg(sipp)
            .args(["-sf", "caller.xml", "-s", user])
            .arg(format!("127.0.0.1:{tolk_port}"))
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args(extra)
            .args([
                "-nostdin",
                "-timeout",
                "90s",
                "-timeout_error",
                "-trace_err",
            ])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::thread::spawn(move || command.status().expect("runs sipp caller"))
    }

    /// Any sipp scenario run in a thread, bounded by a timeout.
    pub fn sipp_thread(
        &self,
        sipp: &Path,
        args: &[&str],
    ) -> std::thread::JoinHandle<std::process::ExitStatus> {
        let mut command = Command::new("timeout");
        command
            .arg("60")
            .arg(sipp)
            .args(args)
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
            .args([
                "-nostdin",
                "-timeout",
                "50s",
                "-timeout_error",
                "-trace_err",
            ])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::thread::spawn(move || command.status().expect("runs sipp"))
    }

    /// A sipp callee (built-in `uas` scenario) echoing RTP, in the background.
    pub fn callee(&self, sipp: &Path, port: u16, media_port: u16) -> Running {
        self.callee_with(sipp, &["-sn", "uas"], port, media_port)
    }

    /// A sipp callee running `scenario` and echoing RTP, in the background.
    pub fn callee_with(
        &self,
        sipp: &Path,
        scenario: &[&str],
        port: u16,
        media_port: u16,
    ) -> Running {
        let child = Command::new(sipp)
            .args(scenario)
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-rtp_echo"])
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args(["-nostdin", "-timeout", "110s"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("runs sipp callee");
        Running(child)
    }
}

/// A background peer, stopped when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

/// One second of a 440 Hz tone in G.711 mu-law (ITU-T G.711 encoding).
pub fn tone() -> Vec<u8> {
    (0..8000)
        .map(|n| {
            let phase = 2.0 * std::f64::consts::PI * 440.0 * f64::from(n) / 8000.0;
            mu_law((phase.sin() * 8000.0) as i16)
        })
        .collect()
}

pub fn mu_law(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    let sign = if sample < 0 { 0x80 } else { 0 };
    let magnitude = (i32::from(sample).abs().min(32635) + BIAS) as u32;
    let exponent = (31 - magnitude.leading_zeros()).saturating_sub(7).min(7);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// Sends one SIP request over UDP and returns the first final response.
pub fn request(to: u16, from: u16, message: &str) -> String {
    let socket = UdpSocket::bind(("127.0.0.1", from)).expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    socket
        .send_to(message.as_bytes(), ("127.0.0.1", to))
        .expect("send");
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.recv(&mut buf).expect("a response");
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !text.starts_with("SIP/2.0 1") {
            return text;
        }
    }
}

pub fn invite(user: &str, to: u16, from: u16, codec: (u8, &str)) -> String {
    let sdp = format!(
        "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 33990 RTP/AVP {pt}\r\na=rtpmap:{pt} {name}/8000\r\n",
        pt = codec.0,
        name = codec.1
    );
    format!(
        "INVITE sip:{user}@127.0.0.1:{to} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{from};branch=z9hG4bK{user}{from}\r\n\
         From: <sip:t@127.0.0.1>;tag=t{from}\r\nTo: <sip:{user}@127.0.0.1>\r\n\
         Call-ID: {user}-{from}@t\r\nCSeq: 1 INVITE\r\nContact: <sip:t@127.0.0.1:{from}>\r\n\
         Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

pub fn config(sip: u16, admin: u16, ports: &str, extra: &str) -> String {
    format!(
        r#"
[node]
drain_timeout_secs = 20

[[listen]]
transport = "udp"
address = "127.0.0.1:{sip}"

[admin]
address = "127.0.0.1:{admin}"

[media]
address = "127.0.0.1"
ports = "{ports}"
timeout_secs = 3

[registrar]
domains = ["127.0.0.1"]
{extra}
"#
    )
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
