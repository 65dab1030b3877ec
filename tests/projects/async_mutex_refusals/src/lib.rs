//! Locks whose guards span an await but which guardfix must leave as they are: somewhere
//! the lock is named in a way the switch cannot rewrite. Each one is refused with its place.

use std::sync::{Arc, Mutex};

async fn tick() {
    tokio::task::yield_now().await;
}

/// Built by a fn guardfix would have to change the return type of.
fn make_counter() -> Arc<Mutex<u64>> {
    Arc::new(Mutex::new(0))
}

pub async fn returned() -> u64 {
    let counter = make_counter();
    let mut guard = counter.lock().unwrap();
    tick().await;
    *guard += 1;
    *guard
}

/// Named inside a macro call, which guardfix never edits.
pub async fn in_macro() -> u64 {
    let counter = Arc::new(Mutex::new(0));
    let mut guard = counter.lock().unwrap();
    tick().await;
    *guard += 1;
    drop(guard);
    assert!(counter.lock().is_ok());
    1
}

/// Passed to a method of std's lock in call form, which tokio's lock does not have.
pub async fn to_dependency() -> bool {
    let counter = Arc::new(Mutex::new(0));
    let mut guard = counter.lock().unwrap();
    tick().await;
    *guard += 1;
    drop(guard);
    Mutex::is_poisoned(&counter)
}

/// Put in a tuple: a value guardfix cannot follow.
pub async fn in_a_tuple() -> u64 {
    let counter = Arc::new(Mutex::new(0));
    let pair = (Arc::clone(&counter), 1);
    let mut guard = counter.lock().unwrap();
    tick().await;
    *guard += pair.1;
    *guard
}

/// Only handed to generic fns of std (`Arc::strong_count`, `drop`): switched.
pub async fn generic_uses() -> usize {
    let counter = Arc::new(Mutex::new(0));
    let mut guard = counter.lock().unwrap();
    tick().await;
    *guard += 1;
    drop(guard);
    let count = Arc::strong_count(&counter);
    drop(counter);
    count
}
