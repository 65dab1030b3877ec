//! A worker queue: jobs read under an `RwLock`, results appended in order.

use std::sync::{Arc, Mutex, RwLock};

use crate::io;

#[derive(Default)]
pub struct Queue {
    jobs: RwLock<Vec<u32>>,
    results: Mutex<Vec<u32>>,
}

async fn work(job: u32) -> u32 {
    io().await;
    job * 10
}

impl Queue {
    pub fn push(&self, job: u32) {
        self.jobs.write().unwrap().push(job);
    }

    /// A read guard whose length is all that is needed.
    pub async fn pending(&self) -> usize {
        let jobs = self.jobs.read().unwrap();
        let pending = jobs.len();
        io().await;
        pending
    }

    /// Results appended in job order: the guard spans the awaits on purpose, so that a
    /// second worker cannot interleave its results.
    pub async fn run_all(&self) -> usize {
        let jobs: Vec<u32> = self.jobs.read().unwrap().clone();
        let mut results = self.results.lock().unwrap();
        for job in jobs {
            results.push(work(job).await);
        }
        results.len()
    }

    pub async fn results(&self) -> Vec<u32> {
        self.results.lock().unwrap().clone()
    }
}

/// A worker that takes the next job under a short write lock.
pub async fn next_job(queue: Arc<Queue>) -> Option<u32> {
    let mut jobs = queue.jobs.write().unwrap();
    let job = if jobs.is_empty() { None } else { Some(jobs.remove(0)) };
    io().await;
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_in_order() {
        let queue = Queue::default();
        queue.push(1);
        queue.push(2);
        assert_eq!(queue.pending().await, 2);
        assert_eq!(queue.run_all().await, 2);
        assert_eq!(queue.results().await, [10, 20]);
    }

    // Spawned tasks need `Send` futures: with the send checks only.
    #[cfg(feature = "send-checks")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_runs_do_not_interleave() {
        let queue = Arc::new(Queue::default());
        for job in 0..20 {
            queue.push(job);
        }
        let a = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.run_all().await }
        });
        let b = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.run_all().await }
        });
        a.await.unwrap();
        b.await.unwrap();
        let results = queue.results().await;
        let expected: Vec<u32> = (0..20).map(|job| job * 10).collect();
        assert_eq!(&results[..20], &expected[..], "the first run's results stay together");
        assert_eq!(&results[20..], &expected[..], "the second run's results stay together");
    }

    #[tokio::test]
    async fn takes_jobs_one_by_one() {
        let queue = Arc::new(Queue::default());
        queue.push(5);
        assert_eq!(next_job(Arc::clone(&queue)).await, Some(5));
        assert_eq!(next_job(queue).await, None);
    }
}
