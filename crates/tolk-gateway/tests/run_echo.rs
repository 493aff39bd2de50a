//! `tolk run` end to end: sipp calls the `echo` target through the real
//! binary on loopback, and the admin API counts the calls.

mod harness;

use harness::{NodeConfig, Scenario, Tolk};

#[test]
fn sipp_calls_the_echo_target() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config = NodeConfig::new(27310, 27380, "27400-27499")
        // The default: sipp's built-in caller sends no media.
        .media_timeout(60)
        .route("^echo$", "echo");
    let tolk = Tolk::start("run-echo", &config.to_string(), 27380);
    assert!(tolk.http("GET", "/health").contains("\r\n\r\nok"));

    let calls = Scenario::from(&["-sn", "uac"])
        .calling("echo", 27310)
        .port(27311)
        .calls(50)
        .args(&["-r", "25"]);
    let status = tolk.sipp(&sipp, calls);
    assert!(status.success(), "sipp reported failed calls: {status}");

    let metrics = tolk.http("GET", "/metrics");
    assert!(
        metrics.contains("\ntolk_call_setups_total 50\n"),
        "{metrics}"
    );
    assert!(metrics.contains("\ntolk_active_calls 0\n"), "{metrics}");
}
