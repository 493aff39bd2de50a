//! One datagram through the SIP parser, every typed accessor and the UAS
//! checks: nothing may panic, and whatever parses prints back to a
//! message that parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_sip::uas_checks::{self, NoDialogs, Policy};
use tolk_sip::{Bytes, Message};

fuzz_target!(|data: &[u8]| {
    let raw = Bytes::copy_from_slice(data);
    let parsed = Message::parse(raw.clone());
    if let Ok(message) = &parsed {
        let again = Message::parse(message.to_bytes());
        assert_eq!(again.as_ref(), Ok(message), "print -> parse round trip");
        let h = message.headers();
        let _ = (h.top_via(), h.from(), h.to(), h.call_id(), h.cseq(), h.max_forwards());
        let _ = (h.content_type(), h.content_length(), h.expires(), h.session_expires(), h.min_se());
        let _ = (h.rseq(), h.rack(), h.retry_after(), h.date());
        h.vias().for_each(drop);
        h.contacts().for_each(drop);
        h.routes().for_each(drop);
        h.record_routes().for_each(drop);
        h.accept().for_each(drop);
        h.allow().for_each(drop);
        h.require().for_each(drop);
        h.unsupported().for_each(drop);
        h.reasons().for_each(drop);
        h.authorization().for_each(drop);
        h.www_authenticate().for_each(drop);
        if let Some(request) = message.as_request() {
            let _ = request.uri();
        }
    }
    let _ = uas_checks::answer(&parsed, &raw, &Policy::default(), &NoDialogs, "fuzz");
});
