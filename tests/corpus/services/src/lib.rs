//! Service code that holds std and parking_lot locks across awaits, in the shapes real
//! services have them: caches, rate limiters, registries, connection pools, worker queues.

pub mod cache;
pub mod limiter;
pub mod pool;
pub mod queue;
pub mod registry;

#[cfg(feature = "send-checks")]
mod send_checks;

/// Stands for network or disk I/O: a real suspension point.
pub async fn io() {
    tokio::task::yield_now().await;
}
