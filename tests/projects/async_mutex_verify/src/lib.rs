//! The counter's lock is declared in `state.rs` and held across an await here; `helper.rs`
//! (which the switch does not edit) takes std's guard, so the switched crate does not compile
//! and `--verify` must take back the switch in both files.

mod helper;
pub mod state;

pub async fn add(counter: &state::Counter) -> u32 {
    let mut guard = counter.value.lock().unwrap();
    tokio::task::yield_now().await;
    helper::bump(&mut guard);
    *guard
}
