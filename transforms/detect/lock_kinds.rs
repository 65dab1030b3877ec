// Lock families, classified by what the receiver is, not by the method's name.
// options: include-async-locks
use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use std::sync::{Arc, RwLock};

use parking_lot::Mutex as PlMutex;
use tokio::sync::{Mutex as TokioMutex, Semaphore};

async fn tick() {}

struct State {
    counts: RwLock<Vec<u32>>,
    fast: PlMutex<u32>,
    cell: Rc<RefCell<Vec<u32>>>,
    shared: Arc<TokioMutex<u32>>,
    permits: Semaphore,
    map: dashmap::DashMap<u32, u32>,
}

/// A user type with a `lock()` that returns no guard.
struct Door;
impl Door {
    fn lock(&self) -> bool {
        true
    }
}

impl State {
    async fn rwlock_read(&self) {
        let counts = self.counts.read().unwrap();
        tick().await;
        let _ = counts.len();
    }

    async fn parking_lot_has_no_unwrap(&self) {
        let n = self.fast.lock();
        tick().await;
        let _ = *n;
    }

    async fn refcell_borrow(&self) {
        let mut cell = self.cell.borrow_mut();
        cell.push(1);
        tick().await;
    }

    async fn tokio_mutex_is_reported_only_on_request(&self) {
        let g = self.shared.lock().await;
        tick().await;
        let _ = *g;
    }

    async fn semaphore_permit(&self) {
        let _permit = self.permits.acquire().await.unwrap();
        tick().await;
    }

    async fn dashmap_ref(&self) {
        let entry = self.map.get(&1);
        tick().await;
        let _ = entry;
    }

    async fn user_lock_is_not_a_guard(&self, door: &Door) {
        let locked = door.lock();
        tick().await;
        let _ = locked;
    }
}

async fn file_read_is_not_a_lock(mut file: std::fs::File) {
    let mut buf = [0u8; 8];
    let n = file.read(&mut buf).unwrap();
    tick().await;
    let _ = n;
}

async fn borrow_trait_is_not_a_refcell(s: String) {
    use std::borrow::Borrow;
    let b: &str = s.borrow();
    tick().await;
    let _ = b;
}

async fn stdout_lock() {
    let out = std::io::stdout().lock();
    tick().await;
    drop(out);
}

async fn local_mutex_from_constructor() {
    let m = Arc::new(std::sync::Mutex::new(0));
    let m2 = Arc::clone(&m);
    let g = m2.lock().unwrap();
    tick().await;
    let _ = *g;
}

async fn unknown_receiver_with_std_shape(ctx: &external::Context) {
    let g = ctx.inner.lock().unwrap();
    tick().await;
    let _ = g;
}

static GLOBAL: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

async fn static_mutex() {
    GLOBAL.lock().unwrap().push(tick_value().await);
}

async fn tick_value() -> u8 {
    0
}
