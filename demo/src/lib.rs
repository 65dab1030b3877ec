//! A tiny in-memory cache service: every function here holds a std lock across an await.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// Stands in for any async I/O (a network call, a database query).
pub async fn tick() {}

pub async fn fetch(key: &str) -> String {
    tick().await;
    key.to_uppercase()
}

#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, String>>,
    hits: Mutex<u64>,
    log: RwLock<Vec<String>>,
}

impl Cache {
    /// The guard is only needed before the await: a block ends it there.
    pub async fn record(&self, key: &str) -> usize {
        let mut log = self.log.write().unwrap();
        log.push(key.to_owned());
        let n = log.len();
        tick().await;
        n
    }

    /// The guard is never read: it serialises the code after it, await included. Ending it
    /// earlier would change that, so the lock becomes tokio's, which may be held there.
    pub async fn count_hit(&self) {
        let _hits = self.hits.lock().unwrap();
        tick().await;
    }

    /// The temporary guard lives until the end of the statement, across the await.
    pub async fn insert_fetched(&self, key: &str) {
        self.entries.lock().unwrap().insert(key.to_owned(), fetch(key).await);
    }

    /// `match` keeps its scrutinee's temporaries alive through every arm.
    pub async fn describe(&self, key: &str) -> String {
        match self.entries.lock().unwrap().get(key).cloned() {
            Some(value) => value,
            None => fetch(key).await,
        }
    }
}

pub async fn shared_counter(counter: Arc<Mutex<u64>>) -> u64 {
    let mut guard = counter.lock().unwrap();
    *guard += 1;
    let value = *guard;
    tick().await;
    value
}
