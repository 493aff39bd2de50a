//! MESSAGE inside a call (RFC 3428) with real peers: a sipp caller ->
//! `tolk run` -> a sipp callee on loopback. The caller's in-dialog
//! MESSAGEs reach the callee in its own dialog and the callee's final
//! answers come back (its status and reason; 408 when it stays silent);
//! a MESSAGE in a dialog that has ended gets 481.

mod harness;

use harness::{NodeConfig, Tolk};

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
