//! Each deadlock for real: the `*_hangs` fns do not finish in a generous time, the `*_fixed`
//! fns and the look-alikes do.

use std::sync::{Arc, Mutex as StdMutex, mpsc};
use std::time::Duration;

use deadlocks::*;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_millis(500);

#[tokio::test]
async fn a_tokio_lock_taken_twice_hangs() {
    let counter = Counter::default();
    assert!(timeout(WAIT, counter.count_then_push_hangs()).await.is_err(), "it should hang");
    let counter = Counter::default();
    assert_eq!(timeout(WAIT, counter.count_then_push_fixed()).await, Ok(0));
    assert_eq!(timeout(WAIT, counter.count_then_push_released()).await, Ok(1));
    assert_eq!(timeout(WAIT, counter.copy_to_other()).await, Ok(2));
}

#[tokio::test]
async fn a_call_that_takes_the_held_lock_hangs() {
    let counter = Counter::default();
    assert!(timeout(WAIT, counter.count_then_refresh_hangs()).await.is_err(), "it should hang");
    let counter = Counter::default();
    assert_eq!(timeout(WAIT, counter.count_then_refresh_fixed()).await, Ok(0));
    assert_eq!(*counter.state.lock().await, [0]);
}

/// A std lock taken twice blocks its thread, where no timeout can reach: run it on a thread of
/// its own and see whether it reports back (the blocked thread ends with the test process).
fn finishes<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    finished.recv_timeout(WAIT).ok()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

#[test]
fn a_match_arm_locking_the_scrutinee_s_lock_deadlocks() {
    let m = Arc::new(StdMutex::new(Vec::new()));
    let held = m.clone();
    assert!(finishes(move || block_on(push_if_empty_hangs(&held))).is_none(), "it should hang");
    let m = Arc::new(StdMutex::new(Vec::new()));
    let fixed = m.clone();
    assert!(finishes(move || block_on(push_if_empty_fixed(&fixed))).is_some());
    assert_eq!(*m.lock().unwrap(), [1]);
}

#[test]
fn an_else_branch_locking_the_scrutinee_s_lock_deadlocks_before_edition_2024() {
    let m = Arc::new(StdMutex::new(Vec::new()));
    let held = m.clone();
    assert!(finishes(move || block_on(first_or_push_hangs(&held))).is_none(), "it should hang");
    let m = Arc::new(StdMutex::new(Vec::new()));
    let fixed = m.clone();
    assert_eq!(finishes(move || block_on(first_or_push_fixed(&fixed))), Some(7));
}

#[tokio::test]
async fn awaiting_a_task_that_needs_the_held_lock_hangs() {
    let state = Arc::new(tokio::sync::Mutex::new(0));
    assert!(timeout(WAIT, await_task_hangs(state)).await.is_err(), "it should hang");
    let state = Arc::new(tokio::sync::Mutex::new(0));
    assert_eq!(timeout(WAIT, await_task_fixed(state)).await, Ok(1));
}

#[tokio::test]
async fn the_serialised_fns_do_their_work() {
    let counts = tokio::sync::Mutex::new(Vec::new());
    assert_eq!(deadlocks::serialised::tally(&counts).await, 2);
    assert_eq!(*counts.lock().await, [1, 2]);
    let client = tokio::sync::Mutex::new(deadlocks::serialised::Client { calls: 0 });
    assert_eq!(deadlocks::serialised::ask(&client).await, 3);
    assert_eq!(client.lock().await.calls, 2);
}

#[tokio::test]
async fn two_locks_in_opposite_orders_hang_when_run_together() {
    let bank = deadlocks::bank::Bank::default();
    let both = async { tokio::join!(bank.deposit(), bank.audit_hangs()) };
    assert!(timeout(WAIT, both).await.is_err(), "it should hang");
    let bank = deadlocks::bank::Bank::default();
    let both = async { tokio::join!(bank.deposit(), bank.audit_fixed()) };
    assert_eq!(timeout(WAIT, both).await.map(|(_, total)| total), Ok(2));
}

#[tokio::test]
async fn waiting_for_a_reply_from_a_task_that_needs_the_held_lock_hangs() {
    let state = Arc::new(tokio::sync::Mutex::new(1));
    assert!(timeout(WAIT, await_reply_hangs(state)).await.is_err(), "it should hang");
    let state = Arc::new(tokio::sync::Mutex::new(1));
    assert_eq!(timeout(WAIT, await_reply_fixed(state)).await, Ok(2));
}

#[test]
fn awaiting_a_blocking_task_that_needs_the_held_std_lock_hangs() {
    let table = Arc::new(StdMutex::new(0));
    let held = table.clone();
    let hangs = finishes(move || block_on(tally_in_background_hangs(held)));
    assert!(hangs.is_none(), "it should hang");
}

#[tokio::test]
async fn a_call_into_another_file_that_takes_the_held_lock_hangs() {
    let store = Store::default();
    assert!(timeout(WAIT, store.lookup_hangs()).await.is_err(), "it should hang");
    let store = Store::default();
    assert_eq!(timeout(WAIT, store.lookup_fixed()).await, Ok(1));
    assert_eq!(timeout(WAIT, store.lookup_later()).await, Ok(1));
    assert_eq!(*store.index.lock().await, [0, 0]);
}

#[tokio::test]
async fn two_files_taking_two_locks_in_opposite_orders_deadlock() {
    let store = Store::default();
    let both = async { tokio::join!(store.append(1), store.flush_hangs()) };
    assert!(timeout(WAIT, both).await.is_err(), "it should hang");
    let store = Store::default();
    let both = async { tokio::join!(store.append(1), store.flush_fixed()) };
    assert_eq!(timeout(WAIT, both).await, Ok(((), 2)));
}

#[test]
fn a_fn_of_another_file_locking_the_held_static_deadlocks() {
    assert_eq!(finishes(|| block_on(deadlocks::registry::register_fixed(1))), Some(1));
    assert!(finishes(|| block_on(deadlocks::registry::register_hangs(2))).is_none(), "it should hang");
}
