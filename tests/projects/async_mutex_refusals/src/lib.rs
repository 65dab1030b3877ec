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

macro_rules! is_free {
    ($lock:expr) => {{
        let free = $lock.try_lock().is_ok();
        free
    }};
}

/// Named inside a macro of the crate's own, whose expansion guardfix does not edit.
pub async fn in_macro() -> bool {
    let counter = Arc::new(Mutex::new(0));
    let mut guard = counter.lock().unwrap();
    tick().await;
    *guard += 1;
    drop(guard);
    is_free!(counter)
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

/// Only handed to generic fns of std (`Arc::strong_count`, `drop`) and locked inside std's
/// `assert_eq!`: switched, the macro's argument too.
pub async fn generic_uses() -> usize {
    let counter = Arc::new(Mutex::new(0));
    let mut guard = counter.lock().unwrap();
    tick().await;
    *guard += 1;
    drop(guard);
    assert_eq!(*counter.lock().unwrap(), 1);
    let count = Arc::strong_count(&counter);
    drop(counter);
    count
}

/// A generic holder: each constructor chooses what it holds, a `RefCell` here, a `Mutex`
/// there. The refusal names the generic field, not the first constructor found.
pub struct Shared<T> {
    inner: Arc<T>,
}

impl Shared<std::cell::RefCell<u32>> {
    pub fn local() -> Self {
        Shared { inner: Arc::new(std::cell::RefCell::new(0)) }
    }
}

impl Shared<Mutex<u32>> {
    pub fn shared() -> Self {
        Shared { inner: Arc::new(Mutex::new(0)) }
    }

    pub async fn bump(&self) -> u32 {
        let mut guard = self.inner.lock().unwrap();
        tick().await;
        *guard += 1;
        *guard
    }
}
