//! RFC 4733 telephone-events: the payload, a generator for the packet
//! sequence of an event, a detector that reports each event once, and
//! conversion between legs' clock rates.
//!
//! ```
//! use tolk_media::dtmf::{dtmf_code, DetectedEvent, EventDetector, EventGenerator};
//!
//! let five = dtmf_code('5').unwrap();
//! let packets = EventGenerator::new(8000, 20).packets(five, 10, 4000, 800);
//! let mut detector = EventDetector::new();
//! for p in &packets {
//!     detector.handle_packet(p.timestamp, &p.event.to_bytes())?;
//! }
//! assert_eq!(detector.poll_event(), Some(DetectedEvent::Started { code: five, timestamp: 4000 }));
//! assert!(matches!(detector.poll_event(), Some(DetectedEvent::Ended { duration: 800, .. })));
//! # Ok::<(), tolk_media::Error>(())
//! ```
//!
//! Not handled: RFC 2198 redundant ("red") encapsulation of event blocks;
//! packed consecutive events in one payload are.

mod detector;
mod event;
mod generator;
mod rate;

pub use detector::{DetectedEvent, EventDetector};
pub use event::{EVENT_LEN, TelephoneEvent, dtmf_code, dtmf_key, event_blocks, parse_payload};
pub use generator::{END_REPEATS, EventGenerator, EventPacket, MAX_SEGMENT};
pub use rate::EventRateConverter;
