use std::sync::Mutex;

pub async fn bump(counter: &Mutex<u64>) -> u64 {
    let mut guard = counter.lock().unwrap();
    *guard += 1;
    let value = *guard;
    crate::tick().await;
    value
}
