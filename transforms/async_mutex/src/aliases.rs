//! Shapes real code writes the switch must reach: std's lock under an alias (because tokio's
//! is imported as `Mutex`), a lock handed to a fn inside `assert_eq!`, and a helper returning
//! the guard of another lock in the same file.

use std::sync::{Arc, MutexGuard};
use std::sync::Mutex as StdMutex;

use tokio::sync::Mutex;

/// The textbook case: the guard is used on both sides of an await in a spawned task.
pub async fn record(events: usize) -> Vec<String> {
    let data: Arc<StdMutex<Vec<String>>> = Arc::new(StdMutex::new(vec![]));
    let shared = Arc::clone(&data);
    let task = tokio::spawn(async move {
        for n in 0..events {
            let mut log = shared.lock().unwrap();
            log.push(format!("start {n}"));
            tokio::task::yield_now().await;
            log.push(format!("end {n}"));
        }
    });
    task.await.unwrap();
    let log = data.lock().unwrap().clone();
    log
}

pub struct Settings {
    /// Another lock: its guard type in `current` does not stop the switch of `hits`.
    current: StdMutex<String>,
    hits: StdMutex<u64>,
    pending: Mutex<Vec<u64>>,
}

impl Settings {
    pub fn new() -> Self {
        Settings {
            current: StdMutex::new(String::from("on")),
            hits: StdMutex::new(0),
            pending: Mutex::new(Vec::new()),
        }
    }

    pub fn current(&self) -> MutexGuard<'_, String> {
        self.current.lock().unwrap()
    }

    pub async fn hit(&self) -> u64 {
        let mut hits = self.hits.lock().unwrap();
        *hits += 1;
        self.pending.lock().await.push(*hits);
        *hits
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::new()
    }
}

/// The counter is held across the await on purpose: the increments must not interleave.
pub async fn bump(counter: &StdMutex<u64>) -> u64 {
    let mut count = counter.lock().unwrap();
    tokio::task::yield_now().await;
    *count += 1;
    *count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        assert_send(record(1));
        let settings = Settings::new();
        assert_send(settings.hit());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn records_bumps_and_hits() {
        assert_eq!(record(2).await, ["start 0", "end 0", "start 1", "end 1"]);
        let counter = StdMutex::new(0);
        assert_eq!(bump(&counter).await, 1);
        assert_eq!(bump(&counter).await, 2, "passed on inside the macro: {}", 0);
        assert_eq!(bump(&counter).await, 3);
        let settings = Settings::new();
        assert_eq!(settings.hit().await, 1);
        assert_eq!(*settings.current(), "on");
    }
}
