//! A call routed to a peer the node cannot send to (a TCP peer while the
//! node listens on UDP only) is refused with 503, and the media it had
//! taken is freed: the outgoing INVITE is placed without the bridge
//! waiting for the user agent, so the failure comes back as an event.

mod harness;

use harness::{NodeConfig, Tolk, invite, peer_route, request};

/// SIP and admin ports 42300-42302, media 26000-26049.
const TOLK: u16 = 42300;
const ADMIN: u16 = 42301;
const CALLER: u16 = 42302;

#[test]
fn a_call_to_an_unreachable_transport_gets_503_and_frees_its_media() {
    let config = NodeConfig::new(TOLK, ADMIN, "26000-26049")
        .with(&peer_route("tcp-only", 42303, "transport = \"tcp\"\n"))
        .to_string();
    let node = Tolk::start("unplaceable_call", &config, ADMIN);
    let refused = request(TOLK, CALLER, &invite("bob", TOLK, CALLER, (0, "PCMU")));
    assert!(refused.starts_with("SIP/2.0 503"), "{refused}");
    assert_eq!(node.metric("tolk_active_calls"), 0);
    // The relay session made for the call is gone (the gauge is updated every second).
    let freed = (0..30).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        node.metric("tolk_relay_sessions") == 0
    });
    assert!(freed, "the refused call's relay session was not freed");
}
