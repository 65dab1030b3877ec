//! A small session service whose async fns hold std locks across awaits in every shape
//! guardfix fixes. `send_check` asserts each future is `Send`: it compiles only once fixed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;

async fn io() {
    tokio::task::yield_now().await;
}

async fn load(key: &str) -> String {
    io().await;
    format!("loaded:{key}")
}

#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<u32, String>>,
    order: RwLock<Vec<u32>>,
    served: Mutex<u64>,
    gate: Mutex<()>,
}

impl Sessions {
    /// A named guard, borrowed, not used after the await: scope.
    pub async fn open(&self, id: u32, name: &str) -> usize {
        let mut by_id = self.by_id.lock().unwrap();
        by_id.insert(id, name.to_owned());
        let open = by_id.len();
        io().await;
        open
    }

    /// Two guards and two values out of one critical section.
    pub async fn snapshot(&self) -> (usize, Option<u32>) {
        let order = self.order.read().unwrap();
        let count = order.len();
        let mut last = order.last().copied();
        io().await;
        last = last.map(|id| id + 1);
        let mut served = self.served.lock().unwrap();
        *served += 1;
        io().await;
        (count, last)
    }

    /// A plain critical section, never borrowed: drop.
    pub async fn serialized(&self) -> u32 {
        let _gate = self.gate.lock().unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        7
    }

    /// A statement temporary with the await inside: hoisted.
    pub async fn refresh(&self, id: u32) {
        self.by_id.lock().unwrap().insert(id, load("refresh").await);
    }

    /// A match scrutinee temporary: taken out into a `let`.
    pub async fn name_of(&self, id: u32) -> String {
        match self.by_id.lock().unwrap().get(&id).cloned() {
            Some(name) => name,
            None => load("missing").await,
        }
    }

    /// A `while let` over a queue: becomes a `loop` with `let … else { break }`.
    pub async fn flush(&self, queue: &Mutex<Vec<u32>>) -> usize {
        let mut flushed = 0;
        while let Some(id) = queue.lock().unwrap().pop() {
            self.refresh(id).await;
            flushed += 1;
        }
        flushed
    }

    /// Guards inside a loop and inside a select! arm.
    pub async fn drain(&self, mut rx: mpsc::Receiver<u32>) -> usize {
        let mut handled = 0;
        loop {
            tokio::select! {
                Some(id) = rx.recv() => {
                    let mut order = self.order.write().unwrap();
                    order.push(id);
                    handled += 1;
                    io().await;
                }
                else => break,
            }
        }
        handled
    }
}

/// A shared counter behind `Arc`.
pub async fn bump(counter: Arc<Mutex<u64>>) -> u64 {
    let mut value = counter.lock().unwrap();
    *value += 1;
    let now = *value;
    io().await;
    now
}

/// A `RefCell` borrow across an await (single-threaded futures): scope.
pub async fn tally(cell: &RefCell<Vec<u32>>, n: u32) -> usize {
    let mut items = cell.borrow_mut();
    items.push(n);
    let len = items.len();
    io().await;
    len
}

#[cfg(test)]
mod send_check {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn fixed_futures_are_send() {
        let sessions = Sessions::default();
        assert_send(&sessions.open(1, "a"));
        assert_send(&sessions.snapshot());
        assert_send(&sessions.serialized());
        assert_send(&sessions.refresh(1));
        assert_send(&sessions.name_of(1));
        let queue = Mutex::new(vec![1]);
        assert_send(&sessions.flush(&queue));
        let (_tx, rx) = mpsc::channel(1);
        assert_send(&sessions.drain(rx));
        assert_send(&bump(Arc::default()));
    }
}

#[cfg(test)]
mod behaviour {
    use super::*;

    #[tokio::test]
    async fn sessions_compute_what_they_did_before() {
        let sessions = Sessions::default();
        assert_eq!(sessions.open(1, "a").await, 1);
        assert_eq!(sessions.open(2, "b").await, 2);
        sessions.order.write().unwrap().extend([1, 2]);
        assert_eq!(sessions.snapshot().await, (2, Some(3)));
        assert_eq!(*sessions.served.lock().unwrap(), 1);
        assert_eq!(sessions.serialized().await, 7);
        sessions.refresh(3).await;
        assert_eq!(sessions.name_of(3).await, "loaded:refresh");
        assert_eq!(sessions.name_of(9).await, "loaded:missing");
        let queue = Mutex::new(vec![10, 11]);
        assert_eq!(sessions.flush(&queue).await, 2);
        assert!(queue.lock().unwrap().is_empty());
        let (tx, rx) = mpsc::channel(4);
        tx.send(5).await.unwrap();
        tx.send(6).await.unwrap();
        drop(tx);
        assert_eq!(sessions.drain(rx).await, 2);
        assert_eq!(sessions.order.read().unwrap().as_slice(), &[1, 2, 5, 6]);
        assert_eq!(bump(Arc::new(Mutex::new(41))).await, 42);
        let cell = RefCell::new(vec![]);
        assert_eq!(tally(&cell, 3).await, 1);
    }
}
