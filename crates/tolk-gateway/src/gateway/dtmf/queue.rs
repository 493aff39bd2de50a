//! Key presses from signalling waiting for the relay to send them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tolk_interwork::DtmfEvent;

/// Key presses that may wait for one leg: a burst of dialled digits fits,
/// a peer sending INFO without end does not grow the queue (or the time
/// its audio is replaced by tones) without bound.
const MAX_WAITING: usize = 32;

/// Key presses waiting to be sent to a leg as telephone-events, each with
/// when it was queued (due from then, when no audio is there to carry it).
/// The relay looks at it on every audio packet, so an empty queue costs
/// one atomic load there, not a lock.
#[derive(Debug, Clone, Default)]
pub struct DtmfQueue(Arc<Waiting>);

#[derive(Debug, Default)]
struct Waiting {
    count: AtomicUsize,
    events: Mutex<VecDeque<(DtmfEvent, Instant)>>,
}

impl DtmfQueue {
    /// Queues `event`, pressed at `at`; false if `MAX_WAITING` presses
    /// already wait or the queue is unusable (a panicked holder).
    pub fn push(&self, event: DtmfEvent, at: Instant) -> bool {
        let Ok(mut events) = self.0.events.lock() else {
            return false;
        };
        if events.len() >= MAX_WAITING {
            return false;
        }
        events.push_back((event, at));
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
        event.map(|(event, _)| event)
    }

    /// When the oldest waiting key press was queued, if any waits.
    pub fn waiting_since(&self) -> Option<Instant> {
        if self.0.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        Some(self.0.events.lock().ok()?.front()?.1)
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
        let at = Instant::now();
        assert!((0..MAX_WAITING).all(|_| queue.push(press(), at)));
        assert!(!queue.push(press(), at), "full: refused");
        assert_eq!(std::iter::from_fn(|| queue.pop()).count(), MAX_WAITING);
        assert!(queue.push(press(), at), "room again once sent");
    }

    #[test]
    fn the_oldest_press_says_since_when_presses_wait() {
        let queue = DtmfQueue::default();
        let start = Instant::now();
        assert_eq!(queue.waiting_since(), None);
        queue.push(press(), start);
        queue.push(press(), start + Duration::from_secs(1));
        assert_eq!(queue.waiting_since(), Some(start));
        queue.pop();
        assert_eq!(queue.waiting_since(), Some(start + Duration::from_secs(1)));
        queue.pop();
        assert_eq!(queue.waiting_since(), None);
    }
}
