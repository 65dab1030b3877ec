use async_mutex_service::{audit, login, logout, state::State};

fn assert_send<T: Send>(_: T) {}

#[test]
fn the_session_futures_are_send() {
    let state = State::new();
    assert_send(login::login(&state, 1, "a"));
    assert_send(logout::logout(&state, 1));
    assert_send(audit::count(&state));
}

#[tokio::test(flavor = "current_thread")]
async fn sessions_come_and_go() {
    let state = State::new();
    assert_eq!(login::login(&state, 1, "a").await, 1);
    assert_eq!(audit::count(&state).await, 1);
    assert_eq!(logout::logout(&state, 1).await.as_deref(), Some("a"));
    assert_eq!(audit::count(&state).await, 0);
}
