use std::sync::Arc;

use async_mutex_service::{audit, login, logout, settings, state::State};

fn assert_send<T: Send>(_: T) {}

#[test]
fn the_switched_futures_are_send() {
    let state = State::new();
    assert_send(login::login(&state, 1, "a"));
    assert_send(logout::logout(&state, 1));
    assert_send(audit::count(&state));
    assert_send(settings::add(&state, "x"));
}

#[tokio::test(flavor = "current_thread")]
async fn sessions_and_settings_come_and_go() {
    let state = Arc::new(State::new());
    assert_eq!(login::login(&state, 1, "a").await, 1);
    assert_eq!(audit::count(&state).await, 1);
    assert_eq!(logout::logout(&state, 1).await.as_deref(), Some("a"));
    assert_eq!(audit::count(&state).await, 0);
    assert_eq!(settings::add(&state, "x").await, 1);
    assert_eq!(settings::snapshot(Arc::clone(&state)).await.unwrap(), ["x"]);
    assert_eq!(audit::log_len(&state), 0);
}
