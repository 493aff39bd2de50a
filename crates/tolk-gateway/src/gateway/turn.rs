//! Short turns for the event loop under a backlog.
//!
//! The loop shares its thread with the SIP transport task, and a call
//! moves by round trips between the two: a request in, the bridge's
//! decision, the message out. Left alone, a task keeps the thread for as
//! long as its input lasts (tokio's budget: 128 receives), so after a
//! hiccup each round trip of every call in the backlog waits for a whole
//! batch on both sides. Yielding every few events lets the transport send
//! what was decided and read what came in, so calls move on while the
//! backlog drains; the work done is the same.

/// Events handled in a row, with more waiting, before the loop yields.
const EVENTS_PER_TURN: u32 = 16;

#[derive(Default)]
pub(crate) struct Turn {
    events: u32,
}

impl Turn {
    /// After one event: yields once `EVENTS_PER_TURN` were handled in a
    /// row with a `backlog`; an empty queue starts a new turn.
    pub(crate) async fn after_event(&mut self, backlog: bool) {
        if !backlog {
            self.events = 0;
            return;
        }
        self.events += 1;
        if self.events >= EVENTS_PER_TURN {
            self.events = 0;
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// Whether `events` calls of `after_event(backlog)` ran without yielding.
    fn ran_through(turn: &mut Turn, events: u32, backlog: bool) -> bool {
        let mut run = std::pin::pin!(async {
            for _ in 0..events {
                turn.after_event(backlog).await;
            }
        });
        let mut cx = Context::from_waker(Waker::noop());
        matches!(run.as_mut().poll(&mut cx), Poll::Ready(()))
    }

    #[test]
    fn yields_once_a_turn_of_events_with_more_waiting() {
        let mut turn = Turn::default();
        assert!(ran_through(&mut turn, EVENTS_PER_TURN - 1, true));
        assert!(
            !ran_through(&mut turn, 1, true),
            "the turn's last event yields"
        );
        assert!(
            ran_through(&mut turn, EVENTS_PER_TURN - 1, true),
            "a new turn"
        );
    }

    #[test]
    fn an_empty_queue_starts_a_new_turn_and_never_yields() {
        let mut turn = Turn::default();
        assert!(ran_through(&mut turn, EVENTS_PER_TURN - 1, true));
        assert!(ran_through(&mut turn, 1, false));
        assert!(ran_through(&mut turn, EVENTS_PER_TURN - 1, true));
        assert!(ran_through(&mut turn, 10 * EVENTS_PER_TURN, false));
    }
}
