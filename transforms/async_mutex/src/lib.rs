//! Fixture for the `async-mutex` transform: guards used after their await, so the critical
//! section must span it. `tests/semantic.rs` snapshots the diff, writes it, and runs the
//! crate's tests and clippy.

pub mod aliases;
pub mod registry;
pub mod tasks;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

async fn fetch(key: &str) -> String {
    tokio::task::yield_now().await;
    key.to_uppercase()
}

pub struct Cache {
    // The only `Mutex` in the file: its import goes too.
    entries: Mutex<HashMap<String, String>>,
    /// An `RwLock` behind an `Arc`: read and write both become awaited.
    hits: Arc<RwLock<u64>>,
}

impl Cache {
    pub fn new() -> Self {
        Cache { entries: Mutex::new(HashMap::new()), hits: Arc::new(RwLock::new(0)) }
    }

    /// Fill on miss, atomically: the entry is looked up and inserted under one lock.
    pub async fn get_or_fetch(&self, key: &str) -> String {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(value) = entries.get(key) {
            return value.clone();
        }
        let value = fetch(key).await;
        entries.insert(key.to_owned(), value.clone());
        value
    }

    pub async fn record_hit(&self) -> u64 {
        let mut hits = self.hits.write().unwrap();
        fetch("hit").await;
        *hits += 1;
        *hits
    }

    pub async fn hits(&self) -> u64 {
        *self.hits.read().unwrap()
    }

    /// Sync code may `try_lock`: tokio's never blocks, so it stays as written.
    pub fn cached(&self) -> Option<usize> {
        self.entries.try_lock().ok().map(|entries| entries.len())
    }

    /// tokio's `into_inner` returns the value itself: the `unwrap` goes.
    pub fn into_entries(self) -> HashMap<String, String> {
        self.entries.into_inner().unwrap()
    }
}

impl Default for Cache {
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
        let cache = Cache::new();
        assert_send(cache.get_or_fetch("a"));
        assert_send(cache.record_hit());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn fills_once_and_counts() {
        let cache = Cache::new();
        assert_eq!(cache.get_or_fetch("a").await, "A");
        assert_eq!(cache.get_or_fetch("a").await, "A");
        assert_eq!(cache.record_hit().await, 1);
        assert_eq!(cache.hits().await, 1);
        assert_eq!(cache.cached(), Some(1));
        assert_eq!(cache.into_entries().len(), 1);
    }
}
