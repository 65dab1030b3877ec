//! Fixture for the `helper` transform (`guardfix fix --strategy helper`): each critical section
//! before an await moves into a sync fn. A cargo crate, because the transform needs
//! rust-analyzer's types; `tests/semantic.rs` fixes it, snapshots the diff, and runs its tests
//! and clippy.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub async fn tick() {}

#[derive(Default)]
pub struct Stats {
    hits: Mutex<u64>,
    names: RwLock<HashMap<String, u32>>,
}

impl Stats {
    /// A method on the same impl: `&self`, a parameter, one value out.
    pub async fn record(&self, by: u64) -> u64 {
        let mut hits = self.hits.lock().unwrap();
        *hits += by;
        let total = *hits;
        tick().await;
        total
    }

    /// Two values out of the section.
    pub async fn lookup(&self, key: &str) -> (u32, usize) {
        let names = self.names.read().unwrap();
        let id = names.get(key).copied().unwrap_or(0);
        let len = names.len();
        tick().await;
        (id, len)
    }

    /// The name `update_hits` is taken: the helper gets another.
    pub fn update_hits(&self) {}

    pub async fn record_twice(&self) -> u64 {
        let mut hits = self.hits.lock().unwrap();
        *hits += 2;
        let total = *hits;
        tick().await;
        total
    }
}

/// A free fn: the lock is a parameter, the slice too.
pub async fn push_all(shared: Arc<Mutex<Vec<u32>>>, items: &[u32]) -> usize {
    let mut guard = shared.lock().unwrap();
    guard.extend_from_slice(items);
    let len = guard.len();
    tick().await;
    len
}

/// A `RefCell` borrow: its future is not `Send` anyway, but the borrow no longer spans the
/// await, so a re-entrant borrow cannot panic.
pub async fn bump(cell: &RefCell<u32>) -> u32 {
    let mut value = cell.borrow_mut();
    *value += 1;
    let now = *value;
    tick().await;
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        let stats = Stats::default();
        assert_send(stats.record(1));
        assert_send(stats.lookup("a"));
        assert_send(stats.record_twice());
        assert_send(push_all(Arc::default(), &[1]));
    }
}
