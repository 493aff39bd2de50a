//! An ng control datagram's body: decoding never panics and stays within
//! its limits; a decoded document encodes to bytes that decode to the same
//! value; reading it as a command never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_relay::ng::{Limits, Request, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = Value::decode(data, Limits::default()) else { return };
    let _ = Request::from_value(&value);
    let encoded = value.encode();
    let again = Value::decode(&encoded, Limits::default()).expect("re-encoded value decodes");
    // Dictionaries are written sorted, so compare the canonical forms.
    assert_eq!(again.encode(), encoded);
});
