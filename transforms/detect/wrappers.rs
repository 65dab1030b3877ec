// Guards wrapped in Option, a tuple, a Box or Vec, a user struct, an un-unwrapped LockResult,
// and guards returned by the crate's own fns: clippy misses all of these.
use std::sync::{LockResult, Mutex, MutexGuard};

async fn tick() {}

struct Held<'a> {
    guard: MutexGuard<'a, u32>,
}

struct Store {
    inner: Mutex<u32>,
}

impl Store {
    fn state(&self) -> MutexGuard<'_, u32> {
        self.inner.lock().unwrap()
    }

    fn maybe_state(&self) -> Option<MutexGuard<'_, u32>> {
        self.inner.try_lock().ok()
    }

    async fn via_helper_method(&self) {
        let s = self.state();
        tick().await;
        let _ = *s;
    }

    async fn via_optional_helper(&self) {
        let s = self.maybe_state();
        tick().await;
        drop(s);
    }
}

async fn in_option(m: &Mutex<u32>) {
    let g = Some(m.lock().unwrap());
    tick().await;
    drop(g);
}

async fn in_tuple(m: &Mutex<u32>) {
    let pair = (m.lock().unwrap(), 1);
    tick().await;
    drop(pair);
}

async fn in_box(m: &Mutex<u32>) {
    let boxed = Box::new(m.lock().unwrap());
    tick().await;
    drop(boxed);
}

async fn pushed_into_vec(a: &Mutex<u32>) {
    let mut guards = Vec::new();
    guards.push(a.lock().unwrap());
    tick().await;
    drop(guards);
}

async fn in_user_struct(m: &Mutex<u32>) {
    let held = Held { guard: m.lock().unwrap() };
    tick().await;
    drop(held);
}

async fn lock_result_not_unwrapped(m: &Mutex<u32>) {
    let result: LockResult<MutexGuard<'_, u32>> = m.lock();
    tick().await;
    drop(result);
}

async fn mapped_guard(m: &Mutex<(u32, u32)>) {
    let g = m.lock().unwrap();
    let first = std::sync::MappedMutexGuard::map(g, |pair| &mut pair.0);
    tick().await;
    drop(first);
}
