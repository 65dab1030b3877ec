use crate::{round_trip, state::State};

/// Holds the table while the session is verified: the insert must see the same table.
pub async fn login(state: &State, id: u32, name: &str) -> usize {
    let mut sessions = state.sessions.lock().unwrap();
    round_trip().await;
    sessions.insert(id, name.to_owned());
    sessions.len()
}
