//! Key presses from signalling waiting for the relay to send them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tolk_interwork::DtmfEvent;

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
    /// Queues `event`; false if the queue is unusable (a panicked holder).
    pub fn push(&self, event: DtmfEvent) -> bool {
        let Ok(mut events) = self.0.events.lock() else {
            return false;
        };
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
