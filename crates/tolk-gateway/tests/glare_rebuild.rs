//! Glare, then the peer's own re-offer before our retry: a sipp caller
//! holds the call; the sipp callee refuses the relayed hold re-INVITE
//! with 491 and at once re-INVITEs itself, which Tolk answers. The hold
//! sent again after the RFC 3261 section 14.1 wait is built from the
//! media agreed then: it still holds (a=sendonly, which the callee's
//! scenario requires) and its o= version follows the answer Tolk sent
//! in between, each SDP Tolk sent the callee one version above the last.

mod harness;

use harness::{NodeConfig, Scenario, Tolk};

/// SIP and admin ports 41450-41453, media 16800-16849.
const TOLK: u16 = 41450;
const ADMIN: u16 = 41451;
const CALLER: u16 = 41452;
const CALLEE: u16 = 41453;

fn config() -> NodeConfig {
    NodeConfig::new(TOLK, ADMIN, "16800-16829")
        .media_timeout(30)
        .callee("room", CALLEE, "")
}

/// The session versions of Tolk's SDP (`o=tolk`) in a sipp message log,
/// in order, a retransmission counted once.
fn tolk_versions(log: &str) -> Vec<u64> {
    let mut versions: Vec<u64> = log
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("o=tolk ")?;
            rest.split(' ').nth(1)?.parse().ok()
        })
        .collect();
    versions.dedup();
    versions
}

#[test]
fn the_hold_sent_again_after_glare_follows_the_peers_re_offer() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let tolk = Tolk::run("glare-rebuild", &config());
    // The caller holds the call long enough for the retry (2.1-4 s).
    let hold = include_str!("sipp/caller_hold.xml").replace(
        r#"<pause milliseconds="500"/>"#,
        r#"<pause milliseconds="6000"/>"#,
    );
    tolk.write_scenario("glare_rebuild_caller.xml", &hold);
    let log = tolk.dir.join("callee.msg");
    let callee = Scenario::once("callee_glare_reoffers.xml", CALLEE, 16840).message_log(&log);
    let caller = Scenario::once("glare_rebuild_caller.xml", CALLER, 16845).calling("room", TOLK);
    tolk.sipp_call(&sipp, callee, caller)
        .join()
        .assert_success(&tolk);

    // The first offer, the hold refused with 491, the answer to the
    // callee's re-offer, the hold again: one version apart each.
    let versions = tolk_versions(&std::fs::read_to_string(&log).unwrap_or_default());
    assert_eq!(versions.len(), 4, "{versions:?}");
    assert!(
        versions.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "{versions:?}"
    );
    tolk.assert_idle();
}
