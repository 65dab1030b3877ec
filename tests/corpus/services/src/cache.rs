//! Caches: fill-on-miss, hit counters, entry-API updates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use crate::io;

async fn fetch(key: &str) -> String {
    io().await;
    format!("value-of-{key}")
}

#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, String>>,
    fetches: Mutex<u32>,
    hits: Mutex<u64>,
    tags: Mutex<HashMap<u32, Vec<String>>>,
    sizes: RwLock<Vec<u32>>,
}

impl Cache {
    /// Fill on miss: the lock is held while fetching, so two callers never fetch the same key
    /// twice. Holding it across the await is the protocol here.
    pub async fn get_or_fetch(&self, key: &str) -> String {
        let mut entries = self.entries.lock().unwrap();
        if let Some(value) = entries.get(key) {
            return value.clone();
        }
        *self.fetches.lock().unwrap() += 1;
        let value = fetch(key).await;
        entries.insert(key.to_owned(), value.clone());
        value
    }

    pub fn fetches(&self) -> u32 {
        *self.fetches.lock().unwrap()
    }

    /// A counter bumped before reporting: nothing needs the guard after the await.
    pub async fn count_hit(&self) -> u64 {
        let mut hits = self.hits.lock().unwrap();
        *hits += 1;
        let now = *hits;
        io().await;
        now
    }

    /// The entry API: `slot` borrows from the guard, so the section must cover its uses.
    pub async fn tag(&self, id: u32, tag: &str) -> usize {
        let mut tags = self.tags.lock().unwrap();
        let slot = tags.entry(id).or_default();
        slot.push(tag.to_owned());
        let count = slot.len();
        io().await;
        count
    }

    /// `max()` borrows from the guarded vector; the copy out of it does not.
    pub async fn largest(&self) -> u32 {
        let sizes = self.sizes.read().unwrap();
        let top = sizes.iter().max();
        let largest = *top.unwrap_or(&0);
        io().await;
        largest
    }

    pub fn record_size(&self, size: u32) {
        self.sizes.write().unwrap().push(size);
    }

    /// Several values out of one critical section.
    pub async fn stats(&self) -> (usize, Option<u32>) {
        let sizes = self.sizes.read().unwrap();
        let count = sizes.len();
        let first = sizes.first().copied();
        io().await;
        (count, first)
    }
}

/// A cache shared through an `Arc`, cloned into each request.
pub async fn shared_lookup(cache: Arc<Mutex<HashMap<u32, String>>>, id: u32) -> String {
    let map = cache.lock().unwrap();
    let found = map.get(&id).cloned().unwrap_or_default();
    io().await;
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fills_once_then_hits() {
        let cache = Cache::default();
        assert_eq!(cache.get_or_fetch("a").await, "value-of-a");
        assert_eq!(cache.get_or_fetch("a").await, "value-of-a");
        assert_eq!(cache.fetches(), 1);
    }

    // Spawned tasks need `Send` futures: with the send checks only.
    #[cfg(feature = "send-checks")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_fills_fetch_once() {
        let cache = Arc::new(Cache::default());
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = Arc::clone(&cache);
            tasks.push(tokio::spawn(async move { cache.get_or_fetch("k").await }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), "value-of-k");
        }
        assert_eq!(cache.fetches(), 1, "the fill-on-miss must stay atomic");
    }

    #[tokio::test]
    async fn counts_hits() {
        let cache = Cache::default();
        assert_eq!(cache.count_hit().await, 1);
        assert_eq!(cache.count_hit().await, 2);
    }

    #[tokio::test]
    async fn tags_accumulate() {
        let cache = Cache::default();
        assert_eq!(cache.tag(1, "a").await, 1);
        assert_eq!(cache.tag(1, "b").await, 2);
        assert_eq!(cache.tag(2, "c").await, 1);
    }

    #[tokio::test]
    async fn largest_and_stats() {
        let cache = Cache::default();
        assert_eq!(cache.largest().await, 0);
        cache.record_size(3);
        cache.record_size(9);
        assert_eq!(cache.largest().await, 9);
        assert_eq!(cache.stats().await, (2, Some(3)));
    }

    #[tokio::test]
    async fn shared_lookup_finds() {
        let cache = Arc::new(Mutex::new(HashMap::from([(1, "one".to_owned())])));
        assert_eq!(shared_lookup(Arc::clone(&cache), 1).await, "one");
        assert_eq!(shared_lookup(cache, 2).await, "");
    }
}
