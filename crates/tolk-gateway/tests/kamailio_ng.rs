//! Kamailio's rtpengine module drives `tolk relay` as its media relay:
//! sipp calls through Kamailio, which sends rtpengine_offer /
//! rtpengine_answer / rtpengine_delete over ng. Every call succeeds, every
//! command is answered without an error, and no call is left behind.
//! Skips with a notice when kamailio (with its rtpengine module) or sipp
//! is not installed.
#![allow(clippy::unwrap_used)]

mod harness;

use std::net::UdpSocket;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use harness::{Running, ng_relay};
use tolk_relay::ng::{Limits, Value};

const KAMAILIO: u16 = 30960;
const NG: u16 = 30961;
const UAS: u16 = 30962;
const UAC: u16 = 30963;
const MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

/// A process started in its own process group, which is ended as a whole:
/// Kamailio forks worker processes even in the foreground, and killing only
/// the main one would leave them holding the SIP port.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        for signal in ["-TERM", "-KILL"] {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status();
            std::thread::sleep(Duration::from_millis(300));
        }
        let _ = self.0.wait();
    }
}

fn config() -> String {
    format!(
        r#"#!KAMAILIO
debug=2
log_stderror=yes
fork=no
children=1
listen=udp:127.0.0.1:{KAMAILIO}
mpath="{MODULES}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:{NG}")
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        loose_route();
        if ($sp == {UAC}) {{ $du = "sip:127.0.0.1:{UAS}"; }} else {{ $du = "sip:127.0.0.1:{UAC}"; }}
        if (is_method("BYE")) {{ rtpengine_delete(); }}
        t_relay();
        exit;
    }}
    record_route();
    if (is_method("INVITE") && has_body("application/sdp")) {{
        rtpengine_offer("replace-origin replace-session-connection ICE=remove");
        t_on_reply("REPLY");
    }}
    $du = "sip:127.0.0.1:{UAS}";
    t_relay();
}}
onreply_route[REPLY] {{
    if (has_body("application/sdp")) {{
        rtpengine_answer("replace-origin replace-session-connection ICE=remove");
    }}
}}
"#
    )
}

fn sipp(sipp: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("timeout");
    c.arg("60")
        .arg(sipp)
        .args(args)
        .args([
            "-i",
            "127.0.0.1",
            "-nostdin",
            "-timeout",
            "50s",
            "-timeout_error",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn statistics() -> Value {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.send_to(b"st d7:command10:statisticse", ("127.0.0.1", NG))
        .unwrap();
    let mut buf = [0u8; 65_536];
    let n = s.recv(&mut buf).unwrap();
    let body = buf[..n].strip_prefix(b"st ").unwrap();
    Value::decode(body, Limits::default()).unwrap()
}

#[test]
fn kamailio_rtpengine_module_drives_tolk_relay() {
    let (Some(kamailio), Some(sipp_bin)) =
        (tolk_testkit::peer("kamailio"), tolk_testkit::peer("sipp"))
    else {
        return;
    };
    if !Path::new(MODULES).join("rtpengine.so").is_file() {
        eprintln!("notice: kamailio's rtpengine module not found in {MODULES}; skipping");
        return;
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("tolk-kamailio-ng-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("kamailio.cfg");
    std::fs::write(&cfg, config()).unwrap();

    let _relay = ng_relay(&format!("127.0.0.1:{NG}"), "30700-30799");
    std::thread::sleep(Duration::from_millis(500));
    let _kamailio = Group(
        Command::new(kamailio)
            .arg("-f")
            .arg(&cfg)
            .args(["-DD", "-E", "-Y"])
            .arg(&dir)
            .current_dir(&dir)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_secs(2));
    let (uas, uac, target) = (
        UAS.to_string(),
        UAC.to_string(),
        format!("127.0.0.1:{KAMAILIO}"),
    );
    let _uas = Running::spawn(&mut sipp(
        &sipp_bin,
        &dir,
        &["-sn", "uas", "-p", &uas, "-m", "5"],
    ));
    let calls = [
        "-sn", "uac", &target, "-p", &uac, "-m", "5", "-r", "5", "-s", "test",
    ];
    let uac = sipp(&sipp_bin, &dir, &calls).status().unwrap();
    assert!(uac.success(), "sipp calls through Kamailio failed: {uac}");

    let stats = statistics();
    let s = stats.get("statistics").unwrap();
    let count = |group: &str, key: &str| {
        s.get(group)
            .and_then(|g| g.get(key))
            .and_then(Value::as_int)
    };
    assert_eq!(count("controlstatistics", "offer"), Some(5), "{stats:?}");
    assert_eq!(count("controlstatistics", "answer"), Some(5));
    assert_eq!(count("controlstatistics", "delete"), Some(5));
    assert_eq!(count("totalstatistics", "errors"), Some(0));
    assert_eq!(
        count("currentstatistics", "sessionsown"),
        Some(0),
        "no call left behind"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
