//! A private network namespace holding only a loopback interface.
//!
//! Softphones such as baresip look up DNS servers and bind every
//! interface they see; inside a namespace with only `lo` every packet
//! stays on 127.0.0.1 and nothing on the host's ports can collide. The
//! gateway under test and its peers are all started inside the same
//! namespace with [`Netns::command`].

use std::process::{Command, Stdio};

use crate::process::{Running, wait_for_line};

/// A network namespace kept alive by a holder process; it disappears
/// when the holder (and every process started in it) has ended.
#[derive(Debug)]
pub struct Netns {
    holder: Running,
}

impl Netns {
    /// A fresh namespace with `lo` up, or `None` after printing a skip
    /// notice when this user may not create one (it needs root, like the
    /// peer installation in `scripts/test`). Panics on a missing
    /// `unshare`/`nsenter`/`ip` when peers are required.
    pub fn new() -> Option<Netns> {
        for tool in ["unshare", "nsenter", "ip"] {
            crate::peer(tool)?;
        }
        let mut holder = Running::spawn(
            Command::new("unshare")
                .args([
                    "-n",
                    "sh",
                    "-c",
                    "ip link set lo up && echo up && exec sleep 3600",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let stdout = holder.0.stdout.take().expect("piped stdout");
        if wait_for_line(stdout, "up", 1) {
            Some(Netns { holder })
        } else if std::env::var(crate::REQUIRE_PEERS_ENV).as_deref() == Ok("1") {
            panic!("cannot create a network namespace (unshare -n needs root)")
        } else {
            eprintln!("notice: cannot create a network namespace (needs root); skipping");
            None
        }
    }

    /// A command that runs `program` inside this namespace.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg(format!("--net=/proc/{}/ns/net", self.holder.id()))
            .arg("--")
            .arg(program);
        command
    }
}
