//! MESSAGE inside a call (RFC 3428) with real peers: a sipp caller ->
//! `tolk run` -> a sipp callee on loopback. The caller's in-dialog
//! MESSAGEs reach the callee in its own dialog and the callee's final
//! answers come back (its status and reason; 408 when it stays silent);
//! a MESSAGE in a dialog that has ended gets 481. A MESSAGE in the
//! early dialog of a ringing call reaches the other leg's early dialog,
//! either way; when the callee rings without a dialog (a 180 with no To
//! tag) there is none to reach yet, and the caller gets 480.

mod harness;

use harness::{NodeConfig, Ports, Scenario, Tolk};

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

/// A call between `callee_file` and `caller_file` through a node named
/// `name` on `ports` (the audio ports are sipp's media ports); both must
/// succeed and the node end idle.
fn early_call(name: &str, ports: Ports, callee_file: &str, caller_file: &str) {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(ports.tolk, ports.admin, ports.relay)
        .media_timeout(120)
        .plain_peer("room", ports.callee, "")
        .route("room", "peer:room")
        .to_string();
    let tolk = Tolk::start(name, &config, ports.admin);
    let callee = Scenario::file(callee_file)
        .port(ports.callee)
        .media_port(ports.callee_audio)
        .calls(1);
    let caller = Scenario::file(caller_file)
        .calling("room", ports.tolk)
        .port(ports.caller)
        .media_port(ports.caller_audio)
        .calls(1);
    tolk.sipp_call(&sipp, callee, caller)
        .join()
        .assert_success(&tolk);
    tolk.assert_idle();
}

// Ports: SIP and admin 42100-42111, media 22000-22299.

#[test]
fn a_message_while_ringing_reaches_the_callee_in_its_early_dialog() {
    early_call(
        "early-message",
        Ports::at(42100, "22000-22049", 22060),
        "callee_early_message.xml",
        "caller_early_message.xml",
    );
}

#[test]
fn a_message_from_the_ringing_callee_reaches_the_caller_in_its_early_dialog() {
    early_call(
        "early-message-in",
        Ports::at(42104, "22100-22149", 22160),
        "callee_early_message_out.xml",
        "caller_early_message_in.xml",
    );
}

#[test]
fn a_message_while_the_callee_rings_without_a_dialog_gets_480() {
    early_call(
        "early-message-refused",
        Ports::at(42108, "22200-22249", 22260),
        "callee_rings_without_tag.xml",
        "caller_early_message_refused.xml",
    );
}
