// options: unsafe-fixes
// The awaited call needs what the guard holds: the part it needs is read out under the lock
// first (clone-out), and a `Copy` field that decides a `match` is taken out of it.
use std::sync::Mutex;

async fn announce(_count: usize) {}
async fn parse(_text: &String) -> usize {
    0
}

#[derive(Clone, Copy)]
enum Phase {
    Idle,
    Busy,
}

struct State {
    phase: Phase,
    names: Vec<String>,
    buffer: String,
}

// A count: owned, so the await gets it and the lock is released first.
async fn tail_count(log: &Mutex<Vec<String>>) {
    announce(log.lock().unwrap().len()).await
}

async fn statement_count(state: &Mutex<State>) {
    announce(state.lock().unwrap().names.len()).await;
}

// Borrowed from the guard and passed by reference: cloned, the await sees a snapshot
// (MaybeIncorrect).
async fn by_reference(state: &Mutex<State>) -> usize {
    parse(&state.lock().unwrap().buffer).await
}

// A `Copy` field as the scrutinee: taken out (MaybeIncorrect without types, as only a
// `Copy` field can be).
async fn copy_scrutinee(state: &Mutex<State>) -> &'static str {
    match state.lock().unwrap().phase {
        Phase::Idle => {
            announce(0).await;
            "ran"
        }
        Phase::Busy => "skipped",
    }
}

// Something with effects runs before the read, which now runs first: MaybeIncorrect.
async fn effect_before(log: &Mutex<Vec<String>>) {
    announce(side_effect() + log.lock().unwrap().len()).await;
}

fn side_effect() -> usize {
    1
}
