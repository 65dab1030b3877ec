//! A service whose session table is locked across awaits on purpose: the guard is used after
//! the await, so only switching to tokio's lock (or restructuring) fixes it.

pub mod audit;
pub mod login;
pub mod logout;
pub mod settings;
pub mod state;

pub async fn round_trip() {
    tokio::task::yield_now().await;
}
