//! Packet captures with tshark, the wire oracle for media checks.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::netns::Netns;
use crate::process::{Running, wait_for_line};

/// A running tshark capture on `lo`.
#[derive(Debug)]
pub struct Capture {
    tshark: Running,
    file: PathBuf,
}

impl Capture {
    /// Starts capturing UDP on `lo` inside `netns` into `file` and returns
    /// once tshark captures; `None` (with a notice) when
    /// tshark is not installed.
    pub fn start(netns: &Netns, file: &Path) -> Option<Capture> {
        Capture::start_filtered(netns, file, "udp")
    }

    /// Like [`Capture::start`], with the capture filter `filter` (e.g.
    /// `udp or tcp port 5061` to see SIP over TLS beside the media).
    pub fn start_filtered(netns: &Netns, file: &Path, filter: &str) -> Option<Capture> {
        let tshark = crate::peer("tshark")?;
        let mut child = Running::spawn(
            netns
                .command(tshark)
                .args(["-i", "lo", "-f", filter, "-q", "-w"])
                .arg(file)
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        );
        let stderr = child.0.stderr.take().expect("piped stderr");
        assert!(
            wait_for_line(stderr, "Capturing on", 20),
            "tshark did not start capturing"
        );
        // tshark reports before its capture child sees the first packets.
        std::thread::sleep(std::time::Duration::from_secs(2));
        Some(Capture {
            tshark: child,
            file: file.to_owned(),
        })
    }

    /// Stops the capture (tshark flushes on SIGINT) and returns its file.
    pub fn finish(self) -> PathBuf {
        self.tshark.interrupt();
        self.file
    }
}

/// One field row per packet matching the display `filter`, read from a
/// capture file with `tshark -T fields`.
pub fn fields(file: &Path, filter: &str, names: &[&str]) -> Vec<Vec<String>> {
    let mut command = Command::new("tshark");
    command.arg("-r").arg(file).args([
        "-o",
        "rtp.heuristic_rtp:TRUE",
        "-Y",
        filter,
        "-T",
        "fields",
    ]);
    for name in names {
        command.args(["-e", name]);
    }
    let output = command.stderr(Stdio::null()).output().expect("runs tshark");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

/// RTP packets per (source, destination) flow in a capture file.
pub fn rtp_flows(file: &Path) -> BTreeMap<(SocketAddr, SocketAddr), u64> {
    let mut flows = BTreeMap::new();
    let names = ["ip.src", "udp.srcport", "ip.dst", "udp.dstport"];
    for row in fields(file, "rtp && !rtcp", &names) {
        let addr = |ip: &String, port: &String| format!("{ip}:{port}").parse().ok();
        if let [sip, sport, dip, dport] = row.as_slice() {
            if let (Some(src), Some(dst)) = (addr(sip, sport), addr(dip, dport)) {
                *flows.entry((src, dst)).or_insert(0) += 1;
            }
        }
    }
    flows
}

/// The RTP packets in `flows` (see [`rtp_flows`]) from ports in `from`
/// to ports in `to`.
pub fn packets_between(
    flows: &BTreeMap<(SocketAddr, SocketAddr), u64>,
    from: &RangeInclusive<u16>,
    to: &RangeInclusive<u16>,
) -> u64 {
    flows
        .iter()
        .filter(|((src, dst), _)| from.contains(&src.port()) && to.contains(&dst.port()))
        .map(|(_, n)| n)
        .sum()
}
