//! Uses `store`'s types across awaits.

use store::sync::Lock;
use store::{Conn, Store};

pub async fn tick() {}

/// `LockResult` held across the await, through a renamed re-export: no `unwrap` to go by.
pub async fn through_reexport(counter: &Lock<u32>) -> bool {
    let result = counter.lock();
    let ok = result.is_ok();
    tick().await;
    ok
}

/// `names()` returns `&RwLock`: the syntax cannot see it, rust-analyzer can.
pub async fn names_len(store: &Store) -> usize {
    let names = store.names().read().unwrap();
    let n = names.len();
    tick().await;
    n
}

/// A guard from another crate's method.
pub async fn first(store: &Store) -> u32 {
    let state = store.state();
    let first = state[0];
    tick().await;
    first
}

/// A guard inside another crate's struct.
pub async fn held_len(store: &Store) -> usize {
    let held = store.hold();
    let n = held.guard.len();
    tick().await;
    n
}

/// One arm of a `select!`, as tokio's spells it (a local one: this crate has no tokio).
macro_rules! select {
    ($pat:pat = $future:expr => $handler:expr) => {
        match $future.await {
            $pat => $handler,
        }
    };
}

/// The same guard as `first`'s in a `select!` arm: guardfix reads the arm itself, and asks
/// rust-analyzer's expansion of the macro for its types.
pub async fn first_in_arm(store: &Store) -> u32 {
    select! {
        () = tick() => {
            let in_arm = store.state();
            let first = in_arm[0];
            tick().await;
            first
        }
    }
}

/// Not a lock at all: `Conn::lock` returns a number.
pub async fn connection(conn: &Conn) -> usize {
    let n = conn.lock().unwrap();
    tick().await;
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        let store = Store::new();
        let counter = Lock::new(1);
        assert_send(through_reexport(&counter));
        assert_send(names_len(&store));
        assert_send(first(&store));
        assert_send(held_len(&store));
        assert_send(first_in_arm(&store));
        assert_send(connection(&Conn));
    }
}
