//! SDP parsing on arbitrary bytes: never panics, and whatever parses
//! prints to text that parses to the same model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = tolk_sdp::SdpBody::find(data);
    match body.parse() {
        Ok(description) => {
            let printed = description.to_bytes();
            let again = tolk_sdp::parse(&printed).expect("printed SDP parses");
            assert_eq!(again, description, "print/parse round trip");
        }
        Err(error) => assert!(error.offset <= data.len() + 1),
    }
});
