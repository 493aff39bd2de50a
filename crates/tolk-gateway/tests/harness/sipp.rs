//! sipp peers of a node, run in its temp dir: the command line of a run
//! ([`Scenario`]), runs bound to loopback and in time, and a callee with
//! a caller through the node ([`SippCall`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Running, Tolk};

/// How long one sipp run may last before it fails (sipp's own timeout).
const SIPP_LIMIT_SECS: u32 = 100;

/// The command line of one sipp run, built by what it does.
#[derive(Clone, Debug)]
pub struct Scenario {
    args: Vec<String>,
}

impl Scenario {
    /// The scenario file `name` in the node's dir (copied from
    /// `tests/sipp` or written with [`Tolk::write_scenario`]).
    pub fn file(name: &str) -> Scenario {
        Scenario {
            args: vec!["-sf".into(), name.into()],
        }
    }

    /// One call of the scenario `file` (see [`Scenario::file`]) from SIP
    /// port `port`, its media on `media_port`.
    pub fn once(file: &str, port: u16, media_port: u16) -> Scenario {
        Scenario::file(file)
            .port(port)
            .media_port(media_port)
            .calls(1)
    }

    /// Calls `user` through the node's SIP port `tolk_port`.
    pub fn calling(self, user: &str, tolk_port: u16) -> Scenario {
        self.args(&["-s", user]).to(tolk_port)
    }

    /// Sends its requests to the node's SIP port `tolk_port`.
    pub fn to(self, tolk_port: u16) -> Scenario {
        self.args(&[&format!("127.0.0.1:{tolk_port}")])
    }

    /// Its own SIP port.
    pub fn port(self, port: u16) -> Scenario {
        self.args(&["-p", &port.to_string()])
    }

    /// Its media port (sipp's RTP streams and echo).
    pub fn media_port(self, port: u16) -> Scenario {
        self.args(&["-mp", &port.to_string()])
    }

    /// How many calls it places or takes before it ends.
    pub fn calls(self, count: u32) -> Scenario {
        self.args(&["-m", &count.to_string()])
    }

    /// Sets the scenario's `[name]` keyword.
    pub fn key(self, name: &str, value: impl ToString) -> Scenario {
        self.args(&["-key", name, &value.to_string()])
    }

    /// Logs every message it sends and receives into `log`.
    pub fn message_log(self, log: &Path) -> Scenario {
        self.args(&["-trace_msg", "-message_file", &log.to_string_lossy()])
    }

    /// Further sipp options, as they are.
    pub fn args(mut self, args: &[&str]) -> Scenario {
        self.args.extend(args.iter().map(|arg| (*arg).to_owned()));
        self
    }
}

/// A command line written out in full.
impl From<&[&str]> for Scenario {
    fn from(args: &[&str]) -> Scenario {
        Scenario { args: Vec::new() }.args(args)
    }
}

impl From<&Vec<&str>> for Scenario {
    fn from(args: &Vec<&str>) -> Scenario {
        Scenario::from(&args[..])
    }
}

impl<const N: usize> From<&[&str; N]> for Scenario {
    fn from(args: &[&str; N]) -> Scenario {
        Scenario::from(&args[..])
    }
}

/// A sipp `<send>` of a response with the status line `status` (such as
/// `200 OK`) and no body to the last request the scenario received.
pub fn reply(status: &str) -> String {
    format!(
        r#"<send>
    <![CDATA[
      SIP/2.0 {status}
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>"#
    )
}

/// A sipp callee and a sipp caller placing calls through the node.
pub struct SippCall {
    caller: JoinHandle<(ExitStatus, Duration)>,
    callee: JoinHandle<ExitStatus>,
}

/// How the two ends of a [`SippCall`] finished.
pub struct Outcome {
    /// The caller's exit status.
    pub caller: ExitStatus,
    /// The callee's exit status.
    pub callee: ExitStatus,
    /// How long the caller ran.
    pub caller_ran: Duration,
}

impl Outcome {
    /// Panics unless both ends succeeded, with their statuses and the
    /// logs in `tolk`'s dir.
    pub fn assert_success(&self, tolk: &Tolk) {
        assert!(
            self.caller.success() && self.callee.success(),
            "caller {:?} callee {:?}\n{}",
            self.caller,
            self.callee,
            tolk.sipp_errors()
        );
    }
}

impl SippCall {
    /// Waits for both ends.
    pub fn join(self) -> Outcome {
        let (caller, caller_ran) = self.caller.join().expect("caller thread");
        let callee = self.callee.join().expect("callee thread");
        Outcome {
            caller,
            callee,
            caller_ran,
        }
    }
}

/// A [`SippCall`] whose two peers log their messages, so that a test
/// can read the SDP the node sent each.
pub struct LoggedCall {
    /// The two peers.
    pub sipp: SippCall,
    /// The caller's message log.
    pub caller_log: PathBuf,
    /// The callee's message log.
    pub callee_log: PathBuf,
}

impl LoggedCall {
    /// The relay's `kind` addresses toward the caller and the callee,
    /// whose own `kind` ports are `own` (waits up to 10 s for each).
    pub fn relay_addrs(&self, kind: &str, own: (u16, u16)) -> (SocketAddr, SocketAddr) {
        super::relay_addrs((&self.caller_log, &self.callee_log), kind, own)
    }

    /// Waits for both peers, panics unless both succeeded, then checks
    /// that the node freed everything.
    pub fn finish(self, tolk: &Tolk) {
        self.sipp.join().assert_success(tolk);
        tolk.assert_idle();
    }
}

impl Tolk {
    /// Writes the scenario `name` into the node's dir.
    pub fn write_scenario(&self, name: &str, xml: &str) {
        std::fs::write(self.dir.join(name), xml).expect("scenario");
    }

    /// A sipp run in the node's dir (see [`sipp_command_in`]).
    fn sipp_command(&self, sipp: &Path, scenario: impl Into<Scenario>) -> Command {
        sipp_command_in(&self.dir, sipp, scenario)
    }

    /// Runs sipp with `scenario` to its end.
    pub fn sipp(&self, sipp: &Path, scenario: impl Into<Scenario>) -> ExitStatus {
        self.sipp_command(sipp, scenario)
            .status()
            .expect("runs sipp")
    }

    /// Waits for the sipp run on `thread`; panics unless it succeeded,
    /// saying `what` failed, with its status and the logs in the node's dir.
    pub fn assert_sipp_succeeds(&self, thread: JoinHandle<ExitStatus>, what: &str) {
        let status = thread.join().expect("sipp thread");
        assert!(status.success(), "{what}: {status}\n{}", self.sipp_errors());
    }

    /// Runs sipp with `scenario` on a thread.
    pub fn sipp_thread(
        &self,
        sipp: &Path,
        scenario: impl Into<Scenario>,
    ) -> JoinHandle<ExitStatus> {
        let mut command = self.sipp_command(sipp, scenario);
        std::thread::spawn(move || command.status().expect("runs sipp"))
    }

    /// The sipp caller scenario (`caller.xml`, streaming the tone) calling
    /// `user` through `tolk_port`, on a thread; `extra` says how many
    /// calls and how long.
    pub fn caller(
        &self,
        sipp: &Path,
        user: &str,
        tolk_port: u16,
        port: u16,
        media_port: u16,
        extra: &[&str],
    ) -> JoinHandle<ExitStatus> {
        let caller = Scenario::file("caller.xml")
            .calling(user, tolk_port)
            .port(port)
            .media_port(media_port)
            .args(extra);
        self.sipp_thread(sipp, caller)
    }

    /// Starts `callee`, gives it 300 ms to listen, then starts `caller`.
    pub fn sipp_call(&self, sipp: &Path, callee: Scenario, caller: Scenario) -> SippCall {
        let callee = self.sipp_thread(sipp, callee);
        std::thread::sleep(Duration::from_millis(300));
        let mut command = self.sipp_command(sipp, caller);
        let caller = std::thread::spawn(move || {
            let started = Instant::now();
            let status = command.status().expect("runs sipp caller");
            (status, started.elapsed())
        });
        SippCall { caller, callee }
    }

    /// [`Tolk::sipp_call`] with each peer logging its messages
    /// (`caller.msg` and `callee.msg` in the node's dir).
    pub fn logged_call(&self, sipp: &Path, callee: Scenario, caller: Scenario) -> LoggedCall {
        let (caller_log, callee_log) = (self.dir.join("caller.msg"), self.dir.join("callee.msg"));
        let callee = callee.message_log(&callee_log);
        let caller = caller.message_log(&caller_log);
        LoggedCall {
            sipp: self.sipp_call(sipp, callee, caller),
            caller_log,
            callee_log,
        }
    }

    /// A sipp callee (built-in `uas` scenario) echoing RTP, in the background.
    pub fn callee(&self, sipp: &Path, port: u16, media_port: u16) -> Running {
        self.callee_with(sipp, &["-sn", "uas"], port, media_port)
    }

    /// A sipp callee running `scenario` and echoing RTP, in the background
    /// until dropped.
    pub fn callee_with(
        &self,
        sipp: &Path,
        scenario: &[&str],
        port: u16,
        media_port: u16,
    ) -> Running {
        Running::spawn(
            Command::new(sipp)
                .args(scenario)
                .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-rtp_echo"])
                .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
                .args(["-nostdin", "-timeout", "110s"])
                .current_dir(&self.dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
    }
}

/// A sipp run in `dir`: on loopback, without a terminal, failing when it
/// outlasts its time; errors go to `*_errors.log`.
pub fn sipp_command_in(dir: &Path, sipp: &Path, scenario: impl Into<Scenario>) -> Command {
    let mut command = Command::new("timeout");
    command
        .arg((SIPP_LIMIT_SECS + 20).to_string())
        .arg(sipp)
        .args(scenario.into().args)
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-nostdin"])
        .args(["-timeout", &format!("{SIPP_LIMIT_SECS}s")])
        .args(["-timeout_error", "-trace_err"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}
