// Async locks are not reported (without --include-async-locks) however they are named: module
// aliases, crate re-exports, a crate type's own async `read`, and a name an async block binds
// for itself is no capture.
use std::sync::Arc;
use tokio::sync;
use tokio::sync as ts;

async fn tick() {}

mod locks {
    pub use tokio::sync::{Mutex, RwLock};
}

use crate::locks as guarded;

pub struct State {
    n: u32,
}

pub struct SharedHolder(Arc<sync::RwLock<State>>);

impl SharedHolder {
    async fn through_module_alias(&self) -> u32 {
        let g = self.0.read().await;
        tick().await;
        g.n
    }
}

pub struct Renamed {
    inner: ts::Mutex<State>,
    reexported: guarded::RwLock<State>,
}

impl Renamed {
    async fn through_renamed_module(&self) -> u32 {
        let g = self.inner.lock().await;
        tick().await;
        g.n
    }

    async fn through_crate_reexport(&self) -> u32 {
        let g = self.reexported.write().await;
        tick().await;
        g.n
    }
}

/// A crate type whose own async `read` hands out tokio's guard.
pub struct Holder {
    inner: tokio::sync::RwLock<u32>,
}

impl Holder {
    pub async fn read(&self) -> tokio::sync::RwLockReadGuard<'_, u32> {
        self.inner.read().await
    }
}

pub struct UsesHolder {
    holder: Arc<Holder>,
}

impl UsesHolder {
    async fn awaited_acquisition(&self) -> u32 {
        let g = self.holder.read().await;
        tick().await;
        *g
    }
}

// The async block binds its own `g` before using it: the outer one is not moved into it.
async fn rebound_in_async_block(m: &std::sync::Mutex<u32>, n: Arc<sync::Mutex<u32>>) -> u32 {
    let g = m.lock().unwrap();
    let task = async move {
        let g = n.lock().await;
        tick().await;
        *g
    };
    drop(g);
    task.await
}

// Still found: std's lock through a module alias of its own.
use std::sync as blocking;

async fn std_through_module_alias(m: &blocking::Mutex<u32>) -> u32 {
    let g = m.lock().unwrap();
    tick().await;
    *g
}
