use crate::{round_trip, state::State};

pub async fn add(state: &State, setting: &str) -> usize {
    let mut settings = state.settings.lock().unwrap();
    round_trip().await;
    settings.push(setting.to_owned());
    settings.len()
}

/// A sync use: tokio's lock would need `blocking_lock()` here.
pub fn snapshot(state: &State) -> Vec<String> {
    state.settings.lock().unwrap().clone()
}
