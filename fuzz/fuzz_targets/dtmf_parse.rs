//! Telephone-event parsing and detection never panic, and blocks round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_media::dtmf::{self, DetectedEvent, EventDetector, TelephoneEvent};

fuzz_target!(|data: &[u8]| {
    if let Ok(events) = dtmf::parse_payload(data) {
        for e in events {
            let back = TelephoneEvent::parse(&e.to_bytes()).expect("a block parses");
            assert_eq!(back, e);
        }
    }
    // Read the input as a stream of (timestamp, 4-byte block) packets.
    let mut detector = EventDetector::new();
    let (mut starts, mut ends) = (0usize, 0usize);
    for chunk in data.chunks_exact(8) {
        let ts = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        detector.handle_packet(ts, &chunk[4..]).expect("a 4-byte block parses");
        while let Some(e) = detector.poll_event() {
            match e {
                DetectedEvent::Started { .. } => starts += 1,
                DetectedEvent::Ended { .. } => ends += 1,
            }
        }
    }
    detector.finish();
    while let Some(e) = detector.poll_event() {
        if let DetectedEvent::Ended { .. } = e { ends += 1 }
    }
    // Every event that started has ended exactly once.
    assert_eq!(starts, ends);
});
