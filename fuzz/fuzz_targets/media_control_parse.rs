//! RFC 5168 media control bodies: parsing never panics, and a request
//! read from one prints back into a body that reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_interwork::{KeyframeRequest, MEDIA_CONTROL_CONTENT_TYPE};

fuzz_target!(|data: &[u8]| {
    if let Some(request) = KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, data) {
        let body = request.info_body();
        let back = KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, body.as_bytes());
        assert_eq!(back, Some(request));
    }
});
