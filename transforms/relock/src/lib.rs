//! Fixture for the `relock` transform (two critical sections): guards used on both sides of
//! an await that does not need them. `tests/semantic.rs` snapshots the diff, writes it with
//! `--strategy relock --unsafe-fixes`, and runs the crate's tests and clippy.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

async fn fetch(key: &str) -> String {
    tokio::task::yield_now().await;
    key.to_uppercase()
}

pub struct Store {
    cache: Mutex<HashMap<String, String>>,
    log: RwLock<Vec<String>>,
    names: Mutex<Vec<String>>,
}

impl Store {
    pub fn new() -> Self {
        Store {
            cache: Mutex::new(HashMap::new()),
            log: RwLock::new(Vec::new()),
            names: Mutex::new(Vec::new()),
        }
    }

    /// A cache fill: the miss is checked again after re-locking (another task may have
    /// filled the entry while this one was fetching).
    pub async fn get_or_fetch(&self, key: &str) -> String {
        let mut cache = self.cache.lock().unwrap();
        if let Some(value) = cache.get(key) {
            return value.clone();
        }
        let value = fetch(key).await;
        cache.insert(key.to_owned(), value.clone());
        value
    }

    /// Reads before the await, writes after it: only the second section's guard is `mut`.
    pub async fn append_count(&self) -> usize {
        let mut log = self.log.write().unwrap();
        let count = log.len();
        let line = fetch("line").await;
        log.push(format!("{line} {count}"));
        log.len()
    }

    /// Taken before the await but used only after it: taken after it.
    pub async fn add_name(&self, key: &str) -> usize {
        let mut names = self.names.lock().unwrap();
        let name = fetch(key).await;
        names.push(name);
        names.len()
    }

    /// The await needs the guarded data: not two sections (this stays a finding).
    pub async fn fetch_first(&self) -> String {
        let names = self.names.lock().unwrap();
        let first = fetch(&names[0]).await;
        format!("{first} of {}", names.len())
    }
}

/// The lock's owner is rebound before the guard is used again: taking `store.names` again
/// would take another lock, so not two sections (this stays a finding).
pub async fn rebound(store: &Store) -> usize {
    let mut names = store.names.lock().unwrap();
    names.push(String::new());
    let store = Store::new();
    fetch("x").await;
    names.push(String::new());
    let count = store.names.lock().unwrap().len();
    names.len() + count
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

/// A `RefCell` borrow: relock is for locks only.
pub async fn bump(cell: &RefCell<u32>) -> u32 {
    let mut value = cell.borrow_mut();
    fetch("x").await;
    *value += 1;
    *value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        let store = Store::new();
        assert_send(store.get_or_fetch("a"));
        assert_send(store.append_count());
        assert_send(store.add_name("a"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn fills_appends_and_names() {
        let store = Store::new();
        assert_eq!(store.get_or_fetch("a").await, "A");
        assert_eq!(store.get_or_fetch("a").await, "A");
        assert_eq!(store.append_count().await, 1);
        assert_eq!(store.add_name("b").await, 1);
        assert_eq!(bump(&RefCell::new(1)).await, 2);
        assert_eq!(rebound(&store).await, 3);
    }
}
