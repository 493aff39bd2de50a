//! Key presses from signalling waiting for the relay to send them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tolk_interwork::DtmfEvent;

/// Key presses that may wait for one leg: a burst of dialled digits fits,
/// a peer sending INFO without end does not grow the queue (or the time
/// its audio is replaced by tones) without bound.
const MAX_WAITING: usize = 32;

/// Key presses waiting to be sent to a leg as telephone-events. The relay
/// looks at it on every audio packet, so an empty queue costs one atomic
/// load there, not a lock.
#[derive(Debug, Clone, Default)]
pub struct DtmfQueue(Arc<Waiting>);

#[derive(Debug, Default)]
struct Waiting {
    count: AtomicUsize,
    events: Mutex<VecDeque<DtmfEvent>>,
}

impl DtmfQueue {
    /// Queues `event`; false if `MAX_WAITING` presses already wait or
    /// the queue is unusable (a panicked holder).
    pub fn push(&self, event: DtmfEvent) -> bool {
        let Ok(mut events) = self.0.events.lock() else {
            return false;
        };
        if events.len() >= MAX_WAITING {
            return false;
        }
        events.push_back(event);
        self.0.count.store(events.len(), Ordering::Release);
        true
    }

    /// The oldest waiting key press, if any.
    pub fn pop(&self) -> Option<DtmfEvent> {
        if self.0.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut events = self.0.events.lock().ok()?;
        let event = events.pop_front();
        self.0.count.store(events.len(), Ordering::Release);
        event
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tolk_interwork::Digit;

    use super::*;

    fn press() -> DtmfEvent {
        DtmfEvent {
            digit: Digit::from_char('1').expect("digit"),
            duration: Duration::from_secs(60),
        }
    }

    #[test]
    fn a_peer_sending_endless_infos_fills_the_queue_to_its_bound() {
        let queue = DtmfQueue::default();
        assert!((0..MAX_WAITING).all(|_| queue.push(press())));
        assert!(!queue.push(press()), "full: refused");
        assert_eq!(std::iter::from_fn(|| queue.pop()).count(), MAX_WAITING);
        assert!(queue.push(press()), "room again once sent");
    }
}
