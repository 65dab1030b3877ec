//! A connection pool: idle connections behind std and parking_lot locks.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use crate::io;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conn {
    pub id: u32,
}

impl Conn {
    async fn ping(&self) -> u32 {
        io().await;
        self.id
    }
}

pub struct Pool {
    idle: Mutex<Vec<Conn>>,
    all: parking_lot::Mutex<Vec<Conn>>,
    pings: parking_lot::RwLock<u64>,
}

impl Pool {
    pub fn new(size: u32) -> Pool {
        let conns: Vec<Conn> = (0..size).map(|id| Conn { id }).collect();
        Pool {
            idle: Mutex::new(conns.clone()),
            all: parking_lot::Mutex::new(conns),
            pings: parking_lot::RwLock::new(0),
        }
    }

    /// Checkout: the idle list is popped under the lock, then the connection is pinged.
    pub async fn checkout(&self) -> Option<u32> {
        let mut idle = self.idle.lock().unwrap();
        let conn = idle.pop()?;
        let id = conn.ping().await;
        Some(id)
    }

    /// Poison recovery: the guard comes out of a `match` on the `LockResult`.
    pub async fn idle_count(&self) -> usize {
        let idle = match self.idle.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let count = idle.len();
        io().await;
        count
    }

    /// Poison recovery with `unwrap_or_else`.
    pub async fn give_back(&self, conn: Conn) -> usize {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.push(conn);
        let count = idle.len();
        io().await;
        count
    }

    /// A parking_lot guard, never borrowed after it is taken: a plain critical section.
    pub async fn bump_pings(&self) -> u64 {
        let mut pings = self.pings.write();
        *pings += 1;
        let now = *pings;
        io().await;
        now
    }

    /// Iterating a guarded list and awaiting per item.
    pub async fn ping_all(&self) -> u32 {
        let mut total = 0;
        for conn in self.all.lock().iter() {
            total += conn.ping().await;
        }
        total
    }
}

/// A queue of jobs drained with `while let`.
pub async fn drain(jobs: &Mutex<VecDeque<u32>>) -> u32 {
    let mut done = 0;
    while let Some(job) = jobs.lock().unwrap().pop_front() {
        io().await;
        done += job;
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_out_until_empty() {
        let pool = Pool::new(2);
        assert_eq!(pool.checkout().await, Some(1));
        assert_eq!(pool.idle_count().await, 1);
        assert_eq!(pool.checkout().await, Some(0));
        assert_eq!(pool.checkout().await, None);
        assert_eq!(pool.give_back(Conn { id: 7 }).await, 1);
    }

    #[tokio::test]
    async fn pings() {
        let pool = Pool::new(3);
        assert_eq!(pool.bump_pings().await, 1);
        assert_eq!(pool.bump_pings().await, 2);
        assert_eq!(pool.ping_all().await, 3);
    }

    #[tokio::test]
    async fn drains_the_queue() {
        let jobs = Mutex::new(VecDeque::from([1, 2, 3]));
        assert_eq!(drain(&jobs).await, 6);
        assert!(jobs.lock().unwrap().is_empty());
    }
}
