//! tokio's lock held across awaits that do not need it: legal, but every waiter queues for as
//! long as the await takes (`check --include-async-locks`). `tests/deadlocks.rs` (guardfix's)
//! splits `tally` in two with `--unsafe-fixes` and runs this crate's tests on the result.

use tokio::sync::Mutex;

/// Counts a visit, waits, counts another: the wait does not touch the counts.
pub async fn tally(counts: &Mutex<Vec<u32>>) -> usize {
    let mut counts_now = counts.lock().await;
    counts_now.push(1);
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    counts_now.push(2);
    counts_now.len()
}

pub struct Client {
    pub calls: u32,
}

impl Client {
    pub async fn query(&mut self, q: &str) -> usize {
        self.calls += 1;
        tokio::task::yield_now().await;
        q.len()
    }
}

/// A service client behind a lock, doing its async work under it: the lock must span the
/// awaits; a task owning the client would be the better design.
pub async fn ask(client: &Mutex<Client>) -> usize {
    let mut conn = client.lock().await;
    let n = conn.query("a").await;
    n + conn.query("bc").await
}
