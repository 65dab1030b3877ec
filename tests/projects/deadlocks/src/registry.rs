//! A static lock taken again by a fn of another file (`tally.rs`).

use std::sync::Mutex;

pub static REGISTRY: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Holds `REGISTRY` and calls `tally::count`, which locks it again: the thread deadlocks.
pub async fn register_hangs(id: u32) -> usize {
    tokio::task::yield_now().await;
    let mut ids = REGISTRY.lock().unwrap();
    ids.push(id);
    let n = crate::tally::count();
    drop(ids);
    n
}

pub async fn register_fixed(id: u32) -> usize {
    tokio::task::yield_now().await;
    REGISTRY.lock().unwrap().push(id);
    crate::tally::count()
}
