use crate::{round_trip, state::State};

/// No await here, but async: it acquires the session lock, so it awaits tokio's.
pub async fn count(state: &State) -> usize {
    state.sessions.lock().unwrap().len()
}

pub async fn note(state: &State, line: &str) -> usize {
    let mut log = state.log.lock().unwrap();
    round_trip().await;
    log.push(line.to_owned());
    log.len()
}

/// A plain sync fn: it could be called on a runtime thread, so `log` stays std's.
pub fn log_len(state: &State) -> usize {
    state.log.lock().unwrap().len()
}
