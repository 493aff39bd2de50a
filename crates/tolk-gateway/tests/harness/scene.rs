//! A `tolk run` node in a private network namespace with a scratch dir,
//! for softphones (baresip) that must see no interface but loopback; the
//! test itself runs outside the namespace.

use std::path::PathBuf;
use std::process::Stdio;

use tolk_testkit::baresip::{Baresip, BaresipAccount};
use tolk_testkit::capture::Capture;
use tolk_testkit::netns::Netns;

use super::{NodeConfig, Running};

/// A namespace with the node running in it, and a scratch directory
/// (removed on drop unless a test failed, to keep its logs).
pub struct Scene {
    /// The scratch directory: the config, phones' homes, captures.
    pub dir: PathBuf,
    _tolk: Running,
    /// The namespace the node and its peers run in.
    pub netns: Netns,
    admin: u16,
}

impl Scene {
    /// Starts a node running `config` in a fresh namespace; `None` (after
    /// a notice) where namespaces or baresip are not available.
    pub fn start(name: &str, config: &NodeConfig) -> Option<Scene> {
        let netns = Netns::new()?;
        tolk_testkit::peer("baresip")?;
        let dir = std::env::temp_dir().join(format!("tolk-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("tolk.toml");
        std::fs::write(&path, config.to_string()).expect("config");
        let tolk = Running::spawn_ready(
            netns
                .command(env!("CARGO_BIN_EXE_tolk"))
                .args(["run", "--config"])
                .arg(&path),
            "tolk: ready",
        );
        Some(Scene {
            dir,
            _tolk: tolk,
            netns,
            admin: config.admin_port(),
        })
    }

    /// A baresip phone for `account`, its home in the scratch dir.
    pub fn phone(&self, account: &BaresipAccount) -> Baresip {
        Baresip::configure(&self.dir.join(&account.user), account).expect("baresip present")
    }

    /// A capture of UDP on the namespace's loopback.
    pub fn capture(&self) -> Capture {
        self.capture_filtered("udp")
    }

    /// A capture on the namespace's loopback with the capture filter
    /// `filter`.
    pub fn capture_filtered(&self, filter: &str) -> Capture {
        let file = self.dir.join("call.pcapng");
        Capture::start_filtered(&self.netns, &file, filter).expect("tshark present")
    }

    /// `GET path` on the node's admin API, with curl in the namespace:
    /// the response body.
    pub fn admin_get(&self, path: &str) -> String {
        let url = format!("http://127.0.0.1:{}{path}", self.admin);
        let output = self
            .netns
            .command("curl")
            .args(["-s", "-m", "5", &url])
            .stderr(Stdio::null())
            .output()
            .expect("runs curl");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }
}
