// A guard borrowed, then dropped in the arm that awaits: rustc still counts it live at the
// await. The block ends it before the `match`, and the `drop` goes.
use std::sync::Mutex;

async fn run() {}

#[derive(Clone, PartialEq)]
enum State {
    Open,
    Draining,
    Closed,
}

// The arm's `drop` is its first statement and the other arm computes its value without calls:
// nothing runs unlocked that ran locked (MachineApplicable).
async fn close(m: &Mutex<State>) -> bool {
    let g = m.lock().unwrap();
    let state = g.clone();
    match state {
        State::Open | State::Draining => {
            drop(g);
            run().await;
            true
        }
        State::Closed => false,
    }
}

// Work before the `drop` would now run unlocked: MaybeIncorrect, not applied by default.
async fn work_before_drop(m: &Mutex<State>, log: &Mutex<Vec<u8>>) -> bool {
    let g = m.lock().unwrap();
    let state = g.clone();
    match state {
        State::Open => {
            log.lock().unwrap().push(1);
            drop(g);
            run().await;
            true
        }
        _ => false,
    }
}

// Not fixed: the scrutinee borrows the guard itself, so no block before the `match` can end it.
async fn scrutinee_borrows(m: &Mutex<State>) -> bool {
    let g = m.lock().unwrap();
    match &*g {
        State::Open | State::Draining => {
            drop(g);
            run().await;
            true
        }
        State::Closed => false,
    }
}
