// An async fn's guard comes out of the await, not the call: `rx.wait_for(..)` is a future.
// Shapes taken from tokio's own sources, which must stay clean.
use std::sync::{RwLock, RwLockReadGuard};

async fn tick() {}

pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
}

pub struct Receiver<T> {
    shared: RwLock<T>,
}

impl<T> Receiver<T> {
    pub async fn wait_for(&self, _f: impl Fn(&T) -> bool) -> Result<Ref<'_, T>, ()> {
        Ok(Ref { inner: self.shared.read().unwrap() })
    }
}

async fn temporary_output_dropped_at_semicolon(rx: &Receiver<u32>) {
    assert!(rx.wait_for(|v| *v == 1).await.is_ok());
    tick().await;
}

async fn named_output_held(rx: &Receiver<u32>) {
    let value = rx.wait_for(|v| *v == 1).await;
    tick().await;
    drop(value);
}

mod sync {
    pub use tokio::sync::Mutex;
}

struct File {
    inner: crate::sync::Mutex<u32>,
}

impl File {
    // A crate-local re-export of an async mutex, awaited: no blocking guard.
    async fn sync_all(&self) {
        let mut inner = self.inner.lock().await;
        *inner += 1;
        tick().await;
    }
}
