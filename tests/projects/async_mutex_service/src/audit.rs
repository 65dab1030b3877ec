use crate::state::State;

/// No await here, but async: it acquires the same lock, so it awaits tokio's.
pub async fn count(state: &State) -> usize {
    state.sessions.lock().unwrap().len()
}
