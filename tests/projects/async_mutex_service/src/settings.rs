use std::sync::Arc;

use crate::{round_trip, state::State};

pub async fn add(state: &State, setting: &str) -> usize {
    let mut settings = state.settings.lock().unwrap();
    round_trip().await;
    settings.push(setting.to_owned());
    settings.len()
}

/// A sync use on a blocking thread, never a runtime worker.
pub fn snapshot(state: Arc<State>) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::task::spawn_blocking(move || state.settings.lock().unwrap().clone())
}
