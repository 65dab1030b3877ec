use crate::{round_trip, state::State};

pub async fn logout(state: &State, id: u32) -> Option<String> {
    let mut sessions = state.sessions.lock().expect("sessions lock");
    round_trip().await;
    sessions.remove(&id)
}
