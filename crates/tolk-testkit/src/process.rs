//! Child processes that tests start and must never leak.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

/// A child process killed and reaped when dropped, so that a failing
/// assertion cannot leave a gateway or a peer running.
#[derive(Debug)]
pub struct Running(pub Child);

impl Running {
    /// Spawns `command`, panicking with its name when it cannot start.
    pub fn spawn(command: &mut Command) -> Running {
        match command.spawn() {
            Ok(child) => Running(child),
            Err(err) => panic!("cannot start {:?}: {err}", command.get_program()),
        }
    }

    /// Spawns `command` with its stdout piped and waits until it prints a
    /// line containing `ready` (within its first 20 lines), panicking
    /// otherwise; later output is drained so the child never blocks.
    pub fn spawn_ready(command: &mut Command, ready: &str) -> Running {
        let mut running = Running::spawn(command.stdout(Stdio::piped()));
        let stdout = running.0.stdout.take().expect("piped stdout");
        assert!(
            wait_for_line(stdout, ready, 20),
            "{:?} did not report {ready:?}",
            command.get_program()
        );
        running
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Sends SIGINT (the signal that makes tshark flush and exit) and
    /// waits for the process to end.
    pub fn interrupt(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads `stream` line by line until one contains `needle`; at most
/// `max_lines` lines. True when found. The rest of the stream is drained
/// on a background thread so that the child never blocks on a full pipe.
pub fn wait_for_line(stream: impl Read + Send + 'static, needle: &str, max_lines: usize) -> bool {
    let mut lines = BufReader::new(stream).lines();
    let found = lines
        .by_ref()
        .take(max_lines)
        .map_while(Result::ok)
        .any(|line| line.contains(needle));
    std::thread::spawn(move || lines.for_each(drop));
    found
}
