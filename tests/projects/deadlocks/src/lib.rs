//! Locks taken again while a guard of them is alive: each `*_hangs` fn never returns, each
//! `*_fixed` fn is the same work done right, and the look-alikes release first or take a
//! different lock. `tests/deadlocks.rs` runs them all under a timeout.

use std::sync::Mutex as StdMutex;

mod counter;
pub mod bank;
pub mod registry;
pub mod serialised;
mod store;
mod tally;
pub use counter::Counter;
pub use store::Store;

/// The `match` scrutinee's temporary guard lives through the arms: the arm waits for it.
pub async fn push_if_empty_hangs(m: &StdMutex<Vec<u32>>) {
    match m.lock().unwrap().len() {
        0 => m.lock().unwrap().push(1),
        _ => {}
    }
    tokio::task::yield_now().await;
}

pub async fn push_if_empty_fixed(m: &StdMutex<Vec<u32>>) {
    let len = m.lock().unwrap().len();
    if len == 0 {
        m.lock().unwrap().push(1);
    }
    tokio::task::yield_now().await;
}

/// In edition 2021 the `if let` scrutinee's guard lives through `else` as well.
pub async fn first_or_push_hangs(m: &StdMutex<Vec<u32>>) -> u32 {
    let first = if let Some(first) = m.lock().unwrap().first().copied() {
        first
    } else {
        m.lock().unwrap().push(7);
        7
    };
    tokio::task::yield_now().await;
    first
}

pub async fn first_or_push_fixed(m: &StdMutex<Vec<u32>>) -> u32 {
    let found = m.lock().unwrap().first().copied();
    let first = match found {
        Some(first) => first,
        None => {
            m.lock().unwrap().push(7);
            7
        }
    };
    tokio::task::yield_now().await;
    first
}

/// Awaits a task that needs the lock this fn holds: each waits for the other.
pub async fn await_task_hangs(state: std::sync::Arc<tokio::sync::Mutex<u32>>) -> u32 {
    let guard = state.lock().await;
    let shared = state.clone();
    let task = tokio::spawn(async move {
        *shared.lock().await += 1;
    });
    let _ = task.await;
    *guard
}

pub async fn await_task_fixed(state: std::sync::Arc<tokio::sync::Mutex<u32>>) -> u32 {
    let shared = state.clone();
    let task = tokio::spawn(async move {
        *shared.lock().await += 1;
    });
    let _ = task.await;
    let guard = state.lock().await;
    *guard
}

/// Waits for a reply from a task that needs the lock this fn holds.
pub async fn await_reply_hangs(state: std::sync::Arc<tokio::sync::Mutex<u32>>) -> u32 {
    let guard = state.lock().await;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let shared = state.clone();
    tokio::spawn(async move {
        let value = *shared.lock().await;
        let _ = reply.send(value);
    });
    let value = answer.await.unwrap_or_default();
    value + *guard
}

pub async fn await_reply_fixed(state: std::sync::Arc<tokio::sync::Mutex<u32>>) -> u32 {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let shared = state.clone();
    tokio::spawn(async move {
        let value = *shared.lock().await;
        let _ = reply.send(value);
    });
    let value = answer.await.unwrap_or_default();
    value + *state.lock().await
}

/// A std guard held across the await of a blocking task that takes the same lock: switching
/// it to tokio's lock would compile and still hang, so guardfix does not offer the switch.
pub async fn tally_in_background_hangs(table: std::sync::Arc<StdMutex<u32>>) -> u32 {
    let guard = table.lock().unwrap();
    let shared = std::sync::Arc::clone(&table);
    let _ = tokio::task::spawn_blocking(move || *shared.lock().unwrap() += 1).await;
    *guard
}
