//! RTCP parsing never panics, and whatever parses survives an encode and
//! a second parse unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_media::rtcp::{self, keyframe};

fuzz_target!(|data: &[u8]| {
    for raw in rtcp::raw_packets(data) {
        let Ok(raw) = raw else { break };
        let _ = rtcp::RtcpPacket::parse(&raw);
    }
    let Ok(packets) = rtcp::parse_compound(data) else { return };
    let _ = rtcp::is_full_compound(&packets);
    let _ = keyframe::requests(&packets).count();
    let bytes = rtcp::encode_compound(&packets).expect("parsed packets encode");
    let again = rtcp::parse_compound(&bytes).expect("encoded packets parse");
    assert_eq!(again, packets);
});
