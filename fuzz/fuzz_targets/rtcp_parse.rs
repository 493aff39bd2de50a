//! RTCP parsing never panics, and whatever parses and encodes survives a
//! second parse unchanged. (A packet padded on the wire around a body that
//! is not word-aligned parses, but is refused by the encoder, which never
//! pads mid-compound.)
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
    let Ok(bytes) = rtcp::encode_compound(&packets) else {
        return;
    };
    let again = rtcp::parse_compound(&bytes).expect("encoded packets parse");
    assert_eq!(again, packets);
});
