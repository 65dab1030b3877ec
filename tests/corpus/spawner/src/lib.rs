//! Background tasks handed to `tokio::spawn`: before guardfix, this crate does not compile
//! ("future cannot be sent between threads safely").

use std::sync::{Arc, Mutex as StdMutex};

use tokio::task::JoinHandle;

async fn tick() {
    tokio::task::yield_now().await;
}

/// The textbook case: a std lock in an `Arc`, its guard used on both sides of an await in a
/// spawned task, the log read back once the task is done.
pub async fn record_events(events: usize) -> Vec<String> {
    let data: Arc<StdMutex<Vec<String>>> = Arc::new(StdMutex::new(vec![]));
    let shared = Arc::clone(&data);
    let handle: JoinHandle<usize> = tokio::spawn(async move {
        for n in 0..events {
            let mut log = shared.lock().unwrap();
            log.push(format!("start {n}"));
            tick().await;
            log.push(format!("end {n}"));
        }
        shared.lock().unwrap().len()
    });
    let recorded = handle.await.unwrap();
    let log = data.lock().unwrap().clone();
    assert_eq!(log.len(), recorded);
    log
}

/// A counter bumped in a spawned task, the guard released only at the end of the block.
pub fn count_in_background(counter: Arc<StdMutex<u64>>, times: u64) -> JoinHandle<u64> {
    tokio::spawn(async move {
        let mut last = 0;
        for _ in 0..times {
            let mut count = counter.lock().unwrap();
            *count += 1;
            last = *count;
            tick().await;
        }
        last
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_are_recorded_in_pairs() {
        let log = record_events(3).await;
        assert_eq!(log.len(), 6);
        assert_eq!(log[0], "start 0");
        assert_eq!(log[1], "end 0");
    }

    #[tokio::test]
    async fn counts() {
        let counter = Arc::new(StdMutex::new(0));
        assert_eq!(count_in_background(Arc::clone(&counter), 4).await.unwrap(), 4);
    }
}
