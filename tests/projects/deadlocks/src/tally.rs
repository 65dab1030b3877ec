//! Sync helpers of `registry.rs`.

pub fn count() -> usize {
    crate::registry::REGISTRY.lock().unwrap().len()
}
