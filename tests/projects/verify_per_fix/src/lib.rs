use std::sync::Mutex;

pub mod old;

pub async fn tick() {}

pub struct Names {
    list: Vec<String>,
}

impl Names {
    /// Named like a count, but borrows from `self`: only the compiler sees that.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> &str {
        &self.list[0]
    }
}

pub async fn good_a(counter: &Mutex<u64>) -> u64 {
    let mut guard = counter.lock().unwrap();
    *guard += 1;
    let value = *guard;
    tick().await;
    value
}

pub async fn good_b(log: &Mutex<Vec<u8>>) -> usize {
    let mut log = log.lock().unwrap();
    log.push(1);
    let count = log.len();
    tick().await;
    count
}

/// The fix of this one does not compile (`Names::len` borrows from the guard).
pub async fn bad(names: &Mutex<Names>) -> usize {
    let guard = names.lock().unwrap();
    let first = guard.len();
    tick().await;
    first.len()
}

pub async fn good_c(log: &Mutex<Vec<u8>>) -> bool {
    let log = log.lock().unwrap();
    let empty = log.is_empty();
    tick().await;
    empty
}

fn assert_send<T: Send>(_: T) {}

/// Does not compile before the fix: `good_a`'s future holds a guard across its await.
pub fn spawnable(counter: &Mutex<u64>) {
    assert_send(good_a(counter));
}
