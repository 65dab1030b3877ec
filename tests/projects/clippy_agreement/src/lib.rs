//! Guards held across awaits, each fn marked with which tools flag it:
//! `// expect: both`, `// expect: guardfix-only`, `// expect: clippy-only` or `// expect: none`,
//! where "clippy" means `clippy::await_holding_lock` or `clippy::await_holding_refcell_ref`.
//!
//! The expectations are what clippy 0.1.95 (Rust 1.95) was seen to report, not what its docs
//! suggest: clippy inspects the types the compiler stores in the future across each await, so it
//! does catch temporaries and match scrutinees, but not a guard inside another type.

use std::cell::RefCell;
use std::sync::{LockResult, Mutex, MutexGuard, RwLock};

// expect: none
async fn tick() {}

// expect: none
async fn value() -> u32 {
    1
}

// Named bindings: the shape both lints were written for.

// expect: both
pub async fn mutex_binding(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    g.push(1);
    tick().await;
}

// expect: both
pub async fn mutex_binding_used_after_await(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    tick().await;
    g.push(1);
}

// expect: both
pub async fn rwlock_read_binding(m: &RwLock<Vec<u32>>) -> usize {
    let g = m.read().unwrap();
    tick().await;
    g.len()
}

// expect: both
pub async fn refcell_borrow_mut_binding(c: &RefCell<Vec<u32>>) {
    let mut b = c.borrow_mut();
    b.push(1);
    tick().await;
}

// expect: both
pub async fn refcell_borrow_binding(c: &RefCell<Vec<u32>>) -> usize {
    let b = c.borrow();
    tick().await;
    b.len()
}

// `_g` is a binding like any other; only `_` drops at once.
// expect: both
pub async fn underscore_prefixed_binding(m: &Mutex<u32>) {
    let _g = m.lock().unwrap();
    tick().await;
}

// Shadowing hides the guard but does not drop it.
// expect: both
pub async fn shadowed_guard(m: &Mutex<u32>) -> u32 {
    let g = m.lock().unwrap();
    let g = *g + 1;
    tick().await;
    g
}

// Temporaries: clippy sees them too, since the compiler stores them in the future.

// expect: both
pub async fn statement_temporary(m: &Mutex<Vec<u32>>) {
    m.lock().unwrap().push(value().await);
}

// expect: both
pub async fn refcell_statement_temporary(c: &RefCell<Vec<u32>>) {
    c.borrow_mut().push(value().await);
}

// expect: both
pub async fn match_scrutinee(m: &Mutex<Vec<u32>>) {
    match m.lock().unwrap().pop() {
        Some(_) => tick().await,
        None => {}
    }
}

// expect: both
pub async fn if_let_scrutinee(m: &Mutex<Vec<u32>>) {
    if let Some(_x) = m.lock().unwrap().pop() {
        tick().await;
    }
}

// expect: both
pub async fn lifetime_extended_temporary(m: &Mutex<Vec<u32>>) -> usize {
    let r = &*m.lock().unwrap();
    tick().await;
    r.len()
}

// Guards returned by the crate's own fns: clippy sees the type, guardfix reads the signature.

pub struct Store {
    inner: Mutex<u32>,
}

impl Store {
    // expect: none
    fn state(&self) -> MutexGuard<'_, u32> {
        self.inner.lock().unwrap()
    }

    // expect: none
    fn maybe_state(&self) -> Option<MutexGuard<'_, u32>> {
        self.inner.try_lock().ok()
    }

    // expect: both
    pub async fn guard_from_helper(&self) -> u32 {
        let s = self.state();
        tick().await;
        *s
    }

    // expect: guardfix-only
    pub async fn optional_guard_from_helper(&self) {
        let s = self.maybe_state();
        tick().await;
        drop(s);
    }
}

// Guards inside another type: clippy only matches the guard types themselves.

// expect: guardfix-only
pub async fn guard_in_option(m: &Mutex<u32>) {
    let g = Some(m.lock().unwrap());
    tick().await;
    drop(g);
}

// expect: guardfix-only
pub async fn refcell_borrow_in_option(c: &RefCell<u32>) {
    let b = Some(c.borrow_mut());
    tick().await;
    drop(b);
}

// expect: guardfix-only
pub async fn guard_in_tuple(m: &Mutex<u32>) {
    let pair = (m.lock().unwrap(), 1);
    tick().await;
    drop(pair);
}

pub struct Held<'a> {
    pub guard: MutexGuard<'a, u32>,
}

// expect: guardfix-only
pub async fn guard_in_user_struct(m: &Mutex<u32>) {
    let held = Held { guard: m.lock().unwrap() };
    tick().await;
    drop(held);
}

// expect: guardfix-only
pub async fn lock_result_not_unwrapped(m: &Mutex<u32>) {
    let result: LockResult<MutexGuard<'_, u32>> = m.lock();
    tick().await;
    drop(result);
}

// Released in time.

// Moved out and never borrowed: the compiler does not keep it in the future.
// expect: none
pub async fn dropped_before_await(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    drop(g);
    tick().await;
}

// Dropped before the await, but borrowed first: rustc still counts it live there, so the future
// is not `Send`. clippy reports it as held; guardfix as `dropped-but-not-send`.
// expect: both
pub async fn dropped_after_borrow(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    g.push(1);
    drop(g);
    tick().await;
}

// expect: none
pub async fn scoped_block(m: &Mutex<Vec<u32>>) -> usize {
    let n = {
        let g = m.lock().unwrap();
        g.len()
    };
    tick().await;
    n
}

// expect: none
pub async fn let_initializer_temporary(m: &Mutex<Vec<u32>>) {
    let v = m.lock().unwrap().clone();
    tick().await;
    drop(v);
}

// An `if` condition's temporaries end before the body runs.
// expect: none
pub async fn if_condition_temporary(m: &Mutex<Vec<u32>>) {
    if m.lock().unwrap().is_empty() {
        tick().await;
    }
}

// expect: none
pub async fn await_before_lock(m: &Mutex<Vec<u32>>) -> usize {
    value().await as usize + m.lock().unwrap().len()
}

// Both tools honour clippy's own `allow`.
// expect: none
#[allow(clippy::await_holding_lock)]
pub async fn allowed(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}
