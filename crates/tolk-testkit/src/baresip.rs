//! baresip, a real SIP softphone, run headless as a test peer.
//!
//! Each instance gets its own generated configuration directory: no
//! terminal UI (its `stdio` module needs a tty), a 440 Hz sine as the
//! microphone, a null player, G.711 only (so that any gateway can answer
//! it), RTP and RTCP on one port offered (`rtcp_mux yes`, RFC 5761), and
//! the `srtp` module for SDES offers. Run it inside a
//! [`Netns`] together with the gateway under test;
//! it is always bounded by `-t SECONDS` and its log is kept in the
//! directory for the assertion messages.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use crate::netns::Netns;
use crate::process::Running;

/// One baresip user agent and where it lives on the wire.
#[derive(Debug, Clone)]
pub struct BaresipAccount {
    /// The user part of its address of record (`sip:USER@127.0.0.1`).
    pub user: String,
    /// Where it listens for SIP (UDP).
    pub sip: SocketAddr,
    /// Its RTP port range, inclusive.
    pub rtp_ports: (u16, u16),
    /// baresip's media encryption: `None` for plain RTP, `Some("srtp")`
    /// for SDES offered but optional (RTP/AVP with `a=crypto`),
    /// `Some("srtp-mand")` for RTP/SAVP.
    pub mediaenc: Option<String>,
    /// A registrar to register at (its outbound proxy); `None`: no
    /// registration.
    pub registrar: Option<SocketAddr>,
    /// The Digest password answering the registrar's challenges.
    pub password: Option<String>,
    /// Answer incoming calls at once.
    pub auto_answer: bool,
}

/// A baresip instance's configuration directory and log.
#[derive(Debug)]
pub struct Baresip {
    program: PathBuf,
    dir: PathBuf,
}

impl Baresip {
    /// Writes a configuration for `account` into `dir` (created), or
    /// returns `None` with a notice when baresip is not installed.
    pub fn configure(dir: &Path, account: &BaresipAccount) -> Option<Baresip> {
        let program = crate::peer("baresip")?;
        std::fs::create_dir_all(dir).expect("baresip config dir");
        std::fs::write(dir.join("config"), config(account)).expect("baresip config");
        std::fs::write(dir.join("accounts"), account_line(account)).expect("baresip accounts");
        Some(Baresip {
            program,
            dir: dir.to_owned(),
        })
    }

    /// The command that runs it in `netns` for `seconds`, executing the
    /// `commands` (e.g. `/dial sip:echo@127.0.0.1:5060`) at start, with
    /// its output going to [`Baresip::log_path`].
    pub fn command(&self, netns: &Netns, commands: &[&str], seconds: u32) -> Command {
        let log = File::create(self.log_path()).expect("baresip log");
        let mut command = netns.command("timeout");
        command
            .arg((seconds + 10).to_string())
            .arg(&self.program)
            .arg("-f")
            .arg(&self.dir)
            .args(["-t", &seconds.to_string()]);
        for line in commands {
            command.args(["-e", line]);
        }
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        command
    }

    /// Runs it to its end (see [`Baresip::command`]).
    pub fn run(&self, netns: &Netns, commands: &[&str], seconds: u32) -> ExitStatus {
        self.command(netns, commands, seconds)
            .status()
            .expect("runs baresip")
    }

    /// Starts it in the background (see [`Baresip::command`]).
    pub fn spawn(&self, netns: &Netns, commands: &[&str], seconds: u32) -> Running {
        Running::spawn(&mut self.command(netns, commands, seconds))
    }

    /// Where its output goes.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("baresip.log")
    }

    /// Its output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

fn config(account: &BaresipAccount) -> String {
    let mut modules = vec!["g711", "ausine", "aubridge"];
    if account
        .mediaenc
        .as_deref()
        .is_some_and(|m| m.starts_with("srtp"))
    {
        modules.push("srtp");
    }
    let mut text = format!(
        "poll_method epoll\n\
         sip_listen {sip}\n\
         sip_trans_def udp\n\
         net_interface {ip}\n\
         rtp_ports {low}-{high}\n\
         rtcp_mux yes\n\
         audio_source ausine,440\n\
         audio_player aubridge,nil\n\
         audio_alert aubridge,nil\n\
         ausrc_srate 48000\n\
         auplay_srate 48000\n\
         ausrc_channels 2\n\
         auplay_channels 2\n\
         module_path /usr/lib/baresip/modules\n",
        sip = account.sip,
        ip = account.sip.ip(),
        low = account.rtp_ports.0,
        high = account.rtp_ports.1,
    );
    // ausine only produces 48 kHz stereo; baresip resamples to G.711.
    for module in modules {
        text.push_str(&format!("module {module}.so\n"));
    }
    text.push_str("module_app account.so\nmodule_app menu.so\n");
    text
}

fn account_line(account: &BaresipAccount) -> String {
    let ip = account.sip.ip();
    let mut line = format!("<sip:{}@{ip}>;audio_codecs=PCMU,PCMA", account.user);
    match account.registrar {
        Some(registrar) => line.push_str(&format!(";outbound=\"sip:{registrar}\";regint=600")),
        None => line.push_str(";regint=0"),
    }
    if let Some(password) = &account.password {
        line.push_str(&format!(";auth_pass={password}"));
    }
    if let Some(mediaenc) = &account.mediaenc {
        line.push_str(&format!(";mediaenc={mediaenc}"));
    }
    line.push_str(if account.auto_answer {
        ";answermode=auto"
    } else {
        ";answermode=manual"
    });
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(mediaenc: Option<&str>, registrar: Option<SocketAddr>) -> BaresipAccount {
        BaresipAccount {
            user: "bob".into(),
            sip: ([127, 0, 0, 1], 28001).into(),
            rtp_ports: (35000, 35099),
            mediaenc: mediaenc.map(str::to_owned),
            registrar,
            password: None,
            auto_answer: true,
        }
    }

    #[test]
    fn a_registering_sdes_account_names_its_registrar_and_encryption() {
        let line = account_line(&account(Some("srtp"), Some(([127, 0, 0, 1], 28000).into())));
        assert_eq!(
            line,
            "<sip:bob@127.0.0.1>;audio_codecs=PCMU,PCMA;outbound=\"sip:127.0.0.1:28000\";\
             regint=600;mediaenc=srtp;answermode=auto\n"
        );
        assert!(config(&account(Some("srtp"), None)).contains("module srtp.so\n"));
    }

    #[test]
    fn a_plain_account_neither_registers_nor_loads_srtp() {
        assert!(account_line(&account(None, None)).contains(";regint=0;"));
        let config = config(&account(None, None));
        assert!(!config.contains("srtp"));
        assert!(config.contains("sip_listen 127.0.0.1:28001\nsip_trans_def udp\n"));
        assert!(config.contains("rtp_ports 35000-35099\n"));
    }
}
