//! A lock in a local: `Arc`-cloned into a helper's parameter, whose type names it, and
//! locked again by its owner; a field built from a constructor parameter; and a field in a
//! file that already imports tokio's lock under another name, which the switch uses.

use std::sync::{Arc, Mutex};

use tokio::sync::Mutex as AsyncMutex;

/// Holds its guard across the await on purpose: the increments must not interleave.
async fn add_slowly(total: Arc<Mutex<u64>>, amount: u64) {
    let mut guard = total.lock().unwrap();
    tokio::task::yield_now().await;
    *guard += amount;
}

pub async fn sum(amounts: &[u64]) -> u64 {
    let total = Arc::new(Mutex::new(0));
    for amount in amounts {
        let worker = Arc::clone(&total);
        add_slowly(worker, *amount).await;
    }
    let sum = *total.lock().unwrap();
    sum
}

/// Built from a constructor parameter by a shorthand field (`Worker { queue }`), shared by
/// two workers made in sync code that only builds it.
pub struct Worker {
    queue: Arc<Mutex<Vec<u32>>>,
}

impl Worker {
    pub fn new(queue: Arc<Mutex<Vec<u32>>>) -> Self {
        Worker { queue }
    }

    pub async fn process(&self, item: u32) -> usize {
        let mut queue = self.queue.lock().unwrap();
        tokio::task::yield_now().await;
        queue.push(item);
        queue.len()
    }
}

pub fn two_workers() -> (Worker, Worker) {
    let queue = Arc::new(Mutex::new(Vec::new()));
    (Worker::new(Arc::clone(&queue)), Worker::new(queue))
}

pub struct Journal {
    lines: Mutex<Vec<String>>,
    pending: AsyncMutex<Vec<String>>,
}

impl Journal {
    pub fn new() -> Self {
        Journal { lines: Mutex::new(Vec::new()), pending: AsyncMutex::new(Vec::new()) }
    }

    pub async fn write(&self, line: &str) -> usize {
        let mut lines = self.lines.lock().unwrap();
        tokio::task::yield_now().await;
        lines.push(line.to_owned());
        self.pending.lock().await.push(line.to_owned());
        lines.len()
    }
}

impl Default for Journal {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        assert_send(sum(&[1, 2]));
        let journal = Journal::new();
        assert_send(journal.write("a"));
        let (worker, _) = two_workers();
        assert_send(worker.process(1));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn sums_and_writes() {
        assert_eq!(sum(&[1, 2, 3]).await, 6);
        assert_eq!(Journal::new().write("a").await, 1);
        let (first, second) = two_workers();
        assert_eq!(first.process(1).await, 1);
        assert_eq!(second.process(2).await, 2);
    }
}
