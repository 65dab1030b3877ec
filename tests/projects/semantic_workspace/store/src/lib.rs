//! A library crate whose types only rust-analyzer can see through from `app`.

use std::sync::{Mutex, MutexGuard, RwLock};

/// A re-export under another name: `store::sync::Lock` is `std::sync::Mutex`.
pub mod sync {
    pub use std::sync::Mutex as Lock;
}

pub struct Store {
    inner: Mutex<Vec<u32>>,
    names: RwLock<Vec<String>>,
}

/// A guard inside a struct of this crate.
pub struct Held<'a> {
    pub guard: MutexGuard<'a, Vec<u32>>,
}

impl Store {
    pub fn new() -> Self {
        Store { inner: Mutex::new(vec![1, 2, 3]), names: RwLock::new(Vec::new()) }
    }

    /// A guard returned by a method of another crate.
    pub fn state(&self) -> MutexGuard<'_, Vec<u32>> {
        self.inner.lock().unwrap()
    }

    pub fn hold(&self) -> Held<'_> {
        Held { guard: self.inner.lock().unwrap() }
    }

    pub fn names(&self) -> &RwLock<Vec<String>> {
        &self.names
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

/// A connection whose `lock()` merely shares the name: it returns a number, not a guard.
pub struct Conn;

impl Conn {
    #[allow(clippy::result_unit_err)]
    pub fn lock(&self) -> Result<usize, ()> {
        Ok(7)
    }
}
