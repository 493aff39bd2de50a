//! A worker's reply to one command: waited for by a blocking caller, or
//! awaited by an async one so that its task never blocks its thread on
//! the relay (the worker wakes the task when it has answered).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
#[cfg(test)]
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

enum State<T> {
    /// No answer yet; the task to wake when it comes.
    Waiting(Option<Waker>),
    Answered(T),
    /// The worker stopped without answering.
    Dropped,
    /// The answer was handed out.
    Taken,
}

struct Slot<T> {
    state: Mutex<State<T>>,
    answered: Condvar,
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves from waiting to `next` and wakes whoever waits.
    fn settle(&self, next: State<T>) {
        let mut state = self.lock();
        let waker = match &mut *state {
            State::Waiting(waker) => waker.take(),
            _ => return,
        };
        *state = next;
        drop(state);
        // A task that left a waker is the only one waiting (the blocking
        // wait consumes the handle): no condvar syscall for it.
        match waker {
            Some(waker) => waker.wake(),
            None => self.answered.notify_all(),
        }
    }
}

/// A reply slot and the handle that receives it.
pub(crate) fn channel<T>() -> (Reply<T>, Pending<T>) {
    let slot = Arc::new(Slot {
        state: Mutex::new(State::Waiting(None)),
        answered: Condvar::new(),
    });
    (Reply(Some(Arc::clone(&slot))), Pending(slot))
}

/// The worker's end: answer once (dropping it unanswered tells the
/// caller that the worker stopped).
pub struct Reply<T>(Option<Arc<Slot<T>>>);

impl<T> Reply<T> {
    /// Answers the command.
    pub fn send(mut self, value: T) {
        if let Some(slot) = self.0.take() {
            slot.settle(State::Answered(value));
        }
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            slot.settle(State::Dropped);
        }
    }
}

/// The caller's end: [`Pending::wait`] blocks the thread, `.await` only
/// the task.
pub struct Pending<T>(Arc<Slot<T>>);

impl<T> Pending<T> {
    /// Blocks until the worker answers.
    pub fn wait(self) -> Result<T> {
        let mut state = self.0.lock();
        loop {
            match std::mem::replace(&mut *state, State::Taken) {
                State::Answered(value) => return Ok(value),
                State::Waiting(waker) => {
                    *state = State::Waiting(waker);
                    state = self
                        .0
                        .answered
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                State::Dropped | State::Taken => return Err(stopped()),
            }
        }
    }
}

#[cfg(test)]
impl<T> Pending<T> {
    /// Blocks until the worker answers or `limit` passes (`None`).
    pub fn wait_timeout(self, limit: Duration) -> Option<Result<T>> {
        let deadline = Instant::now() + limit;
        let mut state = self.0.lock();
        loop {
            match std::mem::replace(&mut *state, State::Taken) {
                State::Answered(value) => return Some(Ok(value)),
                State::Waiting(waker) => {
                    *state = State::Waiting(waker);
                    let left = deadline.checked_duration_since(Instant::now())?;
                    state = self
                        .0
                        .answered
                        .wait_timeout(state, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                State::Dropped | State::Taken => return Some(Err(stopped())),
            }
        }
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let mut state = self.0.lock();
        match std::mem::replace(&mut *state, State::Taken) {
            State::Answered(value) => Poll::Ready(Ok(value)),
            State::Waiting(_) => {
                *state = State::Waiting(Some(cx.waker().clone()));
                Poll::Pending
            }
            State::Dropped | State::Taken => Poll::Ready(Err(stopped())),
        }
    }
}

fn stopped() -> Error {
    std::io::Error::other("relay worker stopped").into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll<T>(pending: &mut Pending<T>, waker: &Waker) -> Poll<Result<T>> {
        Pin::new(pending).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn an_awaited_reply_wakes_the_task_once_answered() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let (reply, mut pending) = channel();
        assert!(poll(&mut pending, &waker).is_pending());
        reply.send(7);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(matches!(poll(&mut pending, &waker), Poll::Ready(Ok(7))));
    }

    #[test]
    fn a_reply_dropped_unanswered_is_an_error_not_a_hang() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let (reply, mut pending) = channel::<u8>();
        assert!(poll(&mut pending, &waker).is_pending());
        drop(reply);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(matches!(poll(&mut pending, &waker), Poll::Ready(Err(_))));
        let (reply, pending) = channel::<u8>();
        drop(reply);
        assert!(pending.wait().is_err());
    }

    #[test]
    fn a_blocking_caller_gets_the_answer_from_another_thread() {
        let (reply, pending) = channel();
        let worker = std::thread::spawn(move || reply.send("answered"));
        assert_eq!(pending.wait().ok(), Some("answered"));
        worker.join().expect("worker");
    }
}
