// Rules that edition 2024 changed: `if let` scrutinee temporaries and block tail expressions.
use std::sync::Mutex;

async fn tick() {}

async fn if_let_else_branch(m: &Mutex<Vec<u32>>) {
    if let Some(x) = m.lock().unwrap().first().copied() {
        let _ = x;
    } else {
        // 2021: the guard is still held here; 2024: dropped before `else`.
        tick().await;
    }
}

async fn if_let_then_branch(m: &Mutex<Vec<u32>>) {
    if let Some(x) = m.lock().unwrap().pop() {
        // Held in the `then` branch in every edition.
        let _ = x;
        tick().await;
    }
}

async fn tail_expression_in_match_scrutinee(m: &Mutex<Vec<u32>>) {
    match { m.lock().unwrap().first().copied() } {
        Some(_) => tick().await,
        None => {}
    }
}

async fn if_let_binding_a_guard(m: &Mutex<Vec<u32>>) {
    if let Ok(mut g) = m.try_lock() {
        g.push(1);
        tick().await;
    }
}

// Edition 2021: the failed pattern's `Err` lives through `else`; no lock is held there, but the
// future is not `Send`. Edition 2024 drops it before `else`.
fn try_lock_helper(m: &Mutex<u32>) -> std::sync::TryLockResult<std::sync::MutexGuard<'_, u32>> {
    m.try_lock()
}

async fn unmatched_scrutinee(m: &Mutex<u32>) {
    if let Ok(guard) = try_lock_helper(m) {
        let _ = *guard;
    } else {
        tick().await;
    }
}
