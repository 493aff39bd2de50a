//! Teardown without the peers' help. A leg ends as soon as its BYE is
//! sent or received (RFC 3261 section 15.1.1), so a peer that never
//! answers our BYE holds neither its call, its relay session nor its
//! ports for the BYE's 32 s timeout, while the user agent still
//! retransmits that BYE; and a drain stops only once the relay has freed
//! the last call's session and its counters are in the metrics.

mod harness;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use harness::{
    NodeConfig, Running, Scenario, Tolk, both_legs_flow, peers_dir, sipp_command_in, wait_for,
};
use tolk_gateway::admin::AdminBackend;
use tolk_gateway::config::Config;
use tolk_gateway::gateway::Gateway;

// SIP and admin ports 42450-42499, media 26200-26299.

/// How long a finished call may take to leave the node: far below the
/// 32 s an unanswered BYE's transaction lasts.
const GONE_WITHIN: Duration = Duration::from_secs(5);

#[test]
fn a_callee_that_never_answers_bye_does_not_hold_the_call() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(42450, 42451, "26200-26219").callee("bob", 42452, "");
    let tolk = Tolk::run("teardown-callee", &config);
    let log = tolk.dir.join("callee.msg");
    let callee = Scenario::once("callee_ignores_bye.xml", 42452, 26260).message_log(&log);
    let callee = tolk.sipp_thread(&sipp, callee);
    std::thread::sleep(Duration::from_millis(300));
    let caller = Scenario::file("caller.xml")
        .calling("bob", 42450)
        .port(42453)
        .media_port(26266)
        .args(&["-m", "1", "-d", "1000"]);
    let hung_up = tolk.sipp(&sipp, caller);
    assert!(
        hung_up.success(),
        "the caller: {hung_up}\n{}",
        tolk.sipp_errors()
    );
    assert_gone(&tolk);
    assert_eq!(tolk.metric("tolk_call_ends_total{reason=\"bye\"}"), 1);
    tolk.assert_sipp_succeeds(callee, "the callee ignoring BYE");
    assert_bye_resent(&log);
}

#[test]
fn a_caller_that_never_answers_bye_does_not_hold_the_call() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(42455, 42456, "26220-26239").callee("bob", 42457, "");
    let tolk = Tolk::run("teardown-caller", &config);
    let log = tolk.dir.join("caller.msg");
    let callee = Scenario::once("callee_hangs_up.xml", 42457, 26272);
    let callee = tolk.sipp_thread(&sipp, callee);
    std::thread::sleep(Duration::from_millis(300));
    let caller = Scenario::once("caller_ignores_bye.xml", 42458, 26278)
        .calling("bob", 42455)
        .message_log(&log);
    let caller = tolk.sipp_thread(&sipp, caller);
    // The callee's BYE is answered at once, and the node BYEs the caller.
    tolk.assert_sipp_succeeds(callee, "the callee hanging up");
    assert_gone(&tolk);
    tolk.assert_sipp_succeeds(caller, "the caller ignoring BYE");
    assert_bye_resent(&log);
}

#[test]
fn a_drain_stops_once_the_last_calls_session_is_freed_and_counted() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let dir = peers_dir("teardown-drain");
    // Two calls the drain's deadline (1 s) hangs up: a long one whose
    // callee echoes its media and never answers BYE, and one ringing
    // whose callee never answers CANCEL, left to the drain's end.
    let config = NodeConfig::new(42460, 42461, "26240-26259")
        .media_timeout(30)
        .drain_timeout(1)
        .callee("bob", 42462, "")
        .callee("ringer", 42464, "");
    let config = Config::parse(&config.to_string()).expect("config");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let running = runtime
        .block_on(Gateway::new(config).start())
        .expect("the gateway starts");
    let node = Arc::clone(running.node());
    let callee = Scenario::once("callee_ignores_bye.xml", 42462, 26284).args(&["-rtp_echo"]);
    let _callee = Running::spawn(&mut sipp_command_in(&dir, &sipp, callee));
    std::thread::sleep(Duration::from_millis(300));
    let caller = Scenario::file("caller.xml")
        .calling("bob", 42460)
        .port(42463)
        .media_port(26290)
        .args(&["-m", "1", "-d", "30000"]);
    let _caller = Running::spawn(&mut sipp_command_in(&dir, &sipp, caller));
    let flowing = wait_for(Duration::from_secs(10), || {
        let calls = serde_json::to_value(node.calls()).unwrap_or_default();
        both_legs_flow(&calls, |_| true)
    });
    assert!(flowing, "no media both ways: {:?}", node.calls());
    let ringer = Scenario::once("callee_rings_ignoring_cancel.xml", 42464, 26292);
    let _ringer = Running::spawn(&mut sipp_command_in(&dir, &sipp, ringer));
    std::thread::sleep(Duration::from_millis(300));
    let waiting = Scenario::once("caller_not_answered.xml", 42465, 26296).calling("ringer", 42460);
    let _waiting = Running::spawn(&mut sipp_command_in(&dir, &sipp, waiting));
    let ringing = wait_for(Duration::from_secs(5), || node.call_count() == 2);
    assert!(ringing, "the second call does not ring: {:?}", node.calls());

    running.drain();
    let stopped = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(15), running.finished()).await
    });
    assert!(stopped.is_ok(), "the drain did not end");
    // What /metrics shows when the node stops: both calls counted, their
    // relay sessions freed and the answered one's counters added.
    let metrics = node.metrics().render();
    let value = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(value("tolk_active_calls"), 0, "{metrics}");
    assert_eq!(
        value("tolk_call_ends_total{reason=\"drain\"}"),
        2,
        "{metrics}"
    );
    assert_eq!(
        value("tolk_call_failures_total{status=\"480\"}"),
        1,
        "{metrics}"
    );
    assert_eq!(value("tolk_relay_sessions"), 0, "{metrics}");
    assert!(value("tolk_relay_packets_total") > 20, "{metrics}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Waits until the node holds no call, dialog or relay session and lists
/// no call, within [`GONE_WITHIN`].
fn assert_gone(tolk: &Tolk) {
    let gone = wait_for(GONE_WITHIN, || {
        [
            "tolk_active_calls",
            "tolk_sip_dialogs",
            "tolk_relay_sessions",
        ]
        .iter()
        .all(|name| tolk.metric(name) == 0)
            && tolk.calls().as_array().is_some_and(Vec::is_empty)
    });
    assert!(
        gone,
        "the call is still held: calls {} metrics {}",
        tolk.http("GET", "/calls"),
        tolk.http("GET", "/metrics")
    );
}

/// The BYE was retransmitted: the peer that ignored it logged it at
/// least twice.
fn assert_bye_resent(log: &Path) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let byes = text.matches("\nBYE sip:").count();
    assert!(byes >= 2, "the BYE reached the peer {byes} times:\n{text}");
}
