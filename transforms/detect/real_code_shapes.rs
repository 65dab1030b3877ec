// Shapes seen in real crates and applications (rewritten here, not copied).
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

async fn send(_message: &str) {}

// A websocket registry: the `Option<Ref>` is moved into `Option::map`, which drops the guard
// in its closure before the loop awaits. Not a finding.
pub struct Users {
    map: Arc<dashmap::DashMap<String, Vec<String>>>,
}

impl Users {
    async fn broadcast(&self, user: &str) {
        if let Some(senders) = self.map.get(user).map(|entry| entry.clone()) {
            for sender in &senders {
                send(sender).await;
            }
        }
    }

    // The same with std's lock: `Result::map` consumes the `LockResult`.
    async fn count(&self, registry: &Mutex<HashMap<String, u32>>) -> usize {
        let seen = registry.lock().map(|map| map.len()).unwrap_or(0);
        send("counted").await;
        seen
    }
}

// A test helper returning the pool's guard, read in the argument of the awaited call: the
// guard temporary lives until the end of the statement, across the sleep. A finding.
pub struct Pool {
    inner: Mutex<PoolInner>,
}

pub struct PoolInner {
    timeout: Option<Duration>,
}

impl Pool {
    fn locked(&self) -> MutexGuard<'_, PoolInner> {
        self.inner.lock().unwrap()
    }
}

async fn sleep(_: Duration) {}

async fn expires(pool: &Pool) {
    sleep(pool.locked().timeout.unwrap()).await;
}


// A task registry: the guard is borrowed by `get(…)` in an `if let`, then dropped before each
// await. rustc keeps a borrowed local in the future, so it is still `!Send` (checked with rustc on
// this shape): dropped-but-not-send, at the acquisition.
async fn wait_for(receiver: u32) -> u32 {
    receiver
}

pub async fn clean_and_wait(tasks: &Mutex<HashMap<u32, u32>>, shard: u32) -> u32 {
    let registry = tasks.lock().unwrap();
    if let Some(task) = registry.get(&shard).filter(|task| **task > 0) {
        let receiver = *task;
        drop(registry);
        return wait_for(receiver).await;
    }
    let receiver = 1;
    drop(registry);
    wait_for(receiver).await
}
