//! MESSAGE inside a call (RFC 3428) with real peers: a sipp caller ->
//! `tolk run` -> a sipp callee on loopback. The caller's in-dialog
//! MESSAGEs reach the callee in its own dialog and the callee's final
//! answers come back (its status and reason; 408 when it stays silent);
//! a MESSAGE in a dialog that has ended gets 481. A MESSAGE in the
//! early dialog of a ringing call reaches the other leg's early dialog,
//! either way; when the callee rings without a dialog (a 180 with no To
//! tag) there is none to reach yet, and the caller gets 480.

mod harness;

use harness::{NodeConfig, Scenario, Tolk};

/// SIP and admin ports 41400-41409, media 16000-16099.
const TOLK: u16 = 41400;
const ADMIN: u16 = 41401;
const CALLER: u16 = 41402;
const CALLEE: u16 = 41403;

fn config() -> String {
    NodeConfig::new(TOLK, ADMIN, "16000-16049")
        .media_timeout(120)
        .plain_peer("room", CALLEE, "")
        .route("room", "peer:room")
        .to_string()
}

#[test]
fn in_call_messages_cross_the_bridge_and_their_answers_come_back() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let tolk = Tolk::start("in-call-message", &config(), ADMIN);
    let callee_port = CALLEE.to_string();
    let callee = tolk.sipp_thread(
        &sipp,
        &[
            "-sf",
            "callee_messages.xml",
            "-m",
            "1",
            "-p",
            &callee_port,
            "-mp",
            "16060",
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (caller_port, tolk_addr) = (CALLER.to_string(), format!("127.0.0.1:{TOLK}"));
    let caller = tolk.sipp_thread(
        &sipp,
        &[
            "-sf",
            "caller_messages.xml",
            "-s",
            "room",
            &tolk_addr,
            "-m",
            "1",
            "-p",
            &caller_port,
            "-mp",
            "16070",
        ],
    );
    let (caller, callee) = (
        caller.join().expect("caller thread"),
        callee.join().expect("callee thread"),
    );
    assert!(
        caller.success() && callee.success(),
        "caller {caller:?} callee {callee:?}\n{}",
        tolk.sipp_errors()
    );
    tolk.assert_idle();
}

/// The ports of an early-dialog test's node and its peers: SIP and
/// admin from `sip` (four in a row, in 42100-42199), media from `media`
/// (a hundred, in 22000-23999), so that the tests run side by side.
struct EarlyPorts {
    tolk: u16,
    admin: u16,
    caller: u16,
    callee: u16,
    media: u16,
}

impl EarlyPorts {
    fn new(sip: u16, media: u16) -> EarlyPorts {
        EarlyPorts {
            tolk: sip,
            admin: sip + 1,
            caller: sip + 2,
            callee: sip + 3,
            media,
        }
    }

    fn config(&self) -> String {
        let media = format!("{}-{}", self.media, self.media + 49);
        NodeConfig::new(self.tolk, self.admin, &media)
            .media_timeout(120)
            .plain_peer("room", self.callee, "")
            .route("room", "peer:room")
            .to_string()
    }

    /// Runs `callee_file` and `caller_file` through a node named `name`;
    /// both must succeed and the node end idle.
    fn call(&self, name: &str, callee_file: &str, caller_file: &str) {
        let Some(sipp) = tolk_testkit::peer("sipp") else {
            return;
        };
        let tolk = Tolk::start(name, &self.config(), self.admin);
        let callee = Scenario::file(callee_file)
            .port(self.callee)
            .media_port(self.media + 60)
            .calls(1);
        let caller = Scenario::file(caller_file)
            .calling("room", self.tolk)
            .port(self.caller)
            .media_port(self.media + 70)
            .calls(1);
        tolk.sipp_call(&sipp, callee, caller)
            .join()
            .assert_success(&tolk);
        tolk.assert_idle();
    }
}

#[test]
fn a_message_while_ringing_reaches_the_callee_in_its_early_dialog() {
    EarlyPorts::new(42100, 22000).call(
        "early-message",
        "callee_early_message.xml",
        "caller_early_message.xml",
    );
}

#[test]
fn a_message_from_the_ringing_callee_reaches_the_caller_in_its_early_dialog() {
    EarlyPorts::new(42104, 22100).call(
        "early-message-in",
        "callee_early_message_out.xml",
        "caller_early_message_in.xml",
    );
}

#[test]
fn a_message_while_the_callee_rings_without_a_dialog_gets_480() {
    EarlyPorts::new(42108, 22200).call(
        "early-message-refused",
        "callee_rings_without_tag.xml",
        "caller_early_message_refused.xml",
    );
}
