//! The database thread's inbox, in two lanes. Requests of API callers go first; the
//! delivery worker's bookkeeping (claiming rows, storing attempts) waits behind them, so a
//! list never queues behind a burst of deliveries — at most behind the one job already
//! running. Both lanes are first in, first out; the worker's lane is bounded by the number
//! of deliveries in flight.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lane {
    /// An HTTP request is waiting for the answer.
    Api,
    /// The delivery worker: nobody is waiting on a response.
    Background,
}

struct Lanes<T> {
    api: VecDeque<T>,
    background: VecDeque<T>,
    open: bool,
}

struct Shared<T> {
    lanes: Mutex<Lanes<T>>,
    ready: Condvar,
}

impl<T> Shared<T> {
    /// No code runs under the lock that can panic, but a poisoned lock must not take the
    /// database down either.
    fn lock(&self) -> MutexGuard<'_, Lanes<T>> {
        self.lanes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending side; the inbox closes when it is dropped (share it in an `Arc`).
pub(super) struct Outbox<T>(Arc<Shared<T>>);

/// The receiving side, owned by the database thread.
pub(super) struct Inbox<T>(Arc<Shared<T>>);

pub(super) fn inbox<T>() -> (Outbox<T>, Inbox<T>) {
    let shared = Arc::new(Shared {
        lanes: Mutex::new(Lanes {
            api: VecDeque::new(),
            background: VecDeque::new(),
            open: true,
        }),
        ready: Condvar::new(),
    });
    (Outbox(Arc::clone(&shared)), Inbox(shared))
}

impl<T> Outbox<T> {
    /// Queues `item`; gives it back when the database thread is gone.
    pub(super) fn send(&self, lane: Lane, item: T) -> Result<(), T> {
        let mut lanes = self.0.lock();
        if !lanes.open {
            return Err(item);
        }
        match lane {
            Lane::Api => lanes.api.push_back(item),
            Lane::Background => lanes.background.push_back(item),
        }
        drop(lanes);
        self.0.ready.notify_one();
        Ok(())
    }
}

impl<T> Drop for Outbox<T> {
    fn drop(&mut self) {
        self.0.lock().open = false;
        self.0.ready.notify_all();
    }
}

impl<T> Inbox<T> {
    /// The next item, API lane first; `None` once the outbox is gone and both lanes are
    /// empty.
    pub(super) fn recv(&self) -> Option<T> {
        let mut lanes = self.0.lock();
        loop {
            if let Some(item) = lanes.api.pop_front() {
                return Some(item);
            }
            if let Some(item) = lanes.background.pop_front() {
                return Some(item);
            }
            if !lanes.open {
                return None;
            }
            lanes = self
                .0
                .ready
                .wait(lanes)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<T> Drop for Inbox<T> {
    /// The thread is gone: refuse new items and drop the queued ones, so nobody waits for
    /// an answer that cannot come.
    fn drop(&mut self) {
        let mut lanes = self.0.lock();
        lanes.open = false;
        lanes.api.clear();
        lanes.background.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_lane_goes_first_and_a_dropped_outbox_drains_then_ends() {
        let (outbox, inbox) = inbox::<u32>();
        outbox.send(Lane::Background, 1).expect("open");
        outbox.send(Lane::Background, 2).expect("open");
        outbox.send(Lane::Api, 3).expect("open");
        assert_eq!(inbox.recv(), Some(3));
        assert_eq!(inbox.recv(), Some(1));
        drop(outbox);
        assert_eq!(inbox.recv(), Some(2));
        assert_eq!(inbox.recv(), None);
    }

    #[test]
    fn a_waiting_thread_wakes_up() {
        let (outbox, receiver) = inbox::<u32>();
        let thread = std::thread::spawn(move || receiver.recv());
        outbox.send(Lane::Api, 7).expect("open");
        assert_eq!(thread.join().expect("thread"), Some(7));
        let (outbox, receiver) = inbox::<u32>();
        drop(receiver);
        assert_eq!(outbox.send(Lane::Api, 1), Err(1));
    }
}
